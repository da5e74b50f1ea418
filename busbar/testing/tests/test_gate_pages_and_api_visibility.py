"""Every gate page and endpoint, allowed and denied: the participant (Alpha), another participant (Bravo),
the SI, an assurer and the desk read gates (assurers and the desk change nothing); only the SI adds gates
and assesses criteria; only the named board decides; someone outside the programme gets 404s."""

from __future__ import annotations

import json

import pytest

from busbar.testing.models import AutoRule, Evidence, Gate, GateStatus
from busbar.testing.tests.gates_fixtures import auto, gate, issue, manual, pass_all

API = "/api/v1/testing"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _readers(prog):
    w = prog.world
    return [w.user_a, w.user_b, prog.si, prog.assurer, w.analyst, prog.pm]


def _post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _gate_with_evidence(prog):
    the_gate = gate(prog, "sit_exit")
    criterion = the_gate.criteria.filter(auto_rule="").first()
    from busbar.testing.actions import gates as gate_actions
    from busbar.testing.tests.conftest import actor_for

    gate_actions.assess_criterion(
        actor=actor_for(prog.si),
        criterion=criterion,
        status="met",
        files=[("report.pdf", "application/pdf", PDF)],
    )
    return the_gate, criterion, Evidence.objects.get(criterion=criterion)


def test_pages_read_by_everyone_in_the_programme(prog, django_assert_max_num_queries):
    the_gate, criterion, evidence = _gate_with_evidence(prog)
    issue(prog, 1)
    listing = f"/testing/{prog.programme.code}/{prog.phase.code}/gates/"
    for user in _readers(prog):
        client = prog.client(user)
        page = client.get(listing)
        assert page.status_code == 200, user
        assert the_gate.name.encode() in page.content
        detail = client.get(f"/testing/gates/{the_gate.pk}/")
        assert detail.status_code == 200
        assert b"criteria block a go" in detail.content  # says which criteria block, and why
        download = client.get(f"/testing/gates/{the_gate.pk}/evidence/{evidence.pk}/")
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    outsider = prog.client(prog.world.resolver)
    for url in (
        listing,
        f"/testing/gates/{the_gate.pk}/",
        f"/testing/gates/{the_gate.pk}/evidence/{evidence.pk}/",
        f"{listing}?format=csv",
    ):
        assert outsider.get(url).status_code == 404, url
    # The list's query count does not grow with its gates and criteria.
    client = prog.client(prog.si)
    client.get(listing)
    with django_assert_max_num_queries(30):
        client.get(listing)
    for _ in range(3):
        gate(prog, "operational_readiness", name="Readiness")
    with django_assert_max_num_queries(30):
        assert client.get(listing).status_code == 200


def test_forms_offered_only_to_who_may_use_them(prog):
    the_gate, criterion, _ = _gate_with_evidence(prog)
    w = prog.world
    si_page = prog.client(prog.si).get(f"/testing/gates/{the_gate.pk}/").content
    assert b"Add a criterion" in si_page and b"/assess/" in si_page and b"Record decision" not in si_page
    board_page = prog.client(prog.pm).get(f"/testing/gates/{the_gate.pk}/").content
    assert b"Record decision" in board_page and b"/assess/" not in board_page
    for user in (w.user_a, w.user_b, prog.assurer, w.analyst):
        page = prog.client(user).get(f"/testing/gates/{the_gate.pk}/").content
        assert b"/assess/" not in page and b"Record decision" not in page and b"Add a criterion" not in page


