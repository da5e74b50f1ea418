"""Measure the incident pages, the incidents API and the SLA scan on a database filled by load.py.

In process, with Django's test ``Client`` logged in (``force_login``) as the demo analyst
``analyst@operator.example``: each page is requested ``--warmup`` times, then ``--repeat`` times timed
(wall clock around ``client.get``: URL routing, middleware, session, views, queries, templates or JSON).
One further request per page counts its SQL statements (``connection.execute_wrapper``). Every response
must be 200.

The SLA scan (``busbar.incidents.tasks.scan_sla.call``; it reads only incidents whose ``sla_next_check_at``
has come): first one committed scan catches up with what fell due since the load (as the worker would
have; its notifications are queued), then, from that instant, the next scheduled run a minute later
(``now_iso`` = +1 min) and runs with ``now_iso`` 1 h and 24 h later, when many warnings and breaches fall
due. Each timed scan runs inside a transaction that is rolled back, so every repetition does the same
work and leaves the data as it was (and queues nothing: ``on_commit`` never fires).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench
    .venv/bin/python bench/incidents/run.py --label 1M
    .venv/bin/python bench/incidents/run.py --report     # RESULTS.md from every results/*.json

Results: a markdown table on stdout and ``results/<label>.json``; ``--report`` writes RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ANALYST = "analyst@operator.example"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(times: list[float]) -> dict:
    ms = [t * 1000 for t in times]
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "max": round(max(ms), 2),
        "mean": round(statistics.fmean(ms), 2),
    }


def count_queries(func) -> tuple[object, int]:
    """``func()`` and the number of SQL statements it sent (no cap, unlike CaptureQueriesContext's log)."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        result = func()
    return result, count


def pick_incident() -> str:
    """A representative open incident: in progress, not major, three or more updates, the newest such."""
    from django.db.models import Count

    from busbar.incidents.models import Incident

    incident = (
        Incident.objects.filter(status="in_progress", major__isnull=True)
        .annotate(n=Count("record__entries"))
        .filter(n__gte=3)
        .order_by("-created_at", "-id")
        .first()
    )
    if incident is None:
        sys.exit("No in-progress incident with three updates: load data with load.py first")
    return incident.reference


def pick_words() -> str:
    """Two words that occur in some summaries (so a text search returns a page, not nothing)."""
    return "certificate expiring"


def pages(reference: str) -> list[tuple[str, str, str]]:
    """(key, what, path) of every page measured."""
    return [
        ("desk_queue", "Desk queue: /incidents/ (default queue: all open)", "/incidents/"),
        ("desk_soon", "Desk queue: breaching soon", "/incidents/?queue=soon"),
        ("desk_breached", "Desk queue: breached (extra)", "/incidents/?queue=breached"),
        ("api_list", "API: incident list page", "/api/v1/incidents?limit=50"),
        ("detail", f"Incident detail page ({reference})", f"/incidents/{reference}/"),
        ("api_detail", f"API: incident detail ({reference})", f"/api/v1/incidents/{reference}"),
        ("search_ref", "Desk search by reference (extra)", f"/incidents/?queue=all&q={reference}"),
        (
            "search_text",
            "Desk search by words (extra)",
            f"/incidents/?queue=all&q={pick_words().replace(' ', '+')}",
        ),
        ("api_search", "API: search by words (extra)", f"/api/v1/incidents?limit=50&q={pick_words()}"),
    ]


def measure_page(client, path: str, repeat: int, warmup: int) -> dict:
    for _ in range(warmup):
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"{path}: HTTP {response.status_code}\n{response.content[:500]!r}")
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, path
    response, queries = count_queries(lambda: client.get(path))
    result = summarise(times)
    result.update(queries=queries, bytes=len(response.content))
    return result


def catch_up() -> tuple[dt.datetime, dict]:
    """One scan, committed, as the worker would have run it: raises the backlog of notices that fell due
    since the data was loaded (and queues their notifications), so the timed scans start from a scan that
    has just run. Returns its instant and its own measurements."""
    from django.utils import timezone

    from busbar.incidents.models import Incident
    from busbar.incidents.tasks import scan_sla

    when = timezone.now()
    due = Incident.objects.filter(record__sla_next_check_at__lte=when).count()
    t = time.perf_counter()
    raised, queries = count_queries(lambda: scan_sla.call(when.isoformat()))
    result = summarise([time.perf_counter() - t])
    result.update(queries=queries, due=due, warnings=raised["warning"], breaches=raised["breach"])
    return when, result


