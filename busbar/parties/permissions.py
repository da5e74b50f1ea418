"""Who may do what with invitations. The only place these rules live.

Actions refuse with these functions; views and API endpoints use the same functions to decide what to
offer. Each takes the caller's :class:`~busbar.parties.queries.Scope` (or, for the invitee's own answers,
the signed-in user), never a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.parties.models import Invitation, MembershipRole, Organisation

if TYPE_CHECKING:
    from busbar.accounts.models import User
    from busbar.parties.queries import Scope


def can_invite(scope: Scope, organisation: Organisation) -> bool:
    """Administrators of the organisation, and platform administrators, invite people to it."""
    return scope.can_administer(organisation.pk)


def can_offer_role(scope: Scope, role: str) -> bool:
    """Only a platform administrator may offer (or grant) the platform administrator role."""
    return role != MembershipRole.PLATFORM_ADMIN or scope.is_platform_admin


def can_see_invitations(scope: Scope, organisation: Organisation) -> bool:
    """An organisation's invitations are read by its administrators and platform administrators only."""
    return scope.can_administer(organisation.pk)


def can_revoke(scope: Scope, invitation: Invitation) -> bool:
    """Withdrawing an invitation is for the same people who may send one."""
    return scope.can_administer(invitation.organisation_id)


def is_invitee(user: User | None, invitation: Invitation) -> bool:
    """The signed-in, active account whose email address the invitation was sent to."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.email or "").lower() == invitation.email
    )


def can_answer(user: User | None, invitation: Invitation) -> bool:
    """Accepting or declining as a signed-in person is for the invitee alone, while the offer is open."""
    return is_invitee(user, invitation) and invitation.is_open
