"""Articles offered to whoever raises or works an incident: those matching what they typed (its summary),
on its service or on every service (seed 001 §8.2, §11.23: first-line resolution from knowledge)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from busbar.knowledge import queries, search
from busbar.knowledge.models import Status
from busbar.records import registry
from busbar.records.models import Link
from busbar.records.registry import Suggestion

#: At most this many articles are offered at once.
SHOWN = 3
#: Fewer characters than this say too little to search by.
MIN_TEXT = 3


def articles(user, *, service, obj=None, text: str = "") -> list[Suggestion]:
    """Published articles ``user`` may read matching ``text`` (or, for an existing record ``obj``, its
    summary), best first; for ``obj``, those not yet linked to it, with a one-step link for whoever
    works it."""
    text = text or (getattr(obj, "summary", "") if obj is not None else "")
    if len(text.strip()) < MIN_TEXT:
        return []
    qs = queries.visible_to(user).filter(status=Status.PUBLISHED)
    if service is not None:
        qs = qs.filter(Q(service=service) | Q(service__isnull=True))
    if obj is not None:
        qs = qs.exclude(Exists(Link.objects.filter(source_id=obj.record_id, target_id=OuterRef("record_id"))))
        qs = qs.exclude(Exists(Link.objects.filter(target_id=obj.record_id, source_id=OuterRef("record_id"))))
    found = search.Results(qs, text, any_word=True, prefix=obj is None, cap=search.SUGGEST_CAP)[:SHOWN]
    # Whoever works the record may link it (records.permissions.can_link; the articles are visible).
    can = obj is not None and bool(found) and registry.get(obj.record.kind).works_on(user, obj)
    return [
        Suggestion(
            kind="article",
            reference=a.reference,
            title=a.title,
            detail=a.summary,
            url=reverse("article_detail", args=[a.reference]),
            heading="Knowledge articles that may answer it",
            link_url=reverse("record_link", args=[obj.reference]) if can else None,
            link_fields=(("target", a.reference), ("kind", Link.Kind.DOCUMENTED_IN)) if can else (),
        )
        for a in found
    ]
