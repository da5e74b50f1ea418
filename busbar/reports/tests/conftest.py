"""The service-level world, built once per module beside the three-party world and reused by each test.

Services: **CSS** (run by ``world.provider``, "CSS Provider", 24x7) and **UK Link** (run by a second
provider, **Gas CDS**, on the working-hours calendar). Participants ``world.org_a`` and ``world.org_b``
raise incidents; the desk (``world.analyst``) assigns them. Every incident is raised and worked through the
incident actions with explicit times, then the KPI facts are rebuilt. Times are UTC (London is UTC+1 in
May and June 2027). The figures each test expects are worked out by hand in ``docs/kpis.md`` ("Worked
example") and repeated next to each incident here:

============  ====  =======  =====  =========================================================  ===========
name          sev   service  org    life                                                       measures
============  ====  =======  =====  =========================================================  ===========
``april``     3     CSS      A      raised Tue 20 Apr 09:00, assigned 09:20, resolved 21 Apr      resp 20,
                                    09:00                                                       res 1440
``quick``     2     CSS      A      raised Tue 4 May 09:00, assigned 09:15, resolved 15:15      resp 15,
                                                                                                res 375 met
``paused``    2     CSS      B      raised Wed 5 May 10:00, assigned 10:30, started 11:00,      resp 30
                                    awaiting participant 12:00–22:00, resolved 6 May 10:00     (missed),
                                                                                                res 840 met
``late``      2     UK Link  A      raised Mon 10 May 08:00, assigned 08:10, resolved Tue 11    resp 10,
                                    May 14:00                                                   res 1800
                                                                                                missed,
                                                                                                escalated
                                                                                                11 May
``holiday``   4     UK Link  A      raised Fri 28 May 15:00 (16:00 BST), Mon 31 May a bank      resp 240,
                                    holiday, assigned Tue 1 Jun 09:00, resolved Wed 2 Jun       res 960 met
                                    11:00                                                       (June)
``open``      3     CSS      B      raised Thu 20 May 09:00, assigned 09:10, still open        resp 10,
                                                                                                escalated
                                                                                                23 May
``major``     1     CSS      A      raised Tue 25 May 02:00, assigned and declared a major      resp 5,
                                    incident 02:05, resolved 05:30                              res 210 met
============  ====  =======  =====  =========================================================  ===========

Attribution (resolution-clock working minutes): ``quick`` desk 15 / CSS Provider 360; ``paused`` desk 30
/ CSS Provider 810; ``late`` desk 10 / Gas CDS 1790; ``major`` desk 5 / CSS Provider 205; ``april`` desk 20
/ CSS Provider 1420; ``holiday`` desk 240 / Gas CDS 720 (June).

``paused`` has 600 paused minutes. The declared major incident is CSS's one interruption in May (02:05–05:30,
205 minutes): CSS availability 44,435 / 44,640 = 99.540 % (rounded down), UK Link 100 % (11,400 agreed
minutes: 19 open days × 600), end to end 55,835 / 56,040 = 99.634 %. End to end May: 6 incidents, 2
escalations (``late``, ``open``), response 51.7, resolution 806.3 over 4, 75 % resolved within SLA.

The world is dated 2027, so ``timezone.now`` is NOW while it is built (the actions refuse future times).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock

import pytest

from busbar.accounts.models import User
from busbar.conftest import World, make_org, make_user
from busbar.incidents import actions as incident_actions
from busbar.incidents.models import Incident
from busbar.lib.actions import Actor
from busbar.parties.models import IndustryRole, MembershipRole, Organisation
from busbar.parties.queries import scope_for
from busbar.services import actions as service_actions
from busbar.services.models import Calendar, Service, Severity

UTC = dt.UTC
#: "Now" for the service-level world: Wednesday 16 June 2027, 10:00 UTC.
NOW = dt.datetime(2027, 6, 16, 10, 0, tzinfo=UTC)
MAY = dt.date(2027, 5, 1)
APRIL = dt.date(2027, 4, 1)
JUNE = dt.date(2027, 6, 1)
WORKING = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"


@dataclass
class SlmWorld:
    world: World
    gas_org: Organisation
    css: Service
    uk_link: Service
    provider: User  # world.resolver at CSS Provider
    gas: User  # resolver at Gas CDS
    desk: User  # world.analyst
    ops: User  # world.ops (operations manager)
    alpha: User  # world.user_a, participant at A
    bravo: User  # world.user_b, participant at B
    april: Incident
    quick: Incident
    paused: Incident
    late: Incident
    holiday: Incident
    open: Incident
    major: Incident

    def client(self, user: User | None):
        return self.world.client(user)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, minute, tzinfo=UTC)


def _actor(user: User) -> Actor:
    """The actor a request by ``user`` would produce (acting for their primary organisation)."""
    return Actor(user=user, organisation=scope_for(user).primary_organisation)


def _severity(code: str) -> Severity:
    return Severity.objects.get(scheme__name="REC incident severities", code=code)


def build_slm_world(world: World) -> SlmWorld:
    system = Actor.system()
    always = Calendar.objects.get(name="24x7")
    working = Calendar.objects.get(name=WORKING)
    gas_org = make_org("Gas CDS", [IndustryRole.CSS_PROVIDER])
    gas = make_user(gas_org, "resolver@gascds.example", MembershipRole.RESOLVER)
    css = service_actions.create_service(
        actor=system, name="CSS", slug="css", provider=world.provider, calendar=always
    )
    uk_link = service_actions.create_service(
        actor=system, name="UK Link", slug="uk-link", provider=gas_org, calendar=working
    )
    desk = _actor(world.analyst)
    css_actor = _actor(world.resolver)
    gas_actor = _actor(gas)

    def raise_(user, service, sev, when, summary):
        return incident_actions.raise_incident(
            actor=_actor(user),
            service=service,
            severity=_severity(sev),
            summary=summary,
            description=f"{summary}: details",
            now=when,
        )

    def assign(incident, provider, when):
        return incident_actions.assign_incident(actor=desk, incident=incident, provider=provider, now=when)

    def resolve(incident, actor, when):
        return incident_actions.resolve_incident(actor=actor, incident=incident, resolution="Fixed", now=when)

    april = raise_(world.user_a, css, "3", at(4, 20, 9), "April switch delays")
    assign(april, world.provider, at(4, 20, 9, 20))
    resolve(april, css_actor, at(4, 21, 9))

    quick = raise_(world.user_a, css, "2", at(5, 4, 9), "Switch requests slow")
    assign(quick, world.provider, at(5, 4, 9, 15))
    resolve(quick, css_actor, at(5, 4, 15, 15))

    paused = raise_(world.user_b, css, "2", at(5, 5, 10), "Registration rejected")
    assign(paused, world.provider, at(5, 5, 10, 30))
    incident_actions.start_work(actor=css_actor, incident=paused, now=at(5, 5, 11))
    incident_actions.set_pending(
        actor=css_actor, incident=paused, awaiting="participant", note="Send the file", now=at(5, 5, 12)
    )
    incident_actions.start_work(actor=css_actor, incident=paused, now=at(5, 5, 22))
    resolve(paused, css_actor, at(5, 6, 10))

    late = raise_(world.user_a, uk_link, "2", at(5, 10, 8), "UK Link nominations stuck")
    assign(late, gas_org, at(5, 10, 8, 10))
    resolve(late, gas_actor, at(5, 11, 14))

    holiday = raise_(world.user_a, uk_link, "4", at(5, 28, 15), "Portal typo")
    assign(holiday, gas_org, at(6, 1, 9))
    resolve(holiday, gas_actor, at(6, 2, 11))

    open_ = raise_(world.user_b, css, "3", at(5, 20, 9), "Intermittent timeouts")
    assign(open_, world.provider, at(5, 20, 9, 10))

    major = raise_(world.user_a, css, "1", at(5, 25, 2), "CSS down")
    assign(major, world.provider, at(5, 25, 2, 5))
    incident_actions.declare_major_incident(actor=desk, incident=major, now=at(5, 25, 2, 5))
    resolve(major, css_actor, at(5, 25, 5, 30))

    from busbar.reports import facts

    facts.rebuild_all(now=NOW)
    get = Incident.objects.get
    return SlmWorld(
        world=world,
        gas_org=gas_org,
        css=css,
        uk_link=uk_link,
        provider=world.resolver,
        gas=gas,
        desk=world.analyst,
        ops=world.ops,
        alpha=world.user_a,
        bravo=world.user_b,
        april=get(pk=april.pk),
        quick=get(pk=quick.pk),
        paused=get(pk=paused.pk),
        late=get(pk=late.pk),
        holiday=get(pk=holiday.pk),
        open=get(pk=open_.pk),
        major=get(pk=major.pk),
    )


@pytest.fixture(scope="module")
def _module_slm(_module_world: World, django_db_blocker) -> Iterator[SlmWorld]:
    # The world is dated 2027: the actions refuse times in their future, so "now" is NOW while it is built.
    with django_db_blocker.unblock(), mock.patch("django.utils.timezone.now", lambda: NOW):
        built = build_slm_world(_module_world)
    with django_db_blocker.unblock():
        yield built


@pytest.fixture
def slm(_module_slm: SlmWorld, world: World) -> SlmWorld:
    return copy.deepcopy(_module_slm)