def one_by_one_scan(now: dt.datetime) -> dict:
    """The scan as it was before batching (the baseline): one ``raise_sla_notice`` action per notice."""
    from busbar.incidents import actions, sla
    from busbar.incidents.models import Incident
    from busbar.lib.actions import ActionError, Actor

    candidates = sla.with_clock_data(Incident.objects.filter(record__sla_next_check_at__lte=now))
    raised = {"warning": 0, "breach": 0}
    for incident in candidates.iterator(chunk_size=500):
        for notice in sla.due_notices(incident, now, set()):
            try:
                actions.raise_sla_notice(
                    actor=Actor.system(),
                    incident=incident,
                    clock=notice.clock,
                    kind=notice.kind,
                    crossed_at=notice.crossed_at,
                    now=now,
                )
                incident.record.sla_notified |= sla.NOTICE_BITS[(notice.clock, notice.kind)]
                raised[notice.kind] += 1
            except ActionError:
                pass
    return raised


def measure_scan(when: dt.datetime, repeat: int, *, one_by_one: bool = False) -> dict:
    """``scan_sla`` as at ``when``, each run in a transaction rolled back (the same work every time);
    ``one_by_one``: the baseline scan instead."""
    from django.db import transaction

    from busbar.incidents.models import Incident
    from busbar.incidents.tasks import scan_sla

    def once() -> dict:
        with transaction.atomic():
            raised = one_by_one_scan(when) if one_by_one else scan_sla.call(when.isoformat())
            transaction.set_rollback(True)
        return raised

    due = Incident.objects.filter(record__sla_next_check_at__lte=when).count()
    raised, queries = count_queries(once)  # also the warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        once()
        times.append(time.perf_counter() - t)
    result = summarise(times)
    result.update(queries=queries, due=due, warnings=raised["warning"], breaches=raised["breach"])
    return result


