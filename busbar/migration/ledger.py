"""The MPAN migration ledger's daily files: read them (CSV or Parquet), check every line against the ledger
and the rest of the file, and apply the good ones in bulk (issue 16 item 4, QM-16, QM-17, QM-20).

A daily file has the columns ``mpan,segment,supplier,dno,agent,event,date`` in any order (a header row; the
header is line 1, so the first MPAN is line 2). :func:`parse` reads it into :class:`Line` tuples (no
database); :func:`validate` checks them all in Python against the MPANs' current states, fetched in chunks
(no query per line), and gives a :class:`Checked`: the new events to apply, the line-numbered errors, the
lines already in the ledger (``unchanged``: a re-load changes nothing). :func:`apply` writes the new MPANs,
the events, the MPANs' new states and the daily aggregates in a few bulk statements (COPY on PostgreSQL);
:func:`open_exceptions` puts failed migrations, rejected reverse migrations after M14 and MPANs with no
agent in the exception queue. The action is :func:`busbar.migration.actions.ledger.load_file`.

Memory stays proportional to the file (tuples of interned values, never model instances); the phases'
times of the last load are :func:`apply_timings` (also logged).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection

from busbar.datagen.mpan import PRIMES
from busbar.lib.actions import ActionError
from busbar.lib.bulkinsert import insert_rows
from busbar.migration import common
from busbar.migration.models import (
    LEDGER_TRANSITIONS,
    DailyProgress,
    EventKind,
    LedgerEvent,
    LedgerLoad,
    LedgerState,
    MigrationException,
    Mpan,
    Segment,
)

log = logging.getLogger(__name__)

#: The file's columns (any order).
COLUMNS = ("mpan", "segment", "supplier", "dno", "agent", "event", "date")
#: At most this many lines (not counting the header) and bytes in one file.
MAX_LINES = 2_000_000
MAX_BYTES = 200 * 1024 * 1024
#: A field longer than this is a typing error (and bounds the memory of a hostile file).
MAX_FIELD = 100
#: The errors kept on a load (the count is ``LedgerLoad.rejected``; the report lists these).
MAX_ERRORS_KEPT = 10_000
#: MPANs fetched per query.
CHUNK = 20_000
#: Cores per query on PostgreSQL, passed as one array parameter (``core = ANY(%s)``).
ARRAY_CHUNK = 100_000
#: The ledger columns validation reads, in :class:`Current`'s order after the core.
_CURRENT_COLUMNS = (
    "core",
    "state",
    "segment",
    "supplier_id",
    "agent_id",
    "excluded",
    "scheduled_for",
    "migrated_on",
    "last_event_on",
    "failures",
)

_SEGMENTS = {s.value: s.value for s in Segment} | {
    s.label.lower().replace("-", "_").replace(" ", "_"): s.value for s in Segment
}
_EVENTS = {e.value: e.value for e in EventKind} | {
    "scheduled": EventKind.SCHEDULE.value,
    "migrated": EventKind.MIGRATE.value,
    "failed": EventKind.FAIL.value,
    "reversed": EventKind.REVERSE.value,
    "reverse_migrate": EventKind.REVERSE.value,
    "reverse_migrated": EventKind.REVERSE.value,
}
_STATE_LABEL = {s.value: s.label.lower() for s in LedgerState}
_PROGRESS_FIELD = {
    EventKind.SCHEDULE.value: "scheduled",
    EventKind.MIGRATE.value: "migrated",
    EventKind.FAIL.value: "failed",
    EventKind.REVERSE.value: "reversed",
}
_EVENT_FIELDS = {f.name for f in LedgerEvent._meta.concrete_fields}
#: LedgerEvent keeps the MPAN's segment, supplier and state at event time when the model has the columns
#: (requested); without them :mod:`busbar.migration.aggregates` joins the events to the MPANs.
EVENT_HAS_CONTEXT = {"segment", "supplier", "state"} <= _EVENT_FIELDS

_timings: dict[str, float] = {}


def apply_timings() -> dict[str, float]:
    """Seconds spent in each phase of the last load in this process (parse, fetch, validate, apply_*,
    exceptions), for the benchmark's report."""
    return dict(_timings)


class _Clock:
    def __init__(self, into: dict[str, float]) -> None:
        self.into = into
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.into[phase] = self.into.get(phase, 0.0) + (now - self.last)
        self.last = now


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


