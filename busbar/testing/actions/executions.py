"""Recording results: executions and their evidence, runs, and JUnit imports (digest §6.4, TA-21).

Every execution keeps three things in the same transaction:

* ``week``: the Monday (Europe/London) of the week it was executed (the glide path's bucket);
* ``is_first``: no earlier execution of the scenario by the participation (first-time pass ratio, TA-39);
  a back-dated execution earlier than the current first takes the flag from it;
* the :class:`LatestResult` cell (scenario × participation): inserted, or updated only when this execution
  is newer (by time, then id), ``attempts`` counting every execution. The cell is written by one upsert
  (``INSERT … ON CONFLICT … DO UPDATE``, on SQLite and PostgreSQL alike) and the participation row is locked
  first (``select_for_update``), so concurrent recordings for one participant are applied one after
  another and neither ``is_first`` nor ``attempts`` is lost.

A JUnit import writes its executions with one ``bulk_create`` and its cells with a few multi-row upserts,
and one journal entry for the whole file.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.records.steps import attachment_type
from busbar.testing import junit, permissions
from busbar.testing.access import access_of
from busbar.testing.models import (
    Environment,
    Evidence,
    Execution,
    LatestResult,
    Pairing,
    Participation,
    Result,
    Run,
    Scenario,
    ScriptVersion,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
#: Evidence files one request may add.
MAX_EVIDENCE_FILES = 20
#: How far before the phase's planned start an execution may be dated (dry runs, PIT carried over).
EARLIEST_BEFORE_START = dt.timedelta(days=365)
#: Clock difference tolerated for "not in the future" (a CI runner's clock a little ahead).
CLOCK_SKEW = dt.timedelta(minutes=5)
_UPSERT_CHUNK = 500
#: Results that count as executed on the glide path (not run does not).
_EXECUTED = frozenset({Result.PASSED, Result.FAILED, Result.BLOCKED})


def _week(at: dt.datetime) -> dt.date:
    day = at.astimezone(LONDON).date()
    return day - dt.timedelta(days=day.weekday())


def _locked(participation: Participation) -> Participation:
    """The participation, row-locked for the rest of the transaction: recordings for one participant
    queue behind each other (``is_first`` and the latest-result cell stay exact under concurrency)."""
    return (
        Participation.objects.select_for_update(of=("self",))
        .select_related("phase", "phase__programme", "organisation", "role")
        .get(pk=participation.pk)
    )


def _check_environment(participation: Participation, environment: Environment | None) -> None:
    if environment is not None and environment.programme_id != participation.phase.programme_id:
        raise ActionError(
            f"{environment} is not an environment of {participation.phase.programme}", field="environment"
        )


def _check_pairing(participation: Participation, pairing: Pairing | None) -> None:
    if pairing is None:
        return
    if pairing.phase_id != participation.phase_id:
        raise ActionError("The pairing is not of this phase", field="pairing")
    if participation.pk not in (pairing.supplier_id, pairing.agent_id):
        raise ActionError(f"The pairing does not include {participation.organisation}", field="pairing")


def _check_files(files: Sequence[tuple[str, str, bytes]], field: str) -> list[tuple[str, str, bytes]]:
    """(name, type as the content shows it, bytes) for each file, or the refusal naming the file."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise ActionError(f"Add at most {MAX_EVIDENCE_FILES} files at a time", field=field)
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    checked = []
    for index, (name, content_type, content) in enumerate(files):
        where = f"{field}[{index}]"
        name = (name or "evidence").replace("\x00", "").strip() or "evidence"
        if len(content) > max_bytes:
            raise ActionError(f"{name} is {len(content):,} bytes; the limit is {max_bytes:,}", field=where)
        if not content:
            raise ActionError(f"{name} is empty", field=where)
        checked.append((name, attachment_type(name, content_type, content, field=where), content))
    return checked


def _store_evidence(
    actor: Actor, execution: Execution, checked: list[tuple[str, str, bytes]]
) -> list[Evidence]:
    saved = []
    for name, content_type, content in checked:
        evidence = Evidence(
            execution=execution,
            filename=name[:200],
            content_type=content_type,
            size=len(content),
            uploaded_by=actor.user,
            uploaded_by_organisation=actor.organisation,
        )
        evidence.file.save(name[-100:], ContentFile(content), save=False)
        evidence.save()
        saved.append(evidence)
    return saved


