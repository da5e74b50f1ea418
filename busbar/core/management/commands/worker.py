"""``busbar worker``: run background tasks, recover those a stopped worker left, queue the periodic ones.

Two small threads run beside the task loop (never in a web request): the heartbeat keeps this worker's
lease fresh and hands tasks abandoned by stopped workers back to the queue (busbar.core.tasking), and the
scheduler queues each periodic task every ``BUSBAR_SLA_SCAN_SECONDS`` unless one is already waiting, so a
slow worker never piles up duplicates. Every task is safe to run twice.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from busbar.core import tasking

logger = logging.getLogger("busbar.worker")


def periodic_tasks() -> list:
    return list(tasking.PERIODIC)


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

    def add_arguments(self, parser):
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
        worker_id = tasking.new_worker_id()
        tasking.beat(worker_id)
        recovered = tasking.recover_stale_tasks()
        if recovered.requeued or recovered.failed:
            logger.warning(
                "Recovered %d task(s) left running by stopped workers; %d failed for good",
                len(recovered.requeued),
                len(recovered.failed),
            )
        if batch:
            if not no_schedule:
                enqueue_due()
        else:
            tasking.Heartbeat(worker_id, stop).start()
            if not no_schedule:

                def schedule() -> None:
                    while not stop.is_set():
                        try:
                            enqueue_due()
                        except Exception:
                            logger.exception("Could not enqueue periodic tasks")
                        finally:
                            close_old_connections()
                        stop.wait(settings.BUSBAR_SLA_SCAN_SECONDS)

                threading.Thread(target=schedule, name="busbar-scheduler", daemon=True).start()
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        logger.info("Busbar worker %s started", worker_id)
        try:
            worker.run()
        finally:
            stop.set()
            try:
                tasking.forget(worker_id)
            except Exception:
                logger.warning("Could not remove the heartbeat of %s", worker_id)
