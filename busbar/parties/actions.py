"""Every change to organisations, memberships and invitations: each is one transaction, journalled."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from busbar.accounts.models import ApiToken, hash_token
from busbar.audit.journal import diff, record, snapshot
from busbar.lib.actions import (
    ActionError,
    Actor,
    Channel,
    Conflict,
    IllegalTransition,
    action,
    refuse,
)
from busbar.lib.limits import check_text
from busbar.parties.models import (
    INVITATION_CLOSED_MESSAGES,
    OPERATOR_ROLES,
    CannedResponse,
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
from busbar.parties.permissions import (
    can_add_directly,
    can_answer_as,
    can_answer_by_link,
    can_invite,
    can_manage_canned,
    can_manage_members,
    can_manage_organisations,
    can_offer_role,
    can_prove_on_a_page,
    can_revoke,
    invitation_is_backed,
)
from busbar.parties.queries import (
    SECOND_FACTOR_NONE,
    forget_scope,
    open_invitations_q,
    scope_for,
    second_factor_of,
)

if TYPE_CHECKING:
    from busbar.accounts.models import User
    from busbar.parties.queries import Scope

ORG_FIELDS = ("name", "slug", "description", "contact_email", "is_active")
#: Roles only the central operator's own people may hold.
OPERATOR_ONLY_ROLES = frozenset(
    {MembershipRole.ANALYST, MembershipRole.OPERATIONS, MembershipRole.PLATFORM_ADMIN}
)


def _require_platform_admin(actor: Actor) -> None:
    if actor.user is not None:
        refuse(can_manage_organisations(scope_for(actor.user)))


def _require_org_admin(actor: Actor, organisation: Organisation) -> None:
    if actor.user is not None:
        refuse(can_manage_members(scope_for(actor.user), organisation))


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


@action
def change_organisation(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str | None = None,
    description: str | None = None,
    contact_email: str | None = None,
    roles: Iterable[str] | None = None,
    identifiers: Iterable[tuple[str, str]] | None = None,
    is_active: bool | None = None,
) -> Organisation:
    """One change to an organisation's details and whether it is active (the API's PATCH): one transaction,
    journalled as the update and the (de)activation it is made of, or nothing at all."""
    _require_platform_admin(actor)
    details = (name, description, contact_email, roles, identifiers)
    org = organisation
    changed = False
    if any(value is not None for value in details):
        org = update_organisation(
            actor=actor,
            organisation=org,
            name=name,
            description=description,
            contact_email=contact_email,
            roles=roles,
            identifiers=identifiers,
        )
        changed = True
    if is_active is not None and is_active != org.is_active:
        org = set_organisation_active(actor=actor, organisation=org, active=is_active)
        changed = True
    if not changed:
        raise ActionError("Nothing to change")
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

NAME_MAX = 150
EMAIL_MAX = 254
PASSWORD_MAX = 256
CODE_MAX = 64


class TooManyInvitations(ActionError):
    status = 429
    title = "Too many invitations"


class InvitationVoid(IllegalTransition):
    """An answer (or a revocation) refused because the invitation turned out, when touched, to be dead:
    past its expiry, or no longer backed by whoever sent it (see
    :func:`busbar.parties.permissions.invitation_is_backed`), or for a role its organisation may no longer
    hold. The refusal rolls its own action back, so the closing is recorded by
    :func:`close_void_invitation` in a transaction of its own (see busbar.parties.answering)."""

    def __init__(self, message: str, *, field: str | None = "status", status: int | None = None) -> None:
        super().__init__(message, field=field)
        if status is not None:
            self.status = status


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
    if not _is_system(actor):
        refuse(can_offer_role(scope_for(_signed_in(actor)), role), field="role")


def _check_sending_limits(actor: Actor, organisation: Organisation, *, now: dt.datetime) -> None:
    """Refuse an invitation beyond the sender's hourly allowance (429)."""
    inviter = _signed_in(actor)
    if inviter is None:
        return
    per_hour = settings.BUSBAR_INVITATIONS_PER_HOUR
    sent = Invitation.objects.filter(invited_by=inviter, created_at__gt=now - dt.timedelta(hours=1)).count()
    if sent >= per_hour:
        raise TooManyInvitations(
            f"You have sent {per_hour} invitations in the last hour, the most allowed; try again later",
            field="email",
        )