class Line(NamedTuple):
    """One line of a file as read: its number and the text of each column (stripped; small values
    shared)."""

    line: int
    mpan: str
    segment: str
    supplier: str
    dno: str
    agent: str
    event: str
    date: str


class Event(NamedTuple):
    """A valid new line: what it does to its MPAN (``state``: the MPAN's state after it)."""

    line: int
    core: int
    kind: str
    on: dt.date
    segment: str
    supplier_id: int
    agent_id: int | None
    state: str


class Current(NamedTuple):
    """An MPAN's row as the ledger holds it."""

    state: str
    segment: str
    supplier_id: int
    agent_id: int | None
    excluded: bool
    scheduled_for: dt.date | None
    migrated_on: dt.date | None
    last_event_on: dt.date | None
    failures: int


class LateReverse(NamedTuple):
    line: int
    core: int
    on: dt.date
    supplier_id: int
    agent_id: int | None
    reverse_until: dt.date


@dataclass
class Checked:
    """What :func:`validate` found: ``events`` (valid new lines in file order, each MPAN's lines after its
    first erroneous line left out), ``errors`` (sorted by line), ``unchanged`` (lines already in the
    ledger), ``rows`` (lines read)."""

    rows: int
    events: list[Event]
    errors: list[LineError]
    unchanged: int
    current: dict[int, Current] = field(default_factory=dict)
    late_reverses: list[LateReverse] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rejected(self) -> int:
        """Lines with at least one error."""
        return len({e.line for e in self.errors})


# Reading ----------------------------------------------------------------------------------------------


def file_format(content: bytes, filename: str) -> str:
    """``parquet`` (by its magic bytes or name) or ``csv``."""
    if content[:4] == b"PAR1" or filename.lower().endswith((".parquet", ".pq")):
        return "parquet"
    return "csv"


def _header(names: Sequence[str]) -> tuple[dict[str, int], list[LineError]]:
    wanted = [str(n or "").strip().lower().lstrip("\ufeff") for n in names]
    where = {name: i for i, name in enumerate(wanted) if name in COLUMNS}
    missing = [c for c in COLUMNS if c not in where]
    if missing:
        return where, [
            LineError(
                1,
                "header",
                f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
                f"(the header needs {','.join(COLUMNS)})",
            )
        ]
    repeated = sorted({n for n in wanted if n in COLUMNS and wanted.count(n) > 1})
    if repeated:
        return where, [LineError(1, "header", f"Column given twice: {', '.join(repeated)}")]
    return where, []


def parse(content: bytes, filename: str) -> tuple[list[Line], list[LineError]]:
    """The file's lines and what is wrong with its shape (a missing column, a line with too many or too
    few fields, a field too long). Refuses (ActionError on ``file``) a file that is too large, has too
    many lines, or is not UTF-8 CSV nor Parquet."""
    if len(content) > MAX_BYTES:
        raise ActionError(f"The file is {len(content):,} bytes; the limit is {MAX_BYTES:,}", field="file")
    if not content.strip():
        raise ActionError("The file is empty", field="file")
    if file_format(content, filename) == "parquet":
        return _parse_parquet(content)
    return _parse_csv(content)


def _parse_csv(content: bytes) -> tuple[list[Line], list[LineError]]:
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        try:
            names = next(reader)
        except StopIteration:
            raise ActionError("The file is empty", field="file") from None
        where, errors = _header(names)
        if errors:
            return [], errors
        return _rows(((reader.line_num, row) for row in reader), where, len(names), errors)
    except UnicodeDecodeError:
        raise ActionError(
            f"The file is not UTF-8 text (near line {reader.line_num + 1}): save it as CSV UTF-8",
            field="file",
        ) from None
    except csv.Error as exc:
        raise ActionError(f"Line {reader.line_num}: not CSV ({exc})", field="file") from None


