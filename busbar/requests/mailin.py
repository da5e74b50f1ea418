"""Requests by email: the mailbox poller posts each message (``POST /api/v1/requests/email``).

* A **reply** naming a request (our Message-ID in its headers, else ``[REQ0000012]`` in the subject, as
  :func:`busbar.lib.mail.find_reference` finds it) becomes a public update on that request from the
  sender, who must be an active user who sees it.
* A **new** message from an active user raises a request for the sender's organisation: from the item
  named by a ``[item-slug]`` tag in the subject, else the default item (the active "information-request"
  item); the subject is the summary, the body the question (the item's first text question) and the
  description. No default item: refused.
* A Message-ID already received is refused, so a mailbox polled twice adds nothing twice; so are
  automatic replies. Every refusal is an :class:`EmailRefused` (422) giving the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from busbar.lib.actions import ActionError, Actor
from busbar.lib.limits import SHORT_TEXT, text_max
from busbar.lib.mail import MailParseError, find_reference, parse_message
from busbar.parties.queries import scope_for
from busbar.records.models import Entry
from busbar.records.steps import ALLOWED_ATTACHMENT_TYPES
from busbar.requests import queries
from busbar.requests.models import CatalogueItem, FieldKind, ItemKind

DEFAULT_ITEM = "information-request"
REFERENCE_PATTERN = r"REQ\d{7}"
_SLUG_TAG = re.compile(r"\[\s*([A-Za-z0-9][A-Za-z0-9-]{0,59})\s*\]")


class EmailRefused(ActionError):
    title = "The email was refused"


@dataclass(frozen=True)
class Received:
    reference: str
    created: bool  # a new request (True) or an update on one (False)
    entry_id: int | None


def _body(message) -> str:
    body = (message.reply_text or "").strip() or (message.text or "").strip()
    if message.rejected_attachments:
        body += (
            "\n\n[Attachments not accepted: "
            + "; ".join(f"{r.filename} ({r.reason})" for r in message.rejected_attachments)
            + "]"
        )
    limit = text_max()
    if len(body) > limit:
        marker = f"\n\n[The message was longer than {limit:,} characters; the rest was not kept]"
        body = body[: limit - len(marker)] + marker
    return body


def _files(message) -> list[tuple[str, str, bytes]]:
    return [
        (a.filename, a.content_type, a.content)
        for a in message.attachments
        if a.content_type in ALLOWED_ATTACHMENT_TYPES and not a.inline
    ][:10]


def receive(*, raw: bytes, now: dt.datetime | None = None) -> Received:
    """Thread a reply onto its request, or raise a new request from the message."""
    from busbar.requests import actions

    try:
        message = parse_message(raw, max_attachment_bytes=settings.BUSBAR_ATTACHMENT_MAX_BYTES)
    except MailParseError as exc:
        raise EmailRefused(f"Not an email message: {exc}", field="raw") from None
    if message.is_auto_reply:
        raise EmailRefused("Automatic replies are ignored", field="from")
    if message.message_id and Entry.objects.filter(email_message_id=message.message_id).exists():
        raise EmailRefused(f"Message {message.message_id} was already received", field="message_id")
    address = (message.from_address or "").lower()
    sender = (
        get_user_model().objects.filter(email__iexact=address, is_active=True).first() if address else None
    )
    if sender is None:
        raise EmailRefused(f"{address or 'The sender'} is not an active Busbar user", field="from")
    scope = scope_for(sender)
    actor = Actor(user=sender, organisation=scope.primary_organisation, channel="email")
    body = _body(message)
    reference = find_reference(message, domain=settings.MAIL_DOMAIN, pattern=REFERENCE_PATTERN)
    if reference is not None:
        request = queries.visible_to(sender).filter(reference=reference).first()
        if request is None:
            raise EmailRefused(f"No request {reference} that {address} may see", field="subject")
        entry = actions.add_update(
            actor=actor,
            request=request,
            body=body or "(empty message)",
            attachments=_files(message),
            email_message_id=message.message_id or "",
            now=now,
        )
        return Received(reference=request.reference, created=False, entry_id=entry.pk)
    return _raise(actor, message, body, now=now)


def _raise(actor: Actor, message, body: str, *, now: dt.datetime | None) -> Received:
    from busbar.requests import actions

    subject = " ".join((message.subject or "").split())
    tag = _SLUG_TAG.search(subject)
    item = None
    if tag is not None:
        slug = tag.group(1).lower()
        item = CatalogueItem.objects.filter(slug=slug, is_active=True, kind=ItemKind.REQUEST).first()
        if item is not None:
            subject = f"{subject[: tag.start()]} {subject[tag.end() :]}".strip()
    if item is None:
        item = CatalogueItem.objects.filter(slug=DEFAULT_ITEM, is_active=True, kind=ItemKind.REQUEST).first()
    if item is None:
        raise EmailRefused(
            "No catalogue item is named in the subject ([item-slug]) and there is no default "
            f"{DEFAULT_ITEM!r} item to raise it from",
            field="subject",
        )
    organisation = actor.organisation
    if organisation is None:
        raise EmailRefused(f"{actor.user.email} belongs to no organisation", field="from")
    answers = {}
    text_fields = [f for f in item.fields.all() if f.kind in (FieldKind.TEXTAREA, FieldKind.TEXT)]
    if text_fields and body:
        answers[text_fields[0].key] = body if text_fields[0].kind == FieldKind.TEXTAREA else body[:SHORT_TEXT]
    request = actions.raise_request(
        actor=actor,
        item=item,
        organisation=organisation,
        answers=answers,
        summary=subject[:SHORT_TEXT] or item.name,
        description=body,
        channel="email",
        email_message_id=message.message_id or "",
        now=now,
    )
    return Received(reference=request.reference, created=True, entry_id=None)
