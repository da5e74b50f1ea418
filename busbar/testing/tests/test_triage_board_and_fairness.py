"""The SI's triage board (untriaged first, by category and root cause, ageing by criticality, escalated
items, a quick triage form per card that works without JavaScript) and the assurers' triage-fairness report
(per owner and per kind of party: issues, median time to triage and to resolve, share of category 1–2,
share escalated), each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from busbar.testing import triage
from busbar.testing.actions import issues as actions
from busbar.testing.models import IssueStatus
from busbar.testing.queries import issues_visible_to
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.issue_fixtures import raised, triaged

HOUR = dt.timedelta(hours=1)


def test_board_columns_matrix_and_ageing(prog):
    now = timezone.now()
    old = raised(prog, summary="Old one", now=now - dt.timedelta(days=10))
    triaged(prog, raised(prog, summary="Data"), category=1, root_cause="test_data")
    escalated = triaged(prog, raised(prog, summary="Disputed"), category=2, root_cause="environment")
    actions.escalate(actor=actor_for(prog.si), issue=escalated, reason="Dispute")
    columns = {c.key: c for c in triage.board(issues_visible_to(prog.si), now=now)}
    assert [c.reference for c in columns["untriaged"].cards] == [old.reference]
    assert columns["untriaged"].cards[0].bucket == "8–14 d"
    assert columns["triaged"].count == 1 and columns["escalated"].cards[0].pk == escalated.pk
    matrix = triage.category_by_root_cause(issues_visible_to(prog.si))
    rows = {label: values for label, values, _ in matrix.rows}
    assert rows["Category 1 (critical)"][matrix.columns.index("Test data")] == 1
    assert rows["Category 2 (high)"][matrix.columns.index("Environment and connectivity")] == 1
    ageing = triage.ageing(issues_visible_to(prog.si), now=now)
    assert {label: values for label, values, _ in ageing.rows}["Untriaged"] == [0, 0, 1, 0]
    assert ageing.total == 3


def test_board_page_quick_triage_for_the_si_only(prog, django_assert_max_num_queries):
    issue = raised(prog)
    bravo_issue = raised(prog, prog.world.user_b, participation=prog.part_b, summary="Bravo's")
    url = reverse("testing_issue_board", args=[prog.programme.code])
    si = prog.client(prog.si)
    si.get(url)
    with django_assert_max_num_queries(20):
        page = si.get(url).content.decode()
    assert f'id="card-{issue.pk}"' in page and 'name="triage-category"' in page
    for user in (prog.assurer, prog.world.analyst):
        read_only = prog.client(user).get(url).content.decode()
        assert issue.reference in read_only and 'name="triage-category"' not in read_only
    alpha = prog.client(prog.world.user_a).get(url).content.decode()
    assert issue.reference in alpha and bravo_issue.reference not in alpha
    assert prog.client(prog.world.resolver).get(url).status_code == 404
    form = {
        "back": "board",
        "triage-category": "2",
        "triage-root_cause": "test_data",
        "triage-owner": str(prog.world.org_a.pk),
        "triage-reason": "",
    }
    action = reverse("testing_issue_action", args=[issue.reference, "triage"])
    done = si.post(action, form)
    assert done.status_code == 302 and done["Location"].startswith(url)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.TRIAGED
    refused = si.post(
        reverse("testing_issue_action", args=[bravo_issue.reference, "triage"]), {**form, "triage-owner": ""}
    )
    assert refused.status_code == 302 and refused["Location"].startswith(url)
    bravo_issue.refresh_from_db()
    assert bravo_issue.status == IssueStatus.NEW


def _timed(prog, owner, *, cat, hours_to_triage, hours_to_resolve=None, escalate=False, summary="x"):
    t0 = timezone.now() - dt.timedelta(days=5)
    issue = raised(prog, summary=summary, now=t0)
    actions.triage(
        actor=actor_for(prog.si),
        issue=issue,
        category=cat,
        root_cause="test_data",
        owner=owner,
        now=t0 + hours_to_triage * HOUR,
    )
    if escalate:
        actions.escalate(actor=actor_for(prog.si), issue=issue, reason="Dispute", now=t0 + 30 * HOUR)
        actions.determine(
            actor=actor_for(prog.pm), issue=issue, outcome="triaged", reason="Go on", now=t0 + 31 * HOUR
        )
    if hours_to_resolve is not None:
        actions.exclude(
            actor=actor_for(prog.si), issue=issue, reason="Out of scope", now=t0 + hours_to_resolve * HOUR
        )
    return issue


def test_fairness_per_owner_and_kind(prog):
    _timed(prog, prog.world.org_a, cat=1, hours_to_triage=2, hours_to_resolve=10, escalate=True)
    _timed(prog, prog.world.org_a, cat=3, hours_to_triage=4, hours_to_resolve=20)
    _timed(prog, prog.si_org, cat=2, hours_to_triage=1)
    actions.withdraw(actor=actor_for(prog.world.user_a), issue=raised(prog, summary="mistake"), reason="Ours")
    raised(prog, summary="untriaged")
    report = triage.fairness(prog.programme.pk, issues_visible_to(prog.assurer))
    owners = {r.label: r for r in report.owners}
    alpha = owners["Alpha Energy"]
    assert (alpha.kind, alpha.issues, alpha.median_hours_to_triage, alpha.median_hours_to_resolve) == (
        "participant",
        2,
        3.0,
        15.0,
    )
    assert (alpha.share_cat12, alpha.share_escalated) == (50.0, 50.0)
    si = owners["Programme SI"]
    assert (si.kind, si.issues, si.median_hours_to_resolve, si.share_cat12) == ("central", 1, None, 100.0)
    assert owners["Not yet assigned"].issues == 1
    assert [k.kind for k in report.kinds] == ["central", "participant", "unassigned"]
    assert report.overall.issues == 4  # the withdrawn one is left out


def test_fairness_page_and_api_for_those_who_oversee(prog, django_assert_max_num_queries):
    _timed(prog, prog.world.org_a, cat=2, hours_to_triage=3, hours_to_resolve=9)
    _timed(prog, prog.agent_org, cat=4, hours_to_triage=30)
    url = reverse("testing_triage_fairness", args=[prog.programme.code])
    api = f"/api/v1/testing/programmes/{prog.programme.code}/triage-fairness"
    prog.client(prog.assurer).get(url)
    for user in (prog.assurer, prog.si, prog.world.analyst):
        client = prog.client(user)
        with django_assert_max_num_queries(16):
            page = client.get(url)
        assert (
            page.status_code == 200
            and "<svg" in page.content.decode()
            and "Meter Agent Co" in page.content.decode()
        )
        body = client.get(api).json()
        assert {r["label"] for r in body["owners"]} == {"Alpha Energy", "Meter Agent Co"}
    for user in (prog.world.user_a, prog.world.user_b):
        assert prog.client(user).get(url).status_code == 403
        assert prog.client(user).get(api).status_code == 403
    assert prog.client(prog.world.resolver).get(url).status_code == 404
    assert prog.client(prog.world.resolver).get(api).status_code == 404


def test_board_api(prog):
    issue = raised(prog)
    api = f"/api/v1/testing/programmes/{prog.programme.code}/triage-board"
    body = prog.client(prog.si).get(api).json()
    assert (
        body["columns"][0]["key"] == "untriaged"
        and body["columns"][0]["issues"][0]["reference"] == issue.reference
    )
    assert prog.client(prog.world.user_b).get(api).json()["columns"][0]["count"] == 0
    assert prog.client(prog.world.resolver).get(api).status_code == 404