def data_profile() -> dict:
    from django.db import connection
    from django.db.models import Q

    from busbar.incidents.models import OPEN_STATUSES, Incident

    with connection.cursor() as cursor:
        sizes = {}
        for table in (
            "incidents_incident",
            "records_record",
            "records_clockevent",
            "records_entry",
            "records_slanotice",
            "audit_auditentry",
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            sizes[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cursor.fetchone()[0]
    open_qs = Incident.objects.filter(status__in=OPEN_STATUSES)
    return {
        "rows": sizes,
        "open": open_qs.count(),
        "paused": open_qs.filter(record__sla_paused=True).count(),
        "breached_open": open_qs.filter(
            Q(record__response_breached=True) | Q(record__resolution_breached=True)
        ).count(),
        "db_size": db_size,
    }


def indexes_0004() -> bool:
    """Whether the list index of migration incidents 0004 is in the database (its text-search index
    ``inc_search`` was replaced by the stored documents of migration 0007)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'inc_created'")
        return cursor.fetchone()[0] == 1


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


def table(results: dict) -> str:
    lines = [
        "| Page | p50 ms | p95 ms | max ms | queries | n |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results["pages"].values():
        lines.append(f"| {r['what']} | {r['p50']} | {r['p95']} | {r['max']} | {r['queries']} | {r['n']} |")
    for r in results["scans"].values():
        raised = f"{r['warnings']:,} warnings + {r['breaches']:,} breaches raised"
        lines.append(
            f"| {r['what']} ({r['due']:,} due: {raised})"
            f" | {r['p50']} | {r['p95']} | {r['max']} | {r['queries']} | {r['n']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", help="name of this data set, e.g. 10k or 1M (results/<label>.json)")
    parser.add_argument("--repeat", type=int, default=60, help="timed requests per page (60)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--scan-repeat", type=int, default=50, help="timed scheduled scans (50)")
    parser.add_argument(
        "--baseline-scans",
        action="store_true",
        help="time the 'many due' scans the old way too (one action per notice), in the same run",
    )
    parser.add_argument("--ahead-repeat", type=int, default=3, help="timed scans with many due (3)")
    parser.add_argument(
        "--ahead", default="1,24", help="hours ahead for the 'many due' scans, comma-separated (1,24)"
    )
    parser.add_argument("--only", help="comma-separated page keys to measure (default: all)")
    parser.add_argument("--report", action="store_true", help="write RESULTS.md from results/*.json")
    args = parser.parse_args(argv)
    if args.report:
        return report()
    if not args.label:
        parser.error("--label is required (e.g. --label 1M)")

    sys.path.insert(0, str(HERE))
    from load import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Pages link hashed static files (manifest storage), as `busbar serve` does after collectstatic.
    call_command("collectstatic", interactive=False, verbosity=0)
    analyst = get_user_model().objects.get(email=ANALYST)
    client = Client()
    client.force_login(analyst)
    reference = pick_incident()
    only = set(args.only.split(",")) if args.only else None

    results: dict = {
        "label": args.label,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "data": data_profile(),
        "reference": reference,
        "indexes_0004": indexes_0004(),
        "pages": {},
        "scans": {},
    }
    print(
        f"{args.label}: {results['data']['rows']['incidents_incident']:,} incidents; detail page {reference}"
    )
    results["load_average_before"] = round(os.getloadavg()[0], 2)
    if results["load_average_before"] > 1.5:
        # Includes this machine's other work and any load.py that has just finished (a 1-minute average).
        print(f"  note: load average {results['load_average_before']} at the start; times may be skewed")
    gc.collect()
    for key, what, path in pages(reference):
        if only and key not in only:
            continue
        r = measure_page(client, path, args.repeat, args.warmup)
        r.update(what=what, path=path)
        results["pages"][key] = r
        print(f"  {what:<60} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms  {r['queries']:3d} queries")
    if not only or "scan" in only:
        base, r = catch_up()
        r.update(what="SLA scan catching up after the load (committed, once)")
        results["scans"]["scan_catch_up"] = r
        scans = [
            ("scan_1min", "SLA scan, next scheduled run (+1 min)", dt.timedelta(minutes=1), args.scan_repeat)
        ]
        for hours in (int(h) for h in args.ahead.split(",") if h):
            scans.append(
                (f"scan_{hours}h", f"SLA scan, {hours} h later", dt.timedelta(hours=hours), args.ahead_repeat)
            )
        for key, what, ahead, repeat in scans:
            r = measure_scan(base + ahead, repeat)
            r.update(what=what)
            results["scans"][key] = r
            if args.baseline_scans and ahead >= dt.timedelta(hours=1):
                r = measure_scan(base + ahead, repeat, one_by_one=True)
                r.update(what=f"{what}: baseline, one action per notice")
                results["scans"][f"{key}_one_by_one"] = r
        for r in results["scans"].values():
            print(
                f"  {r['what']:<60} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms  {r['queries']:6d} q "
                f"({r['due']:,} due; raised {r['warnings']:,} warnings, {r['breaches']:,} breaches)"
            )
    print()
    print(table(results))
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.label}.json"
    if only and out.exists():
        # A partial run (--only) replaces just what it measured in an earlier run of the same label.
        earlier = json.loads(out.read_text())
        for part in ("pages", "scans"):
            earlier[part].update(results[part])
        earlier.update({k: results[k] for k in ("date", "load_average_before", "load_average_after")})
        results = earlier
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(HERE.parent.parent)}")
    return 0


def _size(run: dict) -> int:
    return run["data"]["rows"]["incidents_incident"]


def _cell(p: dict | None) -> str:
    return f"{p['p50']} / {p['p95']} / {p['max']}" if p else "—"


def _pages_table(runs: list[dict], keys: list[str] | None = None) -> list[str]:
    labels = [r["label"] for r in runs]
    heads = [f"{x}: p50 / p95 / max ms" for x in labels] + [f"{x}: queries" for x in labels]
    lines = ["| Page | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for key in keys or dict.fromkeys(k for r in runs for k in r["pages"]):
        what = next(r["pages"][key]["what"] for r in runs if key in r["pages"]).split(" (INC")[0]
        times = [_cell(r["pages"].get(key)) for r in runs]
        queries = [str(r["pages"][key]["queries"]) if key in r["pages"] else "—" for r in runs]
        lines.append(f"| {what} | " + " | ".join(times + queries) + " |")
    return lines


def _scans_table(runs: list[dict]) -> list[str]:
    labels = [r["label"] for r in runs]
    heads = [f"{x}: {h}" for x in labels for h in ("due / notices raised", "p50 / p95 / max ms", "queries")]
    lines = ["| Scan | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for key in dict.fromkeys(k for r in runs for k in r["scans"]):
        what = next(r["scans"][key]["what"] for r in runs if key in r["scans"])
        cells = []
        for r in runs:
            sc = r["scans"].get(key)
            if sc:
                cells += [
                    f"{sc['due']:,} / {sc['warnings'] + sc['breaches']:,}",
                    _cell(sc),
                    f"{sc['queries']:,}",
                ]
            else:
                cells += ["—", "—", "—"]
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    return lines


def report() -> int:
    """RESULTS.md (machine, date, data, every table) and the results section of README.md."""
    runs = sorted((json.loads(f.read_text()) for f in RESULTS.glob("*.json")), key=_size)
    if not runs:
        sys.exit("No results/*.json yet: run with --label first")
    # A scans-only run (--only scan) has no pages: its scans join the scan table only.
    main_runs = [r for r in runs if r.get("indexes_0004", True) and r["pages"]]
    scan_runs = [r for r in runs if r["scans"] and (r.get("indexes_0004", True) or not r["pages"])]
    before = [r for r in runs if not r.get("indexes_0004", True)]
    m = main_runs[-1]["machine"]
    tables = ["### Pages (p50 / p95 / max in ms per request; SQL queries per request)", ""]
    tables += _pages_table(main_runs)
    details = "; ".join(f"{r['label']} {r['reference']}" for r in main_runs)
    counts = "; ".join(
        f"{r['label']} {next(iter(r['pages'].values()))['n']}" for r in main_runs if r["pages"]
    )
    tables += [
        "",
        f"Detail pages: {details} (the newest in-progress, non-major incident with three or more updates). "
        f"Timed requests per page: {counts}.",
        "",
        "### SLA breach scan (`scan_sla.call()`: the catch-up committed, the timed runs rolled back)",
        "",
    ]
    tables += _scans_table(scan_runs)
    if before:
        same = [r for r in main_runs if _size(r) == _size(before[0])]
        tables += [
            "",
            "### Without the indexes of migration incidents 0004",
            "",
            "Measured on an earlier load of the same 1M data set (same generator and seed) after "
            "`busbar migrate incidents 0003` had dropped them, next to the 1M run above. "
            + before[0].get("note", ""),
            "",
        ]
        tables += _pages_table(before + same[:1], keys=list(before[0]["pages"]))
    dates = ", ".join(f"{r['label']} {r['date'][:16].replace('T', ' ')} UTC" for r in runs)
    pg_settings = ", ".join(f"{k} {v}" for k, v in m["pg_settings"].items())
    lines = [
        "# Incident benchmark results",
        "",
        "Measured by hand with `bench/incidents/run.py` on data loaded by `bench/incidents/load.py` "
        "(see README.md for how, and for what each row measures).",
        "",
        f"- Date: {dates}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}",
        f"- Software: Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']} on the same "
        f"machine (stock configuration: {pg_settings})",
        "- Client: Django test `Client` in process, logged in as the demo analyst (a central role: sees "
        "every incident); wall-clock time per request after warm-up",
        "",
        "## Data",
        "",
        "| | " + " | ".join(r["label"] for r in main_runs) + " |",
        "|---|" + "---:|" * len(main_runs),
    ]
    for table_name in main_runs[0]["data"]["rows"]:
        counts = [f"{r['data']['rows'][table_name]:,}" for r in main_runs]
        lines.append(f"| {table_name} rows | " + " | ".join(counts) + " |")
    for key, label in (
        ("open", "open incidents"),
        ("paused", "open, paused"),
        ("breached_open", "open, breached"),
    ):
        lines.append(f"| {label} | " + " | ".join(f"{r['data'][key]:,}" for r in main_runs) + " |")
    lines.append("| database size | " + " | ".join(r["data"]["db_size"] for r in main_runs) + " |")
    lines += ["", "## Results", "", *tables]
    http = sorted((RESULTS / "http").glob("*.md"))
    if http:
        lines += [
            "",
            "## Over HTTP, against the bare-Django ceiling (`over_http.py`)",
            "",
            "The ceiling (`ceiling.py`): one view, one raw SELECT of the 50 newest incidents, orjson; served "
            "by the same gunicorn settings on the same database, driven alternately with Busbar by wrk. "
            "A ratio is Busbar's req/s over the ceiling's in the same repeat.",
        ]
        for table in http:
            lines += ["", table.read_text().strip()]
    notes = RESULTS / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    readme = HERE / "README.md"
    if readme.exists():
        text = readme.read_text()
        start, end = "<!-- results -->", "<!-- /results -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            _old, tail = rest.split(end, 1)
            readme.write_text(f"{head}{start}\n" + "\n".join(tables) + f"\n{end}{tail}")
    print(f"written {HERE / 'RESULTS.md'} and the results section of {readme}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