def _check_pending_cap(organisation: Organisation) -> None:
    """Refuse an invitation beyond the organisation's allowance of unanswered ones (409)."""
    cap = settings.BUSBAR_PENDING_INVITATIONS_MAX
    if Invitation.objects.filter(open_invitations_q(), organisation=organisation).count() >= cap:
        raise Conflict(
            f"{organisation} already has {cap} pending invitations, the most allowed; revoke some or wait "
            "for them to be answered",
            field="email",
        )


def _token_matches(invitation: Invitation, token: str) -> bool:
    return bool(token) and len(token) <= 200 and hmac.compare_digest(invitation.digest, hash_token(token))


def _require_transition(invitation: Invitation, target: str) -> None:
    """The one status check of invitations (:meth:`Invitation.may_become`, on the transition table at the
    status people see). Refuses with the sentence people are shown; a lapsed invitation is refused with
    :class:`InvitationVoid`, so that its expiry is recorded when it is first touched."""
    if invitation.may_become(target):
        return
    current = invitation.effective_status
    if target == InvitationStatus.REVOKED:
        message = f"This invitation is {InvitationStatus(current).label.lower()}, so it cannot be revoked."
    else:
        message = INVITATION_CLOSED_MESSAGES.get(current) or f"The invitation cannot become {target}."
    if invitation.is_lapsed:
        raise InvitationVoid(message, field="status")
    raise IllegalTransition(message, field="status")


def _close(invitation: Invitation, status: str, *, now: dt.datetime) -> dict[str, list]:
    _require_transition(invitation, status)
    before = invitation.status
    invitation.status = status
    invitation.closed_at = now
    fields = ["status", "closed_at"]
    if status == InvitationStatus.ACCEPTED:
        invitation.accepted_at = now
        fields.append("accepted_at")
    invitation.save(update_fields=fields)
    return {"status": [before, status]}


def _close_and_record(
    *, actor: Actor, invitation: Invitation, status: str, now: dt.datetime, note: str = ""
) -> None:
    """Close a pending invitation as expired or revoked, journalled."""
    changes = _close(invitation, status, now=now)
    record(
        actor=actor,
        action="invitation.expire" if status == InvitationStatus.EXPIRED else "invitation.revoke",
        obj=invitation,
        owner=invitation.organisation,
        changes=changes,
        note=note,
    )


def _inviter_scope(invitation: Invitation) -> Scope | None:
    """The sender's entitlements now (``None`` when Busbar itself sent the invitation)."""
    return None if invitation.invited_by_id is None else scope_for(invitation.invited_by)


def _role_allowed(org: Organisation, role: str) -> bool:
    return role in MembershipRole.values and not (
        role in OPERATOR_ONLY_ROLES and not (org.role_codes & OPERATOR_ROLES)
    )


@dataclass(frozen=True)
class _Void:
    """Why a pending invitation is dead: how it is closed, the journal's note, and what the invitee reads."""

    status: str
    note: str
    message: str = ""
    field: str = "status"
    http_status: int | None = None


def _void_reason(invitation: Invitation) -> _Void | None:
    """Whether a pending invitation can no longer be accepted for a reason its own state shows (and not
    merely because its organisation is switched off for now, which reactivation undoes)."""
    if invitation.status != InvitationStatus.PENDING:
        return None
    if invitation.is_lapsed:
        return _Void(InvitationStatus.EXPIRED, "")
    org = invitation.organisation
    if not org.is_active:
        return None
    role = (
        MembershipRole(invitation.role).label if invitation.role in MembershipRole.values else invitation.role
    )
    if not _role_allowed(org, invitation.role):
        return _Void(
            InvitationStatus.REVOKED,
            f"Withdrawn: {org} may no longer have people with the role {role}",
            f"The role {role} is only for the switching operator's people, and {org} no longer is one; "
            "the invitation has been withdrawn.",
            field="role",
            http_status=422,
        )
    if not invitation_is_backed(_inviter_scope(invitation), invitation):
        return _Void(
            InvitationStatus.REVOKED,
            f"Withdrawn: whoever sent it may no longer invite people to {org} as {role}",
            f"This invitation can no longer be accepted: whoever sent it may no longer invite people to "
            f"{org} as {role}. It has been withdrawn; ask an administrator of {org} for a new one.",
            field="invitation",
        )
    return None


