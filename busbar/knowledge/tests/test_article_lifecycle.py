"""An article's life: draft, review, publication by another member of the desk, revisions beside the
published version, discarding, retiring and putting back; every refusal names its reason or state."""

import pytest

from busbar.incidents.tests.conftest import actor_for
from busbar.knowledge import actions
from busbar.knowledge.models import Article, Status, VersionState
from busbar.knowledge.tests.conftest import article_for
from busbar.lib.actions import ActionError, Conflict, IllegalTransition, NotPermitted

pytestmark = pytest.mark.django_db


def test_a_provider_drafts_the_desk_publishes(world, catalogue) -> None:
    article = article_for(world, catalogue, publish=False)
    assert article.reference.startswith("KB") and article.status == Status.DRAFT
    assert article.owner == world.provider and article.working_version.number == 1
    actions.submit_for_review(actor=actor_for(world.resolver), article=article)
    article.refresh_from_db()
    assert article.status == Status.REVIEW
    actions.publish_article(actor=actor_for(world.analyst), article=article)
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.published_version.number == 1
    assert article.working_version is None and article.published_version.reviewed_by == world.analyst
    assert article.review_by is not None and article.first_published_at is not None


def test_only_the_desk_publishes_and_never_its_own_version(world, catalogue) -> None:
    article = article_for(world, catalogue, user=world.analyst, publish=False)
    assert article.owner == world.operator
    actions.submit_for_review(actor=actor_for(world.analyst), article=article)
    with pytest.raises(NotPermitted, match="another member"):
        actions.publish_article(actor=actor_for(world.analyst), article=article)
    with pytest.raises(NotPermitted, match="service desk"):
        actions.publish_article(actor=actor_for(world.resolver), article=article)
    actions.publish_article(actor=actor_for(world.ops), article=article)
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def test_changes_requested_go_back_to_draft_with_the_note(world, catalogue) -> None:
    article = article_for(world, catalogue, publish=False)
    actions.submit_for_review(actor=actor_for(world.resolver), article=article)
    with pytest.raises(ActionError) as refused:
        actions.request_changes(actor=actor_for(world.analyst), article=article, note="  ")
    assert refused.value.field == "note"
    actions.request_changes(actor=actor_for(world.analyst), article=article, note="Add the UPRN step")
    article.refresh_from_db()
    assert article.status == Status.DRAFT and article.working_version.state == VersionState.DRAFT
    assert article.record.entries.get().body == "Add the UPRN step"


def test_a_revision_is_drafted_beside_the_published_version(world, catalogue) -> None:
    article = article_for(world, catalogue)
    v2 = actions.revise_article(
        actor=actor_for(world.resolver),
        article=article,
        title="Switch requests rejected: ADDRESS_MISMATCH",
        body="New text",
        change_note="Shorter",
    )
    article.refresh_from_db()
    assert v2.number == 2 and article.status == Status.PUBLISHED
    assert article.published_version.number == 1 and article.title.endswith("with ADDRESS_MISMATCH")
    actions.submit_for_review(actor=actor_for(world.resolver), article=article)
    actions.publish_article(actor=actor_for(world.ops), article=article)
    article.refresh_from_db()
    states = dict(article.versions.values_list("number", "state"))
    assert states == {1: VersionState.SUPERSEDED, 2: VersionState.PUBLISHED}
    assert article.title == "Switch requests rejected: ADDRESS_MISMATCH"


def test_editing_a_version_in_review_sends_it_back_to_draft(world, catalogue) -> None:
    article = article_for(world, catalogue, publish=False)
    actions.submit_for_review(actor=actor_for(world.resolver), article=article)
    actions.revise_article(actor=actor_for(world.resolver), article=article, title="T", body="B")
    article.refresh_from_db()
    assert article.status == Status.DRAFT and article.working_version.state == VersionState.DRAFT


def test_nothing_to_change_is_refused(world, catalogue) -> None:
    article = article_for(world, catalogue)
    version = article.published_version
    with pytest.raises(ActionError, match="published text"):
        actions.revise_article(
            actor=actor_for(world.resolver),
            article=article,
            title=version.title,
            summary=version.summary,
            body=version.body,
        )
    assert article.versions.count() == 1


def test_discard_retire_and_put_back(world, catalogue) -> None:
    article = article_for(world, catalogue)
    actions.revise_article(actor=actor_for(world.resolver), article=article, title="T2", body="B2")
    actions.discard_revision(actor=actor_for(world.resolver), article=article)
    article.refresh_from_db()
    assert article.working_version is None and article.versions.get(number=2).state == VersionState.DISCARDED
    with pytest.raises(Conflict):
        actions.discard_revision(actor=actor_for(world.resolver), article=article)
    with pytest.raises(ActionError) as no_reason:
        actions.retire_article(actor=actor_for(world.resolver), article=article, reason="")
    assert no_reason.value.field == "reason"
    actions.retire_article(actor=actor_for(world.resolver), article=article, reason="Superseded by release 5")
    assert Article.objects.get(pk=article.pk).status == Status.RETIRED
    with pytest.raises(NotPermitted):
        actions.reinstate_article(actor=actor_for(world.resolver), article=article)
    with pytest.raises(Conflict, match="retired"):
        actions.revise_article(actor=actor_for(world.resolver), article=article, title="T", body="B")
    actions.reinstate_article(actor=actor_for(world.analyst), article=article)
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.published_version.number == 1


def test_the_status_table_refuses_with_409(world, catalogue) -> None:
    article = article_for(world, catalogue)
    with pytest.raises(IllegalTransition) as refused:
        actions.reinstate_article(actor=actor_for(world.analyst), article=article)
    assert refused.value.status == 409 and "published" in refused.value.message
    with pytest.raises(Conflict):
        actions.publish_article(actor=actor_for(world.analyst), article=article)


def test_others_cannot_change_an_article(world, catalogue) -> None:
    article = article_for(world, catalogue)
    for user in (world.user_a, world.admin_a):
        with pytest.raises(NotPermitted):
            actions.revise_article(actor=actor_for(user), article=article, title="X", body="Y")
        with pytest.raises(NotPermitted):
            actions.retire_article(actor=actor_for(user), article=article, reason="x")
    with pytest.raises(NotPermitted):
        actions.create_article(actor=actor_for(world.user_a), title="T", body="B")
    with pytest.raises(NotPermitted):
        actions.create_article(actor=actor_for(world.resolver), title="T", body="B", owner=world.operator)


def test_bad_input_is_named_and_nothing_is_written(world, catalogue) -> None:
    cases = [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * 100_001}, "body"),
        ({"summary": "s" * 301}, "summary"),
        ({"audience": "roles"}, "roles"),
        ({"audience": "roles", "roles": ["energy_supplier", "nonsense"]}, "roles[1]"),
        ({"audience": "planet"}, "audience"),
        ({"external_url": "javascript:alert(1)"}, "external_url"),
        ({"keywords": "k" * 301}, "keywords"),
        ({"owner": world.org_a}, "owner"),
    ]
    for extra, field in cases:
        kw = {"title": "T", "body": "B", **extra}
        with pytest.raises(ActionError) as refused:
            actions.create_article(actor=actor_for(world.analyst), **kw)
        assert refused.value.field == field, (extra, refused.value.message)
    assert not Article.objects.exists()
