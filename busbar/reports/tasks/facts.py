"""Keeping the KPI facts and the monthly aggregates current.

* :func:`on_incident_changed` is the incident listener (registered by the reports app): on commit of every
  incident action it queues :func:`refresh_incident_facts` for that incident.
* :func:`escalate_kpi_facts` runs with every periodic scan and is cheap: it refreshes the open incidents
  whose resolution clock has passed its target since their facts were computed (an escalation happens
  with time alone, without any action).
* :func:`reconcile_kpi_facts` runs with the scans too but does its work once a day: it refreshes every
  incident whose facts are missing or older than its last change, and every still-running incident (its
  held time grows), so nothing drifts even if a listener's task was lost.

All are safe to run twice: a refresh recomputes from the incidents' own clock logs.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

#: Incidents refreshed per batch.
BATCH = 2000


def _refresh(ids: list[int], now: dt.datetime | None = None) -> int:
    from busbar.reports import facts

    ids = sorted({int(i) for i in ids})
    for start in range(0, len(ids), BATCH):
        facts.refresh(ids[start : start + BATCH], now=now)
    return len(ids)


@task()
def refresh_incident_facts(incident_ids: list[int]) -> int:
    """Recompute the KPI facts of ``incident_ids`` and the aggregates of the months they count in."""
    return _refresh(incident_ids)


def on_incident_changed(incident_id: int) -> None:
    """The incident listener: queue the refresh of one incident's facts (runs at once in tests)."""
    refresh_incident_facts.enqueue([int(incident_id)])


@task()
def escalate_kpi_facts() -> int:
    """Refresh the open incidents whose resolution target has passed since their facts were computed."""
    from busbar.reports import facts

    now = timezone.now()
    return _refresh(facts.escalating_ids(now), now)


@task()
def reconcile_kpi_facts(force: bool = False) -> int:
    """Once a day (London date; ``force``: now): refresh stale, missing and still-running incidents' facts
    in batches; the number refreshed (0 when already done today)."""
    from busbar.reports import facts

    now = timezone.now()
    key = f"busbar:kpi-reconcile:{timezone.localdate(now, timezone=facts.LONDON):%Y-%m-%d}"
    if not force and not cache.add(key, 1, timeout=2 * 24 * 3600):
        return 0
    ids = sorted(set(facts.stale_ids()) | set(facts.open_ids()))
    count = _refresh(ids, now)
    if count:
        logger.info("KPI facts reconciled for %d incidents", count)
    return count


#: Periodic tasks for the lead to register with ``busbar.lib.taskcontext.periodic``.
PERIODIC = [escalate_kpi_facts, reconcile_kpi_facts]
