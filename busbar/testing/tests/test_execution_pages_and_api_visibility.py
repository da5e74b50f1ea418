"""Every executions page and endpoint, allowed and denied, for the participant (Alpha), another participant
(Bravo), the SI, an assurer (read-only) and the desk (read-only): a participant sees only its own
executions, runs and evidence (another's are a 404), records only for itself (403); the SI records for
anyone; assurers and the desk read everything and change nothing. Lists keep a fixed number of queries."""

from __future__ import annotations

import io

import pytest

from busbar.testing.actions.executions import create_run, record_execution
from busbar.testing.models import Evidence, Execution, Result
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.executions_fixtures import junit_file, other_programme

ALL = ("user_a", "user_b", "si", "assurer", "analyst")


def _user(prog, who):
    return getattr(prog.world, who, None) or getattr(prog, who)


def _setup(prog):
    mine = record_execution(
        actor=actor_for(prog.world.user_a),
        participation=prog.part_a,
        scenario=prog.scenarios[0],
        result=Result.FAILED,
        evidence=[("output.csv", "text/csv", b"a,b\n1,2\n")],
    )
    theirs = record_execution(
        actor=actor_for(prog.world.user_b),
        participation=prog.part_b,
        scenario=prog.scenarios[0],
        result=Result.PASSED,
    )
    run = create_run(actor=actor_for(prog.world.user_a), participation=prog.part_a, title="CI job 7")
    return mine, theirs, run, mine.evidence.get()


def test_pages_read(prog, django_assert_max_num_queries):
    mine, theirs, run, evidence = _setup(prog)
    base = f"/testing/{prog.programme.code}/{prog.phase.code}"
    expect = {
        "user_a": (200, 200, 200, 200),
        "user_b": (200, 404, 404, 404),
        "si": (200, 200, 200, 200),
        "assurer": (200, 200, 200, 200),
        "analyst": (200, 200, 200, 200),
    }
    for who, (listed, detail, download, run_page) in expect.items():
        client = prog.client(_user(prog, who))
        listing = client.get(f"{base}/executions/")
        assert listing.status_code == listed, who
        shown = listing.content.decode()
        assert ("Bravo Energy" in shown) == (who != "user_a"), who
        assert ("Alpha Energy" in shown) == (who != "user_b"), who
        assert client.get(f"/testing/executions/{mine.pk}/").status_code == detail, who
        assert client.get(f"/testing/evidence/{evidence.pk}/").status_code == download, who
        assert client.get(f"/testing/runs/{run.pk}/").status_code == run_page, who
        assert client.get(f"{base}/runs/").status_code == 200, who
    outsider = prog.client(prog.world.resolver)
    for url in (f"{base}/executions/", f"/testing/executions/{mine.pk}/", f"{base}/rtm/", f"{base}/runs/"):
        assert outsider.get(url).status_code == 404, url
    page = prog.client(prog.world.user_a).get(f"/testing/executions/{mine.pk}/").content.decode()
    assert "Send the IF-021 message" in page and "output.csv" in page and "Raise a testing issue" in page
    assert "Add evidence" in page
    assert (
        "Add evidence"
        not in prog.client(prog.assurer).get(f"/testing/executions/{mine.pk}/").content.decode()
    )
    # Exports read the same list.
    csv = prog.client(prog.world.user_b).get(f"{base}/executions/?format=csv")
    assert b"Bravo Energy" in b"".join(csv.streaming_content)
    csv = prog.client(prog.world.user_a).get(f"{base}/executions/?format=csv")
    assert b"Bravo Energy" not in b"".join(csv.streaming_content)
    assert prog.client(prog.si).get(f"{base}/executions/?format=xlsx").status_code == 200
    assert prog.client(prog.si).get(f"{base}/runs/?format=csv").status_code == 200
    # The list's queries do not grow with its rows.
    client = prog.client(prog.si)
    client.get(f"{base}/executions/")
    with django_assert_max_num_queries(30) as few:
        client.get(f"{base}/executions/")
    for _ in range(5):
        record_execution(
            actor=actor_for(prog.si), participation=prog.part_b, scenario=prog.scenarios[1], result="passed"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"{base}/executions/")


