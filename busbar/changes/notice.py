"""The notice rule (CH-06): how many working days' notice a Change Notification needs, and how many it gave.

Rules are data (:class:`~busbar.changes.models.NoticeRule`), e.g. the REC's 8 working days for planned CSS
outages after change R0055. The rule for a change is the most specific active one that matches it:

1. a rule on one of its services, for its type;
2. a rule on one of its services (any type);
3. a rule on its provider, for its type;
4. a rule on its provider (any type);
5. a default rule (neither service nor provider), for its type, then for any type.

A rule with a ``change_type`` applies to that type only; an ``outage_only`` rule only to changes with an
outage (and, being narrower, wins over an otherwise equal rule without it). Among equally specific rules
(say two services of the change with rules of their own) the strictest (most working days) applies.
Emergency changes skip the notice rule: no rule, never late.

**Notice given** is the number of whole working days strictly between the London date of the submission
and the London date of the planned start: submitted on Monday for a Wednesday start gives one day
(Tuesday), whatever the times of day. A *working day* is a London date on which the rule's calendar has
any open hours (not a weekend of a working-hours calendar, not a bank holiday or a closure of it); on a
24x7 calendar every day is a working day. The count looks at most :data:`MAX_SPAN_DAYS` ahead (far more
than any rule asks for), so the calendar is built for a bounded set of years: one query for its closures
and the bank holidays of those years, then arithmetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from busbar.changes.models import ChangeNotification, ChangeService, ChangeType, NoticeRule
from busbar.lib.worktime import LONDON, WorkingCalendar
from busbar.services.models import Calendar

__all__ = ["MAX_SPAN_DAYS", "Notice", "assess", "notice_days", "rule_for"]

#: Working days are counted over at most this many calendar days after the submission (a rule asks for
#: at most 260 working days, about a year); a later start gives the count over this span.
MAX_SPAN_DAYS = 3 * 366


@dataclass(frozen=True)
class Notice:
    """What the notice rule says about a change submitted at a given moment."""

    rule: NoticeRule | None
    #: Working days the rule asks for (None without a rule).
    required: int | None
    #: Working days given (None without a rule: no calendar to count on).
    given: int | None
    is_late: bool


def _specificity(rule: NoticeRule) -> tuple[int, int, int, int, int]:
    """Bigger is more specific; ties go to the strictest rule, then the oldest."""
    return (
        rule.service_id is not None,
        rule.provider_id is not None,
        bool(rule.change_type),
        rule.outage_only,
        rule.min_working_days,
    )


def rule_for(change: ChangeNotification) -> NoticeRule | None:
    """The notice rule applying to ``change`` (see the module docstring), or None. One query."""
    if change.change_type == ChangeType.EMERGENCY:
        return None
    services = ChangeService.objects.filter(change_id=change.pk).values("service_id")
    candidates = (
        NoticeRule.objects.filter(is_active=True)
        .filter(Q(service__isnull=True) | Q(service_id__in=services))
        .filter(Q(provider__isnull=True) | Q(provider_id=change.provider_id))
        .filter(Q(change_type="") | Q(change_type=change.change_type))
        .select_related("calendar")
        .order_by("pk")
    )
    if not change.is_outage:
        candidates = candidates.filter(outage_only=False)
    best: NoticeRule | None = None
    for rule in candidates:
        if best is None or _specificity(rule) > _specificity(best):
            best = rule
    return best


def _london_date(at: dt.datetime) -> dt.date:
    if at.tzinfo is None:
        raise ValueError("Times must be timezone-aware")
    return at.astimezone(LONDON).date()


def _working_calendar(calendar: Calendar, first: dt.date, last: dt.date) -> WorkingCalendar:
    """The calendar's arithmetic form with the bank holidays of exactly the years counted over."""
    return calendar.working_calendar(years=range(first.year, last.year + 1))


def _midnight(day: dt.date) -> dt.datetime:
    # Midnight exists on every London date (the clocks change at 01:00 UTC).
    return dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)


def count_working_days(working: WorkingCalendar, first: dt.date, last: dt.date) -> int:
    """London dates from ``first`` to ``last`` inclusive on which ``working`` has any open hours."""
    if last < first:
        return 0
    if working.is_24x7:
        return (last - first).days + 1
    count = 0
    day = first
    start = _midnight(day)
    while day <= last:
        following = day + dt.timedelta(days=1)
        end = _midnight(following)
        if working.measure(start, end):
            count += 1
        day, start = following, end
    return count


def notice_days(calendar: Calendar, submitted_at: dt.datetime, planned_start: dt.datetime) -> int:
    """Whole working days of ``calendar`` strictly between the London dates of ``submitted_at`` and
    ``planned_start`` (0 when the start is on the next day or earlier)."""
    first = _london_date(submitted_at) + dt.timedelta(days=1)
    last = _london_date(planned_start) - dt.timedelta(days=1)
    last = min(last, first + dt.timedelta(days=MAX_SPAN_DAYS - 1))
    if last < first:
        return 0
    if calendar.kind == Calendar.Kind.ALWAYS:
        return (last - first).days + 1
    return count_working_days(_working_calendar(calendar, first, last), first, last)


def assess(change: ChangeNotification, *, at: dt.datetime) -> Notice:
    """The notice ``change`` gives if submitted ``at``, against the rule that applies to it."""
    rule = rule_for(change)
    if rule is None:
        return Notice(rule=None, required=None, given=None, is_late=False)
    given = notice_days(rule.calendar, at, change.planned_start)
    required = rule.min_working_days
    return Notice(rule=rule, required=required, given=given, is_late=given < required)
