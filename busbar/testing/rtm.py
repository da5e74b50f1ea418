"""The requirements traceability matrix of a phase: requirement × scenario × latest result per participant.

**Rows** are (requirement, scenario) pairs of the phase's active scenarios, ordered by requirement code then
scenario code; a scenario traced to no requirement has one row of its own, after the traced ones. **Columns**
are the participations the viewer may see (a participant only its own; the SI, assurers, the programme's
other parties and the desk every one), optionally narrowed to a cohort or a participant role. **Cells** come
from :class:`~busbar.testing.models.LatestResult`: the latest result, the number of attempts and the
execution it came from; a scenario whose roles exclude a participant's role is "not applicable" there. Each
row totals its columns: passed, failed, blocked, not run (no result yet, or recorded as not run).

A page costs a fixed number of queries whatever the size of the phase: the columns (1), the row keys (2: the
scenarios and their requirement links, small tuples), and for the page's scenarios only their roles (1) and
their cells (1). The export walks every row in chunks the same way and writes the workbook in openpyxl's
write-only mode, so its memory does not grow with the number of executions.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import FileResponse

from busbar.lib import export
from busbar.testing.access import Access, access_for
from busbar.testing.models import Participation, Phase, Result, Scenario
from busbar.testing.queries import latest_results_visible_to, participations_visible_to

PAGE_SIZE = 50
#: Rows whose cells are read in one query by the export.
EXPORT_CHUNK = 200
#: The label of a scenario not applicable to a participant's role.
NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class Filters:
    cohort: int | None = None
    role: int | None = None
    interface: str = ""
    requirement: str = ""  # words in a requirement's code or title


@dataclass(frozen=True)
class RowKey:
    scenario_id: int
    scenario_code: str
    scenario_title: str
    interface: str
    mandatory: bool
    requirement_id: int | None
    requirement_code: str
    requirement_title: str


@dataclass
class Cell:
    participation_id: int
    result: str | None = None  # None: no result yet
    attempts: int = 0
    execution_id: int | None = None
    applicable: bool = True

    @property
    def label(self) -> str:
        if not self.applicable:
            return NOT_APPLICABLE
        return Result(self.result).label if self.result else ""


@dataclass
class Row:
    key: RowKey
    cells: list[Cell] = field(default_factory=list)
    passed: int = 0
    failed: int = 0
    blocked: int = 0
    not_run: int = 0


@dataclass
class Matrix:
    phase: Phase
    columns: list[Participation]
    rows: list[Row]
    count: int  # rows in all
    offset: int
    limit: int


def _access(user_or_access) -> Access:
    return user_or_access if isinstance(user_or_access, Access) else access_for(user_or_access)


def columns(user, phase: Phase, filters: Filters = Filters()) -> list[Participation]:
    """The participations shown as columns: those ``user`` may see results of, in the phase's order."""
    access = _access(user)
    qs: QuerySet = participations_visible_to(access).filter(phase=phase)
    if not access.reads_all(phase.programme_id):
        qs = qs.filter(organisation_id__in=sorted(access.organisation_ids))
    if filters.cohort:
        qs = qs.filter(cohort_id=filters.cohort)
    if filters.role:
        qs = qs.filter(role_id=filters.role)
    return list(qs)


def row_keys(phase: Phase, filters: Filters = Filters()) -> list[RowKey]:
    """Every row of the matrix, in order (two queries of small tuples)."""
    scenarios = Scenario.objects.filter(phase=phase, is_active=True)
    if filters.interface:
        scenarios = scenarios.filter(interface__iexact=filters.interface)
    info = {
        pk: (code, title, interface, mandatory)
        for pk, code, title, interface, mandatory in scenarios.values_list(
            "pk", "code", "title", "interface", "mandatory"
        )
    }
    links = Scenario.requirements.through.objects.filter(scenario__in=scenarios.values("pk")).values_list(
        "scenario_id", "requirement_id", "requirement__code", "requirement__title"
    )
    words = filters.requirement.strip().lower()
    keys: list[RowKey] = []
    traced: set[int] = set()
    for scenario_id, requirement_id, code, title in links:
        traced.add(scenario_id)
        if words and words not in code.lower() and words not in title.lower():
            continue
        keys.append(RowKey(scenario_id, *info[scenario_id], requirement_id, code, title))
    keys.sort(key=lambda k: (k.requirement_code, k.scenario_code, k.scenario_id))
    if not words:
        untraced = [RowKey(pk, *row, None, "", "") for pk, row in info.items() if pk not in traced]
        keys += sorted(untraced, key=lambda k: (k.scenario_code, k.scenario_id))
    return keys