def test_record_page(prog):
    base = f"/testing/{prog.programme.code}/{prog.phase.code}/executions/record/"
    for who, status in {"user_a": 200, "user_b": 200, "si": 200, "assurer": 403, "analyst": 403}.items():
        assert prog.client(_user(prog, who)).get(base).status_code == status, who
    shown = prog.client(prog.world.user_a).get(f"{base}?scenario={prog.scenarios[1].pk}").content.decode()
    assert "Send the IF-041 message" in shown and "Script v1" in shown
    upload = io.BytesIO(b"line 1\nline 2\n")
    upload.name = "dip.log"
    done = prog.client(prog.world.user_a).post(
        base,
        {
            "participation": prog.part_a.pk,
            "scenario": prog.scenarios[1].pk,
            "result": "failed",
            "environment": prog.environment.pk,
            "notes": "Timeout",
            "evidence": upload,
        },
    )
    assert done.status_code == 302
    execution = Execution.objects.get()
    assert execution.participation == prog.part_a and execution.evidence.get().filename == "dip.log"
    # Bravo cannot pick Alpha's participation (not offered); the SI can.
    refused = prog.client(prog.world.user_b).post(
        base, {"participation": prog.part_a.pk, "scenario": prog.scenarios[1].pk, "result": "passed"}
    )
    assert refused.status_code == 422
    assert (
        prog.client(prog.si)
        .post(base, {"participation": prog.part_a.pk, "scenario": prog.scenarios[1].pk, "result": "passed"})
        .status_code
        == 302
    )
    assert Execution.objects.count() == 2


def test_evidence_and_junit_forms(prog):
    mine, _, run, _ = _setup(prog)
    for who, status in {"user_a": 302, "si": 302, "user_b": 404, "assurer": 403, "analyst": 403}.items():
        f = io.BytesIO(b"trace\n")
        f.name = "trace.txt"
        response = prog.client(_user(prog, who)).post(
            f"/testing/executions/{mine.pk}/evidence/", {"files": f}
        )
        assert response.status_code == status, who
    assert mine.evidence.count() == 3
    clients = {who: prog.client(_user(prog, who)) for who in ALL}
    for who, status in {"user_b": 404, "assurer": 403, "analyst": 403, "user_a": 302}.items():
        f = io.BytesIO(junit_file([("SIT-F-002", "passed"), ("SIT-F-003", "failed")]))
        f.name = "junit.xml"
        response = clients[who].post(f"/testing/runs/{run.pk}/junit/", {"file": f})
        assert response.status_code == status, who
    summary_page = clients["user_a"].get(f"/testing/runs/{run.pk}/").content.decode()
    assert "Import summary" in summary_page and "2 executions recorded" in summary_page
    bad = io.BytesIO(b"<testsuites><testcase></testsuites>")
    bad.name = "bad.xml"
    response = prog.client(prog.world.user_a).post(f"/testing/runs/{run.pk}/junit/", {"file": bad})
    assert response.status_code == 422 and "line 1" in response.content.decode()
    base = f"/testing/{prog.programme.code}/{prog.phase.code}/runs/new/"
    assert prog.client(prog.assurer).post(base, {"title": "x"}).status_code == 403
    created = prog.client(prog.world.user_b).post(
        base, {"participation": prog.part_b.pk, "title": "Bravo CI"}
    )
    assert created.status_code == 302


