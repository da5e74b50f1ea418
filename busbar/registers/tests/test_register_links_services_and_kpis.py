"""Risks and improvements bear on services, problems and KPIs: unknown or hidden ones are refused naming
the field; the KPI codes the registers know are exactly the reports' ten."""

import pytest

from busbar.lib.actions import ActionError
from busbar.records.models import Link
from busbar.registers import actions, scoring
from busbar.registers.models import Risk
from busbar.registers.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def test_kpi_codes_are_the_reports_ten() -> None:
    from busbar.reports import kpis

    assert scoring.KPI_CODES == kpis.CODES
    assert set(scoring.KPI_LABELS) == set(kpis.CODES)


def test_unknown_kpi_is_refused_naming_it(reg) -> None:
    with pytest.raises(ActionError) as caught:
        actions.raise_risk(
            actor=actor(reg.world.analyst),
            title="K",
            likelihood=1,
            impact=1,
            kpis=["availability", "uptime"],
            now=NOW,
        )
    assert caught.value.field == "kpis[1]"
    assert not Risk.objects.filter(title="K").exists()


def test_kpis_are_kept_once_in_table_order(reg) -> None:
    risk = actions.raise_risk(
        actor=actor(reg.world.analyst),
        title="K",
        likelihood=1,
        impact=1,
        kpis=["resolved_in_sla", "availability", "availability"],
        now=NOW,
    )
    assert risk.kpis == ["availability", "resolved_in_sla"]


def test_unknown_service_is_refused_naming_it(reg) -> None:
    with pytest.raises(ActionError) as caught:
        actions.raise_risk(
            actor=actor(reg.world.analyst),
            title="S",
            likelihood=1,
            impact=1,
            services=["css", "nope"],
            now=NOW,
        )
    assert caught.value.field == "services[1]"


def test_services_by_slug_and_id(reg) -> None:
    risk = actions.raise_risk(
        actor=actor(reg.world.analyst),
        title="S",
        likelihood=1,
        impact=1,
        services=["css", str(reg.uk_link.pk)],
        now=NOW,
    )
    assert {s.slug for s in risk.services.all()} == {"css", "uk-link"}


def test_problems_are_linked_through_the_kernel(reg) -> None:
    linked = actions.link_risk_problems(
        actor=actor(reg.world.resolver), risk=reg.risk, problems=[reg.problem.reference], now=NOW
    )
    assert linked == [reg.problem.reference]
    assert Link.objects.filter(source=reg.risk.record, target=reg.problem.record).exists()


def test_a_problem_the_actor_cannot_see_is_not_found(reg) -> None:
    with pytest.raises(ActionError) as caught:
        actions.link_risk_problems(
            actor=actor(reg.gas), risk=reg.gas_risk, problems=[reg.problem.reference], now=NOW
        )
    assert caught.value.field == "problems[0]"


def test_raise_with_problems_links_them(reg) -> None:
    improvement = actions.raise_improvement(
        actor=actor(reg.world.analyst),
        title="Fix timeouts for good",
        problems=[reg.problem.reference],
        now=NOW,
    )
    assert Link.objects.filter(source=improvement.record, target=reg.problem.record).exists()
