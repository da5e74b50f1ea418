"""What a background task knows about itself, and the tasks the worker queues periodically.

Apps register periodic tasks here (in ``AppConfig.ready``); the worker (busbar.core) runs them. Inside a
running task, :func:`message_token` gives each outbound message an id derived from the task's id and the
message's order, so a task run twice sends each message once (the mail queue de-duplicates by id).
"""

from __future__ import annotations

import contextvars
import hashlib
import secrets
from dataclasses import dataclass, field

# Periodic tasks -------------------------------------------------------------------------------------------

#: Tasks the worker's scheduler queues every BUSBAR_SLA_SCAN_SECONDS (each at most once while waiting).
PERIODIC: list = []


def periodic(task):
    """Register a task (decorated with ``@task``) for the worker to queue periodically."""
    if task not in PERIODIC:
        PERIODIC.append(task)
    return task


# The task being run ---------------------------------------------------------------------------------------


@dataclass
class _Running:
    task_id: str
    messages: int = field(default=0)


_stack: contextvars.ContextVar[tuple[_Running, ...]] = contextvars.ContextVar("busbar_tasks", default=())


def task_started(sender: object, task_result: object, **kwargs: object) -> None:
    _stack.set((*_stack.get(), _Running(str(task_result.id))))  # type: ignore[attr-defined]


def task_finished(sender: object, task_result: object, **kwargs: object) -> None:
    stack = _stack.get()
    if stack and stack[-1].task_id == str(task_result.id):  # type: ignore[attr-defined]
        _stack.set(stack[:-1])


def message_token() -> str:
    """A token for the next outbound ``Message-ID``: the same for the same message of the same task.

    Inside a task, the n-th message gets a token derived from the task's id and n, so running the task
    again produces the same ids and the mail queue sends each once. Outside a task: random.
    """
    stack = _stack.get()
    if not stack:
        return secrets.token_hex(8)
    running = stack[-1]
    running.messages += 1
    return hashlib.sha256(f"{running.task_id}:{running.messages}".encode()).hexdigest()[:16]
