"""Monthly service reports (SL-04, SL-05): generate (or regenerate while a draft), write the commentary,
publish (draft → published, ``REPORT_TRANSITIONS``; the operations manager's), and subscribe to be
emailed on publication. A published report never changes: regenerating or editing it is a 409."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record
from busbar.lib.actions import ActionError, Actor, IllegalTransition, action, check_transition, refuse
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_of
from busbar.reports import monthly, permissions
from busbar.reports.models import REPORT_TRANSITIONS, ReportSubscription, ServiceReport, ServiceReportStatus

__all__ = ["generate_report", "update_commentary", "publish_report", "subscribe", "unsubscribe"]

#: The longest commentary field (characters).
MAX_COMMENTARY = 10_000
COMMENTARY = ("summary", "highlights", "concerns", "improvements")
#: How far back a report may be generated (months).
#: Subscriptions one person may hold.
MAX_SUBSCRIPTIONS = 200


class NotFound(ActionError):
    """What the actor may not read, answered as if it did not exist (404)."""

    status = 404
    title = "Not found"


def _owner(report_or_provider) -> Organisation | None:
    provider = getattr(report_or_provider, "provider", report_or_provider)
    return provider if isinstance(provider, Organisation) else None


@action
def generate_report(
    *, actor: Actor, month: dt.date, provider: Organisation | None = None, now: dt.datetime | None = None
) -> ServiceReport:
    """The draft report for ``month`` and ``provider`` (None: end to end), made or made again from the
    figures as they are now; the commentary is kept. A published report is a 409."""
    refuse(permissions.can_generate_report(scope_of(actor)))
    now = now or timezone.now()
    month = monthly.check_month(month, now=now)
    provider = monthly.check_provider(provider)
    report = (
        ServiceReport.objects.select_for_update(of=("self",))
        .filter(month=month, provider_id=provider.pk if provider else None)
        .first()
    )
    if report is not None and report.status == ServiceReportStatus.PUBLISHED:
        raise IllegalTransition(
            f"The report for {monthly.month_label(month)} is published and never changes", field="status"
        )
    content = monthly.build(month, provider, now=now)
    if report is None:
        report = ServiceReport.objects.create(
            month=month, provider=provider, content=content, generated_at=now
        )
        what = "service_report.generate"
    else:
        report.content = content
        report.generated_at = now
        report.save(update_fields=["content", "generated_at"])
        what = "service_report.regenerate"
    record(
        actor=actor,
        action=what,
        obj=report,
        owner=_owner(report),
        changes={"generated_at": [None, now]},
        note=monthly.month_label(month),
    )
    return report


def _locked(report: ServiceReport) -> ServiceReport:
    return ServiceReport.objects.select_for_update(of=("self",)).select_related("provider").get(pk=report.pk)


@action
def update_commentary(
    *,
    actor: Actor,
    report: ServiceReport,
    summary: str | None = None,
    highlights: str | None = None,
    concerns: str | None = None,
    improvements: str | None = None,
    now: dt.datetime | None = None,
) -> ServiceReport:
    """Write the commentary of a draft report (None leaves a field as it is)."""
    report = _locked(report)
    refuse(permissions.can_edit_report(scope_of(actor), report))
    if report.status != ServiceReportStatus.DRAFT:
        raise IllegalTransition("A published report never changes", field="status")
    given = {"summary": summary, "highlights": highlights, "concerns": concerns, "improvements": improvements}
    changes = {}
    for name, value in given.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise ActionError("Give text", field=name)
        value = value.replace("\r\n", "\n").strip()
        if len(value) > MAX_COMMENTARY:
            raise ActionError(f"Write at most {MAX_COMMENTARY:,} characters", field=name)
        if getattr(report, name) != value:
            changes[name] = [getattr(report, name), value]
            setattr(report, name, value)
    if changes:
        report.save(update_fields=list(changes))
    record(
        actor=actor,
        action="service_report.commentary",
        obj=report,
        owner=_owner(report),
        changes=changes,
    )
    return report


@action
def publish_report(*, actor: Actor, report: ServiceReport, now: dt.datetime | None = None) -> ServiceReport:
    """Publish a draft report: it never changes again, and each subscriber who may read it is emailed."""
    report = _locked(report)
    refuse(permissions.can_publish_report(scope_of(actor), report))
    check_transition(
        REPORT_TRANSITIONS, report.status, ServiceReportStatus.PUBLISHED, what="A service report"
    )
    now = now or timezone.now()
    report.status = ServiceReportStatus.PUBLISHED
    report.published_at = now
    report.published_by = actor.user
    report.save(update_fields=["status", "published_at", "published_by"])
    record(
        actor=actor,
        action="service_report.publish",
        obj=report,
        owner=_owner(report),
        changes={
            "status": [ServiceReportStatus.DRAFT, ServiceReportStatus.PUBLISHED],
            "published_at": [None, now],
        },
    )
    from busbar.reports.tasks import monthly as tasks

    pk = report.pk
    transaction.on_commit(lambda: tasks.email_report_published.enqueue(pk))
    return report


def _readable_scope(actor: Actor, provider: Organisation | None) -> None:
    from busbar.reports.queries import audience

    who = audience(actor.user)
    if who.kind == "anonymous":
        raise NotFound("Sign in to subscribe", field="provider")
    if provider is not None and not who.may_see_provider(provider.pk):
        raise NotFound("No such provider", field="provider")


@action
def subscribe(
    *, actor: Actor, provider: Organisation | None = None, now: dt.datetime | None = None
) -> ReportSubscription:
    """Be emailed when a report of ``provider`` (None: the end-to-end report) is published; only reports
    the actor may read."""
    _readable_scope(actor, provider)
    current = ReportSubscription.objects.filter(user=actor.user, provider=provider).first()
    if current is not None:
        record(actor=actor, action="report_subscription.keep", obj=current, owner=provider)
        return current
    if ReportSubscription.objects.filter(user=actor.user).count() >= MAX_SUBSCRIPTIONS:
        raise ActionError(f"You follow {MAX_SUBSCRIPTIONS} reports already", field="provider")
    current = ReportSubscription.objects.create(
        user=actor.user, provider=provider, created_at=now or timezone.now()
    )
    record(
        actor=actor,
        action="report_subscription.create",
        obj=current,
        owner=provider,
        note=provider.name if provider else "End to end",
    )
    return current


@action
def unsubscribe(
    *, actor: Actor, provider: Organisation | None = None, now: dt.datetime | None = None
) -> None:
    """Stop the emails of ``provider``'s reports (None: the end-to-end report)."""
    current = ReportSubscription.objects.filter(user=actor.user, provider=provider).first()
    if current is None:
        raise NotFound("You do not subscribe to those reports", field="provider")
    record(actor=actor, action="report_subscription.delete", obj=current, owner=provider)
    current.delete()
