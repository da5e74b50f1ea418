"""Providers' KPI returns (SL-05): the periods a schedule asks for and when each is due, reading the lines
a provider returns (a form, a CSV file or the API: one validation for all three), and setting the returned
figures beside the ones Busbar measures itself.

Rules:

* **Periods** are UK calendar months, or calendar quarters (January, April, July, October) for a quarterly
  schedule. A return is opened once its period has ended.
* **Due** at the close of the ``due_working_days``-th working day after the period's last day, on the
  schedule's calendar (bank holidays and closures honoured; on a 24x7 calendar every day counts and the day
  closes at midnight). With 0 days the return is due as the period ends.
* **Lines**: one per KPI of the schedule, optionally per service of the provider (slug or name) and per
  severity (incident KPIs only). ``value`` is at least 0; a percentage (``availability``,
  ``resolved_in_sla``, and codes of the provider's own ending ``_pct`` or ``_percent``) at most 100. A file
  is at most :data:`MAX_BYTES` bytes and :data:`MAX_LINES` lines. Everything is checked before anything is
  saved: one bad line refuses the lot, each error naming its line ("line 4: value must not be negative").
* **Comparison**: each returned line beside :func:`busbar.reports.engine.figures` for the same provider,
  period, service and severity; a difference over :data:`PERCENT_TOLERANCE` percentage points (percentages)
  or :data:`RELATIVE_TOLERANCE` of the measured value (counts and minutes) is flagged.
"""

from __future__ import annotations

import calendar as pycalendar
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from busbar.lib.actions import ActionError
from busbar.lib.worktime import LONDON
from busbar.reports import kpis as kpi_book
from busbar.reports.models import KpiReturn, ReturnSchedule, ReturnStatus

if TYPE_CHECKING:
    from busbar.reports.models import KpiReturnLine
    from busbar.services.models import Service

#: CSV columns, in order (``month`` may follow as a sixth column: YYYY-MM, the return's period).
HEADER = ("kpi", "service", "severity", "value", "note")
OPTIONAL = ("month",)
MAX_LINES = 500
MAX_BYTES = 256 * 1024
NOTE_MAX = 500
#: The largest value a line holds (the column keeps 14 digits, 3 after the point).
VALUE_MAX = Decimal("99999999999.999")
#: Flag a percentage returned more than this many points away from the measured one.
PERCENT_TOLERANCE = Decimal("1")
#: Flag a count or a time more than this share away from the measured one.
RELATIVE_TOLERANCE = Decimal("0.05")
#: A schedule's KPIs: at most this many, each a code like ``first_time_fix_pct``.
MAX_SCHEDULE_KPIS = 30
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
#: Days searched for the n-th working day (a calendar without opening days is refused).
_SEARCH_DAYS = 400


def current_time() -> dt.datetime:
    """Now (one place, so tests can set the clock for pages and the API)."""
    from django.utils import timezone

    return timezone.now()


# Periods and due dates ------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def period_for(frequency: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period (first and last day) of a schedule of ``frequency`` that holds ``day``."""
    start = month_start(day)
    months = 1
    if frequency == "quarterly":
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
        months = 3
    last = add_months(start, months - 1)
    return start, last.replace(day=pycalendar.monthrange(last.year, last.month)[1])


def today(now: dt.datetime) -> dt.date:
    """The UK date at ``now``."""
    return now.astimezone(LONDON).date()


