"""Every change to organisations, memberships and invitations: each is one transaction, journalled."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from busbar.accounts.models import hash_token
from busbar.audit.journal import diff, record, snapshot
from busbar.lib.actions import (
    ActionError,
    Actor,
    Channel,
    Conflict,
    IllegalTransition,
    NotPermitted,
    action,
    check_transition,
)
from busbar.parties.models import (
    INVITATION_TRANSITIONS,
    OPERATOR_ROLES,
    Identifier,
    IdentifierScheme,
    IndustryRole,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationRole,
)
from busbar.parties.permissions import can_invite, can_offer_role, can_revoke, is_invitee
from busbar.parties.queries import forget_scope, scope_for

if TYPE_CHECKING:
    from busbar.accounts.models import User

ORG_FIELDS = ("name", "slug", "description", "contact_email", "is_active")
#: Roles only the central operator's own people may hold.
OPERATOR_ONLY_ROLES = frozenset(
    {MembershipRole.ANALYST, MembershipRole.OPERATIONS, MembershipRole.PLATFORM_ADMIN}
)


def _require_platform_admin(actor: Actor) -> None:
    if actor.user is not None and not scope_for(actor.user).is_platform_admin:
        raise NotPermitted("Only a platform administrator can manage organisations")


def _require_org_admin(actor: Actor, organisation: Organisation) -> None:
    if actor.user is not None and not scope_for(actor.user).can_administer(organisation.pk):
        raise NotPermitted(f"You are not an administrator of {organisation}")


def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned = []
    for role in roles:
        if role not in IndustryRole.values:
            raise ActionError(f"Unknown industry role {role!r}", field="roles")
        cleaned.append(role)
    if not cleaned:
        raise ActionError("An organisation needs at least one industry role", field="roles")
    return sorted(set(cleaned))


def _valid_email(value: str, *, field: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise ActionError(f"{value!r} is not a valid email address", field=field) from None
    return value


def _clean_identifiers(identifiers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned = []
    for scheme, value in identifiers:
        if scheme not in IdentifierScheme.values:
            raise ActionError(f"Unknown identifier scheme {scheme!r}", field="identifiers")
        value = value.strip().upper()
        if not value:
            raise ActionError(f"The {scheme} identifier is empty", field="identifiers")
        cleaned.append((scheme, value))
    return sorted(set(cleaned))


def _org_state(org: Organisation) -> dict:
    state = snapshot(org, ORG_FIELDS)
    state["roles"] = sorted(org.roles.values_list("role", flat=True))
    state["identifiers"] = sorted(f"{s}:{v}" for s, v in org.identifiers.values_list("scheme", "value"))
    return state


def _write_roles_and_identifiers(
    org: Organisation, roles: list[str] | None, identifiers: list[tuple[str, str]] | None
) -> None:
    if roles is not None:
        org.roles.exclude(role__in=roles).delete()
        have = set(org.roles.values_list("role", flat=True))
        OrganisationRole.objects.bulk_create(
            [OrganisationRole(organisation=org, role=r) for r in roles if r not in have]
        )
    if identifiers is not None:
        org.identifiers.all().delete()
        for scheme, value in identifiers:
            clash = (
                Identifier.objects.filter(scheme=scheme, value=value).select_related("organisation").first()
            )
            if clash is not None:
                raise Conflict(
                    f"{IdentifierScheme(scheme).label} {value} already belongs to {clash.organisation}",
                    field="identifiers",
                )
            Identifier.objects.create(organisation=org, scheme=scheme, value=value)


@action
def create_organisation(
    *,
    actor: Actor,
    name: str,
    roles: Iterable[str],
    slug: str = "",
    description: str = "",
    contact_email: str = "",
    identifiers: Iterable[tuple[str, str]] = (),
) -> Organisation:
    _require_platform_admin(actor)
    name = name.strip()
    if not name:
        raise ActionError("An organisation needs a name", field="name")
    slug = slugify(slug or name)[:60]
    if Organisation.objects.filter(name__iexact=name).exists():
        raise Conflict(f"An organisation called {name!r} already exists", field="name")
    if Organisation.objects.filter(slug=slug).exists():
        raise Conflict(f"The short name {slug!r} is taken", field="slug")
    clean_roles = _clean_roles(roles)
    clean_ids = _clean_identifiers(identifiers)
    if contact_email:
        contact_email = _valid_email(contact_email.strip(), field="contact_email")
    org = Organisation.objects.create(
        name=name, slug=slug, description=description, contact_email=contact_email
    )
    _write_roles_and_identifiers(org, clean_roles, clean_ids)
    record(actor=actor, action="organisation.create", obj=org, owner=org, changes=diff({}, _org_state(org)))
    return org


@action
def update_organisation(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str | None = None,
    description: str | None = None,
    contact_email: str | None = None,
    roles: Iterable[str] | None = None,
    identifiers: Iterable[tuple[str, str]] | None = None,
) -> Organisation:
    _require_platform_admin(actor)
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = _org_state(org)
    if name is not None:
        name = name.strip()
        if not name:
            raise ActionError("An organisation needs a name", field="name")
        if Organisation.objects.filter(name__iexact=name).exclude(pk=org.pk).exists():
            raise Conflict(f"An organisation called {name!r} already exists", field="name")
        org.name = name
    if description is not None:
        org.description = description
    if contact_email is not None:
        org.contact_email = (
            _valid_email(contact_email.strip(), field="contact_email") if contact_email else ""
        )
    org.save()
    _write_roles_and_identifiers(
        org,
        _clean_roles(roles) if roles is not None else None,
        _clean_identifiers(identifiers) if identifiers is not None else None,
    )
    changes = diff(before, _org_state(org))
    record(actor=actor, action="organisation.update", obj=org, owner=org, changes=changes)
    return org


@action
def set_organisation_active(*, actor: Actor, organisation: Organisation, active: bool) -> Organisation:
    _require_platform_admin(actor)
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if org.is_active == active:
        raise ActionError(f"{org} is already {'active' if active else 'inactive'}", field="is_active")
    org.is_active = active
    org.save(update_fields=["is_active"])
    record(
        actor=actor,
        action="organisation.activate" if active else "organisation.deactivate",
        obj=org,
        owner=org,
        changes={"is_active": [not active, active]},
    )
    return org


def _check_role_for(org: Organisation, role: str) -> None:
    if role not in MembershipRole.values:
        raise ActionError(f"Unknown role {role!r}", field="role")
    if role in OPERATOR_ONLY_ROLES and not (org.role_codes & OPERATOR_ROLES):
        raise ActionError(
            f"The role {MembershipRole(role).label} is only for the switching operator's people", field="role"
        )


# --- People joining an organisation -------------------------------------------------------------------
#
# A human administrator never adds an existing account directly: they send an invitation to an email
# address, and only the owner of that address can accept it. Whatever the address belongs to (nobody, an
# active or deactivated account, someone already a member), the administrator sees the same answer and the
# journal gets the same kind of entry. Only ``Actor.system()`` (the demo loader, bootstrap commands, tests)
# may add a member at once, with :func:`add_member`.

WRONG_ACCOUNT = (
    "This invitation is for a different account. Sign out, then open the link again and sign in with the "
    "email address the invitation was sent to."
)
NAME_MAX = 150
EMAIL_MAX = 254
PASSWORD_MAX = 256


def _is_system(actor: Actor) -> bool:
    return actor.user is None and actor.channel == Channel.SYSTEM


def _signed_in(actor: Actor) -> User | None:
    user = actor.user
    return user if user is not None and user.is_authenticated else None


def _invitation_days() -> int:
    return settings.BUSBAR_INVITATION_DAYS


def _clean_invitee_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        raise ActionError("Enter the person's email address", field="email")
    if len(email) > EMAIL_MAX:
        raise ActionError(f"An email address has at most {EMAIL_MAX} characters", field="email")
    return _valid_email(email, field="email")


def _clean_name(full_name: str, *, required: bool) -> str:
    full_name = (full_name or "").strip()
    if len(full_name) > NAME_MAX:
        raise ActionError(f"A name has at most {NAME_MAX} characters", field="full_name")
    if required and not full_name:
        raise ActionError("Enter a name", field="full_name")
    return full_name


def _check_offer(actor: Actor, organisation: Organisation, role: str) -> None:
    """The role may be held in this organisation, and this actor may offer it."""
    _check_role_for(organisation, role)
    if not _is_system(actor) and not can_offer_role(scope_for(_signed_in(actor)), role):
        raise NotPermitted("Only a platform administrator can appoint another", field="role")


def _token_matches(invitation: Invitation, token: str) -> bool:
    return bool(token) and len(token) <= 200 and hmac.compare_digest(invitation.digest, hash_token(token))


def _require_open(invitation: Invitation, target: str) -> None:
    """Refuse an answer to an invitation that is closed or past its expiry, saying which."""
    messages = {
        InvitationStatus.ACCEPTED: "This invitation has already been accepted",
        InvitationStatus.DECLINED: "This invitation was declined",
        InvitationStatus.REVOKED: "This invitation was withdrawn; ask the administrator for a new one",
        InvitationStatus.EXPIRED: "This invitation has expired; ask the administrator for a new one",
    }
    status = invitation.effective_status
    if status != InvitationStatus.PENDING:
        raise IllegalTransition(messages[status], field="status")
    check_transition(INVITATION_TRANSITIONS, invitation.status, target, what="The invitation")


def _close(invitation: Invitation, status: str, *, now: dt.datetime) -> dict[str, list]:
    check_transition(INVITATION_TRANSITIONS, invitation.status, status, what="The invitation")
    before = invitation.status
    invitation.status = status
    invitation.closed_at = now
    fields = ["status", "closed_at"]
    if status == InvitationStatus.ACCEPTED:
        invitation.accepted_at = now
        fields.append("accepted_at")
    invitation.save(update_fields=fields)
    return {"status": [before, status]}


def _answering_actor(actor: Actor, invitation: Invitation, token: str) -> User | None:
    """Prove the answer comes from the invitee: the signed-in owner of the address, or the holder of the
    emailed link (who owns the address). Returns the signed-in user, if any."""
    user = _signed_in(actor)
    if _is_system(actor):
        return None
    if user is not None:
        if not is_invitee(user, invitation):
            raise NotPermitted(WRONG_ACCOUNT, field="invitation")
        return user
    if not _token_matches(invitation, token):
        raise NotPermitted("Open the link in your invitation email to answer it", field="token")
    return None


def _invitee_actor(actor: Actor, invitation: Invitation) -> Actor:
    """Who declined, for the journal. The inviter reads their organisation's journal, and declining is no
    consent to be named: the entry names the invited address only, signed in or not, account or not."""
    return Actor(
        user=None, organisation=None, channel=actor.channel, name=f"{invitation.email} (invitee)"[:150]
    )


@action
def invite_user(
    *, actor: Actor, organisation: Organisation, email: str, role: str, full_name: str = ""
) -> Invitation:
    """Invite an email address to join an organisation; the owner of the address accepts or declines.

    The answer and the journal entry are the same whether or not the address has an account, whether that
    account is active, and whether it is already a member. A newer invitation to the same address replaces
    an earlier pending one, whose link stops working.
    """
    if not _is_system(actor) and not can_invite(scope_for(_signed_in(actor)), organisation):
        raise NotPermitted(f"You are not an administrator of {organisation}")
    if not organisation.is_active:
        raise ActionError(f"{organisation} is inactive; reactivate it before inviting people", field="role")
    _check_offer(actor, organisation, role)
    email = _clean_invitee_email(email)
    full_name = _clean_name(full_name, required=False)
    now = timezone.now()
    earlier = Invitation.objects.select_for_update().filter(
        organisation=organisation, email=email, status=InvitationStatus.PENDING
    )
    for old in earlier:
        lapsed = old.is_lapsed
        changes = _close(old, InvitationStatus.EXPIRED if lapsed else InvitationStatus.REVOKED, now=now)
        record(
            actor=actor,
            action="invitation.expire" if lapsed else "invitation.revoke",
            obj=old,
            owner=organisation,
            changes=changes,
            note="" if lapsed else "Replaced by a newer invitation to the same address",
        )
    raw = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organisation=organisation,
                email=email,
                role=role,
                full_name=full_name,
                invited_by=_signed_in(actor),
                digest=hash_token(raw),
                created_at=now,
                expires_at=now + dt.timedelta(days=_invitation_days()),
            )
    except IntegrityError:
        raise Conflict(
            "Another invitation to this address was sent at the same moment; try again", field="email"
        ) from None
    record(
        actor=actor,
        action="invitation.create",
        obj=invitation,
        owner=organisation,
        changes={"email": [None, email], "role": [None, role], "expires_at": [None, invitation.expires_at]},
    )
    from busbar.accounts.notify import send_invitation

    transaction.on_commit(lambda: send_invitation(invitation=invitation, token=raw))
    return invitation


@action
def revoke_invitation(*, actor: Actor, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation; its link stops working."""
    inv = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    if not _is_system(actor) and not can_revoke(scope_for(_signed_in(actor)), inv):
        raise NotPermitted(f"You are not an administrator of {inv.organisation}")
    if inv.status != InvitationStatus.PENDING:
        raise IllegalTransition(
            f"This invitation is already {inv.get_status_display().lower()}", field="status"
        )
    changes = _close(inv, InvitationStatus.REVOKED, now=timezone.now())
    record(actor=actor, action="invitation.revoke", obj=inv, owner=inv.organisation, changes=changes)
    return inv


