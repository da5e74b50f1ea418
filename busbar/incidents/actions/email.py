"""Email replies threaded onto incidents."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from busbar.incidents.actions._common import (
    ALLOWED_ATTACHMENT_TYPES,
)
from busbar.incidents.actions.lifecycle import add_update
from busbar.incidents.models import Incident
from busbar.lib.actions import ActionError, Actor, action
from busbar.lib.limits import text_max
from busbar.parties.queries import scope_for
from busbar.records.models import Entry as Update

# Email --------------------------------------------------------------------------------------------


class EmailRejected(ActionError):
    title = "The email was not accepted"


@action
def receive_email(*, raw: bytes, now: dt.datetime | None = None) -> Update:
    """Thread an emailed reply onto its incident as an update from the sender.

    The sender must be an active member of the assigned provider or of the raising organisation; the
    incident is found from our Message-ID in In-Reply-To/References, else the ``[INC…]`` subject tag.
    Replays of the same Message-ID are refused, so a mailbox polled twice adds nothing twice.
    """
    from django.contrib.auth import get_user_model

    from busbar.lib.mail import MailParseError, find_reference, parse_message

    try:
        message = parse_message(raw, max_attachment_bytes=settings.BUSBAR_ATTACHMENT_MAX_BYTES)
    except MailParseError as exc:
        raise EmailRejected(f"Not an email message: {exc}", field="raw") from None
    if message.is_auto_reply:
        raise EmailRejected("Automatic replies are ignored", field="from")
    reference = find_reference(message, domain=settings.MAIL_DOMAIN)
    if reference is None:
        raise EmailRejected("No incident reference in the reply headers or subject", field="subject")
    incident = Incident.objects.filter(reference=reference).select_related("organisation").first()
    if incident is None:
        raise EmailRejected(f"No incident {reference}", field="subject")
    if message.message_id and Update.objects.filter(email_message_id=message.message_id).exists():
        raise EmailRejected(f"Message {message.message_id} was already received", field="message_id")
    address = (message.from_address or "").lower()
    sender = get_user_model().objects.filter(email=address, is_active=True).first()
    provider = incident.provider
    if sender is not None:
        scope = scope_for(sender)
        allowed = {incident.organisation_id, incident.provider_id} & scope.organisation_ids
        if not allowed and not scope.is_desk:
            raise EmailRejected(f"{sender.email} may not update {reference}", field="from")
        # For the organisation they hold on the incident (the raising one, else the provider).
        actor = Actor(user=sender, organisation=scope.primary_organisation, channel="email").acting_for(
            incident.organisation_id, incident.provider_id
        )
    elif provider is not None and provider.contact_email and provider.contact_email.lower() == address:
        # A provider that does not use the portal answers from the mailbox we wrote to.
        actor = Actor(
            user=None,
            organisation=provider,
            channel="email",
            name=f"{message.from_name or address} ({provider})",
        )
    else:
        raise EmailRejected(
            f"{address or 'The sender'} is not a Busbar user or the provider's mailbox", field="from"
        )
    body = message.reply_text.strip() or message.text.strip()
    if message.rejected_attachments:
        body += (
            "\n\n[Attachments not accepted: "
            + "; ".join(f"{r.filename} ({r.reason})" for r in message.rejected_attachments)
            + "]"
        )
    files = [
        (a.filename, a.content_type, a.content)
        for a in message.attachments
        if a.content_type in ALLOWED_ATTACHMENT_TYPES and not a.inline
    ]
    limit = text_max()
    if len(body) > limit:
        # A reply is never refused for its length: the update keeps the start, the whole text is attached.
        full = body.encode()
        kept = len(full) <= settings.BUSBAR_ATTACHMENT_MAX_BYTES
        if kept:
            files.append(("message.txt", "text/plain", full))
        marker = f"\n\n[The message was longer than {limit:,} characters; " + (
            "the whole text is attached as message.txt]" if kept else "the rest was too long to keep]"
        )
        body = body[: limit - len(marker)] + marker
    return add_update(
        actor=actor,
        incident=incident,
        body=body,
        attachments=files,
        email_message_id=message.message_id or "",
        now=now,
    )
