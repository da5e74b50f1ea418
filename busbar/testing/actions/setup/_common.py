"""What the set-up actions share: bounds, checks, the journal call (no actions here)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.text import slugify

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, Conflict
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.testing import cohorts as rules
from busbar.testing.models import (
    EntryStatus,
    Phase,
    PhaseStatus,
)

MAX_STEPS = 200
STEP_TEXT = 2000
MAX_LINKS = 200
MAX_GRACE_DAYS = 366
#: How a participation may move (anything else is a 409).
ENTRY_TRANSITIONS: dict[str, set[str]] = {
    EntryStatus.PLANNED: {EntryStatus.ENTERED, EntryStatus.GRACE, EntryStatus.WITHDRAWN},
    EntryStatus.ENTERED: {EntryStatus.COMPLETED, EntryStatus.WITHDRAWN},
    EntryStatus.GRACE: {EntryStatus.COMPLETED, EntryStatus.WITHDRAWN},
    EntryStatus.COMPLETED: {EntryStatus.WITHDRAWN},
    EntryStatus.WITHDRAWN: set(),
}


def _day(value: dt.date | dt.datetime) -> str:
    """A day as people read it: 7 Oct 2026."""
    return f"{value.day} {value:%b %Y}"


def _today() -> dt.date:
    return timezone.localdate()


def _log(actor: Actor, what: str, obj, owner=None, changes: dict | None = None, note: str = "") -> None:
    journal(actor=actor, action=f"testing.{what}", obj=obj, owner=owner, changes=changes, note=note)


def _line(value: str, field: str, *, limit: int = SHORT_TEXT, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(f"Give the {field.replace('_', ' ')}", field=field)
    return check_text(value, field=field, limit=limit)


def _code(value: str, field: str = "code") -> str:
    value = (value or "").strip()
    if not value:
        raise ActionError("Give a code", field=field)
    if len(value) > 40 or slugify(value) != value.lower() or value != value.lower():
        raise ActionError(
            f"{value[:40]!r} is not a code: lower-case letters, digits and hyphens, at most 40", field=field
        )
    return value


def _lock_phase(phase: Phase) -> Phase:
    return Phase.objects.select_for_update(of=("self",)).select_related("programme", "owner").get(pk=phase.pk)


def _not_closed(phase: Phase) -> None:
    if phase.status == PhaseStatus.CLOSED:
        raise Conflict(f"{phase.name} is closed", field="phase")


def _refuse_broken(phase: Phase, change, what: str) -> None:
    """Refuse ``change`` (applied to the in-memory participations) in a started phase if it would break the
    composition rule of a cohort (TA-13)."""
    if phase.status != PhaseStatus.IN_PROGRESS:
        return
    broken = rules.problems_after(phase, change)
    if broken:
        detail = "; ".join(f"{cohort.name} {', '.join(problems)}" for cohort, problems in broken.items())
        raise Conflict(
            f"{what} would break the cohort-composition rule of {phase.name}, which has started: {detail}",
            field="cohort",
        )
