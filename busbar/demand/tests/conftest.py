"""Demand management's world, built once per module beside the three-party world: three providers with a
service each, tolerances, and two notices, so every test proves allowed and denied for the desk
(``world.analyst``, ``world.ops``), supplier A (``world.user_a``, ``world.admin_a``), supplier B
(``world.user_b``), the affected providers (``world.resolver`` at CSS Provider on CSS, ``gas`` at Gas CDS on
UK Link), an unaffected provider (``elec`` at Elec Reg on MPRS) and anonymous.

* ``notice``: Alpha's, filed, CSS 1,000 → 1,500/day (above 20 %) and UK Link 10,000 → 10,500/day (within);
* ``notice_b``: Bravo's, filed, MPRS 2,000 → 2,100/day (within).

"Now" is Wednesday 16 June 2027, 10:00 UTC (11:00 in London)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from busbar.accounts.models import User
from busbar.conftest import World, make_org, make_user
from busbar.demand import actions
from busbar.demand.models import DemandNotice, DemandTolerance
from busbar.lib.actions import Actor
from busbar.parties.models import IndustryRole, MembershipRole, Organisation
from busbar.parties.queries import scope_for
from busbar.services import actions as service_actions
from busbar.services.models import Calendar, Service

NOW = dt.datetime(2027, 6, 16, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2027, 6, 16)


@dataclass
class DemandWorld:
    world: World
    gas_org: Organisation
    gas: User
    elec_org: Organisation
    elec: User
    css: Service
    uk_link: Service
    mprs: Service
    css_tolerance: DemandTolerance  # 20 % from 1 Jan 2027
    css_later: DemandTolerance  # 50 % from 1 Jul 2027
    uk_tolerance: DemandTolerance  # 10 %, at most 50,000 a day, from 1 Jan 2027
    notice: DemandNotice  # Alpha's, above tolerance on CSS
    notice_b: DemandNotice  # Bravo's, within tolerance on MPRS

    def client(self, user: User | None):
        return self.world.client(user)


def actor(user: User, channel: str = "web") -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel=channel)


def line(service, normal: int, expected: int) -> dict:
    return {"service": service, "normal_per_day": normal, "expected_per_day": expected}


def build(world: World) -> DemandWorld:
    system = Actor.system()
    always = Calendar.objects.get(name="24x7")
    gas_org = make_org("Gas CDS", [IndustryRole.UK_LINK])
    gas = make_user(gas_org, "resolver@gascds.example", MembershipRole.RESOLVER)
    elec_org = make_org("Elec Reg", [IndustryRole.MPRS])
    elec = make_user(elec_org, "resolver@elecreg.example", MembershipRole.RESOLVER)
    css = service_actions.create_service(
        actor=system, name="CSS", slug="css", provider=world.provider, calendar=always
    )
    uk_link = service_actions.create_service(
        actor=system, name="UK Link", slug="uk-link", provider=gas_org, calendar=always
    )
    mprs = service_actions.create_service(
        actor=system, name="MPRS", slug="mprs", provider=elec_org, calendar=always
    )
    ops = actor(world.ops)
    css_tolerance = actions.set_tolerance(
        actor=ops,
        service=css,
        effective_from=dt.date(2027, 1, 1),
        tolerance_percent=20,
        normal_daily_volume=40_000,
        now=NOW,
    )
    css_later = actions.set_tolerance(
        actor=ops, service=css, effective_from=dt.date(2027, 7, 1), tolerance_percent=50, now=NOW
    )
    uk_tolerance = actions.set_tolerance(
        actor=ops,
        service=uk_link,
        effective_from=dt.date(2027, 1, 1),
        tolerance_percent=10,
        max_daily_volume=50_000,
        now=NOW,
    )
    actions.set_tolerance(
        actor=ops, service=mprs, effective_from=dt.date(2027, 1, 1), tolerance_percent=10, now=NOW
    )
    notice = actions.file_notice(
        actor=actor(world.user_a),
        title="Summer tariff campaign",
        starts_on=dt.date(2027, 6, 21),
        ends_on=dt.date(2027, 6, 27),
        reason="marketing",
        description="A national campaign for our new fixed tariff.",
        lines=[line(css, 1_000, 1_500), line(uk_link, 10_000, 10_500)],
        now=NOW,
    )
    notice_b = actions.file_notice(
        actor=actor(world.user_b),
        title="Small portfolio move",
        starts_on=dt.date(2027, 6, 20),
        ends_on=dt.date(2027, 6, 22),
        reason="migration",
        lines=[line(mprs, 2_000, 2_100)],
        now=NOW,
    )
    return DemandWorld(
        world=world,
        gas_org=gas_org,
        gas=gas,
        elec_org=elec_org,
        elec=elec,
        css=css,
        uk_link=uk_link,
        mprs=mprs,
        css_tolerance=css_tolerance,
        css_later=css_later,
        uk_tolerance=uk_tolerance,
        notice=notice,
        notice_b=notice_b,
    )


@pytest.fixture(scope="module")
def _module_demand(_module_world: World, django_db_blocker) -> Iterator[DemandWorld]:
    with django_db_blocker.unblock():
        yield build(_module_world)


@pytest.fixture
def d(_module_demand: DemandWorld, world: World) -> DemandWorld:
    built = copy.deepcopy(_module_demand)
    built.world = world
    return built


@pytest.fixture
def frozen(monkeypatch):
    """Pages and the API read "now" as 16 June 2027, 10:00 UTC."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW
