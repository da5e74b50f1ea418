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
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") is True and "type" in out:
            t = out["type"]
            out["type"] = [*t, "null"] if isinstance(t, list) else [t, "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


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
