"""Reads of users and API tokens, always through the visibility rule."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from busbar.accounts.models import ApiToken, User
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
