"""A gate's computed criteria never tell a participant another participant's name, pass rate or issue
references, nor the title of a report it may not read: it gets counts and its own figures, on the pages,
the export, the API, the decisions' snapshots and its own completion report. Whether a criterion is met
and blocks is the same for everyone; the SI, an assurer and the desk still get the full detail."""

from __future__ import annotations

import pytest

from busbar.testing import completion, criteria
from busbar.testing.access import access_for
from busbar.testing.actions import gates as gate_actions
from busbar.testing.models import AutoRule, CompletionReport, EntryStatus, ReportStatus
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.gates_fixtures import auto, gate, issue, pass_all, result
from busbar.testing.tests.reports_fixtures import make_issue

API = "/api/v1/testing"
TITLE = "Board pack: every supplier's figures"
RULES = (
    AutoRule.NO_OPEN_CAT1,
    AutoRule.MANDATORY_PASS_RATE,
    AutoRule.COHORT_COMPLETE,
    AutoRule.ALL_ENTERED,
)


@pytest.fixture
def leaky(prog):
    """A gate whose every computed criterion would name others: Alpha at 100%, Bravo at 33.3%, the agent
    at 0%; an open category 1 issue of each supplier's and one of nobody's; an approved phase report; Bravo
    and the agent mandatory but not entered."""
    the_gate = gate(prog, name="Leaky exit")
    for rule in RULES:
        auto(prog, the_gate, rule)
    auto(prog, the_gate, AutoRule.REPORT_APPROVED, rule_phase=prog.phase)
    pass_all(prog, prog.part_a)
    result(prog, prog.part_b, prog.scenarios[0])
    for part in (prog.part_b, prog.part_agent):
        part.mandatory, part.status = True, EntryStatus.PLANNED
        part.save(update_fields=["mandatory", "status"])
    prog.alpha_issue = make_issue(prog, "Alpha's", category=1, status="triaged", participation=prog.part_a)
    prog.bravo_issue = make_issue(prog, "Bravo's", category=1, status="triaged", participation=prog.part_b)
    prog.other_issue = issue(prog, 1)
    CompletionReport.objects.create(phase=prog.phase, title=TITLE, status=ReportStatus.APPROVED)
    prog.leaky = the_gate
    return prog


def _secrets_of_bravo(prog) -> list[str]:
    """What Bravo must not see: the other participants, their figures, issues and the phase report."""
    return [
        "Alpha Energy",
        str(prog.agent_org),
        "100.0%",
        prog.alpha_issue.reference,
        prog.other_issue.reference,
        TITLE,
    ]


def _by_rule(states):
    return {s.criterion.auto_rule: s for s in states}


def test_a_participant_gets_counts_and_its_own_figures(leaky):
    prog, w = leaky, leaky.world
    full = _by_rule(criteria.evaluate_gate(prog.leaky))
    bravo = _by_rule(criteria.evaluate_gate(prog.leaky, access_for(w.user_b)))
    assert bravo[AutoRule.MANDATORY_PASS_RATE].detail == "2 of 3 members below 95%; Bravo Energy: 33.3%"
    assert bravo[AutoRule.COHORT_COMPLETE].detail == (
        "No cohort complete yet; closest is Cohort 1 (2 of 3 members still to finish); Bravo Energy: 33.3%"
    )
    assert bravo[AutoRule.NO_OPEN_CAT1].detail == (
        f"3 open category 1 issues; you can open {prog.bravo_issue.reference}"
    )
    entered = bravo[AutoRule.ALL_ENTERED].detail
    assert entered == "2 mandatory participants have not entered, including Bravo Energy"
    assert bravo[AutoRule.REPORT_APPROVED].detail == "The completion report of SIT Functional is approved"
    said = " | ".join(s.detail for s in bravo.values())
    assert not [secret for secret in _secrets_of_bravo(prog) if secret in said], said
    # One criterion alone says the same; the status and whether it blocks are everyone's.
    one = prog.leaky.criteria.select_related("gate__phase").get(auto_rule=AutoRule.MANDATORY_PASS_RATE)
    assert criteria.evaluate(one, access_for(w.user_b)).detail == bravo[AutoRule.MANDATORY_PASS_RATE].detail
    for rule, state in full.items():
        assert (state.status, state.blocking) == (bravo[rule].status, bravo[rule].blocking), rule
    # Those who read the whole programme get the full sentences (the same as an action's).
    assert "Cohort 1: Bravo Energy at 33.3% of 95%" in full[AutoRule.MANDATORY_PASS_RATE].detail
    assert prog.alpha_issue.reference in full[AutoRule.NO_OPEN_CAT1].detail
    assert full[AutoRule.REPORT_APPROVED].detail.startswith(f"{TITLE} v1 approved")
    for user in (prog.si, prog.assurer, w.analyst):
        seen = criteria.evaluate_gates([prog.leaky], access_for(user))[prog.leaky.pk]
        assert [s.detail for s in seen] == [s.detail for s in full.values()], user