@action
def decline_invitation(*, actor: Actor, invitation: Invitation, token: str = "") -> Invitation:
    """The invitee says no: signed in as the invited address, or through the emailed link."""
    inv = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    _answering_actor(actor, inv, token)
    _require_open(inv, InvitationStatus.DECLINED)
    changes = _close(inv, InvitationStatus.DECLINED, now=timezone.now())
    journal_actor = actor if _is_system(actor) else _invitee_actor(actor, inv)
    record(actor=journal_actor, action="invitation.decline", obj=inv, owner=inv.organisation, changes=changes)
    return inv


def _check_password(password: str, user: User) -> None:
    if len(password) > PASSWORD_MAX:
        raise ActionError(f"A password has at most {PASSWORD_MAX} characters", field="password")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages), field="password") from None


@action
def accept_invitation(
    *, actor: Actor, invitation: Invitation, token: str = "", full_name: str = "", password: str = ""
) -> Membership:
    """The invitee says yes, and becomes a member with the invited role.

    * An active account must be signed in (``actor``) as the invited address.
    * A deactivated account proves itself with its password (it cannot sign in), and is reactivated:
      accepting is the owner's consent. If it never had a password, the owner chooses one.
    * With no account yet, the invitee (holding the emailed link) gives a name and a password.
    """
    inv = (
        Invitation.objects.select_for_update()
        .select_related("organisation", "invited_by")
        .get(pk=invitation.pk)
    )
    signed_in = _answering_actor(actor, inv, token)
    system = _is_system(actor)
    _require_open(inv, InvitationStatus.ACCEPTED)
    org = Organisation.objects.get(pk=inv.organisation_id)
    if not org.is_active:
        raise ActionError(f"{org} is no longer active, so the invitation cannot be accepted", field="status")
    _check_role_for(org, inv.role)
    if inv.role == MembershipRole.PLATFORM_ADMIN and not (
        inv.invited_by is not None and scope_for(inv.invited_by).is_platform_admin
    ):
        raise NotPermitted(
            "The platform administrator who sent this invitation no longer is one", field="role"
        )

    UserModel = get_user_model()
    user = UserModel.objects.select_for_update().filter(email__iexact=inv.email).first()
    now = timezone.now()
    if user is None:
        if signed_in is not None:  # cannot happen (addresses are unique), but never attach to someone else
            raise NotPermitted(WRONG_ACCOUNT, field="invitation")
        name = _clean_name(full_name or inv.full_name, required=not system)
        if not system:
            _check_password(password, UserModel(email=inv.email, full_name=name))
        user = UserModel.objects.create_user(email=inv.email, full_name=name, password=password or None)
        journal_actor = actor if system else Actor(user=user, organisation=org, channel=actor.channel)
        record(
            actor=journal_actor,
            action="user.create",
            obj=user,
            owner=org,
            changes=diff({}, snapshot(user, ("email", "full_name"))),
        )
    else:
        journal_actor = actor if system else Actor(user=user, organisation=org, channel=actor.channel)
        if user.is_active and not system and signed_in is None:
            raise ActionError(
                "Sign in with the invited email address to accept this invitation", field="invitation"
            )
        if not user.is_active:
            if not system:
                if user.has_usable_password():
                    if len(password) > PASSWORD_MAX or not user.check_password(password):
                        raise ActionError("That is not the password of this account", field="password")
                else:
                    _check_password(password, user)
                    user.set_password(password)
                    user.save(update_fields=["password"])
            user.is_active = True
            user.save(update_fields=["is_active"])
            record(
                actor=journal_actor,
                action="user.activate",
                obj=user,
                owner=org,
                changes={"is_active": [False, True]},
                note="Reactivated by its owner accepting an invitation",
            )

    membership = Membership.objects.select_for_update().filter(user=user, organisation=org).first()
    if membership is None:
        membership = Membership.objects.create(user=user, organisation=org, role=inv.role, created_at=now)
        record(
            actor=journal_actor,
            action="membership.create",
            obj=membership,
            owner=org,
            changes={"user": [None, user.email], "role": [None, inv.role], "is_active": [None, True]},
        )
    elif not membership.is_active:
        changes = {"is_active": [False, True]}
        if membership.role != inv.role:
            changes["role"] = [membership.role, inv.role]
        membership.is_active = True
        membership.role = inv.role
        membership.save(update_fields=["is_active", "role"])
        record(actor=journal_actor, action="membership.activate", obj=membership, owner=org, changes=changes)
    # An active member accepting keeps their membership as it is: nothing is duplicated.
    changes = _close(inv, InvitationStatus.ACCEPTED, now=now)
    inv.membership = membership
    inv.save(update_fields=["membership"])
    changes["membership"] = [None, membership.pk]
    record(actor=journal_actor, action="invitation.accept", obj=inv, owner=org, changes=changes)
    forget_scope(user)
    if signed_in is not None:
        forget_scope(signed_in)
    return membership