def _first_weeks(result: str, week: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(first executed week, first passed week) an execution gives its cell (the glide path's buckets)."""
    executed = week if result in _EXECUTED else None
    return executed, week if result == Result.PASSED else None


def _earliest(table: str, column: str) -> str:
    """SQL keeping the earlier of the cell's and the new row's week, either possibly NULL."""
    return (
        f"{column} = CASE WHEN excluded.{column} IS NULL THEN {table}.{column} "
        f"WHEN {table}.{column} IS NULL OR excluded.{column} < {table}.{column} THEN excluded.{column} "
        f"ELSE {table}.{column} END"
    )


def _upsert_latest(cells: list[tuple]) -> None:
    """Insert or update latest-result cells: (scenario, participation, phase, execution, result,
    executed_at, attempts, first executed week, first passed week). An existing cell takes the new
    execution only if it is newer (time, then id); its attempts always grow; its first weeks keep the
    earlier. One statement per :data:`_UPSERT_CHUNK` cells; each cell once per call."""
    table = connection.ops.quote_name(LatestResult._meta.db_table)
    newer = (
        f"(excluded.executed_at > {table}.executed_at OR (excluded.executed_at = {table}.executed_at "
        f"AND excluded.execution_id > {table}.execution_id))"
    )
    adapt = connection.ops.adapt_datetimefield_value
    adapt_date = connection.ops.adapt_datefield_value
    for start in range(0, len(cells), _UPSERT_CHUNK):
        chunk = cells[start : start + _UPSERT_CHUNK]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        params: list[Any] = []
        for cell in chunk:
            scenario_id, participation_id, phase_id, execution_id, result, executed_at, attempts = cell[:7]
            first_executed, first_passed = cell[7:9]
            params += [
                scenario_id,
                participation_id,
                phase_id,
                execution_id,
                result,
                adapt(executed_at),
                attempts,
                adapt_date(first_executed),
                adapt_date(first_passed),
            ]
        # Only the model's own table and column names are interpolated; every value is a parameter.
        sql = (
            f"INSERT INTO {table} (scenario_id, participation_id, phase_id, execution_id, result, "  # noqa: S608
            f"executed_at, attempts, first_executed_week, first_passed_week) VALUES {values} "
            "ON CONFLICT (scenario_id, participation_id) DO UPDATE SET "
            f"execution_id = CASE WHEN {newer} THEN excluded.execution_id ELSE {table}.execution_id END, "
            f"result = CASE WHEN {newer} THEN excluded.result ELSE {table}.result END, "
            f"executed_at = CASE WHEN {newer} THEN excluded.executed_at ELSE {table}.executed_at END, "
            f"attempts = {table}.attempts + excluded.attempts, "
            f"{_earliest(table, 'first_executed_week')}, {_earliest(table, 'first_passed_week')}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


_EXECUTION_COLUMNS = (
    "phase_id",
    "scenario_id",
    "script_version_id",
    "participation_id",
    "pairing_id",
    "environment_id",
    "run_id",
    "result",
    "executed_at",
    "week",
    "is_first",
    "retest_of_id",
    "notes",
    "duration_ms",
    "external_id",
    "recorded_by_id",
    "recorded_by_organisation_id",
    "created_at",
)
_INSERT_CHUNK = 1000


def _insert_executions(rows: list[dict]) -> list[tuple[int, int, str]]:
    """Insert executions given as column dicts, :data:`_INSERT_CHUNK` per statement, without building model
    instances (a 10,000-case file in well under a second); (id, scenario id, result) of each new row, read
    back with ``RETURNING`` (SQLite 3.35+ and PostgreSQL), in no particular order."""
    ops = connection.ops
    table = ops.quote_name(Execution._meta.db_table)
    if connection.vendor == "postgresql" and rows:
        return _insert_executions_unnest(table, rows)
    columns = ", ".join(ops.quote_name(c) for c in _EXECUTION_COLUMNS)
    placeholder = "(" + ", ".join(["%s"] * len(_EXECUTION_COLUMNS)) + ")"
    created: list[tuple[int, int, str]] = []
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start : start + _INSERT_CHUNK]
        params: list[Any] = []
        for row in chunk:
            for column in _EXECUTION_COLUMNS:
                value = row[column]
                if column in ("executed_at", "created_at"):
                    value = ops.adapt_datetimefield_value(value)
                elif column == "week":
                    value = ops.adapt_datefield_value(value)
                params.append(value)
        # Only the model's own table and column names are interpolated; every value is a parameter.
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(chunk))} "  # noqa: S608
            "RETURNING id, scenario_id, result"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created += [tuple(r) for r in cursor.fetchall()]
    return created


