"""Incidents moved onto the record kernel keep everything: migrating back and forward again loses nothing."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from busbar.conftest import build_world
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tasks import scan_sla
from busbar.incidents.tests.conftest import actor_for, make_catalogue, raise_for
from busbar.records.models import (
    Attachment,
    ClockEvent,
    Entry,
    Link,
    Notification,
    Record,
    Sequence,
    SlaNotice,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("migrations")]

BEFORE = [("incidents", "0004_list_and_search_indexes")]
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _snapshot() -> dict:
    return {
        "incidents": sorted(
            (
                i.reference,
                i.status,
                i.record.reference,
                i.response_due_at,
                i.resolution_due_at,
                i.response_breached,
                i.resolution_breached,
                i.record.sla_notified,
            )
            for i in Incident.objects.select_related("record")
        ),
        "clock": sorted(
            (c.record.reference, c.kind, c.at, c.severity_code)
            for c in ClockEvent.objects.select_related("record")
        ),
        "entries": sorted(
            (e.pk, e.record.reference, e.body, e.is_internal, e.author_id)
            for e in Entry.objects.select_related("record")
        ),
        "attachments": sorted(
            (a.pk, a.record.reference, a.entry_id, a.file.name, a.size)
            for a in Attachment.objects.select_related("record")
        ),
        "links": sorted(
            (link.source.reference, link.kind, link.target.reference) for link in Link.objects.all()
        ),
        "notices": sorted(
            (n.pk, n.record.reference, n.clock, n.kind, sorted(u.pk for u in n.escalated_to.all()))
            for n in SlaNotice.objects.select_related("record")
        ),
    }


def test_back_and_forth_keeps_every_incident_row() -> None:
    world = build_world()
    catalogue = make_catalogue(world.provider)
    first = raise_for(world, catalogue, now=T0, attachments=[("log.txt", "text/plain", b"hello")])
    second = raise_for(world, catalogue, now=T0 + dt.timedelta(minutes=5))
    desk = actor_for(world.analyst)
    actions.assign_incident(actor=desk, incident=first, now=T0 + dt.timedelta(minutes=10))
    actions.add_update(
        actor=actor_for(world.resolver),
        incident=first,
        body="Looking",
        attachments=[("trace.csv", "text/csv", b"a,b")],
        now=T0 + dt.timedelta(minutes=20),
    )
    actions.add_update(
        actor=desk, incident=first, body="note", internal=True, now=T0 + dt.timedelta(minutes=21)
    )
    actions.link_incidents(actor=desk, source=second, target=first, kind="duplicate_of")
    scan_sla.call((T0 + dt.timedelta(days=30)).isoformat())  # breaches, escalations
    before = _snapshot()
    assert before["notices"] and len(before["attachments"]) == 2 and len(before["entries"]) == 2

    # Inbox notifications point at kernel records, which going back before the kernel removes: they go first.
    Notification.objects.all().delete()
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("incidents")
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    assert old.get_model("incidents", "Update").objects.count() == 2
    assert old.get_model("incidents", "Attachment").objects.count() == 2
    assert old.get_model("incidents", "Link").objects.count() == 1
    assert old.get_model("incidents", "SlaNotice").objects.count() == len(before["notices"])
    old_first = old.get_model("incidents", "Incident").objects.get(reference=first.reference)
    assert old_first.resolution_breached == before["incidents"][0][6]
    assert not Record.objects.exists() and not Sequence.objects.filter(prefix="INC").exists()

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert _snapshot() == before
    # The sequence goes on after the highest number.
    third = raise_for(world, catalogue)
    assert int(third.reference[3:]) == int(second.reference[3:]) + 1
