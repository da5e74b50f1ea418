"""Measure change co-ordination on a database filled by world.py: conflict detection for one change, the
forward schedule of change (month view) and the iCalendar feed, and availability for every service for a
year; each beside a baseline measured in the same run.

* **Conflicts** (in process): ``busbar.changes.conflicts.detect(change)`` for a sample of scheduled future
  changes (the busiest services first, then a random draw), every change once per round, interleaved
  with the baseline: a *naive* detection that asks the same questions one service at a time through the
  many-to-many join (no copied window on the service rows), as a first version would.
* **Pages** (in process, Django's test ``Client``; ``force_login`` for the pages, none for the feeds,
  which are read by calendar clients with the secret in the URL): the FSC month view (this month and
  next) as the desk and as a supplier, the week view, the supplier's and the desk's whole-schedule feeds
  and a one-service feed; baseline: ``/profile/`` (a light page) in the same rounds. Interleaved rounds,
  ``--warmup`` then ``--repeat`` timed; then one more request per page counts its SQL. The feeds keep their
  body in the cache under its version and answer with an ETag, so each feed is requested three ways in
  every round: *cold* (the cache is cleared, ``cache.clear()``, at the start of every round, so the body is
  built), *warm* (the same plain GET again: the cached body) and *conditional* (``If-None-Match`` with the
  ETag just received: 304, no body).
* **Availability** (in process): ``busbar.changes.availability.for_services(every service, year)`` for last
  year and this year, ``--avail-repeat`` times each; baseline in the same run: the same figures one
  service at a time (``for_services([service], year)`` for each service: the per-service queries a page
  of one service makes, 500 times).

Results go to ``results/<label>.json``; ``--report`` writes RESULTS.md's tables from every results file
(the findings in RESULTS.md are written by hand below the tables, from ``results/NOTES.md``).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench_changes
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_changes_var
    .venv/bin/python bench/changes/run.py --label pg-full
    .venv/bin/python bench/changes/run.py --report
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TARGETS = {"conflicts": 50.0, "fsc": 200.0, "feed": 200.0, "availability": 2000.0}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(times: list[float], cpu: list[float] | None = None) -> dict:
    """Wall-clock p50 / p95 / max / mean in ms; with ``cpu``, this process's CPU time p50 / p95 too (the
    Python, ORM, template and driver work: hardly moved by other work competing for the cores)."""
    ms = [t * 1000 for t in times]
    out = {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "max": round(max(ms), 2),
        "mean": round(statistics.fmean(ms), 2),
    }
    if cpu:
        cpu_ms = [t * 1000 for t in cpu]
        out.update(cpu_p50=round(percentile(cpu_ms, 50), 2), cpu_p95=round(percentile(cpu_ms, 95), 2))
    return out


def timed(fn, *args, **kw) -> tuple[object, float, float]:
    """``fn(*args, **kw)``, its wall-clock seconds and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kw)
    return result, time.perf_counter() - wall, time.process_time() - cpu


# -- conflicts -----------------------------------------------------------------------------------------------


