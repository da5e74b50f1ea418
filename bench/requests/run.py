# ruff: noqa: E501
"""Measure the request queues, the returns lists and the return CSV import on the database load.py filled,
each beside a baseline in the same run.

Pages: in process with Django's test ``Client`` (``force_login``; URL routing, middleware, session, view,
queries and template as ``busbar serve`` runs them, without the network), as the desk
(``analyst@operator.example``), a supplier's participant (``supplier@brightwater.example``) and DCC
(``resolver@dcc.example``). Interleaved rounds: each round requests every page and runs every baseline
once, in the same order (``--warmup`` untimed, then ``--repeat`` timed); then one more request per page
inside ``CaptureQueriesContext`` counts its SQL statements. Every response must be 200. A page whose URL
does not exist yet is reported as not measured.

Baselines (``base:*``): the same list read the naive way with the ORM, no view or template: the visible,
filtered queryset ordered newest first, ``count(*)`` of it and the page's 50 rows by ``OFFSET``.

Import (``--import-rows``, 50,000): a CSV of fresh serials for Brightwater, validated
(``busbar.orders.serials.parse_returns_csv``) and imported (``busbar.orders.actions.raise_return``) in a
transaction rolled back at the end (so every round imports the same file), ``--import-repeat`` times;
beside the naive import (one ``exists()`` per serial, then one INSERT per hub) of a tenth of the file,
scaled ×10.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench15
    .venv/bin/python bench/requests/run.py --label full
    .venv/bin/python bench/requests/run.py --report
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

from world import DCC_EMAIL, DESK_EMAIL, SUPPLIER_EMAIL, SUPPLIER_SLUG, setup_django  # noqa: E402

PAGES = [
    # key, what, who, url name candidates, query string
    ("queue", "Desk queue (open requests), first page", "desk", ["request_list"], "tab=queue"),
    ("queue_deep", "Desk queue, page 100", "desk", ["request_list"], "tab=queue&page=100"),
    ("queue_sla", "Desk queue sorted by fulfilment due", "desk", ["request_list"], "tab=queue&sort=sla_due"),
    ("mine", "Supplier: my organisation's requests, first page", "supplier", ["request_list"], "tab=mine"),
    ("returns_dcc", "Returns list as DCC, first page", "dcc", ["hub_return_list", "return_list"], ""),
    ("returns_supplier", "Returns list as the supplier, first page", "supplier",
     ["hub_return_list", "return_list"], ""),
]  # fmt: skip


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


def baselines(users: dict) -> dict:
    """Naive ORM reads of the same lists: count(*) and a 50-row OFFSET page, newest first."""
    from busbar.orders.models import HubReturn
    from busbar.requests.models import OPEN_REQUEST_STATUSES
    from busbar.requests.queries import visible_to

    def req(user, offset, **filters):
        def run():
            qs = visible_to(user).filter(**filters).order_by("-created_at", "-id")
            qs.count()
            return list(qs[offset : offset + 50])

        return run

    def returns(supplier_id=None):
        def run():
            qs = HubReturn.objects.select_related("record", "supplier").order_by("-created_at", "-id")
            if supplier_id:
                qs = qs.filter(supplier_id=supplier_id)
            qs.count()
            return list(qs[:50])

        return run

    from busbar.parties.models import Organisation

    supplier = Organisation.objects.get(slug=SUPPLIER_SLUG)
    return {
        "base:queue": ("Baseline: open requests, count(*) + OFFSET 0", req(users["desk"], 0, status__in=OPEN_REQUEST_STATUSES)),
        "base:queue_deep": ("Baseline: open requests, count(*) + OFFSET 4950", req(users["desk"], 4950, status__in=OPEN_REQUEST_STATUSES)),
        "base:mine": ("Baseline: supplier's requests, count(*) + OFFSET 0", req(users["supplier"], 0, organisation_id=supplier.pk)),
        "base:returns_dcc": ("Baseline: every return, count(*) + OFFSET 0", returns()),
        "base:returns_supplier": ("Baseline: supplier's returns, count(*) + OFFSET 0", returns(supplier.pk)),
    }  # fmt: skip


def counted(fn) -> tuple[object, int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, len(ctx.captured_queries), sum(float(q["time"]) for q in ctx.captured_queries) * 1000


def measure_pages(args, results: dict) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    User = get_user_model()
    users = {
        k: User.objects.get(email=e)
        for k, e in (("desk", DESK_EMAIL), ("supplier", SUPPLIER_EMAIL), ("dcc", DCC_EMAIL))
    }
    clients = {}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    jobs = []
    for key, what, who, names, qs in PAGES:
        path = None
        for name in names:
            try:
                path = reverse(name)
                break
            except NoReverseMatch:
                continue
        if path is None:
            results["missing"].append(f"{key} ({' / '.join(names)} does not exist yet)")
            continue
        path = f"{path}?{qs}" if qs else path

        def page(client=clients[who], path=path):
            response = client.get(path)
            if response.status_code != 200:
                sys.exit(f"{path}: HTTP {response.status_code}\n{response.content[:600]!r}")
            return response

        jobs.append((key, what, who, path, page))
    for key, (what, fn) in baselines(users).items():
        jobs.append((key, what, "orm", "", fn))
    times: dict[str, list[float]] = {j[0]: [] for j in jobs}
    gc.collect()
    for round_ in range(args.warmup + args.repeat):
        for key, _what, _who, _path, fn in jobs:
            t = time.perf_counter()
            fn()
            if round_ >= args.warmup:
                times[key].append(time.perf_counter() - t)
    for key, what, who, path, fn in jobs:
        response, queries, sql_ms = counted(fn)
        r = summarise(times[key])
        r.update(what=what, who=who, path=path, queries=queries, sql_ms=round(sql_ms, 1))
        results["pages"][key] = r
        print(
            f"  {what:<58} p50 {r['p50']:8.1f}  p95 {r['p95']:8.1f}  max {r['max']:8.1f} ms  {queries:3d} q"
        )


def import_csv(args, results: dict) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from busbar.lib.actions import Actor
    from busbar.orders import serials
    from busbar.orders.actions import raise_return
    from busbar.orders.models import FaultCode, HubReturn, HubVariant, ReturnedHub
    from busbar.parties.models import Organisation
    from busbar.parties.queries import scope_for

    supplier = Organisation.objects.get(slug=SUPPLIER_SLUG)
    user = get_user_model().objects.get(email=SUPPLIER_EMAIL)
    actor = Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")
    faults = list(FaultCode.objects.values_list("code", flat=True))
    n = args.import_rows
    lines = ["serial,variant,fault,note"]
    for k in range(n):
        h = f"{0x001BC50D00000000 + k * 5:016X}"
        lines.append(
            f"{'-'.join(h[i : i + 2] for i in range(0, 16, 2))},s2-cs-int,{faults[k % len(faults)]},"
        )
    content = ("\n".join(lines) + "\n").encode()
    today = dt.date.today()
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    runs = []
    for _ in range(args.import_repeat):
        gc.collect()
        with transaction.atomic():
            t0 = time.perf_counter()
            parsed = serials.parse_returns_csv(content, supplier_id=supplier.pk)
            t1 = time.perf_counter()
            made = raise_return(
                actor=actor,
                supplier=supplier,
                collection_address="Unit 4, Riverside Trading Estate, Leeds",
                postcode="LS11 5DL",
                collection_date=day,
                hubs=parsed,
            )
            t2 = time.perf_counter()
            assert made.hub_count == n, made.hub_count
            transaction.set_rollback(True)
        runs.append((t1 - t0, t2 - t1, t2 - t0))
        print(f"  import {n:,}: validate {t1 - t0:.2f} s, import {t2 - t1:.2f} s, total {t2 - t0:.2f} s")
    # Naive: one exists() per serial, one INSERT per hub, on a tenth of the file (scaled ×10).
    sample = lines[1 : 1 + n // 10]
    variant = HubVariant.objects.get(code="s2-cs-int")
    fault_ids = dict(FaultCode.objects.values_list("code", "id"))
    with transaction.atomic():
        t0 = time.perf_counter()
        for line in sample:
            serial = line.split(",")[0]
            ReturnedHub.objects.filter(serial=serial, outcome__in=["pending", "credited"]).exists()
        t1 = time.perf_counter()
        ret = HubReturn.objects.filter(supplier=supplier).first()
        for k, line in enumerate(sample, start=1):
            serial, _v, fault, _n = line.split(",")
            ReturnedHub.objects.create(
                hub_return=ret,
                supplier=supplier,
                serial=serial,
                variant=variant,
                fault_id=fault_ids[fault],
                line=k,
            )
        t2 = time.perf_counter()
        transaction.set_rollback(True)
    scale = n / len(sample)
    results["import"] = {
        "rows": n,
        "bytes": len(content),
        "runs": [
            {"validate_s": round(a, 2), "import_s": round(b, 2), "total_s": round(c, 2)} for a, b, c in runs
        ],
        "median_total_s": round(statistics.median(r[2] for r in runs), 2),
        "naive_sample_rows": len(sample),
        "naive_validate_s_scaled": round((t1 - t0) * scale, 1),
        "naive_import_s_scaled": round((t2 - t1) * scale, 1),
    }
    print(
        f"  naive (×{scale:.0f} of {len(sample):,}): validate {(t1 - t0) * scale:.1f} s, "
        f"import {(t2 - t1) * scale:.1f} s"
    )


def data_profile() -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in (
            "requests_request",
            "requests_requestapproval",
            "requests_requesttask",
            "orders_hubreturn",
            "orders_returnedhub",
            "records_record",
        ):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            out[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM requests_request WHERE status IN "
            "('awaiting_approval','in_fulfilment','waiting_on_requester')"
        )
        out["open_requests"] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        out["db_size"], out["postgresql"] = cursor.fetchone()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="full")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--import-repeat", type=int, default=3)
    parser.add_argument("--only", choices=["pages", "import"])
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    if args.report:
        return report()
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
    if args.only in (None, "pages"):
        measure_pages(args, results)
    if args.only in (None, "import"):
        import_csv(args, results)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    for note in results["missing"]:
        print(f"  not measured: {note}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.label}.json"
    if args.only and out.exists():
        earlier = json.loads(out.read_text())
        earlier["pages"].update(results["pages"])
        for k in ("import", "missing", "load_average_before", "load_average_after", "date"):
            if k in results:
                earlier[k] = results[k]
        results = earlier
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out}")
    return 0


def report() -> int:
    lines = ["# Requests benchmark results", ""]
    for path in sorted(RESULTS.glob("*.json")):
        if path.name == "load.json":
            continue
        r = json.loads(path.read_text())
        d = r["data"]
        lines += [
            f"## {r['label']} ({r['date']})",
            "",
            f"{d['requests_request']:,} requests ({d['open_requests']:,} open), {d['orders_hubreturn']:,} returns, "
            f"{d['orders_returnedhub']:,} returned hubs; database {d['db_size']}. {r['cpu_count']} cores; load "
            f"average before {r['load_average_before']}, after {r.get('load_average_after')}.",
            "",
            "| Measure | p50 ms | p95 ms | max ms | queries |",
            "|---|---:|---:|---:|---:|",
        ]
        for key, p in r["pages"].items():
            lines.append(f"| {p['what']} (`{key}`) | {p['p50']} | {p['p95']} | {p['max']} | {p['queries']} |")
        if r.get("missing"):
            lines += ["", "Not measured: " + "; ".join(r["missing"]) + "."]
        if r.get("import"):
            i = r["import"]
            lines += [
                "",
                f"CSV import of {i['rows']:,} return serials ({i['bytes'] / 1e6:.1f} MB): "
                + ", ".join(
                    f"validate {x['validate_s']} s + import {x['import_s']} s = {x['total_s']} s"
                    for x in i["runs"]
                )
                + f" (median {i['median_total_s']} s). Naive baseline (one query per serial, one INSERT per hub; "
                f"{i['naive_sample_rows']:,} rows scaled to {i['rows']:,}): validate {i['naive_validate_s_scaled']} s, "
                f"import {i['naive_import_s_scaled']} s.",
            ]
        lines.append("")
    notes = HERE / "results" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("written RESULTS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