def test_page_posts_allowed_and_denied(prog):
    the_gate, criterion, _ = _gate_with_evidence(prog)
    w = prog.world
    listing = f"/testing/{prog.programme.code}/{prog.phase.code}/gates/"
    create = {
        "gate-kind": "entry",
        "gate-name": "SIT entry",
        "gate-board": prog.pm_org.pk,
        "gate-checklist": "sit_entry",
    }
    for user in (w.user_a, w.user_b, prog.assurer, w.analyst, prog.pm):
        assert prog.client(user).post(listing, create).status_code == 403
    done = prog.client(prog.si).post(listing, create)
    assert done.status_code == 302 and Gate.objects.filter(name="SIT entry").exists()
    bad = prog.client(prog.si).post(listing, {**create, "gate-board": prog.si_org.pk})
    assert bad.status_code == 422

    assess = f"/testing/gates/{the_gate.pk}/criteria/{criterion.pk}/assess/"
    body = {f"c{criterion.pk}-status": "not_met", f"c{criterion.pk}-evidence_note": "Pack p4"}
    for user in (w.user_a, prog.assurer, w.analyst, prog.pm):
        assert prog.client(user).post(assess, body).status_code == 403
    assert prog.client(prog.si).post(assess, body).status_code == 302
    assert prog.client(w.resolver).post(assess, body).status_code == 404

    decide = f"/testing/gates/{the_gate.pk}/decide/"
    for user in (prog.si, w.user_a, prog.assurer, w.analyst):
        assert prog.client(user).post(decide, {"decide-outcome": "go"}).status_code == 403
    refused = prog.client(prog.pm).post(decide, {"decide-outcome": "go"})
    assert refused.status_code == 422
    assert b"No evidence yet for the mandatory criteria" in refused.content

    add = f"/testing/gates/{the_gate.pk}/criteria/"
    assert prog.client(w.user_a).post(add, {"criterion-text": "x"}).status_code == 403
    assert (
        prog.client(prog.si)
        .post(add, {"criterion-text": "Extra check", "criterion-mandatory": "on"})
        .status_code
        == 302
    )


