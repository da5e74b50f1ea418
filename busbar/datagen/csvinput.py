"""Reading the requester's CSV of consumption values.

Format (header required, column names case-insensitive, any order)::

    mpan,date,period,kwh                  local GB settlement date and period (1-46/48/50)
    mpan,timestamp,kwh                    UTC period end, ISO 8601 with offset, e.g. 2025-10-26T00:30:00Z

Optional columns: ``quantity`` (AI, AE, RI, RE; default AI), ``quality`` (a DI-083 flag; default A) and
``reason`` (a DI-076 estimation reason, empty for none). Rows of one MPAN must be together; within an MPAN
any order. Every local settlement day given must be complete (46, 48 or 50 periods), and in the timestamp
form every UTC day given must have its 48 periods. Errors name the line and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import codes, gbtime, mpan

COLUMNS = ("mpan", "date", "period", "timestamp", "kwh", "quantity", "quality", "reason")
_KWH = re.compile(r"^(-?)(\d+)(?:\.(\d+))?$")


class CsvError(ValueError):
    def __init__(self, path: Path | str, line: int, column: str, message: str) -> None:
        self.line, self.column = line, column
        super().__init__(f"{path}: line {line}, column '{column}': {message}")


@dataclass
class Series:
    """All values of one MPAN and measurement quantity: UTC period end -> (Wh, quality, reason, line)."""

    core: str
    quantity: str
    first_line: int
    periods: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)

    def complete_days(self) -> list[int]:
        """UTC days (abs days) for which all 48 periods are present, ascending."""
        count: dict[int, int] = {}
        for end in self.periods:
            day = (end - gbtime.HALF_HOUR) // gbtime.DAY
            count[day] = count.get(day, 0) + 1
        return sorted(d for d, n in count.items() if n == 48)


def _parse_kwh(text: str, err, allow_negative: bool, quantity: str) -> int:
    m = _KWH.match(text.strip())
    if not m:
        raise err("kwh", f"not a number: {text!r}")
    sign, whole, frac = m.groups()
    frac = frac or ""
    if len(frac) > 3:
        raise err("kwh", f"{text!r} has more than 3 decimal places (the DIP format is (9,3))")
    if len(whole.lstrip("0")) > 9:
        raise err("kwh", f"{text!r} does not fit the (9,3) format (at most 999999999.999)")
    value = int(whole) * 1000 + int(frac.ljust(3, "0"))
    if sign:
        value = -value
    if value < 0 and not allow_negative:
        raise err(
            "kwh", f"negative value {text!r} not allowed for {quantity} (use --allow-negative to force)"
        )
    return value


def read(path: Path, allow_negative: bool = False, default_quantity: str = "AI") -> Iterator[list[Series]]:
    """The series of each MPAN in the file, one MPAN at a time (constant memory per MPAN). Raises CsvError."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise CsvError(path, 1, "-", "the file is empty: a header line is required") from None
        names = [h.strip().lower() for h in header]
        for n in names:
            if n not in COLUMNS:
                raise CsvError(path, 1, n, f"unknown column (expected some of: {', '.join(COLUMNS)})")
            if names.count(n) > 1:
                raise CsvError(path, 1, n, "column appears twice")
        local = "date" in names or "period" in names
        if local and "timestamp" in names:
            raise CsvError(path, 1, "timestamp", "give either date and period, or timestamp, not both")
        required = ["mpan", "kwh"] + (["date", "period"] if local else ["timestamp"])
        for n in required:
            if n not in names:
                raise CsvError(path, 1, n, "required column missing")
        col = {n: i for i, n in enumerate(names)}
        current: dict[str, Series] = {}
        current_core: str | None = None
        finished: dict[str, int] = {}
        seen_days: dict[tuple[str, int], tuple[int, int]] = {}

        def finish() -> list[Series]:
            if local:
                for (q, day), (first_line, n) in sorted(seen_days.items(), key=lambda kv: kv[1][0]):
                    expected = gbtime.local_periods(gbtime.date_of(day))
                    if n != expected:
                        why = {46: " (spring clock change)", 50: " (autumn clock change)"}.get(expected, "")
                        raise CsvError(
                            path,
                            first_line,
                            "period",
                            f"MPAN {current_core} {q} on {gbtime.date_of(day)}: {n} periods given, "
                            f"the settlement day has {expected}{why}",
                        )
            else:
                for s in current.values():
                    count: dict[int, tuple[int, int]] = {}
                    for end, (_, _, _, line) in s.periods.items():
                        day = (end - gbtime.HALF_HOUR) // gbtime.DAY
                        first, n = count.get(day, (line, 0))
                        count[day] = (min(first, line), n + 1)
                    for day, (first, n) in sorted(count.items()):
                        if n != 48:
                            raise CsvError(
                                path,
                                first,
                                "timestamp",
                                f"MPAN {s.core} {s.quantity} on UTC day {gbtime.date_of(day)}: "
                                f"{n} periods given, a UTC settlement day has 48",
                            )
            return list(current.values())

        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue

            def err(column: str, message: str, line: int = line) -> CsvError:
                return CsvError(path, line, column, message)

            if len(row) != len(names):
                column = names[len(row)] if len(row) < len(names) else "-"
                raise err(column, f"expected {len(names)} fields, found {len(row)}")
            core = row[col["mpan"]].strip()
            if core != current_core:
                if core in finished:
                    raise err(
                        "mpan",
                        f"rows for MPAN {core} must be together (it also appears up to line "
                        f"{finished[core]})",
                    )
                if not (len(core) == 13 and core.isascii() and core.isdigit()):
                    raise err("mpan", f"an MPAN core is 13 digits, got {core!r}")
                if not mpan.is_valid_core(core):
                    raise err(
                        "mpan", f"MPAN {core} has a bad check digit (expected {mpan.check_digit(core[:12])})"
                    )
                if mpan.distributor_of(core) is None:
                    raise err("mpan", f"MPAN {core}: distributor {core[:2]} is not a GB DNO area (10-23)")
                if current_core is not None:
                    yield finish()
                    finished[current_core] = line - 1
                current, current_core, seen_days = {}, core, {}
            quantity = row[col["quantity"]].strip().upper() if "quantity" in col else default_quantity
            if quantity not in codes.QUANTITIES:
                raise err("quantity", f"{quantity!r} is not one of {', '.join(codes.QUANTITIES)}")
            value = _parse_kwh(row[col["kwh"]], err, allow_negative, quantity)
            quality = row[col["quality"]].strip().upper() if "quality" in col else "A"
            if quality not in codes.Q_INDEX:
                raise err("quality", f"{quality!r} is not a DI-083 settlement period quality flag")
            reason = (row[col["reason"]].strip() or None) if "reason" in col else None
            if reason is not None and reason not in codes.REASONS:
                raise err("reason", f"{reason!r} is not a DI-076 estimation reason (1-10, or empty)")
            if reason not in codes.QUALITY_REASONS[quality]:
                allowed = sorted("empty" if r is None else r for r in codes.QUALITY_REASONS[quality])
                raise err(
                    "reason",
                    f"quality {quality} needs reason {' or '.join(allowed)}, got {reason or 'empty'}",
                )
            if quality in codes.ZERO_FLAGS and value != 0:
                raise err("kwh", f"quality {quality} means zero consumption, got {row[col['kwh']].strip()}")
            if local:
                try:
                    day = dt.date.fromisoformat(row[col["date"]].strip())
                except ValueError:
                    raise err("date", f"not a date (YYYY-MM-DD): {row[col['date']]!r}") from None
                if not gbtime.FIRST_YEAR <= day.year <= gbtime.LAST_YEAR:
                    raise err("date", f"{day} is outside {gbtime.FIRST_YEAR}-{gbtime.LAST_YEAR}")
                text = row[col["period"]].strip()
                if not text.isdigit():
                    raise err("period", f"not a settlement period number: {text!r}")
                n = gbtime.local_periods(day)
                if not 1 <= int(text) <= n:
                    raise err("period", f"{day} has {n} settlement periods, there is no period {text}")
                end = gbtime.local_period_end(day, int(text))
                where = "period"
                key = (quantity, gbtime.absday(day))
                first, count = seen_days.get(key, (line, 0))
                seen_days[key] = (first, count + 1)
            else:
                text = row[col["timestamp"]].strip()
                try:
                    end = gbtime.parse_instant(text)
                except ValueError as exc:
                    raise err(
                        "timestamp", f"not an ISO 8601 date-time with offset: {text!r} ({exc})"
                    ) from None
                if end % gbtime.HALF_HOUR:
                    raise err("timestamp", f"{text} is not the end of a half-hour period (:00 or :30)")
                if not gbtime.FIRST_YEAR <= gbtime.date_of(end // gbtime.DAY).year <= gbtime.LAST_YEAR:
                    raise err("timestamp", f"{text} is outside {gbtime.FIRST_YEAR}-{gbtime.LAST_YEAR}")
                where = "timestamp"
            series = current.setdefault(quantity, Series(core, quantity, line))
            if end in series.periods:
                other = series.periods[end][3]
                raise err(
                    where,
                    f"duplicate period: MPAN {core} {quantity} {gbtime.iso(end)} already on line {other}",
                )
            series.periods[end] = (value, codes.Q_INDEX[quality], codes.E_INDEX[reason], line)
        if current_core is None:
            raise CsvError(path, 2, "-", "no data rows")
        yield finish()
