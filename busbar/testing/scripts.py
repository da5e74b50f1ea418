"""Script versions compared step by step (read helper for the scenario page and the API).

Steps are aligned with :class:`difflib.SequenceMatcher` on (action, expected), so a step inserted in the
middle shows as one added step, not as every later step changed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from busbar.testing.models import ScriptVersion


@dataclass(frozen=True)
class StepChange:
    kind: str  # same | changed | added | removed
    old_number: int | None
    new_number: int | None
    old: dict | None
    new: dict | None


def _key(step: dict) -> tuple[str, str]:
    return (str(step.get("action", "")), str(step.get("expected", "")))


def diff_steps(old: list[dict], new: list[dict]) -> list[StepChange]:
    a, b = [_key(s) for s in old], [_key(s) for s in new]
    changes: list[StepChange] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            changes += [
                StepChange("same", i + 1, j + 1, old[i], new[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            changes.append(StepChange("changed", i1 + k + 1, j1 + k + 1, old[i1 + k], new[j1 + k]))
        for i in range(i1 + paired, i2):
            changes.append(StepChange("removed", i + 1, None, old[i], None))
        for j in range(j1 + paired, j2):
            changes.append(StepChange("added", None, j + 1, None, new[j]))
    return changes


@dataclass(frozen=True)
class ScriptDiff:
    old: ScriptVersion
    new: ScriptVersion
    steps: list[StepChange]
    preconditions_changed: bool

    @property
    def counts(self) -> dict[str, int]:
        found = {"same": 0, "changed": 0, "added": 0, "removed": 0}
        for change in self.steps:
            found[change.kind] += 1
        return found


def diff_versions(old: ScriptVersion, new: ScriptVersion) -> ScriptDiff:
    """How ``new`` differs from ``old`` (two versions of one scenario's script)."""
    return ScriptDiff(
        old=old,
        new=new,
        steps=diff_steps(list(old.steps or []), list(new.steps or [])),
        preconditions_changed=(old.preconditions or "") != (new.preconditions or ""),
    )
