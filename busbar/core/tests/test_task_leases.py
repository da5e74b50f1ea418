"""Tasks left RUNNING by a worker that stopped go back to the queue — by lease time-out for a worker on
another machine, at once for a dead process on this one — and a task that keeps killing its worker is
failed instead of retried for ever. The killed-process case end to end: test_served_worker_killed.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from busbar.core import tasking
from busbar.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}


def _running(worker_ids: list[str], started: dt.datetime) -> DBTaskResult:
    from busbar.core.tasks import purge_expired

    with override_settings(TASKS=DB_TASKS):
        result = purge_expired.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", worker_ids=worker_ids, started_at=started
    )
    return DBTaskResult.objects.get(pk=result.id)


def _beat(worker_id: str, seen: dt.datetime) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="other", pid=1, started_at=seen, seen_at=seen
    )


@override_settings(BUSBAR_TASK_LEASE_SECONDS=120)
def test_a_silent_worker_on_another_machine_loses_its_task_after_the_lease() -> None:
    now = timezone.now()
    _beat("elsewhere:4242:abc", now - dt.timedelta(seconds=300))
    task = _running(["elsewhere:4242:abc"], now - dt.timedelta(seconds=400))
    recovered = tasking.recover_stale_tasks(now=now)
    assert recovered.requeued == [str(task.pk)]
    task.refresh_from_db()
    assert task.status == "READY" and task.started_at is None and task.worker_ids == ["elsewhere:4242:abc"]


@override_settings(BUSBAR_TASK_LEASE_SECONDS=120)
def test_a_live_worker_keeps_its_task() -> None:
    now = timezone.now()
    _beat("elsewhere:4242:abc", now - dt.timedelta(seconds=30))
    task = _running(["elsewhere:4242:abc"], now - dt.timedelta(seconds=400))
    assert tasking.recover_stale_tasks(now=now).requeued == []
    task.refresh_from_db()
    assert task.status == "RUNNING"


@override_settings(BUSBAR_TASK_LEASE_SECONDS=120)
def test_a_task_just_picked_up_is_not_taken_before_its_worker_is_heard_of() -> None:
    now = timezone.now()
    task = _running(["elsewhere:4242:abc"], now - dt.timedelta(seconds=5))
    assert tasking.recover_stale_tasks(now=now).requeued == []
    task.refresh_from_db()
    assert task.status == "RUNNING"


@override_settings(BUSBAR_TASK_LEASE_SECONDS=3600)
def test_a_dead_process_on_this_machine_loses_its_task_at_once() -> None:
    import socket

    now = timezone.now()
    dead = f"{socket.gethostname()[:40]}:999999:abc"  # no such pid
    _beat(dead, now)
    task = _running([dead], now)
    assert tasking.recover_stale_tasks(now=now).requeued == [str(task.pk)]


@override_settings(BUSBAR_TASK_LEASE_SECONDS=120, BUSBAR_TASK_MAX_ATTEMPTS=3)
def test_a_task_that_stopped_its_worker_too_often_is_failed() -> None:
    now = timezone.now()
    task = _running(["a:1:x", "b:2:y", "c:3:z"], now - dt.timedelta(hours=1))
    recovered = tasking.recover_stale_tasks(now=now)
    assert recovered.failed == [str(task.pk)] and recovered.requeued == []
    task.refresh_from_db()
    assert task.status == "FAILED" and "AbandonedTask" in task.traceback


def test_messages_of_a_task_get_the_same_ids_when_it_runs_again() -> None:
    class Result:
        id = "6f1c9a"

    tokens = []
    for _ in range(2):
        tasking.task_started(None, task_result=Result())
        tokens.append((tasking.message_token(), tasking.message_token()))
        tasking.task_finished(None, task_result=Result())
    assert tokens[0] == tokens[1] and tokens[0][0] != tokens[0][1]
    assert tasking.message_token() != tasking.message_token()  # outside a task: random


def test_a_message_id_already_sent_is_not_sent_again(mailoutbox) -> None:
    from busbar.core.mailqueue import deliver_email

    message = {
        "subject": "Hello",
        "body": "Once only",
        "from_email": "desk@busbar.example",
        "to": ["a@alpha.example"],
        "cc": [],
        "bcc": [],
        "reply_to": [],
        "headers": {"Message-ID": "<once.1@busbar.example>"},
        "alternatives": [],
        "attachments": [],
    }
    assert deliver_email.call(message) == 1
    assert deliver_email.call(message) == 0
    assert len(mailoutbox) == 1


def test_expired_idempotency_keys_are_purged(world) -> None:
    from busbar.core.models import IdempotencyKey
    from busbar.core.tasks import purge_expired

    now = timezone.now()
    for key, expires in (("old", now - dt.timedelta(minutes=1)), ("live", now + dt.timedelta(hours=1))):
        IdempotencyKey.objects.create(
            user=world.user_a,
            key=key,
            fingerprint="f",
            method="POST",
            path="/",
            created_at=now,
            expires_at=expires,
        )
    assert purge_expired.call()["idempotency_keys"] == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["live"]
