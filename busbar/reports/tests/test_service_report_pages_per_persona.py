"""The report pages per persona: the desk sees every report, generates on demand and writes the
commentary; only the operations manager is offered (and may use) the publish button; a provider reads its
own reports (drafts too) and the published end-to-end one; a participant only the published end-to-end
report (404 on drafts and provider reports); a published report's edit form is a 409."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from busbar.reports.models import ServiceReport, ServiceReportStatus
from busbar.reports.tests._service_report_helpers import make_report
from busbar.reports.tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with mock.patch("django.utils.timezone.now", lambda: NOW):
        yield


@pytest.fixture
def reports(slm):
    return {
        "e2e_draft": make_report(slm),
        "css_draft": make_report(slm, provider=slm.world.provider),
        "gas_draft": make_report(slm, provider=slm.gas_org),
        "april_e2e": make_report(slm, month=__import__("datetime").date(2027, 4, 1), publish=True),
    }


def _detail(slm, user, report):
    return slm.client(user).get(reverse("service_report_detail", args=[report.pk]))


def test_list_groups_by_month_and_shows_what_each_may_read(
    slm, reports, django_assert_max_num_queries
) -> None:
    client = slm.client(slm.desk)
    with django_assert_max_num_queries(20):
        body = client.get(reverse("service_report_list")).content.decode()
    assert "May 2027" in body and "April 2027" in body
    assert body.index("May 2027") < body.index("April 2027")
    for r in reports.values():
        assert f'id="report-{r.pk}"' in body
    assert "Generate a report now" in body
    provider_body = slm.client(slm.provider).get(reverse("service_report_list")).content.decode()
    assert f'id="report-{reports["css_draft"].pk}"' in provider_body
    assert f'id="report-{reports["april_e2e"].pk}"' in provider_body
    assert f'id="report-{reports["gas_draft"].pk}"' not in provider_body
    assert f'id="report-{reports["e2e_draft"].pk}"' not in provider_body
    assert "Generate a report now" not in provider_body
    alpha_body = slm.client(slm.alpha).get(reverse("service_report_list")).content.decode()
    assert f'id="report-{reports["april_e2e"].pk}"' in alpha_body
    assert alpha_body.count('id="report-') == 1


def test_detail_per_persona(slm, reports) -> None:
    assert _detail(slm, slm.desk, reports["gas_draft"]).status_code == 200
    assert _detail(slm, slm.provider, reports["css_draft"]).status_code == 200
    assert _detail(slm, slm.provider, reports["gas_draft"]).status_code == 404
    assert _detail(slm, slm.provider, reports["e2e_draft"]).status_code == 404
    assert _detail(slm, slm.alpha, reports["e2e_draft"]).status_code == 404
    assert _detail(slm, slm.alpha, reports["css_draft"]).status_code == 404
    page = _detail(slm, slm.alpha, reports["april_e2e"])
    assert page.status_code == 200 and "Key performance indicators" in page.content.decode()
    assert "<svg" in page.content.decode()
    assert (
        slm.client(None).get(reverse("service_report_detail", args=[reports["april_e2e"].pk])).status_code
        == 302
    )


def test_publish_button_only_for_the_operations_manager(slm, reports) -> None:
    url = reverse("service_report_publish", args=[reports["e2e_draft"].pk])
    assert f'action="{url}"' in _detail(slm, slm.ops, reports["e2e_draft"]).content.decode()
    assert f'action="{url}"' not in _detail(slm, slm.desk, reports["e2e_draft"]).content.decode()
    refused = slm.client(slm.desk).post(url)
    assert refused.status_code == 403
    assert ServiceReport.objects.get(pk=reports["e2e_draft"].pk).status == ServiceReportStatus.DRAFT
    css_url = reverse("service_report_publish", args=[reports["css_draft"].pk])
    assert slm.client(slm.provider).post(css_url).status_code == 403
    done = slm.client(slm.ops).post(url)
    assert done.status_code == 302
    assert ServiceReport.objects.get(pk=reports["e2e_draft"].pk).status == ServiceReportStatus.PUBLISHED
    assert (
        slm.client(slm.alpha)
        .get(reverse("service_report_detail", args=[reports["e2e_draft"].pk]))
        .status_code
        == 200
    )


def test_the_analyst_edits_the_commentary_by_form(slm, reports) -> None:
    url = reverse("service_report_edit", args=[reports["e2e_draft"].pk])
    client = slm.client(slm.desk)
    assert 'id="commentary-form"' in client.get(url).content.decode()
    assert client.post(url, {"summary": "Good month", "concerns": "Gas CDS"}).status_code == 302
    assert ServiceReport.objects.get(pk=reports["e2e_draft"].pk).summary == "Good month"
    bad = client.post(url, {"summary": "x" * 10_001})
    assert bad.status_code == 422 and "summary" in bad.content.decode()
    assert ServiceReport.objects.get(pk=reports["e2e_draft"].pk).summary == "Good month"
    assert (
        slm.client(slm.provider)
        .get(reverse("service_report_edit", args=[reports["css_draft"].pk]))
        .status_code
        == 404
    )
    assert slm.client(slm.alpha).post(url, {"summary": "hack"}).status_code == 404
    published = reverse("service_report_edit", args=[reports["april_e2e"].pk])
    assert client.post(published, {"summary": "late"}).status_code == 409
    assert ServiceReport.objects.get(pk=reports["april_e2e"].pk).summary == ""


def test_generate_on_demand_form(slm) -> None:
    url = reverse("service_report_generate")
    ok = slm.client(slm.desk).post(url, {"month": "2027-05", "provider": str(slm.gas_org.pk)})
    assert ok.status_code == 302
    report = ServiceReport.objects.get(month="2027-05-01", provider=slm.gas_org)
    assert ok["Location"] == reverse("service_report_detail", args=[report.pk])
    bad = slm.client(slm.desk).post(url, {"month": "2027-13", "provider": ""})
    assert bad.status_code == 422 and "YYYY-MM" in bad.content.decode()
    future = slm.client(slm.desk).post(url, {"month": "2027-08", "provider": ""})
    assert future.status_code == 422 and "future" in future.content.decode()
    assert slm.client(slm.provider).post(url, {"month": "2027-05", "provider": ""}).status_code == 403
    assert slm.client(slm.alpha).post(url, {"month": "2027-05", "provider": ""}).status_code == 403
    assert ServiceReport.objects.count() == 1


def test_subscribe_button(slm, reports) -> None:
    from busbar.reports.models import ReportSubscription

    url = reverse("service_report_subscribe")
    assert slm.client(slm.alpha).post(url, {"provider": "", "verb": "subscribe"}).status_code == 302
    assert ReportSubscription.objects.filter(user=slm.alpha, provider__isnull=True).exists()
    denied = slm.client(slm.alpha).post(url, {"provider": str(slm.world.provider.pk), "verb": "subscribe"})
    assert denied.status_code == 404
    assert slm.client(slm.provider).post(url, {"provider": str(slm.world.provider.pk)}).status_code == 302
    assert ReportSubscription.objects.filter(user=slm.provider, provider=slm.world.provider).exists()
    assert slm.client(slm.alpha).post(url, {"provider": "", "verb": "unsubscribe"}).status_code == 302
    assert not ReportSubscription.objects.filter(user=slm.alpha).exists()
