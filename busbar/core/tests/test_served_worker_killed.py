"""A worker killed (SIGKILL) mid-task loses nothing: the next worker runs the task, and emails once.

Runs real ``busbar worker`` processes on a SQLite database file. The task emails, then waits; the first
worker is killed while the task is RUNNING; a second worker finds the task abandoned (its worker's
process is gone), runs it again, and the two deliveries of the same Message-ID send one message.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from busbar.core.tests.served import spawn

pytestmark = pytest.mark.xdist_group("served")


def _state(env: dict[str, str], task_id: str, marker: str) -> tuple[str, int, int]:
    """The task's status, how many workers picked it up, and how many of its messages were sent."""
    with contextlib.closing(
        sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=10)
    ) as db:
        status, worker_ids = db.execute(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = ?",
            [task_id.replace("-", "")],
        ).fetchone()
        (sent,) = db.execute(
            "SELECT count(*) FROM core_sentemail WHERE message_id LIKE ? AND sent_at IS NOT NULL",
            [f"<{marker}.%"],
        ).fetchone()
    return status, len(json.loads(worker_ids)), sent


def _wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def _enqueue(env: dict[str, str], go: str, marker: str, django_db_blocker) -> str:
    """Queue the task in the test's own database, as the web app would."""
    from django.test import override_settings

    from busbar.core.tests.databases import sqlite_settings, use_database
    from busbar.core.tests.slow_tasks import email_then_wait

    queue = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}
    database = sqlite_settings(Path(env["DATABASE_URL"].removeprefix("sqlite:///")))
    with django_db_blocker.unblock(), use_database(database), override_settings(TASKS=queue):
        return str(email_then_wait.enqueue(go, marker).id)


def test_a_task_of_a_killed_worker_is_run_again_and_emails_once(
    sqlite_env: dict,
    tmp_path: Path,
    django_db_blocker,
) -> None:
    env = dict(sqlite_env)
    go, marker = str(tmp_path / "go"), "kill-test-1"
    task_id = _enqueue(env, go, marker, django_db_blocker)

    first = spawn(["worker", "--interval", "0.2", "--no-schedule"], env, tmp_path / "worker1.log")
    try:
        _wait_for(lambda: _state(env, task_id, marker)[0] == "RUNNING")
        time.sleep(0.5)
        first.stop(signal.SIGKILL)
    finally:
        first.stop(signal.SIGKILL)
    assert _state(env, task_id, marker) == ("RUNNING", 1, 0)  # left running: its email still queued

    Path(go).touch()
    second = spawn(["worker", "--interval", "0.2", "--no-schedule"], env, tmp_path / "worker2.log")
    try:
        _wait_for(lambda: _state(env, task_id, marker) == ("SUCCESSFUL", 2, 1))
        time.sleep(1.0)  # let the duplicate delivery run too
    finally:
        second.stop()
    log = second.output()
    assert "queued again" in log
    # The message was queued twice (once per run of the task) and printed by the mail backend once.
    assert log.count(f"Subject: Killed-worker test {marker}") == 1, log
    assert _state(env, task_id, marker) == ("SUCCESSFUL", 2, 1)
