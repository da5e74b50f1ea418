"""Commentary and publication: the desk writes the commentary of a draft (bounded, nothing half-written);
only the operations manager publishes (draft → published, once); a published report never changes (409)."""

from __future__ import annotations

import pytest

from busbar.lib.actions import ActionError, Actor, IllegalTransition, NotPermitted
from busbar.reports.actions import service_reports as actions
from busbar.reports.models import ServiceReport, ServiceReportStatus
from busbar.reports.tests._service_report_helpers import make_report
from busbar.reports.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_analyst_writes_the_commentary(slm) -> None:
    report = make_report(slm)
    actions.update_commentary(
        actor=Actor(user=slm.desk),
        report=report,
        summary="  Steady  ",
        highlights="Severity 1 fixed in 3.5 hours",
        concerns="Gas CDS missed severity 2",
        improvements="Weekly review with Gas CDS",
        now=NOW,
    )
    saved = ServiceReport.objects.get(pk=report.pk)
    assert (saved.summary, saved.highlights, saved.concerns, saved.improvements) == (
        "Steady",
        "Severity 1 fixed in 3.5 hours",
        "Gas CDS missed severity 2",
        "Weekly review with Gas CDS",
    )


def test_too_long_commentary_is_refused_naming_the_field_and_nothing_is_written(slm) -> None:
    report = make_report(slm)
    with pytest.raises(ActionError) as refused:
        actions.update_commentary(
            actor=Actor(user=slm.desk),
            report=report,
            summary="fine",
            concerns="x" * (actions.MAX_COMMENTARY + 1),
            now=NOW,
        )
    assert refused.value.field == "concerns" and refused.value.status == 422
    assert ServiceReport.objects.get(pk=report.pk).summary == ""


@pytest.mark.parametrize("who", ["provider", "alpha"])
def test_only_the_desk_writes_the_commentary(slm, who) -> None:
    report = make_report(slm, provider=slm.world.provider)
    with pytest.raises(NotPermitted):
        actions.update_commentary(actor=Actor(user=getattr(slm, who)), report=report, summary="x", now=NOW)


def test_the_analyst_may_not_publish_but_the_operations_manager_does(slm) -> None:
    report = make_report(slm)
    with pytest.raises(NotPermitted):
        actions.publish_report(actor=Actor(user=slm.desk), report=report, now=NOW)
    assert ServiceReport.objects.get(pk=report.pk).status == ServiceReportStatus.DRAFT
    for who in ("provider", "alpha"):
        with pytest.raises(NotPermitted):
            actions.publish_report(actor=Actor(user=getattr(slm, who)), report=report, now=NOW)
    published = actions.publish_report(actor=Actor(user=slm.ops), report=report, now=NOW)
    saved = ServiceReport.objects.get(pk=published.pk)
    assert (
        saved.status == ServiceReportStatus.PUBLISHED
        and saved.published_at == NOW
        and saved.published_by == slm.ops
    )


def test_a_published_report_never_changes(slm) -> None:
    report = make_report(slm, publish=True)
    with pytest.raises(IllegalTransition) as again:
        actions.publish_report(actor=Actor(user=slm.ops), report=report, now=NOW)
    assert again.value.status == 409
    with pytest.raises(IllegalTransition) as edit:
        actions.update_commentary(actor=Actor(user=slm.desk), report=report, summary="late edit", now=NOW)
    assert edit.value.status == 409
    assert ServiceReport.objects.get(pk=report.pk).summary == ""
