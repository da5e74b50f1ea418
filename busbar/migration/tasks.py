"""Qualification and migration background work: the periodic cut-over scan."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from busbar.lib.actions import Actor, Conflict


@task()
def check_cutovers(now_iso: str | None = None) -> int:
    """The periodic scan: record the cut-over of every segment whose window closed before today and has
    none yet (``actions.cutover.record_cutover``, each its own transaction). Returns how many."""
    from busbar.migration import common, cutover
    from busbar.migration.actions.cutover import record_cutover

    now = dt.datetime.fromisoformat(now_iso) if now_iso else None
    programme = common.migration_programme()
    if programme is None:
        return 0
    taken = 0
    for window in cutover.due(programme, common.today(now)):
        try:
            record_cutover(actor=Actor.system(), programme=programme, segment=window.segment, now=now)
        except Conflict:
            continue  # recorded meanwhile by a manager or another scan
        taken += 1
    return taken
