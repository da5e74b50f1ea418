"""Outbound email, one message per recipient: the one way Busbar sends mail to people.

Busbar's emails go to parties that must not learn of each other (competing suppliers, providers, the
desk), so no message ever carries a second address: :func:`send_each` sends a separate message to every
address, with only that address in ``To`` and no ``Cc`` or ``Bcc``. The mail queue
(``busbar.core.mailqueue``) splits any message that still names several recipients (a third-party
library's, say) in the same way, with :func:`split_per_recipient`, before it is queued.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.mail import EmailMessage, EmailMultiAlternatives


def unique_addresses(addresses: Iterable[str | None]) -> list[str]:
    """Each non-empty address once (compared without case), in a stable order."""
    seen: dict[str, str] = {}
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return sorted(seen.values(), key=str.lower)


def send_each(
    addresses: Iterable[str | None],
    *,
    subject: str,
    body: str,
    headers: Callable[[str], dict[str, str]] | None = None,
    reply_to: list[str] | None = None,
    from_email: str | None = None,
) -> int:
    """Send ``subject``/``body`` to every address in ``addresses`` as its own message; returns how many.

    ``headers(address)`` gives each message's extra headers (e.g. its own ``Message-ID``). The body is the
    same for all, so it must never name a recipient.
    """
    sent = 0
    for address in unique_addresses(addresses):
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=from_email,
            to=[address],
            headers=headers(address) if headers else None,
            reply_to=reply_to,
        )
        sent += message.send()
    return sent


def recipients_of(message: EmailMessage) -> list[str]:
    return unique_addresses([*message.to, *message.cc, *message.bcc])


def split_per_recipient(message: EmailMessage) -> list[EmailMessage]:
    """``message`` as one message per recipient (itself when it has at most one): each copy has only its
    own address in ``To``, no ``Cc``/``Bcc``, and a ``Message-ID`` of its own derived from the original's."""
    addresses = recipients_of(message)
    if len(addresses) <= 1 and not message.cc and not message.bcc:
        return [message]
    headers = dict(message.extra_headers or {})
    original_id = next((v for k, v in headers.items() if k.lower() == "message-id"), None)
    copies: list[EmailMessage] = []
    for n, address in enumerate(addresses, start=1):
        own = {k: v for k, v in headers.items() if k.lower() not in ("message-id", "to", "cc")}
        if original_id:
            local, _, domain = str(original_id).strip("<>").partition("@")
            own["Message-ID"] = f"<{local}.{n}@{domain}>" if domain else f"<{local}.{n}>"
        copy = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=message.from_email,
            to=[address],
            reply_to=list(message.reply_to),
            headers=own,
        )
        for content, mimetype in getattr(message, "alternatives", []) or []:
            copy.attach_alternative(content, mimetype)
        copy.attachments = list(message.attachments)
        copy.content_subtype = message.content_subtype
        copy.encoding = message.encoding
        copies.append(copy)
    return copies
