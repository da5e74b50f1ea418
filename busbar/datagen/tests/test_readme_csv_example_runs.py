"""The README's and the guide's ``--csv`` examples name a file that ships, and run as written (from the
repository root) to valid output."""

import re
import shlex
from pathlib import Path

import pytest

from busbar.datagen.cli import main

ROOT = Path(__file__).resolve().parents[3]


def _csv_examples(doc: Path) -> list[list[str]]:
    commands = []
    for line in doc.read_text().splitlines():
        if re.search(r"busbar datagen \S+ .*--csv ", line):
            argv = shlex.split(line.split("busbar datagen", 1)[1])
            commands.append(argv)
    return commands


@pytest.mark.parametrize("doc", ["README.md", "docs/datagen.md"])
def test_csv_example_runs_as_written(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = _csv_examples(ROOT / doc)
    assert examples, f"{doc} has no --csv example"
    monkeypatch.chdir(ROOT)
    for argv in examples:
        csv = Path(argv[argv.index("--csv") + 1])
        assert (ROOT / csv).is_file(), f"{doc}: {csv} does not exist"
        out = tmp_path / "mine.jsonl"
        argv[argv.index("--out") + 1] = str(out)
        assert main([*argv, "--quiet"]) == 0
        assert out.read_text().count("\n") >= 1
