"""Background work for providers' KPI returns: open each return as its period ends and tell the provider,
chase late ones every ``chase_every_days``, one email per person (the provider's resolvers and
administrators).

Safe to run often and twice: a period's return is opened once (unique per provider and period) and a
return is chased at most once per interval (``returns.chase_due``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from django.conf import settings
from django_tasks import task

from busbar.lib.actions import ActionError, Actor

logger = logging.getLogger(__name__)

#: Switched off on the profile as "KPI returns due and late" (the lead registers the kind).
PREFERENCE = "kpi_returns"


def recipients(provider_id: int) -> list[str]:
    """The email addresses of the provider's active resolvers and administrators who want these emails."""
    from busbar.accounts.models import User
    from busbar.parties.models import MembershipRole

    users = (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=provider_id,
            memberships__is_active=True,
            memberships__role__in=[MembershipRole.RESOLVER, MembershipRole.ORG_ADMIN],
        )
        .distinct()
        .order_by("pk")
    )
    return [u.email for u in users if u.email and u.wants(PREFERENCE)]


@task()
def email_return(return_id: int, kind: str) -> int:
    """Tell the provider a return is due (``kind`` "due") or late ("chase"); returns how many were sent."""
    from django.urls import reverse

    from busbar.lib.mail import render_email
    from busbar.lib.outbound import send_each
    from busbar.lib.taskcontext import message_token
    from busbar.reports import returns as rules
    from busbar.reports.models import KpiReturn, ReturnStatus

    kpi_return = KpiReturn.objects.select_related("provider", "schedule").filter(pk=return_id).first()
    if kpi_return is None or kpi_return.status != ReturnStatus.DUE:
        return 0
    addresses = recipients(kpi_return.provider_id)
    if not addresses:
        return 0
    context = {
        "kpi_return": kpi_return,
        "kind": kind,
        "period": rules.period_label(kpi_return.period_start, kpi_return.period_end),
        "kpis": ", ".join(rules.kpi_name(c) for c in kpi_return.schedule.kpis or []),
        "url": settings.SITE_URL.rstrip("/") + reverse("kpi_return_detail", args=[kpi_return.pk]),
    }
    subject, body = render_email("reports/email/kpi_return.txt", context)
    domain = settings.MAIL_DOMAIN

    def headers(_address: str) -> dict[str, str]:
        return {
            "Message-ID": f"<kpi-return.{kpi_return.pk}.{kind}.{message_token()}@{domain}>",
            "Auto-Submitted": "auto-generated",
        }

    return send_each(addresses, subject=subject, body=body, headers=headers)


@task()
def open_and_chase(now: str | None = None) -> dict[str, int]:
    """The periodic scan: open the returns of periods just ended, chase the late ones. ``now``: an ISO
    instant (tests); returns how many were opened and chased."""
    from busbar.reports import returns as rules
    from busbar.reports.actions import returns as actions
    from busbar.reports.models import KpiReturn, ReturnStatus

    at = dt.datetime.fromisoformat(now) if now else rules.current_time()
    opened = chased = 0
    if rules.periods_to_open(at):
        with contextlib.suppress(ActionError):  # opened meanwhile by a concurrent scan
            opened = len(actions.open_due_returns(actor=Actor.system(), now=at))
    late = KpiReturn.objects.filter(status=ReturnStatus.DUE, due_at__lt=at).select_related("schedule")
    for kpi_return in late.order_by("due_at", "pk")[:1000]:
        if not rules.chase_due(kpi_return, at):
            continue
        try:
            actions.chase(actor=Actor.system(), kpi_return=kpi_return, now=at)
            chased += 1
        except ActionError:
            logger.info("KPI return %s chased meanwhile", kpi_return.pk)
    return {"opened": opened, "chased": chased}


PERIODIC = [open_and_chase]
