"""API lists are paginated and their query count does not grow with the number of rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from busbar.conftest import World
from busbar.lib.actions import Actor
from busbar.services import actions
from busbar.services.tests.conftest import Catalogue

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/services", "/api/v1/calendars", "/api/v1/sla-policies", "/api/v1/severity-schemes"]


def _grow(world: World, catalogue: Catalogue, n: int) -> None:
    system = Actor.system()
    for i in range(n):
        cal = actions.create_calendar(
            actor=system, name=f"Cal {i}", kind="working_hours", weekly_hours={"0": [["09:00", "10:00"]]}
        )
        actions.add_closure(actor=system, calendar=cal, date=timezone.localdate() + dt.timedelta(days=30 + i))
        scheme = actions.create_severity_scheme(
            actor=system,
            name=f"Scheme {i}",
            severities=[{"code": "A", "label": "a"}, {"code": "B", "label": "b"}],
        )
        actions.create_sla_policy(actor=system, name=f"Policy {i}", scheme=scheme)
        actions.create_service(
            actor=system,
            name=f"Service {i}",
            provider=world.provider,
            calendar=cal,
            parent=catalogue.css,
            depends_on=[catalogue.css, catalogue.uk_link],
        )


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("who", ["user_a", "platform_admin"])
def test_query_count_is_constant(world: World, catalogue: Catalogue, path: str, who: str) -> None:
    user = getattr(world, who)
    small = _count(world.client(user), path)
    _grow(world, catalogue, 6)
    assert _count(world.client(user), path) == small
    assert small <= 8


def test_page_shape(world: World, catalogue: Catalogue) -> None:
    body = world.client(world.user_a).get("/api/v1/services?limit=2&offset=1").json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 2, 1)
    assert [s["name"] for s in body["items"]] == ["Switching portal", "UK Link"]
