"""Who sees demand notices (RQ-15…RQ-18).

* **the desk** sees every notice and the tolerances;
* **the filing organisation**'s members see its own notices (and the operator's analysis and requests);
* **a provider** sees the notices with a line on one of its services once the operator has notified the
  affected providers (the bulletin), and the notices it filed itself;
* nobody else sees a notice (404).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from busbar.parties.queries import scope_for


def visible_to(user) -> QuerySet:
    from busbar.demand.models import DemandLine, DemandNotice

    qs = DemandNotice.objects.select_related("record", "organisation", "filed_by")
    if user is None or not user.is_authenticated:
        return qs.none()
    scope = scope_for(user)
    if scope.is_desk:
        return qs
    own = Q(organisation_id__in=scope.organisation_ids)
    if not scope.resolver_for:
        return qs.filter(own)
    on_their_services = Exists(
        DemandLine.objects.filter(notice_id=OuterRef("pk"), service__provider_id__in=scope.resolver_for)
    )
    return qs.filter(own | (Q(providers_notified_at__isnull=False) & on_their_services))


def works_on(user, notice) -> bool:
    """Only the desk works a notice (reads internal notes, analyses, notifies, closes)."""
    if user is None or not user.is_authenticated:
        return False
    return scope_for(user).is_desk


TIMELINE = {
    "link_actions": frozenset({"demand.file", "demand.link"}),
    "private_actions": frozenset({"demand.note"}),
    "private_changes": frozenset(),
    "public_notes": frozenset({"demand.status", "demand.mitigation", "demand.compliance"}),
}


def lines_visible_to(user) -> QuerySet:
    """The notice lines ``user`` may read on a notice they see: the desk and the filer every line; an
    affected provider only the lines on its own services (another provider's volumes are not its business)."""
    from busbar.demand.models import DemandLine

    qs = DemandLine.objects.select_related("service", "service__provider")
    if user is None or not user.is_authenticated:
        return qs.none()
    scope = scope_for(user)
    if scope.is_desk:
        return qs
    return qs.filter(
        Q(notice__organisation_id__in=scope.organisation_ids) | Q(service__provider_id__in=scope.resolver_for)
    )
