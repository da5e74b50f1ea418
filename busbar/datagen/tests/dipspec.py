"""Load the official DIP API schemas from ``../shared/dip-spec`` and validate messages against them.

The YAML files ``$ref`` each other by their upstream raw URL; those are mapped to the local folder. OpenAPI
3.0 ``nullable: true`` is rewritten to JSON Schema's "type or null". The folder is found from the
``BUSBAR_DIP_SPEC`` environment variable or by walking up from this file to a sibling ``shared/dip-spec``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

UPSTREAM = "https://raw.githubusercontent.com/elexon-data/dip-api-documentation/main/"
FILES = (
    "Interfaces-EventCodes-unresolved.yaml",
    "RealCommonBlocks-unresolved.yaml",
    "DataCatalogue-unresolved.yaml",
    "DataTypes-unresolved.yaml",
    "SubmitEvents-unresolved.yaml",
)


def spec_dir() -> Path | None:
    env = os.environ.get("BUSBAR_DIP_SPEC")
    if env:
        return Path(env) if (Path(env) / FILES[0]).is_file() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "dip-spec"
        if (candidate / FILES[0]).is_file():
            return candidate
    return None


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable`` as JSON Schema (the simulator's own reading of the specification)."""
    from busbar.dip.spec import nullable

    return nullable(node)


@cache
def registry():
    import yaml
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    folder = spec_dir()
    assert folder is not None
    resources = []
    for name in FILES:
        with open(folder / name, encoding="utf-8") as fh:
            if yaml.__with_libyaml__:  # the C parser is five times faster on these 25,000 lines
                doc = _nullable(yaml.load(fh, Loader=yaml.CSafeLoader))
            else:
                doc = _nullable(yaml.safe_load(fh))
        resources.append((UPSTREAM + name, Resource.from_contents(doc, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def _validator(schema: dict):
    from jsonschema import Draft7Validator

    return Draft7Validator(schema, registry=registry())


def _ref(file: str, name: str) -> dict:
    return {"$ref": f"{UPSTREAM}{file}#/components/schemas/{name}"}


@cache
def submission_validator(interface: str):
    """Validator for one POST body of the IF's /validate endpoint: an array of ``{"payload": ...}``."""
    return _validator(
        {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["payload"],
                "additionalProperties": False,
                "properties": {
                    "payload": _ref("Interfaces-EventCodes-unresolved.yaml", f"{interface}-Payload")
                },
            },
        }
    )


@cache
def dip_message_array_validator():
    """Validator for the /dip-channel/{id} request body (DIPMessageArray: any interface payload)."""
    return _validator(_ref("SubmitEvents-unresolved.yaml", "DIPMessageArray"))


def errors(validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def _contents(file: str, name: str) -> dict:
    return registry().contents(f"{UPSTREAM}{file}").get("components", {}).get("schemas", {})[name]


class FastIF021:
    """Schema validation of IF-021 submissions, decomposed so thousands of messages validate in seconds.

    A B047 period is an object of exactly the five properties the spec lists, each validated by its own
    subschema; validating each distinct property value once with that subschema (memoised), checking the key
    set, the B901 minItems/maxItems, and then the whole message with each day's periods cut to the first
    one against the full IF-021 schema, is the same check as full validation. The structure is read from the
    spec itself and asserted, so a spec change that breaks the decomposition fails loudly; a test also
    compares the two on generated and on invalid messages.
    """

    def __init__(self) -> None:
        b047 = _contents("RealCommonBlocks-unresolved.yaml", "B047")
        assert b047["type"] == "object" and b047["additionalProperties"] is False
        assert set(b047) <= {"description", "type", "additionalProperties", "properties", "required"}
        self.keys = set(b047["properties"])
        assert set(b047["required"]) == self.keys
        self.field = {k: _validator(v) for k, v in b047["properties"].items()}
        b901 = _contents("RealCommonBlocks-unresolved.yaml", "B901")["properties"]["consumptionPeriods"]
        self.min_items, self.max_items = b901["minItems"], b901["maxItems"]
        assert set(b901) == {"type", "minItems", "maxItems", "items"}
        self.full = submission_validator("IF-021")
        self.memo: dict[tuple[str, Any], bool] = {}

    def _value_ok(self, key: str, value: Any) -> bool:
        memo_key = (key, value if not isinstance(value, (dict, list)) else repr(value))
        if memo_key not in self.memo:
            self.memo[memo_key] = self.field[key].is_valid(value)
        return self.memo[memo_key]

    def errors(self, submission: Any) -> list[str]:
        if not isinstance(submission, list):
            return errors(self.full, submission)
        out: list[str] = []
        reduced = []
        for i, msg in enumerate(submission):
            try:
                days = msg["payload"]["CustomBlock"]["B900"]["settlementDayConsumptionPeriods"]
            except (KeyError, TypeError):
                reduced.append(msg)
                continue
            cut_days = []
            for j, day in enumerate(days):
                periods = day.get("consumptionPeriods") if isinstance(day, dict) else None
                if not isinstance(periods, list) or not periods:
                    cut_days.append(day)
                    continue
                if not self.min_items <= len(periods) <= self.max_items:
                    out.append(f"{i}/.../{j}/consumptionPeriods: {len(periods)} items")
                for k, p in enumerate(periods):
                    if not isinstance(p, dict) or set(p) != self.keys:
                        keys = sorted(p) if isinstance(p, dict) else p
                        out.append(f"{i}/.../{j}/consumptionPeriods/{k}: keys {keys}")
                        continue
                    out += [f"{i}/.../{j}/consumptionPeriods/{k}/{key}: {p[key]!r}" for key in self.keys
                            if not self._value_ok(key, p[key])]  # fmt: skip
                cut_days.append({**day, "consumptionPeriods": periods[:1]})
            b900 = {**msg["payload"]["CustomBlock"]["B900"], "settlementDayConsumptionPeriods": cut_days}
            custom = {**msg["payload"]["CustomBlock"], "B900": b900}
            reduced.append({**msg, "payload": {**msg["payload"], "CustomBlock": custom}})
        return out + errors(self.full, reduced)


@cache
def fast_if021() -> FastIF021:
    return FastIF021()
