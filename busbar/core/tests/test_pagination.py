"""Every list is paginated, and its query count does not grow with the data."""

import pytest

from busbar.conftest import World, make_org, make_user
from busbar.parties.models import IndustryRole, MembershipRole

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/organisations", "/api/v1/memberships", "/api/v1/users", "/api/v1/audit", "/api/v1/tokens"]
PAGES = ["/organisations/", "/audit/", "/organisations/{org}/"]


def _grow(world: World, n: int) -> None:
    for i in range(n):
        org = make_org(f"Extra {i}", [IndustryRole.DNO], identifiers=[("mpid", f"EX{i:02d}")])
        make_user(org, f"p{i}@extra.example", MembershipRole.PARTICIPANT)
        make_user(world.operator, f"a{i}@operator.example", MembershipRole.ANALYST)


def _count_queries(client, path: str, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", LISTS)
def test_api_list_query_count_is_constant(world: World, path: str, django_assert_max_num_queries) -> None:
    c = world.client(world.platform_admin)
    small = _count_queries(c, path, django_assert_max_num_queries)
    _grow(world, 12)
    c = world.client(world.platform_admin)
    assert _count_queries(c, path, django_assert_max_num_queries) == small
    assert small <= 10


@pytest.mark.parametrize("path", PAGES)
def test_web_list_query_count_is_constant(world: World, path: str, django_assert_max_num_queries) -> None:
    path = path.format(org=world.operator.pk)
    c = world.client(world.platform_admin)
    small = _count_queries(c, path, django_assert_max_num_queries)
    _grow(world, 12)
    c = world.client(world.platform_admin)
    assert _count_queries(c, path, django_assert_max_num_queries) == small


def test_api_page_shape(world: World) -> None:
    body = world.client(world.analyst).get("/api/v1/users?limit=2&offset=1").json()
    assert body["limit"] == 2 and body["offset"] == 1 and len(body["items"]) == 2
    assert body["count"] >= 7


def test_assert_num_queries_on_organisation_list(world: World, django_assert_num_queries) -> None:
    c = world.client(world.user_a)
    c.get("/api/v1/organisations")  # warm the session
    # session, user with its scope and second factor (one query), count, page, roles and identifiers prefetch
    with django_assert_num_queries(6):
        assert c.get("/api/v1/organisations").status_code == 200
