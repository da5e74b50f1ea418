"""A blackout created, moved or deleted, or a maintenance window added or removed, checks the scheduled
changes it touches again: their stored conflicts follow the windows (changes already ended and those it
does not touch are left alone)."""

import datetime as dt

from busbar.changes.actions import (
    create_blackout,
    create_maintenance_window,
    delete_blackout,
    delete_maintenance_window,
    update_blackout,
)
from busbar.changes.models import ChangeConflict, ConflictKind
from busbar.lib.actions import Actor


def _kinds(change):
    return set(ChangeConflict.objects.filter(change=change).values_list("kind", flat=True))


def test_blackout_created_moved_and_deleted(chg):
    ops = Actor(user=chg.ops)
    # The submitted certificate rotation on CSS Registration: Sun 4 Jul 2027 01:00–02:00 UTC.
    start = chg.submitted.planned_start
    blackout = create_blackout(
        actor=ops,
        name="Market event",
        starts_at=start - dt.timedelta(hours=6),
        ends_at=start + dt.timedelta(hours=6),
    )
    assert ConflictKind.BLACKOUT in _kinds(chg.submitted)
    chg.submitted.refresh_from_db()
    assert chg.submitted.conflict_count >= 1
    assert ConflictKind.BLACKOUT not in _kinds(chg.accepted)  # 27 June: not touched

    update_blackout(
        actor=ops,
        blackout=blackout,
        starts_at=chg.accepted.planned_start - dt.timedelta(hours=1),
        ends_at=chg.accepted.planned_end + dt.timedelta(hours=1),
    )
    assert ConflictKind.BLACKOUT not in _kinds(chg.submitted)  # moved away from it
    assert ConflictKind.BLACKOUT in _kinds(chg.accepted)  # moved onto it

    delete_blackout(actor=ops, blackout=blackout)
    assert ConflictKind.BLACKOUT not in _kinds(chg.accepted)


def test_maintenance_window_added_and_removed(chg):
    ops = Actor(user=chg.ops)
    # UK Link has no windows: the accepted UK Link release (Sun 27 Jun 01:00–04:00 UTC) is not outside any.
    window = create_maintenance_window(
        actor=ops, service=chg.uk_link, weekday=2, start_time=dt.time(20, 0), end_time=dt.time(23, 0)
    )
    assert ConflictKind.OUTSIDE_MAINTENANCE in _kinds(chg.accepted)
    delete_maintenance_window(actor=ops, window=window)
    assert ConflictKind.OUTSIDE_MAINTENANCE not in _kinds(chg.accepted)
