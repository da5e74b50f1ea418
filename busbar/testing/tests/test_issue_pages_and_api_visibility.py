"""Who sees and does what on the testing-issue pages and API: the raising participant (Alpha) its own
issues, another participant (Bravo) none of them (404), the SI all and triages, assurers and the desk read
everything and change nothing (403), the programme manager and design authority act on escalations."""

from __future__ import annotations

from django.urls import reverse

from busbar.conftest import make_org
from busbar.records.models import Entry
from busbar.testing.actions import issues as actions
from busbar.testing.models import IssueStatus, Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.issue_fixtures import execution, raised, triaged

API = "/api/v1/testing/issues"


def _readers(prog):
    w = prog.world
    return {"alpha": w.user_a, "si": prog.si, "assurer": prog.assurer, "desk": w.analyst}


def test_issue_page_seen_by_raiser_si_assurer_desk_not_bravo(prog):
    issue = raised(prog, attachments=[("dip.log", "text/plain", b"E042 rejected\n")])
    url = reverse("testing_issue_detail", args=[issue.reference])
    download = reverse("testing_issue_attachment", args=[issue.reference, issue.record.attachments.get().pk])
    for name, user in _readers(prog).items():
        response = prog.client(user).get(url)
        assert response.status_code == 200, name
        assert issue.summary in response.content.decode() and download in response.content.decode()
        assert prog.client(user).get(download).status_code == 200, name
    for user in (prog.world.user_b, prog.world.resolver):
        assert prog.client(user).get(url).status_code == 404
        assert prog.client(user).get(download).status_code == 404
    page = prog.client(prog.si).get(url).content.decode()
    assert 'id="do-triage"' in page and 'id="do-withdraw"' in page
    for user in (prog.assurer, prog.world.analyst):
        read_only = prog.client(user).get(url).content.decode()
        assert 'id="do-' not in read_only and "Watch" in read_only
    raiser = prog.client(prog.world.user_a).get(url).content.decode()
    assert 'id="do-withdraw"' in raiser and 'id="do-triage"' not in raiser


def test_page_actions_allowed_and_denied(prog):
    issue = raised(prog)
    url = reverse("testing_issue_action", args=[issue.reference, "triage"])
    form = {
        "triage-category": "2",
        "triage-root_cause": "test_data",
        "triage-owner": str(prog.world.org_a.pk),
        "triage-reason": "Bad MPAN",
    }
    assert prog.client(prog.world.user_b).post(url, form).status_code == 404
    for user in (prog.assurer, prog.world.analyst, prog.world.user_a):
        assert prog.client(user).post(url, form).status_code == 403
    bad = prog.client(prog.si).post(url, {**form, "triage-category": "9"})
    assert bad.status_code == 422
    response = prog.client(prog.si).post(url, form)
    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.category, issue.owner) == (IssueStatus.TRIAGED, 2, prog.world.org_a)
    # reloading the form's address leads to the form on the issue page
    again = prog.client(prog.si).get(url)
    assert again.status_code == 302 and again["Location"].endswith("#do-triage")


def test_escalation_forms_for_programme_manager_and_design_authority(prog):
    issue = triaged(prog)
    actions.escalate(actor=actor_for(prog.si), issue=issue, reason="Dispute")
    url = reverse("testing_issue_detail", args=[issue.reference])
    pm_page = prog.client(prog.pm).get(url).content.decode()
    assert 'id="do-determine"' in pm_page and "Escalate to the design authority" in pm_page
    assert 'id="do-determine"' not in prog.client(prog.da).get(url).content.decode()
    post = prog.client(prog.pm).post(
        reverse("testing_issue_action", args=[issue.reference, "escalate"]),
        {"escalate-reason": "Design baseline", "escalate-impact": "design_baseline"},
    )
    assert post.status_code == 302
    assert 'id="do-determine"' in prog.client(prog.da).get(url).content.decode()
    denied = prog.client(prog.pm).post(
        reverse("testing_issue_action", args=[issue.reference, "determine"]),
        {"determine-outcome": "in_fix", "determine-reason": "x"},
    )
    assert denied.status_code == 403


