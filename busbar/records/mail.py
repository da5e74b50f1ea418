"""Email about a record, for any record type: one message per recipient, rendered from a template,
threaded by the record's reference (replies are matched back to it), with a Message-ID that is the same
when the same task runs again (the mail queue then sends it once)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from busbar.lib.mail import incident_message_id, render_email, subject_tag
from busbar.lib.outbound import send_each, unique_addresses
from busbar.lib.taskcontext import message_token
from busbar.records import registry


def send(reference: str, url: str, recipients: list[str], template: str, context: dict) -> int:
    """Send ``template`` (first line the subject; see :func:`busbar.lib.mail.render_email`) about
    ``reference`` to each address in ``recipients`` separately; returns how many were sent."""
    recipients = unique_addresses(recipients)
    if not recipients:
        return 0
    record_type = registry.for_reference(reference)
    context = {
        "url": url,
        "reference": reference,
        "email_replies": bool(record_type and record_type.email_replies),
        **context,
    }
    subject, body = render_email(template, context)
    footer = render_to_string("records/email/_footer.txt", context)

    def headers(_address: str) -> dict[str, str]:
        return {
            "Message-ID": incident_message_id(reference, message_token(), settings.MAIL_DOMAIN),
            "X-Busbar-Reference": reference,
            "Auto-Submitted": "auto-generated",
        }

    return send_each(
        recipients,
        subject=f"{subject_tag(reference)} {subject}",
        body=body.rstrip("\n") + footer + "\n",
        headers=headers,
        reply_to=[settings.DEFAULT_FROM_EMAIL],
    )


def addresses(users, kind: str) -> list[str]:
    """The addresses of ``users`` who want notifications of ``kind``."""
    return [u.email for u in users if u.is_active and u.wants(kind)]