#: The columns that differ between the executions of one import (sent as arrays on PostgreSQL).
_VARYING = {
    "scenario_id": "bigint",
    "script_version_id": "bigint",
    "result": "varchar",
    "is_first": "boolean",
    "notes": "text",
    "duration_ms": "integer",
    "external_id": "varchar",
}


def _insert_executions_unnest(table: str, rows: list[dict]) -> list[tuple[int, int, str]]:
    """PostgreSQL: one statement for the whole import, the varying columns as arrays (``UNNEST``) and the
    shared ones as single values: no per-row parameter handling."""
    ops = connection.ops
    first = rows[0]
    select = []
    for column in _EXECUTION_COLUMNS:
        select.append(f"u.{column}" if column in _VARYING else "%s")
    # The select list must follow _EXECUTION_COLUMNS; the shared values' parameters come first, in order.
    params = []
    for column in _EXECUTION_COLUMNS:
        if column not in _VARYING:
            value = first[column]
            if column in ("executed_at", "created_at"):
                value = ops.adapt_datetimefield_value(value)
            params.append(value)
    arrays = [[row[column] for row in rows] for column in _VARYING]
    unnest = ", ".join(f"%s::{kind}[]" for kind in _VARYING.values())
    names = ", ".join(_VARYING)
    columns = ", ".join(ops.quote_name(c) for c in _EXECUTION_COLUMNS)
    # Only the model's own table and column names are interpolated; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(select)} "  # noqa: S608
        f"FROM UNNEST({unnest}) AS u({names}) RETURNING id, scenario_id, result"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *arrays])
        return [tuple(r) for r in cursor.fetchall()]


def _script_version(
    scenario: Scenario, script_version: ScriptVersion | None, programme_id: int
) -> ScriptVersion:
    if script_version is None:
        if scenario.current_version_id is None:
            raise ActionError(f"{scenario.code} has no test script yet", field="script_version")
        return ScriptVersion.objects.get(pk=scenario.current_version_id)
    if script_version.scenario_id != scenario.pk:
        owner = Scenario.objects.select_related("phase").get(pk=script_version.scenario_id)
        if owner.phase.programme_id != programme_id:
            raise ActionError(
                f"Script version {script_version.pk} belongs to another programme", field="script_version"
            )
        raise ActionError(
            f"Script version {script_version.pk} is a version of {owner.code}, not {scenario.code}",
            field="script_version",
        )
    return script_version


def _executed_at(
    participation: Participation, executed_at: dt.datetime | None, now: dt.datetime
) -> dt.datetime:
    if executed_at is None:
        return now
    if timezone.is_naive(executed_at):
        raise ActionError("Give the time with its time zone", field="executed_at")
    if executed_at > now + CLOCK_SKEW:
        raise ActionError("An execution cannot be dated in the future", field="executed_at")
    start = participation.phase.planned_start
    earliest = dt.datetime.combine(start, dt.time(), tzinfo=LONDON) - EARLIEST_BEFORE_START
    if executed_at < earliest:
        raise ActionError(
            f"An execution cannot be dated before {earliest.date():%-d %b %Y} (a year before the phase's "
            "planned start)",
            field="executed_at",
        )
    return executed_at


