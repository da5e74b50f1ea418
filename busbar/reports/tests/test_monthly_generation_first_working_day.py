"""The worker's monthly generation: only on the first working day of the month (working-hours calendar,
England & Wales bank holidays), for the previous month, end to end and for each provider with services;
running it again makes nothing new and leaves a published report alone."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.reports.models import ServiceReport, ServiceReportStatus
from busbar.reports.tasks import monthly as tasks
from busbar.reports.tests._service_report_helpers import make_report

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.mark.parametrize(
    ("month", "first"),
    [
        (dt.date(2027, 1, 1), dt.date(2027, 1, 4)),  # Fri 1 Jan is New Year's Day
        (dt.date(2027, 5, 1), dt.date(2027, 5, 4)),  # Sat 1 May; Mon 3 May is the early May bank holiday
        (dt.date(2027, 6, 1), dt.date(2027, 6, 1)),  # Tuesday
        (dt.date(2027, 8, 1), dt.date(2027, 8, 2)),  # Sunday
        (dt.date(2026, 12, 1), dt.date(2026, 12, 1)),
    ],
)
def test_first_working_day(slm, month, first) -> None:
    assert tasks.first_working_day(month) == first


def test_due_month_only_on_the_first_working_day(slm) -> None:
    assert tasks.due_month(dt.datetime(2027, 5, 4, 7, 0, tzinfo=UTC)) == dt.date(2027, 4, 1)
    assert tasks.due_month(dt.datetime(2027, 5, 3, 7, 0, tzinfo=UTC)) is None
    assert tasks.due_month(dt.datetime(2027, 5, 5, 7, 0, tzinfo=UTC)) is None
    # 23:30 UTC on Mon 3 May is 00:30 on Tue 4 May in London.
    assert tasks.due_month(dt.datetime(2027, 5, 3, 23, 30, tzinfo=UTC)) == dt.date(2027, 4, 1)
    assert tasks.due_month(dt.datetime(2027, 1, 4, 9, 0, tzinfo=UTC)) == dt.date(2026, 12, 1)


def test_generates_the_previous_months_drafts_once(slm) -> None:
    assert tasks.generate_monthly_reports.call(now="2027-06-02T07:00:00+00:00") == 0
    assert not ServiceReport.objects.exists()
    made = tasks.generate_monthly_reports.call(now="2027-06-01T07:00:00+00:00")
    reports = ServiceReport.objects.filter(month=dt.date(2027, 5, 1))
    assert made == 3 == reports.count()
    assert {r.provider_id for r in reports} == {None, slm.world.provider.pk, slm.gas_org.pk}
    assert all(r.status == ServiceReportStatus.DRAFT for r in reports)
    assert tasks.generate_monthly_reports.call(now="2027-06-01T09:00:00+00:00") == 0
    assert ServiceReport.objects.count() == 3


def test_leaves_a_published_report_alone(slm) -> None:
    published = make_report(slm, publish=True)
    before = ServiceReport.objects.get(pk=published.pk).generated_at
    assert tasks.generate_monthly_reports.call(now="2027-06-01T07:00:00+00:00") == 2
    assert ServiceReport.objects.get(pk=published.pk).generated_at == before


def test_the_task_is_periodic() -> None:
    assert [tasks.generate_monthly_reports] == tasks.PERIODIC
