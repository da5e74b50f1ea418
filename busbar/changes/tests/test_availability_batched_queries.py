"""Availability for many services and a whole year costs the same few queries as for one service."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.changes import availability
from busbar.changes.models import AvailabilityTarget, ChangeService, ChangeStatus
from busbar.changes.tests.conftest import NOW, _raise
from busbar.services.models import Service, ServiceStatus, StatusPeriod

pytestmark = pytest.mark.django_db

UTC = dt.UTC
#: The queries: services, calendars, their closures, targets, major incidents, status periods, planned
#: outages, major and emergency change counts.
QUERIES = 8


def _services(chg, count: int) -> list[Service]:
    Service.objects.bulk_create(
        Service(
            name=f"Component {n:03}",
            slug=f"component-{n:03}",
            provider=chg.world.provider,
            parent=chg.css,
            calendar=chg.always if n % 2 else chg.working,
            sla_policy=chg.css.sla_policy,
        )
        for n in range(count)
    )
    made = list(Service.objects.filter(slug__startswith="component-"))
    StatusPeriod.objects.bulk_create(
        StatusPeriod(
            service=s,
            status=ServiceStatus.OUTAGE,
            started_at=dt.datetime(2027, 1 + n % 5, 12, 9, 0, tzinfo=UTC),
            ended_at=dt.datetime(2027, 1 + n % 5, 12, 9, 30 + n % 20, tzinfo=UTC),
        )
        for n, s in enumerate(made)
    )
    AvailabilityTarget.objects.bulk_create(
        AvailabilityTarget(service=s, target_percent="99.9") for s in made[::3]
    )
    return made


def _queries(services) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        figures = availability.for_services(
            Service.objects.filter(pk__in=[s.pk for s in services]), 2027, now=NOW
        )
    return len(captured), figures


def test_the_same_queries_for_few_or_many_services(chg, django_assert_max_num_queries) -> None:
    made = _services(chg, 60)
    change = _raise(
        chg.provider,
        chg.world.provider,
        "Components patch",
        made[:10],
        dt.datetime(2027, 4, 4, 1, 0, tzinfo=UTC),
        dt.datetime(2027, 4, 4, 3, 0, tzinfo=UTC),
        status=ChangeStatus.COMPLETED,
    )
    type(change).objects.filter(pk=change.pk).update(
        actual_start=change.planned_start, actual_end=change.planned_end
    )
    assert ChangeService.objects.filter(change=change).count() == 10
    few, _ = _queries(made[:3])
    many, figures = _queries(made)
    assert few == many <= QUERIES
    with django_assert_max_num_queries(QUERIES - 1):  # a list of services: no query for them
        availability.for_services(made, 2027, now=NOW)
    assert len(figures) == 60 and all(len(months) == 12 for months in figures.values())
    first = figures[made[0].pk]
    assert [f.month for f in first] == list(range(1, 13))
    assert (
        first[0].downtime_minutes == 30 and first[0].interruptions == 1
    )  # Tue 12 Jan 09:00–09:30 (GMT: London time too)
    assert first[3].planned_minutes == 0  # Sunday night: outside working hours (made[0] is on working hours)
    assert figures[made[1].pk][3].planned_minutes == 120  # 24x7
    assert all(f.availability is None for f in first[6:])  # after NOW


def test_five_hundred_services_for_a_year_in_well_under_two_seconds(chg) -> None:
    made = _services(chg, 500)
    services = list(Service.objects.filter(pk__in=[s.pk for s in made]))
    started = time.perf_counter()
    figures = availability.for_services(services, 2027, now=NOW)
    elapsed = time.perf_counter() - started
    assert len(figures) == 500
    assert elapsed < 2.0, f"{elapsed:.2f} s"
