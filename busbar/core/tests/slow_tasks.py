"""A task for the killed-worker test: it emails, then waits for a go-ahead file before it finishes.

The first worker is killed while it waits; the next one runs the task again, sending the same message
(same Message-ID), which the mail queue must deliver once.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.mail import EmailMessage
from django_tasks import task

from busbar.core.tasking import message_token


@task()
def email_then_wait(go_ahead: str, marker: str) -> str:
    EmailMessage(
        subject=f"Killed-worker test {marker}",
        body="Sent from a task that a test kills half-way.",
        to=["desk@operator.example"],
        headers={"Message-ID": f"<{marker}.{message_token()}@busbar.example>"},
    ).send()
    deadline = time.monotonic() + 120
    while not Path(go_ahead).exists():
        if time.monotonic() > deadline:
            raise TimeoutError("no go-ahead")
        time.sleep(0.1)
    return marker
