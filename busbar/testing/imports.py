"""Reading a requirements file (CSV or XLSX) into rows, or refusing it with every fault named by line and
column. Nothing here writes: :func:`busbar.testing.actions.setup.import_requirements` writes the rows, all
or nothing.

The file's first row names the columns (any order, any case): ``code`` and ``title`` are required,
``description`` and ``source`` optional; other columns are ignored (and said so). Bounds: at most
:data:`MAX_BYTES` bytes and :data:`MAX_ROWS` rows; each value within its column's length.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from busbar.lib.actions import ActionError
from busbar.lib.limits import text_max

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
#: Largest uncompressed XLSX (a zip bomb is refused before openpyxl reads it).
MAX_XLSX_UNPACKED = 50 * 1024 * 1024
MAX_ERRORS = 20
REQUIRED = ("code", "title")
OPTIONAL = ("description", "source")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
ALIASES = {"id": "code", "requirement": "code", "reference": "code", "name": "title", "summary": "title"}


def limits() -> dict[str, int]:
    return {"code": 40, "title": 300, "description": text_max(), "source": 200}


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
class Parsed:
    rows: list[dict] = field(default_factory=list)  # each with "line" and the four columns
    ignored_columns: list[str] = field(default_factory=list)


def _text(value: object) -> str:
    if value is None:
        return ""
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


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """(line where the record starts, its values) for each record, at most MAX_ROWS + 2."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportRefused([Fault(line, "", "the file is not UTF-8 text (save it as CSV UTF-8)")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportRefused([Fault(line, "", "the file contains NUL characters")])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise ImportRefused([Fault(start, "", f"not valid CSV ({exc})")]) from None
    return rows


def _xlsx_rows(content: bytes) -> list[tuple[int, list[object]]]:
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
    rows = []
    try:
        if not book.worksheets:
            raise ImportRefused([Fault(1, "", "the workbook has no worksheet")])
        sheet = book.worksheets[0]
        # Read-only workbooks parse the sheet lazily: a damaged cell fails here, not when opened.
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((number, list(row)))
            if len(rows) > MAX_ROWS + 1:
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


def parse(filename: str, content: bytes) -> Parsed:
    """The file's rows, or :class:`ImportRefused` naming every fault found (up to :data:`MAX_ERRORS`)."""
    if len(content) > MAX_BYTES:
        raise ImportRefused([Fault(1, "", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")])
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        raw = _xlsx_rows(content)
    elif name.endswith((".csv", ".txt")) or not name:
        raw = _csv_rows(content)
    else:
        raise ImportRefused([Fault(1, "", "upload a .csv or .xlsx file")])
    while raw and not any(_text(v) for v in raw[-1][1]):
        raw.pop()
    if not raw:
        raise ImportRefused([Fault(1, "", "the file is empty")])
    if len(raw) > MAX_ROWS + 1:
        raise ImportRefused([Fault(raw[-1][0], "", f"the file has more than {MAX_ROWS:,} requirements")])
    header = [_text(v).lower() for v in raw[0][1]]
    columns: dict[str, int] = {}
    parsed = Parsed()
    faults = []
    for index, title in enumerate(header):
        name = ALIASES.get(title, title)
        if name in REQUIRED + OPTIONAL:
            if name in columns:
                faults.append(Fault(1, title, f"the column {name} appears twice"))
            columns[name] = index
        elif title:
            parsed.ignored_columns.append(title[:60])
    for required in REQUIRED:
        if required not in columns:
            faults.append(Fault(1, required, f"no {required} column (the first row names the columns)"))
    if faults:
        raise ImportRefused(faults)
    bounds = limits()
    seen: dict[str, int] = {}
    for line, values in raw[1:]:
        if not any(_text(v) for v in values):
            continue
        row: dict = {"line": line}
        for name, index in columns.items():
            value = _text(values[index]) if index < len(values) else ""
            if len(value) > bounds[name]:
                faults.append(Fault(line, name, f"{len(value):,} characters; the limit is {bounds[name]:,}"))
            elif "\x00" in value:
                faults.append(Fault(line, name, "contains a NUL character"))
            row[name] = value
        code = row.get("code", "")
        if not code:
            faults.append(Fault(line, "code", "empty"))
        elif len(code) <= bounds["code"] and not CODE.match(code):
            faults.append(Fault(line, "code", f"{code[:40]!r} is not a code (letters, digits, . _ : / -)"))
        elif code in seen:
            faults.append(Fault(line, "code", f"{code} appears twice in the file (also line {seen[code]})"))
        else:
            seen[code] = line
        if not row.get("title"):
            faults.append(Fault(line, "title", "empty"))
        parsed.rows.append(row)
        if len(faults) > MAX_ERRORS:
            break
    if faults:
        raise ImportRefused(faults)
    if not parsed.rows:
        raise ImportRefused([Fault(raw[0][0] + 1, "", "the file has no requirements under its header")])
    return parsed
