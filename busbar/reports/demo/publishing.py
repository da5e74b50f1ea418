"""The demo's monthly service reports, a provider's KPI returns and the operations manager's subscriptions,
made through the report and return actions at back-dated times:

* the end-to-end reports of the two previous months, generated on the first working day after each month
  and published with the operations manager's commentary;
* Northern Distribution Networks' report for last month left as a draft (its commentary to write);
* a monthly KPI return schedule for Xoserve (measured KPIs and two Busbar does not measure itself): the
  return for the month before last submitted by CSV and accepted, last month's due;
* the operations manager subscribed to the end-to-end report and to Northern DN's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from busbar.lib.actions import Actor, Conflict
from busbar.parties.queries import scope_for
from busbar.reports.actions import returns as return_actions
from busbar.reports.actions import service_reports as report_actions
from busbar.services.models import Calendar

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
RETURN_PROVIDER = "xoserve"
RETURN_RESOLVER = "resolver@xoserve.example"
#: What Xoserve returns each month: two KPIs Busbar measures, and two only Xoserve can.
RETURN_KPIS = ["availability", "resolved_in_sla", "batch_on_time", "nomination_response_time"]
WORKING = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"

COMMENTARY = {
    2: {
        "summary": "A stable month for the switching service end to end, apart from the CSS registration "
        "outage after a failed database failover (a major incident, reviewed).",
        "highlights": "Response times stayed well inside the SLA at every severity; DCC's certificate "
        "monitoring went live.",
        "concerns": "The CSS outage cost most of the month's availability. Gate-closure peaks remain the "
        "top operational risk.",
        "improvements": "Failover runbook corrected and tested; automatic replay of rejected switch requests "
        "approved.",
    },
    1: {
        "summary": "Service levels met the end-to-end SLA, but MPRS Northern had a major incident and its "
        "severity 2 resolution times are drifting.",
        "highlights": "Re-assignments between providers fell after the desk's triage guidance on MPRS "
        "incidents.",
        "concerns": "Northern Distribution Networks: severity 2 incidents take far longer than at the other "
        "distributors; discussed at the service review, recovery plan due.",
        "improvements": "A second batch scheduler host for MPRS Northern; knowledge articles for the most "
        "frequent incident types.",
    },
}


def _actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def _first_working(month: dt.date) -> dt.datetime:
    """09:30 UK time on the first weekday of ``month`` (as UTC)."""
    from busbar.reports.demo.history import LONDON, UTC

    day = month
    while day.weekday() >= 5:
        day += DAY
    return dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=LONDON).astimezone(UTC)


def _months(now: dt.datetime) -> dict[int, dt.date]:
    from busbar.reports.demo.history import LONDON

    first = now.astimezone(LONDON).date().replace(day=1)
    out = {}
    for back in (0, 1, 2):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        out[back] = dt.date(y, m + 1, 1)
    return out


def _reports(ctx, ops: Actor, now: dt.datetime) -> int:
    months = _months(now)
    published = 0
    for back in (2, 1):
        month = months[back]
        generated = min(_first_working(months[back - 1]), now - 2 * HOUR)
        report = report_actions.generate_report(actor=ops, month=month, now=generated)
        report = report_actions.update_commentary(
            actor=ops, report=report, **COMMENTARY[back], now=generated + 3 * HOUR
        )
        report_actions.publish_report(actor=ops, report=report, now=generated + 4 * HOUR)
        published += 1
    # Northern DN's report for last month: generated, its commentary still to write.
    generated = min(_first_working(months[0]), now - HOUR)
    report_actions.generate_report(
        actor=ops, month=months[1], provider=ctx.orgs["northern-dn"], now=generated
    )
    return published


def _returns(ctx, ops: Actor, now: dt.datetime) -> bool:
    months = _months(now)
    calendar = Calendar.objects.filter(name=WORKING).first()
    provider = ctx.orgs.get(RETURN_PROVIDER)
    if calendar is None or provider is None:
        return False
    set_at = _first_working(months[2]) - 20 * DAY
    return_actions.set_schedule(
        actor=ops,
        provider=provider,
        kpis=RETURN_KPIS,
        calendar=calendar,
        due_working_days=5,
        chase_every_days=2,
        now=set_at,
    )
    # The month before last: opened on the first working day after it, returned by CSV, accepted.
    opened_at = min(_first_working(months[1]), now - 3 * HOUR)
    opened = return_actions.open_due_returns(actor=ops, now=opened_at)
    xoserve = _actor(ctx, RETURN_RESOLVER)
    if opened:
        kpi_return = opened[0]
        uk_link = "uk-link"
        rows = [
            ("availability", uk_link, "", Decimal("99.92"), "Planned maintenance excluded"),
            ("resolved_in_sla", uk_link, "", Decimal("91.5"), ""),
            ("resolved_in_sla", uk_link, "2", Decimal("100"), ""),
            ("batch_on_time", uk_link, "", Decimal("96.8"), "Two overruns on gas nomination batches"),
            ("nomination_response_time", uk_link, "", Decimal("3.4"), "Minutes, 95th percentile"),
        ]
        lines = [
            (f"line {i}", {"kpi": k, "service": s, "severity": sev, "value": str(v), "note": note})
            for i, (k, s, sev, v, note) in enumerate(rows, start=2)
        ]
        submitted = min(opened_at + 3 * DAY, now - 2 * HOUR)
        return_actions.submit_return(
            actor=xoserve, kpi_return=kpi_return, lines=lines, channel="csv", now=submitted
        )
        return_actions.accept_return(actor=ops, kpi_return=kpi_return, now=submitted + HOUR)
    # Last month's return: opened now, due within a week.
    with contextlib.suppress(Conflict):  # nothing to open yet
        return_actions.open_due_returns(actor=ops, now=now)
    return bool(opened)


def load(ctx, ops: Actor, now: dt.datetime) -> str:
    published = _reports(ctx, ops, now)
    returned = _returns(ctx, ops, now)
    report_actions.subscribe(actor=ops, provider=None, now=now)
    report_actions.subscribe(actor=ops, provider=ctx.orgs["northern-dn"], now=now)
    return (
        f"{published} published monthly reports and a draft, "
        f"{'a submitted KPI return from Xoserve' if returned else 'no KPI return'}"
    )