def _withdraw_unbacked_invitations(*, actor: Actor, user: User, now: dt.datetime) -> None:
    """After ``user``'s memberships change, in the same action: close the pending invitations they sent
    that they may no longer grant (an administrator removed or demoted), so none grants a role later."""
    forget_scope(user)
    scope = scope_for(user)
    pending = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(invited_by=user, status=InvitationStatus.PENDING)
        .order_by("id")
    )
    for inv in pending:
        if invitation_is_backed(scope, inv):
            continue
        lapsed = inv.is_lapsed
        _close_and_record(
            actor=actor,
            invitation=inv,
            status=InvitationStatus.EXPIRED if lapsed else InvitationStatus.REVOKED,
            now=now,
            note=""
            if lapsed
            else f"Withdrawn: {user} may no longer invite people to {inv.organisation} "
            f"as {MembershipRole(inv.role).label}",
        )


def _answering_actor(actor: Actor, invitation: Invitation, token: str) -> User | None:
    """Prove the answer comes from the invitee: the signed-in owner of the address, or the holder of the
    emailed link (who owns the address). Returns the signed-in user, if any."""
    user = _signed_in(actor)
    if _is_system(actor):
        return None
    if user is not None:
        refuse(can_answer_as(user, invitation), field="invitation")
        return user
    refuse(can_answer_by_link(_token_matches(invitation, token)), field="token")
    return None


def _invitee_actor(invitation: Invitation) -> Actor:
    """Who declined, for the journal. The inviter reads their organisation's journal, and declining is no
    consent to be named: the entry names the invited address only, and its channel is always the web —
    only a signed-in account can decline through the API, so recording that channel would tell the inviter
    the address has an account."""
    return Actor(
        user=None, organisation=None, channel=Channel.WEB, name=f"{invitation.email} (invitee)"[:150]
    )


@action
def invite_user(
    *, actor: Actor, organisation: Organisation, email: str, role: str, full_name: str = ""
) -> Invitation:
    """Invite an email address to join an organisation; the owner of the address accepts or declines.

    The answer and the journal entry are the same whether or not the address has an account, whether that
    account is active, and whether it is already a member. A newer invitation to the same address replaces
    an earlier pending one, whose link stops working. A person sends at most
    ``BUSBAR_INVITATIONS_PER_HOUR`` an hour (429), and an organisation has at most
    ``BUSBAR_PENDING_INVITATIONS_MAX`` waiting for an answer (409).
    """
    if not _is_system(actor):
        refuse(can_invite(scope_for(_signed_in(actor)), organisation))
    if not organisation.is_active:
        raise ActionError(f"{organisation} is inactive; reactivate it before inviting people", field="role")
    _check_offer(actor, organisation, role)
    email = _clean_invitee_email(email)
    full_name = _clean_name(full_name, required=False)
    now = timezone.now()
    _check_sending_limits(actor, organisation, now=now)
    earlier = Invitation.objects.select_for_update(of=("self",)).filter(
        organisation=organisation, email=email, status=InvitationStatus.PENDING
    )
    for old in earlier:
        lapsed = old.is_lapsed
        _close_and_record(
            actor=actor,
            invitation=old,
            status=InvitationStatus.EXPIRED if lapsed else InvitationStatus.REVOKED,
            now=now,
            note="" if lapsed else "Replaced by a newer invitation to the same address",
        )
    _check_pending_cap(organisation)
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
    """Withdraw a pending invitation; its link stops working. A lapsed one is expired, not revoked."""
    inv = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=invitation.pk)
    )
    if not _is_system(actor):
        refuse(can_revoke(scope_for(_signed_in(actor)), inv))
    changes = _close(inv, InvitationStatus.REVOKED, now=timezone.now())
    record(actor=actor, action="invitation.revoke", obj=inv, owner=inv.organisation, changes=changes)
    return inv