def _rows(
    numbered: Iterable[tuple[int, Sequence[str]]], where: dict[str, int], width: int, errors: list[LineError]
) -> tuple[list[Line], list[LineError]]:
    shared: dict[str, str] = {}
    share = shared.setdefault
    im, isg, isu, idn, iag, iev, ida = (where[c] for c in COLUMNS)
    lines: list[Line] = []
    for number, row in numbered:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        if len(lines) >= MAX_LINES:
            raise ActionError(f"The file has more than {MAX_LINES:,} lines: split it", field="file")
        if len(row) != width:
            errors.append(LineError(number, "line", f"{len(row)} fields; the header has {width}"))
            continue
        if any(len(v) > MAX_FIELD for v in row):
            errors.append(LineError(number, "line", f"A field is longer than {MAX_FIELD} characters"))
            continue
        lines.append(
            Line(
                number,
                row[im].strip(),
                share(row[isg].strip(), row[isg].strip()),
                share(row[isu].strip(), row[isu].strip()),
                share(row[idn].strip(), row[idn].strip()),
                share(row[iag].strip(), row[iag].strip()),
                share(row[iev].strip(), row[iev].strip()),
                share(row[ida].strip(), row[ida].strip()),
            )
        )
    return lines, errors


def _parse_parquet(content: bytes) -> tuple[list[Line], list[LineError]]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(io.BytesIO(content))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ActionError(f"Not a Parquet file ({str(exc)[:200]})", field="file") from None
    names = source.schema_arrow.names
    where, errors = _header(names)
    if errors:
        return [], errors
    if source.metadata.num_rows > MAX_LINES:
        raise ActionError(f"The file has more than {MAX_LINES:,} lines: split it", field="file")
    try:
        table = source.read(columns=[names[where[c]] for c in COLUMNS])
        columns = []
        for column in table.columns:
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            text = pc.fill_null(pc.cast(column, pa.string()), "")
            columns.append(text.to_pylist())
    except (pa.ArrowException, ValueError) as exc:
        raise ActionError(f"The Parquet file cannot be read ({str(exc)[:200]})", field="file") from None
    rows = ((i + 2, values) for i, values in enumerate(zip(*columns, strict=True)))
    return _rows(rows, {c: i for i, c in enumerate(COLUMNS)}, len(COLUMNS), errors)


# Checking ---------------------------------------------------------------------------------------------


def _core(text: str) -> int | None:
    """The MPAN core when ``text`` is 13 digits with the right check digit (the datagen MPAN rule)."""
    if len(text) != 13 or not text.isdigit() or not text.isascii():
        return None
    total = 0
    for c, p in zip(text, PRIMES):  # noqa: B905 - the 13th digit is the check digit
        total += (ord(c) - 48) * p
    return int(text) if total % 11 % 10 == ord(text[12]) - 48 else None


def _out_of_order(kind: str, state: str, core: int) -> str:
    mpan = common.format_mpan(core)
    label = _STATE_LABEL.get(state, state)
    if kind in (EventKind.MIGRATE, EventKind.FAIL):
        need = "scheduled" if state != LedgerState.REVERSED else "re-scheduled"
        if state in (LedgerState.NOT_MIGRATED, LedgerState.MIGRATED, LedgerState.REMIGRATED):
            return f"out of order: {kind} but {mpan} is not scheduled (it is {label})"
        return f"out of order: {kind} but {mpan} is not {need} (it is {label})"
    if kind == EventKind.REVERSE:
        return f"out of order: reverse but {mpan} is not migrated (it is {label})"
    return f"out of order: schedule but {mpan} is already {label} (reverse it first)"


def fetch_current(cores: Iterable[int]) -> dict[int, Current]:
    """The ledger's rows of ``cores`` (``CHUNK`` a query)."""
    found: dict[int, Current] = {}
    wanted = list(cores)
    if connection.vendor == "postgresql":
        # One array parameter a query: several times faster than IN lists of the same cores.
        sql = f"SELECT {', '.join(_CURRENT_COLUMNS)} FROM {_table(Mpan)} WHERE core = ANY(%s)"  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), ARRAY_CHUNK):
                cursor.execute(sql, [wanted[start : start + ARRAY_CHUNK]])
                for row in cursor.fetchall():
                    found[row[0]] = Current(*row[1:])
        return found
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in Mpan.objects.filter(core__in=chunk).values_list(
            "core",
            "state",
            "segment",
            "supplier_id",
            "agent_id",
            "excluded",
            "scheduled_for",
            "migrated_on",
            "last_event_on",
            "failures",
        ):
            found[row[0]] = Current(*row[1:])
    return found


