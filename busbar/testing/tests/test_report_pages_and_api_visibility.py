"""Progress, participant progress, completion reports (list, generate, page, submit/decide, PDF) and the
glide-path plan, as pages and API: allowed and denied for the participant (Alpha), another participant
(Bravo), the SI, an assurer, the desk and the board; a participant's figures hold only its own; query
counts stay constant."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from busbar.testing.actions.reports import generate_report
from busbar.testing.models import CompletionReport, GlidePoint, Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.reports_fixtures import at, execute, make_issue

pytestmark = pytest.mark.django_db
ALL = ("user_a", "user_b", "si", "assurer", "analyst", "pm")


def _user(prog, who):
    return getattr(prog.world, who) if who in ("user_a", "user_b", "analyst") else getattr(prog, who)


def _setup(prog):
    s1, s2, _ = prog.scenarios
    execute(prog.part_a, s1, Result.PASSED, at(dt.date(2026, 9, 15)))
    execute(prog.part_b, s2, Result.FAILED, at(dt.date(2026, 9, 16)))
    make_issue(prog, "Bravo secret failure", category=1, status="triaged", participation=prog.part_b)
    make_issue(prog, "Alpha visible failure", category=2, status="triaged", participation=prog.part_a)
    phase_report = generate_report(actor=actor_for(prog.si), phase=prog.phase, summary="Phase summary")
    alpha_report = generate_report(
        actor=actor_for(prog.world.user_a), phase=prog.phase, participation=prog.part_a
    )
    return phase_report, alpha_report


def test_progress_pages(prog, django_assert_max_num_queries):
    _setup(prog)
    base = f"/testing/{prog.programme.code}/{prog.phase.code}/progress/"
    for who in ALL:
        client = prog.client(_user(prog, who))
        with django_assert_max_num_queries(30):
            page = client.get(base)
        assert page.status_code == 200, who
        text = page.content.decode()
        sees_all = who not in ("user_a", "user_b")
        assert ("Bravo Energy" in text) == (sees_all or who == "user_b"), who
        assert ("Alpha Energy" in text) == (sees_all or who == "user_a"), who
        assert ("Glide-path plan" in text) == (who == "si"), who
        assert "<svg" in text and 'id="issue-ages"' in text and 'id="readiness"' in text
        own = client.get(f"{base}{prog.part_a.pk}/")
        assert own.status_code == (404 if who == "user_b" else 200), who
        csv = client.get(base + "?format=csv&table=readiness")
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
        body = b"".join(csv.streaming_content).decode()
        assert ("Bravo Energy" in body) == (sees_all or who == "user_b"), who
    si = prog.client(prog.si)
    xlsx = si.get(base + "?format=xlsx&table=glide")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert si.get(base + "?format=pdf").status_code == 400
    assert prog.client(prog.world.resolver).get(base).status_code == 404  # not in the programme


def test_progress_page_queries_do_not_grow(prog, django_assert_max_num_queries):
    _setup(prog)
    base = f"/testing/{prog.programme.code}/{prog.phase.code}/progress/"
    client = prog.client(prog.si)
    client.get(base)
    for part in (prog.part_a, prog.part_b, prog.part_agent):
        for day, scenario in enumerate(prog.scenarios):
            execute(part, scenario, Result.PASSED, at(dt.date(2026, 10, 5) + dt.timedelta(days=day)))
        make_issue(prog, f"more {part.pk}", category=2, status="triaged", participation=part)
    with django_assert_max_num_queries(30):
        assert client.get(base).status_code == 200


def test_glide_plan_form(prog):
    url = f"/testing/{prog.programme.code}/{prog.phase.code}/progress/plan/"
    good = {"plan": "# week, executed, passed\n2026-09-14, 2, 1\n2026-09-21, 5, 3\n"}
    for who in ("user_a", "assurer", "analyst", "pm"):
        assert prog.client(_user(prog, who)).post(url, good).status_code == 403, who
    assert prog.client(prog.world.user_b).get(url).status_code == 302
    si = prog.client(prog.si)
    bad = si.post(url, {"plan": "2026-09-14, 2, 1\n\n2026-09-22, 5, 3"})
    assert bad.status_code == 422 and "Line 3: Tue 22 Sep 2026 is not a Monday" in bad.content.decode()
    assert si.post(url, {"plan": "next week, lots"}).status_code == 422
    assert not GlidePoint.objects.exists()
    assert si.post(url, good).status_code == 302
    assert GlidePoint.objects.filter(phase=prog.phase).count() == 2


def test_report_list_and_generate(prog, django_assert_max_num_queries):
    phase_report, alpha_report = _setup(prog)
    url = f"/testing/{prog.programme.code}/{prog.phase.code}/reports/"
    expect = {  # (sees the phase report, sees Alpha's, offered the form)
        "user_a": (False, True, True),
        "user_b": (False, False, True),
        "si": (True, True, True),
        "assurer": (True, True, False),
        "analyst": (True, True, False),
        "pm": (True, True, False),
    }
    for who, (phase_seen, alpha_seen, form) in expect.items():
        client = prog.client(_user(prog, who))
        with django_assert_max_num_queries(25):
            page = client.get(url)
        text = page.content.decode()
        assert page.status_code == 200
        assert (f'href="/testing/reports/{phase_report.pk}/"' in text) == phase_seen, who
        assert (f'href="/testing/reports/{alpha_report.pk}/"' in text) == alpha_seen, who
        assert ('id="generate"' in text) == form, who
        csv = b"".join(client.get(url + "?format=csv").streaming_content).decode()
        assert ("Phase summary" not in csv) and (("Alpha Energy" in csv) == alpha_seen), who
    # Generating: Alpha its own; the assurer nothing; Bravo not Alpha's.
    made = prog.client(prog.world.user_a).post(url, {"participation": prog.part_a.pk, "summary": "Ours"})
    assert made.status_code == 302
    assert prog.client(prog.assurer).post(url, {"summary": "x"}).status_code == 403
    refused = prog.client(prog.world.user_b).post(url, {"participation": prog.part_a.pk})
    assert refused.status_code == 422  # not among Bravo's choices
    assert CompletionReport.objects.filter(participation=prog.part_a).count() == 2


def test_report_page_actions_and_pdf(prog):
    phase_report, alpha_report = _setup(prog)
    page = f"/testing/reports/{phase_report.pk}/"
    for who in ALL:
        client = prog.client(_user(prog, who))
        assert client.get(page).status_code == (404 if who in ("user_a", "user_b") else 200), who
        alpha = client.get(f"/testing/reports/{alpha_report.pk}/")
        assert alpha.status_code == (404 if who == "user_b" else 200), who
        assert client.get(f"/testing/reports/{alpha_report.pk}/pdf/").status_code != 404 or who == "user_b"
    si = prog.client(prog.si)
    text = si.get(page).content.decode()
    assert "Phase summary" in text and "Bravo secret failure" in text and 'id="do-submit"' in text
    assert prog.client(prog.world.user_b).post(f"{page}submit/").status_code == 404
    assert prog.client(prog.assurer).post(f"{page}submit/").status_code == 403
    assert si.post(f"{page}submit/").status_code == 302
    board = prog.client(prog.pm)
    assert 'id="do-decide"' in board.get(page).content.decode()
    assert prog.client(prog.assurer).post(f"{page}decide/", {"decide-decision": "approve"}).status_code == 403
    no_note = board.post(f"{page}decide/", {"decide-decision": "reject", "decide-note": ""})
    assert no_note.status_code == 422
    assert (
        board.post(f"{page}decide/", {"decide-decision": "approve", "decide-note": "OK"}).status_code == 302
    )
    phase_report.refresh_from_db()
    assert phase_report.status == "approved"
    pdf = si.get(f"{page}pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="mhhs-sit-functional-completion-report-v1.pdf"' in pdf["Content-Disposition"]
    api_pdf = si.get(f"/api/v1/testing/reports/{phase_report.pk}/pdf")
    assert api_pdf.status_code == 200 and api_pdf.content == pdf.content
    assert prog.client(prog.world.user_a).get(f"{page}pdf/").status_code == 404
    assert (
        prog.client(prog.world.user_b).get(f"/api/v1/testing/reports/{alpha_report.pk}/pdf").status_code
        == 404
    )


def test_api_progress_and_glide_path(prog):
    _setup(prog)
    phase = prog.phase.pk
    for who in ALL:
        client = prog.client(_user(prog, who))
        progress = client.get(f"/api/v1/testing/phases/{phase}/progress")
        assert progress.status_code == 200, who
        body = progress.json()
        names = {r["organisation"] for r in body["readiness"]}
        if who in ("user_a", "user_b"):
            assert body["whole_phase"] is False
            assert names == {"Alpha Energy" if who == "user_a" else "Bravo Energy"}
        else:
            assert body["whole_phase"] is True and len(names) == 3
        glide = client.get(f"/api/v1/testing/phases/{phase}/glide-path").json()
        assert glide["total"] == (3 if who in ("user_a", "user_b") else 9), who
        own = client.get(f"/api/v1/testing/participations/{prog.part_a.pk}/progress")
        assert own.status_code == (404 if who == "user_b" else 200), who
    resolver = prog.client(prog.world.resolver)
    assert resolver.get(f"/api/v1/testing/phases/{phase}/progress").status_code == 404
    assert prog.client(None).get(f"/api/v1/testing/phases/{phase}/glide-path").status_code in (401, 403)


def test_api_glide_plan(prog):
    url = f"/api/v1/testing/phases/{prog.phase.pk}/glide-plan"
    good = {"points": [{"week": "2026-09-14", "planned_executed": 2, "planned_passed": 1}]}
    for who in ("user_a", "assurer", "analyst", "pm"):
        put = prog.client(_user(prog, who)).put(url, json.dumps(good), content_type="application/json")
        assert put.status_code == 403, who
    si = prog.client(prog.si)
    bad = {"points": [*good["points"], {"week": "2026-09-21", "planned_executed": 1, "planned_passed": 1}]}
    refused = si.put(url, json.dumps(bad), content_type="application/json")
    assert refused.status_code == 422 and "points[1]" in refused.content.decode()
    done = si.put(url, json.dumps(good), content_type="application/json")
    assert done.status_code == 200 and done.json()["plan"] == "points"
    unknown = si.put(url, json.dumps({"points": [], "extra": 1}), content_type="application/json")
    assert unknown.status_code == 422


def test_api_reports(prog):
    phase_report, alpha_report = _setup(prog)
    url = f"/api/v1/testing/phases/{prog.phase.pk}/reports"
    for who in ALL:
        client = prog.client(_user(prog, who))
        ids = {r["id"] for r in client.get(url).json()["items"]}
        expected = (
            {alpha_report.pk}
            if who == "user_a"
            else set()
            if who == "user_b"
            else {phase_report.pk, alpha_report.pk}
        )
        assert ids == expected, who
        detail = client.get(f"/api/v1/testing/reports/{phase_report.pk}")
        assert detail.status_code == (404 if who in ("user_a", "user_b") else 200), who
    alpha = prog.client(prog.world.user_a)
    made = alpha.post(
        url, json.dumps({"participation": prog.part_a.pk, "summary": "Ours"}), content_type="application/json"
    )
    assert (
        made.status_code == 201
        and made.json()["version"] == 2
        and made.json()["allowed_actions"] == ["submit"]
    )
    assert alpha.post(url, json.dumps({}), content_type="application/json").status_code == 403
    bravo = prog.client(prog.world.user_b)
    assert (
        bravo.post(
            url, json.dumps({"participation": prog.part_a.pk}), content_type="application/json"
        ).status_code
        == 403
    )
    si = prog.client(prog.si)
    decision = f"/api/v1/testing/reports/{phase_report.pk}/decision"
    early = prog.client(prog.pm).post(
        decision, json.dumps({"approve": True}), content_type="application/json"
    )
    assert early.status_code == 409 and early.json()["current_status"] == "draft"
    submit = f"/api/v1/testing/reports/{phase_report.pk}/submit"
    assert prog.client(prog.assurer).post(submit, "{}", content_type="application/json").status_code == 403
    assert si.post(submit, "{}", content_type="application/json").json()["status"] == "submitted"
    assert (
        si.post(decision, json.dumps({"approve": True}), content_type="application/json").status_code == 403
    )
    board = prog.client(prog.pm)
    assert board.get(f"/api/v1/testing/reports/{phase_report.pk}").json()["allowed_actions"] == [
        "approve",
        "reject",
    ]
    done = board.post(
        decision, json.dumps({"approve": False, "note": "Cohort 2 missing"}), content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    assert done.json()["decision_note"] == "Cohort 2 missing"