@action
def close_void_invitation(*, actor: Actor, invitation: Invitation) -> Invitation:
    """Record the closing of a dead invitation found when someone touched it: one past its expiry as
    expired (``invitation.expire``), one its sender may no longer grant, or for a role its organisation may
    no longer hold, as revoked. Checked again under lock; refused when the invitation is not dead."""
    inv = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "invited_by")
        .get(pk=invitation.pk)
    )
    void = _void_reason(inv)
    if void is None:
        raise IllegalTransition(inv.closed_message or "This invitation can still be answered", field="status")
    _close_and_record(actor=actor, invitation=inv, status=void.status, now=timezone.now(), note=void.note)
    return inv


@action
def decline_invitation(*, actor: Actor, invitation: Invitation, token: str = "") -> Invitation:
    """The invitee says no: signed in as the invited address, or through the emailed link."""
    inv = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=invitation.pk)
    )
    _answering_actor(actor, inv, token)
    changes = _close(inv, InvitationStatus.DECLINED, now=timezone.now())
    journal_actor = actor if _is_system(actor) else _invitee_actor(inv)
    record(actor=journal_actor, action="invitation.decline", obj=inv, owner=inv.organisation, changes=changes)
    return inv


def _check_password(password: str, user: User) -> None:
    if len(password) > PASSWORD_MAX:
        raise ActionError(f"A password has at most {PASSWORD_MAX} characters", field="password")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionError(" ".join(exc.messages), field="password") from None


def _check_second_factor(user: User, code: str) -> None:
    """A switched-off account with a second factor proves it too: a current code from its authenticator
    app or an unused recovery code, checked by allauth's own authenticators (a TOTP code is then spent,
    a recovery code used up). An account whose only factor is a security key cannot prove it here."""
    factor = second_factor_of(user)
    if factor == SECOND_FACTOR_NONE:
        return
    refuse(can_prove_on_a_page(factor), field="code")
    code = (code or "").strip()
    if not code:
        raise ActionError(
            "Enter the code from your authenticator app, or one of your recovery codes", field="code"
        )
    if len(code) <= CODE_MAX:
        for authenticator in Authenticator.objects.filter(user_id=user.pk).exclude(
            type=Authenticator.Type.WEBAUTHN
        ):
            if authenticator.wrap().validate_code(code):
                authenticator.record_usage()
                return
    raise ActionError(
        "That code is not right: use the current code from your authenticator app, or an unused recovery "
        "code",
        field="code",
    )


def _find_account(email: str) -> User | None:
    return get_user_model().objects.select_for_update().filter(email__iexact=email).first()


def _reactivate(
    *, actor: Actor, journal_actor: Actor, user: User, org: Organisation, password: str, code: str
) -> None:
    """Switch a deactivated account back on: its owner proves it (password, and second factor if any)."""
    if not _is_system(actor):
        refuse(can_prove_on_a_page(second_factor_of(user)), field="code")
        if user.has_usable_password():
            if len(password) > PASSWORD_MAX or not user.check_password(password):
                raise ActionError("That is not the password of this account", field="password")
            _check_second_factor(user, code)
        else:
            _check_password(password, user)
            _check_second_factor(user, code)
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