def test_the_criteria_export(prog):
    _gate_with_evidence(prog)
    issue(prog, 1)
    listing = f"/testing/{prog.programme.code}/{prog.phase.code}/gates/"
    csv = prog.client(prog.assurer).get(listing + "?format=csv")
    assert csv.status_code == 200
    text = b"".join(csv.streaming_content).decode()
    assert (
        "Criterion" in text
        and "No open category 1 testing issues" in text
        and "1 open category 1 issue" in text
    )
    xlsx = prog.client(prog.world.user_a).get(listing + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    assert prog.client(prog.si).get(listing + "?format=pdf").status_code == 400


def test_api_reads_allowed_and_denied(prog, django_assert_max_num_queries):
    the_gate, criterion, evidence = _gate_with_evidence(prog)
    pass_all(prog, prog.part_a)
    w = prog.world
    blocking = None
    for user in _readers(prog):
        client = prog.client(user)
        listed = client.get(f"{API}/phases/{prog.phase.pk}/gates")
        assert listed.status_code == 200, user
        row = next(g for g in listed.json() if g["id"] == the_gate.pk)
        details = " | ".join(c["detail"] for c in row["criteria"])
        if user in (w.user_a, w.user_b):
            # A participant: the others counted, never named; only its own figures.
            own, figure = (w.org_a, "100.0%") if user == w.user_a else (w.org_b, "0.0%")
            others = [o for o in (w.org_a, w.org_b, prog.agent_org) if o != own]
            assert "2 of 3 members below 95%" in details and f"{own}: {figure}" in details, details
            assert not any(str(o) in details for o in others), details
            assert ("100.0%" in details) == (user == w.user_a)
        else:  # the SI, the assurer, the desk and the programme office read the whole programme
            assert f"Cohort 1: {w.org_b} at 0.0% of 95%" in details, (user, details)
            assert f"still to finish: {w.org_b}, {prog.agent_org}" in details
        # Whether it blocks is the same for everyone.
        assert row["blocking"] and blocking in (None, row["blocking"])
        blocking = row["blocking"]
        detail = client.get(f"{API}/gates/{the_gate.pk}")
        assert detail.status_code == 200 and detail.json()["decisions"] == []
        assert client.get(f"{API}/criteria/{criterion.pk}/evidence").json()[0]["filename"] == "report.pdf"
        assert client.get(f"{API}/criteria/{criterion.pk}/evidence/{evidence.pk}").status_code == 200
    assert prog.client(prog.si).get(f"{API}/gates/{the_gate.pk}").json()["allowed_actions"] == [
        "add-criterion",
        "assess",
    ]
    assert prog.client(prog.pm).get(f"{API}/gates/{the_gate.pk}").json()["allowed_actions"] == ["decide"]
    assert prog.client(prog.assurer).get(f"{API}/gates/{the_gate.pk}").json()["allowed_actions"] == []
    outsider = prog.client(prog.world.resolver)
    for url in (
        f"{API}/phases/{prog.phase.pk}/gates",
        f"{API}/gates/{the_gate.pk}",
        f"{API}/criteria/{criterion.pk}/evidence",
        f"{API}/criteria/{criterion.pk}/evidence/{evidence.pk}",
    ):
        assert outsider.get(url).status_code == 404, url
    client = prog.client(prog.si)
    with django_assert_max_num_queries(25):
        client.get(f"{API}/phases/{prog.phase.pk}/gates")
    gate(prog, "operational_readiness", name="Readiness")
    with django_assert_max_num_queries(25):
        assert len(client.get(f"{API}/phases/{prog.phase.pk}/gates").json()) == 3


def test_api_changes_allowed_and_denied(prog):
    the_gate = gate(prog)
    criterion = manual(prog, the_gate, "SIT Test Stage Completion Report approved by the board")
    auto(prog, the_gate, AutoRule.NO_OPEN_CAT1)
    w = prog.world
    body = {"kind": "entry", "name": "SIT entry", "board": prog.pm_org.pk, "checklist": "sit_entry"}
    for user in (w.user_a, w.user_b, prog.assurer, w.analyst, prog.pm):
        assert _post_json(prog.client(user), f"{API}/phases/{prog.phase.pk}/gates", body).status_code == 403
    assert _post_json(prog.client(w.resolver), f"{API}/phases/{prog.phase.pk}/gates", body).status_code == 404
    made = _post_json(prog.client(prog.si), f"{API}/phases/{prog.phase.pk}/gates", body)
    assert made.status_code == 201 and len(made.json()["criteria"]) == 8
    assert (
        _post_json(
            prog.client(prog.si), f"{API}/phases/{prog.phase.pk}/gates", {**body, "extra": 1}
        ).status_code
        == 422
    )

    added = _post_json(
        prog.client(prog.si),
        f"{API}/gates/{the_gate.pk}/criteria",
        {"text": "Regression pack", "mandatory": False},
    )
    assert added.status_code == 201 and added.json()["status"] == "not_assessed"
    assert (
        _post_json(prog.client(w.user_a), f"{API}/gates/{the_gate.pk}/criteria", {"text": "x"}).status_code
        == 403
    )

    # The decision is refused naming the criterion without evidence.
    refused = _post_json(prog.client(prog.pm), f"{API}/gates/{the_gate.pk}/decisions", {"outcome": "go"})
    assert refused.status_code == 422
    assert "SIT Test Stage Completion Report approved by the board" in json.dumps(refused.json())
    assert (
        _post_json(
            prog.client(prog.si), f"{API}/gates/{the_gate.pk}/decisions", {"outcome": "go"}
        ).status_code
        == 403
    )

    assess = f"{API}/criteria/{criterion.pk}"
    for user in (w.user_a, prog.assurer, w.analyst, prog.pm):
        assert (
            _post_json(prog.client(user), assess, {"status": "met", "evidence_note": "x"}).status_code == 403
        )
    assert _post_json(prog.client(w.resolver), assess, {"status": "met"}).status_code == 404
    assert _post_json(prog.client(prog.si), assess, {"status": "maybe"}).status_code == 422
    assert _post_json(prog.client(prog.si), assess, {"status": "met"}).status_code == 422  # no evidence
    hostile = prog.client(prog.si).post(
        assess, {"status": "met", "files": [_upload("report.pdf", b"MZ\x90\x00\x03 not a pdf")]}
    )
    assert hostile.status_code == 422
    done = prog.client(prog.si).post(assess, {"status": "met", "files": [_upload("report.pdf", PDF)]})
    assert done.status_code == 200 and done.json()["status"] == "met" and done.json()["evidence_count"] == 1

    due = "2099-01-31"
    decided = _post_json(
        prog.client(prog.pm),
        f"{API}/gates/{the_gate.pk}/decisions",
        {
            "outcome": "go_with_conditions",
            "conditions": [{"text": "Retest", "owner": w.org_b.pk, "due_on": due}],
        },
    )
    assert decided.status_code == 201
    out = decided.json()
    assert out["status"] == GateStatus.GO_WITH_CONDITIONS and out["decisions"][0]["criteria"]
    condition = out["open_conditions"][0]["id"]
    again = _post_json(prog.client(prog.pm), f"{API}/gates/{the_gate.pk}/decisions", {"outcome": "go"})
    assert again.status_code == 409
    close = f"{API}/conditions/{condition}/close"
    for user in (w.user_a, prog.assurer, w.analyst):
        assert _post_json(prog.client(user), close, {"note": "done"}).status_code == 403
    assert _post_json(prog.client(w.resolver), close, {"note": "done"}).status_code == 404
    closed = _post_json(prog.client(w.user_b), close, {"note": "Retest passed"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
