"""Who may manage organisations, memberships and invitations. The only place these rules live.

Actions refuse with these functions; views and API endpoints use the same functions to decide what to
offer. Each takes the caller's :class:`~busbar.parties.queries.Scope` (or, for the invitee's own answers,
the signed-in user), never a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.parties.models import Invitation, InvitationStatus, MembershipRole, Organisation

if TYPE_CHECKING:
    from busbar.accounts.models import User
    from busbar.parties.queries import Scope


def can_manage_organisations(scope: Scope) -> bool:
    """Creating, changing and switching off organisations is for platform administrators."""
    return scope.is_platform_admin


def can_manage_members(scope: Scope, organisation: Organisation | int) -> bool:
    """Changing roles and switching memberships off: the organisation's administrators and platform admins."""
    return scope.can_administer(organisation if isinstance(organisation, int) else organisation.pk)


def can_invite(scope: Scope, organisation: Organisation) -> bool:
    """Administrators of the organisation, and platform administrators, invite people to it."""
    return scope.can_administer(organisation.pk)


def can_offer_role(scope: Scope, role: str) -> bool:
    """Only a platform administrator may offer (or grant) the platform administrator role."""
    return role != MembershipRole.PLATFORM_ADMIN or scope.is_platform_admin


def invitation_is_backed(inviter_scope: Scope | None, invitation: Invitation) -> bool:
    """An invitation grants its role only while whoever sent it may still invite people to that
    organisation and offer that role: an administrator who was removed or demoted since cannot grant a
    role through an invitation still pending. ``inviter_scope`` is ``None`` for an invitation Busbar itself
    sent (set-up commands; no inviter): it stands for any role but platform administrator, which only a
    person who is one may offer."""
    if inviter_scope is None:
        return invitation.role != MembershipRole.PLATFORM_ADMIN
    return can_invite(inviter_scope, invitation.organisation) and can_offer_role(
        inviter_scope, invitation.role
    )


def can_read_invited_addresses(scope: Scope, organisation_id: int | None) -> bool:
    """Who learns which addresses an organisation invited: its administrators and platform administrators.
    The desk and everyone else do not, neither from the invitations nor from the journal's
    ``invitation.*`` entries (which are redacted for them when read; see busbar.audit.queries)."""
    return organisation_id is not None and scope.can_administer(organisation_id)


def can_see_invitations(scope: Scope, organisation: Organisation) -> bool:
    """An organisation's invitations are read by its administrators and platform administrators only."""
    return can_read_invited_addresses(scope, organisation.pk)


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
    """Accepting or declining as a signed-in person is for the invitee alone, while the offer is open
    (the status check itself is :meth:`Invitation.may_become`)."""
    return is_invitee(user, invitation) and invitation.may_become(InvitationStatus.ACCEPTED)
