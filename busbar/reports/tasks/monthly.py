"""Monthly service reports in the background: on the first working day of each month (the working-hours
calendar, England & Wales bank holidays closed) the previous month's drafts are generated for the operator
(end to end) and for every provider that runs services; and the publication email, one message per
subscriber who may read the report.

Both are safe to run twice: a month's report that exists is left alone (the desk regenerates a draft on
demand), and each email's ``Message-ID`` comes from the task's id (the mail queue sends it once)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from busbar.lib.actions import ActionError, Actor
from busbar.lib.worktime import LONDON

logger = logging.getLogger(__name__)

#: The calendar whose open days are working days.
WORKING_CALENDAR = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"
#: Whether people may switch these emails off on their profile (a notification kind).
PREFERENCE = "service_reports"


def first_working_day(month: dt.date) -> dt.date:
    """The first open day of ``month`` on the working-hours calendar (e.g. Mon 4 Jan 2027: 1 Jan is a bank
    holiday; Tue 4 May 2027: Sat 1 May, and Mon 3 May is a bank holiday)."""
    from busbar.services.models import Calendar

    month = month.replace(day=1)
    years = range(month.year - 1, month.year + 2)
    found = Calendar.objects.filter(name=WORKING_CALENDAR).prefetch_related("closures").first()
    if found is None:
        from busbar.lib.worktime import WorkingCalendar

        working = WorkingCalendar.working_hours(
            name=WORKING_CALENDAR, start=dt.time(8), end=dt.time(18), bank_holiday_years=years
        )
    else:
        working = found.working_calendar(years=years)
    midnight = dt.datetime(month.year, month.month, 1, tzinfo=LONDON)
    return timezone.localtime(working.next_open(midnight), LONDON).date()


def due_month(now: dt.datetime) -> dt.date | None:
    """The month whose reports are due today (the previous month), or None if today is not the first
    working day of this month."""
    today = timezone.localtime(now, LONDON).date()
    if today != first_working_day(today):
        return None
    previous = today.replace(day=1) - dt.timedelta(days=1)
    return previous.replace(day=1)


def providers_with_services():
    from busbar.parties.models import Organisation

    return (
        Organisation.objects.filter(is_active=True, services__isnull=False).distinct().order_by("name", "pk")
    )


@task()
def generate_monthly_reports(now: str | None = None) -> int:
    """The daily check: on the first working day of the month, the previous month's drafts for the operator
    and each provider with services that have none yet; returns how many were made."""
    from busbar.reports.actions.service_reports import generate_report
    from busbar.reports.models import ServiceReport

    when = dt.datetime.fromisoformat(now) if isinstance(now, str) else (now or timezone.now())
    month = due_month(when)
    if month is None:
        return 0
    existing = set(ServiceReport.objects.filter(month=month).values_list("provider_id", flat=True))
    made = 0
    for provider in [None, *providers_with_services()]:
        pid = provider.pk if provider is not None else None
        if pid in existing:
            continue
        try:
            generate_report(actor=Actor.system(), month=month, provider=provider, now=when)
        except ActionError as exc:  # made meanwhile by the desk, or published: leave it
            logger.info("Monthly report %s for %s not generated: %s", month, pid, exc.message)
            continue
        made += 1
    return made


#: For the lead: the periodic tasks of this module (registered in registrations.py).
PERIODIC = [generate_monthly_reports]


def recipients(report) -> list:
    """The subscribers to ``report``'s scope who may read it, active, with an address, wanting the email."""
    from busbar.reports.models import ReportSubscription
    from busbar.reports.queries import reports_visible_to

    user_ids = ReportSubscription.objects.filter(provider_id=report.provider_id).values_list(
        "user_id", flat=True
    )
    people = get_user_model().objects.filter(pk__in=list(user_ids), is_active=True).order_by("pk")
    return [
        u
        for u in people
        if u.email and u.wants(PREFERENCE) and reports_visible_to(u).filter(pk=report.pk).exists()
    ]


@task()
def email_report_published(report_id: int) -> int:
    """Email each subscriber who may read published report ``report_id`` (one message each)."""
    from django.urls import reverse

    from busbar.lib.mail import render_email
    from busbar.lib.outbound import send_each
    from busbar.lib.taskcontext import message_token
    from busbar.reports import monthly
    from busbar.reports.models import ServiceReport, ServiceReportStatus

    report = ServiceReport.objects.select_related("provider").filter(pk=report_id).first()
    if report is None or report.status != ServiceReportStatus.PUBLISHED:
        return 0
    people = recipients(report)
    if not people:
        return 0
    content = report.content or {}
    context = {
        "report": report,
        "month_label": monthly.month_label(report.month),
        "scope": report.provider.name if report.provider_id else "End to end",
        "missed": [k for k in content.get("kpis", []) if k.get("met") is False],
        "url": f"{settings.SITE_URL.rstrip('/')}{reverse('service_report_detail', args=[report.pk])}",
        "pdf_url": f"{settings.SITE_URL.rstrip('/')}{reverse('service_report_pdf', args=[report.pk])}",
        "list_url": f"{settings.SITE_URL.rstrip('/')}{reverse('service_report_list')}",
    }
    subject, body = render_email("reports/email/report_published.txt", context)
    domain = settings.MAIL_DOMAIN

    def headers(_address: str) -> dict[str, str]:
        return {
            "Message-ID": f"<service-report.{report.pk}.{message_token()}@{domain}>",
            "Auto-Submitted": "auto-generated",
        }

    return send_each([u.email for u in people], subject=subject, body=body, headers=headers)
