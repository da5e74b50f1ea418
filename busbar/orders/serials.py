"""Communications-hub serial numbers and the bulk files of returns and test results.

**Serials** are EUI-64 identifiers: 16 hexadecimal digits, written in any case, plain
(``001BC50C00123456``) or with ``-`` or ``:`` between pairs or groups of pairs (``00-1B-C5-…``,
``00:1b:c5:…``, ``001B-C50C-0012-3456``). :func:`normalise` gives the one stored form,
``00-1B-C5-0C-00-12-34-56``; anything else is refused with the reason (:class:`BadSerial`).

**Return files** (CSV, UTF-8 with or without a byte-order mark; comma, semicolon or tab): the columns
``serial,variant,fault,note`` (variant and fault are codes, the note optional). The first row names the
columns (any order) or, when it does not start with ``serial``, the four columns are taken in that order
(pasted lines). At most :data:`MAX_BYTES` bytes and :data:`MAX_ROWS` rows.

**Result files** (DCC's test results): ``serial,outcome,reason`` (outcome ``credited`` or ``rejected``;
the reason required when rejected).

Everything is checked before anything is written: every fault is collected and the whole file refused
with :class:`LineErrors` (422), each fault naming its line and column — a serial that is not 16
hexadecimal digits, the same serial twice in the file (both lines named), an unknown variant or fault
code, a serial already in a live return (awaiting test or credited), a note too long. The database is
asked about codes once and about serials in chunks (``serial__in``), never once per line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from busbar.lib.tabular import Fault, ImportRefused

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 100_000
NOTE_MAX = 200
REASON_MAX = 200
#: The longest cell read (a serial with separators is 23 characters; codes are short).
CELL_MAX = 300
COLUMNS = ("serial", "variant", "fault", "note")
RESULT_COLUMNS = ("serial", "outcome", "reason")
OUTCOMES = ("credited", "rejected")
#: Outcomes that hold a serial: it may not be returned again while it has one.
LIVE = ("pending", "credited")
_HEX16 = re.compile(r"[0-9A-Fa-f]{16}")
_NORMAL = re.compile(r"[0-9A-F]{2}(?:-[0-9A-F]{2}){7}")
_SERIAL_MAX_INPUT = 64


class BadSerial(ValueError):
    """Not a hub serial; the message says why."""


def normalise(value: Any) -> str:
    """``value`` as ``XX-XX-XX-XX-XX-XX-XX-XX`` (upper case), or :class:`BadSerial` saying why not."""
    if not isinstance(value, str):
        raise BadSerial("give the serial as text")
    text = value.strip()
    if _NORMAL.fullmatch(text):
        return text
    if not text:
        raise BadSerial("give the hub's serial (16 hexadecimal digits)")
    if len(text) > _SERIAL_MAX_INPUT:
        raise BadSerial(f"{len(text)} characters: a hub serial is 16 hexadecimal digits")
    separators = {c for c in text if c in "-:"}
    if len(separators) > 1:
        raise BadSerial(f"{text!r} mixes '-' and ':': use one separator")
    if separators:
        groups = text.split(separators.pop())
        if any(not g or len(g) % 2 for g in groups):
            raise BadSerial(f"{text!r}: separators go between pairs of hexadecimal digits")
        digits = "".join(groups)
    else:
        digits = text
    if not _HEX16.fullmatch(digits):
        wrong = next((c for c in digits if c not in "0123456789abcdefABCDEF"), None)
        if wrong is not None:
            raise BadSerial(f"{text!r}: {wrong!r} is not a hexadecimal digit (0-9, A-F)")
        raise BadSerial(f"{text!r} has {len(digits)} hexadecimal digits; a hub serial (EUI-64) has 16")
    upper = digits.upper()
    return "-".join(upper[i : i + 2] for i in range(0, 16, 2))


def is_serial(value: Any) -> bool:
    try:
        normalise(value)
    except BadSerial:
        return False
    return True


class LineErrors(ImportRefused):
    """Bulk input refused, nothing written: ``faults`` names every bad line (line, column, reason).

    ``numbered`` says how the lines are counted: ``line`` (a file's or pasted text's lines, the header
    being line 1) or ``item`` (a JSON list: item 1 is ``hubs[0]``)."""

    def __init__(self, faults: list[Fault], *, numbered: str = "line", name: str = "hubs") -> None:
        faults = sorted(faults, key=lambda f: f.line)
        super().__init__(faults)
        self.faults = faults
        self.numbered = numbered
        self.name = name
        if numbered == "item":
            shown = "; ".join(self.where(f) + ": " + f.message for f in faults[:20])
            more = f" (and {len(faults) - 20:,} more)" if len(faults) > 20 else ""
            self.message = f"Nothing was imported. {shown}{more}"
            self.args = (self.message,)
        self.field = name if numbered == "item" else "file"

    def where(self, fault: Fault) -> str:
        if self.numbered == "item":
            return f"{self.name}[{fault.line - 1}]" + (f".{fault.column}" if fault.column else "")
        return f"line {fault.line}" + (f", {fault.column}" if fault.column else "")

    def errors(self) -> list[dict[str, Any]]:
        """Every fault as the API's problem lists them: ``{"field", "line", "column", "message"}``."""
        return [
            {"field": self.where(f), "line": f.line, "column": f.column or None, "message": f.message}
            for f in self.faults
        ]

    def lines(self) -> list[str]:
        """Every fault as a sentence, for a page."""
        return [f"{self.where(f)}: {f.message}" for f in self.faults]


