"""Service level reporting benchmark (issue 14): on the incident benchmark's data set (bench/incidents),
build the KPI facts, then time, repeated and side by side with baselines computed straight from the
incidents without the facts:

* ``kpis_month``: all ten KPIs for one month, every provider and end to end (``engine.figures`` grouped by
  provider, plus the end-to-end figures) — target < 2 s;
  baselines: ``sql_month`` (one SQL GROUP BY over incidents joined to their records: wall-clock minutes,
  no pauses, no calendars, no service KPIs — the naive report a generic tool would run) and
  ``clocks_month`` (each incident of the month re-derived from its clock log and handovers with
  ``facts.compute``, timed on a sample and scaled to the month's incidents: what the pages would cost
  without precomputed facts);
* ``trend_page``: the 13-month trend page of a KPI (``/kpis/<code>/``) through Django's test client
  logged in as the demo operations manager — target < 1 s p95; baseline ``sql_trend`` (13 months of the
  naive GROUP BY);
* ``overview_page``: this month's KPI overview page (``/kpis/?month=``);
* ``report_pdf``: the monthly service report generated (``generate_report``) and its PDF rendered
  (``/service-reports/<id>/pdf/``) — target < 5 s.

Writes ``results/<label>.json``; ``--report`` writes ``RESULTS.md`` from every results file.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench14
    .venv/bin/python bench/reports/run.py --label 1M --facts rebuild
"""

from __future__ import annotations

import argparse
import datetime as dt
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
OPS = "opsmanager@operator.example"
TREND_KPIS = ("resolution_time", "resolved_in_sla", "availability")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarise(times: list[float], queries: int | None = None) -> dict:
    ms = [t * 1000 for t in times]
    out = {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 1),
        "p95": round(percentile(ms, 95), 1),
        "max": round(max(ms), 1),
        "mean": round(statistics.fmean(ms), 1),
    }
    if queries is not None:
        out["queries"] = queries
    return out


def count_queries(func) -> tuple[object, int]:
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        result = func()
    return result, count


def timed(func, repeat: int, warmup: int = 1) -> dict:
    for _ in range(warmup):
        func()
    _, queries = count_queries(func)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return summarise(times, queries)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from busbar.reports import monthly

    return monthly.bounds(month)


# Facts --------------------------------------------------------------------------------------------------


