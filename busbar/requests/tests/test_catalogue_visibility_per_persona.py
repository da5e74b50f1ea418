"""Who sees which catalogue items, on the catalogue page, the item page and the API: a supplier sees the
network item, a non-supplier does not; the administrators-only item only an organisation administrator;
the desk everything active; a retired item nobody but the operator's editor; anonymous is sent to sign in
(401 on the API). The catalogue page is grouped by category and searchable, in a constant number of
queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from busbar.requests.models import CatalogueItem

pytestmark = pytest.mark.django_db


def shown(r, user) -> set[str]:
    response = r.client(user).get(reverse("catalogue"))
    assert response.status_code == 200
    body = response.content.decode()
    return {i.slug for i in CatalogueItem.objects.all() if reverse("catalogue_item", args=[i.slug]) in body}


def api_slugs(r, user) -> set[str]:
    response = r.client(user).get("/api/v1/catalogue?limit=100")
    assert response.status_code == 200
    return {i["slug"] for i in response.json()["items"]}


ALL = {"information", "network-connection", "new-portal-user", "mfa-reset", "uk-link-access"}


def test_each_persona_sees_its_audience(r) -> None:
    w = r.world
    expected = {
        w.user_a: ALL - {"new-portal-user"},  # supplier, not an administrator
        w.admin_a: ALL,  # supplier's administrator
        w.resolver: ALL - {"new-portal-user", "network-connection"},  # a provider is no supplier
        r.dcc: ALL - {"new-portal-user", "network-connection"},
        w.analyst: ALL,
        w.ops: ALL,
    }
    for user, slugs in expected.items():
        assert shown(r, user) == slugs, user
        assert api_slugs(r, user) == slugs, user


def test_item_page_and_api_404_outside_the_audience(r) -> None:
    w = r.world
    for user, slug in ((w.resolver, "network-connection"), (w.user_a, "new-portal-user")):
        assert r.client(user).get(reverse("catalogue_item", args=[slug])).status_code == 404
        assert r.client(user).get(f"/api/v1/catalogue/{slug}").status_code == 404
    assert r.client(w.user_a).get(reverse("catalogue_item", args=["network-connection"])).status_code == 200
    assert r.client(w.admin_a).get("/api/v1/catalogue/new-portal-user").status_code == 200


def test_retired_item_hidden_except_from_the_operator(r) -> None:
    w = r.world
    CatalogueItem.objects.filter(pk=r.info.pk).update(is_active=False)
    assert "information" not in shown(r, w.user_a) and "information" not in shown(r, w.analyst)
    assert r.client(w.user_a).get(reverse("catalogue_item", args=["information"])).status_code == 404
    assert r.client(w.user_a).get("/api/v1/catalogue/information").status_code == 404
    detail = r.client(w.ops).get("/api/v1/catalogue/information")
    assert detail.status_code == 200 and detail.json()["is_active"] is False


def test_anonymous_is_sent_to_sign_in(r) -> None:
    anonymous = r.client(None)
    for url in (reverse("catalogue"), reverse("catalogue_item", args=["information"])):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous.get("/api/v1/catalogue").status_code == 401
    assert anonymous.get("/api/v1/catalogue/information").status_code == 401


def test_grouped_by_category_and_searchable(r) -> None:
    client = r.client(r.world.admin_a)
    body = client.get(reverse("catalogue")).content.decode()
    assert body.index(">Access<") < body.index(">Advice<") < body.index(">Connections<")
    found = client.get(reverse("catalogue"), {"q": "switching network"}).content.decode()
    assert "Network connection" in found and "Information request" not in found
    assert (
        "Nothing in the catalogue matches" in client.get(reverse("catalogue"), {"q": "zzz"}).content.decode()
    )
    api = client.get("/api/v1/catalogue", {"q": "portal"}).json()
    assert [i["slug"] for i in api["items"]] == ["new-portal-user"] and api["count"] == 1


def test_catalogue_page_query_count_does_not_grow(r, django_assert_max_num_queries) -> None:
    client = r.client(r.world.user_a)
    client.get(reverse("catalogue"))
    for n in range(30):
        CatalogueItem.objects.create(
            name=f"Extra {n}", slug=f"extra-{n}", summary="More", audience="everyone"
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalogue"))
    assert response.content.decode().count("Extra ") == 30
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/catalogue?limit=100").json()["count"] == 34
