"""``busbar worker``: run background tasks and enqueue the periodic ones (SLA scan, major reminders).

The periodic enqueuer is a small timer thread inside the worker process (never in a web request): every
``BUSBAR_SLA_SCAN_SECONDS`` it queues a scan unless one is already waiting, so a slow worker never piles up
duplicate scans. The scans themselves are idempotent.
"""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("busbar.worker")


def periodic_tasks() -> list:
    from busbar.incidents.tasks import remind_majors, scan_sla

    return [scan_sla, remind_majors]


def enqueue_due() -> int:
    """Queue each periodic task that is not already waiting to run. Returns how many were queued."""
    queued = 0
    for task in periodic_tasks():
        waiting = DBTaskResult.objects.ready().filter(task_path=task.module_path).exists()
        if not waiting:
            task.enqueue()
            queued += 1
    return queued


class Command(BaseCommand):
    help = "Run Busbar's background tasks and schedule its periodic ones."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between queue polls when idle"
        )
        parser.add_argument("--batch", action="store_true", help="run what is queued now, then exit")
        parser.add_argument("--no-schedule", action="store_true", help="do not enqueue the periodic tasks")

    def handle(
        self, *args: object, interval: float, batch: bool, no_schedule: bool, **options: object
    ) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stop = threading.Event()
        if batch:
            if not no_schedule:
                enqueue_due()
        elif not no_schedule:

            def schedule() -> None:
                while not stop.is_set():
                    try:
                        enqueue_due()
                    except Exception:  # noqa: BLE001 - keep scheduling through a passing database error
                        logger.exception("Could not enqueue periodic tasks")
                    stop.wait(settings.BUSBAR_SLA_SCAN_SECONDS)

            threading.Thread(target=schedule, name="busbar-scheduler", daemon=True).start()
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"busbar-{os.getpid()}",
            excluded_queue_names=[],
        )
        try:
            worker.run()
        finally:
            stop.set()