@action
def add_member(
    *, actor: Actor, organisation: Organisation, email: str, full_name: str, role: str
) -> Membership:
    """Bootstrap only (``Actor.system()``: demo data, set-up commands, tests): add a person at once,
    creating their account if new, and email them a sign-in link. People use :func:`invite_user`."""
    if not _is_system(actor):
        raise NotPermitted("People join an organisation by accepting an invitation", field="email")
    _check_role_for(organisation, role)
    email = _clean_invitee_email(email)
    UserModel = get_user_model()
    user = UserModel.objects.filter(email=email).first()
    created = user is None
    if created:
        full_name = _clean_name(full_name, required=True)
        user = UserModel.objects.create_user(email=email, full_name=full_name)
        record(
            actor=actor,
            action="user.create",
            obj=user,
            owner=organisation,
            changes=diff({}, snapshot(user, ("email", "full_name"))),
        )
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise Conflict(f"{email} is already a member of {organisation}", field="email")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    except IntegrityError:
        raise Conflict(f"{email} is already a member of {organisation}", field="email") from None
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    record(
        actor=actor,
        action="membership.create",
        obj=membership,
        owner=organisation,
        changes={"user": [None, email], "role": [None, role], "is_active": [None, True]},
    )
    forget_scope(user)
    from busbar.accounts.notify import send_added_to_organisation

    transaction.on_commit(
        lambda: send_added_to_organisation(user=user, organisation=organisation, new_account=created)
    )
    return membership


