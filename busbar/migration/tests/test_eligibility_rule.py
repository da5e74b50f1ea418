"""Go-live eligibility (QM-13): a supplier and at least one of its agents must have completed SIT or
qualification, any E2E sandbox testing required, and the supplier's new systems must be live."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.migration.eligibility import eligibility, eligibility_for
from busbar.migration.models import Entrant, QualificationStatus
from busbar.migration.tests.conftest import TODAY

pytestmark = pytest.mark.django_db

AGENT_STEP = "At least one of its agents completed SIT or qualification"


def _set(entrant, **values) -> None:
    Entrant.objects.filter(pk=entrant.pk).update(**values)
    entrant.refresh_from_db()


def test_qualified_supplier_without_a_qualified_agent_is_not_eligible(m) -> None:
    _set(m.alpha, status=QualificationStatus.QUALIFIED, systems_live_on=dt.date(2027, 6, 1))
    verdict = eligibility(m.alpha, today=TODAY)
    assert verdict.eligible is False
    assert [s.label for s in verdict.missing] == [AGENT_STEP]
    assert "Delta Data" in verdict.missing[0].detail
    assert verdict.summary == f"Missing: {AGENT_STEP}"


def test_exempt_supplier_with_exempt_agent_and_systems_live_is_eligible(m) -> None:
    _set(m.alpha, status=QualificationStatus.EXEMPT, systems_live_on=dt.date(2027, 6, 16))
    _set(m.delta, status=QualificationStatus.EXEMPT)
    verdict = eligibility(m.alpha, today=TODAY)
    assert verdict.eligible is True and verdict.missing == [] and verdict.summary == "Eligible"
    assert all(s.done for s in verdict.steps) and len(verdict.steps) == 3


def test_systems_not_yet_live_and_e2e_required_are_missing_steps(m) -> None:
    _set(
        m.alpha, status=QualificationStatus.QUALIFIED, systems_live_on=dt.date(2027, 7, 1), e2e_required=True
    )
    _set(m.delta, status=QualificationStatus.QUALIFIED)
    verdict = eligibility(m.alpha, today=TODAY)
    assert not verdict.eligible
    assert [s.label for s in verdict.missing] == ["New systems live", "E2E sandbox testing completed"]
    assert "Planned for 1 Jul 2027" in verdict.missing[0].detail
    _set(m.alpha, systems_live_on=dt.date(2027, 6, 1), e2e_completed_on=dt.date(2027, 6, 10))
    assert eligibility(m.alpha, today=TODAY).eligible


def test_supplier_needing_qualification_misses_its_own_step_and_agents(m) -> None:
    m.alpha.agents.clear()
    verdict = eligibility(m.alpha, today=TODAY)
    labels = [s.label for s in verdict.missing]
    assert labels == ["Completed SIT or qualification", AGENT_STEP, "New systems live"]
    assert verdict.missing[1].detail == "No agents named"


def test_agent_is_eligible_when_qualified_or_exempt(m) -> None:
    assert not eligibility(m.delta, today=TODAY).eligible
    _set(m.delta, status=QualificationStatus.QUALIFIED)
    verdict = eligibility(m.delta, today=TODAY)
    assert verdict.eligible and len(verdict.steps) == 1


def test_eligibility_for_a_list_reads_agents_in_one_query(m, django_assert_num_queries) -> None:
    entrants = list(Entrant.objects.filter(window=m.window).select_related("organisation"))
    with django_assert_num_queries(1):
        verdicts = eligibility_for(entrants, today=TODAY)
    assert set(verdicts) == {m.alpha.pk, m.bravo.pk, m.delta.pk}
    assert not any(v.eligible for v in verdicts.values())
