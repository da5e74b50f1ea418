"""The incident screens cost a fixed number of queries, however many incidents, updates and links."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db

LISTS = {
    "user_a": [
        "/incidents/",
        "/incidents/?published=1",
        "/incidents/?queue=all&q=gateway",
        "/major-incidents/",
        "/",
    ],
    "resolver": ["/incidents/", "/incidents/?queue=all", "/"],
    "analyst": [
        "/incidents/",
        "/incidents/?queue=unassigned",
        "/incidents/?queue=soon",
        "/incidents/?queue=breached",
        "/incidents/?queue=providers",
        "/incidents/?queue=all&status=open&provider=1",
        "/major-incidents/",
        "/",
    ],
}


def grow(world, catalogue, n: int) -> None:
    """``n`` more incidents of every kind the lists show: routed, published, major, with updates and files."""
    desk = actor_for(world.analyst)
    for i in range(n):
        incident = raise_for(
            world,
            catalogue,
            summary=f"Gateway fault {i}",
            severity="1" if i % 3 == 0 else "3",
            attachments=[("log.txt", "text/plain", b"x")],
        )
        actions.assign_incident(
            actor=desk, incident=incident, provider=world.provider, assignee=world.resolver
        )
        actions.add_update(actor=desk, incident=incident, body="Looking", internal=i % 2 == 0)
        actions.triage_incident(actor=desk, incident=incident, is_published=True, impact="market")
        raise_for(world, catalogue, user=world.user_b, summary=f"Bravo fault {i}")


def count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(ctx.captured_queries)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


def test_lists_queues_and_home_pages_do_not_grow_with_rows(world, catalogue) -> None:
    grow(world, catalogue, 1)
    clients = {name: world.client(getattr(world, name)) for name in LISTS}
    for name, paths in LISTS.items():  # warm sessions and the SLA target/calendar caches
        for path in paths:
            count(clients[name], path)
    small = {(name, path): count(clients[name], path) for name, paths in LISTS.items() for path in paths}
    grow(world, catalogue, 6)
    large = {(name, path): count(clients[name], path) for name, paths in LISTS.items() for path in paths}
    assert large == small
    assert max(small.values()) <= 20, small


def test_the_incident_page_does_not_grow_with_updates_files_and_links(world, catalogue) -> None:
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="1")
    actions.assign_incident(actor=desk, incident=incident, provider=world.provider)
    path = f"/incidents/{incident.reference}/"

    def add(n: int) -> None:
        for i in range(n):
            actions.add_update(
                actor=desk,
                incident=incident,
                body=f"Update {i}",
                internal=i % 2 == 0,
                attachments=[("log.txt", "text/plain", b"x")],
            )
            other = raise_for(world, catalogue, summary=f"Related {i}")
            actions.link_incidents(actor=desk, source=incident, target=other, kind="related_to")
            actions.link_incidents(actor=desk, source=other, target=incident, kind="caused_by")
            actions.send_communication(
                actor=desk, major=incident.major, subject=f"Bulletin {i}", body="Still down"
            )

    add(1)
    for user in (world.analyst, world.user_a, world.resolver):
        client = world.client(user)
        count(client, path)
        small = count(client, path)
        add(3)
        assert count(client, path) == small, user
