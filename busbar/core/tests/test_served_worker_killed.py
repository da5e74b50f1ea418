"""A worker killed (SIGKILL) mid-task loses nothing: the next worker runs the task, and emails once.

Runs real ``busbar worker`` processes on a SQLite database file. The task emails, then waits; the first
worker is killed while the task is RUNNING; a second worker finds the task abandoned (its worker's
process is gone), runs it again, and the two deliveries of the same Message-ID send one message.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from busbar.core.tests.served import shell, spawn

QUEUE = """
from busbar.core.tests.slow_tasks import email_then_wait
print(email_then_wait.enqueue({go!r}, {marker!r}).id)
"""
STATE = """
from django_tasks_db.models import DBTaskResult
from busbar.core.models import SentEmail
t = DBTaskResult.objects.get(pk={task_id!r})
sent = SentEmail.objects.filter(message_id__startswith="<{marker}.").exclude(sent_at=None)
print(t.status, len(t.worker_ids), sent.count())
"""


def _state(env: dict[str, str], task_id: str, marker: str) -> tuple[str, int, int]:
    status, pickups, sent = shell(STATE.format(task_id=task_id, marker=marker), env).split()
    return status, int(pickups), int(sent)


def _wait_for(predicate, timeout: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def test_a_task_of_a_killed_worker_is_run_again_and_emails_once(sqlite_env: dict, tmp_path: Path) -> None:
    env = dict(sqlite_env)
    go, marker = str(tmp_path / "go"), "kill-test-1"
    task_id = shell(QUEUE.format(go=go, marker=marker), env).strip()

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
