"""Scoring and the heat map: the office scores each answer (RAG and note), the overall RAG per
participant is the worst score unless the office sets it; the heat map shows every participant to the
office and assurers, only its own row to a participant, none to the desk; its query count does not grow
with the participants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from busbar.conftest import make_org
from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.parties.models import IndustryRole
from busbar.programmes import heatmap
from busbar.programmes.actions import readiness as actions
from busbar.programmes.models import Answer, Assessment, AssessmentResponse, Member
from busbar.programmes.tests.conftest import actor_for


def _answer(gov, number: int) -> Answer:
    return Answer.objects.get(response=gov.alpha_response, question=gov.questions[number - 1])


def test_office_scores_answers_and_the_overall_rag_is_the_worst_unless_set(gov) -> None:
    office = actor_for(gov.office)
    actions.score_answer(actor=office, answer=_answer(gov, 1), rag="green")
    scored = actions.score_answer(actor=office, answer=_answer(gov, 2), rag="amber", note="Build late")
    assert (scored.score_rag, scored.score_note) == ("amber", "Build late") and scored.scored_at
    row = heatmap.build(gov.ra5, gov.office).rows
    alpha = next(r for r in row if r.organisation == gov.world.org_a)
    assert [c.state for c in alpha.cells] == ["green", "amber", "answered"]
    assert [c.label for c in alpha.cells] == ["Green", "Amber", "answered, not scored"]
    assert (alpha.suggested_rag, alpha.overall, alpha.overall_is_suggested) == ("amber", "amber", True)
    # The office overrides the suggestion, then clears the override.
    actions.rate_response(actor=office, response=gov.alpha_response, rag="red", comment="Design gaps")
    alpha = next(r for r in heatmap.build(gov.ra5, gov.office).rows if r.organisation == gov.world.org_a)
    assert (alpha.overall, alpha.overall_is_suggested, alpha.overall_comment) == ("red", False, "Design gaps")
    actions.rate_response(actor=office, response=gov.alpha_response, rag="", comment="")
    alpha = next(r for r in heatmap.build(gov.ra5, gov.office).rows if r.organisation == gov.world.org_a)
    assert (alpha.overall, alpha.overall_is_suggested) == ("amber", True)


def test_scoring_many_at_once_and_the_rules(gov) -> None:
    office = actor_for(gov.office)
    q1, q2, q3 = gov.questions
    done = actions.score_response(
        actor=office,
        response=gov.alpha_response,
        scores={q1: {"rag": "green"}, q2: {"rag": "red", "note": "No build plan"}, q3: {"rag": "green"}},
        overall_rag="",
    )
    assert heatmap.worst(a.score_rag for a in done.answers.all()) == "red"
    with pytest.raises(ActionError, match="green, amber or red"):
        actions.score_answer(actor=office, answer=_answer(gov, 1), rag="blue")
    with pytest.raises(ActionError, match="Nothing to change"):
        actions.score_answer(actor=office, answer=_answer(gov, 1), rag="green")
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk, gov.si):
        with pytest.raises(NotPermitted):
            actions.score_answer(actor=actor_for(user), answer=_answer(gov, 1), rag="amber")
    # Only a submitted response is scored.
    draft = actions.save_answers(
        actor=actor_for(gov.bravo),
        assessment=_window_now(gov),
        organisation=gov.world.org_b,
        answers={q1: {"value": "yes"}},
    )
    with pytest.raises(Conflict, match="not submitted"):
        actions.score_answer(actor=office, answer=draft.answers.get(), rag="green")


def _window_now(gov) -> Assessment:
    """RA5 with a window around today (the fixture's dates are fixed)."""
    today = timezone.localdate()
    Assessment.objects.filter(pk=gov.ra5.pk).update(
        opens_on=today - dt.timedelta(days=10), closes_on=today + dt.timedelta(days=30)
    )
    return Assessment.objects.get(pk=gov.ra5.pk)


def test_heat_map_rows_per_persona(gov) -> None:
    office_map = heatmap.build(gov.ra5, gov.office)
    names = [r.organisation.name for r in office_map.rows]
    assert {gov.world.org_a.name, gov.world.org_b.name, gov.prog.si_org.name} <= set(names)
    assert gov.prog.pm_org.name not in names and gov.prog.assurer_org.name not in names
    assert office_map.full and office_map.audience_size == len(office_map.rows)
    assert office_map.submitted == 1
    assert office_map.response_rate == round(100 / len(office_map.rows), 1)
    bravo_row = next(r for r in office_map.rows if r.organisation == gov.world.org_b)
    assert bravo_row.status == "not_started" and {c.label for c in bravo_row.cells} == {"not answered"}
    q1 = office_map.counts[0]
    assert (q1.not_scored, q1.not_answered) == (1, len(office_map.rows) - 1)
    assurer_map = heatmap.build(gov.ra5, gov.assurer)
    assert [r.organisation.pk for r in assurer_map.rows] == [r.organisation.pk for r in office_map.rows]
    alpha_map = heatmap.build(gov.ra5, gov.alpha)
    assert [r.organisation for r in alpha_map.rows] == [gov.world.org_a]
    assert not alpha_map.full and alpha_map.response_rate is None
    bravo_map = heatmap.build(gov.ra5, gov.bravo)
    assert [r.organisation for r in bravo_map.rows] == [gov.world.org_b]
    assert bravo_map.rows[0].status == "not_started"
    assert heatmap.build(gov.ra5, gov.desk).rows == []
    assert heatmap.build(gov.ra5, gov.outsider).rows == []


def test_heat_map_query_count_is_constant_with_more_participants(gov) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            the_map = heatmap.build(gov.ra5, gov.office)
            assert the_map.rows
        return len(ctx.captured_queries)

    count()  # warm the access caches
    before = count()
    for n in range(6):
        org = make_org(f"Supplier {n}", [IndustryRole.ENERGY_SUPPLIER])
        Member.objects.create(programme=gov.programme, organisation=org)
        response = AssessmentResponse.objects.create(assessment=gov.ra5, organisation=org, status="submitted")
        for q in gov.questions:
            Answer.objects.create(response=response, question=q, value="yes", score_rag="green")
    after = count()
    assert after == before
    the_map = heatmap.build(gov.ra5, gov.office)
    assert the_map.submitted == 7 and the_map.counts[0].green == 6
