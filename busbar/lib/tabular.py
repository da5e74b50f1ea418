"""Reading a spreadsheet (CSV or XLSX) into rows named by its header, or refusing it with every fault
named by line and column. Nothing here writes: each importer checks the rows' meaning and writes them,
all or nothing (requirements, RAID items, actions).

The file's first row names the columns (any order, any case; ``aliases`` map other names); required
columns must be there, unknown ones are listed as ignored. Bounds: at most :data:`MAX_BYTES` bytes,
``max_rows`` rows, each value within its column's length, no NUL characters, an XLSX no larger than
:data:`MAX_XLSX_UNPACKED` once unpacked (a zip bomb is refused before openpyxl reads it). XLSX date cells
arrive as ISO dates (``2026-03-31``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from busbar.lib.actions import ActionError

MAX_BYTES = 5 * 1024 * 1024
MAX_XLSX_UNPACKED = 50 * 1024 * 1024
MAX_ERRORS = 20


@dataclass
class Fault:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportRefused(ActionError):
    """The file was refused; ``faults`` names each (line, column, message), at most :data:`MAX_ERRORS`."""

    title = "The file was refused; nothing was imported"

    def __init__(self, faults: list[Fault]) -> None:
        shown = "; ".join(str(f) for f in faults[:MAX_ERRORS])
        more = f" (and {len(faults) - MAX_ERRORS} more)" if len(faults) > MAX_ERRORS else ""
        super().__init__(f"Nothing was imported. {shown}{more}".strip(), field="file")
        self.faults = faults[:MAX_ERRORS]


@dataclass
class Table:
    #: One dict per non-empty row: ``line`` (where the row starts in the file) and each known column.
    rows: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _delimiter(text: str) -> str:
    """The header line's delimiter: the most frequent of comma, semicolon and tab (Excel in some locales
    saves CSV with semicolons); a comma when none."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _csv_rows(content: bytes, max_rows: int) -> list[tuple[int, list[object]]]:
    """(line where the record starts, its values) for each record, at most ``max_rows`` + 2."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportRefused([Fault(line, "", "the file is not UTF-8 text (save it as CSV UTF-8)")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportRefused([Fault(line, "", "the file contains NUL characters")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[tuple[int, list[object]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, list(row)))
            start = reader.line_num + 1
            if len(rows) > max_rows + 1:
                break
    except csv.Error as exc:
        raise ImportRefused([Fault(start, "", f"not valid CSV ({exc})")]) from None
    return rows


def _xlsx_rows(content: bytes, max_rows: int) -> list[tuple[int, list[object]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise ImportRefused([Fault(1, "", "not an XLSX workbook")]) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportRefused([Fault(1, "", "the workbook is too large once unpacked")])
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged workbook
        raise ImportRefused([Fault(1, "", "not a readable XLSX workbook")]) from None
    rows: list[tuple[int, list[object]]] = []
    try:
        if not book.worksheets:
            raise ImportRefused([Fault(1, "", "the workbook has no worksheet")])
        sheet = book.worksheets[0]
        # Read-only workbooks parse the sheet lazily: a damaged cell fails here, not when opened.
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, list(row)))
            if len(rows) > max_rows + 1:
                break
    except ImportRefused:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged sheet
        line = len(rows) + 1
        raise ImportRefused(
            [Fault(line, "", "not a readable XLSX worksheet (damaged from this row)")]
        ) from None
    finally:
        book.close()
    return rows


def read_table(
    filename: str,
    content: bytes,
    *,
    columns: Mapping[str, int],
    required: Sequence[str],
    aliases: Mapping[str, str] | None = None,
    max_rows: int = 5000,
    what: str = "rows",
) -> Table:
    """The file's rows as dicts of the known ``columns`` (name → longest value), or
    :class:`ImportRefused` naming every fault found (up to :data:`MAX_ERRORS`): a missing required
    column, a value too long, a NUL character, too many rows, an empty file."""
    if len(content) > MAX_BYTES:
        raise ImportRefused([Fault(1, "", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")])
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        raw = _xlsx_rows(content, max_rows)
    elif name.endswith((".csv", ".txt")) or not name:
        raw = _csv_rows(content, max_rows)
    else:
        raise ImportRefused([Fault(1, "", "upload a .csv or .xlsx file")])
    while raw and not any(cell_text(v) for v in raw[-1][1]):
        raw.pop()
    if not raw:
        raise ImportRefused([Fault(1, "", "the file is empty")])
    if len(raw) > max_rows + 1:
        raise ImportRefused([Fault(raw[-1][0], "", f"the file has more than {max_rows:,} {what}")])
    aliases = aliases or {}
    header = [cell_text(v).lower() for v in raw[0][1]]
    found: dict[str, int] = {}
    table = Table()
    faults: list[Fault] = []
    for index, title in enumerate(header):
        column = aliases.get(title, title)
        if column in columns:
            if column in found:
                faults.append(Fault(1, title, f"the column {column} appears twice"))
            found[column] = index
        elif title:
            table.ignored_columns.append(title[:60])
    for column in required:
        if column not in found:
            faults.append(Fault(1, column, f"no {column} column (the first row names the columns)"))
    if faults:
        raise ImportRefused(faults)
    for line, values in raw[1:]:
        if not any(cell_text(v) for v in values):
            continue
        row: dict = {"line": line}
        for column, index in found.items():
            value = cell_text(values[index]) if index < len(values) else ""
            if len(value) > columns[column]:
                faults.append(
                    Fault(line, column, f"{len(value):,} characters; the limit is {columns[column]:,}")
                )
            elif "\x00" in value:
                faults.append(Fault(line, column, "contains a NUL character"))
            row[column] = value
        table.rows.append(row)
        if len(faults) > MAX_ERRORS:
            break
    if faults:
        raise ImportRefused(faults)
    if not table.rows:
        raise ImportRefused([Fault(raw[0][0] + 1, "", f"the file has no {what} under its header")])
    return table
