"""What the Change Co-ordination Group has to look at (CH-01, CH-03): a meeting's agenda is generated from
the changes awaiting review, the emergency changes awaiting their retrospective review and the major
changes implemented without their post-implementation review, nearest first. Building blocks for the CCG
actions (``actions/ccg.py``) and the pages that preview an agenda; nothing here journals."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet

from busbar.changes.models import (
    AWAITING_REVIEW,
    IMPLEMENTED,
    CcgAgendaItem,
    CcgMeeting,
    ChangeNotification,
    ChangeStatus,
    ChangeType,
)
from busbar.lib.actions import require_action

#: Why a change is on the agenda (``CcgAgendaItem.purpose``).
REVIEW = "review"
LATE_EXCEPTION = "late exception"
RETROSPECTIVE = "retrospective review"
POST_IMPLEMENTATION = "post-implementation"
PURPOSES = (REVIEW, LATE_EXCEPTION, RETROSPECTIVE, POST_IMPLEMENTATION)

#: At most this many items on one agenda (the nearest first); the rest wait for the next meeting.
MAX_ITEMS = 200


@dataclass(frozen=True)
class Item:
    change: ChangeNotification
    purpose: str


def _awaiting_pir() -> Q:
    return (
        Q(change_type=ChangeType.MAJOR, pir_completed_at__isnull=True)
        & Q(status__in=IMPLEMENTED)
        & ~Q(status=ChangeStatus.REVIEWED)
    )


def due_q() -> Q:
    """The changes the CCG has to look at now."""
    return (
        Q(status__in=AWAITING_REVIEW)
        | Q(change_type=ChangeType.EMERGENCY, retrospective_review_due=True)
        | _awaiting_pir()
    )


def purpose_of(change: ChangeNotification) -> str:
    """Why ``change`` is (or would be) on the agenda; a change awaiting review first."""
    if change.status in AWAITING_REVIEW:
        return LATE_EXCEPTION if change.is_late and not change.is_emergency else REVIEW
    if change.is_emergency and change.retrospective_review_due:
        return RETROSPECTIVE
    return POST_IMPLEMENTATION


def due(*, limit: int = MAX_ITEMS) -> list[Item]:
    """What a new agenda holds: the changes due for the CCG, by planned start, at most ``limit``."""
    changes = (
        ChangeNotification.objects.filter(due_q())
        .exclude(status__in=(ChangeStatus.DRAFT, ChangeStatus.CANCELLED, ChangeStatus.REJECTED))
        .select_related("record", "provider")
        .order_by("planned_start", "id")[:limit]
    )
    return [Item(change=c, purpose=purpose_of(c)) for c in changes]


def next_number() -> int:
    """The number of the next CCG meeting: one more than the highest so far."""
    return (CcgMeeting.objects.aggregate(top=Max("number"))["top"] or 0) + 1


def build(meeting: CcgMeeting) -> list[CcgAgendaItem]:
    """Write ``meeting``'s agenda afresh: what is due now, plus the changes already decided at this meeting
    (they keep their place and purpose, so the agenda remains the record of what was discussed).
    Called inside an action."""
    require_action("agenda.build")
    kept = {
        item.change_id: item
        for item in CcgAgendaItem.objects.filter(
            meeting=meeting, change__decisions__meeting=meeting
        ).select_related("change")
    }
    items = [Item(change=i.change, purpose=i.purpose) for i in kept.values()]
    items += [i for i in due() if i.change.pk not in kept]
    items.sort(key=lambda i: (i.change.planned_start, i.change.pk))
    items = items[: max(MAX_ITEMS, len(kept))]
    CcgAgendaItem.objects.filter(meeting=meeting).delete()
    return CcgAgendaItem.objects.bulk_create(
        CcgAgendaItem(meeting=meeting, change=i.change, order=n, purpose=i.purpose)
        for n, i in enumerate(items, start=1)
    )


def items_of(meeting: CcgMeeting) -> QuerySet[CcgAgendaItem]:
    """``meeting``'s agenda in order, with each change and its provider (one query)."""
    return (
        CcgAgendaItem.objects.filter(meeting=meeting)
        .select_related("change", "change__provider", "change__record")
        .order_by("order")
    )
