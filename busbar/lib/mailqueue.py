"""An email backend that queues each message as a background task.

Django (and django-allauth) send mail through ``EMAIL_BACKEND``; pointing that at
:class:`QueuedEmailBackend` means no request ever waits on an SMTP server. The task rebuilds the message
and delivers it through ``BUSBAR_DELIVERY_EMAIL_BACKEND`` (console by default, SMTP when configured).
"""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django_tasks import task


def serialise(message: EmailMessage) -> dict[str, Any]:
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {k: str(v) for k, v in (message.extra_headers or {}).items()},
        "alternatives": [[str(c), m] for c, m in getattr(message, "alternatives", [])],
        "attachments": [
            [
                name,
                base64.b64encode(content if isinstance(content, bytes) else content.encode()).decode(),
                mime,
            ]
            for name, content, mime in (a for a in message.attachments if isinstance(a, tuple))
        ],
    }


def deserialise(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for name, content, mimetype in data["attachments"]:
        message.attach(name, base64.b64decode(content), mimetype)
    return message


@task(queue_name="email")
def deliver_email(message: dict[str, Any]) -> int:
    """Deliver one queued message through the configured delivery backend."""
    connection = get_connection(settings.BUSBAR_DELIVERY_EMAIL_BACKEND)
    return connection.send_messages([deserialise(message)]) or 0


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        count = 0
        for message in email_messages:
            payload = serialise(message)
            # Only queue once the surrounding transaction commits: a rolled-back change sends nothing.
            transaction.on_commit(lambda p=payload: deliver_email.enqueue(p))
            count += 1
        return count
