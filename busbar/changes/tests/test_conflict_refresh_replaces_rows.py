"""``conflicts.refresh`` (inside an action) replaces the change's stored conflicts with what detection finds
now, and sets only ``conflict_count`` and ``conflicts_checked_at`` on the change."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.changes import conflicts, steps
from busbar.changes.models import ChangeConflict, ChangeNotification, ChangeStatus, ConflictKind
from busbar.changes.tests.conftest import NOW, _raise
from busbar.lib.actions import Actor, action

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@action
def _check(*, actor: Actor, change: ChangeNotification, now: dt.datetime) -> list[ChangeConflict]:
    """Stands in for submit/reschedule: the check and a journal entry, in one action."""
    rows = conflicts.refresh(change, now=now)
    steps.journal(actor, change, "conflicts", note=f"{len(rows)} conflicts")
    return rows


def _stored(change) -> list[tuple[str, int | None]]:
    return list(ChangeConflict.objects.filter(change=change).values_list("kind", "other_change_id"))


def test_refresh_stores_the_conflicts_then_replaces_them(chg) -> None:
    other = _raise(
        chg.provider,
        chg.world.provider,
        "CSS tuning",
        [chg.css],
        chg.draft.planned_start,
        chg.draft.planned_end,
        status=ChangeStatus.ACCEPTED,
    )
    rows = _check(actor=Actor(user=chg.provider), change=chg.draft, now=NOW)
    assert [(r.kind, r.other_change_id) for r in rows] == [(ConflictKind.SAME_SERVICE, other.pk)]
    assert _stored(chg.draft) == [(ConflictKind.SAME_SERVICE, other.pk)]
    stored = ChangeNotification.objects.get(pk=chg.draft.pk)
    assert (stored.conflict_count, stored.conflicts_checked_at) == (1, NOW)
    assert rows[0].detail.startswith(f"CSS is already scheduled for {other.reference} “CSS tuning”")

    # The draft moves into the year-end blackout (the dates are saved by whoever moves it): the old conflict
    # goes, the new one is stored.
    later = NOW + dt.timedelta(minutes=5)
    chg.draft.planned_start = dt.datetime(2027, 12, 26, 1, 0, tzinfo=UTC)
    chg.draft.planned_end = dt.datetime(2027, 12, 26, 3, 0, tzinfo=UTC)
    _check(actor=Actor(user=chg.provider), change=chg.draft, now=later)
    assert _stored(chg.draft) == [(ConflictKind.BLACKOUT, None)]
    assert ChangeConflict.objects.get(change=chg.draft).blackout == chg.year_end
    stored = ChangeNotification.objects.get(pk=chg.draft.pk)
    assert (stored.conflict_count, stored.conflicts_checked_at) == (1, later)
    # Only the two conflict fields were saved: the moved dates were not written by refresh.
    assert stored.planned_start == dt.datetime(2027, 6, 20, 1, 0, tzinfo=UTC)


def test_refresh_with_nothing_found_clears_the_rows(chg) -> None:
    ChangeConflict.objects.create(change=chg.draft, kind=ConflictKind.TEAM, detail="stale")
    ChangeNotification.objects.filter(pk=chg.draft.pk).update(conflict_count=1)
    assert _check(actor=Actor(user=chg.provider), change=chg.draft, now=NOW) == []
    assert _stored(chg.draft) == []
    assert ChangeNotification.objects.get(pk=chg.draft.pk).conflict_count == 0


def test_other_changes_rows_are_left_alone(chg) -> None:
    ChangeConflict.objects.create(change=chg.accepted, kind=ConflictKind.TEAM, detail="kept")
    _check(actor=Actor(user=chg.provider), change=chg.draft, now=NOW)
    assert _stored(chg.accepted) == [(ConflictKind.TEAM, None)]


def test_refresh_runs_only_inside_an_action(chg) -> None:
    with pytest.raises(RuntimeError, match="inside an @action"):
        conflicts.refresh(chg.draft, now=NOW)
    assert ChangeNotification.objects.get(pk=chg.draft.pk).conflicts_checked_at is None
