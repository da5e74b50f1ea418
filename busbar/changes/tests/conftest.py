"""The change world, built once per module beside the three-party world and copied for each test:

* services: **CSS** (run by world.provider, 24x7) with its component **CSS Registration**; **UK Link**
  (run by a second provider, *Gas CDS*, working hours) depending on CSS;
  **Gas Portal** (Gas CDS's, nothing scheduled);
* people: ``provider`` (world.resolver at CSS Provider), ``gas`` (resolver at Gas CDS), ``desk``
  (world.analyst), ``ops`` (world.ops), ``alpha`` (world.user_a, participant, subscribed to CSS by
  email), ``bravo`` (world.user_b, participant, not subscribed), ``outsider`` (anonymous);
* the CCG: ops as chair, ``provider`` and ``gas`` as their providers' empowered representatives;
* a notice rule "REC R0055: planned CSS outages" — 8 working days on the working-hours calendar, outage
  changes on CSS — and a default rule of 5 working days for everything else;
* a maintenance window for CSS on Sundays 00:00–06:00 and a blackout "Year end" 24 Dec–2 Jan on every
  service;
* changes (times relative to ``NOW``, a Wednesday 10:00 UTC in June 2027):
  - ``draft``: CSS Provider's draft on CSS (Sunday 20 Jun 01:00–04:00,
    outage);
  - ``accepted``: Gas CDS's accepted change on UK Link, 12 days on, 02:00–05:00 Sunday, outage;
  - ``submitted``: CSS Provider's submitted normal change on CSS Registration, 20 days on;
  - ``live``: CSS Provider's accepted change on CSS in progress now (started an hour ago, ends in two);
  - ``done``: Gas CDS's completed major change on UK Link last month (awaiting its review).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from busbar.accounts.models import User
from busbar.changes import steps
from busbar.changes.actions import raise_change
from busbar.changes.models import (
    AvailabilityTarget,
    BlackoutWindow,
    CcgMember,
    CcgRole,
    ChangeNotification,
    ChangeStatus,
    ChangeType,
    MaintenanceWindow,
    NoticeRule,
    ServiceSubscription,
)
from busbar.conftest import World, make_org, make_user
from busbar.lib.actions import Actor
from busbar.parties.models import IndustryRole, MembershipRole, Organisation
from busbar.services import actions as service_actions
from busbar.services.models import Calendar, Service

UTC = dt.UTC
#: "Now" for the change world: Wednesday 16 June 2027, 10:00 UTC (11:00 in London).
NOW = dt.datetime(2027, 6, 16, 10, 0, tzinfo=UTC)
WORKING = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"


@dataclass
class ChangeWorld:
    world: World
    gas_org: Organisation
    css: Service
    css_reg: Service
    uk_link: Service
    portal: Service
    always: Calendar
    working: Calendar
    provider: User
    gas: User
    desk: User
    ops: User
    alpha: User
    bravo: User
    css_rule: NoticeRule
    default_rule: NoticeRule
    sunday_window: MaintenanceWindow
    year_end: BlackoutWindow
    draft: ChangeNotification
    accepted: ChangeNotification
    submitted: ChangeNotification
    live: ChangeNotification
    done: ChangeNotification

    def client(self, user: User | None):
        return self.world.client(user)


def _at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    return (NOW + dt.timedelta(days=days)).replace(hour=hour, minute=minute)


def _raise(
    actor_user,
    provider,
    title,
    services,
    start,
    end,
    *,
    kind=ChangeType.NORMAL,
    outage=True,
    status=None,
    team="",
):
    change = raise_change(
        actor=Actor(user=actor_user),
        provider=provider,
        title=title,
        change_type=kind,
        services=services,
        planned_start=start,
        planned_end=end,
        is_outage=outage,
        team=team,
        description=f"{title}: the work",
        expected_impact="Switch requests queue during the window",
        backout_plan="Restore the previous release",
        now=NOW - dt.timedelta(days=30),
    )
    if status is not None:
        ChangeNotification.objects.filter(pk=change.pk).update(
            status=status, submitted_at=NOW - dt.timedelta(days=20)
        )
        change.refresh_from_db()
        steps.sync_services(change)
    return change


def build_change_world(world: World) -> ChangeWorld:
    system = Actor.system()
    always = Calendar.objects.get(name="24x7")
    working = Calendar.objects.get(name=WORKING)
    gas_org = make_org("Gas CDS", [IndustryRole.CSS_PROVIDER])
    gas = make_user(gas_org, "resolver@gascds.example", MembershipRole.RESOLVER)
    css = service_actions.create_service(
        actor=system, name="CSS", slug="css", provider=world.provider, calendar=always
    )
    css_reg = service_actions.create_service(
        actor=system,
        name="CSS Registration",
        slug="css-registration",
        provider=world.provider,
        calendar=always,
        parent=css,
    )
    uk_link = service_actions.create_service(
        actor=system, name="UK Link", slug="uk-link", provider=gas_org, calendar=working, depends_on=[css]
    )
    portal = service_actions.create_service(
        actor=system, name="Gas Portal", slug="gas-portal", provider=gas_org, calendar=always
    )
    AvailabilityTarget.objects.create(service=css, target_percent="99.500", agreement="CSS SLA")
    css_rule = NoticeRule.objects.create(
        name="REC R0055: planned CSS outages",
        service=css,
        outage_only=True,
        min_working_days=8,
        calendar=working,
        source="REC change R0055",
    )
    default_rule = NoticeRule.objects.create(name="Default notice", min_working_days=5, calendar=working)
    sunday = MaintenanceWindow.objects.create(
        service=css, weekday=6, start_time=dt.time(0, 0), end_time=dt.time(6, 0), note="Sunday early hours"
    )
    year_end = BlackoutWindow.objects.create(
        name="Year end",
        starts_at=dt.datetime(2027, 12, 24, 0, 0, tzinfo=UTC),
        ends_at=dt.datetime(2028, 1, 2, 23, 59, tzinfo=UTC),
        reason="Year-end market freeze",
    )
    CcgMember.objects.create(organisation=world.operator, user=world.ops, role=CcgRole.CHAIR)
    CcgMember.objects.create(organisation=world.provider, user=world.resolver, role=CcgRole.REPRESENTATIVE)
    CcgMember.objects.create(organisation=gas_org, user=gas, role=CcgRole.REPRESENTATIVE)
    ServiceSubscription.objects.create(user=world.user_a, service=css, by_email=True)
    # Next Sunday after NOW (Wed 16 Jun 2027) is 20 Jun.
    draft = _raise(
        world.resolver, world.provider, "CSS database patching", [css], _at(4, 1), _at(4, 4), team="CSS DBA"
    )
    accepted = _raise(
        gas,
        gas_org,
        "UK Link release 24.3",
        [uk_link],
        _at(11, 1),
        _at(11, 4),
        status=ChangeStatus.ACCEPTED,
        team="UKL release",
    )
    submitted = _raise(
        world.resolver,
        world.provider,
        "Registration API certificate rotation",
        [css_reg],
        _at(18, 1),
        _at(18, 2),
        outage=False,
        status=ChangeStatus.SUBMITTED,
        team="CSS platform",
    )
    live = _raise(
        world.resolver,
        world.provider,
        "CSS firewall upgrade",
        [css],
        NOW - dt.timedelta(hours=1),
        NOW + dt.timedelta(hours=2),
        status=ChangeStatus.IN_PROGRESS,
        team="CSS network",
    )
    ChangeNotification.objects.filter(pk=live.pk).update(actual_start=NOW - dt.timedelta(hours=1))
    live.refresh_from_db()
    done = _raise(
        gas,
        gas_org,
        "UK Link data-centre move",
        [uk_link],
        _at(-30, 1),
        _at(-30, 5),
        kind=ChangeType.MAJOR,
        status=ChangeStatus.COMPLETED,
    )
    ChangeNotification.objects.filter(pk=done.pk).update(
        actual_start=done.planned_start, actual_end=done.planned_end
    )
    done.refresh_from_db()
    return ChangeWorld(
        world=world,
        gas_org=gas_org,
        css=css,
        css_reg=css_reg,
        uk_link=uk_link,
        portal=portal,
        always=always,
        working=working,
        provider=world.resolver,
        gas=gas,
        desk=world.analyst,
        ops=world.ops,
        alpha=world.user_a,
        bravo=world.user_b,
        css_rule=css_rule,
        default_rule=default_rule,
        sunday_window=sunday,
        year_end=year_end,
        draft=draft,
        accepted=accepted,
        submitted=submitted,
        live=live,
        done=done,
    )


@pytest.fixture(scope="module")
def _module_chg(_module_world, django_db_blocker) -> Iterator[ChangeWorld]:
    with django_db_blocker.unblock():
        yield build_change_world(_module_world)


@pytest.fixture
def chg(_module_chg: ChangeWorld, world: World, db) -> ChangeWorld:
    """The change world (see the module docstring), fresh objects for each test."""
    built = copy.deepcopy(_module_chg)
    built.world = world
    return built
