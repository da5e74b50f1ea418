"""Change-notification reports for a period (CH-03, issue 13 §9): by provider and status, by type, late
notifications and how many the CCG accepted as exceptions, failed and backed-out changes, emergency
changes and their retrospective reviews, major changes and their post-implementation reviews, and the
mean notice given.

A change counts in the period when its planned start falls in it (London dates, both ends included) and
it was notified (submitted: drafts are not counted; a draft cancelled before it was submitted neither).
"Outstanding" reviews are those not done now. A change that failed or was backed out and has since been
reviewed still counts as failed or backed out: its journal says how its implementation ended.

Every figure comes from one aggregate query (grouped by provider, type, status and how the implementation
ended), summed here into the tables.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, Count, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast

from busbar.audit.models import AuditEntry
from busbar.changes import queries
from busbar.changes.models import ChangeNotification, ChangeStatus, ChangeType
from busbar.lib.limits import EARLIEST_DATE, LATEST_DATE

LONDON = zoneinfo.ZoneInfo("Europe/London")
#: The longest period a report covers (two years, a leap day included).
MAX_DAYS = 731

S = ChangeStatus
#: (key, label, statuses): how the report groups the lifecycle's states.
STATUS_GROUPS: list[tuple[str, str, frozenset[str]]] = [
    ("awaiting", "Awaiting decision", frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO})),
    ("scheduled", "Accepted or in progress", frozenset({S.ACCEPTED, S.IN_PROGRESS})),
    ("completed", "Completed", frozenset({S.COMPLETED})),
    ("failed", "Failed or backed out", frozenset({S.FAILED, S.BACKED_OUT})),
    ("reviewed", "Reviewed", frozenset({S.REVIEWED})),
    ("rejected", "Rejected", frozenset({S.REJECTED})),
    ("cancelled", "Cancelled", frozenset({S.CANCELLED})),
]
GROUP_OF = {status: key for key, _, statuses in STATUS_GROUPS for status in statuses}
GROUP_KEYS = [key for key, *_ in STATUS_GROUPS]
IMPLEMENTED = frozenset({S.COMPLETED, S.FAILED, S.BACKED_OUT, S.REVIEWED})
#: How an implementation ended, read from the journal for a reviewed change.
FAILED, BACKED_OUT = "change.fail", "change.back_out"


class PeriodError(ValueError):
    """A period the report cannot cover; ``field`` is the parameter at fault (``from`` or ``to``)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as UTC instants: from London midnight starting ``start`` to the one ending ``end``."""
        first = dt.datetime.combine(self.start, dt.time(), tzinfo=LONDON)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)
        return first.astimezone(dt.UTC), after.astimezone(dt.UTC)

    def label(self) -> str:
        return f"{self.start.day} {self.start:%b %Y} to {self.end.day} {self.end:%b %Y}"


def quarter_of(today: dt.date) -> Period:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = dt.date(today.year, first_month, 1)
    next_start = dt.date(today.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1)
    return Period(start, next_start - dt.timedelta(days=1))


def _date(value: str, name: str) -> dt.date:
    try:
        found = dt.date.fromisoformat(value.strip()[:10]) if len(value.strip()) == 10 else None
    except ValueError:
        found = None
    if found is None:
        raise PeriodError(f"Give the date as YYYY-MM-DD (not {value.strip()[:20]!r})", field=name)
    if not EARLIEST_DATE <= found <= LATEST_DATE:
        raise PeriodError("That date is out of range", field=name)
    return found


def parse_period(params, *, today: dt.date) -> Period:
    """The period asked for by ``from`` and ``to`` (ISO dates; either may be left out: this quarter's
    start or end). At most :data:`MAX_DAYS` days; raises :class:`PeriodError` naming the parameter."""
    default = quarter_of(today)
    raw_from = (params.get("from") or "").strip()
    raw_to = (params.get("to") or "").strip()
    start = _date(raw_from, "from") if raw_from else None
    end = _date(raw_to, "to") if raw_to else None
    if start is None and end is None:
        return default
    if start is None:
        start = quarter_of(end).start
    if end is None:
        end = quarter_of(start).end
    if end < start:
        raise PeriodError("The end of the period must not be before its start", field="to")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError("A report covers at most two years", field="to")
    return Period(start, end)


# -- the figures ---------------------------------------------------------------------------------------


@dataclass
class Tally:
    """The figures of one row of a table (a provider, a type, or all)."""

    label: str
    total: int = 0
    groups: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUP_KEYS, 0))
    late: int = 0
    exceptions: int = 0
    implemented: int = 0
    failed: int = 0
    backed_out: int = 0
    emergency: int = 0
    retro_done: int = 0
    retro_outstanding: int = 0
    major: int = 0
    major_implemented: int = 0
    pir_done: int = 0
    pir_outstanding: int = 0
    notice_sum: int = 0
    notice_count: int = 0

    def add(self, row: dict) -> None:
        n = row["n"]
        self.total += n
        self.groups[GROUP_OF[row["status"]]] += n
        self.late += row["late"]
        self.exceptions += row["exceptions"]
        implemented = row["status"] in IMPLEMENTED
        ended = _ending(row)
        if implemented:
            self.implemented += n
        if ended == FAILED:
            self.failed += n
        elif ended == BACKED_OUT:
            self.backed_out += n
        if row["change_type"] == ChangeType.EMERGENCY:
            self.emergency += n
            self.retro_done += row["retro_done"]
            self.retro_outstanding += row["retro_due"]
        if row["change_type"] == ChangeType.MAJOR:
            self.major += n
            self.pir_done += row["pir_done"]
            if implemented:
                self.major_implemented += n
                if row["status"] != S.REVIEWED:
                    self.pir_outstanding += n - row["pir_done"]
        self.notice_sum += row["notice_sum"] or 0
        self.notice_count += row["notice_count"]

    @property
    def mean_notice(self) -> Decimal | None:
        """Mean working days' notice given (notifications with a notice rule), to one place."""
        if not self.notice_count:
            return None
        return (Decimal(self.notice_sum) / Decimal(self.notice_count)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def late_percent(self) -> Decimal | None:
        return _percent(self.late, self.total)

    @property
    def failed_percent(self) -> Decimal | None:
        return _percent(self.failed + self.backed_out, self.implemented)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _ending(row: dict) -> str | None:
    if row["status"] == S.FAILED:
        return FAILED
    if row["status"] == S.BACKED_OUT:
        return BACKED_OUT
    return row["ended"] if row["status"] == S.REVIEWED else None


@dataclass
class Report:
    period: Period
    total: Tally
    providers: list[Tally]
    types: list[Tally]


def _ended_in_journal():
    """How a reviewed change's implementation ended: the last ``change.fail`` or ``change.back_out`` in
    its journal (read only for reviewed changes)."""
    entries = AuditEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(ChangeNotification),
        record_id=Cast(OuterRef("pk"), output_field=CharField()),
        action__in=(FAILED, BACKED_OUT),
    ).order_by("-at", "-id")
    return Case(
        When(status=S.REVIEWED, then=Subquery(entries.values("action")[:1])),
        default=Value(None),
        output_field=CharField(),
    )


