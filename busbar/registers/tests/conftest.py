"""The registers' world, built once per module beside the three-party world: two providers and their
services, a problem, and a risk and an improvement of each provider's, so every test proves allowed and
denied for the desk (``world.analyst``, ``world.ops``), the owning provider (``world.resolver`` at CSS
Provider), another provider (``gas`` at Gas CDS), a participant (``world.user_a``) and anonymous.

"Now" is Wednesday 16 June 2027, 10:00 UTC (11:00 in London)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from busbar.accounts.models import User
from busbar.conftest import World, make_org, make_user
from busbar.lib.actions import Actor
from busbar.parties.models import IndustryRole, MembershipRole, Organisation
from busbar.parties.queries import scope_for
from busbar.registers import actions
from busbar.registers.models import Improvement, Risk
from busbar.services import actions as service_actions
from busbar.services.models import Calendar, Service

NOW = dt.datetime(2027, 6, 16, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2027, 6, 16)


@dataclass
class RegWorld:
    world: World
    gas_org: Organisation
    gas: User
    css: Service
    uk_link: Service
    problem: object
    risk: Risk  # CSS Provider's, on CSS, 4 × 4
    gas_risk: Risk  # Gas CDS's, on UK Link, 2 × 3
    operator_risk: Risk  # the operator's, 5 × 5, review overdue
    improvement: Improvement  # CSS Provider's recommendation
    gas_improvement: Improvement

    def client(self, user: User | None):
        return self.world.client(user)


def actor(user: User, channel: str = "web") -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel=channel)


def build(world: World) -> RegWorld:
    from busbar.problems import actions as problem_actions

    system = Actor.system()
    always = Calendar.objects.get(name="24x7")
    gas_org = make_org("Gas CDS", [IndustryRole.CSS_PROVIDER])
    gas = make_user(gas_org, "resolver@gascds.example", MembershipRole.RESOLVER)
    css = service_actions.create_service(
        actor=system, name="CSS", slug="css", provider=world.provider, calendar=always
    )
    uk_link = service_actions.create_service(
        actor=system, name="UK Link", slug="uk-link", provider=gas_org, calendar=always
    )
    problem = problem_actions.raise_problem(
        actor=actor(world.analyst),
        service=css,
        summary="Switch timeouts",
        description="Repeated timeouts",
        now=NOW - dt.timedelta(days=10),
    )
    earlier = NOW - dt.timedelta(days=30)
    risk = actions.raise_risk(
        actor=actor(world.resolver),
        title="CSS database at capacity",
        likelihood=4,
        impact=4,
        category="capacity",
        services=[css],
        kpis=["availability"],
        review_by=dt.date(2027, 7, 1),
        now=earlier,
    )
    gas_risk = actions.raise_risk(
        actor=actor(gas),
        title="UK Link supplier exit",
        likelihood=2,
        impact=3,
        category="supplier",
        services=[uk_link],
        now=earlier,
    )
    operator_risk = actions.raise_risk(
        actor=actor(world.analyst),
        title="Desk staffing over holidays",
        likelihood=5,
        impact=5,
        category="process",
        review_by=dt.date(2027, 6, 1),
        now=earlier - dt.timedelta(days=30),
    )
    improvement = actions.raise_improvement(
        actor=actor(world.resolver),
        title="Faster CSS failover",
        likelihood=3,
        impact=4,
        services=[css],
        kpis=["interruption_minutes"],
        benefits="Shorter outages",
        now=earlier,
    )
    gas_improvement = actions.raise_improvement(
        actor=actor(gas),
        title="UK Link batch window",
        likelihood=2,
        impact=2,
        services=[uk_link],
        now=earlier,
    )
    return RegWorld(
        world=world,
        gas_org=gas_org,
        gas=gas,
        css=css,
        uk_link=uk_link,
        problem=problem,
        risk=risk,
        gas_risk=gas_risk,
        operator_risk=operator_risk,
        improvement=improvement,
        gas_improvement=gas_improvement,
    )


@pytest.fixture(scope="module")
def _module_reg(_module_world: World, django_db_blocker) -> Iterator[RegWorld]:
    with django_db_blocker.unblock():
        yield build(_module_world)


@pytest.fixture
def reg(_module_reg: RegWorld, world: World) -> RegWorld:
    built = copy.deepcopy(_module_reg)
    built.world = world
    return built


@pytest.fixture
def frozen(monkeypatch):
    """Pages and the API read "today" as 16 June 2027."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW
