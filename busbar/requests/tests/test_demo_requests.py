"""The requests demo (issue 15, item 7), loaded once for the module on the core demo's parties and the
services catalogue: a catalogue of twelve items, forty requests in every state from several suppliers,
with conversations and some past their SLA targets; loading twice changes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from busbar.conftest import ensure_installed_defaults
from busbar.core import demo as core_demo
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.records.models import Entry, Record
from busbar.requests import defaults
from busbar.requests.demo import load
from busbar.requests.models import CatalogueItem, Request, RequestApproval, RequestTask
from busbar.requests.queries import visible_to
from busbar.services.demo import load as load_services

pytestmark = pytest.mark.django_db


def parties() -> core_demo.DemoContext:
    ctx = core_demo.DemoContext(actor=Actor.system())
    for name, slug, roles, identifiers, email in core_demo.ORGANISATIONS:
        ctx.orgs[slug] = party_actions.create_organisation(
            actor=ctx.actor, name=name, slug=slug, roles=roles, identifiers=identifiers, contact_email=email
        )
    for email, name, slug, role in core_demo.PEOPLE:
        membership = party_actions.add_member(
            actor=ctx.actor, organisation=ctx.orgs[slug], email=email, full_name=name, role=role
        )
        ctx.people[email] = membership.user
    return ctx


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                ensure_installed_defaults()
                defaults.ensure()
                ctx = parties()
                load_services(ctx)
                load(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def counts() -> dict:
    return {
        "items": CatalogueItem.objects.count(),
        "requests": Request.objects.count(),
        "approvals": RequestApproval.objects.count(),
        "tasks": RequestTask.objects.count(),
        "entries": Entry.objects.filter(record__kind="request").count(),
    }


def test_catalogue_of_twelve_items_with_redirects_and_access_items(demo):
    items = {i.slug: i for i in CatalogueItem.objects.all()}
    assert len(items) == 12
    assert {i.slug for i in items.values() if i.kind == "redirect"} == {
        "uk-link-des-access",
        "ecoes-mprs-access",
    }
    assert items["new-portal-user"].admins_only and items["new-portal-user"].fulfilment == "new_user"
    assert [s.approver for s in items["new-portal-user"].approval_steps.all()] == ["operator"]
    assert items["password-reset"].fulfilment == "password_reset"
    assert not items["password-reset"].approval_steps.exists()
    assert items["reset-mfa"].fulfilment == "reset_mfa"
    connection = items["switching-network-connection"]
    assert [s.approver for s in connection.approval_steps.all()] == ["org_admin", "operator"]
    assert [t.assignee for t in connection.task_templates.all()] == ["desk", "provider"]
    assert {"date", "number", "service", "file", "choice"} <= {f.kind for f in connection.fields.all()}
    assert CatalogueItem.objects.filter(slug="information-request").exists()


def test_forty_requests_in_every_state_from_several_suppliers(demo):
    assert Request.objects.count() == 40
    states = Counter(Request.objects.values_list("status", flat=True))
    assert set(states) == {
        "awaiting_approval",
        "in_fulfilment",
        "waiting_on_requester",
        "fulfilled",
        "rejected",
        "cancelled",
        "closed",
    }
    assert Request.objects.values("organisation").distinct().count() >= 6
    assert Entry.objects.filter(record__kind="request").count() >= 25
    # The approved new-user request invited the person in Brightwater.
    from busbar.parties.models import Invitation

    assert Invitation.objects.filter(email="k.osei@brightwater.example").exists()


def test_some_open_requests_are_past_their_targets(demo):
    open_breached = Record.objects.filter(
        kind="request", request__status__in=["awaiting_approval", "in_fulfilment"]
    ).filter(resolution_breached=True) | Record.objects.filter(
        kind="request", request__status__in=["awaiting_approval", "in_fulfilment"], response_breached=True
    )
    assert open_breached.exists()


def test_each_supplier_sees_only_its_own(demo):
    kestrel = demo.people["supplier@greenfield.example"]
    own = visible_to(kestrel)
    assert own.exists()
    assert set(own.values_list("organisation__slug", flat=True)) == {"greenfield"}
    assert visible_to(demo.people["analyst@operator.example"]).count() == 40


def test_loading_twice_changes_nothing(demo):
    before = counts()
    load(demo)
    assert counts() == before
