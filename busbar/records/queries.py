"""Reads of the kernel tables, always through the record type's own visibility rule.

The caller has already been shown the record (through its type's ``visible_to``); these decide what of
its conversation, attachments, links and watchers the viewer reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.db.models.query import ModelIterable

from busbar.records import registry
from busbar.records.models import Attachment, Entry, Link, Watcher


def works_on(user, obj: Model) -> bool:
    """Works the record (the type decides: e.g. the desk and the assigned provider): reads internal notes."""
    return registry.get(obj.record.kind).works_on(user, obj)


def _shown_on(qs: QuerySet[Entry], obj: Model) -> QuerySet[Entry]:
    """``qs`` whose entries carry ``shown_on`` = ``obj`` (the typed record, already loaded) as they are
    read, kept through filter, order_by and slicing: renderers read the record without a query."""

    class OnRecordIterable(ModelIterable):
        def __iter__(self):
            for entry in super().__iter__():
                entry.shown_on = obj
                yield entry

    qs._iterable_class = OnRecordIterable
    return qs


def entries_visible_to(user, obj: Model) -> QuerySet[Entry]:
    """``obj``'s conversation as ``user`` reads it: internal notes only for those who work it."""
    qs = Entry.objects.filter(record_id=obj.record_id).select_related("author_organisation")
    qs = qs.prefetch_related(Prefetch("attachments", queryset=Attachment.objects.select_related("record")))
    return _shown_on(qs if works_on(user, obj) else qs.filter(is_internal=False), obj)


def attachments_visible_to(user, obj: Model) -> QuerySet[Attachment]:
    qs = Attachment.objects.filter(record_id=obj.record_id).select_related("record")
    return qs if works_on(user, obj) else qs.filter(is_internal=False)


def conversation_visible_to(user, obj: Model) -> tuple[list[Entry], list[Attachment]]:
    """``obj``'s entries (oldest first) and all its attachments as ``user`` reads them, in two queries.

    Each entry's ``attachments`` are filled from the one attachment read (as a prefetch would, so
    ``entry.attachments.all()`` costs nothing); the record-level ones are those with no entry.
    """
    sees_internal = works_on(user, obj)
    entries = Entry.objects.filter(record_id=obj.record_id).select_related("author_organisation", "author")
    if not sees_internal:
        entries = entries.filter(is_internal=False)
    entries = list(_shown_on(entries.order_by("created_at", "id"), obj))
    attachments = list(attachments_visible_to(user, obj).order_by("created_at", "id"))
    by_entry: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in attachments:
        attachment.record = obj.record
        if attachment.entry_id is not None:
            by_entry[attachment.entry_id].append(attachment)
    for entry in entries:
        primed = Attachment.objects.filter(entry=entry)
        primed._result_cache = by_entry.get(entry.pk, [])
        primed._prefetch_done = True
        entry._prefetched_objects_cache = {"attachments": primed}
    return entries, attachments


@dataclass(frozen=True)
class ShownLink:
    """A link as one side reads it: ``kind`` worded from this record's side, the other record typed."""

    link: Link
    outgoing: bool
    other: Model
    record_type: registry.RecordType

    @property
    def label(self) -> str:
        kind = Link.Kind(self.link.kind)
        if self.outgoing:
            return kind.label
        return INVERSE_LABELS.get(kind, kind.label)

    @property
    def url(self) -> str:
        return self.record_type.url(self.other.reference)

    @property
    def title(self) -> str:
        """The other record's one-line title (an incident's summary, an article's title)."""
        return title_of(self.other)

    @property
    def status(self) -> str:
        return getattr(self.other, "status", "")


def title_of(obj: Model) -> str:
    return getattr(obj, "summary", None) or getattr(obj, "title", None) or str(obj)


INVERSE_LABELS = {
    Link.Kind.DUPLICATE_OF: "Duplicated by",
    Link.Kind.CAUSED_BY: "Causes",
    Link.Kind.RELATED_TO: "Related to",
    Link.Kind.FIXED_BY: "Fixes",
    Link.Kind.DOCUMENTED_IN: "Documents",
}


def _visible_end(user, side: str) -> Q:
    """Links whose ``side`` (source or target) is a record ``user`` may see, whatever its type."""
    q = Q(pk__in=[])
    for record_type in registry.types():
        q |= Q(
            **{
                f"{side}__kind": record_type.kind,
                f"{side}_id__in": record_type.visible_to(user).values("record_id"),
            }
        )
    return q


def links_visible_to(user, obj: Model) -> list[ShownLink]:
    """``obj``'s links both ways, each shown only if ``user`` may see the record at the other end.

    One query whatever the number of links or types: each type's visibility rule is a subquery, and
    the typed records at both ends come through their reverse one-to-ones (named after their kinds)."""
    kinds = [t.kind for t in registry.types()]
    both = (
        Link.objects.filter(
            (Q(source_id=obj.record_id) & _visible_end(user, "target"))
            | (Q(target_id=obj.record_id) & _visible_end(user, "source"))
        )
        .select_related(
            "source", "target", *(f"target__{k}" for k in kinds), *(f"source__{k}" for k in kinds)
        )
        .order_by("created_at", "id")
    )
    shown = []
    for link in both:
        outgoing = link.source_id == obj.record_id
        other_record = link.target if outgoing else link.source
        other = getattr(other_record, other_record.kind)
        shown.append(ShownLink(link, outgoing, other, registry.get(other_record.kind)))
    return shown