@dataclass(slots=True)
class HubLine:
    """One hub to return: as given (``variant``, ``fault`` codes), then checked (``variant_id``,
    ``fault_id`` set, ``serial`` normalised)."""

    line: int
    serial: str
    variant: str
    fault: str
    note: str = ""
    variant_id: int | None = None
    fault_id: int | None = None


@dataclass(slots=True)
class ResultLine:
    """One test outcome for a hub of a return."""

    line: int
    serial: str
    outcome: str
    reason: str = ""


# Reading ---------------------------------------------------------------------------------------------------


def read_text(source: Any, *, max_bytes: int = MAX_BYTES) -> str:
    """The text of ``source`` (str, bytes, or an uploaded/opened file), at most ``max_bytes`` bytes, or
    :class:`LineErrors` on line 1 (too large, not UTF-8, NUL characters)."""
    if isinstance(source, str):
        text = source
        if len(text) > max_bytes:  # characters: at least as many bytes
            raise LineErrors([Fault(1, "", f"the file is larger than {max_bytes // (1024 * 1024)} MB")])
    else:
        if isinstance(source, bytes | bytearray):
            content = bytes(source)
        else:
            size = getattr(source, "size", None)
            if size is not None and size > max_bytes:
                raise LineErrors([Fault(1, "", f"the file is larger than {max_bytes // (1024 * 1024)} MB")])
            content = source.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise LineErrors([Fault(1, "", f"the file is larger than {max_bytes // (1024 * 1024)} MB")])
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            raise LineErrors([Fault(line, "", "the file is not UTF-8 text (save it as CSV UTF-8)")]) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise LineErrors([Fault(line, "", "the file contains NUL characters")])
    return text


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _records(
    text: str, columns: Sequence[str], required: Sequence[str], *, max_rows: int
) -> list[tuple[int, list[str]]]:
    """(line, values in ``columns``' order) for each non-empty record; the header row (if the first
    record starts with the first column's name) maps the columns, else they are in ``columns``' order."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    faults: list[Fault] = []
    records: list[tuple[int, list[str]]] = []
    order: list[int] | None = None
    start = 1
    width = len(columns)
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row or not any(v.strip() for v in row):
                continue
            if order is None:
                names = [v.strip().lower() for v in row]
                if names and names[0] == columns[0]:
                    order = []
                    for column in columns:
                        if column in names:
                            order.append(names.index(column))
                        elif column in required:
                            faults.append(Fault(line, column, f"no {column} column in the header"))
                            order.append(-1)
                        else:
                            order.append(-1)
                    if faults:
                        raise LineErrors(faults)
                    continue
                order = list(range(width))
            if len(records) >= max_rows:
                raise LineErrors([Fault(line, "", f"more than {max_rows:,} rows: split the file")])
            values = []
            for column, index in zip(columns, order, strict=True):
                value = row[index].strip() if 0 <= index < len(row) else ""
                if len(value) > CELL_MAX:
                    faults.append(Fault(line, column, f"{len(value):,} characters; the limit is {CELL_MAX}"))
                    value = value[:CELL_MAX]
                values.append(value)
            records.append((line, values))
    except csv.Error as exc:
        faults.append(Fault(start, "", f"not valid CSV ({exc})"))
    if faults:
        raise LineErrors(faults)
    if not records:
        raise LineErrors([Fault(1, "", "no lines to import")])
    return records


def parse_hub_lines(source: Any, *, max_rows: int = MAX_ROWS) -> list[HubLine]:
    """The hubs of a return file or pasted text, as given (checked by :func:`check_hubs`)."""
    text = read_text(source)
    return [
        HubLine(line=line, serial=v[0], variant=v[1], fault=v[2], note=v[3])
        for line, v in _records(text, COLUMNS, ("serial", "variant", "fault"), max_rows=max_rows)
    ]


def hub_lines(items: Iterable[Any], *, start: int = 1) -> list[HubLine]:
    """Hubs given one by one (a JSON list, a form): each a :class:`HubLine`, a mapping with serial,
    variant, fault, note, or a (serial, variant, fault[, note]) tuple; numbered from ``start``."""
    out = []
    for number, item in enumerate(items, start=start):
        if isinstance(item, HubLine):
            out.append(item)
        elif isinstance(item, dict):
            out.append(
                HubLine(
                    line=number,
                    serial=item.get("serial") or "",
                    variant=item.get("variant") or "",
                    fault=item.get("fault") or "",
                    note=item.get("note") or "",
                )
            )
        else:
            serial, variant, fault, *rest = (*tuple(item), "")[:4]
            out.append(HubLine(line=number, serial=serial, variant=variant, fault=fault, note=rest[0] or ""))
    return out


def chunk_size() -> int:
    return 5000 if connection.vendor == "postgresql" else 900


def live_serials(serials: Sequence[str]) -> dict[str, tuple[int, int, str]]:
    """The serials of ``serials`` held by a live return: serial → (supplier id, return id, reference),
    read in chunks (one query per :func:`chunk_size` serials)."""
    from busbar.orders.models import ReturnedHub

    found: dict[str, tuple[int, int, str]] = {}
    size = chunk_size()
    for i in range(0, len(serials), size):
        rows = ReturnedHub.objects.filter(serial__in=serials[i : i + size], outcome__in=LIVE).values_list(
            "serial", "supplier_id", "hub_return_id", "hub_return__reference"
        )
        for serial, supplier_id, return_id, reference in rows:
            found[serial] = (supplier_id, return_id, reference)
    return found


def check_hubs(
    lines: Sequence[HubLine], *, supplier_id: int | None = None, numbered: str = "line"
) -> list[HubLine]:
    """``lines`` checked and resolved (serials normalised, ``variant_id``/``fault_id`` set), or
    :class:`LineErrors` naming every fault. A serial in a live return of ``supplier_id`` names that
    return; of another supplier's, it does not."""
    from busbar.orders.models import FaultCode, HubVariant

    if not lines:
        raise LineErrors([Fault(1, "serial", "give at least one hub")], numbered=numbered)
    if len(lines) > MAX_ROWS:
        raise LineErrors([Fault(MAX_ROWS + 1, "", f"more than {MAX_ROWS:,} hubs")], numbered=numbered)
    variants = dict(HubVariant.objects.values_list("code", "pk"))
    faults_known = dict(FaultCode.objects.values_list("code", "pk"))
    active_faults = set(FaultCode.objects.filter(is_active=True).values_list("code", flat=True))
    faults: list[Fault] = []
    first_line: dict[str, int] = {}
    for hub in lines:
        line = hub.line
        try:
            hub.serial = normalise(hub.serial)
        except BadSerial as exc:
            faults.append(Fault(line, "serial", str(exc)))
        else:
            if (seen := first_line.get(hub.serial)) is not None:
                where = "item" if numbered == "item" else "line"
                shown = seen - 1 if numbered == "item" else seen
                faults.append(Fault(line, "serial", f"{hub.serial} is also on {where} {shown}"))
            else:
                first_line[hub.serial] = line
        variant = (hub.variant or "").strip().lower() if isinstance(hub.variant, str) else ""
        if not variant:
            faults.append(Fault(line, "variant", "give the hub variant's code"))
        elif variant not in variants:
            faults.append(Fault(line, "variant", f"no hub variant {variant[:40]!r}"))
        else:
            hub.variant, hub.variant_id = variant, variants[variant]
        fault = (hub.fault or "").strip().upper() if isinstance(hub.fault, str) else ""
        if not fault:
            faults.append(Fault(line, "fault", "give the fault code"))
        elif fault not in faults_known:
            faults.append(Fault(line, "fault", f"no fault code {fault[:40]!r}"))
        elif fault not in active_faults:
            faults.append(Fault(line, "fault", f"the fault code {fault} is no longer used"))
        else:
            hub.fault, hub.fault_id = fault, faults_known[fault]
        note = (hub.note or "").strip() if isinstance(hub.note, str) else ""
        if len(note) > NOTE_MAX:
            faults.append(Fault(line, "note", f"{len(note):,} characters; the limit is {NOTE_MAX}"))
        elif "\x00" in note:
            faults.append(Fault(line, "note", "contains a NUL character"))
        hub.note = note
    live = live_serials(list(first_line))
    for hub in lines:
        held = live.get(hub.serial)
        if held is not None and first_line.get(hub.serial) == hub.line:
            supplier, _, reference = held
            where = f" {reference}" if supplier_id is not None and supplier == supplier_id else ""
            faults.append(
                Fault(
                    hub.line,
                    "serial",
                    f"{hub.serial} is already in a return{where} (awaiting test or credited)",
                )
            )
    if faults:
        raise LineErrors(faults, numbered=numbered)
    return list(lines)


