"""The steps every record type's actions are made of: a new record with its reference, a conversation
entry, attachments, a clock event, a link.

Each runs inside a record type's own ``@action`` (and refuses to run outside one): that action holds the
transaction, checks who may act (its ``permissions.py``) and writes the journal entry.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Sequence

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, Conflict, require_action
from busbar.lib.limits import check_text
from busbar.records import registry
from busbar.records.models import Attachment, ClockEvent, Entry, IntakeChannel, Link, Record
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

#: Types recognised by their content's signature (magic numbers); an Office file is a zip inside.
_BINARY_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "application/zip"}
    | {t for t in ALLOWED_ATTACHMENT_TYPES if t.startswith("application/vnd.openxmlformats")}
)
_ZIP_FAMILY = frozenset({"application/zip"} | {t for t in _BINARY_TYPES if "openxmlformats" in t})
_TEXT_TYPES = ALLOWED_ATTACHMENT_TYPES - _BINARY_TYPES
_UNKNOWN = "application/octet-stream"
_LABELS = {
    "application/pdf": "a PDF",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/gif": "a GIF image",
    "application/zip": "a zip archive",
}


def _label(content_type: str) -> str:
    if content_type in _TEXT_TYPES:
        return "text"
    return _LABELS.get(content_type, content_type)


def _looks_like_text(content: bytes) -> bool:
    """No binary signature was found: text has no NUL bytes and decodes (UTF-8, or a single-byte
    Windows/Latin-1 export such as a CSV from a spreadsheet)."""
    head = content[:65536]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # (a character cut at the end of the sample is fine)
            return not any(b < 0x20 and b not in b"\t\n\r\x0c" for b in head)
    return True


def attachment_type(name: str, declared: str, content: bytes, *, field: str) -> str:
    """The type of an attachment as its content shows it, or the refusal (naming the file) when the content
    is of no accepted type, or is not what its name or declared type say (a text file named ``.pdf``)."""
    declared = (declared or _UNKNOWN).split(";")[0].strip().lower() or _UNKNOWN
    if declared != _UNKNOWN and declared not in ALLOWED_ATTACHMENT_TYPES:
        raise ActionError(f"{name}: files of type {declared} are not accepted", field=field)
    by_name = mimetypes.guess_type(name, strict=False)[0]
    claims = [t for t in (declared, by_name) if t in ALLOWED_ATTACHMENT_TYPES]
    sniffed = filetype.guess_mime(content)
    if sniffed is not None:
        if sniffed not in _BINARY_TYPES:
            raise ActionError(f"{name}: its content is {sniffed}, which is not accepted", field=field)
        family = _ZIP_FAMILY if sniffed in _ZIP_FAMILY else {sniffed}
        for claim in claims:
            if claim not in family:
                raise ActionError(
                    f"{name} is named or sent as {_label(claim)} but its content is {_label(sniffed)}",
                    field=field,
                )
        # An Office file may be recognised only as the zip it is: keep the more exact type it was given.
        return next((c for c in claims if c in family and c != "application/zip"), sniffed)
    if not _looks_like_text(content):
        raise ActionError(
            f"{name}: its content is not of an accepted type (PDF, text, CSV, images, Office, zip)",
            field=field,
        )
    for claim in claims:
        if claim not in _TEXT_TYPES:
            raise ActionError(
                f"{name} is named or sent as {_label(claim)} but its content is text", field=field
            )
    return next((c for c in claims if c in _TEXT_TYPES), "text/plain")


_SEQ = Seq._meta.db_table
# Only the model's own table name is interpolated; the values are parameters.
_NEXT = (
    f"INSERT INTO {_SEQ} (prefix, last) VALUES (%s, 1) ON CONFLICT (prefix) "  # noqa: S608
    f"DO UPDATE SET last = {_SEQ}.last + 1 RETURNING last"
)


def channel_of(actor: Actor) -> str:
    """The conversation channel an actor's change arrived by."""
    return {
        "api": IntakeChannel.API,
        "email": IntakeChannel.EMAIL,
        "system": IntakeChannel.MONITORING,
    }.get(actor.channel, IntakeChannel.PORTAL)


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
    # @mentions reach those who may see it (records.mentions); an emailed reply is plain text, not Markdown.
    entry.mentions = None
    if actor.user is not None and entry.channel != "email":
        from busbar.records.mentions import notify

        entry.mentions = notify(entry=entry, record=record, author=actor.user, internal=internal)
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
    checked = []
    for index, (name, content_type, content) in enumerate(files):
        field = f"attachments[{index}]"
        if len(content) > max_bytes:
            raise ActionError(f"{name} is {len(content):,} bytes; the limit is {max_bytes:,}", field=field)
        checked.append((name, attachment_type(name, content_type, content, field=field), content))
    saved = []
    for name, content_type, content in checked:
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
