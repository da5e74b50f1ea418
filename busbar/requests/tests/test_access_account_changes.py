"""Access management requests other than a new user, each fulfilled on approval through the parties or
accounts action and nothing else: "reset MFA" (the colleague's authenticators removed, enrolment
required at next sign-in), "change role" and "remove user" (in the requester's name), "password reset
assistance" (allauth's reset email to the person). A person who has left since, an approver the account
rules refuse, or approving one's own request: a clear 4xx and nothing changes. ``describe`` says first
what approving will do."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.test import Client

from busbar.audit.models import AuditEntry
from busbar.conftest import PASSWORD, TOTP_SECRET
from busbar.lib.actions import ActionError, Actor, Conflict, NotPermitted
from busbar.parties import actions as party_actions
from busbar.parties.models import Membership
from busbar.parties.queries import scope_for
from busbar.requests import actions, fulfilment
from busbar.requests.models import ApprovalStatus, ApprovalStep, ItemField, Request, RequestStatus
from busbar.requests.tests.conftest import _item

pytestmark = pytest.mark.django_db


def as_actor(user) -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation)


def _access_item(slug: str, fulfils: str, *fields: tuple[str, str]):
    item = _item(
        name=slug.replace("-", " ").capitalize(),
        slug=slug,
        category="Access",
        summary=f"{slug} for a colleague",
        audience="everyone",
        admins_only=True,
        fulfilment=fulfils,
    )
    for order, (key, kind) in enumerate(fields, start=1):
        ItemField.objects.create(item=item, key=key, label=key.capitalize(), kind=kind, order=order)
    ApprovalStep.objects.create(item=item, order=1, approver="operator")
    return item


def _raise(r, item, answers, by=None) -> Request:
    by = by or r.world.admin_a
    return actions.raise_request(actor=as_actor(by), item=item, organisation=r.world.org_a, answers=answers)


def _approve(r, req: Request, by=None) -> Request:
    actions.approve(actor=as_actor(by or r.world.ops), approval=req.approvals.get(status="pending"))
    req.refresh_from_db()
    return req


def _untouched(req: Request) -> None:
    req.refresh_from_db()
    assert req.status == RequestStatus.AWAITING_APPROVAL and req.fulfilment_note == ""
    assert req.approvals.get().status == ApprovalStatus.PENDING


# --- Reset MFA ---------------------------------------------------------------------------------------------


def test_mfa_reset_for_a_colleague_removes_their_authenticators(
    r, django_capture_on_commit_callbacks
) -> None:
    w = r.world
    TOTP.activate(w.user_a, TOTP_SECRET)
    RecoveryCodes.activate(w.user_a)
    colleague = Client()
    assert (
        colleague.post("/accounts/login/", {"login": w.user_a.email, "password": PASSWORD}).status_code == 302
    )
    req = _raise(r, r.mfa_reset, {"person": w.user_a.pk})
    assert "removes every second factor of user" in fulfilment.describe(req)
    with django_capture_on_commit_callbacks(execute=True):
        req = _approve(r, req)
    assert req.status == RequestStatus.FULFILLED
    assert req.fulfilment_note == "2 authenticators removed; user must enrol again at next sign-in"
    assert not Authenticator.objects.filter(user=w.user_a).exists()
    w.user_a.refresh_from_db()
    assert w.user_a.mfa_enrol_required
    entry = AuditEntry.objects.get(action="user.mfa_reset")
    assert entry.actor == w.ops and f"Approved request {req.reference}" in entry.note
    # Signed out, and sent to set up a new factor when they sign in again.
    assert colleague.get("/")["Location"].startswith("/accounts/login/")
    again = Client()
    again.post("/accounts/login/", {"login": w.user_a.email, "password": PASSWORD})
    assert again.get("/")["Location"] == "/mfa-required/"


def test_mfa_reset_refused_to_an_approver_the_account_rules_refuse(r) -> None:
    """The desk's analysts decide operator approvals only as operations managers do; the accounts rule
    keeps a second factor reset to operations managers and platform administrators."""
    w = r.world
    TOTP.activate(w.user_a, TOTP_SECRET)
    req = _raise(r, r.mfa_reset, {"person": w.user_a.pk})
    with pytest.raises(NotPermitted):
        _approve(r, req, by=w.analyst)
    _untouched(req)
    assert Authenticator.objects.filter(user=w.user_a).exists()


def test_mfa_reset_approved_by_oneself_is_refused(r) -> None:
    """The operations manager asks for a reset of a colleague's factor at the operator; they cannot approve
    their own request — another operations manager does."""
    from busbar.conftest import make_user

    w = r.world
    other_ops = make_user(w.operator, "ops2@operator.example", "operations_manager", mfa=True)
    req = actions.raise_request(
        actor=as_actor(w.ops), item=r.mfa_reset, organisation=w.operator, answers={"person": w.analyst.pk}
    )
    with pytest.raises(NotPermitted, match="your own request"):
        _approve(r, req, by=w.ops)
    _untouched(req)
    assert Authenticator.objects.filter(user=w.analyst).exists()
    assert _approve(r, req, by=other_ops).status == RequestStatus.FULFILLED
    assert not Authenticator.objects.filter(user=w.analyst).exists()


def test_mfa_reset_of_someone_who_left_is_refused(r) -> None:
    w = r.world
    TOTP.activate(w.user_a, TOTP_SECRET)
    req = _raise(r, r.mfa_reset, {"person": w.user_a.pk})
    party_actions.set_membership_active(
        actor=Actor.system(), membership=Membership.objects.get(user=w.user_a), active=False
    )
    assert "no longer a member of Alpha Energy" in fulfilment.describe(req)
    with pytest.raises(Conflict) as refused:
        _approve(r, req)
    assert refused.value.field == "person" and 400 <= refused.value.status < 500
    _untouched(req)
    assert Authenticator.objects.filter(user=w.user_a).exists()


# --- Change role, remove user ------------------------------------------------------------------------------


def test_change_role_in_the_requesters_name(r) -> None:
    w = r.world
    item = _access_item("change-role", "change_role", ("person", "person"), ("role", "role"))
    req = _raise(r, item, {"person": w.user_a.pk, "role": "org_admin"})
    assert fulfilment.describe(req) == (
        "Approving changes user's role in Alpha Energy from Participant user to Organisation administrator."
    )
    req = _approve(r, req)
    assert req.status == RequestStatus.FULFILLED
    assert req.fulfilment_note == "user's role changed from Participant user to Organisation administrator"
    assert Membership.objects.get(user=w.user_a, organisation=w.org_a).role == "org_admin"
    entry = AuditEntry.objects.get(action="membership.role")
    assert entry.actor == w.admin_a and entry.actor_organisation == w.org_a
    assert entry.changes == {"role": ["participant", "org_admin"]}


def test_change_role_refused_when_the_requester_is_no_longer_an_administrator(r) -> None:
    w = r.world
    item = _access_item("change-role", "change_role", ("person", "person"), ("role", "role"))
    req = _raise(r, item, {"person": w.user_a.pk, "role": "org_admin"})
    party_actions.change_membership_role(
        actor=Actor.system(), membership=Membership.objects.get(user=w.admin_a), role="participant"
    )
    with pytest.raises(Conflict, match="admin is no longer an administrator of Alpha Energy"):
        _approve(r, req)
    _untouched(req)
    assert Membership.objects.get(user=w.user_a).role == "participant"


def test_remove_user_switches_their_membership_off(r) -> None:
    w = r.world
    item = _access_item("remove-user", "remove_user", ("person", "person"))
    req = _raise(r, item, {"person": w.user_a.pk})
    assert fulfilment.describe(req).startswith("Approving removes user from Alpha Energy")
    req = _approve(r, req)
    assert req.status == RequestStatus.FULFILLED and req.fulfilment_note == "user removed from Alpha Energy"
    assert not Membership.objects.get(user=w.user_a).is_active
    w.user_a.refresh_from_db()
    assert not w.user_a.is_active  # no other membership: switched off
    assert AuditEntry.objects.get(action="membership.deactivate").actor == w.admin_a
    gone = Client()
    refused = gone.post("/accounts/login/", {"login": w.user_a.email, "password": PASSWORD})
    assert refused.status_code == 302 and refused["Location"] == "/accounts/inactive/"
    assert gone.get("/")["Location"].startswith("/accounts/login/")


def test_removing_oneself_is_refused_by_the_parties_rules(r) -> None:
    w = r.world
    item = _access_item("remove-user", "remove_user", ("person", "person"))
    req = _raise(r, item, {"person": w.admin_a.pk})
    with pytest.raises(ActionError, match="cannot deactivate yourself"):
        _approve(r, req)
    _untouched(req)
    assert Membership.objects.get(user=w.admin_a).is_active


# --- Password reset assistance -----------------------------------------------------------------------------


def test_password_reset_emails_the_person_the_reset_link(r, django_capture_on_commit_callbacks) -> None:
    w = r.world
    item = _access_item("password-reset", "password_reset", ("person", "person"))
    req = _raise(r, item, {"person": w.user_a.pk})
    assert fulfilment.describe(req) == (
        "Approving emails user (user@alpha.example) a link to choose a new password."
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        req = _approve(r, req)
    assert req.status == RequestStatus.FULFILLED
    assert req.fulfilment_note == "Password reset link sent to user@alpha.example"
    resets = [m for m in mail.outbox if "/accounts/password/reset/key/" in m.body]
    assert len(resets) == 1 and resets[0].to == [w.user_a.email]
    assert re.search(r"/accounts/password/reset/key/\S+/", resets[0].body)
    assert AuditEntry.objects.get(action="user.password_reset_sent").actor == w.ops


def test_password_reset_refused_to_an_analyst_and_nothing_is_sent(
    r, django_capture_on_commit_callbacks
) -> None:
    w = r.world
    item = _access_item("password-reset", "password_reset", ("person", "person"))
    req = _raise(r, item, {"person": w.user_a.pk})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotPermitted):
        _approve(r, req, by=w.analyst)
    _untouched(req)
    assert not [m for m in mail.outbox if "/accounts/password/reset/key/" in m.body]


# --- What approving will do ---------------------------------------------------------------------------


def test_describe_new_user_and_items_without_fulfilment(r) -> None:
    w = r.world
    req = _raise(r, r.new_user, {"email": "new@alpha.example", "full_name": "New", "role": "participant"})
    assert fulfilment.describe(req) == (
        "Approving invites new@alpha.example to Alpha Energy as Participant user, in the name of admin; "
        "they join when they accept the emailed invitation."
    )
    info = actions.raise_request(
        actor=as_actor(w.user_a), item=r.info, organisation=w.org_a, answers={"question": "When?"}
    )
    assert fulfilment.describe(info) == ""
    assert fulfilment.perform(actor=as_actor(w.ops), request=info) == ""