@action
def accept_invitation(
    *,
    actor: Actor,
    invitation: Invitation,
    token: str = "",
    full_name: str = "",
    password: str = "",
    code: str = "",
) -> Membership:
    """The invitee says yes, and becomes a member with the invited role.

    * An active account must be signed in (``actor``) as the invited address.
    * A deactivated account proves itself with its password (it cannot sign in), and with a current
      authenticator code or a recovery code if it has a second factor, and is reactivated: accepting is
      the owner's consent. If it never had a password, the owner chooses one.
    * With no account yet, the invitee (holding the emailed link) gives a name and a password.

    Refused with :class:`InvitationVoid` when the invitation is dead (lapsed; its sender may no longer
    grant it; its role no longer allowed there): the caller records the closing (busbar.parties.answering).
    An active member is never given another role by an invitation: their administrator changes it.
    """
    inv = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "invited_by")
        .get(pk=invitation.pk)
    )
    signed_in = _answering_actor(actor, inv, token)
    system = _is_system(actor)
    _require_transition(inv, InvitationStatus.ACCEPTED)
    org = inv.organisation
    if not org.is_active:
        raise ActionError(f"{org} is no longer active, so the invitation cannot be accepted", field="status")
    void = _void_reason(inv)
    if void is not None:
        raise InvitationVoid(void.message, field=void.field, status=void.http_status)

    UserModel = get_user_model()
    user = _find_account(inv.email)
    now = timezone.now()
    if user is None:
        if signed_in is not None:  # cannot happen (addresses are unique), but never attach to someone else
            refuse(can_answer_as(signed_in, inv), field="invitation")
        name = _clean_name(full_name or inv.full_name, required=not system)
        if not system:
            _check_password(password, UserModel(email=inv.email, full_name=name))
        try:
            with transaction.atomic():
                user = UserModel.objects.create_user(
                    email=inv.email, full_name=name, password=password or None
                )
        except IntegrityError:
            raise Conflict(
                "An account for this address was created at the same moment. Open the invitation link "
                "again to continue.",
                field="email",
            ) from None
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
            _reactivate(
                actor=actor, journal_actor=journal_actor, user=user, org=org, password=password, code=code
            )

    membership = Membership.objects.select_for_update().filter(user=user, organisation=org).first()
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=user, organisation=org, role=inv.role, created_at=now
                )
        except IntegrityError:
            raise Conflict(
                f"You became a member of {org} at the same moment; open the invitation again",
                field="invitation",
            ) from None
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
    elif membership.role != inv.role:
        raise Conflict(
            f"You are already a member of {org} as {MembershipRole(membership.role).label}. An invitation "
            f"does not change a member's role: ask an administrator of {org} to change it, or decline "
            "this invitation.",
            field="role",
        )
    # An active member accepting the role they hold keeps their membership as it is: nothing is duplicated.
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
    refuse(can_add_directly(_is_system(actor)), field="email")
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
    """Change a member's role. An administrator demoted loses, in the same action, the pending invitations
    they sent and may no longer grant."""
    m = Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
    _require_org_admin(actor, m.organisation)
    _check_role_for(m.organisation, role)
    if m.role == role:
        raise ActionError(f"{m.user} is already {MembershipRole(role).label}", field="role")
    if actor.user is not None and actor.user.pk == m.user_id and m.role == MembershipRole.ORG_ADMIN:
        raise ActionError(
            "You cannot change your own administrator role; ask another administrator", field="role"
        )
    if actor.user is not None:
        refuse(can_offer_role(scope_for(actor.user), role), field="role")
    before = m.role
    m.role = role
    m.save(update_fields=["role"])
    record(
        actor=actor, action="membership.role", obj=m, owner=m.organisation, changes={"role": [before, role]}
    )
    _withdraw_unbacked_invitations(actor=actor, user=m.user, now=timezone.now())
    forget_scope(m.user)
    return m


@action
def change_membership(
    *, actor: Actor, membership: Membership, role: str | None = None, is_active: bool | None = None
) -> Membership:
    """One change to a membership's role and whether it is active (the API's PATCH): one transaction,
    journalled as the changes it is made of. Values equal to the current ones change nothing."""
    m = Membership.objects.select_related("organisation", "user").get(pk=membership.pk)
    _require_org_admin(actor, m.organisation)
    changed = False
    if role is not None and role != m.role:
        m = change_membership_role(actor=actor, membership=m, role=role)
        changed = True
    if is_active is not None and is_active != m.is_active:
        m = set_membership_active(actor=actor, membership=m, active=is_active)
        changed = True
    if not changed:
        raise ActionError("Nothing to change")
    return m


