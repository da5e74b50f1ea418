"""Readers' feedback: "was this helpful?" (one answer each, changeable), irregularities reported to the
author and owner, closed with an answer to the reader; emails one recipient each, only to who may see."""

import pytest
from django.core import mail

from busbar.conftest import make_user
from busbar.incidents.tests.conftest import actor_for
from busbar.knowledge import actions
from busbar.knowledge.models import Article, Audience, IrregularityState
from busbar.knowledge.tests.conftest import article_for
from busbar.lib.actions import ActionError, Conflict, IllegalTransition, NotPermitted
from busbar.parties.models import MembershipRole

pytestmark = pytest.mark.django_db


def test_votes_count_once_each_and_can_change(world, catalogue) -> None:
    article = article_for(world, catalogue)
    actions.vote(actor=actor_for(world.user_a), article=article, helpful=True)
    actions.vote(actor=actor_for(world.user_b), article=article, helpful=False)
    with pytest.raises(Conflict):
        actions.vote(actor=actor_for(world.user_a), article=article, helpful=True)
    actions.vote(actor=actor_for(world.user_a), article=article, helpful=False)
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count, article.helpful_share) == (0, 2, 0)
    api = world.client(world.user_b).post(
        f"/api/v1/articles/{article.reference}/vote", {"helpful": True}, content_type="application/json"
    )
    assert api.status_code == 200 and api.json()["helpful_count"] == 1


def test_drafts_take_no_feedback(world, catalogue) -> None:
    draft = article_for(world, catalogue, publish=False)
    with pytest.raises(Conflict):
        actions.vote(actor=actor_for(world.analyst), article=draft, helpful=True)
    with pytest.raises(Conflict):
        actions.report_irregularity(actor=actor_for(world.analyst), article=draft, comment="x")


def test_an_irregularity_reaches_the_author_and_owner_then_the_reader(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    second = make_user(world.provider, "resolver2@provider.example", MembershipRole.RESOLVER)
    article = article_for(world, catalogue)
    mail.outbox.clear()
    client = world.client(world.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/knowledge/{article.reference}/report/", {"report-comment": "Step 2 is out of date"}
        )
    assert response.status_code == 302
    report = article.irregularities.get()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.resolver.email, second.email])
    assert all(len(m.to) == 1 and "Step 2 is out of date" in m.body for m in mail.outbox)
    assert Article.objects.get(pk=article.pk).open_irregularities == 1
    with pytest.raises(NotPermitted):
        actions.handle_irregularity(
            actor=actor_for(world.user_a), report=report, outcome="corrected", response="x"
        )
    with pytest.raises(ActionError) as no_answer:
        actions.handle_irregularity(
            actor=actor_for(world.resolver), report=report, outcome="corrected", response=""
        )
    assert no_answer.value.field == "response"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = world.client(world.resolver).post(
            f"/knowledge/{article.reference}/reports/{report.pk}/",
            {"handle-outcome": "corrected", "handle-response": "Fixed in version 2"},
        )
    assert page.status_code == 302
    report.refresh_from_db()
    assert report.state == IrregularityState.CORRECTED and report.handled_by == world.resolver
    assert [m.to for m in mail.outbox] == [[world.analyst.email]] and "Fixed in version 2" in mail.outbox[
        0
    ].body
    assert Article.objects.get(pk=article.pk).open_irregularities == 0
    with pytest.raises(IllegalTransition):
        actions.handle_irregularity(
            actor=actor_for(world.resolver), report=report, outcome="dismissed", response="x"
        )


def test_reports_of_others_cannot_be_handled_by_readers(world, catalogue) -> None:
    article = article_for(world, catalogue)
    report = actions.report_irregularity(actor=actor_for(world.user_a), article=article, comment="Wrong")
    other = world.client(world.user_b).post(
        f"/knowledge/{article.reference}/reports/{report.pk}/",
        {"handle-outcome": "dismissed", "handle-response": "no"},
    )
    assert other.status_code == 404
    mine = world.client(world.user_a).post(
        f"/knowledge/{article.reference}/reports/{report.pk}/",
        {"handle-outcome": "dismissed", "handle-response": "no"},
    )
    assert mine.status_code == 403
    api = world.client(world.user_a).post(
        f"/api/v1/articles/{article.reference}/irregularities/{report.pk}/handle",
        {"outcome": "dismissed", "response": "no"},
        content_type="application/json",
    )
    assert api.status_code == 403
    report.refresh_from_db()
    assert report.state == IrregularityState.OPEN


def test_emails_go_only_to_who_may_still_see(world, catalogue, django_capture_on_commit_callbacks) -> None:
    article = article_for(world, catalogue, audience=Audience.ROLES, roles=["energy_supplier"])
    report = actions.report_irregularity(actor=actor_for(world.user_a), article=article, comment="Wrong")
    actions.update_details(actor=actor_for(world.resolver), article=article, audience=Audience.STAFF)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.handle_irregularity(
            actor=actor_for(world.resolver), report=report, outcome="dismissed", response="No"
        )
    assert len(callbacks) == 1 and mail.outbox == []  # the reader may no longer see the article


def test_review_emails(world, catalogue, django_capture_on_commit_callbacks) -> None:
    from busbar.records import actions as record_actions

    article = article_for(world, catalogue, publish=False)
    record_actions.watch(actor=actor_for(world.ops), obj=article)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.submit_for_review(actor=actor_for(world.resolver), article=article)
    assert [m.to for m in mail.outbox] == [[world.analyst.email]]  # the desk's analysts review
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_changes(actor=actor_for(world.analyst), article=article, note="More detail")
    assert [m.to for m in mail.outbox] == [[world.resolver.email]]
    assert "Reply to this email" not in mail.outbox[0].body and article.reference in mail.outbox[0].subject
    actions.submit_for_review(actor=actor_for(world.resolver), article=article)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.publish_article(actor=actor_for(world.analyst), article=article)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.resolver.email, world.ops.email])
