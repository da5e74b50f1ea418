"""The service level demo (issue 14, item 9), loaded once for the module on top of the core demo's parties,
the catalogue and the registers' neighbours: thirteen months of incident history played through the
incident actions, SLAs and OLAs, this month's story (one provider misses its OLA for severity 2
resolution), two published monthly reports and a draft, a provider's KPI return, subscriptions, and
loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from busbar.conftest import ensure_installed_defaults
from busbar.core import demo as core_demo
from busbar.incidents.models import Handover, Incident, MajorIncident
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.records.models import ClockEvent
from busbar.reports import engine, targets
from busbar.reports.demo import agreements as demo_agreements
from busbar.reports.demo import history, load
from busbar.reports.models import (
    Agreement,
    IncidentFact,
    KpiReturn,
    ReportSubscription,
    ReturnStatus,
    ServiceReport,
    ServiceReportStatus,
)
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
    """Parties, the catalogue and the service level demo, loaded once per module inside a transaction
    rolled back when the module ends (each test runs in a savepoint inside it)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                ensure_installed_defaults()
                ctx = _parties()
                load_services(ctx)
                load(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_module_demo, db):
    return _module_demo


def _months_back(back: int) -> dt.date:
    first = timezone.localdate().replace(day=1)
    y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
    return dt.date(y, m + 1, 1)


def test_thirteen_months_of_history_with_every_kind_of_incident(demo) -> None:
    facts = IncidentFact.objects.all()
    assert facts.count() == Incident.objects.count() > 13 * 20
    per_month = Counter(facts.values_list("month", flat=True))
    for back in range(1, 13):
        # 25–45 generated a month (a major, and this month's late severity 2s raised just before it, on top).
        assert 25 <= per_month[_months_back(back)] <= 50, (back, per_month[_months_back(back)])
    assert per_month[_months_back(0)] >= 4
    assert min(per_month) == _months_back(12)
    assert set(facts.values_list("provider__slug", flat=True)) >= {
        "css-provider",
        "xoserve",
        "eastern-dn",
        "northern-dn",
        "electralink",
        "dcc",
    }
    assert {"2", "3", "4"} <= set(facts.values_list("severity_code", flat=True))
    assert facts.filter(escalated=True).count() >= 13  # some breach their resolution target
    assert facts.filter(paused_minutes__gt=0).count() >= 20  # paused awaiting the participant
    assert facts.filter(resolution_met=True).count() > facts.filter(resolution_met=False).count()
    # Paused through the actions: a pause and the participant's reply resuming the clock.
    assert ClockEvent.objects.filter(kind=ClockEvent.Kind.PAUSE).count() >= 20


def test_majors_reviewed_and_handovers_with_reassignments(demo) -> None:
    majors = MajorIncident.objects.select_related("incident")
    assert majors.count() == len(history.MAJORS)
    reviewed = [m for m in majors if m.review_done]
    assert len(reviewed) >= len(history.MAJORS) - 1  # last month's may still await its review
    assert all(m.review_cause and m.review_lessons for m in reviewed)
    assigned = Incident.objects.filter(provider__isnull=False).count()
    assert Handover.objects.values("incident").distinct().count() == assigned
    twice = Handover.objects.values("incident").annotate(n=Count("id")).filter(n__gt=1)
    assert twice.count() >= 3  # passed on from one provider to another


def test_slas_and_olas_with_targets(demo) -> None:
    e2e = Agreement.objects.get(name=demo_agreements.E2E_NAME)
    assert (e2e.kind, e2e.service_id, e2e.provider_id) == ("sla", None, None)
    assert e2e.targets.count() == len(demo_agreements.E2E_TARGETS)
    slas = Agreement.objects.filter(kind="sla", service__isnull=False)
    assert set(slas.values_list("service__slug", flat=True)) == set(demo_agreements.SERVICE_SLAS)
    olas = Agreement.objects.filter(kind="ola")
    assert set(olas.values_list("provider__slug", flat=True)) == set(demo_agreements.OLAS)
    for ola in olas:
        assert ola.targets.filter(kpi="resolution_time", severity_code="2", value=720).exists()
    # In force over the whole history.
    assert all(a.starts_on <= _months_back(12) for a in Agreement.objects.all())


def test_this_month_one_provider_misses_its_severity_2_resolution_ola(demo) -> None:
    month = _months_back(0)
    rows = engine.figures(
        engine.Filters(month, month, severity="2"), group_by=("provider",), kpis=["resolution_time"]
    )
    book = targets.load(month, month)
    verdicts = {}
    for row in rows:
        value = row.values["resolution_time"].value
        if row.key["provider"] is None or value is None:
            continue
        judged = book.judge(
            "resolution_time", value, month=month, provider_id=row.key["provider"], severity="2"
        )
        assert judged.kind == "ola" and judged.target == 720
        verdicts[row.key["provider"]] = judged.met
    late = demo.orgs[history.LATE_PROVIDER].pk
    assert verdicts[late] is False
    assert len(verdicts) >= 4
    assert all(met for pk, met in verdicts.items() if pk != late)


def test_two_published_reports_a_draft_a_kpi_return_and_subscriptions(demo) -> None:
    operator = ServiceReport.objects.filter(provider__isnull=True).order_by("month")
    assert [(r.month, r.status) for r in operator] == [
        (_months_back(2), ServiceReportStatus.PUBLISHED),
        (_months_back(1), ServiceReportStatus.PUBLISHED),
    ]
    for report in operator:
        assert report.summary and report.concerns and report.content
        assert report.published_by.email == "opsmanager@operator.example"
    draft = ServiceReport.objects.get(provider__slug=history.LATE_PROVIDER)
    assert (draft.month, draft.status, draft.summary) == (_months_back(1), ServiceReportStatus.DRAFT, "")

    returns = KpiReturn.objects.filter(provider__slug="xoserve").order_by("period_start")
    submitted = returns.get(period_start=_months_back(2))
    assert submitted.status == ReturnStatus.ACCEPTED and submitted.channel == "csv"
    assert submitted.lines.count() == 5
    assert set(submitted.lines.values_list("kpi", flat=True)) >= {"batch_on_time", "availability"}
    assert returns.filter(period_start=_months_back(1), status=ReturnStatus.DUE).exists()

    subscribed = ReportSubscription.objects.filter(user__email="opsmanager@operator.example")
    assert set(subscribed.values_list("provider__slug", flat=True)) == {None, history.LATE_PROVIDER}
    assert any("Service levels:" in line for line in demo.lines)


def test_loading_twice_changes_nothing(demo) -> None:
    before = (Incident.objects.count(), Agreement.objects.count(), ServiceReport.objects.count())
    load(demo)
    assert (Incident.objects.count(), Agreement.objects.count(), ServiceReport.objects.count()) == before
    assert "already present" in demo.lines[-1]