def _end_sessions(user: User) -> int:
    """Sign the person out everywhere: delete their sessions (with a database-backed session engine, the
    only kind whose sessions can be listed). Returns how many were ended."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    ended = 0
    model = store_class.get_model_class()
    for key, data in (
        model.objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
        .iterator()
    ):
        if store_class().decode(data).get(SESSION_KEY) == str(user.pk):
            store_class(session_key=key).delete()
            ended += 1
    return ended


def _switch_off_account(*, actor: Actor, user: User, owner: Organisation) -> int:
    """An account switched off keeps nothing that works when it is switched back on: its live API tokens
    are revoked (journalled, as :func:`busbar.accounts.actions.revoke_api_token` does) and its sessions
    ended. Returns how many sessions were ended."""
    now = timezone.now()
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    for token in live.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).order_by("id"):
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        record(
            actor=actor,
            action="api_token.revoke",
            obj=token,
            owner=owner,
            changes={"revoked_at": [None, now]},
            note="Revoked because the account was switched off",
        )
    return _end_sessions(user)


@action
def set_membership_active(*, actor: Actor, membership: Membership, active: bool) -> Membership:
    """Deactivate (or restore) a person's membership; someone left with no membership cannot sign in.

    In the same action: an administrator deactivated loses the pending invitations they may no longer
    grant, and an account switched off (no active membership left) loses its API tokens and sessions.
    """
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
        ended = 0 if still_member else _switch_off_account(actor=actor, user=user, owner=m.organisation)
        record(
            actor=actor,
            action="user.activate" if still_member else "user.deactivate",
            obj=user,
            owner=m.organisation,
            changes={"is_active": [not still_member, still_member]},
            note="" if still_member else f"Signed out everywhere ({ended} session{'s' * (ended != 1)} ended)",
        )
    if not active:
        _withdraw_unbacked_invitations(actor=actor, user=user, now=timezone.now())
    forget_scope(user)
    return m


# --- Canned responses ---------------------------------------------------------------------------------------
# An organisation's stock replies (the desk's, each provider's), kept by its own people
# (permissions.can_manage_canned) and picked on a record's update form.

CANNED_TITLE_MAX = CannedResponse._meta.get_field("title").max_length


def _canned_text(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title:
        raise ActionError("Give the response a title", field="title")
    check_text(title, field="title", limit=CANNED_TITLE_MAX)
    if not body:
        raise ActionError("Write the response", field="body")
    check_text(body, field="body")
    return title, body


def _unique_title(organisation_id: int, title: str, exclude: int | None = None) -> None:
    clash = CannedResponse.objects.filter(organisation_id=organisation_id, title__iexact=title)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise Conflict(f"Your organisation already has a canned response called {title!r}", field="title")


def _require_canned(actor: Actor, organisation: Organisation | int) -> None:
    if actor.user is not None:
        refuse(can_manage_canned(scope_for(actor.user), organisation), field="organisation")


@action
def create_canned_response(
    *, actor: Actor, organisation: Organisation, title: str, body: str
) -> CannedResponse:
    _require_canned(actor, organisation)
    title, body = _canned_text(title, body)
    _unique_title(organisation.pk, title)
    canned = CannedResponse.objects.create(
        organisation=organisation, title=title, body=body, created_by=actor.user, updated_at=timezone.now()
    )
    record(
        actor=actor,
        action="canned_response.create",
        obj=canned,
        owner=organisation,
        changes={"title": [None, title], "body": [None, body]},
    )
    return canned


@action
def update_canned_response(
    *, actor: Actor, canned: CannedResponse, title: str | None = None, body: str | None = None
) -> CannedResponse:
    _require_canned(actor, canned.organisation_id)
    canned = CannedResponse.objects.select_for_update().select_related("organisation").get(pk=canned.pk)
    before = {"title": canned.title, "body": canned.body}
    new_title, new_body = _canned_text(
        canned.title if title is None else title, canned.body if body is None else body
    )
    _unique_title(canned.organisation_id, new_title, exclude=canned.pk)
    canned.title, canned.body, canned.updated_at = new_title, new_body, timezone.now()
    canned.save(update_fields=["title", "body", "updated_at"])
    record(
        actor=actor,
        action="canned_response.update",
        obj=canned,
        owner=canned.organisation,
        changes=diff(before, {"title": canned.title, "body": canned.body}),
    )
    return canned


@action
def delete_canned_response(*, actor: Actor, canned: CannedResponse) -> None:
    _require_canned(actor, canned.organisation_id)
    organisation = canned.organisation
    record(
        actor=actor,
        action="canned_response.delete",
        obj=canned,
        owner=organisation,
        changes={"title": [canned.title, None]},
    )
    canned.delete()
