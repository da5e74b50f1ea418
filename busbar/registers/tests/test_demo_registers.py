"""The registers' demo (issue 14, item 9), loaded once for the module on the core demo's parties, the
catalogue, incidents and problems: ten risks and eight improvements, scored, owned, linked to services,
KPIs and problems, in several states; three service reviews with actions; loading twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import override_settings

from busbar.conftest import ensure_installed_defaults
from busbar.core import demo as core_demo
from busbar.incidents.demo import load as load_incidents
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.problems.demo import load as load_problems
from busbar.records.models import Link
from busbar.registers.demo import IMPROVEMENTS, RISKS, load
from busbar.registers.models import Improvement, ReviewAction, Risk, ServiceReview
from busbar.reports import kpis
from busbar.services.demo import load as load_services

pytestmark = pytest.mark.django_db


def _parties() -> core_demo.DemoContext:
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
def _module_demo(django_db_setup, django_db_blocker) -> Iterator:
    """Parties, catalogue, incidents, problems and the registers' demo, loaded once per module inside a
    transaction rolled back when the module ends (each test runs in a savepoint inside it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                ensure_installed_defaults()
                ctx = _parties()
                load_services(ctx)
                load_incidents(ctx)
                load_problems(ctx)
                load(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_module_demo, db):
    return _module_demo


def test_ten_risks_scored_owned_and_linked(demo) -> None:
    risks = Risk.objects.select_related("owner", "organisation").prefetch_related("services")
    assert risks.count() == len(RISKS) == 10
    assert {"open", "mitigating", "accepted", "closed"} <= set(risks.values_list("status", flat=True))
    assert len(set(risks.values_list("category", flat=True))) >= 5
    for risk in risks:
        assert risk.score == risk.likelihood * risk.impact
        assert risk.owner is not None and risk.owner.memberships.filter(organisation=risk.organisation)
        assert set(risk.kpis) <= set(kpis.CODES) and risk.kpis
        assert risk.reference.startswith("RSK")
    # Provider-owned and operator-owned; most name their services.
    assert {"switching-operator", "css-provider", "dcc", "northern-dn"} <= set(
        risks.values_list("organisation__slug", flat=True)
    )
    assert sum(1 for r in risks if r.services.exists()) >= 9
    assert risks.filter(residual_likelihood__isnull=False).count() >= 5
    assert risks.exclude(status="closed").filter(last_reviewed_at__isnull=False).count() >= 8
    # The top risks link to the demo's problems on the record kernel.
    linked = Link.objects.filter(source__kind="risk") | Link.objects.filter(target__kind="risk")
    assert linked.exists()


def test_eight_improvements_through_their_life(demo) -> None:
    items = Improvement.objects.all()
    assert items.count() == len(IMPROVEMENTS) == 8
    statuses = set(items.values_list("status", flat=True))
    assert {"proposed", "approved", "in_progress", "implemented", "closed", "rejected"} <= statuses
    assert len(set(items.values_list("source", flat=True))) >= 4
    closed = items.get(status="closed")
    assert closed.outcome
    assert all(i.score == i.likelihood * i.impact and i.benefits for i in items)
    assert items.exclude(kpis=[]).count() == 8


def test_service_reviews_with_actions(demo) -> None:
    reviews = ServiceReview.objects.all()
    assert reviews.count() == 3
    held = reviews.filter(status=ServiceReview.Status.HELD)
    assert held.count() == 2 and all(r.minutes for r in held)
    assert reviews.filter(status=ServiceReview.Status.PLANNED, provider__slug="northern-dn").count() == 1
    actions = ReviewAction.objects.all()
    assert actions.count() == 4
    assert actions.filter(status=ReviewAction.Status.DONE).count() == 1
    assert actions.filter(improvement__isnull=False).count() == 2
    assert any("Registers: 10 risks and 8 improvements" in line for line in demo.lines)


def test_loading_twice_changes_nothing(demo) -> None:
    before = (Risk.objects.count(), Improvement.objects.count(), ServiceReview.objects.count())
    load(demo)
    assert (Risk.objects.count(), Improvement.objects.count(), ServiceReview.objects.count()) == before
    assert "already present" in demo.lines[-1]
