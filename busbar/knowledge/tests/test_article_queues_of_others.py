"""A provider reads every published article, but what is being written, reported or checked about another
provider's article is not its business: the queues, badges and details it sees are its own articles'."""

import pytest

from busbar.conftest import make_org, make_user
from busbar.incidents.tests.conftest import actor_for
from busbar.knowledge import actions
from busbar.knowledge.tests.conftest import article_for
from busbar.parties.models import IndustryRole, MembershipRole

pytestmark = pytest.mark.django_db


def test_another_providers_work_in_progress_is_not_shown(world, catalogue) -> None:
    other = make_user(
        make_org("Gas Registry", [IndustryRole.UK_LINK]), "r@gas.example", MembershipRole.RESOLVER
    )
    article = article_for(world, catalogue, title="CSS only article")
    actions.report_irregularity(actor=actor_for(world.user_a), article=article, comment="Wrong")
    actions.revise_article(
        actor=actor_for(world.resolver), article=article, title="CSS only article", body="v2"
    )
    client = world.client(other)
    assert "CSS only article" in client.get("/knowledge/").content.decode()  # published: it reads it
    for queue in ("drafts", "feedback", "due", "review"):
        assert "CSS only article" not in client.get(f"/knowledge/?queue={queue}").content.decode(), queue
    listed = client.get("/knowledge/").content.decode()
    assert "irregularit" not in listed and "updated" not in listed
    page = client.get(f"/knowledge/{article.reference}/").content.decode()
    assert "Version 2" not in page and "Wrong" not in page and "Review notes" not in page
    api = client.get(f"/api/v1/articles/{article.reference}").json()
    assert api["working"] is None and api["open_irregularities"] == 0 and api["review_by"] is None
    owner = world.client(world.resolver)
    assert "CSS only article" in owner.get("/knowledge/?queue=feedback").content.decode()
    assert "CSS only article" in owner.get("/knowledge/?queue=drafts").content.decode()


def test_revising_and_submitting_is_one_change(world, catalogue) -> None:
    from busbar.audit.models import AuditEntry

    article = article_for(world, catalogue)
    response = world.client(world.resolver).put(
        f"/api/v1/articles/{article.reference}/draft",
        {"title": "T", "body": "B", "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["working"]["state"] == "review"
    bad = world.client(world.resolver).put(
        f"/api/v1/articles/{article.reference}/draft",
        {"title": "T", "body": "B2", "submit": True},
        content_type="application/json",
    )
    assert bad.status_code == 200  # back to draft by the edit, then submitted again
    retired = actions.retire_article(actor=actor_for(world.resolver), article=article, reason="Gone")
    entry = AuditEntry.objects.filter(action="article.retire").get()
    assert entry.changes["v2"] == ["review", "discarded"] and retired.working_version is None
