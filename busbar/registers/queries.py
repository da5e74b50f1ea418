"""Who sees the registers (SL-07, SL-08): operational registers, not published to participants.

* **the desk** (analysts, operations managers) sees every risk, improvement and service review;
* **a provider** sees the items its organisation owns or raised and the items on its services, and its
  own service reviews;
* **participants** see none of them (404)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from busbar.parties.queries import scope_for


def _provider_ids(scope) -> frozenset[int]:
    return frozenset(scope.resolver_for) | frozenset(scope.admin_of)


def _items(model, user) -> QuerySet:
    qs = model.objects.select_related("record", "organisation", "owner")
    if user is None or not user.is_authenticated:
        return qs.none()
    scope = scope_for(user)
    if scope.is_desk:
        return qs
    providers = _provider_ids(scope)
    if not providers:
        return qs.none()
    on_their_services = Exists(
        model.services.through.objects.filter(
            **{f"{model._meta.model_name}_id": OuterRef("pk")}, service__provider_id__in=providers
        )
    )
    return qs.filter(Q(organisation_id__in=providers) | on_their_services)


def risks_visible_to(user) -> QuerySet:
    from busbar.registers.models import Risk

    return _items(Risk, user)


def improvements_visible_to(user) -> QuerySet:
    from busbar.registers.models import Improvement

    return _items(Improvement, user)


def reviews_visible_to(user) -> QuerySet:
    from busbar.registers.models import ServiceReview

    qs = ServiceReview.objects.select_related("provider", "chair")
    if user is None or not user.is_authenticated:
        return qs.none()
    scope = scope_for(user)
    if scope.is_desk:
        return qs
    return qs.filter(provider_id__in=_provider_ids(scope))


def works_on(user, item) -> bool:
    """Who reads internal notes and works an item: the desk, and the owning provider."""
    if user is None or not user.is_authenticated:
        return False
    scope = scope_for(user)
    return scope.is_desk or item.organisation_id in _provider_ids(scope)


#: How an item's history reads to those who do not work it (busbar.records.queries.redact_timeline):
#: only the desk and the owning organisation work an item, and they read it all; others who see it (a
#: provider whose service it bears on) do not read internal notes.
TIMELINE = {
    "link_actions": frozenset({"risk.raise", "risk.link", "improvement.raise", "improvement.link"}),
    "private_actions": frozenset({"risk.note", "improvement.note"}),
    "private_changes": frozenset(),
    "public_notes": frozenset({"risk.status", "risk.review", "improvement.status", "improvement.review"}),
}


def history(user, item, *, works: bool) -> list:
    """The item's journal as ``user`` may read it (link entries naming a hidden record left out)."""
    from busbar.audit.queries import timeline_for
    from busbar.records.queries import redact_timeline

    entries = list(timeline_for(item).select_related("actor"))
    return redact_timeline(user, entries, works=works, **TIMELINE)


def with_action_counts(qs: QuerySet) -> QuerySet:
    """Service reviews with ``open_actions`` and ``all_actions`` counted in the same query."""
    from django.db.models import Count

    return qs.annotate(
        all_actions=Count("actions", distinct=True),
        open_actions=Count("actions", filter=Q(actions__status="open"), distinct=True),
    )


def review_history(review) -> list:
    """The review's journal and its actions' (read by those who see the review: desk and its provider)."""
    from django.contrib.contenttypes.models import ContentType

    from busbar.audit.models import AuditEntry
    from busbar.registers.models import ReviewAction

    action_ids = [str(pk) for pk in review.actions.values_list("pk", flat=True)]
    review_type = ContentType.objects.get_for_model(review, for_concrete_model=False)
    action_type = ContentType.objects.get_for_model(ReviewAction, for_concrete_model=False)
    return list(
        AuditEntry.objects.filter(
            Q(record_type=review_type, record_id=str(review.pk))
            | Q(record_type=action_type, record_id__in=action_ids)
        )
        .select_related("actor")
        .order_by("at", "id")[:200]
    )


def reads_registers(user) -> bool:
    """Whether the registers' pages exist for ``user``: the desk and providers' resolvers (a participant
    is answered "not found", as for any record it may not see)."""
    if user is None or not user.is_authenticated:
        return False
    scope = scope_for(user)
    return scope.is_desk or scope.is_resolver
