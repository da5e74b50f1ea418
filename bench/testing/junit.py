"""Time the JUnit import: a generated 10,000-testcase JUnit XML file (and a 1,000-case baseline in the same
run) imported through the real action ``busbar.testing.actions.executions.import_junit``, on PostgreSQL and
on a fresh SQLite database, several times each.

* **PostgreSQL**: the database in ``DATABASE_URL``. If load.py has filled it (programme ``bench``), the
  files are imported for the test lead of cohort 1's first supplier, whose participation already has
  thousands of executions and latest results (the realistic case: most cells are updated, some inserted);
  otherwise the programme's set-up (world.py: 10 participants, 2,000 scenarios) is created first.
* **SQLite**: a new file (``--sqlite``, default ``/tmp/busbar_bench_testing_junit.sqlite3``), made with
  ``busbar migrate``, the same set-up written into it; deleted afterwards unless ``--keep-sqlite``.

The files: ``<testsuites>`` with one ``<testsuite>`` per interface; case *i* names scenario *i* mod 2,000
(so the 10,000-case file runs every scenario five times, the 1,000-case file half of them once), in the
three ways :mod:`busbar.testing.junit` accepts (``name="SIT-F-0001"``, ``classname="….SIT-F-0001"``,
``name="SIT-F-0001: …"``); 85 % pass, 8 % fail (a ``<failure>`` with a message, a stack trace and
``<system-out>``), 4 % skipped as blocked, 3 % skipped; every case has a ``time``. About 1.6 MB for
10,000 cases.

Method: one warm-up import of a 50-case file, then ``--repeats`` rounds, each importing the 1,000-case file
then the 10,000-case file, each time into a new run (``create_run``, not timed) of the same participant,
committed, as a nightly CI job would. Timed: the ``import_junit`` call alone (parsing, matching, the
executions' ``bulk_create``, the latest-result upserts, the journal entry, the commit) with the file's bytes
already in memory; the SQL statements of each import are counted. Each database runs in its own process
(Django's settings are per process); results go to ``results/junit.json`` and, with run.py ``--report``,
to RESULTS.md.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench_testing
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_testing_var
    .venv/bin/python bench/testing/junit.py [--repeats 5] [--only postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS = HERE / "results"

FAILURE_MESSAGES = [
    "AssertionError: acknowledgement not received within 300 s",
    "SchemaValidationError: element 'EffectiveFromDate' is not a valid date",
    "HTTPError: 500 Internal Server Error from the DIP adapter",
    "AssertionError: expected MPAN status 'Registered', got 'Pending'",
]


def junit_xml(codes: list[str], interfaces: dict[str, str], cases: int, seed: int = 7) -> bytes:
    """A JUnit XML file of ``cases`` test cases over the scenarios ``codes`` (see the module docstring)."""
    rng = random.Random(seed)
    suites: dict[str, list[str]] = {}
    for i in range(cases):
        code = codes[i % len(codes)]
        variant = i // len(codes) + 1
        style = i % 3
        seconds = f"{rng.uniform(0.05, 40):.3f}"
        if style == 0 and variant == 1:
            attrs = f'classname="busbar.sit.{interfaces[code]}" name="{code}"'
        elif style == 2:
            attrs = f'classname="busbar.sit.{code}" name="variant {variant}"'
        else:
            attrs = f'classname="busbar.sit.{interfaces[code]}" name="{code}: variant {variant}"'
        roll = rng.random()
        if roll < 0.85:
            body = ""
        elif roll < 0.93:
            message = rng.choice(FAILURE_MESSAGES)
            trace = "\n".join(
                f'  File "tests/sit/test_{interfaces[code].lower()}.py", line {rng.randint(10, 400)}, '
                f"in step_{k}"
                for k in range(1, 5)
            )
            body = (
                f'<failure message={quoteattr(message)} type="AssertionError">Traceback (most recent call '
                f"last):\n{trace}\n{message}</failure>"
                f"<system-out>sent message {rng.getrandbits(64):016x} at 10:{rng.randint(10, 59)}:00; "
                "waiting for the acknowledgement</system-out>"
            )
        elif roll < 0.97:
            body = f'<skipped message="Blocked by TIS{rng.randint(1, 20000):07d}"/>'
        else:
            body = '<skipped message="not in this cycle"/>'
        case = (
            f'<testcase {attrs} time="{seconds}">{body}</testcase>'
            if body
            else f'<testcase {attrs} time="{seconds}"/>'
        )
        suites.setdefault(interfaces[code], []).append(case)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', f'<testsuites name="participant-ci" tests="{cases}">']
    for name, items in suites.items():
        parts.append(f'<testsuite name="{name}" tests="{len(items)}">')
        parts += items
        parts.append("</testsuite>")
    parts.append("</testsuites>")
    return ("\n".join(parts) + "\n").encode()


def worker(database: str, repeats: int, sizes: list[int]) -> dict:
    """Runs inside a process whose DATABASE_URL is the database measured."""
    sys.path.insert(0, str(HERE))
    from world import PARTICIPANT_EMAIL, PHASE, PROGRAMME, Profile, build, setup_django

    setup_django(postgres_only=False)
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from busbar.lib.actions import Actor, Channel
    from busbar.parties.queries import scope_for
    from busbar.testing.actions.executions import create_run, import_junit
    from busbar.testing.models import Execution, Participation, Phase, Programme

    if not Programme.objects.filter(code=PROGRAMME).exists():
        with transaction.atomic():
            build(
                Profile("junit", cohorts=1, scenarios=2000, executions=0, issues=0),
                random.Random(5),
                sys.stderr,
            )
    phase = Phase.objects.get(programme__code=PROGRAMME, code=PHASE)
    user = get_user_model().objects.get(email=PARTICIPANT_EMAIL)
    participation = Participation.objects.get(
        phase=phase, organisation_id=scope_for(user).primary_organisation.pk
    )
    actor = Actor(user=user, organisation=scope_for(user).primary_organisation, channel=Channel.API)
    scenarios = list(phase.scenarios.filter(is_active=True).order_by("code").values_list("code", "interface"))
    codes = [c for c, _i in scenarios]
    interfaces = dict(scenarios)
    files = {n: junit_xml(codes, interfaces, n) for n in sizes}
    executions_before = Execution.objects.filter(participation=participation).count()

    def once(n: int, content: bytes, title: str) -> tuple[float, int, dict]:
        run = create_run(actor=actor, participation=participation, title=title)
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            t = time.perf_counter()
            summary = import_junit(actor=actor, run=run, content=content)
            elapsed = time.perf_counter() - t
        if summary["created"] != n:
            raise SystemExit(f"{n} cases: created {summary['created']} ({summary})")
        return elapsed, count, summary

    once(50, junit_xml(codes, interfaces, 50, seed=1), "CI warm-up")
    timings: dict[int, list[float]] = {n: [] for n in sizes}
    queries: dict[int, int] = {}
    summaries: dict[int, dict] = {}
    for r in range(repeats):
        for n in sizes:
            elapsed, count, summary = once(n, files[n], f"CI nightly {n} cases #{r + 1}")
            timings[n].append(elapsed)
            queries[n] = count
            summaries[n] = {k: v for k, v in summary.items() if k != "unmatched"}
            print(f"  {database}: {n:>6,} cases #{r + 1}: {elapsed:6.2f} s, {count} queries", file=sys.stderr)
    return {
        "database": database,
        "vendor": connection.vendor,
        "executions_of_participant_before": executions_before,
        "executions_in_database_after": Execution.objects.count(),
        "file_bytes": {str(n): len(files[n]) for n in sizes},
        "rows": [
            {
                "database": database,
                "cases": n,
                "median": round(statistics.median(timings[n]), 2),
                "max": round(max(timings[n]), 2),
                "min": round(min(timings[n]), 2),
                "all": [round(t, 3) for t in timings[n]],
                "created": summaries[n]["created"],
                "summary": summaries[n],
                "queries": queries[n],
            }
            for n in sizes
        ],
    }


def run_worker(env: dict, database: str, args) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        database,
        "--repeats",
        str(args.repeats),
        "--cases",
        ",".join(str(n) for n in args.sizes),
    ]
    done = subprocess.run(
        cmd, env=env, cwd=ROOT, check=True, capture_output=False, stdout=subprocess.PIPE, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="imports of each file per database (5)")
    parser.add_argument("--cases", default="1000,10000", help="file sizes, comma-separated (1000,10000)")
    parser.add_argument("--only", choices=["postgresql", "sqlite"], help="one database only")
    parser.add_argument("--sqlite", default="/tmp/busbar_bench_testing_junit.sqlite3")
    parser.add_argument("--keep-sqlite", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = [int(n) for n in args.cases.split(",") if n]
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats, args.sizes)))
        return 0
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "repeats": args.repeats,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "databases": [],
        "rows": [],
    }
    if args.only in (None, "postgresql"):
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            sys.exit("Set DATABASE_URL to the benchmark PostgreSQL database (or use --only sqlite)")
        results["databases"].append(run_worker(dict(os.environ), "PostgreSQL", args))
    if args.only in (None, "sqlite"):
        path = Path(args.sqlite)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
        t = time.perf_counter()
        subprocess.run(
            [str(ROOT / ".venv/bin/busbar"), "migrate"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"  fresh SQLite database {path} migrated in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        try:
            results["databases"].append(run_worker(env, "SQLite", args))
        finally:
            if not args.keep_sqlite:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    for db in results["databases"]:
        results["rows"] += db["rows"]
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print("\n| Database | Cases | median s | max s | min s | created | queries |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in results["rows"]:
        print(
            f"| {row['database']} | {row['cases']:,} | {row['median']} | {row['max']} | {row['min']} "
            f"| {row['created']:,} | {row['queries']} |"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "junit.json"
    if args.only and out.exists():
        earlier = json.loads(out.read_text())
        keep = [
            db
            for db in earlier["databases"]
            if db["database"] not in {d["database"] for d in results["databases"]}
        ]
        results["databases"] = keep + results["databases"]
        results["rows"] = [row for db in results["databases"] for row in db["rows"]]
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
