"""What Change Notifications tell the service status board (registered with
:func:`busbar.services.status.impact_source`): while an accepted outage change is **in progress**, each
service it names is in **planned maintenance** (its components share it, its dependants and parent are
shown in planned maintenance too: :mod:`busbar.services.status`).

An in-progress change is published (``models.PUBLISHED``), so every signed-in participant may open it: the
impact always links to the change.

:func:`board_context` is the board's section below the services: the outages planned in the next 14 days
and the recent history (changes ended, bulletins sent).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from busbar.changes import queries
from busbar.changes.models import ChangeService, ChangeStatus
from busbar.parties.queries import scope_for
from busbar.services.models import Service, ServiceStatus
from busbar.services.status import Impact


def planned_maintenance(user: Any, service_ids: list[int]) -> list[Impact]:
    """One query whatever the number of services: the service rows of in-progress outage changes."""
    if not service_ids or not scope_for(user).is_authenticated:
        return []
    rows = (
        ChangeService.objects.filter(
            service_id__in=service_ids, status=ChangeStatus.IN_PROGRESS, change__is_outage=True
        )
        .select_related("change")
        .only("service", "change", "change__reference", "change__title", "change__change_type")
        .order_by("change__planned_start", "change_id")
    )
    return [
        Impact(
            service_id=row.service_id,
            status=ServiceStatus.MAINTENANCE,
            reference=row.change.reference,
            title=row.change.title,
            url=reverse("change_detail", args=[row.change.reference]),
            counts=True,
            label=f"{row.change.get_change_type_display()} change in progress (planned outage)",
        )
        for row in rows
    ]


# The status board's sections below the services (registered with busbar.services.panels.board_panel) -----

#: The board's "planned" and "recent" windows.
BOARD_DAYS = 14
#: Rows listed at most in each section (the schedule and the bulletins page have the rest).
BOARD_ROWS = 20
BOARD_BULLETINS = 10
ENDED = (ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.BACKED_OUT, ChangeStatus.REVIEWED)


def _now() -> dt.datetime:
    """Now (the tests move it)."""
    return timezone.now()


def board_context(request: Any) -> dict | None:
    """The published outage changes planned in the next 14 days, and the recent history: changes ended
    (completed, failed, backed out) in the last 14 days and the bulletins sent. Three queries."""
    user = request.user
    if not scope_for(user).is_authenticated:
        return None
    now = _now()
    since, until = now - dt.timedelta(days=BOARD_DAYS), now + dt.timedelta(days=BOARD_DAYS)
    planned = Q(is_outage=True, status=ChangeStatus.ACCEPTED, planned_start__gte=now, planned_start__lt=until)
    ended = Q(status__in=ENDED) & (
        Q(actual_end__gte=since, actual_end__lte=now)
        | Q(actual_end__isnull=True, planned_end__gte=since, planned_end__lte=now)
    )
    names = Prefetch("services", queryset=Service.objects.only("id", "name", "slug").order_by("name"))
    rows = list(
        queries.fsc(user).filter(planned | ended).prefetch_related(names).order_by("planned_start", "id")
    )
    upcoming = [c for c in rows if c.status == ChangeStatus.ACCEPTED][:BOARD_ROWS]
    recent = sorted(
        (c for c in rows if c.status in ENDED),
        key=lambda c: (c.actual_end or c.planned_end, c.pk),
        reverse=True,
    )[:BOARD_ROWS]
    bulletins = list(
        queries.bulletins_visible_to(user)
        .filter(sent_at__gte=since)
        .select_related("change")
        .order_by("-sent_at", "-id")[:BOARD_BULLETINS]
    )
    return {"days": BOARD_DAYS, "upcoming": upcoming, "recent": recent, "bulletins": bulletins}