def last_ended_period(frequency: str, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The latest period that has ended by ``now`` (UK time)."""
    current, _ = period_for(frequency, today(now))
    return period_for(frequency, current - dt.timedelta(days=1))


def has_ended(period_end: dt.date, now: dt.datetime) -> bool:
    return period_end < today(now)


def period_label(start: dt.date, end: dt.date) -> str:
    if start.month == end.month and start.year == end.year:
        return f"{start:%B %Y}"
    return f"{start:%b}–{end:%b %Y}"


def _open_day(cal: Any, day: dt.date) -> bool:
    if day in cal.closures:
        return False
    return cal.weekly is None or bool(cal.weekly.get(day.weekday()))


def _close_of(cal: Any, day: dt.date) -> dt.datetime:
    """The instant ``day`` closes on ``cal`` (midnight after it on a 24x7 calendar), in UTC."""
    if cal.weekly is None:
        local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
    else:
        end = cal.weekly[day.weekday()][-1][1]
        if end == dt.time(0):
            local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
        else:
            local = dt.datetime.combine(day, end, tzinfo=LONDON)
    return local.astimezone(dt.UTC)


def due_at(schedule: ReturnSchedule, period_end: dt.date) -> dt.datetime:
    """When the return for the period ending ``period_end`` is due (rule in the module docstring)."""
    n = schedule.due_working_days
    if n <= 0:
        local = dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
        return local.astimezone(dt.UTC)
    cal = schedule.calendar.working_calendar(years=range(period_end.year, period_end.year + 2))
    day, counted = period_end, 0
    for _ in range(_SEARCH_DAYS):
        day += dt.timedelta(days=1)
        if _open_day(cal, day):
            counted += 1
            if counted == n:
                return _close_of(cal, day)
    raise ValueError(f"The calendar {schedule.calendar} has no {n} working days after {period_end}")


# Lines ---------------------------------------------------------------------------------------------------


def unit_of(code: str) -> str:
    """percent, count or minutes: the seed KPI's unit; a provider's own code ending ``_pct``/``_percent``
    is a percentage, ``_minutes`` a time, anything else a count."""
    if code in kpi_book.BY_CODE:
        return kpi_book.BY_CODE[code].unit
    if code.endswith(("_pct", "_percent")):
        return "percent"
    if code.endswith("_minutes"):
        return "minutes"
    return "count"


def kpi_name(code: str) -> str:
    known = kpi_book.BY_CODE.get(code)
    return known.name if known else code.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Line:
    """One checked line, ready to save."""

    kpi: str
    service: Service | None
    severity_code: str
    value: Decimal
    note: str

    @property
    def key(self) -> tuple[str, int | None, str]:
        return (self.kpi, self.service.pk if self.service else None, self.severity_code)


@dataclass(frozen=True)
class LineError:
    """What is wrong, where: ``where`` is "line 4" (CSV), "lines[3]" (API) or the form row; ``field`` the
    column at fault (kpi, service, severity, value, note, month)."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class LinesRefused(ActionError):
    """One or more lines are wrong; nothing was saved. ``errors`` lists every one (the API answers with all
    of them; ``field`` names the first's line and column, e.g. ``lines[3].value`` or ``line 4``)."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        first = errors[0]
        super().__init__("; ".join(str(e) for e in errors[:5]), field=first.where)
        self.errors = list(errors)


class Checker:
    """Checks the lines of one return against its schedule, the provider's services and the severities,
    with the lookups made once."""

    def __init__(self, kpi_return: KpiReturn, *, now: dt.datetime) -> None:
        from busbar.services.models import Service, Severity

        self.kpi_return = kpi_return
        self.now = now
        self.kpis = [str(k) for k in (kpi_return.schedule.kpis or [])]
        services = list(Service.objects.filter(provider_id=kpi_return.provider_id).order_by("name"))
        self.services = services
        self.by_key: dict[str, Service] = {}
        for s in services:
            self.by_key[str(s.pk)] = s
            self.by_key[s.slug.lower()] = s
            self.by_key[s.name.lower()] = s
        self.severities = sorted(set(Severity.objects.values_list("code", flat=True)))
        self.period = f"{kpi_return.period_start:%Y-%m}"

    def period_error(self, where: str = "month", field: str = "month") -> LineError | None:
        """The return's own period still running (a month in the future) is refused."""
        if not has_ended(self.kpi_return.period_end, self.now):
            label = period_label(self.kpi_return.period_start, self.kpi_return.period_end)
            return LineError(where, field, f"the period {self.period} ({label}) has not ended yet")
        return None

    def check_month(self, where: str, text: str) -> LineError | None:
        text = (text or "").strip()
        if not text:
            return None
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
            return LineError(where, "month", f"month {text[:20]!r} is not YYYY-MM")
        try:
            month = dt.date(int(text[:4]), int(text[5:]), 1)
        except ValueError:
            return LineError(where, "month", f"month {text!r} is not YYYY-MM")
        if month >= month_start(today(self.now)):
            return LineError(where, "month", f"month {text} is in the future")
        if month != self.kpi_return.period_start:
            return LineError(where, "month", f"month {text} is not this return's period ({self.period})")
        return None

    def check(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> list[Line]:
        """Each ``(where, {kpi, service, severity, value, note[, month]})`` checked; raises
        :class:`LinesRefused` with every error found (all-or-nothing)."""
        errors: list[LineError] = []
        lines: list[Line] = []
        seen: dict[tuple, str] = {}
        count = 0
        period = self.period_error()
        if period is not None:
            errors.append(period)
        for where, row in rows:
            count += 1
            if count > MAX_LINES:
                errors.append(LineError(where, "lines", f"at most {MAX_LINES} lines in one return"))
                break
            line, found = self._one(where, row)
            errors.extend(found)
            if line is None:
                continue
            if line.key in seen:
                errors.append(
                    LineError(where, "kpi", f"repeats {seen[line.key]} (same KPI, service, severity)")
                )
                continue
            seen[line.key] = where
            lines.append(line)
        if not errors and not lines:
            errors.append(LineError("lines", "lines", "return at least one line"))
        if errors:
            raise LinesRefused(errors)
        return lines

    def _one(self, where: str, row: dict[str, Any]) -> tuple[Line | None, list[LineError]]:
        errors: list[LineError] = []

        def text(name: str, limit: int = 200) -> str:
            value = row.get(name)
            value = "" if value is None else str(value)
            return value.strip()[: limit + 1]

        code = text("kpi", 60).lower()
        if not code:
            errors.append(LineError(where, "kpi", "kpi is missing"))
        elif code not in self.kpis:
            shown = ", ".join(self.kpis) or "none"
            errors.append(
                LineError(where, "kpi", f"unknown KPI {code[:40]!r}: the schedule asks for {shown}")
            )
        service = None
        service_text = text("service", 160)
        if service_text:
            service = self.by_key.get(service_text.lower())
            if service is None:
                errors.append(
                    LineError(where, "service", f"unknown service {service_text[:60]!r} for this provider")
                )
        severity = text("severity", 20)
        if severity:
            if severity not in self.severities:
                errors.append(LineError(where, "severity", f"unknown severity {severity[:10]!r}"))
            elif code in kpi_book.BY_CODE and not kpi_book.BY_CODE[code].by_severity:
                errors.append(LineError(where, "severity", f"{code} is not measured by severity"))
        value = self._value(where, row.get("value"), code, errors)
        note = text("note", NOTE_MAX)
        if len(note) > NOTE_MAX:
            errors.append(LineError(where, "note", f"note must be at most {NOTE_MAX} characters"))
        if "month" in row:
            month_error = self.check_month(where, str(row.get("month") or ""))
            if month_error is not None:
                errors.append(month_error)
        if errors or value is None:
            return None, errors
        return Line(code, service, severity, value, note), errors

    def _value(self, where: str, raw: Any, code: str, errors: list[LineError]) -> Decimal | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors.append(LineError(where, "value", "value is missing"))
            return None
        if isinstance(raw, bool):
            errors.append(LineError(where, "value", "value must be a number"))
            return None
        try:
            value = Decimal(str(raw).strip()[:40])
        except InvalidOperation:
            errors.append(LineError(where, "value", f"value {str(raw)[:20]!r} is not a number"))
            return None
        if not value.is_finite():
            errors.append(LineError(where, "value", "value must be a number"))
            return None
        if value < 0:
            errors.append(LineError(where, "value", "value must not be negative"))
            return None
        if unit_of(code) == "percent" and value > 100:
            errors.append(LineError(where, "value", "value is a percentage: at most 100"))
            return None
        if value > VALUE_MAX:
            errors.append(LineError(where, "value", f"value must be at most {VALUE_MAX}"))
            return None
        if value != value.quantize(Decimal("0.001")):
            errors.append(LineError(where, "value", "value has at most 3 decimal places"))
            return None
        return value


def read_csv(data: bytes) -> list[tuple[str, dict[str, str]]]:
    """The rows of an uploaded CSV file as ``("line N", row)`` (N counts the header as line 1); raises
    :class:`LinesRefused` for a file too large, not UTF-8, or with a wrong header."""
    if len(data) > MAX_BYTES:
        raise LinesRefused([LineError("file", "file", f"the file must be at most {MAX_BYTES // 1024} KB")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LinesRefused([LineError("file", "file", "the file must be UTF-8 text (CSV)")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise LinesRefused([LineError("line 1", "file", f"not a CSV file ({exc})")]) from None
    names = [h.strip().lower() for h in header or []]
    if names not in (list(HEADER), [*HEADER, *OPTIONAL]):
        wanted = ",".join(HEADER)
        raise LinesRefused(
            [LineError("line 1", "file", f"the header must be {wanted} (and optionally ,month)")]
        )
    rows: list[tuple[str, dict[str, str]]] = []
    try:
        for cells in reader:
            where = f"line {reader.line_num}"
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_LINES:
                raise LinesRefused([LineError(where, "file", f"at most {MAX_LINES} lines in one return")])
            if len(cells) != len(names):
                raise LinesRefused(
                    [LineError(where, "file", f"expected {len(names)} columns, found {len(cells)}")]
                )
            rows.append((where, dict(zip(names, cells, strict=True))))
    except csv.Error as exc:
        raise LinesRefused([LineError(f"line {reader.line_num}", "file", f"not valid CSV ({exc})")]) from None
    return rows


def template_csv(kpi_return: KpiReturn) -> str:
    """A CSV to fill in: the header and a row per scheduled KPI (values blank)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for code in kpi_return.schedule.kpis or []:
        writer.writerow([code, "", "", "", ""])
    return out.getvalue()


# Returned beside measured -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    line: KpiReturnLine
    name: str
    unit: str
    returned: Decimal
    #: What Busbar measured for the same slice (None: not measured by Busbar).
    measured: Decimal | None
    difference: Decimal | None
    flagged: bool


def differs(unit: str, returned: Decimal, measured: Decimal | None) -> bool:
    """Whether the returned figure is outside the tolerance of the measured one."""
    if measured is None:
        return False
    gap = abs(returned - measured)
    if unit == "percent":
        return gap > PERCENT_TOLERANCE
    if measured == 0:
        return gap > 0
    return gap / abs(measured) > RELATIVE_TOLERANCE


def _measured(kpi_return: KpiReturn, lines: Sequence[KpiReturnLine]) -> dict[tuple, Decimal | None]:
    """Busbar's figures for each line's slice, in at most four engine calls (one per grouping)."""
    from busbar.reports import engine

    known = sorted({ln.kpi for ln in lines if ln.kpi in kpi_book.BY_CODE})
    if not known:
        return {}
    last_month = month_start(kpi_return.period_end)
    filters = engine.Filters(
        start=kpi_return.period_start, end=last_month, provider_id=kpi_return.provider_id
    )
    groupings = {
        (ln.service_id is not None, bool(ln.severity_code)) for ln in lines if ln.kpi in kpi_book.BY_CODE
    }
    out: dict[tuple, Decimal | None] = {}
    for by_service, by_severity in sorted(groupings):
        group_by = [name for name, on in (("service", by_service), ("severity", by_severity)) if on]
        for row in engine.figures(filters, group_by=group_by, kpis=known):
            service = row.key.get("service") if by_service else None
            severity = row.key.get("severity") if by_severity else ""
            for code, value in row.values.items():
                out[(code, service, severity or "")] = value.value
    return out


def compare(kpi_return: KpiReturn, lines: Sequence[KpiReturnLine] | None = None) -> list[Comparison]:
    """Each returned line beside the measured figure, the difference (returned − measured) and whether it
    is flagged."""
    if lines is None:
        lines = list(kpi_return.lines.select_related("service"))
    try:
        measured = _measured(kpi_return, lines)
    except ImportError:  # pragma: no cover - the engine lands with the KPI pages
        measured = {}
    rows = []
    for ln in lines:
        unit = unit_of(ln.kpi)
        value = measured.get((ln.kpi, ln.service_id, ln.severity_code or ""))
        if value is not None:
            value = Decimal(value).quantize(Decimal("0.001"))
        rows.append(
            Comparison(
                line=ln,
                name=kpi_name(ln.kpi),
                unit=unit,
                returned=ln.value,
                measured=value,
                difference=None if value is None else ln.value - value,
                flagged=differs(unit, ln.value, value),
            )
        )
    return rows


def periods_to_open(now: dt.datetime) -> list[tuple[ReturnSchedule, dt.date, dt.date]]:
    """Each active schedule's latest ended period that has no return yet."""
    wanted = []
    for schedule in ReturnSchedule.objects.filter(is_active=True).select_related("provider", "calendar"):
        start, end = last_ended_period(schedule.frequency, now)
        wanted.append((schedule, start, end))
    if not wanted:
        return []
    have = set(
        KpiReturn.objects.filter(
            provider_id__in=[s.provider_id for s, _, _ in wanted],
            period_start__in={start for _, start, _ in wanted},
        ).values_list("provider_id", "period_start")
    )
    return [(s, start, end) for s, start, end in wanted if (s.provider_id, start) not in have]


def chase_due(kpi_return: KpiReturn, now: dt.datetime) -> bool:
    """Whether a return is late and not chased within its schedule's interval."""
    if kpi_return.status != ReturnStatus.DUE or now <= kpi_return.due_at:
        return False
    if kpi_return.chased_at is None:
        return True
    return now - kpi_return.chased_at >= dt.timedelta(days=kpi_return.schedule.chase_every_days)
