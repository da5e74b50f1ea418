"""The SLA scan's warnings and breaches reach the desk's inboxes (and the assignee's), in one insert per
batch whatever its size; participants are not told."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.incidents import actions, tasks
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import Actor
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
LATE = T0 + dt.timedelta(minutes=50)  # severity 3: response warning at 33m45s, breach at 45 min


def test_warning_reaches_desk_and_assignee(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="3", now=T0)
    actions.assign_incident(
        actor=actor_for(world.analyst),
        incident=incident,
        provider=world.provider,
        assignee=world.resolver,
        now=T0 + dt.timedelta(minutes=1),
    )
    Notification.objects.all().delete()
    # Answered by the desk at once: only the resolution clock runs on, to its warning and breach.
    assert tasks.scan_sla.call((T0 + dt.timedelta(days=30)).isoformat())["warning"] >= 1
    told = Notification.objects.filter(kind="sla_warning")
    assert set(told.values_list("recipient_id", flat=True)) == {
        world.analyst.pk,
        world.ops.pk,
        world.resolver.pk,
    }
    assert not told.filter(recipient__in=[world.user_a, world.user_b, world.admin_a]).exists()
    assert all(incident.reference in n.title for n in told)


def test_a_batch_delivers_in_the_same_queries_whatever_its_size(world, catalogue) -> None:
    def measure(n: int) -> tuple[int, int]:
        made = [raise_for(world, catalogue, severity="3", now=T0) for _ in range(n)]
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            actions.raise_sla_notices(actor=Actor.system(), incident_ids=[i.pk for i in made], now=LATE)
        inserts = [
            q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "records_notification"')
        ]
        return len(ctx.captured_queries), len(inserts)

    small, big = measure(2), measure(8)
    assert small == big
    assert big[1] == 1
    assert Notification.objects.filter(kind="sla_warning").count() == 8 * 2 * 2  # 2 notices x analyst, ops