@action
def change_membership_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    m = Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
    _require_org_admin(actor, m.organisation)
    _check_role_for(m.organisation, role)
    if m.role == role:
        raise ActionError(f"{m.user} is already {MembershipRole(role).label}", field="role")
    if actor.user is not None and actor.user.pk == m.user_id and m.role == MembershipRole.ORG_ADMIN:
        raise ActionError(
            "You cannot change your own administrator role; ask another administrator", field="role"
        )
    if actor.user is not None and not can_offer_role(scope_for(actor.user), role):
        raise NotPermitted("Only a platform administrator can appoint another", field="role")
    before = m.role
    m.role = role
    m.save(update_fields=["role"])
    record(
        actor=actor, action="membership.role", obj=m, owner=m.organisation, changes={"role": [before, role]}
    )
    forget_scope(m.user)
    return m


@action
def set_membership_active(*, actor: Actor, membership: Membership, active: bool) -> Membership:
    """Deactivate (or restore) a person's membership; someone left with no membership cannot sign in."""
    m = Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
    _require_org_admin(actor, m.organisation)
    if m.is_active == active:
        raise ActionError(
            f"The membership is already {'active' if active else 'inactive'}", field="is_active"
        )
    if not active and actor.user is not None and actor.user.pk == m.user_id:
        raise ActionError("You cannot deactivate yourself", field="is_active")
    m.is_active = active
    m.save(update_fields=["is_active"])
    record(
        actor=actor,
        action="membership.activate" if active else "membership.deactivate",
        obj=m,
        owner=m.organisation,
        changes={"is_active": [not active, active]},
    )
    user = m.user
    still_member = Membership.objects.filter(user=user, is_active=True).exists()
    if user.is_active != still_member:
        user.is_active = still_member
        user.save(update_fields=["is_active"])
        record(
            actor=actor,
            action="user.activate" if still_member else "user.deactivate",
            obj=user,
            owner=m.organisation,
            changes={"is_active": [not still_member, still_member]},
        )
    forget_scope(user)
    return m
