"""What a script points to may change after it is written: a retired article is not linked, a severity of
another scheme is not set (the note says why), a switched-on script does not move to another service, a
script with no questions yet is tried without an error, and the script page's queries do not grow."""

import pytest

from busbar.knowledge import actions as article_actions
from busbar.knowledge.tests.conftest import article_for
from busbar.lib.actions import Conflict
from busbar.records.models import Entry, Link
from busbar.triage import actions
from busbar.triage.actions import AnswerSpec, QuestionSpec
from busbar.triage.tests.conftest import actor_for, answers, raise_for, script_for

pytestmark = pytest.mark.django_db


def test_a_retired_article_is_not_linked(world, catalogue) -> None:
    article = article_for(world, catalogue, title="Old advice")
    script = script_for(world, catalogue, article=article)
    article_actions.retire_article(actor=actor_for(world.resolver), article=article, reason="Out of date")
    incident = raise_for(world, catalogue)
    run = actions.run_script(
        actor=actor_for(world.analyst),
        incident=incident,
        script=script,
        answers=answers(script, "Yes", "Upload timed out"),
    )
    assert not Link.objects.filter(source=incident.record).exists()
    assert f"not linked: {article.reference} is no longer published" in run.applied
    assert "no longer published" in Entry.objects.get(record=incident.record, is_internal=True).body


def test_a_severity_of_another_scheme_is_not_set(world, catalogue) -> None:
    from busbar.services.models import Severity, SeverityScheme

    foreign = Severity.objects.create(
        scheme=SeverityScheme.objects.create(name="Other"), code="X", label="X", rank=1
    )
    script = actions.define_script(
        actor=actor_for(world.analyst),
        name="Every service",
        service=None,
        description="",
        questions=[QuestionSpec("q", "Is it bad?", answers=[AnswerSpec("Yes", severity=foreign)])],
    )
    actions.set_active(actor=actor_for(world.analyst), script=script, active=True)
    incident = raise_for(world, catalogue)
    run = actions.run_script(
        actor=actor_for(world.analyst), incident=incident, script=script, answers=answers(script, "Yes")
    )
    incident.refresh_from_db()
    assert incident.severity.code == "3" and run.applied == [
        f"severity X not set: not a severity of {catalogue.service}"
    ]


def test_a_switched_on_script_keeps_its_service(world, catalogue) -> None:
    script = script_for(world, catalogue)
    with pytest.raises(Conflict, match="switch it off"):
        actions.update_script(
            actor=actor_for(world.analyst), script=script, name=script.name, service=None, description=""
        )
    # Renaming it (spaces and all) is fine, and so is replacing a switched-off script under a spaced name.
    actions.set_active(actor=actor_for(world.analyst), script=script, active=False)
    replaced = actions.define_script(
        actor=actor_for(world.analyst),
        script=script,
        name=f"  {script.name}  ",
        service=catalogue.service,
        description="First-line checks",
        questions=[QuestionSpec("q", "Still there?", answers=[AnswerSpec("Yes", advice="Good")])],
    )
    assert replaced.name == script.name and replaced.questions.get().text == "Still there?"


def test_a_script_without_questions_is_tried_without_an_error(world, catalogue) -> None:
    script = actions.create_script(actor=actor_for(world.analyst), name="Empty", service=catalogue.service)
    page = world.client(world.analyst).get(f"/triage/{script.pk}/try/")
    assert page.status_code == 200 and "The script has no questions" in page.content.decode()


def test_the_script_page_does_not_grow_with_questions(
    world, catalogue, django_assert_max_num_queries
) -> None:
    script = script_for(world, catalogue, active=False)
    client = world.client(world.analyst)
    client.get(f"/triage/{script.pk}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"/triage/{script.pk}/")
    for i in range(6):
        question = actions.add_question(actor=actor_for(world.analyst), script=script, text=f"More {i}?")
        actions.add_answer(
            actor=actor_for(world.analyst), question=question, label="Yes",
            outcome=actions.Outcome(next_question=script.questions.get(position=2)),
        )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/triage/{script.pk}/")
