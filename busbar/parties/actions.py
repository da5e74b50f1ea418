"""Every change to organisations and memberships. Each function is one transaction and one journal entry."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from busbar.audit.journal import diff, record, snapshot
from busbar.lib.actions import ActionError, Actor, Conflict, NotPermitted, action
from busbar.parties.models import (
    OPERATOR_ROLES,
    Identifier,
    IdentifierScheme,
    IndustryRole,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationRole,
)
from busbar.parties.queries import forget_scope, scope_for

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


@action
def invite_user(
    *, actor: Actor, organisation: Organisation, email: str, full_name: str, role: str
) -> Membership:
    """Add a person to an organisation, creating their account if new, and email them a sign-in link."""
    _require_org_admin(actor, organisation)
    _check_role_for(organisation, role)
    if (
        role == MembershipRole.PLATFORM_ADMIN
        and actor.user is not None
        and not scope_for(actor.user).is_platform_admin
    ):
        raise NotPermitted("Only a platform administrator can appoint another", field="role")
    email = _valid_email((email or "").strip().lower(), field="email")
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        if not full_name.strip():
            raise ActionError("Enter the person's name", field="full_name")
        user = User.objects.create_user(email=email, full_name=full_name.strip())
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
    from busbar.accounts.notify import send_invitation

    transaction.on_commit(lambda: send_invitation(user=user, organisation=organisation, new_account=created))
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
    if (
        role == MembershipRole.PLATFORM_ADMIN
        and actor.user is not None
        and not scope_for(actor.user).is_platform_admin
    ):
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
