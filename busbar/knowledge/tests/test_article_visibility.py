"""Who reads which article: the audience of a published article (everyone, certain roles, the desk and
providers only), drafts for those who work them, versions and reports — on the pages and in the API."""

import pytest

from busbar.incidents.tests.conftest import actor_for
from busbar.knowledge import actions, queries
from busbar.knowledge.models import Audience
from busbar.knowledge.tests.conftest import article_for

pytestmark = pytest.mark.django_db


def _reads(world, user, article) -> bool:
    page = world.client(user).get(f"/knowledge/{article.reference}/").status_code
    api = world.client(user).get(f"/api/v1/articles/{article.reference}").status_code
    assert (page == 200) == (api == 200) and {page, api} <= {200, 404}, (page, api)
    return page == 200


def test_an_article_for_suppliers_is_not_read_by_an_agent(world, catalogue, agent) -> None:
    article = article_for(world, catalogue, audience=Audience.ROLES, roles=["energy_supplier", "gas_shipper"])
    assert _reads(world, world.user_a, article) and _reads(world, world.user_b, article)
    assert not _reads(world, agent, article)
    assert _reads(world, world.resolver, article) and _reads(world, world.analyst, article)
    listed = world.client(agent).get("/api/v1/articles").json()
    assert listed["count"] == 0
    searched = world.client(agent).get("/knowledge/?q=ADDRESS_MISMATCH").content.decode()
    assert article.reference not in searched and "No article matches" in searched


def test_a_staff_article_is_for_the_desk_and_providers(world, catalogue, agent) -> None:
    article = article_for(world, catalogue, audience=Audience.STAFF)
    assert not _reads(world, world.user_a, article) and not _reads(world, agent, article)
    assert _reads(world, world.resolver, article) and _reads(world, world.ops, article)


def test_drafts_and_retired_articles_are_for_those_who_work_them(world, catalogue) -> None:
    draft = article_for(world, catalogue, publish=False)
    assert _reads(world, world.resolver, draft) and _reads(world, world.analyst, draft)
    assert not _reads(world, world.user_a, draft)
    published = article_for(world, catalogue)
    actions.retire_article(actor=actor_for(world.resolver), article=published, reason="Old")
    assert not _reads(world, world.user_a, published) and _reads(world, world.resolver, published)


def test_readers_see_published_versions_only(world, catalogue) -> None:
    article = article_for(world, catalogue)
    actions.revise_article(
        actor=actor_for(world.resolver), article=article, title="Draft title", body="Secret draft"
    )
    page = world.client(world.user_a).get(f"/knowledge/{article.reference}/").content.decode()
    assert "Secret draft" not in page and "Draft title" not in page and "ADDRESS_MISMATCH" in page
    body = world.client(world.user_a).get(f"/api/v1/articles/{article.reference}").json()
    assert body["working"] is None and body["current"]["number"] == 1 and body["notes"] == []
    assert world.client(world.user_a).get(f"/knowledge/{article.reference}/versions/2/").status_code == 404
    assert (
        world.client(world.user_a).get(f"/api/v1/articles/{article.reference}/versions/2").status_code == 404
    )
    versions = world.client(world.user_a).get(f"/api/v1/articles/{article.reference}/versions").json()
    assert [v["number"] for v in versions["items"]] == [1]
    desk = world.client(world.analyst).get(f"/api/v1/articles/{article.reference}").json()
    assert desk["working"]["body"] == "Secret draft"


def test_a_reader_sees_their_own_reports_only(world, catalogue) -> None:
    article = article_for(world, catalogue)
    actions.report_irregularity(actor=actor_for(world.user_a), article=article, comment="Step 2 is wrong")
    actions.report_irregularity(actor=actor_for(world.user_b), article=article, comment="B's view")
    mine = world.client(world.user_a).get(f"/api/v1/articles/{article.reference}/irregularities").json()
    assert [r["comment"] for r in mine["items"]] == ["Step 2 is wrong"]
    page = world.client(world.user_a).get(f"/knowledge/{article.reference}/").content.decode()
    assert "Step 2 is wrong" in page and "B&#x27;s view" not in page and "B's view" not in page
    owner = world.client(world.resolver).get(f"/api/v1/articles/{article.reference}/irregularities").json()
    assert owner["count"] == 2


def test_the_rule_is_one_query_whatever_the_persona(
    world, catalogue, agent, django_assert_num_queries
) -> None:
    for i in range(3):
        article_for(
            world, catalogue, title=f"Article {i}", audience=Audience.ROLES, roles=["energy_supplier"]
        )
    for user, expected in ((world.user_a, 3), (agent, 0), (world.resolver, 3), (world.analyst, 3)):
        queries.visible_to(user).count()  # the scope is read once per request
        with django_assert_num_queries(1):
            assert queries.visible_to(user).count() == expected