def test_api_read(prog, django_assert_max_num_queries):
    mine, theirs, run, evidence = _setup(prog)
    seen = {
        "user_a": {mine.pk},
        "user_b": {theirs.pk},
        "si": {mine.pk, theirs.pk},
        "assurer": {mine.pk, theirs.pk},
        "analyst": {mine.pk, theirs.pk},
    }
    for who, expected in seen.items():
        client = prog.client(_user(prog, who))
        listed = client.get(f"/api/v1/testing/executions?phase={prog.phase.pk}").json()
        assert {i["id"] for i in listed["items"]} == expected, who
        detail = client.get(f"/api/v1/testing/executions/{mine.pk}")
        assert detail.status_code == (404 if who == "user_b" else 200), who
        download = client.get(f"/api/v1/testing/executions/{mine.pk}/evidence/{evidence.pk}")
        assert download.status_code == (404 if who == "user_b" else 200), who
        assert client.get(f"/api/v1/testing/runs/{run.pk}").status_code == (
            404 if who == "user_b" else 200
        ), who
        runs = client.get("/api/v1/testing/runs").json()
        assert ({i["id"] for i in runs["items"]} == {run.pk}) == (who != "user_b"), who
    detail = prog.client(prog.world.user_a).get(f"/api/v1/testing/executions/{mine.pk}").json()
    assert detail["script_version"] == 1 and detail["steps"][0]["action"] == "Send the IF-021 message"
    assert detail["evidence"][0]["filename"] == "output.csv"
    filtered = prog.client(prog.si).get("/api/v1/testing/executions?result=passed").json()
    assert [i["id"] for i in filtered["items"]] == [theirs.pk]
    assert prog.client(prog.world.resolver).get(f"/api/v1/testing/executions/{mine.pk}").status_code == 404
    client = prog.client(prog.si)
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/testing/executions")
    for _ in range(5):
        record_execution(
            actor=actor_for(prog.si), participation=prog.part_b, scenario=prog.scenarios[1], result="passed"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api/v1/testing/executions")


@pytest.mark.parametrize(
    "who,status", [("user_a", 201), ("si", 201), ("user_b", 403), ("assurer", 403), ("analyst", 403)]
)
def test_api_record_for_alpha(prog, who, status):
    response = prog.client(_user(prog, who)).post(
        "/api/v1/testing/executions",
        {
            "participation": prog.part_a.pk,
            "scenario": prog.scenarios[0].pk,
            "result": "blocked",
            "environment": prog.environment.pk,
            "notes": "DIP down",
        },
        content_type="application/json",
    )
    assert response.status_code == status, response.content
    assert Execution.objects.count() == (1 if status == 201 else 0)


def test_api_bad_input(prog):
    _, _, foreign, foreign_env = other_programme(prog.si_org)
    client = prog.client(prog.si)
    body = {"participation": prog.part_a.pk, "scenario": prog.scenarios[0].pk, "result": "passed"}
    for extra, field in (
        ({"script_version": foreign.current_version_id}, "script_version"),
        ({"environment": foreign_env.pk}, "environment"),
        ({"executed_at": "2099-01-01T00:00:00Z"}, "executed_at"),
        ({"result": "great"}, "result"),
        ({"participation": 999999}, "participation"),
    ):
        response = client.post(
            "/api/v1/testing/executions", {**body, **extra}, content_type="application/json"
        )
        assert response.status_code == 422, (extra, response.content)
        assert response.json()["errors"][0]["field"] == field
    assert not Execution.objects.exists()


def test_api_evidence_runs_and_junit(prog):
    mine, _, run, _ = _setup(prog)
    for who, status in {"user_a": 201, "si": 201, "user_b": 404, "assurer": 403, "analyst": 403}.items():
        f = io.BytesIO(b"log\n")
        f.name = "run.log"
        response = prog.client(_user(prog, who)).post(
            f"/api/v1/testing/executions/{mine.pk}/evidence", {"files": f}
        )
        assert response.status_code == status, (who, response.content)
    assert Evidence.objects.filter(execution=mine).count() == 3
    bad = io.BytesIO(b"%PDF-1.4 not really")
    bad.name = "x.png"
    response = prog.client(prog.world.user_a).post(
        f"/api/v1/testing/executions/{mine.pk}/evidence", {"files": bad}
    )
    assert response.status_code == 422
    for who, status in {"user_a": 201, "si": 201, "user_b": 403, "assurer": 403, "analyst": 403}.items():
        response = prog.client(_user(prog, who)).post(
            "/api/v1/testing/runs",
            {"participation": prog.part_a.pk, "title": "CI"},
            content_type="application/json",
        )
        assert response.status_code == status, who
    content = junit_file([("SIT-F-001", "passed"), ("SIT-F-002", "failed"), ("other", "passed")])
    for who, status in {"user_b": 404, "assurer": 403, "analyst": 403}.items():
        response = prog.client(_user(prog, who)).post(
            f"/api/v1/testing/runs/{run.pk}/junit", content, content_type="application/xml"
        )
        assert response.status_code == status, who
    raw = prog.client(prog.world.user_a).post(
        f"/api/v1/testing/runs/{run.pk}/junit", content, content_type="application/xml"
    )
    assert raw.status_code == 200
    assert raw.json()["created"] == 2 and raw.json()["unmatched"] == ["ci.suite.other"]
    f = io.BytesIO(content)
    f.name = "junit.xml"
    multipart = prog.client(prog.si).post(f"/api/v1/testing/runs/{run.pk}/junit", {"file": f})
    assert multipart.status_code == 200 and multipart.json()["failed"] == 1
    wrong = prog.client(prog.si).post(
        f"/api/v1/testing/runs/{run.pk}/junit", b"{}", content_type="application/json"
    )
    assert wrong.status_code == 415
    assert Execution.objects.filter(run=run).count() == 4
