"""Conflicts checked again when the windows they are measured against change: a blackout created, moved
or deleted, or a service's maintenance windows changed. A step for the config actions (inside their
``@action``): the scheduled changes still to come that the window touches have their stored conflicts
replaced (:func:`busbar.changes.conflicts.refresh`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.utils import timezone

from busbar.changes import conflicts
from busbar.changes.models import SCHEDULED, ChangeNotification, ChangeService
from busbar.lib.actions import require_action

#: At most this many changes are checked again by one edit (the nearest first); the rest are checked at
#: their next submit or reschedule.
MAX_RECHECKED = 500


def changes_touched(
    *,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    service_ids: Iterable[int] = (),
) -> list[ChangeNotification]:
    """Scheduled changes not yet ended, overlapping ``starts_at``–``ends_at`` (when given) and on any of
    ``service_ids`` (when given), nearest first, bounded."""
    now = timezone.now()
    qs = ChangeNotification.objects.filter(status__in=SCHEDULED, planned_end__gt=now)
    if starts_at is not None and ends_at is not None:
        qs = qs.filter(planned_start__lt=ends_at, planned_end__gt=starts_at)
    ids = list(service_ids)
    if ids:
        qs = qs.filter(Exists(ChangeService.objects.filter(change_id=OuterRef("pk"), service_id__in=ids)))
    return list(qs.select_related("provider").order_by("planned_start", "id")[:MAX_RECHECKED])


def recheck(changes: Iterable[ChangeNotification]) -> int:
    """Replace the stored conflicts of ``changes``; how many were checked."""
    require_action("changes.recheck")
    now = timezone.now()
    count = 0
    for change in changes:
        conflicts.refresh(change, now=now)
        count += 1
    return count
