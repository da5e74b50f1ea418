"""An email backend that queues each message as a background task.

Django (and django-allauth) send mail through ``EMAIL_BACKEND``; pointing that at
:class:`QueuedEmailBackend` means no request ever waits on an SMTP server. The task rebuilds the message
and delivers it through ``BUSBAR_DELIVERY_EMAIL_BACKEND`` (console by default, SMTP when configured).

Every queued message carries its ``Message-ID`` (one is made if the sender gave none), and delivery keeps
a ledger of the ids handed to the mail server (``core.SentEmail``): a delivery task that runs again — a
worker was killed after sending but before recording it done — sends nothing the second time. The one
window left is a crash during the SMTP exchange itself, when the message is sent again with the same
``Message-ID``, which receiving systems use to drop duplicates.

A message naming several recipients is queued as one message per recipient (``lib.outbound``): no
recipient ever sees another's address.
"""

from __future__ import annotations

import base64
import logging
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from busbar.lib.outbound import split_per_recipient

logger = logging.getLogger(__name__)


def serialise(message: EmailMessage) -> dict[str, Any]:
    headers = {k: str(v) for k, v in (message.extra_headers or {}).items()}
    if not any(k.lower() == "message-id" for k in headers):
        headers["Message-ID"] = make_msgid(domain=settings.MAIL_DOMAIN)
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": headers,
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


def _message_id(message: dict[str, Any]) -> str | None:
    return next((v for k, v in message["headers"].items() if k.lower() == "message-id"), None)


@task(queue_name="email")
def deliver_email(message: dict[str, Any]) -> int:
    """Deliver one queued message through the configured delivery backend, once per Message-ID."""
    from busbar.core.models import SentEmail

    message_id = _message_id(message)
    ledger = None
    if message_id:
        ledger, _ = SentEmail.objects.get_or_create(
            message_id=message_id[:255],
            defaults={
                "claimed_at": timezone.now(),
                "recipients": len(message["to"]) + len(message["cc"]) + len(message["bcc"]),
                "subject": message["subject"][:255],
            },
        )
        if ledger.sent_at is not None:
            logger.info("Message %s was already sent; not sending it again", message_id)
            return 0
    connection = get_connection(settings.BUSBAR_DELIVERY_EMAIL_BACKEND)
    sent = connection.send_messages([deserialise(message)]) or 0
    if ledger is not None:
        SentEmail.objects.filter(pk=ledger.pk).update(sent_at=timezone.now())
    return sent


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        count = 0
        for original in email_messages:
            # One recipient per message, whoever built it: no party ever sees another's address.
            for message in split_per_recipient(original):
                payload = serialise(message)
                # Only queue once the surrounding transaction commits: a rolled-back change sends nothing.
                transaction.on_commit(lambda p=payload: deliver_email.enqueue(p))
                count += 1
        return count