def sample_changes(n: int, rng: random.Random) -> list:
    """Scheduled changes starting in the future: half on the busiest services, half at random."""
    from django.db.models import Count
    from django.utils import timezone

    from busbar.changes.models import SCHEDULED, ChangeNotification, ChangeService

    now = timezone.now()
    future = ChangeNotification.objects.filter(status__in=SCHEDULED, planned_start__gt=now)
    busiest = list(
        ChangeService.objects.filter(status__in=SCHEDULED, planned_start__gt=now)
        .values("service_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("service_id", flat=True)[: n // 2]
    )
    picked = []
    for service_id in busiest:
        change = future.filter(service_rows__service_id=service_id).order_by("planned_start").first()
        if change and change not in picked:
            picked.append(change)
    ids = list(future.values_list("pk", flat=True))
    for pk in rng.sample(ids, min(len(ids), n)):
        if len(picked) >= n:
            break
        if pk not in {c.pk for c in picked}:
            picked.append(ChangeNotification.objects.get(pk=pk))
    return picked


def naive_detect(change, now) -> list:
    """The same questions as conflicts.detect, asked one service at a time through the many-to-many join
    (the window read from the change row, not the copied service rows): the baseline."""
    from busbar.changes.models import SCHEDULED, BlackoutWindow, ChangeNotification, MaintenanceWindow
    from busbar.incidents.models import OPEN_STATUSES, Incident
    from busbar.services.models import Service

    found = []
    mine = list(change.services.all())
    for service in mine:
        related = [service.pk]
        if service.parent_id:
            related.append(service.parent_id)
        related += list(Service.objects.filter(parent_id=service.pk).values_list("pk", flat=True))
        related += list(service.depends_on.values_list("pk", flat=True))
        related += list(service.dependants.values_list("pk", flat=True))
        for other_id in related:
            found += list(
                ChangeNotification.objects.filter(
                    services=other_id,
                    status__in=SCHEDULED,
                    planned_start__lt=change.planned_end,
                    planned_end__gt=change.planned_start,
                ).exclude(pk=change.pk)
            )
        found += list(MaintenanceWindow.objects.filter(service=service))
        found += list(
            BlackoutWindow.objects.filter(
                starts_at__lt=change.planned_end, ends_at__gt=change.planned_start
            ).filter(services=service)
        )
        found += list(Incident.objects.filter(service=service, status__in=OPEN_STATUSES, major__isnull=False))
    found += list(
        BlackoutWindow.objects.filter(
            starts_at__lt=change.planned_end, ends_at__gt=change.planned_start, services=None
        )
    )
    if change.team:
        found += list(
            ChangeNotification.objects.filter(
                provider_id=change.provider_id,
                team=change.team,
                status__in=SCHEDULED,
                planned_start__lt=change.planned_end,
                planned_end__gt=change.planned_start,
            ).exclude(pk=change.pk)
        )
    return found


def measure_conflicts(args, rng: random.Random) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from busbar.changes import conflicts

    changes = sample_changes(args.sample, rng)
    now = timezone.now()
    times: dict[str, list[float]] = {"detect": [], "naive": []}
    cpu: dict[str, list[float]] = {"detect": [], "naive": []}
    found = []
    for round_ in range(args.warmup + args.repeat):
        for change in changes:
            result, wall, used = timed(conflicts.detect, change, now=now)
            _naive, naive_wall, naive_used = timed(naive_detect, change, now)
            if round_ >= args.warmup:
                times["detect"].append(wall)
                cpu["detect"].append(used)
                times["naive"].append(naive_wall)
                cpu["naive"].append(naive_used)
            if round_ == 0:
                found.append(len(result))
    queries, naive_queries, sql, naive_sql = [], [], [], []
    for change in changes:
        with CaptureQueriesContext(connection) as ctx:
            conflicts.detect(change, now=now)
        queries.append(len(ctx.captured_queries))
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            naive_detect(change, now)
        naive_queries.append(len(ctx.captured_queries))
        naive_sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    services = [c.service_rows.count() for c in changes]
    out = {
        "detect": {
            **summarise(times["detect"], cpu["detect"]),
            "queries": f"{min(queries)}–{max(queries)}",
            "sql_ms_median": round(statistics.median(sql), 2),
        },
        "naive": {
            **summarise(times["naive"], cpu["naive"]),
            "queries": f"{min(naive_queries)}–{max(naive_queries)}",
            "sql_ms_median": round(statistics.median(naive_sql), 2),
        },
        "changes": len(changes),
        "services_per_change": f"{min(services)}–{max(services)}",
        "conflicts_found": {"min": min(found), "median": statistics.median(found), "max": max(found)},
    }
    for key in ("detect", "naive"):
        r = out[key]
        print(
            f"  conflicts {key:<8} p50 {r['p50']:8.2f}  p95 {r['p95']:8.2f}  max {r['max']:8.2f} ms"
            f"  (CPU p95 {r['cpu_p95']:7.2f})  {r['queries']} q (median {r['sql_ms_median']} ms SQL)"
        )
    return out


# -- pages ---------------------------------------------------------------------------------------------------


def pages() -> list[dict]:
    from django.db.models import Count
    from django.utils import timezone
    from world import FEED_SECRETS, SUPPLIER_EMAIL

    from busbar.changes.models import ChangeService
    from busbar.services.models import Service

    today = timezone.localdate()
    this_month = f"{today:%Y-%m}"
    following = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    busiest = (
        ChangeService.objects.filter(planned_start__gte=timezone.now())
        .values("service_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("service_id", flat=True)
        .first()
    )
    slug = Service.objects.get(pk=busiest).slug
    supplier_secret = FEED_SECRETS[SUPPLIER_EMAIL]
    desk_secret = next(v for k, v in FEED_SECRETS.items() if k != SUPPLIER_EMAIL)
    specs = [
        dict(key="baseline", what="Baseline: /profile/ (a light page)", who="desk", name="profile"),
        dict(
            key="fsc_desk",
            what="FSC month view, this month, desk",
            who="desk",
            name="fsc",
            qs=f"month={this_month}",
        ),
        dict(
            key="fsc_supplier",
            what="FSC month view, this month, supplier",
            who="supplier",
            name="fsc",
            qs=f"month={this_month}",
        ),
        dict(
            key="fsc_next",
            what="FSC month view, next month, supplier",
            who="supplier",
            name="fsc",
            qs=f"month={following:%Y-%m}",
        ),
        dict(
            key="fsc_week", what="FSC week view, this week, supplier (extra)", who="supplier", name="fsc_week"
        ),
    ]
    feeds = [
        dict(
            key="feed_supplier",
            what="iCal feed: supplier's whole schedule",
            name="fsc_feed",
            kw={"token": supplier_secret},
        ),
        dict(
            key="feed_desk",
            what="iCal feed: desk's whole schedule",
            name="fsc_feed",
            kw={"token": desk_secret},
        ),
        dict(
            key="feed_service",
            what="iCal feed: one service (the busiest), supplier",
            name="fsc_service_feed",
            kw={"token": supplier_secret, "slug": slug},
        ),
    ]
    # Every feed cold first (the cache was cleared at the start of the round), then warm, then conditional.
    modes = (
        ("cold", "", "cold (cache cleared each round)"),
        ("warm", "_warm", "warm (cached body, plain GET)"),
        ("304", "_304", "conditional GET with the ETag (304)"),
    )
    return specs + [
        {
            **feed,
            "who": "anonymous",
            "key": feed["key"] + suffix,
            "feed": feed["key"],
            "mode": mode,
            "what": f"{feed['what']}: {label}",
        }
        for mode, suffix, label in modes
        for feed in feeds
    ]


def resolve(spec: dict) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse(spec["name"], kwargs=spec.get("kw") or None)
    except NoReverseMatch:
        return None
    return f"{path}?{spec['qs']}" if spec.get("qs") else path


def measure_pages(args) -> tuple[dict, list[str], dict]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from world import DESK_EMAIL, SUPPLIER_EMAIL

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    User = get_user_model()
    clients = {"anonymous": Client()}
    for who, email in (("desk", DESK_EMAIL), ("supplier", SUPPLIER_EMAIL)):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(email=email))
    measured, missing = [], []
    for spec in pages():
        path = resolve(spec)
        if path is None:
            missing.append(f"{spec['key']} ({spec['name']} does not reverse)")
            continue
        measured.append({**spec, "path": path})
    times: dict[str, list[float]] = {s["key"]: [] for s in measured}
    cpu: dict[str, list[float]] = {s["key"]: [] for s in measured}
    # The feed's version holds the hour: a round that crosses one builds the body again for the new version
    # (a warm or conditional request that meets a new ETag is repeated once, and counted here).
    rollovers = 0
    gc.collect()
    for round_ in range(args.warmup + args.repeat):
        cache.clear()  # every round starts cold (the cache holds nothing else the pages need)
        etags: dict[str, str] = {}
        for spec in measured:
            response, elapsed, used = _get(clients[spec["who"]], spec, etags)
            if spec.get("mode") in ("warm", "304") and response.get("ETag") != etags[spec["feed"]]:
                rollovers += 1
                etags[spec["feed"]] = response["ETag"]
                response, elapsed, used = _get(clients[spec["who"]], spec, etags)
            _check(spec, response)
            if spec.get("feed"):
                etags[spec["feed"]] = response["ETag"]
            if round_ >= args.warmup:
                times[spec["key"]].append(elapsed)
                cpu[spec["key"]].append(used)
    out = {}
    etags = {}
    cache.clear()  # as in a round: the cold requests first, each building its body
    for spec in measured:
        with CaptureQueriesContext(connection) as ctx:
            response = _get(clients[spec["who"]], spec, etags)[0]
        _check(spec, response)
        if spec.get("feed"):
            etags[spec["feed"]] = response["ETag"]
        body = response.content
        sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        r = summarise(times[spec["key"]], cpu[spec["key"]])
        events = body.count(b"BEGIN:VEVENT") if spec.get("feed") and response.status_code == 200 else None
        r.update(
            what=spec["what"],
            who=spec["who"],
            path=spec["path"]
            if "feed" not in spec["key"]
            else spec["path"].replace(spec["kw"]["token"], "<token>"),
            status=response.status_code,
            mode=spec.get("mode"),
            queries=len(ctx.captured_queries),
            sql_ms=round(sql_ms, 1),
            bytes=len(body),
            events=events,
        )
        out[spec["key"]] = r
        extra = f"  {events} events" if events is not None else ""
        print(
            f"  {spec['what']:<62} p50 {r['p50']:8.1f}  p95 {r['p95']:8.1f}  max {r['max']:8.1f} ms"
            f"  (CPU p95 {r['cpu_p95']:7.1f})  {r['queries']:3d} q ({sql_ms:6.1f} ms SQL)"
            f"  {len(body) // 1024} KiB{extra}"
        )
    if rollovers:
        print(f"  ({rollovers} warm or conditional requests met a new hour's ETag and were repeated)")
    return out, missing, {"hour_rollovers": rollovers}


def _get(client, spec: dict, etags: dict[str, str]):
    """GET the page (``If-None-Match`` with the feed's last ETag in the conditional mode), timed."""
    headers = {"If-None-Match": etags[spec["feed"]]} if spec.get("mode") == "304" else None
    return timed(client.get, spec["path"], headers=headers)


def _check(spec: dict, response) -> None:
    expected = 304 if spec.get("mode") == "304" else 200
    if response.status_code != expected:
        body = response.content[:800]
        sys.exit(
            f"{spec['path']} as {spec['who']} ({spec.get('mode')}): HTTP {response.status_code}\n{body!r}"
        )
    if spec.get("feed") and not response.get("ETag"):
        sys.exit(f"{spec['path']}: no ETag")


# -- availability --------------------------------------------------------------------------------------------


def measure_availability(args) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from busbar.changes import availability
    from busbar.services.models import Service

    services = list(Service.objects.filter(is_active=True).order_by("pk"))
    year = timezone.localdate().year
    out = {"services": len(services)}
    for label, y in (("last_year", year - 1), ("this_year", year)):
        times, cpu = [], []
        for i in range(1 + args.avail_repeat):
            figures, elapsed, used = timed(availability.for_services, services, y)
            if i:
                times.append(elapsed)
                cpu.append(used)
        with CaptureQueriesContext(connection) as ctx:
            availability.for_services(services, y)
        months = sum(len(v) for v in figures.values())
        measured = [f for v in figures.values() for f in v if f.availability is not None]
        out[label] = {
            **summarise(times, cpu),
            "year": y,
            "queries": len(ctx.captured_queries),
            "figures": months,
            "below_target": sum(1 for f in measured if f.met is False),
        }
        r = out[label]
        print(
            f"  availability {y} all {len(services)} services: p50 {r['p50']:8.1f}  p95 {r['p95']:8.1f}  "
            f"max {r['max']:8.1f} ms (CPU p95 {r['cpu_p95']:7.1f})  {r['queries']} q; "
            f"{months} service-months, {r['below_target']} below target"
        )

    # Baseline: one service at a time (what 500 service pages would ask).
    def one_at_a_time() -> None:
        for service in services:
            availability.for_services([service], year - 1)

    times, cpu = [], []
    for i in range(1 + args.baseline_repeat):
        _none, elapsed, used = timed(one_at_a_time)
        if i:
            times.append(elapsed)
            cpu.append(used)
    with CaptureQueriesContext(connection) as ctx:
        availability.for_services([services[0]], year - 1)
    queries = len(ctx.captured_queries) * len(services)
    out["per_service"] = {**summarise(times, cpu), "year": year - 1, "queries": queries}
    r = out["per_service"]
    print(
        f"  availability {year - 1} one service at a time:  p50 {r['p50']:8.1f}  p95 {r['p95']:8.1f}  "
        f"max {r['max']:8.1f} ms (CPU p95 {r['cpu_p95']:7.1f})  {queries} q"
    )
    return out


# -- data and machine ----------------------------------------------------------------------------------------


def data_profile() -> dict:
    from django.db import connection
    from django.utils import timezone

    from busbar.changes.models import PUBLISHED, ChangeNotification

    rows = {}
    with connection.cursor() as cursor:
        for table in (
            "services_service",
            "changes_changenotification",
            "changes_changeservice",
            "changes_ccgdecision",
            "changes_maintenancewindow",
            "changes_blackoutwindow",
            "incidents_majorincident",
            "services_statusperiod",
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            rows[table] = cursor.fetchone()[0]
        size = None
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
    today = timezone.localdate()
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    span = ChangeNotification.objects.order_by("planned_start").values_list("planned_start", flat=True)
    return {
        "rows": rows,
        "db_size": size,
        "first_change": str(span.first().date()),
        "last_change": str(span.last().date()),
        "published_this_month": ChangeNotification.objects.filter(
            status__in=PUBLISHED, planned_start__date__gte=first, planned_start__date__lt=following
        ).count(),
    }


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
    db = connection.vendor
    if db == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        import sqlite3

        db = f"SQLite {sqlite3.sqlite_version}"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": db,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", help="name of this run, e.g. pg-full (results/<label>.json)")
    parser.add_argument("--repeat", type=int, default=30, help="timed rounds (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    parser.add_argument("--sample", type=int, default=40, help="changes in the conflict sample (40)")
    parser.add_argument("--avail-repeat", type=int, default=7, help="timed runs of availability (7)")
    parser.add_argument(
        "--baseline-repeat", type=int, default=2, help="timed runs of the per-service baseline"
    )
    parser.add_argument("--only", default="conflicts,pages,availability", help="which parts")
    parser.add_argument("--sqlite", action="store_true", help="allow a SQLite DATABASE_URL")
    parser.add_argument("--report", action="store_true", help="write RESULTS.md's tables from results/*.json")
    args = parser.parse_args(argv)
    if args.report:
        return report()
    if not args.label:
        parser.error("--label is required")
    sys.path.insert(0, str(HERE))
    from world import setup_django

    setup_django(postgres_only=not args.sqlite)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    parts = set(args.only.split(","))
    results: dict = {
        "label": args.label,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "data": data_profile(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "settings": {k: getattr(args, k) for k in ("repeat", "warmup", "sample", "avail_repeat")},
    }
    d = results["data"]
    print(
        f"{args.label}: {d['rows']['changes_changenotification']:,} changes on "
        f"{d['rows']['services_service']:,} services ({results['machine']['database']}); "
        f"load {os.getloadavg()}"
    )
    rng = random.Random(7)
    if "conflicts" in parts:
        results["conflicts"] = measure_conflicts(args, rng)
    if "pages" in parts:
        results["pages"], results["missing"], results["pages_meta"] = measure_pages(args)
    if "availability" in parts:
        results["availability"] = measure_availability(args)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    # When and how each part was measured (a run with --only replaces some parts of an earlier run: the
    # parts it leaves keep their own date, load and settings).
    when = {k: results[k] for k in ("date", "load_average_before", "load_average_after", "settings")}
    results["parts_measured"] = {part: when for part in sorted(parts)}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.label}.json"
    if out.exists() and parts != {"conflicts", "pages", "availability"}:
        earlier = json.loads(out.read_text())
        kept = earlier.get("parts_measured") or {
            part: {k: earlier.get(k) for k in when} for part in ("conflicts", "pages", "availability")
        }
        kept = {part: w for part, w in kept.items() if part in earlier and part not in parts}
        earlier.update({k: v for k, v in results.items()})
        earlier["parts_measured"] = {**kept, **results["parts_measured"]}
        results = earlier
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"written {out.relative_to(HERE.parent.parent)}")
    return 0


# -- the report ----------------------------------------------------------------------------------------------


def _ms(r: dict | None) -> str:
    if not r:
        return "—"
    cpu = f" (CPU p95 {r['cpu_p95']})" if "cpu_p95" in r else ""
    return f"{r['p50']} / **{r['p95']}** / {r['max']}{cpu}"


def _queries(r: dict | None) -> str:
    if not r:
        return "—"
    return f"{r['queries']} ({r['sql_ms_median']} ms)" if "sql_ms_median" in r else str(r["queries"])


def _settings(r: dict, part: str) -> dict:
    return (r.get("parts_measured") or {}).get(part, {}).get("settings") or r["settings"]


def _pages_date(r: dict) -> str:
    return (r.get("parts_measured") or {}).get("pages", {}).get("date") or r["date"]


def report() -> int:
    runs = [json.loads(f.read_text()) for f in sorted(RESULTS.glob("*.json"))]
    if not runs:
        sys.exit("No results/*.json yet: run with --label first")
    runs.sort(key=lambda r: (r["machine"]["database"], r["data"]["rows"]["changes_changenotification"]))
    labels = [r["label"] for r in runs]
    m = runs[-1]["machine"]

    def provenance(r: dict) -> tuple[str, str]:
        """The run's date and load, part by part when its parts were measured at different times."""
        parts = r.get("parts_measured") or {}
        groups: dict[str, list[str]] = {}
        for part, w in parts.items():
            groups.setdefault(json.dumps(w, sort_keys=True), []).append(part)
        if len(groups) <= 1:
            return f"{r['date'][:16]} UTC", f"{r['load_average_before']} / {r['load_average_after']}"
        dates, loads = [], []
        for key, names in sorted(groups.items(), key=lambda g: json.loads(g[0])["date"]):
            w, names = json.loads(key), ", ".join(names)
            dates.append(f"{names} {w['date'][:16]} UTC")
            loads.append(f"{names} {w['load_average_before']} / {w['load_average_after']}")
        return "; ".join(dates), "; ".join(loads)

    lines = [
        "# Change co-ordination benchmark results",
        "",
        "Measured by hand with `bench/changes/run.py` on data loaded by `bench/changes/world.py` (see "
        "README.md for how, and what each row measures). Times in ms: wall-clock p50 / **p95** / max, and "
        "in brackets the p95 of this process's CPU time (the Python, ORM, template and driver work; "
        "PostgreSQL's own time is not in it).",
        "",
        "- Runs: " + "; ".join(f"{r['label']} ({r['machine']['database']}) {provenance(r)[0]}" for r in runs),
        f"- Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, Django {m['django']}",
        "- Load average (1, 5, 15 min) before / after: "
        + "; ".join(f"{r['label']} {provenance(r)[1]}" for r in runs),
        "- Timed rounds (warm-up) of the pages: "
        + "; ".join(
            "{} {} ({})".format(r["label"], *(lambda s: (s["repeat"], s["warmup"]))(_settings(r, "pages")))
            for r in runs
        ),
        "",
        "## Data",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for table in runs[0]["data"]["rows"]:
        lines.append(f"| {table} | " + " | ".join(f"{r['data']['rows'][table]:,}" for r in runs) + " |")
    lines.append(
        "| changes from / to | "
        + " | ".join(f"{r['data']['first_change']} – {r['data']['last_change']}" for r in runs)
        + " |"
    )
    lines.append(
        "| published changes starting this month | "
        + " | ".join(str(r["data"]["published_this_month"]) for r in runs)
        + " |"
    )
    lines.append("| database size | " + " | ".join(str(r["data"]["db_size"] or "—") for r in runs) + " |")
    lines += [
        "",
        "## Conflict detection for one change (target < 50 ms p95)",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for key, what in (("detect", "`conflicts.detect`"), ("naive", "baseline: naive, one service at a time")):
        lines.append(f"| {what} | " + " | ".join(_ms(r.get("conflicts", {}).get(key)) for r in runs) + " |")
        lines.append(
            f"| {what}: queries (median SQL time) | "
            + " | ".join(_queries(r.get("conflicts", {}).get(key)) for r in runs)
            + " |"
        )
    lines.append(
        "| changes sampled × rounds | "
        + " | ".join(
            f"{r['conflicts']['changes']} × {_settings(r, 'conflicts')['repeat']}"
            if "conflicts" in r
            else "—"
            for r in runs
        )
        + " |"
    )
    lines.append(
        "| conflicts found per change (min / median / max) | "
        + " | ".join(
            "{min} / {median} / {max}".format(**r["conflicts"]["conflicts_found"])
            if "conflicts" in r
            else "—"
            for r in runs
        )
        + " |"
    )
    lines += [
        "",
        "## Pages (FSC month view and iCal feed: target < 200 ms p95 on PostgreSQL)",
        "",
        "| Page | "
        + " | ".join(f"{x}: ms" for x in labels)
        + " | "
        + " | ".join(f"{x}: queries" for x in labels)
        + " |",
        "|---|" + "---:|" * (2 * len(runs)),
    ]
    keys = list(
        dict.fromkeys(k for r in sorted(runs, key=_pages_date, reverse=True) for k in r.get("pages", {}))
    )
    for key in keys:
        # The wording of the newest run (an older run's feed rows were built every time: the cold rows).
        what = next(
            r["pages"][key]["what"]
            for r in sorted(runs, key=_pages_date, reverse=True)
            if key in r.get("pages", {})
        )
        what = re.sub(r"\(([^,()]+), the busiest\)", "(the busiest)", what)  # the service: its own row
        cells = [_ms(r.get("pages", {}).get(key)) for r in runs]
        q = [str(r["pages"][key]["queries"]) if key in r.get("pages", {}) else "—" for r in runs]
        lines.append(f"| {what} | " + " | ".join(cells + q) + " |")

    def feed_mode(r: dict) -> str:
        feed = r.get("pages", {}).get("feed_supplier")
        if not feed:
            return "—"
        return (
            "cache cleared each round"
            if feed.get("mode") == "cold"
            else "built on every request (no feed cache yet)"
        )

    def extra_row(what: str, cell) -> str:
        return (
            f"| {what} | " + " | ".join(cell(r) for r in runs) + " | " + " | ".join("" for _ in runs) + " |"
        )

    lines.append(extra_row("cold feed rows: how", feed_mode))
    lines.append(
        extra_row(
            "one-service feed: the service",
            lambda r: (
                r["pages"]["feed_service"]["path"].rsplit("/", 1)[-1].removesuffix(".ics")
                if "feed_service" in r.get("pages", {})
                else "—"
            ),
        )
    )
    lines.append(
        extra_row(
            "page size: FSC month view, this month, desk (KiB)",
            lambda r: (
                str(round(r["pages"]["fsc_desk"]["bytes"] / 1024))
                if "fsc_desk" in r.get("pages", {})
                else "—"
            ),
        )
    )
    lines.append(
        "| feed events (supplier / desk / one service) | "
        + " | ".join(
            " / ".join(
                str(r["pages"].get(k, {}).get("events", "—"))
                for k in ("feed_supplier", "feed_desk", "feed_service")
            )
            if "pages" in r
            else "—"
            for r in runs
        )
        + " | "
        + " | ".join("" for _ in runs)
        + " |"
    )
    lines += [
        "",
        "## Availability for every service for a year (target < 2 s)",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for key, what in (
        ("last_year", "`for_services(all, last year)`"),
        ("this_year", "`for_services(all, this year)`"),
        ("per_service", "baseline: `for_services([one], last year)` for each service in turn"),
    ):
        lines.append(
            f"| {what} | " + " | ".join(_ms(r.get("availability", {}).get(key)) for r in runs) + " |"
        )
        lines.append(
            f"| {what}: queries | "
            + " | ".join(str(r.get("availability", {}).get(key, {}).get("queries", "—")) for r in runs)
            + " |"
        )
    notes = RESULTS / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("written bench/changes/RESULTS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