def parse_returns_csv(source: Any, *, supplier_id: int | None = None) -> list[HubLine]:
    """A return file (or pasted lines) read and checked: its hubs resolved, or :class:`LineErrors` naming
    every bad line. Nothing is written (the action :func:`busbar.orders.actions.returns.raise_return`
    checks again in its transaction and imports them)."""
    return check_hubs(parse_hub_lines(source), supplier_id=supplier_id)


def parse_results_csv(source: Any) -> list[ResultLine]:
    """DCC's test results (``serial,outcome,reason``), each serial normalised and each outcome known, or
    :class:`LineErrors` naming every bad line. Whether each serial is in the return is the action's check."""
    text = read_text(source)
    records = _records(text, RESULT_COLUMNS, ("serial", "outcome"), max_rows=MAX_ROWS)
    return check_results(
        [ResultLine(line=line, serial=v[0], outcome=v[1], reason=v[2]) for line, v in records]
    )


def result_lines(items: Iterable[Any], *, start: int = 1) -> list[ResultLine]:
    """Results given one by one: :class:`ResultLine`, mappings or (serial, outcome[, reason]) tuples."""
    out = []
    for number, item in enumerate(items, start=start):
        if isinstance(item, ResultLine):
            out.append(item)
        elif isinstance(item, dict):
            out.append(
                ResultLine(
                    line=number,
                    serial=item.get("serial") or "",
                    outcome=item.get("outcome") or "",
                    reason=item.get("reason") or "",
                )
            )
        else:
            serial, outcome, *rest = (*tuple(item), "")[:3]
            out.append(ResultLine(line=number, serial=serial, outcome=outcome, reason=rest[0] or ""))
    return out