def rows(user, period: Period) -> list[dict]:
    """The one aggregate query: notified changes starting in the period that ``user`` may see, counted by
    provider, type, status and how the implementation ended."""
    first, after = period.bounds()
    return list(
        queries.visible_to(user)
        .filter(planned_start__gte=first, planned_start__lt=after, submitted_at__isnull=False)
        .annotate(ended=_ended_in_journal())
        .values("provider_id", "provider__name", "change_type", "status", "ended")
        .annotate(
            n=Count("id"),
            late=Count("id", filter=Q(is_late=True)),
            exceptions=Count("id", filter=Q(is_late=True, late_exception=True)),
            retro_due=Count(
                "id", filter=Q(retrospective_review_due=True, retrospective_reviewed_at__isnull=True)
            ),
            retro_done=Count("id", filter=Q(retrospective_reviewed_at__isnull=False)),
            pir_done=Count("id", filter=Q(pir_completed_at__isnull=False)),
            notice_sum=Sum("notice_given"),
            notice_count=Count("notice_given"),
        )
        .order_by("provider__name", "provider_id", "change_type", "status", "ended")
    )


def report(user, period: Period) -> Report:
    """The period's figures as ``user`` may see them (the desk: every change)."""
    total = Tally("All providers")
    providers: dict[int, Tally] = {}
    types = {value: Tally(label) for value, label in ChangeType.choices}
    for row in rows(user, period):
        total.add(row)
        providers.setdefault(row["provider_id"], Tally(row["provider__name"])).add(row)
        types[row["change_type"]].add(row)
    return Report(
        period=period,
        total=total,
        providers=sorted(providers.values(), key=lambda t: t.label.lower()),
        types=list(types.values()),
    )


#: The tables of the report (``?table=``): key -> title.
TABLES = {
    "providers": "By provider and status",
    "types": "By type",
    "late": "Late notifications",
    "failed": "Failed and backed-out changes",
    "emergency": "Emergency changes and retrospective reviews",
    "major": "Major changes and post-implementation reviews",
}
