"""Plan lines from a CSV upload, a JSON list or the generator form (QM-18). Pure: reads and checks, never
writes (``actions.plans.set_lines`` stores what passes).

CSV: UTF-8 (a byte-order mark is fine), a header row naming ``day,distributor,agent,volume`` in any order
(``agent`` optional: an MPID, blank for none), at most :data:`MAX_LINES` lines. All or nothing: every
problem is reported with its line number and nothing is stored while there is one.

Rules for a line: ``day`` a date inside the segment's window (M11/M12 to M15); ``distributor`` one of
the 14 GB distributor IDs; ``agent`` a known market participant ID; ``volume`` a whole number from 0 to
100,000,000 (a 0 line is left out); a day, distributor and agent given once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from busbar.lib.actions import ActionError
from busbar.migration import common

MAX_LINES = 50_000
MAX_BYTES = 5 * 1024 * 1024
#: Problems reported in full (the count says how many more).
MAX_REPORTED = 200
COLUMNS = ("day", "distributor", "agent", "volume")
REQUIRED = ("day", "distributor", "volume")


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}, {self.field}: {self.message}"


class LineErrors(ActionError):
    """Input refused line by line: ``errors`` (the first :data:`MAX_REPORTED`) and ``count`` in all."""

    def __init__(self, errors: list[LineError], *, field: str = "lines", count: int | None = None) -> None:
        self.errors = errors[:MAX_REPORTED]
        self.count = count if count is not None else len(errors)
        first = str(errors[0]) if errors else "No lines"
        more = f" (and {self.count - 1:,} more problems)" if self.count > 1 else ""
        super().__init__(f"Nothing was stored: {first}{more}", field=field)


@dataclass(frozen=True)
class CheckedLine:
    day: dt.date
    distributor: str
    agent_id: int | None
    volume: int


def read_csv(content: bytes) -> list[dict[str, Any]]:
    """The CSV's rows as ``{"line": n, "day": …, "distributor": …, "agent": …, "volume": …}`` (text as
    written). Refuses (LineErrors, field "file") a file that is too big, not UTF-8, without the columns,
    or longer than :data:`MAX_LINES` lines."""
    if len(content) > MAX_BYTES:
        raise ActionError(f"A plan file is at most {MAX_BYTES // (1024 * 1024)} MB", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ActionError("The file is not UTF-8 text", field="file") from None
    if "\x00" in text:
        raise ActionError("The file is not text (it holds NUL characters)", field="file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ActionError("The file is empty", field="file") from None
    except csv.Error as exc:
        raise ActionError(f"Line 1: {exc}", field="file") from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise LineErrors(
            [
                LineError(1, "header", f"Missing column {c!r} (columns: {', '.join(COLUMNS)})")
                for c in missing
            ],
            field="file",
        )
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise LineErrors(
            [LineError(1, "header", f"Unknown column {unknown[0][:40]!r} (columns: {', '.join(COLUMNS)})")],
            field="file",
        )
    rows: list[dict[str, Any]] = []
    try:
        for cells in reader:
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_LINES:
                raise ActionError(f"A plan has at most {MAX_LINES:,} lines", field="file")
            row: dict[str, Any] = {"line": number}
            for name, value in zip(names, cells, strict=False):
                row[name] = value.strip()[:100]
            if len(cells) > len(names):
                row["_extra"] = True
            rows.append(row)
    except csv.Error as exc:
        raise ActionError(f"Line {reader.line_num}: {exc}", field="file") from None
    if not rows:
        raise ActionError("The file has a header but no lines", field="file")
    return rows


def check_rows(
    rows: list[dict[str, Any]], *, window: Any, mpids: dict[str, int] | None = None
) -> list[CheckedLine]:
    """The rows as plan lines, or LineErrors listing every problem (each with the row's ``line``, else its
    position from 1). ``agent`` may be an MPID, an organisation id (int) or blank."""
    if len(rows) > MAX_LINES:
        raise ActionError(f"A plan has at most {MAX_LINES:,} lines", field="lines")
    if window is None:
        raise ActionError("The segment has no migration window yet", field="segment")
    errors: list[LineError] = []
    seen: dict[tuple, int] = {}
    out: list[CheckedLine] = []
    total = 0
    distributors = set(common.DISTRIBUTOR_IDS)
    agent_ids: set[int] | None = None
    for position, row in enumerate(rows, start=1):
        number = int(row.get("line") or position)
        bad = len(errors)
        if row.get("_extra"):
            errors.append(LineError(number, "line", "More cells than columns"))
        day = None
        try:
            day = common.check_day(row.get("day"), field="day")
        except ActionError as exc:
            errors.append(LineError(number, "day", exc.message))
        if day is not None and not window.opens <= day <= window.closes:
            errors.append(
                LineError(
                    number,
                    "day",
                    f"{day:%Y-%m-%d} is outside the segment's window "
                    f"({window.opens:%Y-%m-%d} to {window.closes:%Y-%m-%d})",
                )
            )
        distributor = str(row.get("distributor") or "").strip()
        if len(distributor) == 1 and distributor.isdigit():
            distributor = "0" + distributor
        if distributor not in distributors:
            errors.append(
                LineError(
                    number, "distributor", f"{distributor[:20]!r} is not a GB distributor ID (10 to 23)"
                )
            )
        agent = row.get("agent")
        agent_id: int | None = None
        if isinstance(agent, int) and not isinstance(agent, bool):
            if agent_ids is None:
                agent_ids = set((mpids or common.mpid_map()).values())
            if agent not in agent_ids:
                errors.append(LineError(number, "agent", f"No agent with id {agent}"))
            agent_id = agent
        elif agent not in (None, ""):
            if mpids is None:
                mpids = common.mpid_map()
            agent_id = mpids.get(str(agent).strip().upper())
            if agent_id is None:
                errors.append(LineError(number, "agent", f"{str(agent)[:20]!r} is not a known MPID"))
        volume = 0
        try:
            volume = common.check_volume(row.get("volume"), field="volume")
        except ActionError as exc:
            errors.append(LineError(number, "volume", exc.message))
        if len(errors) > bad:
            continue
        key = (day, distributor, agent_id)
        if key in seen:
            errors.append(
                LineError(number, "line", f"Repeats line {seen[key]} (same day, distributor, agent)")
            )
            continue
        seen[key] = number
        total += volume
        if volume > 0:
            out.append(CheckedLine(day, distributor, agent_id, volume))  # type: ignore[arg-type]
    if total > common.MAX_VOLUME and not errors:
        raise ActionError(f"A plan migrates at most {common.MAX_VOLUME:,} MPANs", field="lines")
    if errors:
        raise LineErrors(errors)
    return out


def parse_shares(text: str) -> dict[str, int]:
    """``"10:30, 11:20"`` -> {"10": 30, "11": 20}; blank -> every distributor by its share of GB meter
    points (datagen's weights)."""
    text = (text or "").strip()
    if not text:
        from busbar.datagen.mpan import DISTRIBUTORS

        return {d.id: round(d.weight * 10) for d in DISTRIBUTORS}
    shares: dict[str, int] = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        name, sep, weight = part.partition(":")
        name = name.strip()
        if not sep or name not in common.DISTRIBUTOR_IDS:
            raise ActionError(
                f"Give shares as 10:30, 11:20 (distributor ID : share); {part[:20]!r}", field="shares"
            )
        try:
            value = int(weight.strip())
        except ValueError:
            raise ActionError(f"{weight.strip()[:20]!r} is not a whole number", field="shares") from None
        if not 0 <= value <= 1000:
            raise ActionError("A share is from 0 to 1,000", field="shares")
        if name in shares:
            raise ActionError(f"Distributor {name} given twice", field="shares")
        shares[name] = value
    if not shares or sum(shares.values()) <= 0:
        raise ActionError("Give at least one distributor a share above 0", field="shares")
    return shares


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder: the parts add up to ``total``)."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    parts = [int(x) for x in exact]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Monday to Friday from ``start`` to ``end`` inclusive."""
    days = []
    d = start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def generate(
    *,
    total: Any,
    start: Any,
    end: Any,
    shares: dict[str, int],
    window: Any,
    agent_id: int | None = None,
) -> list[dict[str, Any]]:
    """Rows spreading ``total`` MPANs evenly over the working days from ``start`` to ``end`` (inside the
    window) across the distributors in proportion to ``shares`` (what does not divide evenly goes to the
    earliest days). Refuses more than :data:`MAX_LINES` lines."""
    if window is None:
        raise ActionError("The segment has no migration window yet", field="segment")
    total = common.check_volume(total, field="total", minimum=1)
    start = common.check_day(start, field="start")
    end = common.check_day(end, field="end")
    assert start is not None and end is not None
    if end < start:
        raise ActionError("The last day is before the first", field="end")
    if start < window.opens:
        raise ActionError(f"The window opens on {window.opens:%d %b %Y}", field="start")
    if end > window.closes:
        raise ActionError(f"The window closes on {window.closes:%d %b %Y} (M15)", field="end")
    days = working_days(start, end)
    if not days:
        raise ActionError("No working day between those dates", field="end")
    names = sorted(d for d, w in shares.items() if w > 0)
    if len(days) * len(names) > MAX_LINES:
        raise ActionError(
            f"That makes {len(days) * len(names):,} lines; a plan has at most {MAX_LINES:,}", field="end"
        )
    rows: list[dict[str, Any]] = []
    for distributor, amount in zip(names, _split(total, [shares[n] for n in names]), strict=True):
        per_day, extra = divmod(amount, len(days))
        for i, day in enumerate(days):
            volume = per_day + (1 if i < extra else 0)
            if volume:
                rows.append({"day": day, "distributor": distributor, "agent": agent_id, "volume": volume})
    rows.sort(key=lambda r: (r["day"], r["distributor"]))
    for n, row in enumerate(rows, start=1):
        row["line"] = n
    return rows