def test_pages_export_and_api_hide_the_others_from_a_participant(leaky):
    prog, w = leaky, leaky.world
    listing = f"/testing/{prog.programme.code}/{prog.phase.code}/gates/"
    urls = (
        listing,
        f"{listing}?format=csv",
        f"/testing/gates/{prog.leaky.pk}/",
        f"{API}/phases/{prog.phase.pk}/gates",
        f"{API}/gates/{prog.leaky.pk}",
    )
    for url in urls:
        response = prog.client(w.user_b).get(url)
        assert response.status_code == 200, url
        body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
        assert "2 of 3 members below 95%" in body, url
        assert not [secret for secret in _secrets_of_bravo(prog) if secret in body], url
        full = prog.client(prog.assurer).get(url)
        body = (b"".join(full.streaming_content) if full.streaming else full.content).decode()
        assert "Cohort 1: Bravo Energy at 33.3% of 95%" in body and prog.other_issue.reference in body, url
    alpha = prog.client(w.user_a).get(f"{API}/gates/{prog.leaky.pk}").json()
    said = " | ".join(c["detail"] for c in alpha["criteria"])
    assert "Alpha Energy: 100.0%" in said and prog.alpha_issue.reference in said
    assert "Bravo Energy" not in said and prog.bravo_issue.reference not in said


def test_a_decisions_snapshot_is_redacted_on_display(leaky):
    prog, w = leaky, leaky.world
    decision = gate_actions.decide_gate(
        actor=actor_for(prog.pm), gate=prog.leaky, outcome="no_go", note="Not ready"
    )
    stored = " ".join(c["detail"] for c in decision.criteria)
    assert "Cohort 1: Bravo Energy at 33.3% of 95%" in stored and TITLE in stored  # kept in full
    for user, sees_all in ((w.user_b, False), (w.user_a, False), (prog.si, True), (w.analyst, True)):
        snapshot = prog.client(user).get(f"{API}/gates/{prog.leaky.pk}").json()["decisions"][0]["criteria"]
        assert [c["status"] for c in snapshot] == [c["status"] for c in decision.criteria]
        details = [c["detail"] for c in snapshot]
        if sees_all:
            assert details == [c["detail"] for c in decision.criteria], user
        else:
            assert details == [criteria.SNAPSHOT_WITHHELD] * len(details), user
        page = prog.client(user).get(f"/testing/gates/{prog.leaky.pk}/").content.decode()
        assert (criteria.SNAPSHOT_WITHHELD in page) is not sees_all
        assert (prog.other_issue.reference in page) is sees_all


def test_a_participants_completion_report_holds_only_its_own_gate_figures(leaky):
    prog = leaky
    own = completion.build(phase=prog.phase, participation=prog.part_b, exceptions="")
    said = " | ".join(c["detail"] for g in own["gates"] for c in g["criteria"])
    assert "Bravo Energy: 33.3%" in said and prog.bravo_issue.reference in said
    assert not [secret for secret in _secrets_of_bravo(prog) if secret in said], said
    whole = completion.build(phase=prog.phase, participation=None, exceptions="")
    said = " | ".join(c["detail"] for g in whole["gates"] for c in g["criteria"])
    assert "Cohort 1: Bravo Energy at 33.3% of 95%" in said and TITLE in said


def test_a_participants_evaluation_takes_constant_queries(leaky, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prog = leaky
    access = access_for(prog.world.user_b)
    criteria.evaluate_gate(prog.leaky, access)  # reads the access's functions once
    with CaptureQueriesContext(connection) as few:
        criteria.evaluate_gate(prog.leaky, access)
    for _ in range(6):
        auto(prog, prog.leaky, AutoRule.NO_OPEN_CAT1)
        auto(prog, prog.leaky, AutoRule.MANDATORY_PASS_RATE, threshold=50)
        make_issue(prog, "More of Bravo's", category=1, status="triaged", participation=prog.part_b)
    with django_assert_max_num_queries(len(few) + 2):  # counting past the five named issues
        states = criteria.evaluate_gate(prog.leaky, access)
    assert len(states) == prog.leaky.criteria.count()
