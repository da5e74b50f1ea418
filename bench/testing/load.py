"""Load the testing benchmark's programme into PostgreSQL: 200 participants, 2,000 scenarios, 500,000
executions over 20 weeks and 20,000 testing issues (``--profile full``, the default), or a tenth of the
participants and scenarios (``--profile small``: 20 / 200 / 50,000 / 2,000) for the constant query count
comparison.

THIS IS A BULK DATA LOADER FOR A BENCHMARK. It deliberately bypasses busbar/testing/actions: the set-up
(organisations, programme, phase, cohorts, participations, requirements, scenarios, script v1) is written
through the parties actions and the ORM (world.py); the bulk rows (executions, latest results, testing
issues with their kernel records, triage decisions) are generated in Python and written with PostgreSQL
``COPY``, because recording half a million executions through ``record_execution`` would take hours.
Never point it at a database you care about.

What the bulk rows are (see world.py for the set-up):

* **executions**: each participant gets a share of ``--executions`` (later cohorts fewer: cohort 1 about
  1.5 times the mean, the last about half, ±15 % each), spread over the working hours (Mon–Fri 08:00–18:00
  Europe/London) from the week it entered to the end of week 20, the volume rising over time. It works
  through its applicable scenarios in plan order (first attempts: 68 % passed, 20 % failed, 8 % blocked,
  4 % not run); 92 % of the failed, blocked or not-run ones are retested 15–150 executions later
  (``retest_of`` the previous attempt; 75 % pass); when its scenarios are all run it re-runs them as
  regression cycles (93 % pass). Every execution pins script v1 and SIT-A, is recorded for its
  participant's organisation, with ``week`` the Monday (Europe/London) of ``executed_at`` and ``is_first``
  on the first execution of each scenario by each participation.
* **latest results**: one row per scenario × participation with executions: the newest execution, its
  result and time, the number of attempts, the weeks of the cell's first passed/failed/blocked execution
  and of its first pass — exactly what the executions say (the checks at the end of the load prove it).
* **testing issues**: the profile's number (20,000 / 2,000) raised from randomly chosen failed executions
  (participation, scenario, the participant's organisation as raiser), each on a kernel ``records.Record``
  (kind ``testing_issue``, reference ``TIS0000001``…, the ``records.Sequence`` row for TIS advanced). Up to
  30 % come from failures not (yet) followed by a pass of that scenario by that participant, and are open
  or parked: new (most of those raised in the last three days), triaged, in fix, ready for retest,
  escalated to the programme manager or the design authority, a few excluded, accepted with a workaround
  or withdrawn; the rest come from failures a later pass fixed, and are mostly closed by that execution
  (``retest_execution``), a few excluded, accepted or withdrawn. (The small profile re-runs its scenarios
  so often that few failures stay unfixed: it has fewer open issues.)
  Triaged issues have a category (1–4: 3 / 17 / 50 / 30 %), a root cause, an owner (the participant or
  the SI) and one triage decision by the SI. No conversation entries, attachments or journal entries are
  written for them (the pages measured do not read them).

Speed: the secondary indexes of the bulk tables are dropped for the load and rebuilt afterwards (their
definitions saved to a file first and always restored); foreign keys stay checked; then ``VACUUM ANALYZE``.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench_testing
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_testing_var
    .venv/bin/busbar migrate
    .venv/bin/python bench/testing/load.py [--profile small]
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import io
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from world import PROFILES, WEEKS, WORK_SECONDS_PER_WEEK, Member, World, _at, build, setup_django

TABLES = [
    "records_record",
    "testing_execution",
    "testing_latestresult",
    "testing_testingissue",
    "testing_triagedecision",
]
COLUMNS = {
    "testing_execution": [
        "id",
        "phase_id",
        "scenario_id",
        "script_version_id",
        "participation_id",
        "environment_id",
        "result",
        "executed_at",
        "week",
        "is_first",
        "retest_of_id",
        "notes",
        "duration_ms",
        "external_id",
        "recorded_by_organisation_id",
        "created_at",
    ],
    "testing_latestresult": [
        "id",
        "scenario_id",
        "participation_id",
        "phase_id",
        "execution_id",
        "result",
        "executed_at",
        "attempts",
        "first_executed_week",
        "first_passed_week",
    ],
    "records_record": [
        "id",
        "kind",
        "reference",
        "created_at",
        "response_breached",
        "resolution_breached",
        "sla_paused",
        "sla_notified",
    ],
    "testing_testingissue": [
        "id",
        "record_id",
        "reference",
        "programme_id",
        "phase_id",
        "summary",
        "description",
        "status",
        "category",
        "root_cause",
        "owner_id",
        "execution_id",
        "participation_id",
        "scenario_id",
        "raised_by_id",
        "raised_by_organisation_id",
        "escalation_impact",
        "escalation_reason",
        "workaround",
        "exclusion_reason",
        "retest_execution_id",
        "created_at",
        "updated_at",
        "triaged_at",
        "resolved_at",
    ],
    "testing_triagedecision": [
        "id",
        "issue_id",
        "decided_at",
        "decided_by_id",
        "decided_by_organisation_id",
        "kind",
        "changes",
        "reason",
    ],
}

PASSED, FAILED, BLOCKED, NOT_RUN = "passed", "failed", "blocked", "not_run"
RESULTS = [PASSED, FAILED, BLOCKED, NOT_RUN]
FIRST = [0.68, 0.20, 0.08, 0.04]
RETEST = [0.75, 0.17, 0.05, 0.03]
RERUN = [0.93, 0.05, 0.02, 0.0]
FAILURES = [
    "acknowledgement not received within 5 minutes",
    "schema validation error on the message header",
    "recipient rejected the message: unknown MPAN",
    "HTTP 500 from the DIP adapter",
    "wrong effective-from date in the response",
    "duplicate message id rejected",
    "test data sheet out of date for this MPAN",
    "environment unavailable during the test window",
]
ROOT_CAUSES = ["test_data", "test_specification", "test_execution", "environment", "system_defect"]
ROOT_WEIGHTS = [25, 15, 15, 20, 25]


def esc(value) -> str:
    """A value for COPY's text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    s = str(value)
    if any(c in s for c in "\\\t\n\r"):
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def row(*values) -> str:
    return "\t".join(esc(v) for v in values)


