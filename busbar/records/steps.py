"""The steps every record type's actions are made of: a new record with its reference, a conversation
entry, attachments, a clock event, a link.

Each runs inside a record type's own ``@action`` (and refuses to run outside one): that action holds the
transaction, checks who may act (its ``permissions.py``) and writes the journal entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, Conflict, require_action
from busbar.lib.limits import check_text
from busbar.records import registry
from busbar.records.models import Attachment, Channel, ClockEvent, Entry, Link, Record
from busbar.records.models import Sequence as Seq

ALLOWED_ATTACHMENT_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "image/png",
        "image/jpeg",
        "image/gif",
        "application/zip",
        "application/json",
        "application/xml",
        "text/xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "message/rfc822",
    }
)

_SEQ = Seq._meta.db_table
# Only the model's own table name is interpolated; the values are parameters.
_NEXT = (
    f"INSERT INTO {_SEQ} (prefix, last) VALUES (%s, 1) ON CONFLICT (prefix) "  # noqa: S608
    f"DO UPDATE SET last = {_SEQ}.last + 1 RETURNING last"
)


def channel_of(actor: Actor) -> str:
    """The conversation channel an actor's change arrived by."""
    return {"api": Channel.API, "email": Channel.EMAIL, "system": Channel.MONITORING}.get(
        actor.channel, Channel.PORTAL
    )


def next_number(prefix: str) -> int:
    """The next number of ``prefix``'s sequence: one statement, so concurrent writers never share one.
    On PostgreSQL the row stays locked until the caller's transaction ends; a rolled-back transaction
    gives its number back."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [prefix])
        return int(cursor.fetchone()[0])


def new_record(kind: str, *, created_at: dt.datetime | None = None) -> Record:
    """The kernel row for a new record of type ``kind``, with the type's next reference."""
    require_action("records.steps")
    record_type = registry.get(kind)
    reference = record_type.reference(next_number(record_type.prefix))
    return Record.objects.create(kind=kind, reference=reference, created_at=created_at or timezone.now())


def add_entry(
    record: Record,
    *,
    actor: Actor,
    body: str,
    internal: bool,
    now: dt.datetime,
    channel: str | None = None,
    email_message_id: str = "",
    field: str = "body",
) -> Entry:
    """A public update or internal note on ``record``, its text held to the limits."""
    require_action("records.steps")
    body = body.strip()
    if not body:
        raise ActionError("Write something", field=field)
    check_text(body, field=field)
    entry = Entry.objects.create(
        record=record,
        author=actor.user,
        author_label=actor.label,
        author_organisation=actor.organisation,
        channel=channel or channel_of(actor),
        body=body,
        is_internal=internal,
        created_at=now,
        email_message_id=email_message_id,
    )
    if (entry_added := registry.get(record.kind).entry_added) is not None:
        entry_added(record)
    return entry


def add_attachments(
    record: Record,
    entry: Entry | None,
    files: Sequence[tuple[str, str, bytes]],
    *,
    actor: Actor,
    internal: bool,
) -> list[Attachment]:
    """Store ``files`` (name, content type, bytes) on ``record``: each within the size limit and of an
    accepted type, or nothing is stored."""
    require_action("records.steps")
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    for index, (name, content_type, content) in enumerate(files):
        field = f"attachments[{index}]"
        if len(content) > max_bytes:
            raise ActionError(f"{name} is {len(content):,} bytes; the limit is {max_bytes:,}", field=field)
        if content_type not in ALLOWED_ATTACHMENT_TYPES:
            raise ActionError(f"{name}: files of type {content_type} are not accepted", field=field)
    saved = []
    for name, content_type, content in files:
        attachment = Attachment(
            record=record,
            entry=entry,
            filename=name[:200],
            content_type=content_type,
            size=len(content),
            is_internal=internal,
            uploaded_by=actor.user,
        )
        attachment.file.save(name[-100:], ContentFile(content), save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def log_clock(record: Record, kind: str, at: dt.datetime, severity_code: str = "") -> ClockEvent:
    """Append to ``record``'s clock log; the type then refreshes the SLA cache (:mod:`busbar.records.sla`)."""
    require_action("records.steps")
    events = getattr(record, "_prefetched_objects_cache", None)
    if events is not None:
        events.pop("clock_events", None)
    return ClockEvent.objects.create(record=record, kind=kind, at=at, severity_code=severity_code)


def link(source: Record, target: Record, kind: str, *, actor: Actor) -> Link:
    """``source`` <kind> ``target``. The caller has checked that the actor sees and may link both."""
    require_action("records.steps")
    if kind not in Link.Kind.values:
        raise ActionError(f"Unknown link type {kind!r}", field="kind")
    if source.pk == target.pk:
        raise ActionError("A record cannot be linked to itself", field="target")
    if Link.objects.filter(source=source, target=target, kind=kind).exists():
        raise Conflict(
            f"{source.reference} is already {Link.Kind(kind).label.lower()} {target.reference}",
            field="target",
        )
    try:
        with transaction.atomic():
            return Link.objects.create(source=source, target=target, kind=kind, created_by=actor.user)
    except IntegrityError as exc:  # a concurrent request made the same link
        raise Conflict(
            f"{source.reference} is already {Link.Kind(kind).label.lower()} {target.reference}",
            field="target",
        ) from exc
