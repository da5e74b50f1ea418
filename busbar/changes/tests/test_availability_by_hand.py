"""Availability figures checked against hand calculations.

May 2027 has 31 days and no clock change: 31 × 24 × 60 = 44,640 minutes on a 24x7 calendar. On the
working-hours calendar (Mon–Fri 08:00–18:00 London, bank holidays closed) May 2027 has 21 weekdays (it starts
on a Saturday: five Saturdays and five Sundays), less the bank holidays Mon 3 and Mon 31 May: 19 days × 600
minutes = 11,400 minutes. CSS is 24x7 with a 99.5% target; UK Link is on working hours with no target.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from busbar.changes import availability
from busbar.changes.models import AvailabilityTarget, ChangeNotification, ChangeStatus
from busbar.changes.tests.conftest import NOW, _raise
from busbar.incidents import actions as incident_actions
from busbar.incidents.models import Incident, IncidentStatus
from busbar.lib.actions import Actor
from busbar.services.models import ServiceStatus, StatusPeriod

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _t(day: int, hour: int, minute: int = 0, month: int = 5) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, minute, tzinfo=UTC)


def _major(chg, service, opened: dt.datetime, resolved: dt.datetime | None) -> Incident:
    """A severity-1 major incident on ``service`` opened then and resolved then."""
    incident = incident_actions.raise_incident(
        actor=Actor(user=chg.desk, organisation=chg.world.operator),
        service=service,
        summary="Switch requests failing",
        description="Every switch request fails",
        severity=service.sla_policy.scheme.severities.get(rank=1),
        organisation=chg.world.org_a,
        now=opened,
    )
    assert incident.major.opened_at == opened
    if resolved is not None:
        Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.RESOLVED, resolved_at=resolved)
    return incident


def _planned_outage(chg, start: dt.datetime, end: dt.datetime) -> ChangeNotification:
    change = _raise(
        chg.provider, chg.world.provider, "CSS patch", [chg.css], start, end, status=ChangeStatus.COMPLETED
    )
    ChangeNotification.objects.filter(pk=change.pk).update(actual_start=start, actual_end=end)
    return change


@pytest.fixture
def css_may(chg):
    """CSS in May 2027: a major incident Tue 11 May 09:00–11:30 UTC (150 min), an outage status set by hand
    Thu 20 May 14:00–14:45 UTC (45 min), planned maintenance Sun 16 May 01:00–03:00 UTC (120 min)."""
    incident = _major(chg, chg.css, _t(11, 9), _t(11, 11, 30))
    StatusPeriod.objects.create(
        service=chg.css, status=ServiceStatus.OUTAGE, started_at=_t(20, 14), ended_at=_t(20, 14, 45)
    )
    # Degraded periods are not outages.
    StatusPeriod.objects.create(
        service=chg.css, status=ServiceStatus.DEGRADED, started_at=_t(21, 14), ended_at=_t(21, 18)
    )
    change = _planned_outage(chg, _t(16, 1), _t(16, 3))
    return incident, change


def test_planned_maintenance_excluded_from_agreed_time(chg, css_may) -> None:
    incident, change = css_may
    figures = availability.for_month(chg.css, 2027, 5, now=NOW)
    # Agreed: 44,640 − 120 planned = 44,520. Downtime: 150 + 45 = 195.
    # Availability: (44,520 − 195) / 44,520 = 44,325 / 44,520 = 99.5619…% → 99.561 (rounded down);
    # at least 99.5: met.
    assert (figures.support_minutes, figures.agreed_minutes, figures.planned_minutes) == (44640, 44520, 120)
    assert figures.downtime_minutes == 195
    assert figures.availability == Decimal("99.561")
    assert (figures.target, figures.met, figures.planned_counts) == (Decimal("99.500"), True, False)
    # Two interruptions, 195 / 2 = 97.5 minutes on average.
    assert (figures.interruptions, figures.mean_interruption_minutes) == (2, Decimal("97.50"))
    assert figures.outages == [
        (_t(11, 9), _t(11, 11, 30), f"{incident.reference} major incident"),
        (_t(16, 1), _t(16, 3), f"Planned: {change.reference}"),
        (_t(20, 14), _t(20, 14, 45), "Status set to outage"),
    ]
    assert (figures.major_changes, figures.emergency_changes) == (0, 0)


def test_planned_maintenance_counted_when_the_policy_says(chg, css_may) -> None:
    AvailabilityTarget.objects.filter(service=chg.css).update(planned_counts=True)
    figures = availability.for_month(chg.css, 2027, 5, now=NOW)
    # Agreed: all 44,640. Downtime: 150 + 45 + 120 = 315.
    # Availability: 44,325 / 44,640 = 99.2943…% → 99.294; below 99.5: not met.
    assert (figures.agreed_minutes, figures.planned_minutes, figures.downtime_minutes) == (44640, 120, 315)
    assert figures.availability == Decimal("99.294")
    assert (figures.met, figures.planned_counts) == (False, True)
    # Three interruptions, 315 / 3 = 105 minutes on average.
    assert (figures.interruptions, figures.mean_interruption_minutes) == (3, Decimal("105.00"))


def test_an_outage_during_planned_maintenance_is_not_counted_twice(chg) -> None:
    _planned_outage(chg, _t(16, 1), _t(16, 3))
    StatusPeriod.objects.create(
        service=chg.css, status=ServiceStatus.OUTAGE, started_at=_t(16, 2), ended_at=_t(16, 4)
    )
    # Excluded: only 03:00–04:00 (60 min) is unplanned downtime; agreed 44,640 − 120 = 44,520.
    # (44,520 − 60) / 44,520 = 99.8652…% → 99.865.
    figures = availability.for_month(chg.css, 2027, 5, now=NOW)
    assert (figures.agreed_minutes, figures.downtime_minutes, figures.interruptions) == (44520, 60, 1)
    assert figures.availability == Decimal("99.865")
    # Counted: one stretch 01:00–04:00 (180 min) of 44,640: 44,460 / 44,640 = 99.5967…% → 99.596.
    AvailabilityTarget.objects.filter(service=chg.css).update(planned_counts=True)
    figures = availability.for_month(chg.css, 2027, 5, now=NOW)
    assert (figures.agreed_minutes, figures.downtime_minutes, figures.interruptions) == (44640, 180, 1)
    assert figures.availability == Decimal("99.596")


def test_working_hours_support_time(chg) -> None:
    # Tue 11 May 09:00–11:30 UTC is 10:00–12:30 London: all 150 minutes in support hours.
    _major(chg, chg.uk_link, _t(11, 9), _t(11, 11, 30))
    # Wed 12 May 17:00 UTC (18:00 London, after hours) to Thu 13 May 08:00 UTC (09:00 London): 60 minutes.
    _major(chg, chg.uk_link, _t(12, 17), _t(13, 8))
    # A night outage (Sat 22 May) costs no support time and is no interruption.
    StatusPeriod.objects.create(
        service=chg.uk_link, status=ServiceStatus.OUTAGE, started_at=_t(22, 1), ended_at=_t(22, 3)
    )
    figures = availability.for_month(chg.uk_link, 2027, 5, now=NOW)
    # The fixture's completed major change on UK Link, Mon 17 May 01:00–05:00 UTC (02:00–06:00 London), was
    # planned maintenance outside support hours: 0 minutes, and one major change this month.
    # Agreed: 11,400. Downtime: 150 + 60 = 210. (11,400 − 210) / 11,400 = 98.1578…% → 98.157.
    assert (figures.support_minutes, figures.agreed_minutes, figures.planned_minutes) == (11400, 11400, 0)
    assert figures.downtime_minutes == 210
    assert figures.availability == Decimal("98.157")
    assert (figures.target, figures.met) == (None, None)
    assert (figures.interruptions, figures.mean_interruption_minutes) == (2, Decimal("105.00"))
    assert (figures.major_changes, figures.emergency_changes) == (1, 0)
    assert f"Planned: {chg.done.reference}" in [label for _, _, label in figures.outages]


def test_the_current_month_runs_to_now_and_a_future_month_has_no_figure(chg) -> None:
    # June 2027 so far: 1 Jun 00:00 London (31 May 23:00 UTC) to NOW, 16 Jun 10:00 UTC: 15 days 11 hours =
    # 22,260 minutes. The fixture's CSS change in progress since 09:00 UTC is planned maintenance: 60 minutes
    # to now. Agreed 22,200, no downtime: 100%.
    june = availability.for_month(chg.css, 2027, 6, now=NOW)
    assert (june.support_minutes, june.planned_minutes, june.agreed_minutes) == (22260, 60, 22200)
    assert (june.downtime_minutes, june.availability, june.met) == (0, Decimal("100.000"), True)
    july = availability.for_month(chg.css, 2027, 7, now=NOW)
    assert (july.agreed_minutes, july.availability, july.met, july.interruptions) == (0, None, None, 0)


def test_a_month_with_the_clock_change(chg) -> None:
    # March 2027 loses an hour on Sun 28 Mar: 31 × 1,440 − 60 = 44,580 minutes on 24x7.
    march = availability.for_month(chg.css, 2027, 3, now=NOW)
    assert (march.agreed_minutes, march.availability) == (44580, Decimal("100.000"))


def test_an_open_outage_runs_to_now_and_cancelled_incidents_do_not_count(chg) -> None:
    # Opened Wed 16 Jun 08:00 UTC, still open at NOW (10:00 UTC): 120 minutes; a status period still open
    # since 09:30: merged with it.
    _major(chg, chg.portal, _t(16, 8, month=6), None)
    StatusPeriod.objects.create(
        service=chg.portal, status=ServiceStatus.OUTAGE, started_at=_t(16, 9, 30, month=6)
    )
    cancelled = _major(chg, chg.portal, _t(2, 8, month=6), None)
    Incident.objects.filter(pk=cancelled.pk).update(status=IncidentStatus.CANCELLED)
    june = availability.for_month(chg.portal, 2027, 6, now=NOW)
    # 22,260 agreed, 120 down: 22,140 / 22,260 = 99.4609…% → 99.460.
    assert (june.agreed_minutes, june.downtime_minutes, june.interruptions) == (22260, 120, 1)
    assert june.availability == Decimal("99.460")
