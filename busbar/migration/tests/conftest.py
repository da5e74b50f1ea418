"""Qualification and migration's world, built once per module beside the three-party world, so every test
proves allowed and denied for each persona:

* the **SI** (``si``, at "MHHS SI", programme function SI: a migration manager) and the **assurer**
  (``assurer``: reads everything, changes nothing);
* the **code body** (``code_body_user`` at "Elexon", the code body ``code_body`` of the window);
* supplier **Alpha** (``world.user_a``, ``world.admin_a``) and supplier **Bravo** (``world.user_b``);
* the **agent** (``agent`` at "Delta Data", appointed by both suppliers);
* the **DNO** (``dno`` at "Eastern DN", distributor ID ``10``);
* the desk (``world.analyst``, central: reads everything) and an unrelated provider (``world.resolver``:
  sees nothing).

The programme ``mhhs`` has a qualification window (1 Feb 2027 – 31 Jan 2028, risk cut-off 31 Oct 2027),
three tranches (T1 Feb–May, T2 Jun–Sep, T3 Oct–Jan; Elexon takes 2 participants in each), entrants for
Alpha (supplier, 600,000 MPANs, ready 1 Mar 2027), Bravo (supplier, 80,000, ready 1 Jul 2027) and Delta
(agent of both, ready 1 Feb 2027); every segment migrates from 1 Mar 2027 (M11), reverse migration until
31 Dec 2027 (M14), all by 30 Jun 2028 (M15); thresholds: industry-wide 10,000 a day, distributor 10
4,000 a day, from 1 Jan 2027.

"Now" is Wednesday 16 June 2027, 10:00 UTC (11:00 in London)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from busbar.accounts.models import User
from busbar.conftest import World, make_org, make_user
from busbar.datagen.mpan import check_digit
from busbar.lib.actions import Actor
from busbar.migration.models import (
    CodeBody,
    Entrant,
    EntrantKind,
    QualificationWindow,
    Segment,
    SegmentWindow,
    Threshold,
    ThresholdScope,
    Tranche,
    TrancheCapacity,
)
from busbar.parties.models import IndustryRole, MembershipRole, Organisation
from busbar.parties.queries import scope_for
from busbar.testing.models import Programme, ProgrammeParty

NOW = dt.datetime(2027, 6, 16, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2027, 6, 16)
M11 = dt.date(2027, 3, 1)
M14 = dt.date(2027, 12, 31)
M15 = dt.date(2028, 6, 30)


def mpan(distributor: str, n: int) -> str:
    """A well-formed MPAN core in ``distributor``'s area (n: a unique small number)."""
    first12 = f"{distributor}{n:010d}"
    return first12 + str(check_digit(first12))


@dataclass
class MigrationWorld:
    world: World
    programme: Programme
    si_org: Organisation
    si: User
    assurer: User
    code_body_org: Organisation
    code_body_user: User
    agent_org: Organisation
    agent: User
    dno_org: Organisation
    dno: User
    window: QualificationWindow
    code_body: CodeBody
    tranches: list[Tranche]
    alpha: Entrant  # supplier Alpha's entrant
    bravo: Entrant  # supplier Bravo's entrant
    delta: Entrant  # the agent's entrant

    def client(self, user: User | None):
        return self.world.client(user)


def actor(user: User, channel: str = "web") -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel=channel)


