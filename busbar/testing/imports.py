"""Reading a requirements file (CSV or XLSX) into rows, or refusing it with every fault named by line and
column. Nothing here writes: :func:`busbar.testing.actions.setup.import_requirements` writes the rows, all
or nothing.

The file's first row names the columns (any order, any case): ``code`` and ``title`` are required,
``description`` and ``source`` optional; other columns are ignored (and said so). Bounds: at most
:data:`MAX_BYTES` bytes and :data:`MAX_ROWS` rows; each value within its column's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from busbar.lib.limits import text_max
from busbar.lib.tabular import MAX_BYTES, MAX_ERRORS, MAX_XLSX_UNPACKED, Fault, ImportRefused, read_table

__all__ = ["MAX_BYTES", "MAX_ERRORS", "MAX_XLSX_UNPACKED", "Fault", "ImportRefused", "parse"]

MAX_ROWS = 5000
REQUIRED = ("code", "title")
OPTIONAL = ("description", "source")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
ALIASES = {"id": "code", "requirement": "code", "reference": "code", "name": "title", "summary": "title"}


def limits() -> dict[str, int]:
    return {"code": 40, "title": 300, "description": text_max(), "source": 200}


@dataclass
class Parsed:
    rows: list[dict] = field(default_factory=list)  # each with "line" and the four columns
    ignored_columns: list[str] = field(default_factory=list)


def parse(filename: str, content: bytes) -> Parsed:
    """The file's rows, or :class:`ImportRefused` naming every fault found (up to :data:`MAX_ERRORS`)."""
    table = read_table(
        filename,
        content,
        columns=limits(),
        required=REQUIRED,
        aliases=ALIASES,
        max_rows=MAX_ROWS,
        what="requirements",
    )
    parsed = Parsed(ignored_columns=table.ignored_columns)
    faults = []
    bounds = limits()
    seen: dict[str, int] = {}
    for row in table.rows:
        line = row["line"]
        for name in REQUIRED + OPTIONAL:
            row.setdefault(name, "")
        code = row["code"]
        if not code:
            faults.append(Fault(line, "code", "empty"))
        elif len(code) <= bounds["code"] and not CODE.match(code):
            faults.append(Fault(line, "code", f"{code[:40]!r} is not a code (letters, digits, . _ : / -)"))
        elif code in seen:
            faults.append(Fault(line, "code", f"{code} appears twice in the file (also line {seen[code]})"))
        else:
            seen[code] = line
        if not row["title"]:
            faults.append(Fault(line, "title", "empty"))
        parsed.rows.append(row)
        if len(faults) > MAX_ERRORS:
            break
    if faults:
        raise ImportRefused(faults)
    return parsed