def fetch_events(cores: Iterable[int]) -> set[tuple[int, str, dt.date]]:
    """(core, kind, on) of the ledger's events of ``cores``."""
    found: set[tuple[int, str, dt.date]] = set()
    wanted = list(cores)
    if connection.vendor == "postgresql":
        sql = f'SELECT core, kind, "on" FROM {_table(LedgerEvent)} WHERE core = ANY(%s)'  # noqa: S608
        with connection.cursor() as cursor:
            for start in range(0, len(wanted), ARRAY_CHUNK):
                cursor.execute(sql, [wanted[start : start + ARRAY_CHUNK]])
                found.update(cursor.fetchall())
        return found
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(LedgerEvent.objects.filter(core__in=chunk).values_list("core", "kind", "on"))
    return found


def validate(
    lines: Sequence[Line],
    *,
    organisation_id: int | None,
    manager: bool,
    today: dt.date,
    errors: Sequence[LineError] = (),
) -> Checked:
    """Check every line (see the module's docstring); ``errors``: the shape errors :func:`parse` found,
    kept in the result. ``manager``: the uploader manages the migration (may load any supplier's lines);
    else each line's supplier must be ``organisation_id``."""
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    found: list[LineError] = list(errors)
    add = found.append
    mpids = common.mpid_map()
    programme = common.migration_programme()
    windows = common.segment_windows(programme.pk) if programme is not None else {}
    dates: dict[str, dt.date | str] = {}
    mpid_names = {v: k for k, v in mpids.items()}

    # Pass 1: each line on its own.
    good: list[tuple[int, int, str, dt.date, str, int, int | None, str]] = []
    for ln in lines:
        bad = False
        core = _core(ln.mpan)
        if core is None:
            add(LineError(ln.line, "mpan", common.mpan_problem(ln.mpan) or "Not an MPAN"))
            bad = True
        segment = _SEGMENTS.get(ln.segment.lower().replace("-", "_").replace(" ", "_"))
        if segment is None:
            add(
                LineError(
                    ln.line, "segment", f"Unknown segment {ln.segment!r}: one of {', '.join(Segment.values)}"
                )
            )
            bad = True
        supplier_id = mpids.get(ln.supplier.upper()) if ln.supplier else None
        if supplier_id is None:
            text = f"Unknown supplier MPID {ln.supplier!r}" if ln.supplier else "Give the supplier's MPID"
            add(LineError(ln.line, "supplier", text))
            bad = True
        elif not manager and supplier_id != organisation_id:
            add(
                LineError(
                    ln.line,
                    "supplier",
                    f"Supplier {ln.supplier.upper()} is not the organisation loading the file "
                    f"({mpid_names.get(organisation_id, 'no MPID')}): load only your own MPANs",
                )
            )
            bad = True
        if len(ln.dno) != 2 or not ln.dno.isdigit():
            add(LineError(ln.line, "dno", f"A distributor ID is 2 digits, not {ln.dno!r}"))
            bad = True
        elif core is not None and ln.mpan[:2] != ln.dno:
            add(LineError(ln.line, "dno", f"DNO {ln.dno} is not the MPAN's distributor ({ln.mpan[:2]})"))
            bad = True
        agent_id = None
        if ln.agent:
            agent_id = mpids.get(ln.agent.upper())
            if agent_id is None:
                add(LineError(ln.line, "agent", f"Unknown agent MPID {ln.agent!r}"))
                bad = True
        kind = _EVENTS.get(ln.event.lower().replace("-", "_").replace(" ", "_"))
        if kind is None:
            add(
                LineError(
                    ln.line, "event", f"Unknown event {ln.event!r}: one of {', '.join(EventKind.values)}"
                )
            )
            bad = True
        on = dates.get(ln.date)
        if on is None:
            on = dates[ln.date] = _day(ln.date, today)
        if isinstance(on, str):
            add(LineError(ln.line, "date", on))
            bad = True
        if bad:
            continue
        good.append((ln.line, core, kind, on, segment, supplier_id, agent_id, ln.mpan))
    clock.lap("validate_fields")

    cores = list(dict.fromkeys(g[1] for g in good))
    current = fetch_current(cores)
    clock.lap("fetch_states")
    existing = fetch_events(cores)
    clock.lap("fetch_events")

    # Pass 2: against the ledger and the earlier lines, in file order.
    first_line: dict[tuple[int, str, dt.date], int] = {}
    blocked: dict[int, int] = {}
    state: dict[int, str] = {}
    last_on: dict[int, dt.date | None] = {}
    events: list[Event] = []
    late: list[LateReverse] = []
    unchanged = 0
    for number, core, kind, on, segment, supplier_id, agent_id, mpan in good:
        key = (core, kind, on)
        earlier = first_line.get(key)
        if earlier is not None:
            add(LineError(number, "line", f"Duplicate of line {earlier} ({mpan} {kind} on {on.isoformat()})"))
            blocked.setdefault(core, number)
            continue
        first_line[key] = number
        if key in existing:
            unchanged += 1
            continue
        if core in blocked:
            add(
                LineError(
                    number,
                    "line",
                    f"Not applied: line {blocked[core]} of the same MPAN has an error",
                )
            )
            continue
        now_state = state.get(core)
        if now_state is None:
            held = current.get(core)
            now_state = held.state if held is not None else LedgerState.NOT_MIGRATED.value
            state[core] = now_state
            last_on[core] = held.last_event_on if held is not None else None
        message = None
        where = "event"
        window = windows.get(segment)
        if kind == EventKind.REVERSE and window is not None and on > window.reverse_until:
            message = (
                f"Reverse migration after M14 ({window.reverse_until:%-d %b %Y}) is not allowed "
                f"for {Segment(segment).label} MPANs"
            )
            late.append(LateReverse(number, core, on, supplier_id, agent_id, window.reverse_until))
        elif kind == EventKind.REVERSE and current.get(core) is not None and current[core].excluded:
            message = f"{mpan} is excluded from reverse migration (a complex or shared SVA site, QM-17)"
        elif (target := LEDGER_TRANSITIONS.get((now_state, kind))) is None:
            message = _out_of_order(kind, now_state, core)
        elif last_on[core] is not None and on < last_on[core]:
            where = "date"
            message = (
                f"out of order: {on.isoformat()} is before the MPAN's last event "
                f"({last_on[core].isoformat()})"
            )
        elif kind != EventKind.SCHEDULE and window is not None and on < window.opens:
            where = "date"
            message = f"{Segment(segment).label} migration opens on {window.opens:%-d %b %Y}"
        if message is not None:
            add(LineError(number, where, message))
            blocked[core] = number
            continue
        state[core] = target
        last_on[core] = on
        events.append(Event(number, core, kind, on, segment, supplier_id, agent_id, target))
    clock.lap("validate_order")
    found.sort(key=lambda e: e.line)
    return Checked(
        rows=len(lines) + len({e.line for e in errors}),
        events=events,
        errors=found,
        unchanged=unchanged,
        current={c: current[c] for c in {e.core for e in events} if c in current},
        late_reverses=late,
        timings=timings,
    )


