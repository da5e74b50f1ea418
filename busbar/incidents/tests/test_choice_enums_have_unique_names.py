"""Every choices enum in Busbar has a name of its own: the journal's ``Channel`` (how a change reached
Busbar) and the kernel's ``IntakeChannel`` (how something reached a record) are not confused."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import busbar
from busbar.lib.actions import Channel
from busbar.records.models import IntakeChannel

ROOT = Path(busbar.__file__).parent


def test_no_two_choices_enums_share_a_name() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module-level enums (nested ones are named by their model)
            if isinstance(node, ast.ClassDef) and any(
                getattr(base, "attr", getattr(base, "id", "")) in ("TextChoices", "IntegerChoices")
                for base in node.bases
            ):
                where[node.name].append(str(path.relative_to(ROOT)))
    shared = {name: files for name, files in where.items() if len(files) > 1}
    assert not shared, shared
    assert "Channel" in where and "IntakeChannel" in where


def test_the_two_channels_mean_different_things() -> None:
    assert set(Channel.values) == {"web", "api", "email", "system"}
    assert set(IntakeChannel.values) == {"portal", "api", "email", "phone", "monitoring"}
