"""The knowledge API: allowed and denied per persona, bad input named, 409 for the status tables,
nothing half-written."""

import pytest

from busbar.knowledge.models import Article, Status
from busbar.knowledge.tests.conftest import BODY, article_for

pytestmark = pytest.mark.django_db


def _call(world, user, method, path, body=None):
    client = world.client(user)
    return getattr(client, method)(f"/api/v1{path}", body, content_type="application/json")


def test_write_review_publish_and_revise(world, catalogue) -> None:
    created = _call(
        world,
        world.resolver,
        "post",
        "/articles",
        {"title": "Uploads", "body": BODY, "service": catalogue.service.pk, "submit": True},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    ref = body["reference"]
    assert body["status"] == "review" and body["owner"]["id"] == world.provider.pk
    assert body["working"]["number"] == 1 and "publish" not in body["allowed_actions"]
    desk = _call(world, world.analyst, "get", f"/articles/{ref}").json()
    assert {"publish", "request-changes"} <= set(desk["allowed_actions"])
    assert _call(world, world.resolver, "post", f"/articles/{ref}/publish", {}).status_code == 403
    published = _call(world, world.analyst, "post", f"/articles/{ref}/publish", {"review_by": "2027-06-30"})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["review_by"] == "2027-06-30"
    again = _call(world, world.analyst, "post", f"/articles/{ref}/publish", {})
    assert again.status_code == 409
    revised = _call(
        world, world.resolver, "put", f"/articles/{ref}/draft", {"title": "Uploads", "body": "v2"}
    )
    assert revised.status_code == 200 and revised.json()["working"]["number"] == 2
    assert revised.json()["current"]["number"] == 1
    reader = _call(world, world.user_a, "get", f"/articles/{ref}").json()
    assert (
        reader["working"] is None
        and reader["review_by"] is None
        and reader["allowed_actions"] == ["vote", "report"]
    )


def test_participants_cannot_write_or_change(world, catalogue) -> None:
    article = article_for(world, catalogue)
    ref = article.reference
    assert _call(world, world.user_a, "post", "/articles", {"title": "T", "body": "B"}).status_code == 403
    assert (
        _call(world, world.user_a, "put", f"/articles/{ref}/draft", {"title": "T", "body": "B"}).status_code
        == 403
    )
    assert _call(world, world.user_a, "patch", f"/articles/{ref}", {"keywords": "x"}).status_code == 403
    assert _call(world, world.user_a, "post", f"/articles/{ref}/retire", {"reason": "x"}).status_code == 403
    assert _call(world, world.user_a, "post", f"/articles/{ref}/notes", {"body": "x"}).status_code == 403
    assert _call(world, None, "get", "/articles").status_code == 401
    assert Article.objects.get().status == Status.PUBLISHED


def test_bad_input_is_a_422_naming_the_field(world, catalogue) -> None:
    cases = [
        ({"title": "T"}, "body"),
        ({"title": "", "body": "B"}, "title"),
        ({"title": "T", "body": "B", "audience": "roles"}, "roles"),
        ({"title": "T", "body": "B", "audience": "roles", "roles": ["pirate"]}, "roles"),
        ({"title": "T", "body": "B", "service": 2**63}, "service"),
        ({"title": "T", "body": "B", "service": 999999}, "service"),
        ({"title": "T", "body": "B", "owner": 999999}, "owner"),
        ({"title": "T", "body": "B", "external_url": "ftp://x.example"}, "external_url"),
        ({"title": "T", "body": "B" * 100_001}, "body"),
        ({"title": "T", "body": "B", "sumary": "typo"}, "sumary"),
    ]
    for payload, field in cases:
        response = _call(world, world.analyst, "post", "/articles", payload)
        assert response.status_code == 422, (payload, response.status_code)
        assert response["Content-Type"] == "application/problem+json"
        assert field in response.content.decode(), (field, response.content[:300])
    assert not Article.objects.exists()


def test_hidden_articles_are_not_found(world, catalogue) -> None:
    draft = article_for(world, catalogue, publish=False)
    for path in ("", "/versions", "/versions/1", "/irregularities", "/diff?old=1&new=1"):
        assert _call(world, world.user_a, "get", f"/articles/{draft.reference}{path}").status_code == 404, (
            path
        )
    assert (
        _call(world, world.user_a, "post", f"/articles/{draft.reference}/vote", {"helpful": True}).status_code
        == 404
    )
    assert _call(world, world.user_a, "get", "/articles/KB9999999").status_code == 404
    assert _call(world, world.user_a, "get", "/articles/not-a-ref").status_code == 422


def test_details_patch_changes_only_what_is_given(world, catalogue) -> None:
    article = article_for(world, catalogue, keywords="UPRN")
    response = _call(world, world.resolver, "patch", f"/articles/{article.reference}", {"all_services": True})
    assert response.status_code == 200 and response.json()["service"] is None
    assert response.json()["keywords"] == "UPRN"
    nothing = _call(world, world.resolver, "patch", f"/articles/{article.reference}", {})
    assert nothing.status_code == 422
    both = _call(
        world,
        world.resolver,
        "patch",
        f"/articles/{article.reference}",
        {"service": catalogue.service.pk, "all_services": True},
    )
    assert both.status_code == 422


def test_suggest_answers_while_typing(world, catalogue) -> None:
    article_for(world, catalogue)
    found = _call(
        world, world.user_a, "get", f"/articles/suggest?text=premises+mism&service={catalogue.service.pk}"
    )
    assert found.status_code == 200 and [a["title"] for a in found.json()] == [
        "Switch requests rejected with ADDRESS_MISMATCH"
    ]
    assert _call(world, world.user_a, "get", "/articles/suggest?text=").status_code == 422
    assert _call(world, world.user_a, "get", "/articles/suggest?text=x&limit=500").status_code == 422
