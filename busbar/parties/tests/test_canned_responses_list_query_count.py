"""The canned responses page and API list cost the same few queries however many responses there are."""

import pytest

from busbar.lib.actions import Actor
from busbar.parties import actions

pytestmark = pytest.mark.django_db


def _add(world, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        actions.create_canned_response(
            actor=Actor.system(), organisation=world.operator, title=f"Reply {i}", body=f"**Text** {i}"
        )


@pytest.mark.parametrize("path", ["/canned-responses/", "/api/v1/canned-responses"])
def test_constant_queries(world, path, django_assert_max_num_queries) -> None:
    client = world.client(world.analyst)
    _add(world, 2)
    client.get(path)  # warm the session
    with django_assert_max_num_queries(8) as few:
        assert client.get(path).status_code == 200
    _add(world, 30, start=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(path)
    assert response.status_code == 200
    assert "Reply 31" in response.content.decode()
