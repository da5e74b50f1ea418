"""Done when (issue 15, access management): a supplier's administrator requests a new portal user, the
operator approves, the new user receives an invitation and signs in — through the pages.

The invitation is sent in the requester's name through ``parties.actions.invite_user`` (the parties rules
hold: only an administrator of the organisation may invite), so a participant cannot ask, and an
administrator demoted since asking makes the approval fail with a clear 4xx and nothing changed."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from busbar.audit.models import AuditEntry
from busbar.conftest import PASSWORD
from busbar.lib.actions import Actor, Conflict, NotPermitted
from busbar.parties import actions as party_actions
from busbar.parties.models import Invitation, Membership
from busbar.parties.queries import scope_for
from busbar.requests import actions
from busbar.requests.models import ApprovalStatus, Request, RequestStatus

pytestmark = pytest.mark.django_db


def as_actor(user) -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation)


def approve_on_page(r, user, req: Request):
    """The first pending approval of ``req`` approved by ``user`` through the request page's form."""
    approval = req.approvals.filter(status=ApprovalStatus.PENDING).first()
    return r.client(user).post(
        reverse("request_action", args=[req.reference, "approve"]),
        {"approve-approval": approval.pk, "approve-reason": ""},
    )


NEWCOMER = "nia.newcomer@alpha.example"


def _raise_on_page(r, user, **overrides):
    data = {
        "req-raise_for": r.world.org_a.pk,
        "email": NEWCOMER,
        "full_name": "Nia Newcomer",
        "role": "participant",
        **overrides,
    }
    return r.client(user).post(reverse("catalogue_item", args=[r.new_user.slug]), data)