def _day(text: str, today: dt.date) -> dt.date | str:
    """The date, or what is wrong with it."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return f"Give the date as YYYY-MM-DD, not {text!r}" if text else "Give the date (YYYY-MM-DD)"
    if len(text) != 10:
        return f"Give the date as YYYY-MM-DD, not {text!r}"
    if not common.FIRST_YEAR <= day.year <= common.LAST_YEAR:
        return f"A date between {common.FIRST_YEAR} and {common.LAST_YEAR}"
    if day > today:
        return f"{text} is in the future (today is {today.isoformat()})"
    return day


def check_file(
    content: bytes, filename: str, *, organisation_id: int | None, manager: bool, today: dt.date
) -> Checked:
    """:func:`parse` then :func:`validate`, timed."""
    started = time.perf_counter()
    lines, errors = parse(content, filename)
    parsed = time.perf_counter() - started
    checked = validate(lines, organisation_id=organisation_id, manager=manager, today=today, errors=errors)
    checked.timings = {"parse": parsed, **checked.timings}
    return checked


# Applying ---------------------------------------------------------------------------------------------


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _final_rows(checked: Checked) -> tuple[list[tuple], list[tuple]]:
    """(new MPAN rows, changed MPAN rows), each (core, segment, supplier_id, distributor, agent_id, state,
    excluded, scheduled_for, migrated_on, last_event_on, failures)."""
    rows: dict[int, list] = {}
    for e in checked.events:
        row = rows.get(e.core)
        if row is None:
            held = checked.current.get(e.core)
            if held is None:
                row = [
                    e.core,
                    e.segment,
                    e.supplier_id,
                    common.distributor_of(e.core),
                    e.agent_id,
                    LedgerState.NOT_MIGRATED.value,
                    False,
                    None,
                    None,
                    None,
                    0,
                ]
            else:
                row = [
                    e.core,
                    held.segment,
                    held.supplier_id,
                    common.distributor_of(e.core),
                    held.agent_id,
                    held.state,
                    held.excluded,
                    held.scheduled_for,
                    held.migrated_on,
                    held.last_event_on,
                    held.failures,
                ]
            rows[e.core] = row
        row[1], row[2], row[4], row[5] = e.segment, e.supplier_id, e.agent_id, e.state
        if e.kind == EventKind.SCHEDULE:
            row[7] = e.on
        elif e.kind == EventKind.MIGRATE:
            row[8] = e.on
        elif e.kind == EventKind.FAIL:
            row[10] = min(row[10] + 1, 32767)
        row[9] = e.on if row[9] is None or e.on > row[9] else row[9]
    new = [tuple(r) for core, r in rows.items() if core not in checked.current]
    changed = [tuple(r) for core, r in rows.items() if core in checked.current]
    return new, changed


_MPAN_COLUMNS = (
    "core",
    "segment",
    "supplier_id",
    "distributor",
    "agent_id",
    "state",
    "excluded",
    "scheduled_for",
    "migrated_on",
    "last_event_on",
    "failures",
)
#: The columns a load changes on an MPAN already in the ledger.
_UPDATED = (
    "segment",
    "supplier_id",
    "agent_id",
    "state",
    "scheduled_for",
    "migrated_on",
    "last_event_on",
    "failures",
)


def _update_mpans(rows: list[tuple]) -> None:
    """Write the changed MPANs' new values: into a temporary table (COPY on PostgreSQL, a prepared INSERT
    on SQLite), then one ``UPDATE … FROM`` (SQLite 3.33 and later; before, one UPDATE a row)."""
    if not rows:
        return
    table = _table(Mpan)
    index = [_MPAN_COLUMNS.index(c) for c in _UPDATED]
    names = ", ".join(("core", *_UPDATED))
    sets = ", ".join(f"{c} = u.{c}" for c in _UPDATED)
    update_from = f"UPDATE {table} AS m SET {sets} FROM mig_mpan_update AS u WHERE m.core = u.core"  # noqa: S608
    postgres = connection.vendor == "postgresql"
    if not postgres and connection.Database.sqlite_version_info < (3, 33):
        plain = ", ".join(f"{c} = %s" for c in _UPDATED)
        sql = f"UPDATE {table} SET {plain} WHERE core = %s"  # noqa: S608 - the model's own names
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, [(*(r[i] for i in index), r[0]) for r in rows[start : start + 5000]])
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS mig_mpan_update")
        cursor.execute(
            "CREATE TEMP TABLE mig_mpan_update (core bigint PRIMARY KEY, segment varchar(12), "
            "supplier_id bigint, agent_id bigint, state varchar(12), scheduled_for date, "
            "migrated_on date, last_event_on date, failures integer)"
            + (" ON COMMIT DROP" if postgres else "")
        )
        values = ((r[0], *(r[i] for i in index)) for r in rows)
        if postgres:
            copy_sql = f"COPY mig_mpan_update ({names}) FROM STDIN"
            with connection.wrap_database_errors, cursor.copy(copy_sql) as copy:
                for v in values:
                    copy.write_row(v)
        else:
            marks = ", ".join(["%s"] * (len(_UPDATED) + 1))
            sql = f"INSERT INTO mig_mpan_update ({names}) VALUES ({marks})"  # noqa: S608 - our own names
            batch: list[tuple] = []
            for v in values:
                batch.append(v)
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
        if postgres:
            # A temporary table has no statistics: without them the planner may not join on the key.
            cursor.execute("ANALYZE mig_mpan_update")
            # A daily file changes a few percent of the ledger. The planner costs that as a hash join
            # over a scan of the whole ledger (spilling to disk at the default work_mem); probing the
            # primary key for each changed MPAN is 3-4 times faster at 30 million MPANs
            # (bench/migration, results/NOTES.md). Only for this statement.
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(update_from)
        if postgres:
            cursor.execute("RESET enable_hashjoin")
            cursor.execute("RESET enable_mergejoin")
            cursor.execute("RESET jit")
        cursor.execute("DROP TABLE mig_mpan_update")


def _progress(events: Iterable[Event]) -> dict[tuple, list[int]]:
    """(day, segment, supplier_id, distributor) -> [scheduled, migrated, remigrated, failed, reversed]."""
    slots = {"scheduled": 0, "migrated": 1, "failed": 3, "reversed": 4}
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for e in events:
        c = counts[(e.on, e.segment, e.supplier_id, common.distributor_of(e.core))]
        c[slots[_PROGRESS_FIELD[e.kind]]] += 1
        if e.kind == EventKind.MIGRATE and e.state == LedgerState.REMIGRATED:
            c[2] += 1
    return counts


_COUNTS = ("scheduled", "migrated", "remigrated", "failed", "reversed")


def add_progress(counts: dict[tuple, list[int]]) -> None:
    """Add ``counts`` to the daily aggregates (one upsert statement, run for every row)."""
    if not counts:
        return
    table = _table(DailyProgress)
    names = ", ".join(("day", "segment", "supplier_id", "distributor", *_COUNTS))
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _COUNTS)
    sql = (
        f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * 9)}) "  # noqa: S608 - the model's names
        f"ON CONFLICT (day, segment, supplier_id, distributor) DO UPDATE SET {sets}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*key, *values) for key, values in sorted(counts.items())])


def lock_ledger() -> None:
    """One writer of the ledger at a time (PostgreSQL: a transaction-level advisory lock, taken again at no
    cost by the same transaction). A load takes it before it reads the MPANs' states, so the states it
    validated against stay true until it commits; SQLite has one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(16004)")