@dataclass
class Failure:
    execution_id: int
    member: Member
    scenario_id: int
    at: dt.datetime
    passed_by: tuple[int, dt.datetime] | None = None


class Generator:
    def __init__(self, world: World, rng: random.Random, first_execution: int, now: dt.datetime) -> None:
        self.world = world
        self.rng = rng
        self.next_id = first_execution
        self.now = now
        self.executions: list[str] = []
        #: (scenario, participation, execution id, result, executed at, attempts, first executed week,
        #: first passed week)
        self.latest: list[tuple] = []
        self.failures: list[Failure] = []
        self.stats: Counter = Counter()

    def budgets(self, total: int) -> list[int]:
        """Executions per participant: cohort 1 about 1.5 × the mean, the last cohort about 0.5 ×."""
        cohorts = max(m.cohort_index for m in self.world.members) + 1
        weights = []
        for m in self.world.members:
            base = 1.0 if cohorts == 1 else 1.5 - m.cohort_index / (cohorts - 1)
            weights.append(base * self.rng.uniform(0.85, 1.15))
        scale = total / sum(weights)
        budgets = [int(w * scale) for w in weights]
        for i in range(total - sum(budgets)):
            budgets[i % len(budgets)] += 1
        return budgets

    def participant(self, member: Member, budget: int) -> None:
        """One participant's executions, in time order (see the module docstring)."""
        rng = self.rng
        order = self.world.applicable(member.role, rng)
        # Plan order, loosely: neighbours swap now and then.
        jitter = {sid: int(self.world.scenarios[sid][0][-4:]) + rng.uniform(0, 3) for sid in order}
        order.sort(key=jitter.__getitem__)
        events: list[tuple[int, str, int | None, str]] = []  # (scenario, result, retest_of index, kind)
        pending: list[tuple[int, int, int]] = []  # heap of (ready step, scenario, failed event index)
        waiting: set[int] = set()
        done: list[int] = []
        nxt = rerun = 0
        while len(events) < budget:
            step = len(events)
            if pending and (pending[0][0] <= step or nxt >= len(order)):
                _ready, sid, prev = heapq.heappop(pending)
                waiting.discard(sid)
                result, retest_of, kind = rng.choices(RESULTS, RETEST)[0], prev, "retest"
            elif nxt < len(order):
                sid = order[nxt]
                nxt += 1
                done.append(sid)
                result, retest_of, kind = rng.choices(RESULTS, FIRST)[0], None, "first"
            else:
                candidates = [s for s in done if s not in waiting] or done
                sid = candidates[rerun % len(candidates)]
                rerun += 1
                result, retest_of, kind = rng.choices(RESULTS, RERUN)[0], None, "rerun"
            events.append((sid, result, retest_of, kind))
            if result != PASSED and sid not in waiting and rng.random() < 0.92:
                heapq.heappush(pending, (step + rng.randint(15, 150), sid, step))
                waiting.add(sid)
        self.write(member, events)

    def write(self, member: Member, events: list[tuple[int, str, int | None, str]]) -> None:
        rng = self.rng
        n = len(events)
        start = member.entry_week * WORK_SECONDS_PER_WEEK + rng.uniform(0, 3600)
        end = WEEKS * WORK_SECONDS_PER_WEEK - rng.uniform(60, 3600)
        ids = list(range(self.next_id, self.next_id + n))
        self.next_id += n
        cells: dict[int, list[int]] = {}
        awaiting_pass: dict[int, list[Failure]] = {}
        times: list[dt.datetime] = []
        first_week: dict[int, dt.date] = {}  # cell -> week of its first passed/failed/blocked execution
        first_pass: dict[int, dt.date] = {}  # cell -> week of its first pass
        phase, env = self.world.phase_id, self.world.environment_id
        for i, (sid, result, retest_of, kind) in enumerate(events):
            # Volume rising over time: the i-th of n at the (i/n)^(1/1.4) point of the participant's span.
            seconds = start + (end - start) * ((i + rng.random()) / n) ** (1 / 1.4)
            at = _at(self.world.week0, seconds)
            times.append(at)
            week = self.world.week0 + dt.timedelta(weeks=int(seconds // WORK_SECONDS_PER_WEEK))
            code, interface, _mandatory, _role, version = self.world.scenarios[sid]
            first = sid not in cells
            if result != NOT_RUN:
                first_week.setdefault(sid, week)
            if result == PASSED:
                first_pass.setdefault(sid, week)
            cells.setdefault(sid, []).append(i)
            notes = ""
            if result == FAILED:
                notes = f"Step {rng.randint(1, 4)}: {rng.choice(FAILURES)}."
            elif result == BLOCKED:
                notes = "Blocked: waiting for the counterparty's environment."
            self.executions.append(
                row(
                    ids[i],
                    phase,
                    sid,
                    version,
                    member.id,
                    env,
                    result,
                    at,
                    week.isoformat(),
                    first,
                    ids[retest_of] if retest_of is not None else None,
                    notes,
                    rng.randint(2_000, 900_000),
                    "",
                    member.organisation_id,
                    at + dt.timedelta(seconds=rng.randint(5, 600)),
                )
            )
            self.stats[result] += 1
            self.stats[kind] += 1
            if result == FAILED:
                failure = Failure(ids[i], member, sid, at)
                self.failures.append(failure)
                awaiting_pass.setdefault(sid, []).append(failure)
            elif result == PASSED:
                for failure in awaiting_pass.pop(sid, []):
                    failure.passed_by = (ids[i], at)
        # One latest result per cell: the newest execution (the events are in time order).
        for sid, idx in cells.items():
            i = idx[-1]
            self.latest.append(
                (
                    sid,
                    member.id,
                    ids[i],
                    events[i][1],
                    times[i],
                    len(idx),
                    first_week.get(sid),
                    first_pass.get(sid),
                )
            )
        self.stats["cells"] += len(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-verify", action="store_true", help="skip the consistency checks")
    args = parser.parse_args(argv)
    profile = PROFILES[args.profile]
    out = sys.stdout
    setup_django()
    from django.db import connection, transaction

    t_start = time.perf_counter()
    rng = random.Random(args.seed)
    with transaction.atomic():
        world = build(profile, rng, out)
    t_setup = time.perf_counter()
    out.write(f"set-up written in {t_setup - t_start:.0f} s\n")
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        first_execution = next_id(cursor, "testing_execution")
    gen = Generator(world, rng, first_execution, now)
    for member, budget in zip(world.members, gen.budgets(profile.executions), strict=True):
        gen.participant(member, budget)
    out.write(
        f"generated {len(gen.executions):,} executions in {time.perf_counter() - t_setup:.0f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(gen.stats.items()))
        + "\n"
    )
    rows = {"testing_execution": gen.executions}
    with connection.cursor() as cursor:
        rows["testing_latestresult"] = latest_rows(gen, next_id(cursor, "testing_latestresult"))
        issue_rows(cursor, gen, world, profile.issues, rng, now, rows)

    dropped = copy_in(rows, out)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    t_vac = time.perf_counter()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    out.write(f"VACUUM ANALYZE in {time.perf_counter() - t_vac:.0f} s ({dropped} indexes rebuilt)\n")
    if not args.no_verify:
        verify(out)
    total = time.perf_counter() - t_start
    out.write(f"\nLoaded profile {profile.name!r} in {total:.0f} s ({total / 60:.1f} min)\n")
    return 0


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def latest_rows(gen: Generator, first_id: int) -> list[str]:
    phase = gen.world.phase_id
    return [
        row(first_id + k, sid, pid, phase, eid, result, at, n, first_week, first_pass)
        for k, (sid, pid, eid, result, at, n, first_week, first_pass) in enumerate(gen.latest)
    ]


def issue_rows(cursor, gen: Generator, world: World, count: int, rng: random.Random, now, rows) -> None:
    """Testing issues on kernel records, their triage decisions (see the module docstring)."""
    cursor.execute("SELECT COALESCE(MAX(last), 0) FROM records_sequence WHERE prefix = 'TIS'")
    number = cursor.fetchone()[0]
    record_id = next_id(cursor, "records_record")
    issue_id = next_id(cursor, "testing_testingissue")
    decision_id = next_id(cursor, "testing_triagedecision")
    if count > len(gen.failures):
        sys.exit(f"only {len(gen.failures):,} failed executions for {count:,} issues")
    # About 30 % of issues still open: those are raised from failures not (yet) followed by a pass.
    unresolved = [f for f in gen.failures if f.passed_by is None]
    resolved = [f for f in gen.failures if f.passed_by is not None]
    take_open = min(len(unresolved), round(count * 0.3))
    chosen = rng.sample(unresolved, take_open) + rng.sample(resolved, count - take_open)
    chosen.sort(key=lambda f: (f.at, f.execution_id))
    records, issues, decisions = [], [], []
    statuses: Counter = Counter()
    for failure in chosen:
        number += 1
        reference = f"TIS{number:07d}"
        created = min(failure.at + dt.timedelta(minutes=rng.randint(5, 240)), now - dt.timedelta(minutes=1))
        code, interface, _m, _r, _v = world.scenarios[failure.scenario_id]
        reason = rng.choice(FAILURES)
        age_days = (now - created).days
        if failure.passed_by:
            status = rng.choices(["closed", "excluded", "accepted", "withdrawn"], [90, 3, 3, 4])[0]
        elif age_days < 3 and rng.random() < 0.6:
            status = "new"
        else:
            status = rng.choices(
                [
                    "new",
                    "triaged",
                    "in_fix",
                    "ready_for_retest",
                    "escalated_pm",
                    "escalated_da",
                    "excluded",
                    "accepted",
                    "withdrawn",
                ],
                [5, 25, 30, 15, 8, 4, 5, 5, 3],
            )[0]
        triaged = status not in ("new",) and not (status == "withdrawn" and rng.random() < 0.5)
        triaged_at = created + dt.timedelta(hours=rng.uniform(1, 48)) if triaged else None
        if triaged_at and triaged_at > now:
            triaged_at = now - dt.timedelta(seconds=30)
        category = rng.choices([1, 2, 3, 4], [3, 17, 50, 30])[0] if triaged else None
        root = rng.choices(ROOT_CAUSES, ROOT_WEIGHTS)[0] if triaged else ""
        owner = (
            (failure.member.organisation_id if rng.random() < 0.65 else world.si_org_id) if triaged else None
        )
        resolved_at = retest = None
        impact = escalation = workaround = exclusion = ""
        if status == "closed":
            retest, resolved_at = failure.passed_by
            resolved_at = max(resolved_at, triaged_at or created)
        elif status in ("excluded", "accepted"):
            resolved_at = min((triaged_at or created) + dt.timedelta(days=rng.uniform(1, 10)), now)
            if status == "excluded":
                exclusion = "Out of scope for this phase: covered by the migration phase."
            else:
                workaround = "Resubmit the message after the nightly batch; the fix is planned for release 4."
        if status in ("escalated_pm", "escalated_da"):
            escalation = "Not fixable within the phase without a change to the interface specification."
            if status == "escalated_da":
                impact = rng.choice(["design_baseline", "timeline", "both"])
        updated = max(x for x in (created, triaged_at, resolved_at) if x is not None)
        statuses[status] += 1
        records.append(row(record_id, "testing_issue", reference, created, False, False, False, 0))
        issues.append(
            row(
                issue_id,
                record_id,
                reference,
                world.programme_id,
                world.phase_id,
                f"{code} failed on {interface}: {reason}"[:200],
                f"Executed by the participant in SIT-A. {reason.capitalize()}.\n\nSee the execution's "
                "evidence for the message files.",
                status,
                category,
                root,
                owner,
                failure.execution_id,
                failure.member.id,
                failure.scenario_id,
                None,
                failure.member.organisation_id,
                impact,
                escalation,
                workaround,
                exclusion,
                retest,
                created,
                updated,
                triaged_at,
                resolved_at,
            )
        )
        if triaged_at:
            changes = {"status": ["new", "triaged"], "category": [None, category], "root_cause": ["", root]}
            decisions.append(
                row(
                    decision_id,
                    issue_id,
                    triaged_at,
                    world.si_user_id,
                    world.si_org_id,
                    "triage",
                    json.dumps(changes),
                    "Triaged at the daily defect call.",
                )
            )
            decision_id += 1
        record_id += 1
        issue_id += 1
    rows["records_record"] = records
    rows["testing_testingissue"] = issues
    rows["testing_triagedecision"] = decisions
    # New testing issues number on after the loaded ones.
    cursor.execute(
        "INSERT INTO records_sequence (prefix, last) VALUES ('TIS', %s) "
        "ON CONFLICT (prefix) DO UPDATE SET last = GREATEST(records_sequence.last, excluded.last)",
        [number],
    )
    print("issues: " + ", ".join(f"{k} {v:,}" for k, v in statuses.most_common()))


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the bulk tables' indexes that back no constraint (safe to rebuild)."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname = ANY(%s) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [TABLES],
    )
    return list(cursor.fetchall())


def copy_in(rows: dict[str, list[str]], out) -> int:
    """COPY every table's rows (in dependency order) with the secondary indexes dropped; rebuild them."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        dropped = secondary_indexes(cursor)
        handle, name = tempfile.mkstemp(prefix="busbar_bench_testing_indexes_", suffix=".sql")
        os.close(handle)
        saved = Path(name)
        saved.write_text("".join(f"{d};\n" for _n, d in dropped))
        for index, _d in dropped:
            cursor.execute(f"DROP INDEX {index}")
    out.write(f"dropped {len(dropped)} secondary indexes for the load (definitions saved in {saved})\n")
    try:
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for table in TABLES:
                lines = rows.get(table) or []
                cols = ", ".join(COLUMNS[table])
                with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for i in range(0, len(lines), 5000):
                        buf = io.StringIO()
                        buf.write("\n".join(lines[i : i + 5000]))
                        buf.write("\n")
                        copy.write(buf.getvalue())
                out.write(f"  COPY {table}: {len(lines):,} rows\n")
        out.write(f"copied in {time.perf_counter() - t:.0f} s\n")
    finally:
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _n, definition in dropped:
                cursor.execute(definition)
        saved.unlink(missing_ok=True)
        out.write(f"rebuilt {len(dropped)} indexes in {time.perf_counter() - t:.0f} s\n")
    return len(dropped)


CHECKS = [
    (
        "every cell has exactly one is_first, the earliest",
        """SELECT COUNT(*) FROM (
             SELECT scenario_id, participation_id,
                    SUM(CASE WHEN is_first THEN 1 ELSE 0 END) AS firsts,
                    MIN(executed_at) AS earliest,
                    MIN(CASE WHEN is_first THEN executed_at END) AS first_at
             FROM testing_execution GROUP BY 1, 2) c
           WHERE firsts <> 1 OR first_at <> earliest""",
    ),
    (
        "week is the Monday (Europe/London) of executed_at",
        """SELECT COUNT(*) FROM testing_execution
           WHERE week <> date_trunc('week', executed_at AT TIME ZONE 'Europe/London')::date""",
    ),
    (
        "a latest result for every cell with executions, none for others",
        """SELECT (SELECT COUNT(*) FROM (SELECT DISTINCT scenario_id, participation_id
                                         FROM testing_execution) x)
                - (SELECT COUNT(*) FROM testing_latestresult)""",
    ),
    (
        "each latest result is its cell's newest execution, with its result, time and attempt count",
        """SELECT COUNT(*) FROM testing_latestresult l JOIN (
             SELECT DISTINCT ON (scenario_id, participation_id) scenario_id, participation_id, id, result,
                    executed_at, COUNT(*) OVER (PARTITION BY scenario_id, participation_id) AS n
             FROM testing_execution ORDER BY scenario_id, participation_id, executed_at DESC, id DESC) e
           ON e.scenario_id = l.scenario_id AND e.participation_id = l.participation_id
           WHERE e.id <> l.execution_id OR e.result <> l.result OR e.executed_at <> l.executed_at
              OR e.n <> l.attempts""",
    ),
    (
        "each latest result's first executed / first passed weeks are its cell's earliest",
        """SELECT COUNT(*) FROM testing_latestresult l JOIN (
             SELECT scenario_id, participation_id,
                    MIN(week) FILTER (WHERE result IN ('passed', 'failed', 'blocked')) AS fe,
                    MIN(week) FILTER (WHERE result = 'passed') AS fp
             FROM testing_execution GROUP BY 1, 2) e
           ON e.scenario_id = l.scenario_id AND e.participation_id = l.participation_id
           WHERE l.first_executed_week IS DISTINCT FROM e.fe OR l.first_passed_week IS DISTINCT FROM e.fp""",
    ),
    (
        "a retest is of an earlier execution of the same cell",
        """SELECT COUNT(*) FROM testing_execution r JOIN testing_execution o ON o.id = r.retest_of_id
           WHERE o.scenario_id <> r.scenario_id OR o.participation_id <> r.participation_id
              OR o.executed_at >= r.executed_at""",
    ),
    (
        "every testing issue has its kernel record with the same reference",
        """SELECT COUNT(*) FROM testing_testingissue i LEFT JOIN records_record r ON r.id = i.record_id
           WHERE r.id IS NULL OR r.reference <> i.reference OR r.kind <> 'testing_issue'""",
    ),
    (
        "the TIS sequence is at the highest reference",
        """SELECT COUNT(*) FROM records_sequence s WHERE s.prefix = 'TIS' AND s.last <>
             (SELECT COALESCE(MAX(SUBSTRING(reference FROM 4)::bigint), 0) FROM records_record
              WHERE kind = 'testing_issue')""",
    ),
    (
        "issues are raised from failed executions of their participation and scenario",
        """SELECT COUNT(*) FROM testing_testingissue i JOIN testing_execution e ON e.id = i.execution_id
           WHERE e.result <> 'failed' OR e.participation_id <> i.participation_id
              OR e.scenario_id <> i.scenario_id""",
    ),
]


def verify(out) -> None:
    """Consistency checks in SQL over everything loaded; fails loudly on any difference."""
    from django.db import connection

    t = time.perf_counter()
    bad = []
    with connection.cursor() as cursor:
        for what, sql in CHECKS:
            cursor.execute(sql)
            n = cursor.fetchone()[0]
            out.write(f"  verify: {what}: {'ok' if n == 0 else f'{n} WRONG'}\n")
            if n:
                bad.append(what)
    if bad:
        raise SystemExit(f"verify failed: {bad}")
    out.write(f"verified in {time.perf_counter() - t:.0f} s\n")


if __name__ == "__main__":
    raise SystemExit(main())
