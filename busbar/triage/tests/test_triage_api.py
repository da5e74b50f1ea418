"""The triage API: a whole script written at once (all or nothing, the answer at fault named), read by the
desk and the providers of its service, switched on, run on an incident."""

import pytest

from busbar.knowledge.tests.conftest import article_for
from busbar.triage.models import TriageQuestion, TriageRun, TriageScript
from busbar.triage.tests.conftest import raise_for

pytestmark = pytest.mark.django_db


def _call(world, user, method, path, body=None):
    return getattr(world.client(user), method)(f"/api/v1{path}", body, content_type="application/json")


def _definition(catalogue, article) -> dict:
    return {
        "name": "CSS failures",
        "service": catalogue.service.pk,
        "questions": [
            {
                "key": "up",
                "text": "Is the service operational?",
                "answers": [
                    {"label": "Yes", "next": "see"},
                    {"label": "No", "severity": "2", "raise_to_provider": True},
                ],
            },
            {
                "key": "see",
                "text": "What do they see?",
                "answers": [{"label": "Timeout", "article": article.reference, "severity": "3"}],
            },
        ],
    }


def test_write_switch_on_and_run(world, catalogue) -> None:
    article = article_for(world, catalogue)
    created = _call(world, world.analyst, "post", "/triage/scripts", _definition(catalogue, article))
    assert created.status_code == 201, created.content
    body = created.json()
    assert [q["text"] for q in body["questions"]] == ["Is the service operational?", "What do they see?"]
    assert body["questions"][0]["answers"][0]["next"] == body["questions"][1]["id"] and body["problems"] == []
    sid = body["id"]
    assert _call(world, world.analyst, "post", f"/triage/scripts/{sid}/activate", {}).json()["is_active"]
    incident = raise_for(world, catalogue)
    answer_ids = [body["questions"][0]["answers"][0]["id"], body["questions"][1]["answers"][0]["id"]]
    run = _call(
        world,
        world.analyst,
        "post",
        "/triage/runs",
        {"incident": incident.reference, "script": sid, "answers": answer_ids},
    )
    assert run.status_code == 201 and run.json()["article"] == article.reference
    assert run.json()["transcript"][1] == {"question": "What do they see?", "answer": "Timeout"}
    listed = _call(world, world.resolver, "get", f"/triage/runs?incident={incident.reference}")
    assert listed.status_code == 422 and "No incident" in listed.content.decode()  # not one it may see
    assert (
        _call(world, world.analyst, "get", f"/triage/runs?incident={incident.reference}").json()[0]["id"]
        == run.json()["id"]
    )
    assert _call(world, world.user_a, "get", f"/triage/runs?incident={incident.reference}").json() == []
    replaced = _call(world, world.analyst, "put", f"/triage/scripts/{sid}", _definition(catalogue, article))
    assert replaced.status_code == 409  # switched on


def test_bad_definitions_are_named_and_nothing_is_written(world, catalogue) -> None:
    article = article_for(world, catalogue)
    good = _definition(catalogue, article)
    cases = [
        (lambda d: d["questions"][0]["answers"][0].update(next="nowhere"), "questions[0].answers[0].next"),
        (
            lambda d: d["questions"][1]["answers"][0].update(article="KB0009999"),
            "questions[1].answers[0].article",
        ),
        (lambda d: d["questions"][1]["answers"][0].update(severity="9"), "questions[1].answers[0].severity"),
        (
            lambda d: d["questions"][1]["answers"][0].update(article=None, severity=None),
            "questions[1].answers[0].next",
        ),
        (lambda d: d["questions"][1].update(key="up"), "questions[1].key"),
        (
            lambda d: d["questions"][1]["answers"][0].update(next="up", article=None, severity=None),
            "questions",
        ),
        (lambda d: d.update(service=999999), "service"),
        (lambda d: d["questions"][0].update(answers=[]), "questions.0.answers"),
    ]
    for change, field in cases:
        import copy

        definition = copy.deepcopy(good)
        change(definition)
        response = _call(world, world.analyst, "post", "/triage/scripts", definition)
        assert response.status_code == 422, (field, response.content)
        assert field in response.content.decode(), (field, response.content)
    assert not TriageScript.objects.exists() and not TriageQuestion.objects.exists()


def test_who_reads_and_writes(world, catalogue) -> None:
    article = article_for(world, catalogue)
    assert (
        _call(world, world.resolver, "post", "/triage/scripts", _definition(catalogue, article)).status_code
        == 403
    )
    sid = _call(world, world.analyst, "post", "/triage/scripts", _definition(catalogue, article)).json()["id"]
    assert _call(world, world.resolver, "get", f"/triage/scripts/{sid}").status_code == 200
    assert _call(world, world.user_a, "get", f"/triage/scripts/{sid}").status_code == 404
    assert _call(world, world.user_a, "get", "/triage/scripts").json() == []
    incident = raise_for(world, catalogue)
    refused = _call(
        world,
        world.resolver,
        "post",
        "/triage/runs",
        {"incident": incident.reference, "script": sid, "answers": [1]},
    )
    assert refused.status_code in (403, 422) and not TriageRun.objects.exists()