def test_list_filters_export_and_visibility(prog):
    mine = raised(prog, summary="Alpha's issue")
    theirs = raised(prog, prog.world.user_b, participation=prog.part_b, summary="Bravo's issue")
    url = reverse("testing_issues", args=[prog.programme.code])
    for name, user in _readers(prog).items():
        page = prog.client(user).get(url).content.decode()
        assert mine.reference in page, name
        assert (theirs.reference in page) == (name != "alpha"), name
    assert prog.client(prog.world.resolver).get(url).status_code == 404
    filtered = prog.client(prog.si).get(url, {"phase": prog.phase.code, "raised_by": prog.world.org_b.pk})
    assert theirs.reference in filtered.content.decode() and mine.reference not in filtered.content.decode()
    csv = prog.client(prog.world.user_a).get(url, {"format": "csv"})
    body = b"".join(csv.streaming_content).decode()
    assert csv.status_code == 200 and mine.reference in body and theirs.reference not in body
    xlsx = prog.client(prog.assurer).get(url, {"format": "xlsx", "state": "open"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert prog.client(prog.si).get(url, {"format": "pdf"}).status_code == 400


def test_list_query_count_does_not_grow(prog, django_assert_max_num_queries):
    url = reverse("testing_issues", args=[prog.programme.code])
    client = prog.client(prog.si)
    raised(prog)
    client.get(url)
    for n in range(6):
        raised(prog, summary=f"Issue {n}")
    with django_assert_max_num_queries(14):
        response = client.get(url, {"sort": "-category"})
    assert response.status_code == 200 and response.content.decode().count("TIS") >= 7


def test_raise_page_from_a_failed_execution(prog):
    failed = execution(prog, prog.part_a)
    url = reverse("testing_issue_create", args=[prog.programme.code])
    alpha = prog.client(prog.world.user_a)
    assert alpha.get(url, {"execution": failed.pk}).status_code == 200
    assert prog.client(prog.world.user_b).get(url, {"execution": failed.pk}).status_code == 404
    for user in (prog.world.user_a, prog.assurer, prog.world.analyst):  # without an execution: the SI only
        assert prog.client(user).get(url).status_code == 403
    assert prog.client(prog.si).get(url).status_code == 200
    refused = alpha.post(url + f"?execution={failed.pk}", {"summary": "", "description": "x"})
    assert refused.status_code == 422
    done = alpha.post(
        url + f"?execution={failed.pk}", {"summary": "DIP rejects IF-021", "description": "E042"}
    )
    assert done.status_code == 302
    issue = failed.issues.get()
    assert done["Location"] == reverse("testing_issue_detail", args=[issue.reference])
    passed = execution(prog, prog.part_a, Result.PASSED, scenario=1)
    assert alpha.get(url, {"execution": passed.pk}).status_code == 302  # refused with a message


# -- API -----------------------------------------------------------------------------------------------


def test_api_list_and_detail_visibility(prog):
    issue = raised(prog)
    for name, user in _readers(prog).items():
        client = prog.client(user)
        listed = client.get(API, {"programme": prog.programme.code}).json()
        assert [i["reference"] for i in listed["items"]] == [issue.reference], name
        detail = client.get(f"{API}/{issue.reference}")
        assert detail.status_code == 200, name
    bravo = prog.client(prog.world.user_b)
    assert bravo.get(API).json()["count"] == 0
    assert bravo.get(f"{API}/{issue.reference}").status_code == 404
    assert "triage" in prog.client(prog.si).get(f"{API}/{issue.reference}").json()["allowed_actions"]
    for user in (prog.assurer, prog.world.analyst):
        assert prog.client(user).get(f"{API}/{issue.reference}").json()["allowed_actions"] == []


def test_api_actions_allowed_denied_and_bad_input(prog):
    issue = raised(prog)
    triage_url = f"{API}/{issue.reference}/triage"
    body = {"category": 2, "root_cause": "test_data", "owner": prog.world.org_a.pk, "reason": "Bad MPAN"}
    for user in (prog.assurer, prog.world.analyst, prog.world.user_a):
        response = prog.client(user).post(triage_url, body, content_type="application/json")
        assert response.status_code == 403
    assert (
        prog.client(prog.world.user_b).post(triage_url, body, content_type="application/json").status_code
        == 404
    )
    si = prog.client(prog.si)
    conflict = si.post(f"{API}/{issue.reference}/start-fix", {}, content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["current_status"] == "new"
    assert "triaged" in conflict.json()["allowed_statuses"]
    for bad, field in (
        ({**body, "category": 7}, "category"),
        ({**body, "sumary": "x"}, "sumary"),
        ({**body, "owner": make_org("Outsider", ["energy_supplier"]).pk}, "owner"),
    ):
        response = si.post(triage_url, bad, content_type="application/json")
        assert response.status_code == 422, bad
        assert field in str(response.json()["errors"]), bad
    done = si.post(triage_url, body, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "triaged"
    assert [d["kind"] for d in done.json()["decisions"]] == ["triage"]
    decisions = prog.client(prog.assurer).get(f"{API}/{issue.reference}/decisions").json()
    assert decisions["items"][0]["reason"] == "Bad MPAN"


def test_api_raise_and_internal_notes(prog):
    failed = execution(prog, prog.part_a)
    alpha = prog.client(prog.world.user_a)
    body = {
        "phase": prog.phase.pk,
        "summary": "IF-021 rejected",
        "description": "E042",
        "execution": failed.pk,
    }
    created = alpha.post(API, body, content_type="application/json")
    assert created.status_code == 201
    reference = created.json()["reference"]
    assert prog.client(prog.world.user_b).post(API, body, content_type="application/json").status_code == 422
    passed = execution(prog, prog.part_a, Result.PASSED, scenario=1)
    refused = alpha.post(API, {**body, "execution": passed.pk}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "execution"
    note = prog.client(prog.si).post(
        f"{API}/{reference}/updates", {"body": "SI only", "internal": True}, content_type="application/json"
    )
    assert note.status_code == 201
    from_execution = alpha.post(
        API,
        {"summary": "s", "description": "d", "execution": execution(prog, prog.part_a).pk},
        content_type="application/json",
    )
    assert from_execution.status_code == 201 and from_execution.json()["phase"]["id"] == prog.phase.pk
    no_phase = prog.client(prog.si).post(
        API, {"summary": "s", "description": "d"}, content_type="application/json"
    )
    assert no_phase.status_code == 422 and no_phase.json()["errors"][0]["field"] == "phase"
    assert alpha.get(f"{API}/{reference}/updates").json()["count"] == 0
    assert prog.client(prog.assurer).get(f"{API}/{reference}/updates").json()["count"] == 1
    assert Entry.objects.filter(is_internal=True).count() == 1
    assert (
        prog.client(prog.assurer)
        .post(f"{API}/{reference}/updates", {"body": "x"}, content_type="application/json")
        .status_code
        == 403
    )


def test_api_every_action_refuses_assurer_and_desk(prog):
    issue = triaged(prog)
    bodies = {
        "start-fix": {},
        "ready-for-retest": {},
        "escalate": {"reason": "x"},
        "determine": {"outcome": "in_fix", "reason": "x"},
        "exclude": {"reason": "x"},
        "accept": {"workaround": "w", "reason": "x"},
        "withdraw": {"reason": "x"},
        "reopen": {"reason": "x"},
        "retest": {"execution": issue.execution_id},
        "updates": {"body": "x"},
    }
    for verb, body in bodies.items():
        for user in (prog.assurer, prog.world.analyst):
            response = prog.client(user).post(
                f"{API}/{issue.reference}/{verb}", body, content_type="application/json"
            )
            assert response.status_code == 403, (verb, user)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.TRIAGED
