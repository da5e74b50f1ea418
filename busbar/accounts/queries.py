"""Reads of users and API tokens, always through the visibility rule."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from busbar.accounts.models import ApiToken, SavedFilter, User
from busbar.parties.models import Membership
from busbar.parties.queries import scope_for


def users_visible_to(user: User | None) -> QuerySet[User]:
    """People in the viewer's organisations; everyone for central roles."""
    scope = scope_for(user)
    if not scope.is_authenticated:
        return User.objects.none()
    if scope.is_central:
        return User.objects.all()
    shares_org = Membership.objects.filter(user=OuterRef("pk"), organisation_id__in=scope.organisation_ids)
    return User.objects.filter(Exists(shares_org))


def api_tokens_visible_to(user: User | None) -> QuerySet[ApiToken]:
    """A token is only ever visible to its owner — administrators included."""
    if user is None or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)


def saved_filters_visible_to(user: User | None) -> QuerySet[SavedFilter]:
    """A saved filter is personal: only its owner sees it."""
    if user is None or not user.is_authenticated:
        return SavedFilter.objects.none()
    return SavedFilter.objects.filter(user=user)


def saved_filters(user: User | None, list_key: str) -> list[SavedFilter]:
    """The viewer's saved filters of one list, by name."""
    return list(saved_filters_visible_to(user).filter(list_key=list_key).order_by("name", "id"))


def saveable_lists() -> frozenset[str]:
    """The lists filters may be saved for: the pages in the navigation (by URL name)."""
    from busbar.lib import registry

    return frozenset(e.url for e in registry.nav_entries() if not e.url.startswith("/"))
