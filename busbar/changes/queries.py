"""Who sees which Change Notifications, and which of their parts (CH-08, CH-10).

- The desk (central roles) sees every change, drafts included.
- A provider sees all of its own changes, drafts included, and works on them.
- CCG members (each provider's empowered representative) see every change once submitted: they review
  them, with their conflicts, consultations and decisions.
- An organisation asked to assess a change's impact sees that change once submitted, and only its own
  consultation.
- Every signed-in participant reads the published changes (accepted onwards: the forward schedule of
  change), without the provider's internal fields (team, back-out plan, risk, who raised it).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from busbar.changes.models import (
    PUBLISHED,
    Bulletin,
    CcgMeeting,
    CcgMember,
    ChangeNotification,
    ChangeStatus,
    Consultation,
)
from busbar.parties.queries import scope_for

#: Fields read only by those who review the change (the desk, its provider, the CCG).
INTERNAL_FIELDS = frozenset(
    {"team", "backout_plan", "risk", "raised_by", "emergency_reason", "conflicts", "consultations"}
)

#: How a change's history reads to those who do not work it (busbar.records.queries.redact_timeline).
TIMELINE = {
    "link_actions": frozenset({"change.link"}),
    "private_actions": frozenset({"change.note", "change.edit", "change.consult", "change.consultation"}),
    "private_changes": frozenset({"team", "backout_plan", "risk", "emergency_reason"}),
    "public_notes": frozenset(
        {
            "change.accept",
            "change.reschedule",
            "change.start",
            "change.complete",
            "change.fail",
            "change.back_out",
            "change.cancel",
            "change.review",
        }
    ),
}


def is_ccg_member(user) -> bool:
    scope = scope_for(user)
    if not scope.is_authenticated:
        return False
    cached = getattr(user, "_busbar_ccg", None)
    if cached is None:
        cached = CcgMember.objects.filter(user_id=scope.user_id, is_active=True).exists()
        user._busbar_ccg = cached
    return cached


def visible_to(user) -> QuerySet[ChangeNotification]:
    scope = scope_for(user)
    qs = ChangeNotification.objects.select_related("record", "provider")
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    # The CCG membership is asked inside the same statement (no query of its own: every record type's
    # visibility is asked on pages of other types, e.g. for links).
    reviewer = Exists(CcgMember.objects.filter(user_id=scope.user_id, is_active=True))
    rule = (
        Q(provider_id__in=scope.organisation_ids)
        | Q(status__in=PUBLISHED)
        | (Q(reviewer) & ~Q(status=ChangeStatus.DRAFT))
    )
    if scope.organisation_ids:
        consulted = Consultation.objects.filter(
            change_id=OuterRef("pk"), organisation_id__in=scope.organisation_ids
        )
        rule |= Q(Exists(consulted)) & ~Q(status=ChangeStatus.DRAFT)
    return qs.filter(rule)


def works_on(user, change: ChangeNotification) -> bool:
    """The desk and the change's provider: internal notes, edits, the implementation."""
    scope = scope_for(user)
    return scope.is_central or change.provider_id in scope.organisation_ids


def reviews(user, change: ChangeNotification) -> bool:
    """Those who read the review: the desk, the provider and the CCG's members."""
    return works_on(user, change) or is_ccg_member(user)


def field_visible(user, change: ChangeNotification, field: str) -> bool:
    return field not in INTERNAL_FIELDS or reviews(user, change)


def fsc(user) -> QuerySet[ChangeNotification]:
    """The forward schedule of change: the published changes the user may see (every participant)."""
    return visible_to(user).filter(status__in=PUBLISHED)


def consultations_visible_to(user, change: ChangeNotification) -> QuerySet[Consultation]:
    """All of a change's consultations for those who review it; otherwise the viewer's own."""
    qs = Consultation.objects.filter(change=change).select_related("organisation", "responded_by")
    if reviews(user, change):
        return qs
    scope = scope_for(user)
    return qs.filter(organisation_id__in=scope.organisation_ids)


def my_consultations(user) -> QuerySet[Consultation]:
    """Consultations addressed to the user's organisations, on changes they may see."""
    scope = scope_for(user)
    if not scope.is_authenticated:
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(organisation_id__in=scope.organisation_ids)
        .exclude(change__status=ChangeStatus.DRAFT)
        .select_related("change", "organisation")
    )


def meetings_visible_to(user) -> QuerySet[CcgMeeting]:
    """CCG meetings: the desk and the CCG's members."""
    scope = scope_for(user)
    if scope.is_central or is_ccg_member(user):
        return CcgMeeting.objects.all()
    return CcgMeeting.objects.none()


def members_visible_to(user) -> QuerySet[CcgMember]:
    scope = scope_for(user)
    qs = CcgMember.objects.select_related("organisation", "user")
    if scope.is_central or is_ccg_member(user):
        return qs
    return qs.none()


def bulletins_visible_to(user) -> QuerySet[Bulletin]:
    """Bulletins are published to every signed-in participant (they are about published changes and
    service status)."""
    return Bulletin.objects.all() if scope_for(user).is_authenticated else Bulletin.objects.none()