def _fill(user, phase: Phase, cols: list[Participation], keys: list[RowKey]) -> list[Row]:
    """The rows of ``keys`` with their cells and totals: two queries."""
    scenario_ids = sorted({k.scenario_id for k in keys})
    col_ids = [p.pk for p in cols]
    roles: dict[int, set[int]] = defaultdict(set)
    found: dict[tuple[int, int], tuple[str, int, int]] = {}
    if scenario_ids and col_ids:
        for scenario_id, role_id in Scenario.roles.through.objects.filter(
            scenario_id__in=scenario_ids
        ).values_list("scenario_id", "participantrole_id"):
            roles[scenario_id].add(role_id)
        cells = latest_results_visible_to(_access(user)).filter(
            phase=phase, scenario_id__in=scenario_ids, participation_id__in=col_ids
        )
        for scenario_id, participation_id, result, attempts, execution_id in cells.values_list(
            "scenario_id", "participation_id", "result", "attempts", "execution_id"
        ):
            found[(scenario_id, participation_id)] = (result, attempts, execution_id)
    rows = []
    for key in keys:
        row = Row(key=key)
        wanted = roles.get(key.scenario_id)
        for column in cols:
            cell = Cell(participation_id=column.pk, applicable=not wanted or column.role_id in wanted)
            hit = found.get((key.scenario_id, column.pk))
            if hit:
                cell.result, cell.attempts, cell.execution_id = hit
            row.cells.append(cell)
            if not cell.applicable:
                continue
            if cell.result == Result.PASSED:
                row.passed += 1
            elif cell.result == Result.FAILED:
                row.failed += 1
            elif cell.result == Result.BLOCKED:
                row.blocked += 1
            else:
                row.not_run += 1
        rows.append(row)
    return rows


def matrix(
    user, phase: Phase, filters: Filters = Filters(), *, offset: int = 0, limit: int = PAGE_SIZE
) -> Matrix:
    """One page of the matrix as ``user`` may see it (a fixed number of queries)."""
    cols = columns(user, phase, filters)
    keys = row_keys(phase, filters)
    page = keys[offset : offset + limit]
    return Matrix(
        phase=phase,
        columns=cols,
        rows=_fill(user, phase, cols, page),
        count=len(keys),
        offset=offset,
        limit=limit,
    )


def all_rows(user, phase: Phase, filters: Filters = Filters()) -> tuple[list[Participation], Iterator[Row]]:
    """The columns and every row, filled :data:`EXPORT_CHUNK` rows at a time."""
    cols = columns(user, phase, filters)
    keys = row_keys(phase, filters)

    def walk() -> Iterator[Row]:
        for start in range(0, len(keys), EXPORT_CHUNK):
            yield from _fill(user, phase, cols, keys[start : start + EXPORT_CHUNK])

    return cols, walk()


def column_label(participation: Participation) -> str:
    return f"{participation.organisation.name} ({participation.role.label})"


def xlsx_response(user, phase: Phase, filters: Filters = Filters()) -> FileResponse:
    """The whole matrix as an XLSX download (write-only workbook on an anonymous temporary file)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cols, rows = all_rows(user, phase, filters)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="RTM")
    bold = Font(bold=True)
    headers = [
        "Requirement",
        "Requirement title",
        "Scenario",
        "Scenario title",
        "Interface",
        "Mandatory",
        *(column_label(p) for p in cols),
        "Passed",
        "Failed",
        "Blocked",
        "Not run",
    ]
    heading = []
    for text in headers:
        c = WriteOnlyCell(sheet, value=export.safe_text(text))
        c.font = bold
        heading.append(c)
    sheet.append(heading)
    for row in rows:
        k = row.key
        cells = [f"{c.label} ×{c.attempts}" if c.result and c.attempts > 1 else c.label for c in row.cells]
        sheet.append(
            [
                export.cell(v, for_csv=False)
                for v in (
                    k.requirement_code,
                    k.requirement_title,
                    k.scenario_code,
                    k.scenario_title,
                    k.interface,
                    k.mandatory,
                    *cells,
                    row.passed,
                    row.failed,
                    row.blocked,
                    row.not_run,
                )
            ]
        )
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    book.save(spool)
    spool.seek(0)
    name = export.filename(f"rtm-{phase.programme.code}-{phase.code}", "xlsx")
    sent = FileResponse(spool, as_attachment=True, filename=name, content_type=export.CONTENT_TYPES["xlsx"])
    sent["Cache-Control"] = "no-store"
    return sent
