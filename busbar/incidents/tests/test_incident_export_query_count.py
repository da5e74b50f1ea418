"""An export reads its rows in one query whatever their number (no query per row): the same number of
queries for 2 rows as for 25, on the page and the API, CSV and XLSX."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
    assert body
    return len(captured)


def _raise(world, catalogue, n: int) -> None:
    desk = actor_for(world.analyst)
    for k in range(n):
        incident = raise_for(world, catalogue, summary=f"Incident {k}")
        actions.assign_incident(actor=desk, incident=incident, provider=world.provider)


@pytest.mark.parametrize(
    "url",
    [
        "/incidents/export/?queue=all&format=csv",
        "/incidents/export/?queue=all&format=xlsx",
        "/api/v1/incidents/export?format=csv",
        "/api/v1/incidents/export?format=xlsx",
    ],
)
def test_queries_do_not_grow_with_the_rows(world, catalogue, url, django_assert_max_num_queries) -> None:
    _raise(world, catalogue, 2)
    clients = {user: world.client(user) for user in (world.analyst, world.user_a, world.resolver)}
    for client in clients.values():
        client.get("/incidents/")  # the session and scope read once, as in a real visit
    few = {user: _queries(client, url) for user, client in clients.items()}
    _raise(world, catalogue, 23)
    for user, client in clients.items():
        assert _queries(client, url) == few[user], user
        with django_assert_max_num_queries(few[user]):
            assert b"".join(client.get(url).streaming_content)
