"""Measure the testing pages on a database filled by load.py: the traceability matrix (RTM), the progress /
glide-path report and a baseline page, side by side in interleaved rounds.

In process, with Django's test ``Client`` (``force_login``; the same URL routing, middleware, session,
views, queries and templates as ``busbar serve``, without the network and the WSGI server): the SI's test
manager (reads the whole programme) and the test lead of one supplier (sees only its own). Each round
requests every page once, in the same order; ``--warmup`` rounds first, then ``--repeat`` timed rounds
(wall clock around ``client.get``). One more request per page, inside ``CaptureQueriesContext``, counts
its SQL statements (and sums their database time). Every response must be 200.

With ``--explain``, every SELECT of that counted request is run again under ``EXPLAIN (ANALYZE, BUFFERS)``
and the slowest three per page, with their plans, are written to ``results/explain-<label>.txt``.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench_testing
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_testing_var
    .venv/bin/python bench/testing/run.py --label small
    .venv/bin/python bench/testing/run.py --report     # RESULTS.md from every results/*.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(times: list[float]) -> dict:
    ms = [t * 1000 for t in times]
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 1),
        "p95": round(percentile(ms, 95), 1),
        "max": round(max(ms), 1),
        "mean": round(statistics.fmean(ms), 1),
    }


def pages() -> list[dict]:
    """Every page measured: key, what, who ("si" or "participant"), url name, kwargs, query string.
    A page whose URL name does not reverse (not written yet) is left out with a note."""
    from world import PHASE, PROGRAMME

    from busbar.testing.models import Cohort, Participation, Phase

    phase = Phase.objects.get(programme__code=PROGRAMME, code=PHASE)
    cohort = Cohort.objects.filter(phase=phase).order_by("order")[1:2].first() or phase.cohorts.first()
    mine = (
        Participation.objects.filter(phase=phase, role__code="supplier")
        .order_by("cohort__order", "id")
        .first()
    )
    deep = max(1, rtm_pages(phase) - 1)
    where = {"programme": PROGRAMME, "phase": PHASE}
    return [
        dict(key="home", what="Baseline: testing home (/testing/)", who="si", name="testing_home"),
        dict(key="rtm_first", what="RTM, SI: first page", who="si", name="testing_rtm", kw=where),
        dict(
            key="rtm_deep",
            what=f"RTM, SI: a deep page (page {deep})",
            who="si",
            name="testing_rtm",
            kw=where,
            qs=f"page={deep}",
        ),
        dict(
            key="rtm_cohort",
            what=f"RTM, SI: filtered to a cohort ({cohort.name})",
            who="si",
            name="testing_rtm",
            kw=where,
            qs=f"cohort={cohort.pk}",
        ),
        dict(
            key="rtm_participant",
            what="RTM, a participant (its own column; extra)",
            who="participant",
            name="testing_rtm",
            kw=where,
        ),
        dict(
            key="progress",
            what="Progress / glide path, SI: whole phase",
            who="si",
            name="testing_progress",
            kw=where,
        ),
        dict(
            key="progress_participant",
            what="Progress / glide path: one participant's report, as that participant",
            who="participant",
            name="testing_participant_report",
            kw={**where, "participation": mine.pk},
        ),
        dict(
            key="progress_own",
            what="Progress / glide path page as a participant (its own figures; extra)",
            who="participant",
            name="testing_progress",
            kw=where,
        ),
    ]


def rtm_pages(phase) -> int:
    """The number of RTM pages for a reader of the whole phase (rows: requirement × scenario pairs)."""
    from django.db.models import Count

    from busbar.testing.models import Scenario

    scenarios = Scenario.objects.filter(phase=phase, is_active=True)
    links = Scenario.requirements.through.objects.filter(scenario__in=scenarios.values("pk")).count()
    untraced = scenarios.annotate(n=Count("requirements")).filter(n=0).count()
    try:
        from busbar.testing.rtm import PAGE_SIZE
    except ImportError:
        PAGE_SIZE = 50
    return max(1, -(-(links + untraced) // PAGE_SIZE))


def resolve(spec: dict) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse(spec["name"], kwargs=spec.get("kw") or None)
    except NoReverseMatch:
        return None
    return f"{path}?{spec['qs']}" if spec.get("qs") else path


def counted(client, path: str) -> tuple[object, int, float, list[dict]]:
    """One request inside CaptureQueriesContext: response, queries, their summed time (ms), the queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    return response, len(ctx.captured_queries), sql_ms, list(ctx.captured_queries)


