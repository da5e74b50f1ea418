"""The change co-ordination demo (issue 13, item 11): the CCG, notice rules, maintenance and blackout
windows, availability targets, subscriptions, three CCG meetings and 30 Change Notifications across the
six providers and every state, laid out around the day the demo is loaded:

* the past two months: a major CSS release with its consultation, decision with conditions,
  implementation and post-implementation review; a failed and a backed-out change; two emergency changes
  (one reviewed retrospectively, one awaiting its review); a late notification accepted as an exception;
  a rejected and a cancelled notification; the UK Link data-centre move's first phase awaiting its PIR;
* now: DES release 24.3 in progress (the status board shows planned maintenance); a planned CSS outage
  submitted a few minutes ago with only 5 working days' notice, flagged late and in conflict with DCC's
  accepted change the same night; a major CSS platform upgrade under review with a consultation half
  answered; one sent back for more information (inside the price-cap blackout); one awaiting review; a
  draft;
* the six weeks ahead: two accepted changes every week (the forward schedule of change is full), one of
  them rescheduled by the CCG and one major change accepted with conditions;
* CCG #1 and #2 held (decisions, minutes), CCG #3 planned for next Tuesday with its agenda generated from
  the changes awaiting review, the emergency change awaiting its retrospective review and the major
  change awaiting its PIR.

Played through the real actions at back-dated times (``story``). Loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from busbar.changes import actions, conflicts, notice
from busbar.changes.demo import data
from busbar.changes.demo.ahead import play_ahead
from busbar.changes.demo.now import play_now
from busbar.changes.demo.past import play_past
from busbar.changes.demo.story import LONDON, Plan
from busbar.changes.models import (
    AvailabilityTarget,
    BlackoutWindow,
    CcgMeeting,
    CcgMember,
    ChangeNotification,
    MaintenanceWindow,
    NoticeRule,
    ServiceSubscription,
)
from busbar.services.models import Calendar, Service


def load(ctx) -> None:
    if ChangeNotification.objects.exists() or CcgMeeting.objects.exists():
        ctx.lines.append("Demo change notifications already present: left as they are.")
        return
    services = {s.slug: s for s in Service.objects.filter(slug__in=data.SERVICES, is_active=True)}
    working = Calendar.objects.filter(name=data.WORKING).first()
    if len(services) < len(data.SERVICES) or working is None:
        ctx.lines.append("No demo services: demo change notifications skipped.")
        return
    plan = Plan.starting(ctx)
    plan.services = services
    _configure(plan, working)
    plan.blackouts = _blackouts(plan)
    late_day = _late_day(plan, working)
    play_past(plan)
    play_now(plan, late_day)
    play_ahead(plan)
    plan.play()
    _report(plan)


# -- configuration -------------------------------------------------------------------------------------------


def _configure(plan: Plan, working: Calendar) -> None:
    """The CCG, notice rules, maintenance windows, availability targets and subscriptions (as the change
    co-ordinator and the subscribers would set them up; these actions take no back-dated time)."""
    chair = plan.actor(data.CHAIR)
    if not CcgMember.objects.exists():
        operator = plan.org("switching-operator")
        actions.add_ccg_member(actor=chair, organisation=operator, user=plan.user(data.CHAIR), role="chair")
        actions.add_ccg_member(actor=chair, organisation=operator, user=plan.user(data.DEPUTY), role="deputy")
        for slug, email in data.PROVIDERS.items():
            actions.add_ccg_member(
                actor=chair, organisation=plan.org(slug), user=plan.user(email), role="representative"
            )
    if not NoticeRule.objects.exists():
        for name, days, provider, service, kind, outage_only, source in data.NOTICE_RULES:
            actions.create_notice_rule(
                actor=chair,
                name=name,
                min_working_days=days,
                calendar=working,
                provider=plan.org(provider) if provider else None,
                service=plan.services[service] if service else None,
                change_type=kind,
                outage_only=outage_only,
                source=source,
            )
    if not MaintenanceWindow.objects.exists():
        for slug, weekday, start, end, note in data.MAINTENANCE_WINDOWS:
            actions.create_maintenance_window(
                actor=chair,
                service=plan.services[slug],
                weekday=weekday,
                start_time=data.time(start),
                end_time=data.time(end),
                note=note,
            )
    if not AvailabilityTarget.objects.exists():
        for slug, target, planned_counts, agreement in data.AVAILABILITY_TARGETS:
            actions.set_availability_target(
                actor=chair,
                service=plan.services[slug],
                target_percent=target,
                planned_counts=planned_counts,
                agreement=agreement,
            )
    if not ServiceSubscription.objects.exists():
        for email, slug, by_email in data.SUBSCRIPTIONS:
            actions.subscribe(actor=plan.actor(email), service=plan.services[slug], by_email=by_email)


def _blackouts(plan: Plan) -> list[tuple[dt.datetime, dt.datetime, frozenset[str]]]:
    """The year-end freeze (every service) still to end, and the next price-cap change day's switching
    peak (the registration systems), at least four days ahead. Returns their windows for the slots."""
    chair = plan.actor(data.CHAIR)
    today = plan.today
    year = today.year - 1 if today < dt.date(today.year, 1, 3) else today.year
    freeze = (plan.at(dt.date(year, 12, 20), 0), plan.at(dt.date(year + 1, 1, 3), 0))
    quarter = _next_quarter_day(today + dt.timedelta(days=4))
    peak = (plan.at(quarter - dt.timedelta(days=1), 0), plan.at(quarter + dt.timedelta(days=2), 0))
    plan.quarter_day = quarter
    if not BlackoutWindow.objects.exists():
        actions.create_blackout(
            actor=chair,
            name=f"Year-end change freeze {year}/{(year + 1) % 100:02d}",
            starts_at=freeze[0],
            ends_at=freeze[1],
            reason="No planned changes to any shared system over Christmas and New Year: reduced staffing "
            "at providers and participants. Emergency changes only.",
        )
        actions.create_blackout(
            actor=chair,
            name=f"Price cap change {quarter:%-d %B %Y}: switching peak",
            starts_at=peak[0],
            ends_at=peak[1],
            services=[plan.services[s] for s in data.MARKET_EVENT_SERVICES],
            reason="Switching volumes peak around a price cap change: the registration systems and the "
            "services they feed are frozen from the day before to the day after.",
        )
    return [(freeze[0], freeze[1], frozenset()), (peak[0], peak[1], frozenset(data.MARKET_EVENT_SERVICES))]


def _next_quarter_day(on_or_after: dt.date) -> dt.date:
    """The first 1 January, April, July or October on or after the day."""
    for year in (on_or_after.year, on_or_after.year + 1):
        for month in (1, 4, 7, 10):
            day = dt.date(year, month, 1)
            if day >= on_or_after:
                return day
    raise AssertionError("unreachable")


def _late_day(plan: Plan, working: Calendar) -> dt.date:
    """The first day whose planned start (00:30) gives 5 working days' notice from now, bank holidays
    and closures counted (the REC rule for CSS outages asks for 8)."""
    day = plan.today + dt.timedelta(days=1)
    while notice.notice_days(working, plan.now, plan.at(day, 0, 30)) < 5:
        day += dt.timedelta(days=1)
    return day


# -- the report ----------------------------------------------------------------------------------------------


def _report(plan: Plan) -> None:
    changes = ChangeNotification.objects.all()
    by_status: dict[str, int] = {}
    for status in changes.values_list("status", flat=True):
        by_status[status] = by_status.get(status, 0) + 1
    meetings = ", ".join(
        f"#{m.number} {m.get_status_display().lower()} {m.held_at.astimezone(LONDON):%a %-d %b}"
        for m in CcgMeeting.objects.order_by("number")
    )
    css_dr, other = plan.change("css-dr"), plan.change("dsp-patching")
    lines = [
        f"Change co-ordination: {changes.count()} Change Notifications "
        f"({', '.join(f'{n} {s}' for s, n in sorted(by_status.items()))}); CCG of "
        f"{CcgMember.objects.filter(is_active=True).count()} members, meetings {meetings}. "
        "See /changes/, /changes/schedule/ and /changes/ccg/.",
        f"  Try: {css_dr.reference} (a planned CSS outage with 5 working days' notice) is flagged late and "
        f"in conflict with {other.reference}; as the CCG, reschedule it into a free CSS Sunday window"
        f"{_free_sunday(plan, css_dr)}.",
        _feed_line(plan),
    ]
    plan.ctx.lines.extend(lines)


def _free_sunday(plan: Plan, change: ChangeNotification) -> str:
    """The first Sunday 01:00–04:00 at least two weeks ahead where ``change`` would meet nothing but the
    live major incident (read only: the change's services with that window)."""
    day = plan.weekday_in_week(2, 6)
    for _ in range(12):
        change.planned_start, change.planned_end = plan.at(day, 1), plan.at(day, 4)
        found = [f for f in conflicts.detect(change, now=plan.now) if f.kind != "major_incident"]
        if not found:
            return f" (e.g. {day:%a %-d %b} 01:00–04:00)"
        day += dt.timedelta(days=7)
    return ""


def _feed_line(plan: Plan) -> str:
    """A calendar feed for the demo supplier (the secret is shown once: here)."""
    _token, secret = actions.create_feed_token(actor=plan.actor(data.SUPPLIER))
    path = reverse("fsc_feed", kwargs={"token": secret})
    return (
        f"  {plan.user(data.SUPPLIER).display_name} ({data.SUPPLIER}) subscribes to CSS by email; "
        f"her calendar feed: {settings.SITE_URL}{path}"
    )