def build(world: World) -> MigrationWorld:
    programme = Programme.objects.create(code="mhhs", name="Market-wide Half-Hourly Settlement")
    si_org = make_org("MHHS SI", [IndustryRole.SYSTEMS_INTEGRATOR])
    si = make_user(si_org, "si@si.example", MembershipRole.PARTICIPANT)
    assurer_org = make_org("Assure Co", [IndustryRole.PROGRAMME_OFFICE])
    assurer = make_user(assurer_org, "assurer@assure.example", MembershipRole.PARTICIPANT)
    ProgrammeParty.objects.create(programme=programme, organisation=si_org, function="si")
    ProgrammeParty.objects.create(programme=programme, organisation=assurer_org, function="assurer")
    code_body_org = make_org("Elexon", [IndustryRole.CODE_BODY])
    code_body_user = make_user(code_body_org, "qual@elexon.example", MembershipRole.PARTICIPANT)
    agent_org = make_org("Delta Data", [IndustryRole.SUPPLIER_AGENT], identifiers=[("mpid", "DLTA")])
    agent = make_user(agent_org, "agent@delta.example", MembershipRole.PARTICIPANT)
    dno_org = make_org(
        "Eastern DN", [IndustryRole.DNO], identifiers=[("mpid", "EELC"), ("distributor_id", "10")]
    )
    dno = make_user(dno_org, "dno@eastern.example", MembershipRole.RESOLVER)
    window = QualificationWindow.objects.create(
        programme=programme,
        opens=dt.date(2027, 2, 1),
        closes=dt.date(2028, 1, 31),
        risk_cutoff=dt.date(2027, 10, 31),
        large_portfolio=500_000,
        medium_portfolio=50_000,
    )
    code_body = CodeBody.objects.create(window=window, organisation=code_body_org, name="Elexon (BSC)")
    tranches = []
    for n, (starts, ends) in enumerate(
        [
            (dt.date(2027, 2, 1), dt.date(2027, 5, 31)),
            (dt.date(2027, 6, 1), dt.date(2027, 9, 30)),
            (dt.date(2027, 10, 1), dt.date(2028, 1, 31)),
        ],
        start=1,
    ):
        tranche = Tranche.objects.create(
            window=window, number=n, name=f"Tranche {n}", starts=starts, ends=ends
        )
        TrancheCapacity.objects.create(tranche=tranche, code_body=code_body, max_participants=2)
        tranches.append(tranche)
    alpha = Entrant.objects.create(
        window=window,
        organisation=world.org_a,
        kind=EntrantKind.SUPPLIER,
        code_body=code_body,
        smart=400_000,
        non_smart=150_000,
        advanced=40_000,
        unmetered=10_000,
        ready_on=dt.date(2027, 3, 1),
    )
    bravo = Entrant.objects.create(
        window=window,
        organisation=world.org_b,
        kind=EntrantKind.SUPPLIER,
        code_body=code_body,
        smart=60_000,
        non_smart=20_000,
        ready_on=dt.date(2027, 7, 1),
    )
    delta = Entrant.objects.create(
        window=window,
        organisation=agent_org,
        kind=EntrantKind.AGENT,
        market_role="Smart data service (SDS)",
        code_body=code_body,
        ready_on=dt.date(2027, 2, 1),
    )
    alpha.agents.add(delta)
    bravo.agents.add(delta)
    for segment in Segment.values:
        SegmentWindow.objects.create(
            programme=programme, segment=segment, opens=M11, reverse_until=M14, closes=M15
        )
    Threshold.objects.create(
        programme=programme,
        scope=ThresholdScope.INDUSTRY,
        daily_max=10_000,
        effective_from=dt.date(2027, 1, 1),
    )
    Threshold.objects.create(
        programme=programme,
        scope=ThresholdScope.DISTRIBUTOR,
        distributor="10",
        daily_max=4_000,
        effective_from=dt.date(2027, 1, 1),
    )
    return MigrationWorld(
        world=world,
        programme=programme,
        si_org=si_org,
        si=si,
        assurer=assurer,
        code_body_org=code_body_org,
        code_body_user=code_body_user,
        agent_org=agent_org,
        agent=agent,
        dno_org=dno_org,
        dno=dno,
        window=window,
        code_body=code_body,
        tranches=tranches,
        alpha=alpha,
        bravo=bravo,
        delta=delta,
    )


@pytest.fixture(scope="module")
def _module_migration(_module_world: World, django_db_blocker) -> Iterator[MigrationWorld]:
    with django_db_blocker.unblock():
        yield build(_module_world)


@pytest.fixture
def m(_module_migration: MigrationWorld, db) -> MigrationWorld:
    """The migration world (see the module docstring), fresh copies for each test."""
    return copy.deepcopy(_module_migration)
