"""The SLA scan raises a backlog in batches: set-based writes, a fixed number of queries per batch whatever
its size, one notification task per batch; still exactly once (a notice raised meanwhile is skipped, a
batch with nothing left is refused and writes nothing)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.audit.models import AuditEntry
from busbar.incidents import actions, tasks
from busbar.incidents.tests.conftest import raise_for
from busbar.lib.actions import ActionError, Actor
from busbar.records.models import SlaNotice

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
LATE = T0 + dt.timedelta(minutes=50)  # severity 3: response warning at 33m45s, breach at 45 min


def _backlog(world, catalogue, n: int) -> list:
    return [raise_for(world, catalogue, severity="3", now=T0) for _ in range(n)]


def test_a_backlog_is_raised_in_batches_with_one_task_each(
    world, catalogue, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    made = _backlog(world, catalogue, 7)
    monkeypatch.setattr(tasks, "SCAN_BATCH", 3)
    enqueued = []

    class Recorded:
        @staticmethod
        def enqueue(ids: list[int], events: dict | None = None) -> None:
            enqueued.append(list(ids))

    monkeypatch.setattr(tasks, "notify_sla_notices", Recorded)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.scan_sla.call(LATE.isoformat()) == {"warning": 7, "breach": 7}
    assert [len(ids) for ids in enqueued] == [6, 6, 2]  # three batches: 3 + 3 + 1 incidents, 2 notices each
    notices = SlaNotice.objects.filter(record__incident__in=made)
    assert notices.count() == 14
    assert sorted(i for ids in enqueued for i in ids) == sorted(n.pk for n in notices)
    assert AuditEntry.objects.filter(action__startswith="incident.sla_").count() == 14
    breach = notices.filter(kind="breach").first()
    assert list(breach.escalated_to.all()) == [world.ops]
    for incident in made:
        incident.record.refresh_from_db()
        assert incident.record.response_breached and incident.record.sla_notified == 3
    assert tasks.scan_sla.call((LATE + dt.timedelta(minutes=5)).isoformat()) == {"warning": 0, "breach": 0}


def test_a_batch_costs_the_same_queries_whatever_its_size(world, catalogue) -> None:
    def measure(n: int) -> int:
        made = _backlog(world, catalogue, n)
        with CaptureQueriesContext(connection) as ctx:
            done = actions.raise_sla_notices(
                actor=Actor.system(), incident_ids=[i.pk for i in made], now=LATE
            )
        assert done == {"warning": n, "breach": n}
        return len(ctx.captured_queries)

    assert measure(2) == measure(8)


def test_a_notice_raised_meanwhile_is_skipped_and_an_empty_batch_writes_nothing(world, catalogue) -> None:
    first, second = _backlog(world, catalogue, 2)
    # A concurrent scan already raised the first incident's warning (its bit not yet seen by this one).
    SlaNotice.objects.create(record=first.record, clock="response", kind="warning", crossed_at=T0)
    done = actions.raise_sla_notices(actor=Actor.system(), incident_ids=[first.pk, second.pk], now=LATE)
    assert done == {"warning": 1, "breach": 2}
    assert SlaNotice.objects.filter(record=first.record).count() == 2
    journal = AuditEntry.objects.count()
    with pytest.raises(ActionError):
        actions.raise_sla_notices(actor=Actor.system(), incident_ids=[first.pk, second.pk], now=LATE)
    assert AuditEntry.objects.count() == journal and SlaNotice.objects.count() == 4