def build_facts(mode: str, months: list[dt.date], measured: dt.date) -> dict:
    """``rebuild``: ``busbar kpis rebuild`` (every incident); ``recent``: ``facts.refresh`` of the incidents
    raised or resolved in the measured months (what the pages read), in chunks; ``skip``: as they are."""
    from django.core.management import call_command

    from busbar.incidents.models import Incident
    from busbar.reports import facts
    from busbar.reports.models import IncidentFact

    t0 = time.perf_counter()
    if mode == "rebuild":
        call_command("kpis", "rebuild")
    elif mode in ("recent", "sample"):
        start, _ = month_bounds(months[0])
        # Raised in the range, or raised a little before it and resolved in it.
        ids = list(
            Incident.objects.filter(created_at__gte=start - dt.timedelta(days=45))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if mode == "sample":
            # Every incident raised in or near the measured month; one in ten of the other months'.
            a, b = month_bounds(measured)
            near = set(
                Incident.objects.filter(
                    created_at__gte=a - dt.timedelta(days=45), created_at__lt=b
                ).values_list("pk", flat=True)
            )
            ids = [pk for pk in ids if pk in near or pk % 10 == 0]
        for i in range(0, len(ids), 20_000):
            facts.refresh(ids[i : i + 20_000])
            done = min(i + 20_000, len(ids))
            print(f"  facts: {done:,} of {len(ids):,} ({time.perf_counter() - t0:.0f} s)")
    return {
        "mode": mode,
        "seconds": round(time.perf_counter() - t0, 1),
        "facts": IncidentFact.objects.count(),
    }


# Baselines ----------------------------------------------------------------------------------------------

NAIVE_SQL = """
SELECT i.provider_id, sv.code,
       COUNT(*) FILTER (WHERE i.created_at >= %(a)s AND i.created_at < %(b)s) AS raised,
       AVG(EXTRACT(EPOCH FROM i.responded_at - i.created_at) / 60)
           FILTER (WHERE i.created_at >= %(a)s AND i.created_at < %(b)s) AS response_minutes,
       COUNT(*) FILTER (WHERE i.resolved_at >= %(a)s AND i.resolved_at < %(b)s) AS resolved,
       AVG(EXTRACT(EPOCH FROM i.resolved_at - i.created_at) / 60)
           FILTER (WHERE i.resolved_at >= %(a)s AND i.resolved_at < %(b)s) AS resolution_minutes,
       COUNT(*) FILTER (WHERE i.resolved_at >= %(a)s AND i.resolved_at < %(b)s
                          AND NOT r.resolution_breached) AS resolved_in_sla,
       COUNT(*) FILTER (WHERE r.resolution_breached) AS escalations
FROM incidents_incident i
JOIN records_record r ON r.id = i.record_id
JOIN services_severity sv ON sv.id = i.severity_id
WHERE (i.created_at >= %(a)s AND i.created_at < %(b)s) OR (i.resolved_at >= %(a)s AND i.resolved_at < %(b)s)
GROUP BY GROUPING SETS ((i.provider_id, sv.code), ())
"""


def sql_month(month: dt.date) -> list:
    from django.db import connection

    a, b = month_bounds(month)
    with connection.cursor() as cursor:
        cursor.execute(NAIVE_SQL, {"a": a, "b": b})
        return cursor.fetchall()


def clocks_month(month: dt.date, sample: int) -> dict:
    """Each incident of the month re-derived from its clock log (``facts.compute``, not saved): a sample
    timed, scaled to the month's incidents."""
    from django.db.models import Q
    from django.utils import timezone

    from busbar.incidents.models import Incident
    from busbar.reports import facts

    a, b = month_bounds(month)
    month_q = Q(created_at__gte=a, created_at__lt=b) | Q(resolved_at__gte=a, resolved_at__lt=b)
    ids = list(Incident.objects.filter(month_q).order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // sample)
    chosen = ids[::step][:sample]
    now = timezone.now()
    t0 = time.perf_counter()
    for i in range(0, len(chosen), 2000):
        for incident in facts._incidents(chosen[i : i + 2000]):
            facts.compute(incident, now)
    took = time.perf_counter() - t0
    return {
        "incidents_in_month": len(ids),
        "sample": len(chosen),
        "sample_seconds": round(took, 2),
        "scaled_seconds": round(took / max(1, len(chosen)) * len(ids), 1),
    }


# Measurements -------------------------------------------------------------------------------------------


def save(results: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{results['label']}.json").write_text(json.dumps(results, indent=2, default=str))


def measure(args) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import NotSupportedError
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from busbar.incidents.models import Incident
    from busbar.lib.actions import Actor
    from busbar.parties.queries import scope_for
    from busbar.reports import engine, monthly
    from busbar.reports.actions import service_reports
    from busbar.reports.models import ServiceReport

    this_month = timezone.localdate().replace(day=1)
    month = monthly.add_months(this_month, -1)
    months = [monthly.add_months(this_month, -k) for k in range(12, -1, -1)]
    path = RESULTS / f"{args.label}.json"
    earlier = json.loads(path.read_text()) if args.only and path.exists() else {}
    results: dict = {
        "label": args.label,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": round(os.getloadavg()[0], 2),
        "incidents": Incident.objects.count(),
        "month": month.isoformat(),
        "timings": earlier.get("timings", {}),
    }
    if earlier.get("facts"):
        results["facts"] = earlier["facts"]
    only = set(args.only.split(",")) if args.only else {"kpis", "baselines", "pages", "report"}
    load = results["load_average_before"]
    print(f"{results['incidents']:,} incidents; month {month:%Y-%m}; load average {load}")
    if args.facts != "skip" or "facts" not in results:
        results["facts"] = build_facts(args.facts, months, month)
    print(f"facts: {results['facts']}")
    if args.check:
        call_command("kpis", "check")
    t = results["timings"]

    def ten_kpis() -> None:
        filters = engine.Filters(month, month)
        engine.figures(filters, group_by=("provider",))
        engine.figures(filters)

    if "kpis" in only:
        t["kpis_month"] = timed(ten_kpis, args.repeat)
        print(f"kpis_month {t['kpis_month']}")
        save(results)
    if "baselines" in only:
        t["sql_month"] = timed(lambda: sql_month(month), args.baseline_repeat, warmup=0)
        print(f"sql_month {t['sql_month']}")
        save(results)
        t["clocks_month"] = clocks_month(month, args.sample)
        print(f"clocks_month {t['clocks_month']}")
        save(results)

        def sql_trend() -> None:
            for m in months:
                sql_month(m)

        t["sql_trend"] = timed(sql_trend, max(1, args.baseline_repeat // 3), warmup=0)
        print(f"sql_trend {t['sql_trend']}")
        save(results)

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("collectstatic", interactive=False, verbosity=0)
    ops = get_user_model().objects.get(email=OPS)
    client = Client()
    client.force_login(ops)

    def page(url: str):
        def get() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")

        return get

    if "pages" in only:
        for code in TREND_KPIS:
            url = reverse("kpi_detail", args=[code])
            t[f"trend_page:{code}"] = timed(page(url), args.repeat)
            print(f"trend_page {code} {t[f'trend_page:{code}']}")
            save(results)
        url = reverse("kpi_overview") + f"?month={this_month:%Y-%m}"
        t["overview_page"] = timed(page(url), args.repeat)
        print(f"overview_page {t['overview_page']}")
        save(results)

    if "report" in only:
        actor = Actor(user=ops, organisation=scope_for(ops).primary_organisation, channel="web")
        t0 = time.perf_counter()
        try:
            report = service_reports.generate_report(actor=actor, month=month)
        except NotSupportedError as exc:
            # generate_report's SELECT … FOR UPDATE meets the report's default ordering (a LEFT JOIN to the
            # provider) on PostgreSQL; until the action is fixed, the same snapshot is made without it.
            results["report_generate_note"] = f"generate_report failed on PostgreSQL ({exc}); built directly"
            t0 = time.perf_counter()
            content = monthly.build(month, None)
            report, _ = ServiceReport.objects.update_or_create(
                month=month, provider=None, defaults={"content": content}
            )
        t["report_generate"] = summarise([time.perf_counter() - t0])
        print(f"report_generate {t['report_generate']}")
        save(results)
        pdf_url = reverse("service_report_pdf", args=[report.pk])
        t["report_pdf"] = timed(page(pdf_url), max(3, args.repeat // 4))
        print(f"report_pdf {t['report_pdf']}")
        save(results)
    results["load_average_after"] = round(os.getloadavg()[0], 2)
    return results


# Report -------------------------------------------------------------------------------------------------

ROWS = [
    ("kpis_month", "All ten KPIs, one month, every provider + end to end (facts)", "< 2 s"),
    ("sql_month", "Baseline: naive SQL GROUP BY over incidents ⨝ records, one month", ""),
    ("trend_page:resolution_time", "13-month trend page /kpis/resolution_time/", "< 1 s p95"),
    ("trend_page:resolved_in_sla", "13-month trend page /kpis/resolved_in_sla/", "< 1 s p95"),
    ("trend_page:availability", "13-month trend page /kpis/availability/", "< 1 s p95"),
    ("sql_trend", "Baseline: naive SQL GROUP BY × 13 months", ""),
    ("overview_page", "This month's KPI overview page /kpis/", ""),
    ("report_generate", "Monthly service report generated (snapshot)", ""),
    ("report_pdf", "Monthly service report PDF /service-reports/<id>/pdf/", "< 5 s"),
]


def report() -> str:
    lines = ["# Service level reporting benchmark: results", ""]
    for path in sorted(RESULTS.glob("*.json")):
        r = json.loads(path.read_text())
        t = r["timings"]
        lines += [
            f"## {r['label']} ({r['incidents']:,} incidents), {r['date']}",
            "",
            f"Machine: {r['machine']}; load average {r['load_average_before']} before, "
            f"{r.get('load_average_after', '?')} after. Month measured: {r['month'][:7]}. Facts: "
            f"{r['facts']['mode']} ({r['facts']['facts']:,} incident facts, {r['facts']['seconds']} s).",
            "",
            "| Measure | target | p50 ms | p95 ms | max ms | queries |",
            "|---|---|---|---|---|---|",
        ]
        for key, label, target in ROWS:
            if key in t:
                s = t[key]
                lines.append(
                    f"| {label} | {target} | {s['p50']} | {s['p95']} | {s['max']} | {s.get('queries', '')} |"
                )
        c = t.get("clocks_month")
        if c:
            lines += [
                "",
                f"Baseline without facts (each incident re-derived from its clock log, ``facts.compute``): "
                f"{c['incidents_in_month']:,} incidents in the month; a sample of {c['sample']:,} took "
                f"{c['sample_seconds']} s, so the month would take about **{c['scaled_seconds']} s** "
                "per page view.",
            ]
        for note in (r["facts"].get("note"), r.get("report_generate_note")):
            if note:
                lines += ["", f"Note: {note}."]
        lines.append("")
    notes = HERE / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline-repeat", type=int, default=5, help="timed runs of the SQL baselines")
    parser.add_argument("--sample", type=int, default=2000, help="incidents re-derived for clocks_month")
    parser.add_argument("--facts", choices=["rebuild", "recent", "sample", "skip"], default="rebuild")
    parser.add_argument(
        "--only", help="comma-separated: kpis,baselines,pages,report (merged into the label's results)"
    )
    parser.add_argument("--check", action="store_true", help="run `busbar kpis check` after the facts")
    parser.add_argument("--report", action="store_true", help="write RESULTS.md from results/*.json")
    args = parser.parse_args(argv)
    if args.report:
        text = report()
        (HERE / "RESULTS.md").write_text(text)
        print(text)
        return 0
    if not args.label:
        parser.error("--label is required (e.g. --label 1M)")
    sys.path.insert(0, str(HERE.parent / "incidents"))
    from world import setup_django

    setup_django()
    save(measure(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
