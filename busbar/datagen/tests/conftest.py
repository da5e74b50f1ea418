from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import orjson
import pytest

from busbar.datagen import cli
from busbar.datagen.tests import dipspec

EXAMPLE_CSV = Path(__file__).resolve().parents[1] / "examples" / "consumption.csv"


@pytest.fixture(scope="session")
def spec() -> Path:
    """The official DIP schemas. Missing: fail in CI, skip with the reason elsewhere."""
    folder = dipspec.spec_dir()
    if folder is None:
        reason = (
            "DIP API spec not found: set BUSBAR_DIP_SPEC or place it at ../shared/dip-spec "
            "(Interfaces-EventCodes-unresolved.yaml and the files it references)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    return folder


def generate(tmp_path: Path, *args: str, name: str = "out.jsonl", expect: int = 0) -> Path:
    out = tmp_path / name
    rc = cli.main([*args, "--out", str(out), "--quiet", "--no-progress"])
    assert rc == expect, f"exit code {rc}"
    return out


def read_lines(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.splitlines()


def submissions(path: Path) -> list[list[dict[str, Any]]]:
    return [orjson.loads(line) for line in read_lines(path)]


def payloads(path: Path) -> list[dict[str, Any]]:
    return [m["payload"] for s in submissions(path) for m in s]


def schema_errors(interface: str, submission: list[dict[str, Any]], fast: bool = True) -> list[str]:
    if interface == "IF-021" and fast:
        return dipspec.fast_if021().errors(submission)
    return dipspec.errors(dipspec.submission_validator(interface), submission)