def explain(captured: list[dict], top: int = 3) -> list[tuple[float, int, str, str]]:
    """(ms, index, sql, plan) of the ``top`` slowest SELECTs under EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection

    timed = []
    with connection.cursor() as cursor:
        for i, q in enumerate(captured):
            sql = q["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(r[0] for r in cursor.fetchall())
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
            timed.append((ms, i, sql, plan))
    return sorted(timed, reverse=True)[:top]


def data_profile() -> dict:
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in (
            "testing_participation",
            "testing_cohort",
            "testing_scenario",
            "testing_requirement",
            "testing_execution",
            "testing_latestresult",
            "testing_testingissue",
            "records_record",
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            sizes[table] = cursor.fetchone()[0]
        cursor.execute("SELECT result, COUNT(*) FROM testing_execution GROUP BY 1 ORDER BY 1")
        results = dict(cursor.fetchall())
        cursor.execute("SELECT COUNT(DISTINCT week) FROM testing_execution")
        weeks = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM testing_testingissue WHERE status IN "
            "('new','triaged','in_fix','ready_for_retest','escalated_pm','escalated_da')"
        )
        open_issues = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cursor.fetchone()[0]
    return {"rows": sizes, "results": results, "weeks": weeks, "open_issues": open_issues, "db_size": db_size}


def machine() -> dict:
    import django
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    settings = {}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "pg_settings": settings,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", help="name of this data set, e.g. small or full (results/<label>.json)")
    parser.add_argument("--repeat", type=int, default=30, help="timed rounds (30: 30 requests per page)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    parser.add_argument("--only", help="comma-separated page keys (default: every page that exists)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest queries")
    parser.add_argument("--report", action="store_true", help="write RESULTS.md from results/*.json")
    args = parser.parse_args(argv)
    if args.report:
        return report()
    if not args.label:
        parser.error("--label is required (e.g. --label full)")
    sys.path.insert(0, str(HERE))
    from world import PARTICIPANT_EMAIL, SI_EMAIL, setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Pages link hashed static files (manifest storage), as `busbar serve` does after collectstatic.
    call_command("collectstatic", interactive=False, verbosity=0)
    User = get_user_model()
    clients = {}
    for who, email in (("si", SI_EMAIL), ("participant", PARTICIPANT_EMAIL)):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(email=email))
    only = set(args.only.split(",")) if args.only else None
    measured, missing = [], []
    for spec in pages():
        if only and spec["key"] not in only:
            continue
        path = resolve(spec)
        if path is None:
            missing.append(f"{spec['key']} ({spec['name']} does not reverse yet)")
            continue
        measured.append({**spec, "path": path})
    results: dict = {
        "label": args.label,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "data": data_profile(),
        "pages": {},
        "missing": missing,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    print(
        f"{args.label}: {results['data']['rows']['testing_execution']:,} executions; load {os.getloadavg()}"
    )
    for note in missing:
        print(f"  not measured: {note}")
    times: dict[str, list[float]] = {s["key"]: [] for s in measured}
    gc.collect()
    for round_ in range(args.warmup + args.repeat):
        for spec in measured:
            client = clients[spec["who"]]
            t = time.perf_counter()
            response = client.get(spec["path"])
            elapsed = time.perf_counter() - t
            if response.status_code != 200:
                sys.exit(
                    f"{spec['path']} as {spec['who']}: HTTP {response.status_code}\n"
                    f"{response.content[:800]!r}"
                )
            if round_ >= args.warmup:
                times[spec["key"]].append(elapsed)
    explained = []
    for spec in measured:
        response, queries, sql_ms, captured = counted(clients[spec["who"]], spec["path"])
        r = summarise(times[spec["key"]])
        r.update(
            what=spec["what"],
            who=spec["who"],
            path=spec["path"],
            queries=queries,
            sql_ms=round(sql_ms, 1),
            bytes=len(response.content),
        )
        results["pages"][spec["key"]] = r
        print(
            f"  {spec['what']:<72} p50 {r['p50']:8.1f}  p95 {r['p95']:8.1f}  max {r['max']:8.1f} ms"
            f"  {queries:3d} q ({sql_ms:6.1f} ms SQL)  {r['bytes'] // 1024} KiB"
        )
        if args.explain:
            explained.append((spec, explain(captured)))
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.label}.json"
    if only and out.exists():
        earlier = json.loads(out.read_text())
        earlier["pages"].update(results["pages"])
        for k in ("date", "load_average_before", "load_average_after", "missing", "data"):
            earlier[k] = results[k]
        results = earlier
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(HERE.parent.parent)}")
    if explained:
        lines = []
        for spec, slowest in explained:
            lines.append(f"=== {spec['what']}: {spec['path']} (as {spec['who']})")
            for ms, i, sql, plan in slowest:
                lines += [f"--- query #{i}: {ms:.2f} ms", sql, plan, ""]
        target = RESULTS / f"explain-{args.label}.txt"
        target.write_text("\n".join(lines) + "\n")
        print(f"written {target.relative_to(HERE.parent.parent)}")
    return 0


def _cell(p: dict | None) -> str:
    return f"{p['p50']} / {p['p95']} / {p['max']}" if p else "—"


ORDER = ["small", "full"]


def report() -> int:
    """RESULTS.md (machine, date, data, the page table) from results/*.json, smaller data sets first."""
    runs = [json.loads(f.read_text()) for f in RESULTS.glob("*.json") if f.name != "junit.json"]
    runs.sort(key=lambda r: r["data"]["rows"]["testing_execution"])
    if not runs:
        sys.exit("No results/*.json yet: run with --label first")
    labels = [r["label"] for r in runs]
    m = runs[-1]["machine"]
    lines = [
        "# Testing benchmark results",
        "",
        "Measured by hand with `bench/testing/run.py` on data loaded by `bench/testing/load.py`, and "
        "`bench/testing/junit.py` (see README.md for how, and what each row measures).",
        "",
        "- Date: " + ", ".join(f"{r['label']} {r['date'][:16].replace('T', ' ')} UTC" for r in runs),
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}",
        f"- Software: Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']} on the same "
        "machine (stock configuration: " + ", ".join(f"{k} {v}" for k, v in m["pg_settings"].items()) + ")",
        "- Load average (1, 5, 15 min) before / after each run: "
        + "; ".join(f"{r['label']} {r['load_average_before']} / {r['load_average_after']}" for r in runs),
        "",
        "## Data",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for table in runs[0]["data"]["rows"]:
        lines.append(f"| {table} rows | " + " | ".join(f"{r['data']['rows'][table]:,}" for r in runs) + " |")
    for result in ("passed", "failed", "blocked", "not_run"):
        lines.append(
            f"| executions {result} | "
            + " | ".join(f"{r['data']['results'].get(result, 0):,}" for r in runs)
            + " |"
        )
    lines.append("| weeks with executions | " + " | ".join(str(r["data"]["weeks"]) for r in runs) + " |")
    lines.append(
        "| open testing issues | " + " | ".join(f"{r['data']['open_issues']:,}" for r in runs) + " |"
    )
    lines.append("| database size | " + " | ".join(r["data"]["db_size"] for r in runs) + " |")
    heads = [f"{x}: p50 / p95 / max ms" for x in labels] + [f"{x}: queries" for x in labels]
    lines += [
        "",
        "## Pages (p50 / p95 / max in ms per request; SQL queries per request)",
        "",
        "| Page | " + " | ".join(heads) + " |",
        "|---|" + "---:|" * len(heads),
    ]
    for key in dict.fromkeys(k for r in runs for k in r["pages"]):
        what = next(r["pages"][key]["what"] for r in runs if key in r["pages"])
        what = re.sub(r" \(page \d+\)", " (second-to-last page)", what)
        cells = [_cell(r["pages"].get(key)) for r in runs]
        queries = [str(r["pages"][key]["queries"]) if key in r["pages"] else "—" for r in runs]
        lines.append(f"| {what} | " + " | ".join(cells + queries) + " |")
    lines += [
        "",
        "Timed requests per page: "
        + "; ".join(f"{r['label']} {next(iter(r['pages'].values()))['n']}" for r in runs if r["pages"])
        + ". Deep RTM page: "
        + "; ".join(
            f"{r['label']} {r['pages']['rtm_deep']['path']}" for r in runs if "rtm_deep" in r["pages"]
        )
        + ".",
        "",
        "SQL time inside one counted request (the sum of its statements' times as Django records them, "
        "each rounded to the millisecond) and page size:",
        "",
        "| Page | " + " | ".join(f"{x}: SQL ms / KiB" for x in labels) + " |",
        "|---|" + "---:|" * len(labels),
    ]
    for key in dict.fromkeys(k for r in runs for k in r["pages"]):
        what = next(r["pages"][key]["what"] for r in runs if key in r["pages"])
        what = re.sub(r" \(page \d+\)", " (second-to-last page)", what)
        cells = [
            f"{r['pages'][key]['sql_ms']} / {r['pages'][key]['bytes'] // 1024}" if key in r["pages"] else "—"
            for r in runs
        ]
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    junit = RESULTS / "junit.json"
    if junit.exists():
        lines += ["", *junit_table(json.loads(junit.read_text()))]
    notes = HERE / "results" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print(f"written {HERE / 'RESULTS.md'}")
    return 0


def junit_table(data: dict) -> list[str]:
    lines = [
        "## JUnit import (`import_junit`, seconds per file)",
        "",
        f"Date {data['date'][:16].replace('T', ' ')} UTC; {data['repeats']} imports of each file per "
        "database, "
        "alternating the two sizes; each import a new run of the same participant, committed.",
        "",
        *(
            f"- {db['database']}: the participant had {db['executions_of_participant_before']:,} executions "
            f"before; {db['executions_in_database_after']:,} executions in the database after."
            for db in data["databases"]
        ),
        "",
        "| Database | Cases | median s | max s | min s | executions created | queries |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in data["rows"]:
        lines.append(
            f"| {row['database']} | {row['cases']:,} | {row['median']} | {row['max']} | {row['min']} "
            f"| {row['created']:,} | {row['queries']} |"
        )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
