"""The DIP API specification, read at run time from the directory the user names.

The upstream specification (the public elexon-data/dip-api-documentation repository) carries no licence,
so Busbar does not ship it: the setting ``BUSBAR_DIP_SPEC_DIR`` names a folder holding its YAML files, as
published (``SubmitEvents-unresolved.yaml``, ``Interfaces-EventCodes-unresolved.yaml`` and the rest).
:func:`load` reads them once per folder and gives a :class:`Spec`:

* the documents, keyed by the upstream raw URL their ``$ref``\\ s use, with OpenAPI 3.0's
  ``nullable: true`` rewritten to JSON Schema's "type or null";
* :attr:`Spec.response_codes`: the official codes (``MSG…`` for the channel, ``RCP…``, ``REG…``,
  ``ECS…`` for recipients) with their meanings, read from the ResponseCodes document;
* :attr:`Spec.interfaces`: each interface (``IF-021`` …) with the event codes of its ``/validate`` paths.

A missing folder or file raises :class:`SpecMissing`, whose message names the setting and where to get
the files.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UPSTREAM = "https://raw.githubusercontent.com/elexon-data/dip-api-documentation/main/"
#: The files the simulator reads (all of them ``$ref`` one another).
FILES = (
    "SubmitEvents-unresolved.yaml",
    "Interfaces-EventCodes-unresolved.yaml",
    "RealCommonBlocks-unresolved.yaml",
    "DataCatalogue-unresolved.yaml",
    "DataTypes-unresolved.yaml",
    "ResponseCodes-unresolved.yaml",
    "ECS-CommonBlocks-unresolved.yaml",
)
SETTING = "BUSBAR_DIP_SPEC_DIR"
WHERE = (
    "the YAML files of the DIP API specification, from the public repository "
    "https://github.com/elexon-data/dip-api-documentation"
)
_CODE_LINE = re.compile(r"^\s*-\s*([A-Z]{2,3}\d{3,4})\s*#\s*(.+?)\s*$")
_VALIDATE_PATH = re.compile(r"^/validate/(IF-\d{3}[A-Z]?|REP-\d{3}[A-Z]?)/([A-Za-z0-9]+)$")


class SpecMissing(RuntimeError):
    """The specification folder is not set, or lacks a file."""


@dataclass
class Spec:
    folder: Path
    documents: dict[str, dict[str, Any]]
    response_codes: dict[str, str]
    interfaces: dict[str, list[str]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return UPSTREAM + name

    def schema(self, file: str, name: str) -> dict[str, Any]:
        """One schema of ``components/schemas`` of ``file`` (KeyError when there is none)."""
        return self.documents[UPSTREAM + file]["components"]["schemas"][name]

    def ref(self, file: str, name: str) -> dict[str, str]:
        """A ``$ref`` to one of ``file``'s schemas, as the specification writes them."""
        return {"$ref": f"{UPSTREAM}{file}#/components/schemas/{name}"}

    def has_schema(self, file: str, name: str) -> bool:
        return name in self.documents[UPSTREAM + file].get("components", {}).get("schemas", {})


def nullable(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` as JSON Schema: the type, or null."""
    if isinstance(node, dict):
        out = {k: nullable(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") is True and "type" in out:
            t = out["type"]
            out["type"] = [*t, "null"] if isinstance(t, list) else [t, "null"]
        return out
    if isinstance(node, list):
        return [nullable(v) for v in node]
    return node


def configured_dir() -> Path:
    """The folder the setting names; :class:`SpecMissing` when unset or missing a file."""
    from django.conf import settings

    value = getattr(settings, SETTING, "") or ""
    if not value:
        raise SpecMissing(f"The DIP simulator needs {WHERE}: set {SETTING} to the folder holding them.")
    return check_dir(Path(value))


def check_dir(folder: Path) -> Path:
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise SpecMissing(
            f"{SETTING} is {str(folder)!r}, which lacks {', '.join(missing)}: it must hold {WHERE}."
        )
    return folder


def _read_yaml(path: Path) -> Any:
    import yaml

    with open(path, encoding="utf-8") as fh:
        loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader  # the C parser is 5x faster
        return yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader, chosen above


def _response_codes(path: Path) -> dict[str, str]:
    """The codes and their meanings: the ResponseCodes document lists them as an enum with the meaning in
    a comment on each line (YAML drops comments, so the lines are read as text)."""
    codes: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found = _CODE_LINE.match(line)
        if found:
            codes[found.group(1)] = found.group(2)
    return codes


def _interfaces(submit: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in submit.get("paths", {}):
        found = _VALIDATE_PATH.match(path)
        if found:
            out.setdefault(found.group(1), []).append(found.group(2))
    return dict(sorted(out.items()))


_cache: dict[Path, Spec] = {}
_lock = threading.Lock()


def load(folder: Path | None = None) -> Spec:
    """The specification in ``folder`` (default: the setting's), read once per folder and process."""
    folder = check_dir(Path(folder)) if folder is not None else configured_dir()
    key = folder.resolve()
    with _lock:
        if key not in _cache:
            documents = {UPSTREAM + name: nullable(_read_yaml(folder / name)) for name in FILES}
            codes = _response_codes(folder / "ResponseCodes-unresolved.yaml")
            enum = documents[UPSTREAM + "ResponseCodes-unresolved.yaml"]["components"]["schemas"]
            listed = set(next(iter(enum.values())).get("enum", []))
            if not codes or set(codes) != listed:
                raise SpecMissing(
                    f"The response codes in {folder / 'ResponseCodes-unresolved.yaml'} could not be read "
                    f"({len(codes)} with a meaning, {len(listed)} listed)"
                )
            _cache[key] = Spec(
                folder=folder,
                documents=documents,
                response_codes=codes,
                interfaces=_interfaces(documents[UPSTREAM + "SubmitEvents-unresolved.yaml"]),
            )
        return _cache[key]
