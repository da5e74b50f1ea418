"""The test programme: the shared world plus an SI, an assurer, a programme manager (who also sits on the
approval board), a design authority and an agent, running an MHHS-like SIT Functional phase in which
Alpha and Bravo (suppliers) and the agent take part in one cohort, with three scenarios.

Built once per module beside the world (inside the module's transaction) and copied for each test, like
``world``. ``prog.client(user)`` signs a person in.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from busbar.accounts.models import User
from busbar.conftest import World, make_org, make_user
from busbar.lib.actions import Actor
from busbar.parties.models import IndustryRole, MembershipRole, Organisation
from busbar.parties.queries import scope_for
from busbar.testing.models import (
    Cohort,
    EntryStatus,
    Environment,
    Gate,
    GateKind,
    ParticipantRole,
    Participation,
    Phase,
    PhaseKind,
    PhaseStatus,
    Programme,
    ProgrammeFunction,
    ProgrammeParty,
    Scenario,
    ScriptVersion,
)


@dataclass
class Prog:
    world: World
    programme: Programme
    phase: Phase
    environment: Environment
    cohort: Cohort
    si_org: Organisation
    assurer_org: Organisation
    pm_org: Organisation  # programme manager and approval board
    da_org: Organisation
    agent_org: Organisation
    si: User  # the SI's test manager
    assurer: User
    pm: User
    da: User
    agent: User  # the agent's test lead
    supplier_role: ParticipantRole
    agent_role: ParticipantRole
    part_a: Participation  # Alpha Energy, supplier
    part_b: Participation  # Bravo Energy, supplier
    part_agent: Participation
    scenarios: list[Scenario]
    exit_gate: Gate

    def client(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client


def actor_for(user: User | None) -> Actor:
    if user is None:
        return Actor.system()
    return Actor(user=user, organisation=scope_for(user).primary_organisation)


def build_programme(world: World) -> Prog:
    si_org = make_org("Programme SI", [IndustryRole.SYSTEMS_INTEGRATOR])
    assurer_org = make_org("Independent Assurance", [IndustryRole.PROGRAMME_OFFICE])
    pm_org = make_org("Programme Office", [IndustryRole.PROGRAMME_OFFICE])
    da_org = make_org("Design Authority", [IndustryRole.DESIGN_AUTHORITY])
    agent_org = make_org("Meter Agent Co", [IndustryRole.SUPPLIER_AGENT])
    programme = Programme.objects.create(code="mhhs", name="MHHS")
    for org, function in (
        (si_org, ProgrammeFunction.SI),
        (assurer_org, ProgrammeFunction.ASSURER),
        (pm_org, ProgrammeFunction.PROGRAMME_MANAGER),
        (pm_org, ProgrammeFunction.BOARD),
        (da_org, ProgrammeFunction.DESIGN_AUTHORITY),
    ):
        ProgrammeParty.objects.create(programme=programme, organisation=org, function=function)
    supplier_role = ParticipantRole.objects.create(
        programme=programme, code="supplier", label="Supplier", min_per_cohort=2, order=1
    )
    agent_role = ParticipantRole.objects.create(
        programme=programme, code="advanced-agent", label="Advanced agent", min_per_cohort=1, order=2
    )
    environment = Environment.objects.create(programme=programme, name="SIT-A")
    phase = Phase.objects.create(
        programme=programme,
        code="sit-functional",
        name="SIT Functional",
        kind=PhaseKind.SIT_FUNCTIONAL,
        planned_start=dt.date(2026, 9, 7),
        planned_end=dt.date(2027, 1, 29),
        owner=si_org,
        status=PhaseStatus.IN_PROGRESS,
        grace_days=30,
    )
    phase.environments.add(environment)
    cohort = Cohort.objects.create(phase=phase, name="Cohort 1", order=1)

    def take_part(org: Organisation, role: ParticipantRole) -> Participation:
        return Participation.objects.create(
            phase=phase,
            organisation=org,
            role=role,
            cohort=cohort,
            status=EntryStatus.ENTERED,
            entered_on=dt.date(2026, 9, 7),
        )

    part_a = take_part(world.org_a, supplier_role)
    part_b = take_part(world.org_b, supplier_role)
    part_agent = take_part(agent_org, agent_role)
    scenarios = []
    for number, (interface, title) in enumerate(
        [
            ("IF-021", "Supplier sends a registration update to the agent"),
            ("IF-041", "Agent sends half-hourly consumption to the supplier"),
            ("IF-031", "Registration service notifies the appointment"),
        ],
        start=1,
    ):
        scenario = Scenario.objects.create(
            phase=phase, code=f"SIT-F-{number:03d}", title=title, interface=interface
        )
        version = ScriptVersion.objects.create(
            scenario=scenario,
            version=1,
            steps=[
                {"action": f"Send the {interface} message", "expected": "The DIP accepts it"},
                {"action": "Check the recipient's inbox", "expected": "The message arrives within 5 minutes"},
            ],
        )
        scenario.current_version = version
        scenario.save(update_fields=["current_version"])
        scenarios.append(scenario)
    exit_gate = Gate.objects.create(phase=phase, kind=GateKind.EXIT, name="SIT Functional exit", board=pm_org)
    return Prog(
        world=world,
        programme=programme,
        phase=phase,
        environment=environment,
        cohort=cohort,
        si_org=si_org,
        assurer_org=assurer_org,
        pm_org=pm_org,
        da_org=da_org,
        agent_org=agent_org,
        si=make_user(si_org, "testmanager@si.example", MembershipRole.PARTICIPANT),
        assurer=make_user(assurer_org, "assurer@ipa.example", MembershipRole.PARTICIPANT),
        pm=make_user(pm_org, "pm@pmo.example", MembershipRole.PARTICIPANT),
        da=make_user(da_org, "da@design.example", MembershipRole.PARTICIPANT),
        agent=make_user(agent_org, "lead@agent.example", MembershipRole.PARTICIPANT),
        supplier_role=supplier_role,
        agent_role=agent_role,
        part_a=part_a,
        part_b=part_b,
        part_agent=part_agent,
        scenarios=scenarios,
        exit_gate=exit_gate,
    )


@pytest.fixture(scope="module")
def _module_prog(_module_world: World, django_db_blocker) -> Iterator[Prog]:
    """Built inside the module world's transaction (undone with it when the module ends)."""
    from django.test import override_settings

    with django_db_blocker.unblock():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            built = build_programme(_module_world)
        yield built


@pytest.fixture
def prog(_module_prog: Prog, world: World) -> Prog:
    """The test programme (see the module docstring), a fresh copy for each test; ``prog.world`` is
    ``world``."""
    copied = copy.deepcopy(_module_prog)
    copied.world = world
    return copied
