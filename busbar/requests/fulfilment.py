"""What approving an access-management request does (RQ-09, RQ-10): the item's ``fulfilment`` performed
through the parties and accounts actions, never around them.

:func:`perform` runs inside the approval that completes a request (``actions.requests.approve``), in its
transaction: if the account action refuses, the approval fails with that refusal and nothing is written.
It returns the note kept on the request (``fulfilment_note``). :func:`describe` says in words what
approving will do, for the approvers to read first.

Who acts:

* new user, change role, remove user: the requester, acting for the requesting organisation — the
  organisation's own administrator asked, so the change is theirs, and the parties rules (who may
  invite, which roles may be offered, nobody deactivates themselves) hold exactly as on their own
  members page. If they are no longer an administrator there, the approval is refused.
* reset MFA, password reset: the approving operator (the accounts rules: the operator's operations
  managers and platform administrators, never on their own account).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model

from busbar.accounts import actions as account_actions
from busbar.lib.actions import ActionError, Actor, Conflict
from busbar.parties import actions as party_actions
from busbar.parties.models import Membership, MembershipRole
from busbar.parties.queries import scope_for
from busbar.requests.models import Fulfilment

if TYPE_CHECKING:
    from busbar.accounts.models import User
    from busbar.requests.models import Request


def _role_label(role: Any) -> str:
    try:
        return str(MembershipRole(role).label)
    except ValueError:
        return str(role)


def _person_id(request: Request) -> int | None:
    value = (request.answers or {}).get("person")
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _membership(request: Request) -> Membership | None:
    """The active membership, in the requesting organisation, of the person the request is about."""
    person = _person_id(request)
    if person is None:
        return None
    return (
        Membership.objects.select_related("user", "organisation")
        .filter(user_id=person, organisation_id=request.organisation_id, is_active=True)
        .first()
    )


def _member(request: Request) -> Membership:
    membership = _membership(request)
    if membership is None:
        raise Conflict(
            f"The person this request is about is no longer a member of {request.organisation}; "
            "reject the request or ask the requester to raise a new one",
            field="person",
        )
    return membership


def _requester_actor(actor: Actor, request: Request) -> Actor:
    """The requester acting for the requesting organisation, through the approval's channel — refused
    when they may no longer administer it (they left, were demoted or switched off since asking)."""
    # Read afresh: their memberships may have changed since the request was loaded.
    requester = get_user_model().objects.filter(pk=request.requester_id).first()
    organisation = request.organisation
    # scope_for answers "no memberships" for an account switched off.
    if requester is None or not scope_for(requester).can_administer(organisation.pk):
        who = requester.display_name if requester is not None else "The requester"
        raise Conflict(
            f"{who} is no longer an administrator of {organisation}, so this change cannot be made in "
            "their name; reject the request and ask a current administrator to raise it again",
            field="requester",
        )
    return Actor(user=requester, organisation=organisation, channel=actor.channel)


def _subject(request: Request) -> User:
    """Whom a password reset is for: the person named, or else the requester."""
    if _person_id(request) is not None:
        return _member(request).user
    if request.requester is None:
        raise ActionError("The request names nobody to send the password reset to", field="person")
    return request.requester


def perform(*, actor: Actor, request: Request) -> str:
    """Do what the request's item fulfils, as described in the module's docstring; the note says what was
    done. Raises the account action's refusal (an ``ActionError``) when it cannot be done."""
    kind = request.item.fulfilment
    answers = request.answers or {}
    if kind == Fulfilment.NEW_USER:
        invitation = party_actions.invite_user(
            actor=_requester_actor(actor, request),
            organisation=request.organisation,
            email=str(answers.get("email") or ""),
            role=str(answers.get("role") or ""),
            full_name=str(answers.get("full_name") or ""),
        )
        return (
            f"Invitation sent to {invitation.email} as {_role_label(invitation.role)} "
            f"in {request.organisation}"
        )
    if kind == Fulfilment.CHANGE_ROLE:
        as_requester = _requester_actor(actor, request)
        membership = _member(request)
        before = membership.role
        changed = party_actions.change_membership_role(
            actor=as_requester, membership=membership, role=str(answers.get("role") or "")
        )
        return (
            f"{changed.user.display_name}'s role changed from {_role_label(before)} "
            f"to {_role_label(changed.role)}"
        )
    if kind == Fulfilment.REMOVE_USER:
        as_requester = _requester_actor(actor, request)
        membership = _member(request)
        party_actions.set_membership_active(actor=as_requester, membership=membership, active=False)
        return f"{membership.user.display_name} removed from {request.organisation}"
    if kind == Fulfilment.RESET_MFA:
        person = _member(request).user
        removed = account_actions.reset_second_factor(
            actor=actor, user=person, reason=f"Approved request {request.reference}"
        )
        return (
            f"{removed} authenticator{'s' * (removed != 1)} removed; "
            f"{person.display_name} must enrol again at next sign-in"
        )
    if kind == Fulfilment.PASSWORD_RESET:
        person = _subject(request)
        account_actions.send_password_reset(actor=actor, user=person)
        return f"Password reset link sent to {person.email}"
    return ""


def describe(request: Request) -> str:
    """What approving (the last approval) will do, in words; empty when the item fulfils nothing itself."""
    kind = request.item.fulfilment
    answers = request.answers or {}
    organisation = request.organisation
    if kind == Fulfilment.NEW_USER:
        requester = request.requester.display_name if request.requester is not None else "the requester"
        return (
            f"Approving invites {answers.get('email', '')} to {organisation} as "
            f"{_role_label(answers.get('role', ''))}, in the name of {requester}; they join when they "
            "accept the emailed invitation."
        )
    if kind in (Fulfilment.CHANGE_ROLE, Fulfilment.REMOVE_USER, Fulfilment.RESET_MFA) or (
        kind == Fulfilment.PASSWORD_RESET and _person_id(request) is not None
    ):
        membership = _membership(request)
        if membership is None:
            return (
                f"The person this request is about is no longer a member of {organisation}: "
                "approving will be refused."
            )
        name = membership.user.display_name
        if kind == Fulfilment.CHANGE_ROLE:
            return (
                f"Approving changes {name}'s role in {organisation} from {_role_label(membership.role)} "
                f"to {_role_label(answers.get('role', ''))}."
            )
        if kind == Fulfilment.REMOVE_USER:
            return (
                f"Approving removes {name} from {organisation}; with no other membership left they are "
                "signed out everywhere and can no longer sign in."
            )
        if kind == Fulfilment.RESET_MFA:
            return (
                f"Approving removes every second factor of {name} (authenticator apps, security keys, "
                "recovery codes), signs them out everywhere, and obliges them to set one up again at "
                "their next sign-in. Only the operator's operations managers and platform "
                "administrators can approve it."
            )
        return f"Approving emails {name} ({membership.user.email}) a link to choose a new password."
    if kind == Fulfilment.PASSWORD_RESET:
        who = request.requester
        target = f"{who.display_name} ({who.email})" if who is not None else "the requester"
        return f"Approving emails {target} a link to choose a new password."
    return ""
