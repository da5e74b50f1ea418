"""Who may manage organisations, memberships and invitations. The only place these rules live.

Actions refuse with these functions; views and API endpoints use the same functions to decide what to
offer. Each takes the caller's :class:`~busbar.parties.queries.Scope` (or, for the invitee's own answers,
the signed-in user), never a request. ``can_<verb>`` answers None (allowed) or the reason it is refused;
``is_<relation>`` and ``invitation_is_backed`` are plain predicates the rules are made of.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.parties.models import Invitation, InvitationStatus, MembershipRole, Organisation

if TYPE_CHECKING:
    from busbar.accounts.models import User
    from busbar.parties.queries import Scope


def _not_admin(organisation: Organisation | int) -> str:
    name = "this organisation" if isinstance(organisation, int) else str(organisation)
    return f"You are not an administrator of {name}"


def can_manage_organisations(scope: Scope) -> str | None:
    """Creating, changing and switching off organisations is for platform administrators."""
    return None if scope.is_platform_admin else "Only a platform administrator can manage organisations"


def can_manage_members(scope: Scope, organisation: Organisation | int) -> str | None:
    """Changing roles and switching memberships off: the organisation's administrators and platform admins."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return None if scope.can_administer(organisation_id) else _not_admin(organisation)


def can_invite(scope: Scope, organisation: Organisation) -> str | None:
    """Administrators of the organisation, and platform administrators, invite people to it."""
    return None if scope.can_administer(organisation.pk) else _not_admin(organisation)


def can_offer_role(scope: Scope, role: str) -> str | None:
    """Only a platform administrator may offer (or grant) the platform administrator role."""
    if role != MembershipRole.PLATFORM_ADMIN or scope.is_platform_admin:
        return None
    return "Only a platform administrator can appoint another"


def can_add_directly(is_system: bool) -> str | None:
    """Adding a person without their consent is for Busbar itself (demo data, set-up commands); people
    join by accepting an invitation."""
    return None if is_system else "People join an organisation by accepting an invitation"


def invitation_is_backed(inviter_scope: Scope | None, invitation: Invitation) -> bool:
    """An invitation grants its role only while whoever sent it may still invite people to that
    organisation and offer that role: an administrator who was removed or demoted since cannot grant a
    role through an invitation still pending. ``inviter_scope`` is ``None`` for an invitation Busbar itself
    sent (set-up commands; no inviter): it stands for any role but platform administrator, which only a
    person who is one may offer."""
    if inviter_scope is None:
        return invitation.role != MembershipRole.PLATFORM_ADMIN
    return (
        can_invite(inviter_scope, invitation.organisation) is None
        and can_offer_role(inviter_scope, invitation.role) is None
    )


def can_read_invited_addresses(scope: Scope, organisation_id: int | None) -> str | None:
    """Who learns which addresses an organisation invited: its administrators and platform administrators.
    The desk and everyone else do not, neither from the invitations nor from the journal's
    ``invitation.*`` entries (which are redacted for them when read; see busbar.audit.queries)."""
    if organisation_id is not None and scope.can_administer(organisation_id):
        return None
    return "Only the organisation's administrators see whom it invited"


def can_see_invitations(scope: Scope, organisation: Organisation) -> str | None:
    """An organisation's invitations are read by its administrators and platform administrators only."""
    return can_read_invited_addresses(scope, organisation.pk)


def can_revoke(scope: Scope, invitation: Invitation) -> str | None:
    """Withdrawing an invitation is for the same people who may send one."""
    if scope.can_administer(invitation.organisation_id):
        return None
    return _not_admin(invitation.organisation)


def is_invitee(user: User | None, invitation: Invitation) -> bool:
    """The signed-in, active account whose email address the invitation was sent to."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.email or "").lower() == invitation.email
    )


def can_answer(user: User | None, invitation: Invitation) -> str | None:
    """Accepting or declining as a signed-in person is for the invitee alone, while the offer is open
    (the status check itself is :meth:`Invitation.may_become`)."""
    if not is_invitee(user, invitation):
        return "This invitation was sent to another address"
    if not invitation.may_become(InvitationStatus.ACCEPTED):
        return "This invitation is no longer open"
    return None


WRONG_ACCOUNT = (
    "This invitation is for a different account. Sign out, then open the link again and sign in with the "
    "email address the invitation was sent to."
)
SECURITY_KEY_ONLY = (
    "This account is protected by a security key, which this page cannot check. Ask your organisation "
    "administrator, or the platform administrator, to restore your access."
)


def can_answer_as(user: User, invitation: Invitation) -> str | None:
    """A signed-in person answers an invitation only if it was sent to their own address."""
    return None if is_invitee(user, invitation) else WRONG_ACCOUNT


def can_answer_by_link(holds_link: bool) -> str | None:
    """Someone not signed in answers only with the emailed link (its secret proves they own the address)."""
    return None if holds_link else "Open the link in your invitation email to answer it"


def can_prove_on_a_page(second_factor: str) -> str | None:
    """A switched-off account is switched back on by its owner proving it on the invitation page: which
    cannot check a security key (``second_factor``: busbar.parties.queries.SECOND_FACTOR_*)."""
    from busbar.parties.queries import SECOND_FACTOR_SECURITY_KEY

    return SECURITY_KEY_ONLY if second_factor == SECOND_FACTOR_SECURITY_KEY else None


#: The roles whose people keep and use their organisation's canned responses: the desk's analysts and
#: operations managers, a provider's resolvers (and a provider's administrators, below).
CANNED_ROLES = frozenset({MembershipRole.ANALYST, MembershipRole.OPERATIONS, MembershipRole.RESOLVER})


def can_manage_canned(scope: Scope, organisation: Organisation | int) -> str | None:
    """An organisation's canned responses are kept (and picked) by its desk people (analysts, operations
    managers) or, at a provider, its resolvers and administrators. Participants have none: their replies
    are their own words."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    for m in scope.memberships:
        if m.organisation_id != organisation_id:
            continue
        if m.role in CANNED_ROLES or (m.role == MembershipRole.ORG_ADMIN and m.organisation.is_provider):
            return None
    return "Canned responses are kept by the service desk and providers, for their own organisation"
