"""Helpers of the set-up tests (issue 11, items 1–3): actors and a planned phase to start."""

from __future__ import annotations

import datetime as dt

from busbar.conftest import make_org
from busbar.parties.models import IndustryRole
from busbar.testing.actions import setup as actions
from busbar.testing.models import Phase, PhaseKind
from busbar.testing.tests.conftest import Prog, actor_for

SIT_START = dt.date(2026, 9, 7)


def si(prog: Prog):
    return actor_for(prog.si)


def planned_phase(prog: Prog, *, code: str = "sit-migration", grace_days: int = 30) -> Phase:
    """A planned phase of the programme with one cohort holding Alpha and Bravo (suppliers) and the agent:
    it meets the conftest rule (2 suppliers, 1 advanced agent)."""
    phase = actions.create_phase(
        actor=si(prog),
        programme=prog.programme,
        code=code,
        name="SIT Migration",
        kind=PhaseKind.SIT_MIGRATION,
        planned_start=SIT_START,
        planned_end=dt.date(2027, 1, 29),
        owner=prog.si_org,
        environments=[prog.environment],
        grace_days=grace_days,
    )
    cohort = actions.create_cohort(actor=si(prog), phase=phase, name="Cohort A", order=1)
    for org, role in (
        (prog.world.org_a, prog.supplier_role),
        (prog.world.org_b, prog.supplier_role),
        (prog.agent_org, prog.agent_role),
    ):
        actions.add_participation(actor=si(prog), phase=phase, organisation=org, role=role, cohort=cohort)
    return phase


def second_agent(prog: Prog, name: str = "Second Agent Ltd"):
    return make_org(name, [IndustryRole.SUPPLIER_AGENT])