def _event_key(e: Event) -> tuple[int, str, dt.date]:
    return (e.core, e.kind, e.on)


def apply(checked: Checked, *, load: LedgerLoad) -> dict[str, int]:
    """Write ``checked.events`` (the caller decided they apply): new MPANs, events, changed MPANs' states,
    the daily aggregates. In the caller's transaction; returns the counts."""
    timings = checked.timings
    clock = _Clock(timings)
    lock_ledger()
    new, changed = _final_rows(checked)
    # Rows in key order: each index page is then written once, in order (8 times faster than the file's
    # order for 500,000 events at 30 million MPANs).
    new.sort()
    insert_rows(Mpan, _MPAN_COLUMNS, new)
    clock.lap("apply_new_mpans")
    changed.sort()  # probed and updated in key order: each index page's new entries written together
    _update_mpans(changed)
    clock.lap("apply_states")
    columns = ["core", "kind", "on", "load_id"]
    events = sorted(checked.events, key=_event_key)  # the unique index's order (see above)
    if EVENT_HAS_CONTEXT:
        columns += ["segment", "supplier_id", "state"]
        rows: Iterator[tuple] = (
            (e.core, e.kind, e.on, load.pk, e.segment, e.supplier_id, e.state) for e in events
        )
    else:
        rows = ((e.core, e.kind, e.on, load.pk) for e in events)
    insert_rows(LedgerEvent, columns, rows)
    clock.lap("apply_events")
    add_progress(_progress(checked.events))
    clock.lap("apply_progress")
    _timings.clear()
    _timings.update(timings)
    log.info("ledger load %s: %s", load.pk, {k: round(v, 3) for k, v in timings.items()})
    return {"events": len(checked.events), "new_mpans": len(new), "changed_mpans": len(changed)}


# Exceptions -------------------------------------------------------------------------------------------


def open_exceptions(
    checked: Checked, *, load: LedgerLoad, applied: bool, now: dt.datetime | None = None
) -> list[tuple[MigrationException, bool, int]]:
    """Put the file's failed migrations and MPANs left with no agent (when ``applied``) and its refused
    reverse migrations after M14 in the exception queue (:mod:`busbar.migration.exceptionqueue`)."""
    from busbar.migration import exceptionqueue

    clock = _Clock(checked.timings)
    touched = exceptionqueue.open_exceptions(
        exceptionqueue.from_file(checked, applied=applied), load=load, now=now
    )
    clock.lap("exceptions")
    _timings["exceptions"] = checked.timings["exceptions"]
    return touched
