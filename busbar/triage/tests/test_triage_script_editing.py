"""The desk writes a script on its pages: questions, answers leading on or ending with an outcome, checks
before it is switched on; providers read the scripts of their services; participants see none."""

import pytest

from busbar.knowledge import actions as article_actions
from busbar.knowledge.tests.conftest import article_for
from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.triage import actions, checks
from busbar.triage.actions import Outcome
from busbar.triage.models import TriageAnswer, TriageQuestion, TriageScript
from busbar.triage.tests.conftest import actor_for, script_for

pytestmark = pytest.mark.django_db


def test_the_desk_writes_a_script_on_its_pages(world, catalogue) -> None:
    article = article_for(world, catalogue)
    desk = world.client(world.analyst)
    created = desk.post("/triage/new/", {"name": "Portal sign-in", "service": catalogue.service.pk})
    script = TriageScript.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/triage/{script.pk}/"
    refused = desk.post(f"/triage/{script.pk}/on/")
    assert refused.status_code == 422 and "Add the first question" in refused.content.decode()
    added = desk.post(f"/triage/{script.pk}/add-question/", {"new-text": "Is it the second factor?"})
    q1 = TriageQuestion.objects.get()
    assert added["Location"] == f"/triage/{script.pk}/questions/{q1.pk}/"
    desk.post(f"/triage/{script.pk}/add-question/", {"new-text": "Lost the recovery codes too?"})
    q2 = TriageQuestion.objects.get(position=2)
    page = f"/triage/{script.pk}/questions/{q1.pk}"
    nowhere = desk.post(f"{page}/add-answer/", {"new-label": "Yes"})
    assert nowhere.status_code == 422 and "Say where the answer leads" in nowhere.content.decode()
    both = desk.post(
        f"{page}/add-answer/", {"new-label": "Yes", "new-next_question": q2.pk, "new-advice": "x"}
    )
    assert both.status_code == 422 and "not both" in both.content.decode()
    assert (
        desk.post(f"{page}/add-answer/", {"new-label": "Yes", "new-next_question": q2.pk}).status_code == 302
    )
    no_article = desk.post(f"{page}/add-answer/", {"new-label": "No", "new-article": "KB0009999"})
    assert no_article.status_code == 422 and "No knowledge article KB0009999" in no_article.content.decode()
    desk.post(
        f"{page}/add-answer/",
        {"new-label": "No", "new-article": article.reference, "new-raise_to_provider": "on"},
    )
    desk.post(
        f"/triage/{script.pk}/questions/{q2.pk}/add-answer/",
        {"new-label": "Yes", "new-advice": "Their organisation administrator resets it"},
    )
    assert desk.post(f"/triage/{script.pk}/on/").status_code == 302
    script.refresh_from_db()
    assert script.is_active and TriageAnswer.objects.count() == 3
    locked = desk.post(f"/triage/{script.pk}/add-question/", {"new-text": "More?"})
    assert locked.status_code == 409 and TriageQuestion.objects.count() == 2
    shown = desk.get(f"/triage/{script.pk}/").content.decode()
    assert "→ Q2" in shown and article.reference in shown and "Raise to the provider" in shown
    tried = desk.get(f"/triage/{script.pk}/try/").content.decode()
    assert "Trying it: nothing is recorded" in tried and "Is it the second factor?" in tried


def test_who_reads_and_writes_scripts(world, catalogue) -> None:
    script = script_for(world, catalogue)
    assert world.client(world.user_a).get("/triage/").status_code == 403
    assert world.client(world.user_a).get(f"/triage/{script.pk}/").status_code == 403
    provider = world.client(world.resolver)
    assert script.name in provider.get("/triage/").content.decode()
    read = provider.get(f"/triage/{script.pk}/").content.decode()
    assert "What do they see?" in read and "Switch off" not in read and "Save details" not in read
    assert provider.get("/triage/new/").status_code == 403
    assert provider.post(f"/triage/{script.pk}/off/").status_code == 403
    assert provider.get(f"/triage/{script.pk}/questions/{script.questions.first().pk}/").status_code == 403
    assert TriageScript.objects.get().is_active
    assert "Triage" not in world.client(world.user_a).get("/").content.decode().split("</nav>")[0]


def test_the_checks_before_switching_on(world, catalogue) -> None:
    script = script_for(world, catalogue, active=False)
    desk = actor_for(world.analyst)
    q1, q2 = script.questions.order_by("position")
    extra = actions.add_question(actor=desk, script=script, text="Never asked?")
    found = [p.message for p in checks.problems_of(script)]
    assert "Q3 “Never asked?” has no answers" in found and "Q3 is never asked" in found
    actions.add_answer(actor=desk, question=extra, label="Back", outcome=Outcome(next_question=q1))
    back = q2.answers.get(label="Something else")
    actions.update_answer(
        actor=desk, answer=back, label="Something else", outcome=Outcome(next_question=extra)
    )
    assert any("loop: Q1 → Q2 → Q3 → Q1" in p.message for p in checks.problems_of(script))
    with pytest.raises(ActionError, match="loop"):
        actions.set_active(actor=desk, script=script, active=True)
    with pytest.raises(Conflict, match="lead to this question"):
        actions.delete_question(actor=desk, question=extra)
    with pytest.raises(ActionError, match="its own question"):
        actions.add_answer(actor=desk, question=extra, label="Self", outcome=Outcome(next_question=extra))


def test_retired_articles_and_foreign_severities_are_caught(world, catalogue) -> None:
    from busbar.services.models import Severity, SeverityScheme

    article = article_for(world, catalogue, title="Old advice")
    script = script_for(world, catalogue, active=False, article=article)
    article_actions.retire_article(actor=actor_for(world.resolver), article=article, reason="Old")
    assert any("not published" in p.message for p in checks.problems_of(script))
    scheme = SeverityScheme.objects.create(name="Other scheme")
    foreign = Severity.objects.create(scheme=scheme, code="A", label="A", rank=1)
    q1 = script.questions.get(position=1)
    with pytest.raises(ActionError) as refused:
        actions.add_answer(
            actor=actor_for(world.analyst), question=q1, label="X", outcome=Outcome(severity=foreign)
        )
    assert refused.value.field == "severity"


def test_moving_and_deleting_keep_the_numbering(world, catalogue) -> None:
    script = script_for(world, catalogue, active=False)
    desk = actor_for(world.analyst)
    third = actions.add_question(actor=desk, script=script, text="Third")
    actions.move_question(actor=desk, question=third, up=True)
    assert list(script.questions.order_by("position").values_list("text", flat=True)) == [
        "Is the service operational?",
        "Third",
        "What do they see?",
    ]
    with pytest.raises(ActionError, match="already first"):
        actions.move_question(actor=desk, question=script.questions.get(position=1), up=True)
    actions.delete_question(actor=desk, question=TriageQuestion.objects.get(pk=third.pk))
    assert list(script.questions.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_only_the_desk_changes_scripts(world, catalogue) -> None:
    script = script_for(world, catalogue, active=False)
    for user in (world.resolver, world.user_a):
        with pytest.raises(NotPermitted):
            actions.create_script(actor=actor_for(user), name="Mine")
        with pytest.raises(NotPermitted):
            actions.add_question(actor=actor_for(user), script=script, text="Q")
        with pytest.raises(NotPermitted):
            actions.set_active(actor=actor_for(user), script=script, active=True)
    with pytest.raises(Conflict):
        actions.create_script(actor=actor_for(world.analyst), name=script.name)
