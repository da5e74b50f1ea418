"""Each conflict rule, found and not found: the same service scheduled, a related service (parent,
component, dependency, dependant) scheduled, outside the maintenance windows, inside a blackout, the same
team double-booked, an open major incident on an affected service. Other changes count only while
scheduled (not drafts, cancelled or rejected ones), and a change never conflicts with itself.

The draft on CSS runs Sun 20 Jun 2027 02:00–05:00 London time (01:00–04:00 UTC), inside CSS's Sunday
00:00–06:00 maintenance window, team "CSS DBA"; on its own it has no conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.changes import conflicts, steps
from busbar.changes.models import (
    BlackoutWindow,
    ChangeNotification,
    ChangeStatus,
    ConflictKind,
    MaintenanceWindow,
)
from busbar.changes.tests.conftest import NOW, _raise
from busbar.incidents import actions as incident_actions
from busbar.incidents.models import IncidentStatus, MajorIncident
from busbar.lib.actions import Actor

pytestmark = pytest.mark.django_db

UTC = dt.UTC
K = ConflictKind
START = dt.datetime(2027, 6, 20, 1, 0, tzinfo=UTC)
END = dt.datetime(2027, 6, 20, 4, 0, tzinfo=UTC)


def _other(chg, services, start=START, end=END, *, status=ChangeStatus.ACCEPTED, team="", title="Other work"):
    gas = any(s.provider_id == chg.gas_org.pk for s in services)
    who, provider = (chg.gas, chg.gas_org) if gas else (chg.provider, chg.world.provider)
    return _raise(who, provider, title, services, start, end, status=status, team=team)


def _schedule(change) -> None:
    ChangeNotification.objects.filter(pk=change.pk).update(status=ChangeStatus.SUBMITTED)
    change.refresh_from_db()
    steps.sync_services(change)


def _kinds(change) -> list[str]:
    return [f.kind for f in conflicts.detect(change, now=NOW)]


def _major_incident(chg, service):
    severity = service.sla_policy.scheme.severities.get(rank=1)
    return incident_actions.raise_incident(
        actor=Actor(user=chg.desk, organisation=chg.world.operator),
        service=service,
        summary="Switch requests failing",
        description="Every switch request fails",
        severity=severity,
        organisation=chg.world.org_a,
        now=NOW - dt.timedelta(hours=2),
    )


def test_the_draft_alone_has_no_conflicts_and_not_with_itself(chg) -> None:
    assert conflicts.detect(chg.draft, now=NOW) == []


def test_same_service_found_with_a_readable_detail(chg) -> None:
    other = _other(
        chg, [chg.css], START + dt.timedelta(hours=2), END + dt.timedelta(hours=1), title="CSS tuning"
    )
    [found] = conflicts.detect(chg.draft, now=NOW)
    assert found.kind == K.SAME_SERVICE and found.other_change == other and found.service == chg.css
    assert found.detail == (
        f"CSS is already scheduled for {other.reference} “CSS tuning” (Accepted (scheduled)) "
        "Sun 20 Jun 2027 04:00–06:00"
    )


def test_same_service_not_found_when_only_touching(chg) -> None:
    _other(chg, [chg.css], END, END + dt.timedelta(hours=2))
    _other(chg, [chg.css], START - dt.timedelta(hours=2), START)
    assert _kinds(chg.draft) == []


@pytest.mark.parametrize(
    "status", [ChangeStatus.DRAFT, ChangeStatus.CANCELLED, ChangeStatus.REJECTED, ChangeStatus.COMPLETED]
)
def test_changes_not_scheduled_are_ignored(chg, status) -> None:
    _other(chg, [chg.css], status=status, team="CSS DBA")
    _other(chg, [chg.css_reg], status=status, team="CSS DBA")
    assert _kinds(chg.draft) == []


@pytest.mark.parametrize(
    "status",
    [
        ChangeStatus.SUBMITTED,
        ChangeStatus.UNDER_REVIEW,
        ChangeStatus.MORE_INFO,
        ChangeStatus.ACCEPTED,
        ChangeStatus.IN_PROGRESS,
    ],
)
def test_every_scheduled_status_counts(chg, status) -> None:
    _other(chg, [chg.css], status=status)
    assert _kinds(chg.draft) == [K.SAME_SERVICE]


def test_a_component_is_a_related_service(chg) -> None:
    other = _other(chg, [chg.css_reg], title="Registration patch")
    [found] = conflicts.detect(chg.draft, now=NOW)
    assert (found.kind, found.service, found.other_change) == (K.RELATED_SERVICE, chg.css_reg, other)
    assert found.detail.startswith(
        f"CSS Registration (it is a component of CSS) is scheduled for {other.reference} “Registration patch”"
    )
    # And the other way round: the registration change finds the change on its parent, CSS (once scheduled).
    _schedule(chg.draft)
    [back] = conflicts.detect(other, now=NOW)
    assert (back.kind, back.service, back.other_change) == (K.RELATED_SERVICE, chg.css, chg.draft)
    assert back.detail.startswith("CSS (CSS Registration is a component of it) is scheduled for")


def test_a_dependant_and_a_dependency_are_related_services(chg) -> None:
    other = _other(chg, [chg.uk_link], title="UK Link release")
    [found] = conflicts.detect(chg.draft, now=NOW)
    assert (found.kind, found.service, found.other_change) == (K.RELATED_SERVICE, chg.uk_link, other)
    assert "UK Link (it depends on CSS)" in found.detail
    _schedule(chg.draft)
    [back] = conflicts.detect(other, now=NOW)
    assert (back.kind, back.service) == (K.RELATED_SERVICE, chg.css)
    assert "CSS (UK Link depends on it)" in back.detail


def test_an_unrelated_service_is_not_a_conflict(chg) -> None:
    _other(chg, [chg.portal])
    assert _kinds(chg.draft) == []


def test_a_change_sharing_a_service_is_reported_once_as_the_same_service(chg) -> None:
    other = _other(chg, [chg.css, chg.css_reg])
    found = conflicts.detect(chg.draft, now=NOW)
    assert [(f.kind, f.other_change) for f in found] == [(K.SAME_SERVICE, other)]


def test_outside_the_maintenance_window(chg) -> None:
    chg.draft.planned_start = dt.datetime(2027, 6, 20, 4, 30, tzinfo=UTC)  # 05:30 London
    chg.draft.planned_end = dt.datetime(2027, 6, 20, 5, 30, tzinfo=UTC)  # 06:30 London: half outside
    [found] = conflicts.detect(chg.draft, now=NOW)
    assert (found.kind, found.service) == (K.OUTSIDE_MAINTENANCE, chg.css)
    assert found.detail == (
        "Sun 20 Jun 2027 05:30–06:30 is outside CSS's maintenance windows (Sun 00:00–06:00, UK time)"
    )
    chg.draft.planned_start = dt.datetime(2027, 6, 23, 9, 0, tzinfo=UTC)  # a Wednesday
    chg.draft.planned_end = dt.datetime(2027, 6, 23, 10, 0, tzinfo=UTC)
    assert _kinds(chg.draft) == [K.OUTSIDE_MAINTENANCE]


def test_windows_past_midnight_and_back_to_back_cover_a_change(chg) -> None:
    # Saturday 22:00 to 02:00 (an end before the start runs past midnight), then Sunday 00:00–06:00.
    MaintenanceWindow.objects.create(
        service=chg.css, weekday=5, start_time=dt.time(22, 0), end_time=dt.time(2, 0)
    )
    chg.draft.planned_start = dt.datetime(2027, 7, 10, 22, 0, tzinfo=UTC)  # Sat 23:00 London
    chg.draft.planned_end = dt.datetime(2027, 7, 11, 4, 0, tzinfo=UTC)  # Sun 05:00 London
    assert _kinds(chg.draft) == []
    chg.draft.planned_start = dt.datetime(2027, 7, 10, 20, 30, tzinfo=UTC)  # Sat 21:30: before the window
    assert _kinds(chg.draft) == [K.OUTSIDE_MAINTENANCE]


def test_windows_are_london_wall_clock_across_the_clock_change(chg) -> None:
    # Sun 31 Oct 2027, the clocks go back at 02:00 BST: 00:00–06:00 London is 23:00 UTC Sat to 06:00 UTC.
    chg.draft.planned_start = dt.datetime(2027, 10, 30, 23, 0, tzinfo=UTC)
    chg.draft.planned_end = dt.datetime(2027, 10, 31, 6, 0, tzinfo=UTC)
    assert _kinds(chg.draft) == []
    chg.draft.planned_end = dt.datetime(2027, 10, 31, 6, 1, tzinfo=UTC)
    assert _kinds(chg.draft) == [K.OUTSIDE_MAINTENANCE]


def test_a_service_without_windows_is_never_outside_them(chg) -> None:
    chg.submitted.planned_start = dt.datetime(2027, 6, 23, 9, 0, tzinfo=UTC)  # Wednesday, CSS Registration
    chg.submitted.planned_end = dt.datetime(2027, 6, 23, 10, 0, tzinfo=UTC)
    assert K.OUTSIDE_MAINTENANCE not in _kinds(chg.submitted)


def test_inside_a_blackout_on_every_service(chg) -> None:
    chg.draft.planned_start = dt.datetime(2027, 12, 26, 1, 0, tzinfo=UTC)  # a Sunday, inside the window
    chg.draft.planned_end = dt.datetime(2027, 12, 26, 3, 0, tzinfo=UTC)
    [found] = conflicts.detect(chg.draft, now=NOW)
    assert (found.kind, found.blackout, found.service) == (K.BLACKOUT, chg.year_end, None)
    assert found.detail == (
        "Inside the blackout “Year end” on every service (Fri 24 Dec 2027 00:00 – Sun 2 Jan 2028 23:59)"
    )


def test_a_blackout_naming_services_applies_only_to_them(chg) -> None:
    gas_freeze = BlackoutWindow.objects.create(name="Gas day", starts_at=START, ends_at=END)
    gas_freeze.services.set([chg.portal])
    assert _kinds(chg.draft) == []
    css_freeze = BlackoutWindow.objects.create(
        name="Market event", starts_at=END - dt.timedelta(minutes=1), ends_at=END + dt.timedelta(hours=5)
    )
    css_freeze.services.set([chg.css, chg.portal])
    [found] = conflicts.detect(chg.draft, now=NOW)
    assert (found.kind, found.blackout, found.service) == (K.BLACKOUT, css_freeze, chg.css)
    assert found.detail == "Inside the blackout “Market event” on CSS (Sun 20 Jun 2027 04:59–10:00)"


def test_a_blackout_not_overlapping_is_not_a_conflict(chg) -> None:
    BlackoutWindow.objects.create(name="Later", starts_at=END, ends_at=END + dt.timedelta(days=1))
    assert _kinds(chg.draft) == []


def test_the_same_team_double_booked(chg) -> None:
    # The team's other change is on CSS Registration (a component: a related-service conflict too).
    other = _raise(
        chg.provider,
        chg.world.provider,
        "Registration DB patch",
        [chg.css_reg],
        START + dt.timedelta(hours=1),
        END + dt.timedelta(hours=1),
        status=ChangeStatus.SUBMITTED,
        team="CSS DBA",
    )
    found = {f.kind: f for f in conflicts.detect(chg.draft, now=NOW)}
    assert set(found) == {K.RELATED_SERVICE, K.TEAM}
    assert found[K.TEAM].other_change == other
    assert found[K.TEAM].detail == (
        f"Team “CSS DBA” is also booked on {other.reference} “Registration DB patch” (Submitted) "
        "Sun 20 Jun 2027 03:00–06:00"
    )


def test_the_team_rule_needs_the_same_provider_and_a_named_team(chg) -> None:
    MaintenanceWindow.objects.all().delete()
    _other(chg, [chg.portal], team="CSS DBA")  # another provider's team of the same name
    _other(chg, [chg.css_reg], START + dt.timedelta(days=1), END + dt.timedelta(days=1), team="CSS DBA")
    _other(chg, [chg.css_reg], team="CSS network")
    assert K.TEAM not in _kinds(chg.draft)
    chg.draft.team = ""
    _other(chg, [chg.css_reg], team="")
    assert K.TEAM not in _kinds(chg.draft)


def test_an_open_major_incident_on_an_affected_service(chg) -> None:
    incident = _major_incident(chg, chg.css)
    [found] = conflicts.detect(chg.draft, now=NOW)
    assert (found.kind, found.service, found.other_reference) == (
        K.MAJOR_INCIDENT,
        chg.css,
        incident.reference,
    )
    assert found.other_change is None
    assert (
        found.detail
        == f"Open major incident {incident.reference} (severity 1) on CSS, since Wed 16 Jun 2027 09:00"
    )


def test_no_major_incident_conflict_once_closed_resolved_elsewhere_or_after_the_change(chg) -> None:
    incident = _major_incident(chg, chg.portal)  # not an affected service
    assert _kinds(chg.draft) == []
    incident = _major_incident(chg, chg.css)
    assert conflicts.detect(chg.draft, now=END) == []  # the change is over
    type(incident).objects.filter(pk=incident.pk).update(status=IncidentStatus.RESOLVED)
    assert _kinds(chg.draft) == []
    type(incident).objects.filter(pk=incident.pk).update(status=IncidentStatus.IN_PROGRESS)
    assert _kinds(chg.draft) == [K.MAJOR_INCIDENT]
    MajorIncident.objects.filter(incident=incident).update(state=MajorIncident.State.CLOSED)
    assert _kinds(chg.draft) == []


def test_detection_costs_a_fixed_number_of_queries(chg, django_assert_max_num_queries) -> None:
    for hours in range(5):
        start = START + dt.timedelta(minutes=30 * hours)
        _other(chg, [chg.css], start, start + dt.timedelta(hours=1), team="CSS DBA")
        _other(chg, [chg.uk_link], start, start + dt.timedelta(hours=1))
    _major_incident(chg, chg.css)
    with django_assert_max_num_queries(9):
        found = conflicts.detect(chg.draft, now=NOW)
    assert {f.kind for f in found} == {K.SAME_SERVICE, K.RELATED_SERVICE, K.TEAM, K.MAJOR_INCIDENT}
    assert len(found) == 5 + 5 + 5 + 1
