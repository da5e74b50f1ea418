"""Keeping the facts current: the incident listener's task refreshes one incident (the task backend is
immediate in tests), a refresh costs a fixed number of queries whatever the batch size, the nightly
reconcile picks up stale and running incidents, and ``busbar kpis rebuild|check``."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.incidents import actions as ia
from busbar.incidents.models import Incident
from busbar.reports import aggregates, facts
from busbar.reports.models import IncidentFact, KpiMonth
from busbar.reports.tasks import facts as fact_tasks
from busbar.reports.tests.conftest import JUNE, NOW, _actor, _severity

pytestmark = pytest.mark.django_db


def test_listener_task_refreshes_the_incident(slm) -> None:
    when = NOW + dt.timedelta(minutes=5)
    with mock.patch("django.utils.timezone.now", lambda: when):
        ia.resolve_incident(actor=_actor(slm.provider), incident=slm.open, resolution="Fixed", now=when)
        assert IncidentFact.objects.get(incident=slm.open).resolved_month is None  # not yet refreshed
        fact_tasks.on_incident_changed(slm.open.pk)
    fact = IncidentFact.objects.get(incident=slm.open)
    assert fact.resolved_month == JUNE
    assert fact.resolution_met is False  # 72 h target passed on 23 May
    assert KpiMonth.objects.get(month=JUNE, provider=slm.world.provider, severity_code="3").resolved == 1
    assert aggregates.differences() == []


def _queries(ids) -> int:
    with CaptureQueriesContext(connection) as ctx:
        facts.refresh(ids, now=NOW)
    return len(ctx.captured_queries)


def test_refresh_costs_the_same_queries_for_one_or_many(slm) -> None:
    with mock.patch("django.utils.timezone.now", lambda: NOW):
        for i in range(12):
            ia.raise_incident(
                actor=_actor(slm.alpha),
                service=slm.css,
                severity=_severity("3"),
                summary=f"Extra {i}",
                description="More of the same",
                now=NOW - dt.timedelta(hours=i + 1),
            )
    ids = list(Incident.objects.values_list("pk", flat=True))
    _queries(ids)  # warm the per-calendar and per-policy caches (a few queries per calendar, once)
    one = _queries(ids[:1])
    many = _queries(ids)
    assert many == one
    assert many <= 20


def test_reconcile_refreshes_stale_and_running_incidents_once_a_day(slm) -> None:
    IncidentFact.objects.filter(incident=slm.quick).delete()
    Incident.objects.filter(pk=slm.late.pk).update(updated_at=NOW + dt.timedelta(days=1))
    assert set(facts.stale_ids()) == {slm.quick.pk, slm.late.pk}
    assert facts.open_ids() == [slm.open.pk]
    cache.clear()
    with mock.patch("django.utils.timezone.now", lambda: NOW):
        assert fact_tasks.reconcile_kpi_facts.call() == 3
        assert fact_tasks.reconcile_kpi_facts.call() == 0  # done today
        assert fact_tasks.reconcile_kpi_facts.call(force=True) == 1  # only the open one is left to do
    assert facts.stale_ids() == []
    assert aggregates.differences() == []
    assert [fact_tasks.escalate_kpi_facts, fact_tasks.reconcile_kpi_facts] == fact_tasks.PERIODIC


def test_escalation_with_time_alone_is_picked_up(slm) -> None:
    """Sev 3 raised Wed 16 June 09:00 on CSS (72 h, 24x7): not escalated until Sat 19 June 09:00."""
    raised_at = NOW - dt.timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", lambda: NOW):
        incident = ia.raise_incident(
            actor=_actor(slm.alpha),
            service=slm.css,
            severity=_severity("3"),
            summary="Slow",
            description="Slow responses",
            now=raised_at,
        )
        facts.refresh([incident.pk], now=NOW)
    assert facts.escalating_ids(NOW) == []
    later = raised_at + dt.timedelta(hours=72, minutes=1)
    assert facts.escalating_ids(later) == [incident.pk]
    with mock.patch("django.utils.timezone.now", lambda: later):
        assert fact_tasks.escalate_kpi_facts.call() == 1
    fact = IncidentFact.objects.get(incident=incident)
    assert (fact.escalated, fact.escalated_month) == (True, JUNE)
    assert KpiMonth.objects.get(month=JUNE, provider=None, service=slm.css).escalated == 1
    assert aggregates.differences() == []


def test_command_check_and_rebuild(slm) -> None:
    out = StringIO()
    call_command("kpis", "check", stdout=out)
    assert "equal a full recomputation" in out.getvalue()
    KpiMonth.objects.filter(severity_code="2").update(raised=99)
    err = StringIO()
    with pytest.raises(CommandError, match="differ from a full recomputation"):
        call_command("kpis", "check", stdout=StringIO(), stderr=err)
    assert "raised" in err.getvalue()
    out = StringIO()
    call_command("kpis", "rebuild", stdout=out)
    assert "Rebuilt the KPI facts of 7 incidents" in out.getvalue()
    call_command("kpis", "check", stdout=StringIO())