def find_visible(user, reference: str) -> Model | None:
    """The record of any type named by ``reference`` if ``user`` may see it; None otherwise (including
    when it exists but is hidden: callers answer "not found" either way)."""
    normal = registry.normalise(reference)
    if normal is None:
        return None
    record_type = registry.for_reference(normal)
    return record_type.visible_to(user).filter(record__reference=normal).first()


def is_watching(user, obj: Model) -> bool:
    """Whether ``user`` follows ``obj``; read from :func:`with_watching`'s annotation when present."""
    annotated = getattr(obj, "watching", None)
    if annotated is not None:
        return bool(annotated)
    if not getattr(user, "is_authenticated", False):
        return False
    return Watcher.objects.filter(record_id=obj.record_id, user=user).exists()


def with_watching(qs: QuerySet, user) -> QuerySet:
    """``qs`` (of a record type) annotated with ``watching``: no extra query on the record's page."""
    if not getattr(user, "is_authenticated", False):
        return qs
    return qs.annotate(watching=Exists(Watcher.objects.filter(record_id=OuterRef("record_id"), user=user)))


def watcher_users(obj: Model) -> list:
    """The people following ``obj``; whoever sends them anything checks each one still sees it."""
    return [w.user for w in Watcher.objects.filter(record_id=obj.record_id).select_related("user")]


def watched_by(user, kind: str) -> QuerySet:
    """The records of type ``kind`` ``user`` follows and may still see."""
    record_type = registry.get(kind)
    ids = Watcher.objects.filter(user=user, record__kind=kind).values("record_id")
    return record_type.visible_to(user).filter(record_id__in=ids)


def without_hidden_links(user, entries: list, link_actions: set[str], pattern) -> list:
    """Timeline ``entries`` minus the link entries (``link_actions``) naming a record ``user`` may not see:
    a link must not reveal that the other record exists."""
    named = {m for e in entries if e.action in link_actions for m in pattern.findall(str(e.changes))}
    if not named:
        return entries
    visible: set[str] = set()
    by_type: dict = defaultdict(set)
    for reference in named:
        record_type = registry.for_reference(reference)
        if record_type is not None:
            by_type[record_type].add(reference)
    for record_type, references in by_type.items():
        visible |= set(
            record_type.visible_to(user)
            .filter(record__reference__in=references)
            .values_list("record__reference", flat=True)
        )
    return [
        e for e in entries if e.action not in link_actions or set(pattern.findall(str(e.changes))) <= visible
    ]


def linked_to_visible(user, *, kinds: tuple[str, ...]) -> Q:
    """Records (by ``record_id``) linked, either way, to a record of the types ``kinds`` that ``user`` may
    see: a participant sees the problem behind an incident they see. Only the types named count (a
    problem documented in a public article is not thereby public)."""
    q = Q(pk__in=[])
    for kind in kinds:
        seen = registry.get(kind).visible_to(user).values("record_id")
        q |= Q(Exists(Link.objects.filter(target_id=OuterRef("record_id"), source_id__in=seen)))
        q |= Q(Exists(Link.objects.filter(source_id=OuterRef("record_id"), target_id__in=seen)))
    return q


def redact_timeline(
    user,
    entries: list,
    *,
    works: bool,
    link_actions: frozenset[str],
    private_actions: frozenset[str] = frozenset(),
    private_changes: frozenset[str] = frozenset(),
    public_notes: frozenset[str] = frozenset(),
) -> list:
    """A record's journal ``entries`` as ``user`` may read them: link entries naming a record they may not
    see are left out; for those who do not work the record, ``private_actions`` are left out,
    ``private_changes`` keys removed and notes kept only on ``public_notes`` actions. Redacted in memory,
    for display: the journal is append-only and never saved from here."""
    entries = without_hidden_links(user, entries, set(link_actions), registry.reference_pattern())
    if works:
        return entries
    shown = []
    for e in entries:
        if e.action in private_actions:
            continue
        e.changes = {k: v for k, v in (e.changes or {}).items() if k not in private_changes}
        if e.action not in public_notes:
            e.note = ""
        shown.append(e)
    return shown


def timeline(user, obj: Model, *, works: bool) -> list:
    """``obj``'s history, redacted by its type's rules (``TIMELINE`` in the type's ``queries`` module)."""
    from busbar.audit.queries import timeline_for

    record_type = registry.get(obj.record.kind)
    rules = record_type.timeline_rules or {}
    entries = list(timeline_for(obj).select_related("actor"))
    return redact_timeline(user, entries, works=works, **rules)
