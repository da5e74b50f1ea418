"""The change app's panel on the home pages (registered in ``registrations.py``): the planned outages of
the next :data:`DAYS` days that the person may see, and for the desk the Change Notifications awaiting the
CCG's review. A few queries whatever the number of changes."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from busbar.changes import queries
from busbar.changes.models import AWAITING_REVIEW, ChangeStatus
from busbar.services.models import Service

DAYS = 14
#: Outages listed at most (the schedule has the rest).
SHOWN = 8
#: Changes awaiting review listed at most (the CCG's page has the rest).
AWAITING_SHOWN = 5
SERVICE_NAMES = Prefetch("services", queryset=Service.objects.only("id", "name", "slug").order_by("name"))


def _now() -> dt.datetime:
    """Now (the tests move it)."""
    return timezone.now()


def upcoming_outages(user, *, now: dt.datetime, days: int = DAYS, limit: int = SHOWN) -> tuple[list, bool]:
    """Published outage changes in progress or starting in the next ``days`` days: (the first ``limit``,
    whether there are more)."""
    qs = (
        queries.fsc(user)
        .filter(
            is_outage=True,
            status__in=(ChangeStatus.ACCEPTED, ChangeStatus.IN_PROGRESS),
            planned_start__lt=now + dt.timedelta(days=days),
            planned_end__gt=now,
        )
        .prefetch_related(SERVICE_NAMES)
        .order_by("planned_start", "id")
    )
    found = list(qs[: limit + 1])
    return found[:limit], len(found) > limit


def upcoming(request, kind: str) -> dict:
    now = _now()
    outages, more = upcoming_outages(request.user, now=now)
    panel: dict = {"kind": kind, "outages": outages, "more": more, "days": DAYS, "now": now}
    if kind == "desk":
        waiting = (
            queries.visible_to(request.user).filter(status__in=AWAITING_REVIEW).order_by("planned_start")
        )
        listed = list(waiting[: AWAITING_SHOWN + 1])
        panel["awaiting"] = listed[:AWAITING_SHOWN]
        panel["awaiting_more"] = len(listed) > AWAITING_SHOWN
    return panel
