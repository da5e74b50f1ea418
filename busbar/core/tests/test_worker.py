"""The worker queues each periodic task once while it waits, then runs it."""

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from busbar.core.management.commands.worker import enqueue_due

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}


@override_settings(TASKS=DB_TASKS)
def test_periodic_tasks_are_not_duplicated_while_waiting() -> None:
    assert enqueue_due() == 10
    assert enqueue_due() == 0  # already waiting: nothing piles up
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == [
        "busbar.changes.tasks.check_overruns",
        "busbar.core.tasks.purge_expired",
        "busbar.incidents.tasks.remind_majors",
        "busbar.incidents.tasks.scan_sla",
        "busbar.migration.tasks.check_cutovers",
        "busbar.reports.tasks.facts.escalate_kpi_facts",
        "busbar.reports.tasks.facts.reconcile_kpi_facts",
        "busbar.reports.tasks.monthly.generate_monthly_reports",
        "busbar.reports.tasks.returns.open_and_chase",
        "busbar.requests.tasks.scan_sla",
    ]


@override_settings(TASKS=DB_TASKS)
def test_batch_worker_runs_queued_tasks(monkeypatch) -> None:
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    # The worker recycles database connections between tasks, as a long-running process should; inside a
    # test's transaction that would close the connection the test itself is using.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    call_command("worker", "--batch")
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert DBTaskResult.objects.count() == 10