@action
def record_execution(
    *,
    actor: Actor,
    participation: Participation,
    scenario: Scenario,
    result: str,
    script_version: ScriptVersion | None = None,
    environment: Environment | None = None,
    pairing: Pairing | None = None,
    run: Run | None = None,
    executed_at: dt.datetime | None = None,
    notes: str = "",
    retest_of: Execution | None = None,
    evidence: Sequence[tuple[str, str, bytes]] = (),
    duration_ms: int | None = None,
) -> Execution:
    """Record one result of ``scenario`` by ``participation`` (its own people, or the SI)."""
    participation = _locked(participation)
    phase = participation.phase
    refuse(permissions.can_record(access_of(actor), participation))
    if result not in Result.values:
        raise ActionError(f"Unknown result {result!r}: choose {', '.join(Result.values)}", field="result")
    if scenario.phase_id != phase.pk:
        scenario_phase = Scenario.objects.select_related("phase").get(pk=scenario.pk).phase
        where = "another programme" if scenario_phase.programme_id != phase.programme_id else "another phase"
        raise ActionError(f"{scenario.code} is a scenario of {where}, not {phase.name}", field="scenario")
    if not scenario.is_active:
        raise ActionError(f"{scenario.code} is no longer in use", field="scenario")
    version = _script_version(scenario, script_version, phase.programme_id)
    _check_environment(participation, environment)
    _check_pairing(participation, pairing)
    if run is not None and run.participation_id != participation.pk:
        raise ActionError("The run is another participant's", field="run")
    if retest_of is not None and (
        retest_of.participation_id != participation.pk or retest_of.scenario_id != scenario.pk
    ):
        raise ActionError(
            "A retest repeats an execution of the same scenario by the same participant", field="retest_of"
        )
    if duration_ms is not None and not 0 <= duration_ms <= junit.MAX_DURATION_MS:
        raise ActionError("The duration is out of range", field="duration_ms")
    check_text(notes, field="notes")
    now = timezone.now()
    executed_at = _executed_at(participation, executed_at, now)
    checked = _check_files(evidence, "evidence")

    earlier = Execution.objects.filter(
        scenario=scenario, participation=participation, executed_at__lte=executed_at
    ).exists()
    execution = Execution.objects.create(
        phase=phase,
        scenario=scenario,
        script_version=version,
        participation=participation,
        pairing=pairing,
        environment=environment,
        run=run,
        result=result,
        executed_at=executed_at,
        week=_week(executed_at),
        is_first=not earlier,
        retest_of=retest_of,
        notes=notes,
        duration_ms=duration_ms,
        recorded_by=actor.user,
        recorded_by_organisation=actor.acting_for(participation.organisation_id).organisation,
        created_at=now,
    )
    if execution.is_first:
        Execution.objects.filter(scenario=scenario, participation=participation, is_first=True).exclude(
            pk=execution.pk
        ).update(is_first=False)
    _upsert_latest(
        [
            (scenario.pk, participation.pk, phase.pk, execution.pk, result, executed_at, 1)
            + _first_weeks(result, execution.week)
        ]
    )
    saved = _store_evidence(actor, execution, checked)
    journal(
        actor=actor.acting_for(participation.organisation_id),
        action="testing.record_execution",
        obj=execution,
        owner=participation.organisation,
        changes={"result": [None, result], "script_version": [None, version.version]},
        note=f"{scenario.code} v{version.version}: {Result(result).label}"
        + (f" ({len(saved)} evidence file{'s' if len(saved) != 1 else ''})" if saved else ""),
    )
    return execution


@action
def create_run(
    *,
    actor: Actor,
    participation: Participation,
    title: str,
    environment: Environment | None = None,
    pairing: Pairing | None = None,
) -> Run:
    """A batch of executions by ``participation``: a manual session or one CI job's JUnit file."""
    participation = _locked(participation)
    refuse(permissions.can_record(access_of(actor), participation))
    title = check_text(title.strip(), field="title", limit=SHORT_TEXT)
    if not title:
        raise ActionError("Give the run a title", field="title")
    _check_environment(participation, environment)
    _check_pairing(participation, pairing)
    run = Run.objects.create(
        phase=participation.phase,
        participation=participation,
        pairing=pairing,
        environment=environment,
        title=title,
        created_by=actor.user,
    )
    journal(
        actor=actor.acting_for(participation.organisation_id),
        action="testing.create_run",
        obj=run,
        owner=participation.organisation,
        changes={"title": [None, title]},
    )
    return run


@action
def add_evidence(
    *, actor: Actor, execution: Execution, files: Sequence[tuple[str, str, bytes]]
) -> list[Evidence]:
    """Attach evidence files (logs, message files, datagen output) to an execution: all or none."""
    execution = Execution.objects.select_related("participation__phase", "participation__organisation").get(
        pk=execution.pk
    )
    refuse(permissions.can_add_evidence(access_of(actor), execution))
    if not files:
        raise ActionError("Choose at least one file", field="files")
    checked = _check_files(files, "files")
    saved = _store_evidence(actor, execution, checked)
    owner = execution.participation.organisation
    journal(
        actor=actor.acting_for(owner.pk),
        action="testing.add_evidence",
        obj=execution,
        owner=owner,
        note=", ".join(e.filename for e in saved)[:500],
    )
    return saved


