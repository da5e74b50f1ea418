# ruff: noqa: E501
"""Measure the migration ledger on the database load.py filled, each measure beside a baseline in the same
run: the daily file (validate + apply), the progress pages, the tranche allocation and the memory peak.

**Daily file** (``--events``, 500,000): a CSV in the issue's format (``mpan,segment,supplier,dno,agent,
event,date``) built from the ledger as it stands: migrate events (30 %) and a few failures (1 %) for
scheduled MPANs, reverse migrations (0.5 %) of migrated ones, 2 % new MPANs, ten lines with a wrong
check digit, 0.2 % with no agent, and schedule events for not-yet-migrated MPANs for the rest (fewer
migrate events when the ledger has fewer scheduled MPANs); all dated today, across every supplier. The
SI (a migration manager) loads it with "apply valid lines" through the action
``busbar.migration.actions.ledger.load_file`` (parse, validate against the ledger, apply: new MPANs,
events, states, daily aggregates, exceptions, journal) in a transaction rolled back at the end, so each
round loads the same file; each round runs in a fresh process (``--apply-repeat`` rounds, 3) whose peak
resident memory (``getrusage`` maxrss, before and after) is reported with the phases' times
(``ledger.apply_timings``). ``--tracemalloc`` adds one more round under ``tracemalloc`` (Python
allocations' peak; slower, not timed). Baselines: the same file ``COPY``ed raw into a scratch table
(the floor: reading 500,000 lines into PostgreSQL with no checks), and the naive per-line ORM apply
(look up the supplier, the MPAN and the event, create the event, save the MPAN, get-or-create and bump
the daily aggregate: one line in ``--naive-every`` (50), scaled).

**Pages**, in process with Django's test ``Client`` (``force_login``; routing, middleware, session,
view, queries, template), interleaved rounds (``--warmup`` 3 untimed, ``--repeat`` 30 timed), then one
request each inside ``CaptureQueriesContext`` for its SQL statement count: the industry progress page
and the distributor load, readiness and at-risk reports as the SI; the largest supplier's progress page
as its own participant (``?supplier=<id>``) and as the SI. Baselines (``base:*``, in the first
``--baseline-repeat`` rounds only: they scan the ledger): a progress figure read the naive way, without
the aggregates: ``count(*) … GROUP BY segment, state`` over ``Mpan``, and the per-day migrate events
``GROUP BY on, kind`` over ``LedgerEvent``, for the industry and for the supplier.

**Allocation**: ``busbar.migration.allocation.propose`` for each policy and ``compare`` over the
``bench16-alloc`` window (300 entrants, 6 tranches, 3 code bodies), ``--repeat`` times, with their
query counts; and the allocation page (``migration_allocation``) as the SI when it exists.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench16
    .venv/bin/python bench/migration/run.py --label 1M
    .venv/bin/python bench/migration/run.py --report
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from load import ALLOC_PROGRAMME, SEED, SI_EMAIL, setup_django, supplier_email  # noqa: E402

FILE = Path("/tmp/bench16_daily.csv")


def percentile(values: list[float], p: float) -> float:
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


def counted(fn) -> tuple[object, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, len(ctx.captured_queries)


def largest_supplier():
    from django.contrib.auth import get_user_model

    from busbar.parties.models import Identifier

    org_id = Identifier.objects.get(scheme="mpid", value="S001").organisation_id
    return org_id, get_user_model().objects.get(email=supplier_email(1))


# ------------------------------------------------------------------------------------------ the daily file


def make_file(n: int) -> dict:
    """Build the daily file from the ledger as it stands; returns what it holds."""
    import numpy as np
    from django.db import connection

    from busbar.datagen.mpan import DISTRIBUTORS, bodies, check_digit, make_cores
    from busbar.migration.common import today
    from busbar.parties.models import Identifier

    rng = np.random.default_rng(SEED + 1)
    mpid = dict(Identifier.objects.filter(scheme="mpid").values_list("organisation_id", "value"))
    on = today().isoformat()

    def fetch(state: str, limit: int) -> list[tuple]:
        if limit <= 0:
            return []
        with connection.cursor() as c:
            c.execute(
                "SELECT core, segment, supplier_id, agent_id FROM migration_mpan WHERE state = %s AND NOT excluded LIMIT %s",
                [state, limit],
            )
            return c.fetchall()

    t = time.perf_counter()
    scheduled = fetch("scheduled", int(n * 0.31))
    fail = scheduled[: min(int(n * 0.01), len(scheduled) // 20)]
    migrate = scheduled[len(fail) :]
    reverse = fetch("migrated", int(n * 0.005))
    new_n = int(n * 0.02)
    rest = n - len(migrate) - len(fail) - len(reverse) - new_n - 10
    schedule = fetch("none", rest)
    lines = []
    for kind, rows in (("migrate", migrate), ("fail", fail), ("reverse", reverse), ("schedule", schedule)):
        lines += [(core, seg, sup, agent, kind) for core, seg, sup, agent in rows]
    # new MPANs (not in the ledger): meter indexes far above any load's
    index = np.arange(95_000_000, 95_000_000 + new_n, dtype=np.int64)
    dist = rng.integers(0, len(DISTRIBUTORS), new_n)
    cores = make_cores(dist, bodies(index, SEED * 7_919_000)).view("S13").ravel()
    suppliers = [s for s in mpid if mpid[s].startswith("S")]
    agents = [s for s in mpid if mpid[s].startswith("A")]
    for k in range(new_n):
        lines.append(
            (int(cores[k]), "smart", suppliers[k % len(suppliers)], agents[k % len(agents)], "schedule")
        )
    order = rng.permutation(len(lines))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["mpan", "segment", "supplier", "dno", "agent", "event", "date"])
    no_agent = 0
    for k, i in enumerate(order):
        core, seg, sup, agent, kind = lines[i]
        text = f"{core:013d}"
        if k % 500 == 7 and kind == "schedule":
            agent = None
            no_agent += 1
        w.writerow([text, seg, mpid[sup], text[:2], mpid[agent] if agent else "", kind, on])
    for k in range(10):  # wrong check digits
        text = f"{101234567890 + k:012d}"
        w.writerow(
            [
                text + str((check_digit(text) + 1) % 10),
                "smart",
                mpid[suppliers[0]],
                "10",
                mpid[agents[0]],
                "schedule",
                on,
            ]
        )
    content = buf.getvalue().encode()
    FILE.write_bytes(content)
    return {
        "lines": len(lines) + 10,
        "bytes": len(content),
        "migrate": len(migrate),
        "fail": len(fail),
        "reverse": len(reverse),
        "schedule": len(schedule),
        "new_mpans": new_n,
        "no_agent": no_agent,
        "bad_lines": 10,
        "build_s": round(time.perf_counter() - t, 1),
    }


def child_apply(path: str, trace: bool) -> int:
    """One round in a fresh process: load the file through the action, roll back, print JSON."""
    import resource

    setup_django()
    import tracemalloc

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from busbar.lib.actions import Actor
    from busbar.migration import ledger
    from busbar.migration.actions.ledger import load_file
    from busbar.parties.queries import scope_for

    user = get_user_model().objects.get(email=SI_EMAIL)
    org = scope_for(user).primary_organisation
    actor = Actor(user=user, organisation=org, channel="web")
    content = Path(path).read_bytes()
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    with transaction.atomic():
        t0 = time.perf_counter()
        load = load_file(
            actor=actor, organisation=org, filename="daily.csv", content=content, apply_valid=True
        )
        t1 = time.perf_counter()
        transaction.set_rollback(True)
    out = {
        "total_s": round(t1 - t0, 2),
        "status": load.status,
        "rows": load.rows,
        "applied": load.applied,
        "unchanged": load.unchanged,
        "rejected": load.rejected,
        "phases_s": {k: round(v, 2) for k, v in ledger.apply_timings().items()},
        "maxrss_before_mb": round(before / 1024, 1),
        "maxrss_after_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "file_mb": round(len(content) / 1e6, 1),
    }
    if trace:
        out["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 1e6, 1)
        tracemalloc.stop()
    print("RESULT " + json.dumps(out))
    return 0


def measure_apply(args, results: dict) -> None:
    from django.db import connection, transaction

    info = make_file(args.events)
    print(f"  daily file: {info}")
    content = FILE.read_bytes()
    # baseline 1: the same bytes COPYed raw into a scratch table
    raw = []
    for _ in range(3):
        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                "CREATE TEMP TABLE bench_raw (mpan text, segment text, supplier text, dno text, agent text, event text, date text) ON COMMIT DROP"
            )
            t = time.perf_counter()
            with c.cursor.copy("COPY bench_raw FROM STDIN (FORMAT csv, HEADER true)") as copy:
                copy.write(content)
            raw.append(time.perf_counter() - t)
            transaction.set_rollback(True)
    print(f"  baseline raw COPY: {statistics.median(raw):.2f} s")
    runs = []
    env = dict(os.environ)
    for k in range(args.apply_repeat + (1 if args.tracemalloc else 0)):
        trace = k == args.apply_repeat
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child-apply", str(FILE)] + (
            ["--trace"] if trace else []
        )
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
        wall = time.perf_counter() - t
        lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        if proc.returncode or not lines:
            print(proc.stdout[-3000:], proc.stderr[-3000:])
            results.setdefault("missing", []).append(f"apply round {k} failed: {proc.stderr.strip()[-300:]}")
            return
        r = json.loads(lines[-1][7:])
        r["process_wall_s"] = round(wall, 1)
        r["traced"] = trace
        runs.append(r)
        print(
            f"  apply{' (tracemalloc)' if trace else ''}: {r['total_s']} s, {r['status']}, applied {r['applied']:,}, rejected {r['rejected']}, "
            f"maxrss {r['maxrss_before_mb']} → {r['maxrss_after_mb']} MB, phases {r['phases_s']}"
        )
        with connection.cursor() as c:
            c.execute("VACUUM migration_mpan")
    timed = [r for r in runs if not r["traced"]]
    naive = naive_apply(content, args.naive_every)
    results["apply"] = {
        "file": info,
        "runs": runs,
        "median_total_s": round(statistics.median(r["total_s"] for r in timed), 2),
        "peak_rss_mb": max(r["maxrss_after_mb"] for r in timed),
        "rss_before_mb": min(r["maxrss_before_mb"] for r in timed),
        "raw_copy_s": round(statistics.median(raw), 2),
        "naive": naive,
    }


def naive_apply(content: bytes, every: int) -> dict:
    """The naive per-line ORM apply of one line in ``every``, scaled."""
    from django.db import transaction
    from django.db.models import F

    from busbar.migration.common import distributor_of, parse_mpan
    from busbar.migration.models import LEDGER_TRANSITIONS, DailyProgress, LedgerEvent, Mpan
    from busbar.parties.models import Identifier

    rows = list(csv.reader(io.StringIO(content.decode())))[1:]
    sample = rows[::every]
    field = {"schedule": "scheduled", "migrate": "migrated", "fail": "failed", "reverse": "reversed"}
    applied = 0
    with transaction.atomic():
        t = time.perf_counter()
        for mpan, segment, supplier, _dno, agent, kind, date in sample:
            core = parse_mpan(mpan)
            if core is None:
                continue
            sup = (
                Identifier.objects.filter(scheme="mpid", value=supplier)
                .values_list("organisation_id", flat=True)
                .first()
            )
            ag = (
                Identifier.objects.filter(scheme="mpid", value=agent)
                .values_list("organisation_id", flat=True)
                .first()
                if agent
                else None
            )
            on = dt.date.fromisoformat(date)
            if LedgerEvent.objects.filter(core=core, kind=kind, on=on).exists():
                continue
            m = Mpan.objects.filter(pk=core).first()
            state = m.state if m else "none"
            target = LEDGER_TRANSITIONS.get((state, kind))
            if target is None:
                continue
            LedgerEvent.objects.create(core=core, kind=kind, on=on)
            if m is None:
                Mpan.objects.create(
                    core=core,
                    segment=segment,
                    supplier_id=sup,
                    distributor=distributor_of(core),
                    agent_id=ag,
                    state=target,
                    last_event_on=on,
                )
            else:
                m.state, m.last_event_on = target, on
                m.save(update_fields=["state", "last_event_on"])
            dp, _ = DailyProgress.objects.get_or_create(
                day=on, segment=segment, supplier_id=sup, distributor=distributor_of(core)
            )
            DailyProgress.objects.filter(pk=dp.pk).update(**{field[kind]: F(field[kind]) + 1})
            applied += 1
        elapsed = time.perf_counter() - t
        transaction.set_rollback(True)
    scale = len(rows) / len(sample)
    print(
        f"  naive per-line ORM apply: {len(sample):,} lines in {elapsed:.1f} s, ×{scale:.0f} = {elapsed * scale:.0f} s"
    )
    return {
        "sample_lines": len(sample),
        "applied": applied,
        "sample_s": round(elapsed, 1),
        "scaled_s": round(elapsed * scale, 1),
    }


# ------------------------------------------------------------------------------------------------ the pages


def baselines(supplier_id: int) -> dict:
    from django.db import connection

    def sql(query, params=()):
        def run():
            with connection.cursor() as c:
                c.execute(query, params)
                return c.fetchall()

        return run

    return {
        "base:mpan_states": ("Baseline: count(*) GROUP BY segment, state over Mpan (industry)",
                             sql("SELECT segment, state, count(*) FROM migration_mpan GROUP BY 1, 2")),
        "base:events_by_day": ("Baseline: migrate/reverse events GROUP BY on, kind over LedgerEvent (industry)",
                               sql("SELECT \"on\", kind, count(*) FROM migration_ledgerevent WHERE kind IN ('migrate', 'reverse') GROUP BY 1, 2")),
        "base:mpan_states_supplier": ("Baseline: count(*) GROUP BY segment, state over the supplier's Mpan rows",
                                      sql("SELECT segment, state, count(*) FROM migration_mpan WHERE supplier_id = %s GROUP BY 1, 2", [supplier_id])),
        "base:aggregates": ("Reference: sum over DailyProgress GROUP BY day, segment (what the aggregates cost)",
                            sql("SELECT day, segment, sum(migrated), sum(reversed) FROM migration_dailyprogress GROUP BY 1, 2")),
    }  # fmt: skip


def measure_pages(args, results: dict) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    supplier_id, supplier_user = largest_supplier()
    users = {"si": get_user_model().objects.get(email=SI_EMAIL), "supplier": supplier_user}
    clients = {}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    pages = [
        ("industry", "Industry progress page", "si", "migration_progress", ""),
        ("supplier", "Supplier progress page (largest supplier, as itself)", "supplier", "migration_progress", f"supplier={supplier_id}"),
        ("supplier_si", "Supplier progress page (largest supplier, as the SI)", "si", "migration_progress", f"supplier={supplier_id}"),
        ("industry_smart", "Industry progress page, Smart only", "si", "migration_progress", "segment=smart"),
        ("distributors", "Distributor (DNO) load report", "si", "migration_distributor_load", ""),
        ("readiness", "Readiness to M14 report", "si", "migration_readiness", ""),
        ("at_risk", "At-risk participants report", "si", "migration_at_risk", ""),
        ("home", "Migration home page", "si", "migration_home", ""),
    ]  # fmt: skip
    jobs = []
    for key, what, who, name, qs in pages:
        try:
            path = reverse(name)
        except NoReverseMatch:
            results["missing"].append(f"{key} ({name} does not exist yet)")
            continue
        path = f"{path}?{qs}" if qs else path

        def page(client=clients[who], path=path):
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}\n{response.content[:600]!r}")
            return response

        try:
            page()
        except Exception as exc:
            results["missing"].append(f"{key}: {str(exc)[:300]}")
            continue
        jobs.append((key, what, who, path, page, False))
    for key, (what, fn) in baselines(supplier_id).items():
        jobs.append((key, what, "sql", "", fn, True))
    times: dict[str, list[float]] = {j[0]: [] for j in jobs}
    gc.collect()
    for round_ in range(args.warmup + args.repeat):
        for key, _what, _who, _path, fn, heavy in jobs:
            if heavy and round_ >= args.warmup + args.baseline_repeat:
                continue
            if heavy and round_ < args.warmup and round_ > 0:
                continue
            t = time.perf_counter()
            fn()
            if round_ >= args.warmup:
                times[key].append(time.perf_counter() - t)
    for key, what, who, path, fn, _heavy in jobs:
        _, queries = counted(fn)
        r = summarise(times[key])
        r.update(what=what, who=who, path=path, queries=queries)
        results["pages"][key] = r
        print(
            f"  {what:<70} p50 {r['p50']:8.1f}  p95 {r['p95']:8.1f}  max {r['max']:8.1f} ms  {queries:3d} q  (n {r['n']})"
        )


# -------------------------------------------------------------------------------------------- allocation


def measure_allocation(args, results: dict) -> None:
    from busbar.migration import allocation
    from busbar.migration.models import AllocationPolicy, Entrant, QualificationWindow

    window = QualificationWindow.objects.get(programme__code=ALLOC_PROGRAMME)
    out = {"entrants": Entrant.objects.filter(window=window).count(), "tranches": window.tranches.count(),
           "code_bodies": window.code_bodies.count(), "policies": {}}  # fmt: skip
    jobs = [(p.value, (lambda p=p.value: allocation.propose(window, p))) for p in AllocationPolicy]
    jobs.append(("compare", lambda: allocation.compare(window)))
    times = {k: [] for k, _ in jobs}
    for round_ in range(2 + args.alloc_repeat):
        for key, fn in jobs:
            t = time.perf_counter()
            fn()
            if round_ >= 2:
                times[key].append(time.perf_counter() - t)
    for key, fn in jobs:
        proposal, queries = counted(fn)
        r = summarise(times[key])
        r["queries"] = queries
        if key != "compare":
            r["placed"] = sum(1 for v in proposal.placements.values() if v is not None)
            r["unplaced"] = len(proposal.unplaced)
            r["late_share"] = round(proposal.risk.late_share, 3)
            r["large_late"] = len(proposal.risk.large_late)
        out["policies"][key] = r
        print(
            f"  allocation {key:<13} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f} ms  {queries} q  { ({k: r[k] for k in ('placed', 'unplaced', 'late_share', 'large_late') if k in r}) }"
        )
    # the page, as the SI of the allocation programme? The bench SI manages bench16 only: measure as a
    # platform-wide reader is not set up, so the page is timed only when the SI can see it.
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("migration_allocation", kwargs={"code": ALLOC_PROGRAMME})
    except NoReverseMatch:
        results["missing"].append("allocation page (migration_allocation does not exist yet)")
    else:
        client = Client()
        client.force_login(get_user_model().objects.get(email=SI_EMAIL))
        if client.get(path).status_code == 200:
            t_ = []
            for k in range(2 + args.alloc_repeat):
                t = time.perf_counter()
                client.get(path)
                if k >= 2:
                    t_.append(time.perf_counter() - t)
            out["page"] = summarise(t_)
            print(f"  allocation page p50 {out['page']['p50']} p95 {out['page']['p95']} ms")
    results["allocation"] = out


# ----------------------------------------------------------------------------------------------------- main


def data_profile() -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in (
            "migration_mpan",
            "migration_ledgerevent",
            "migration_dailyprogress",
            "migration_planline",
        ):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            out[table] = cursor.fetchone()[0]
            if out[table] < 0:  # never analysed
                cursor.execute(f"SELECT count(*) FROM {table}")
                out[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        out["db_size"], out["postgresql"] = cursor.fetchone()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="full")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--baseline-repeat", type=int, default=5)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--apply-repeat", type=int, default=3)
    parser.add_argument("--alloc-repeat", type=int, default=20)
    parser.add_argument(
        "--naive-every", type=int, default=50, help="the naive apply runs one line in this many"
    )
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--only", choices=["apply", "pages", "allocation"])
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--child-apply", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.report:
        return report()
    if args.child_apply:
        return child_apply(args.child_apply, args.trace)
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("collectstatic", interactive=False, verbosity=0)
    results = {
        "label": args.label,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "data": data_profile(),
        "pages": {},
        "missing": [],
    }
    print(f"{args.label}: load {results['load_average_before']}; {results['data']}")
    if args.only in (None, "allocation"):
        measure_allocation(args, results)
    if args.only in (None, "pages"):
        measure_pages(args, results)
    if args.only in (None, "apply"):
        measure_apply(args, results)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    for note in results["missing"]:
        print(f"  not measured: {note}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.label}.json"
    if args.only and out.exists():
        earlier = json.loads(out.read_text())
        earlier["pages"].update(results["pages"])
        for k in (
            "apply",
            "allocation",
            "missing",
            "load_average_before",
            "load_average_after",
            "date",
            "data",
        ):
            if k in results:
                earlier[k] = results[k]
        results = earlier
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out}")
    return 0


# --------------------------------------------------------------------------------------------------- report


def report() -> int:
    loads = {}
    for path in sorted(RESULTS.glob("load-*.json")):
        loads[path.stem[5:]] = json.loads(path.read_text())
    runs = [
        json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json")) if not p.name.startswith("load-")
    ]
    runs.sort(key=lambda r: r["data"]["migration_mpan"])
    lines = ["# Migration ledger benchmark results", ""]
    lines += [
        "## Growth curve",
        "",
        "| Ledger (≈, planner estimate) | events | DB size | daily file: lines, validate + apply median | peak RSS | naive per-line (scaled) | raw COPY | industry page p95 | supplier page p95 | count(*) baseline p50 | allocation compare p95 | load average |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        d, a, p = r["data"], r.get("apply") or {}, r["pages"]
        al = (r.get("allocation") or {}).get("policies", {}).get("compare", {})
        lines.append(
            f"| {d['migration_mpan']:,} MPANs (`{r['label']}`) | {d['migration_ledgerevent']:,} | {d['db_size']} | "
            f"{(a.get('file') or {}).get('lines', 0):,}: {a.get('median_total_s', '–')} s | {a.get('peak_rss_mb', '–')} MB | {(a.get('naive') or {}).get('scaled_s', '–')} s | "
            f"{a.get('raw_copy_s', '–')} s | {p.get('industry', {}).get('p95', '–')} ms | {p.get('supplier', {}).get('p95', '–')} ms | "
            f"{p.get('base:mpan_states', {}).get('p50', '–')} ms | {al.get('p95', '–')} ms | {r['load_average_before']} → {r.get('load_average_after')} |"
        )
    if loads:
        lines += ["", "Loads (generate with numpy, `COPY`, rebuild indexes, `VACUUM ANALYZE`):", "",
                  "| Step | MPANs added | events added | seconds | of which generate / COPY / indexes / vacuum | DB size after | load average |",
                  "|---|---:|---:|---:|---|---:|---|"]  # fmt: skip
        for label, x in sorted(loads.items(), key=lambda kv: kv[1]["to_mpans"]):
            lines.append(
                f"| `{label}`: {x['from_mpans']:,} → {x['to_mpans']:,} | {x['added_mpans']:,} | {x['added_events']:,} | {x['seconds']} | "
                f"{x['generate_s']} / {x['copy_s']} / {x.get('index_s')} / {x.get('vacuum_s')} | {x['db_size']} | {x['load_average']} |"
            )
    for r in runs:
        d = r["data"]
        lines += [
            "",
            f"## {r['label']} ({r['date']})",
            "",
            f"{d['migration_mpan']:,} MPANs, {d['migration_ledgerevent']:,} events, {d['migration_dailyprogress']:,} daily aggregate rows, "
            f"{d['migration_planline']:,} plan lines; database {d['db_size']}. {r['cpu_count']} cores; load average before "
            f"{r['load_average_before']}, after {r.get('load_average_after')}.",
        ]
        if r["pages"]:
            lines += [
                "",
                "| Measure | p50 ms | p95 ms | max ms | n | queries |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            for key, p in r["pages"].items():
                lines.append(
                    f"| {p['what']} (`{key}`) | {p['p50']} | {p['p95']} | {p['max']} | {p['n']} | {p['queries']} |"
                )
        a = r.get("apply")
        if a:
            f = a["file"]
            lines += [
                "",
                f"Daily file: {f['lines']:,} lines ({f['bytes'] / 1e6:.1f} MB): {f['schedule']:,} schedule, {f['migrate']:,} migrate, "
                f"{f['fail']:,} fail, {f['reverse']:,} reverse, {f['new_mpans']:,} new MPANs, {f['no_agent']} with no agent, "
                f'{f["bad_lines"]} bad check digits; loaded by the SI with "apply valid lines", rolled back after each round.',
                "",
                "| Round | total s | status | applied | rejected | maxrss before → after MB | tracemalloc peak MB | phases s |",
                "|---|---:|---|---:|---:|---|---:|---|",
            ]
            for k, x in enumerate(a["runs"], start=1):
                lines.append(
                    f"| {k}{' (traced)' if x['traced'] else ''} | {x['total_s']} | {x['status']} | {x['applied']:,} | {x['rejected']} | "
                    f"{x['maxrss_before_mb']} → {x['maxrss_after_mb']} | {x.get('tracemalloc_peak_mb', '–')} | "
                    + ", ".join(f"{k2} {v}" for k2, v in x["phases_s"].items())
                    + " |"
                )
            n = a["naive"]
            lines += ["", f"Baselines: the same file `COPY`ed raw into a scratch table: {a['raw_copy_s']} s; the naive per-line ORM apply: "
                      f"{n['sample_lines']:,} lines in {n['sample_s']} s, scaled to the file: {n['scaled_s']} s."]  # fmt: skip
        al = r.get("allocation")
        if al:
            lines += ["", f"Allocation over {al['entrants']} entrants, {al['tranches']} tranches, {al['code_bodies']} code bodies:", "",
                      "| Policy | p50 ms | p95 ms | queries | placed | unplaced | late share | large late |", "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
            for key, x in al["policies"].items():
                lines.append(
                    f"| {key} | {x['p50']} | {x['p95']} | {x['queries']} | {x.get('placed', '')} | {x.get('unplaced', '')} | {x.get('late_share', '')} | {x.get('large_late', '')} |"
                )
            if al.get("page"):
                lines.append(
                    f"\nAllocation page as the SI: p50 {al['page']['p50']} ms, p95 {al['page']['p95']} ms."
                )
        if r.get("missing"):
            lines += ["", "Not measured: " + "; ".join(r["missing"]) + "."]
    notes = RESULTS / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("written RESULTS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