def check_results(lines: Sequence[ResultLine], *, numbered: str = "line") -> list[ResultLine]:
    """Serials normalised, outcomes known, reasons given when rejected; every fault, or the lines."""
    if not lines:
        raise LineErrors([Fault(1, "serial", "give at least one result")], numbered=numbered, name="results")
    faults: list[Fault] = []
    first_line: dict[str, int] = {}
    for r in lines:
        try:
            r.serial = normalise(r.serial)
        except BadSerial as exc:
            faults.append(Fault(r.line, "serial", str(exc)))
        else:
            if (seen := first_line.get(r.serial)) is not None:
                faults.append(Fault(r.line, "serial", f"{r.serial} is also on line {seen}"))
            else:
                first_line[r.serial] = r.line
        outcome = (r.outcome or "").strip().lower() if isinstance(r.outcome, str) else ""
        if outcome not in OUTCOMES:
            faults.append(Fault(r.line, "outcome", "credited or rejected"))
        r.outcome = outcome
        reason = (r.reason or "").strip() if isinstance(r.reason, str) else ""
        if len(reason) > REASON_MAX:
            faults.append(Fault(r.line, "reason", f"{len(reason):,} characters; the limit is {REASON_MAX}"))
        elif "\x00" in reason:
            faults.append(Fault(r.line, "reason", "contains a NUL character"))
        elif outcome == "rejected" and not reason:
            faults.append(Fault(r.line, "reason", "say why the hub is rejected"))
        r.reason = reason
    if faults:
        raise LineErrors(faults, numbered=numbered, name="results")
    return list(lines)
