"""Who sees which requests and catalogue items (RQ-13: parties see only what their role entitles them to).

* **the desk** (analysts, operations managers) sees every request;
* **the requesting organisation**: its members see its requests, except access-management requests
  (the item has a fulfilment: new user, role change, removal, MFA reset, password reset), which only the
  requester and the organisation's administrators see;
* **a provider** sees the requests on which it has an approval or a task, whatever their state;
* nobody else sees a request (404).

The catalogue shows a person the active items of their audience (:func:`items_for`).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from busbar.parties.queries import scope_for


def _scope(user):
    if user is None or not user.is_authenticated:
        return None
    return scope_for(user)


def visible_to(user) -> QuerySet:
    from busbar.requests.models import Request, RequestApproval, RequestTask

    qs = Request.objects.select_related("record", "item", "organisation", "requester")
    scope = _scope(user)
    if scope is None:
        return qs.none()
    if scope.is_desk:
        return qs
    own = Q(organisation_id__in=scope.organisation_ids) & (
        Q(item__fulfilment="") | Q(requester_id=scope.user_id) | Q(organisation_id__in=scope.admin_of)
    )
    if not scope.resolver_for:
        return qs.filter(own)
    providers = scope.resolver_for
    has_task = Exists(RequestTask.objects.filter(request_id=OuterRef("pk"), organisation_id__in=providers))
    has_approval = Exists(
        RequestApproval.objects.filter(request_id=OuterRef("pk"), organisation_id__in=providers)
    )
    return qs.filter(own | has_task | has_approval)


def works_on(user, request) -> bool:
    """Who reads internal notes and works a request: the desk, and a provider with a task or approval
    on it."""
    scope = _scope(user)
    if scope is None:
        return False
    if scope.is_desk:
        return True
    if not scope.resolver_for:
        return False
    from busbar.requests.models import RequestApproval, RequestTask

    providers = scope.resolver_for
    return (
        RequestTask.objects.filter(request_id=request.pk, organisation_id__in=providers).exists()
        or RequestApproval.objects.filter(request_id=request.pk, organisation_id__in=providers).exists()
    )


def industry_roles_of(organisation_ids) -> set[str]:
    from busbar.parties.models import OrganisationRole

    return set(
        OrganisationRole.objects.filter(organisation_id__in=list(organisation_ids)).values_list(
            "role", flat=True
        )
    )


def items_for(user) -> QuerySet:
    """The active catalogue items this person may ask for (their audience), redirect items included. The
    catalogue is small (tens of items): the audience is matched in Python, then one filtered queryset."""
    from busbar.requests.models import CatalogueItem, ItemAudience

    qs = CatalogueItem.objects.filter(is_active=True)
    scope = _scope(user)
    if scope is None:
        return qs.none()
    if scope.is_desk or scope.is_platform_admin:
        return qs
    roles = industry_roles_of(scope.organisation_ids)
    allowed = []
    for pk, audience, item_roles, admins_only in qs.values_list(
        "pk", "audience", "industry_roles", "admins_only"
    ):
        if admins_only and not scope.admin_of:
            continue
        if (
            audience == ItemAudience.EVERYONE
            or audience == ItemAudience.PROVIDERS
            and scope.resolver_for
            or audience == ItemAudience.PARTICIPANTS
            and (not item_roles or roles & set(item_roles))
        ):
            allowed.append(pk)
    return qs.filter(pk__in=allowed)


#: How a request's history reads to those who do not work it (busbar.records.queries.redact_timeline).
TIMELINE = {
    "link_actions": frozenset({"request.raise", "request.link"}),
    "private_actions": frozenset({"request.note", "request.task_assign"}),
    "private_changes": frozenset(),
    "public_notes": frozenset({"request.approve", "request.reject", "request.fulfil", "request.cancel"}),
}