def test_administrator_asks_operator_approves_newcomer_is_invited_and_signs_in(
    r, django_capture_on_commit_callbacks
) -> None:
    w = r.world
    # Alpha's administrator raises "New portal user" from the catalogue page.
    raised = _raise_on_page(r, w.admin_a)
    req = Request.objects.get()
    assert raised.status_code == 302 and raised["Location"] == reverse("request_detail", args=[req.reference])
    assert req.status == RequestStatus.AWAITING_APPROVAL and req.requester == w.admin_a
    assert req.answers == {"email": NEWCOMER, "full_name": "Nia Newcomer", "role": "participant"}
    assert not Invitation.objects.exists()  # nothing happens before the approval
    # The operator reads, before approving, what approving will do.
    page = r.client(w.ops).get(reverse("request_detail", args=[req.reference])).content.decode()
    assert f"Approving invites {NEWCOMER} to Alpha Energy as Participant user, in the name of admin" in page
    # The operator approves; the invitation goes to the address asked for, and to it alone.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = approve_on_page(r, w.ops, req)
    assert response.status_code == 302, response.content[:500]
    req.refresh_from_db()
    assert req.status == RequestStatus.FULFILLED
    assert req.fulfilment_note == f"Invitation sent to {NEWCOMER} as Participant user in Alpha Energy"
    invitation = Invitation.objects.get()
    assert (
        invitation.email == NEWCOMER
        and invitation.organisation == w.org_a
        and invitation.role == "participant"
    )
    assert invitation.invited_by == w.admin_a  # in the requester's name, not the operator's
    created = AuditEntry.objects.get(action="invitation.create")
    assert created.actor == w.admin_a and created.actor_organisation == w.org_a
    invites = [m for m in mail.outbox if NEWCOMER in m.to]
    assert len(invites) == 1 and invites[0].to == [NEWCOMER] and not invites[0].cc and not invites[0].bcc
    token = re.search(r"/invitations/([^/\s]+)/", invites[0].body).group(1)
    # The newcomer accepts through the invitation page, choosing a password, then signs in.
    anonymous = Client()
    assert b"Create your Busbar account" in anonymous.get(f"/invitations/{token}/").content
    accepted = anonymous.post(
        f"/invitations/{token}/",
        {"decision": "accept", "full_name": "Nia Newcomer", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert accepted.status_code == 302 and accepted["Location"] == "/accounts/login/"
    membership = Membership.objects.select_related("user").get(user__email=NEWCOMER)
    assert membership.organisation == w.org_a and membership.role == "participant" and membership.is_active
    newcomer = Client()
    signed = newcomer.post("/accounts/login/", {"login": NEWCOMER, "password": PASSWORD})
    assert signed.status_code == 302
    home = newcomer.get("/")
    assert home.status_code == 200 and b"Welcome" in home.content


def test_a_participant_cannot_ask_for_a_new_user(r) -> None:
    w = r.world
    response = _raise_on_page(r, w.user_a)
    assert response.status_code in (403, 404, 422)
    assert not Request.objects.exists()
    with pytest.raises(NotPermitted):
        actions.raise_request(
            actor=as_actor(w.user_a),
            item=r.new_user,
            organisation=w.org_a,
            answers={"email": NEWCOMER, "full_name": "Nia", "role": "participant"},
        )
    assert not Request.objects.exists() and not Invitation.objects.exists()


def test_another_organisation_cannot_ask_for_alpha(r) -> None:
    w = r.world
    with pytest.raises(NotPermitted):
        actions.raise_request(
            actor=as_actor(w.user_b),
            item=r.new_user,
            organisation=w.org_a,
            answers={"email": NEWCOMER, "full_name": "Nia", "role": "participant"},
        )
    assert not Request.objects.exists()


def _raised(r) -> Request:
    return actions.raise_request(
        actor=as_actor(r.world.admin_a),
        item=r.new_user,
        organisation=r.world.org_a,
        answers={"email": NEWCOMER, "full_name": "Nia Newcomer", "role": "participant"},
    )


def test_requester_demoted_since_asking_makes_the_approval_fail_and_nothing_changes(
    r, django_capture_on_commit_callbacks
) -> None:
    w = r.world
    req = _raised(r)
    membership = Membership.objects.get(user=w.admin_a, organisation=w.org_a)
    party_actions.change_membership_role(actor=Actor.system(), membership=membership, role="participant")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = approve_on_page(r, w.ops, req)
    assert 400 <= response.status_code < 500
    assert b"no longer an administrator of Alpha Energy" in response.content
    req.refresh_from_db()
    assert req.status == RequestStatus.AWAITING_APPROVAL and req.fulfilment_note == ""
    assert req.approvals.get().status == ApprovalStatus.PENDING
    assert (
        not Invitation.objects.exists() and not AuditEntry.objects.filter(action="request.approve").exists()
    )
    assert not [m for m in mail.outbox if NEWCOMER in m.to]
    # The same through the action: a 409 naming the requester.
    with pytest.raises(Conflict) as refused:
        actions.approve(actor=as_actor(w.ops), approval=req.approvals.get())
    assert refused.value.field == "requester"


def test_requester_switched_off_since_asking_is_refused_too(r) -> None:
    w = r.world
    req = _raised(r)
    party_actions.set_membership_active(
        actor=Actor.system(), membership=Membership.objects.get(user=w.admin_a), active=False
    )
    with pytest.raises(Conflict, match="no longer an administrator"):
        actions.approve(actor=as_actor(w.ops), approval=req.approvals.get())
    assert not Invitation.objects.exists()


def test_the_requester_cannot_approve_their_own_request(r) -> None:
    w = r.world
    req = actions.raise_request(
        actor=as_actor(w.ops),
        item=r.new_user,
        organisation=w.operator,
        answers={"email": NEWCOMER, "full_name": "Nia", "role": "participant"},
    )
    response = approve_on_page(r, w.ops, req)
    assert response.status_code == 403
    with pytest.raises(NotPermitted, match="your own request"):
        actions.approve(actor=as_actor(w.ops), approval=req.approvals.get())
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["user_a", "admin_a", "user_b", "resolver"])
def test_only_the_operator_approves(r, who) -> None:
    w = r.world
    req = _raised(r)
    response = approve_on_page(r, getattr(w, who), req)
    assert response.status_code in (403, 404)
    with pytest.raises(NotPermitted):
        actions.approve(actor=as_actor(getattr(w, who)), approval=req.approvals.get())
    assert not Invitation.objects.exists()
