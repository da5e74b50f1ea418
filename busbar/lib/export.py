"""Exports of a list as filtered, to CSV or XLSX, in constant memory whatever the row count.

A list declares its columns (:class:`Column`: a header and how to read the value from a row) and passes
the same queryset its page shows (visible to the viewer, filtered, ordered). The rows are read with
``QuerySet.iterator(chunk_size=…)``: one query (a server-side cursor on PostgreSQL), rows not kept, so the
columns must read only what the queryset already selects (``select_related``), never a query per row.

- **CSV** is a :class:`~django.http.StreamingHttpResponse`: each chunk of rows is written as it is read.
- **XLSX** is built by openpyxl in write-only mode (rows are streamed into the workbook's temporary files,
  not kept), saved to an anonymous temporary file and sent as a :class:`~django.http.FileResponse`.

Every cell is made safe to open in a spreadsheet: text starting with ``=``, ``+``, ``-``, ``@`` (or a tab
or carriage return) is prefixed with ``'``, so a summary typed as ``=HYPERLINK(…)`` is shown, never run.
Times are shown in the site's zone (Europe/London), named in the header. At most :data:`MAX_ROWS` rows
are written; beyond, a last row says the export was cut short.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

#: Rows read per database round trip (at most two chunks are held at once: the peak memory's bound).
CHUNK_SIZE = 1000
#: Rows written at most in one export.
MAX_ROWS = 1_000_000
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The longest text written to one cell (Excel's own limit is 32,767 characters).
MAX_CELL = 32_000


@dataclass(frozen=True)
class Column:
    """One exported column: its header and its value for a row (text, number, bool, time or None)."""

    header: str
    value: Callable[[Any], Any]


def safe_text(value: str) -> str:
    """``value`` as a spreadsheet shows it and never evaluates it."""
    value = value[:MAX_CELL]
    return "'" + value if value.startswith(_FORMULA_START) else value


def local(value: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """A stored (UTC) time in the site's zone, without the zone (as spreadsheets take it)."""
    if timezone.is_aware(value):
        value = value.astimezone(zone or timezone.get_current_timezone())
    return value.replace(tzinfo=None, microsecond=0)


def cell(value: Any, *, for_csv: bool, zone: dt.tzinfo | None = None) -> Any:
    """One value made safe: text guarded, times local, booleans yes/no, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        shown = local(value, zone)
        return shown.isoformat(sep=" ") if for_csv else shown
    if isinstance(value, int | float):
        return value
    return safe_text(str(value))


def headers(columns: Iterable[Column]) -> list[str]:
    zone = timezone.get_current_timezone_name()
    return [c.header.replace("{zone}", zone) for c in columns]


def rows(
    qs: QuerySet, columns: list[Column], *, chunk_size: int = CHUNK_SIZE, for_csv: bool
) -> Iterator[list]:
    """The rows of ``qs``, each a list of safe cells, at most :data:`MAX_ROWS` (then a row saying so)."""
    zone = timezone.get_current_timezone()
    for written, obj in enumerate(qs.iterator(chunk_size=chunk_size)):
        if written == MAX_ROWS:
            yield [f"Cut short at {MAX_ROWS:,} rows: narrow the filters to export the rest."]
            return
        yield [cell(c.value(obj), for_csv=for_csv, zone=zone) for c in columns]


class _Echo:
    """A file-like object whose ``write`` returns what it was given (csv.writer into a generator)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(qs: QuerySet, columns: list[Column], *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The CSV file, in pieces of about ``chunk_size`` rows, UTF-8 with a byte-order mark (for Excel)."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(headers(columns))).encode()
    buffer: list[str] = []
    for row in rows(qs, columns, chunk_size=chunk_size, for_csv=True):
        buffer.append(writer.writerow(row))
        if len(buffer) >= chunk_size:
            yield "".join(buffer).encode()
            buffer = []
    if buffer:
        yield "".join(buffer).encode()


def write_xlsx(qs: QuerySet, columns: list[Column], target: Any, *, title: str = "Export") -> None:
    """Write the workbook to ``target`` (a path or a binary file) in openpyxl's write-only mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=safe_text(title)[:31].lstrip("'") or "Export")
    bold = Font(bold=True)
    heading = []
    for text in headers(columns):
        c = WriteOnlyCell(sheet, value=text)
        c.font = bold
        heading.append(c)
    sheet.append(heading)
    for row in rows(qs, columns, for_csv=False):
        sheet.append(row)
    book.save(target)


def filename(stem: str, fmt: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def response(
    qs: QuerySet, columns: list[Column], *, fmt: str, stem: str
) -> StreamingHttpResponse | FileResponse:
    """The export of ``qs`` as a download named ``stem-<time>.<fmt>``; ``fmt`` one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    name = filename(stem, fmt)
    if fmt == "csv":
        streamed = StreamingHttpResponse(csv_lines(qs, columns), content_type=CONTENT_TYPES["csv"])
        streamed["Content-Disposition"] = f'attachment; filename="{name}"'
        streamed["Cache-Control"] = "no-store"
        return streamed
    # An anonymous file (gone from the disk already; freed when the response closes it).
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_xlsx(qs, columns, spool, title=stem)
    spool.seek(0)
    sent = FileResponse(spool, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"])
    sent["Cache-Control"] = "no-store"
    return sent
