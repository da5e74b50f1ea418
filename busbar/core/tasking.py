"""Background tasks that survive a killed worker, and can safely run twice.

django-tasks-db marks a task RUNNING when a worker picks it up and never looks at it again: a worker
killed mid-task (``kill -9``, out of memory, a lost machine) would leave it RUNNING for ever. Busbar adds
a lease:

* every ``busbar worker`` keeps a heartbeat row (:class:`~busbar.core.models.WorkerHeartbeat`) fresh
  while it lives;
* a RUNNING task whose worker has been silent for ``BUSBAR_TASK_LEASE_SECONDS`` — or whose worker on this
  machine is no longer a live process — is put back in the queue, on worker start and then on every
  scheduler tick; after ``BUSBAR_TASK_MAX_ATTEMPTS`` pick-ups it is marked failed instead (a task that
  kills its worker every time must not loop for ever).

So a task may run twice, and every task is written to be safe when it does: state changes are checked
and unique (SLA notices, reminders), and email is sent once per ``Message-ID`` — the ids of messages sent
from a task are derived from the task's id and their order (:func:`message_token`), and the mail queue
keeps a ledger of ids sent (:class:`~busbar.core.models.SentEmail`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from busbar.lib import taskcontext

logger = logging.getLogger("busbar.worker")


# Periodic tasks and the task being run live in busbar.lib.taskcontext (apps register and use them).

PERIODIC = taskcontext.PERIODIC
periodic = taskcontext.periodic
task_started = taskcontext.task_started
task_finished = taskcontext.task_finished
message_token = taskcontext.message_token


# Workers and their leases ---------------------------------------------------------------------------------


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_here(worker_id: str) -> bool:
    """A worker id of this machine whose process no longer exists."""
    host, _, rest = worker_id.partition(":")
    pid, _, _ = rest.partition(":")
    return host == socket.gethostname()[:40] and pid.isdigit() and not _pid_alive(int(pid))


def beat(worker_id: str, *, started_at: dt.datetime | None = None) -> None:
    from busbar.core.models import WorkerHeartbeat

    now = timezone.now()
    host, _, rest = worker_id.partition(":")
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            hostname=host,
            pid=int(rest.partition(":")[0] or 0),
            started_at=started_at or now,
            seen_at=now,
        )


def forget(worker_id: str) -> None:
    from busbar.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


@dataclass
class Recovered:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class AbandonedTask(Exception):
    """Recorded on a task whose worker died every time it ran it."""


def recover_stale_tasks(*, now: dt.datetime | None = None) -> Recovered:
    """Put RUNNING tasks whose worker is gone back in the queue (or fail them after too many attempts)."""
    from django_tasks_db.models import DBTaskResult

    from busbar.core.models import WorkerHeartbeat

    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.BUSBAR_TASK_LEASE_SECONDS)
    live = set(WorkerHeartbeat.objects.filter(seen_at__gte=now - lease).values_list("worker_id", flat=True))
    done = Recovered()
    with transaction.atomic():
        for task in DBTaskResult.objects.running().select_for_update(skip_locked=True):
            holder = task.worker_ids[-1] if task.worker_ids else ""
            if holder in live and not _dead_here(holder):
                continue
            if (
                holder not in live
                and task.started_at
                and task.started_at > now - lease
                and not _dead_here(holder)
            ):
                continue  # picked up moments ago by a worker whose first heartbeat is not yet in
            if len(task.worker_ids) >= settings.BUSBAR_TASK_MAX_ATTEMPTS:
                task.status = "FAILED"
                task.finished_at = now
                task.exception_class_path = f"{AbandonedTask.__module__}.{AbandonedTask.__qualname__}"
                task.traceback = (
                    f"AbandonedTask: the worker running it stopped {len(task.worker_ids)} times "
                    f"(last: {holder}); not retried again"
                )
                task.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                done.failed.append(str(task.id))
            else:
                task.status = "READY"
                task.started_at = None
                task.save(update_fields=["status", "started_at"])
                done.requeued.append(str(task.id))
    WorkerHeartbeat.objects.filter(seen_at__lt=now - dt.timedelta(days=1)).delete()
    for task_id in done.requeued:
        logger.warning("Task %s was left running by a stopped worker: queued again", task_id)
    for task_id in done.failed:
        logger.error(
            "Task %s stopped its worker %s times: marked failed", task_id, settings.BUSBAR_TASK_MAX_ATTEMPTS
        )
    return done


class Heartbeat(threading.Thread):
    """Keeps this worker's lease fresh, and recovers other workers' abandoned tasks, until stopped."""

    def __init__(self, worker_id: str, stop: threading.Event) -> None:
        super().__init__(name="busbar-heartbeat", daemon=True)
        self.worker_id, self.stop = worker_id, stop
        self.interval = max(2.0, settings.BUSBAR_TASK_LEASE_SECONDS / 4)

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                beat(self.worker_id)
                recover_stale_tasks()
            except Exception:
                logger.exception("Heartbeat failed; retrying")
            finally:
                close_old_connections()