#: Unmatched test cases named in an import's summary (the count is always exact).
MAX_UNMATCHED_LISTED = 100


@action
def import_junit(*, actor: Actor, run: Run, content: bytes) -> dict:
    """Record one execution per test case of a JUnit XML file that names a scenario of the run's phase
    (see :mod:`busbar.testing.junit` for the rules), all or nothing. A file naming no scenario at all is
    refused. Returns the summary: created, passed, failed, blocked, skipped (not run), unmatched."""
    participation = _locked(run.participation)
    refuse(permissions.can_record_run(access_of(actor), run))
    phase = participation.phase
    cases = junit.parse(content)
    if not cases:
        raise ActionError("The file holds no test cases", field="file")
    scenarios = {
        code.upper(): (pk, version_id)
        for code, pk, version_id in Scenario.objects.filter(phase=phase, is_active=True).values_list(
            "code", "pk", "current_version_id"
        )
    }
    matched: list[tuple[junit.Case, int, int]] = []
    unmatched: list[str] = []
    unmatched_count = 0
    for case in cases:
        code = junit.scenario_code_of(case, scenarios)
        if code is None or scenarios[code][1] is None:
            unmatched_count += 1
            if len(unmatched) < MAX_UNMATCHED_LISTED:
                label = case.external_id or "(a test case without a name)"
                unmatched.append(label if code is None else f"{label} ({code} has no script yet)")
            continue
        matched.append((case, *scenarios[code]))
    if not matched:
        raise ActionError(
            f"None of the {len(cases):,} test cases names a scenario of {phase.name} (by code, e.g. "
            f'name="{next(iter(scenarios), "SIT-F-001")}")',
            field="file",
        )
    now = timezone.now()
    week = _week(now)
    seen = set(LatestResult.objects.filter(participation=participation).values_list("scenario_id", flat=True))
    recorded_by_organisation = actor.acting_for(participation.organisation_id).organisation
    common = {
        "phase_id": phase.pk,
        "participation_id": participation.pk,
        "pairing_id": run.pairing_id,
        "environment_id": run.environment_id,
        "run_id": run.pk,
        "executed_at": now,
        "week": week,
        "recorded_by_id": actor.user.pk if actor.user else None,
        "recorded_by_organisation_id": recorded_by_organisation.pk if recorded_by_organisation else None,
        "created_at": now,
        "retest_of_id": None,
    }
    rows = []
    for case, scenario_id, version_id in matched:
        rows.append(
            {
                **common,
                "scenario_id": scenario_id,
                "script_version_id": version_id,
                "result": case.result,
                "is_first": scenario_id not in seen,
                "notes": case.notes,
                "duration_ms": case.duration_ms,
                "external_id": case.external_id,
            }
        )
        seen.add(scenario_id)
    created = _insert_executions(rows)
    # One cell per scenario: the file's last case of it wins (same time, higher id); every one is an attempt.
    cells: dict[int, list] = {}
    counts = {r: 0 for r in Result.values}
    for pk, scenario_id, result in sorted(created):
        counts[result] += 1
        cell = cells.get(scenario_id)
        executed, passed = _first_weeks(result, week)
        if cell is None:
            cells[scenario_id] = [scenario_id, participation.pk, phase.pk, pk, result, now, 1]
            cells[scenario_id] += [executed, passed]
        else:
            cell[3], cell[4], cell[6] = pk, result, cell[6] + 1
            cell[7], cell[8] = cell[7] or executed, cell[8] or passed
    _upsert_latest([tuple(c) for c in cells.values()])
    summary = {
        "cases": len(cases),
        "created": len(created),
        "passed": counts[Result.PASSED],
        "failed": counts[Result.FAILED],
        "blocked": counts[Result.BLOCKED],
        "skipped": counts[Result.NOT_RUN],
        "unmatched_count": unmatched_count,
        "unmatched": unmatched,
    }
    journal(
        actor=actor.acting_for(participation.organisation_id),
        action="testing.import_junit",
        obj=run,
        owner=participation.organisation,
        changes={"executions": [None, len(created)]},
        note=(
            f"JUnit import: {len(cases):,} cases, {len(created):,} executions ({summary['passed']:,} passed, "
            f"{summary['failed']:,} failed, {summary['blocked']:,} blocked, {summary['skipped']:,} not run), "
            f"{unmatched_count:,} unmatched"
        ),
    )
    return summary
