"""Export benchmark: the incident list exported to CSV and XLSX at 10,000 and 100,000 rows, to show that
memory stays constant (it does not grow with the rows) while time grows linearly.

What it does:

1. A fresh database: SQLite in a temporary directory (default), or the PostgreSQL database named by
   ``DATABASE_URL`` (it must be empty: the script migrates it and fills it).
2. The parties and a service made through the actions, then ``--rows`` incidents (default 10,000 and
   100,000) bulk-inserted with their kernel records and SLA due times. This bypasses the actions on
   purpose: it is a data loader for a benchmark, not a way to change state.
3. For each size, each format, in a fresh child process: the export exactly as the page builds it for the
   desk (``queries.visible_to(analyst)`` → ``incidents.lists.export_rows`` → ``lib.export.csv_lines`` /
   ``lib.export.write_xlsx``), the CSV consumed chunk by chunk and thrown away (as a client receives it),
   the XLSX written to an anonymous temporary file; after a 50-row warm-up, it reports the time and the
   growth of the process's peak resident memory (``ru_maxrss``) during the export, and with
   ``--tracemalloc`` the peak of Python allocations during the export (slower: times are then traced).

    .venv/bin/python bench/export/run.py                 # SQLite, 10k and 100k, prints a table
    .venv/bin/python bench/export/run.py --write          # ... and writes bench/export/RESULTS.md
    .venv/bin/python bench/export/run.py --tracemalloc --formats csv   # + tracemalloc peaks (slow)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_export_bench .venv/bin/python bench/export/run.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BATCH = 5000


def setup(data_dir: Path, *, migrate: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ["BUSBAR_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(24).hex())
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir / 'export-bench.sqlite3'}")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def world():
    """The desk analyst, a participant organisation and a service, made through the actions."""
    from busbar.lib.actions import Actor
    from busbar.parties import actions as party_actions
    from busbar.parties.models import IndustryRole, MembershipRole
    from busbar.services.models import Calendar, Service, SlaPolicy

    system = Actor.system()
    participant = party_actions.create_organisation(
        actor=system, name="Alpha Energy", roles=[IndustryRole.ENERGY_SUPPLIER]
    )
    operator = party_actions.create_organisation(
        actor=system,
        name="Switching Operator",
        roles=[IndustryRole.SWITCHING_OPERATOR, IndustryRole.SERVICE_DESK],
    )
    provider = party_actions.create_organisation(
        actor=system, name="CSS Provider", roles=[IndustryRole.CSS_PROVIDER]
    )
    analyst = party_actions.add_member(
        actor=system,
        organisation=operator,
        email="analyst@operator.example",
        full_name="Analyst",
        role=MembershipRole.ANALYST,
    ).user
    policy = SlaPolicy.objects.select_related("scheme").get(is_default=True)
    service = Service.objects.create(
        name="Central Switching Service",
        slug="css",
        provider=provider,
        calendar=Calendar.objects.get(name="24x7"),
        sla_policy=policy,
    )
    severities = list(policy.scheme.severities.all())
    return analyst, participant, provider, service, severities


def load(n: int, start: int, participant, provider, service, severities) -> None:
    """``n`` more incidents (references from ``start`` + 1), with their kernel records, in batches."""
    from django.db import transaction

    from busbar.incidents.models import Incident
    from busbar.records.models import Record

    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        numbers = range(start + done + 1, start + done + size + 1)
        with transaction.atomic():
            records = Record.objects.bulk_create(
                [
                    Record(
                        kind="incident",
                        reference=f"INC{k:07d}",
                        created_at=base + dt.timedelta(minutes=k),
                        response_due_at=base + dt.timedelta(minutes=k + 60),
                        resolution_due_at=base + dt.timedelta(minutes=k + 600),
                    )
                    for k in numbers
                ]
            )
            Incident.objects.bulk_create(
                [
                    Incident(
                        record=r,
                        reference=r.reference,
                        service=service,
                        severity=severities[k % len(severities)],
                        summary=f"Registration requests rejected with E{k % 97:04d} for {k % 50} MPANs",
                        description="Since 09:00 every request is rejected.",
                        organisation=participant,
                        provider=provider if k % 3 else None,
                        created_at=r.created_at,
                        updated_at=r.created_at,
                    )
                    for k, r in zip(numbers, records, strict=True)
                ]
            )
        done += size


def export_once(fmt: str, analyst, limit: int | None = None) -> int:
    """One export as the page builds it (of the first ``limit`` rows only, to warm up); the bytes produced."""
    from busbar.incidents import lists, queries
    from busbar.lib import export
    from busbar.parties.queries import scope_for

    qs = lists.export_rows(queries.visible_to(analyst).order_by("-created_at", "-id"))
    qs = qs[:limit] if limit else qs
    columns = lists.export_columns(scope_for(analyst))
    if fmt == "csv":
        return sum(len(chunk) for chunk in export.csv_lines(qs, columns))
    with tempfile.TemporaryFile(suffix=".xlsx") as spool:
        export.write_xlsx(qs, columns, spool, title="incidents")
        return spool.tell()


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(fmt: str, analyst_pk: int, traced: bool) -> None:
    """One export in this fresh process; prints its time and memory as JSON."""
    setup(Path(os.environ["BUSBAR_DATA_DIR"]), migrate=False)
    from busbar.accounts.models import User

    export_once(fmt, User.objects.get(pk=analyst_pk), limit=50)  # warm: code paths loaded, caches filled
    rss_before = _peak_rss_mib()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    size = export_once(fmt, User.objects.get(pk=analyst_pk))
    seconds = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    from django.db import connection

    print(
        json.dumps(
            {
                "format": fmt,
                "seconds": seconds,
                "rss_before_mib": rss_before,
                "rss_growth_mib": _peak_rss_mib() - rss_before,
                "traced_peak_mib": traced_peak,
                "bytes": size,
                "vendor": connection.vendor,
            }
        )
    )


def measure(fmt: str, analyst_pk: int, *, traced: bool) -> dict:
    """The export measured in a child process (a fresh process: its peak RSS is the export's)."""
    command = [sys.executable, __file__, "--child", fmt, str(analyst_pk)] + (
        ["--tracemalloc"] if traced else []
    )
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ.copy())
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"], choices=["csv", "xlsx"])
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also the peak of Python allocations (slow)"
    )
    parser.add_argument("--write", action="store_true", help="write bench/export/RESULTS.md")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "ANALYST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.tracemalloc)
        return
    if any(not 1 <= n <= 2_000_000 for n in args.rows):
        sys.exit("--rows: each between 1 and 2,000,000")
    with tempfile.TemporaryDirectory(prefix="busbar-export-bench-") as tmp:
        setup(Path(tmp))
        analyst, participant, provider, service, severities = world()
        results = []
        loaded = 0
        for n in sorted(args.rows):
            load(n - loaded, loaded, participant, provider, service, severities)
            loaded = n
            for fmt in args.formats:
                r = {"rows": n, **measure(fmt, analyst.pk, traced=args.tracemalloc)}
                results.append(r)
                traced = (
                    f", traced peak {r['traced_peak_mib']:6.2f} MiB"
                    if r["traced_peak_mib"] is not None
                    else ""
                )
                print(
                    f"{r['vendor']:>10} {n:>9,} rows {fmt:>4}: {r['seconds']:7.2f} s, "
                    f"RSS growth {r['rss_growth_mib']:6.2f} MiB (from {r['rss_before_mib']:.0f}){traced}, "
                    f"{r['bytes'] / 2**20:7.1f} MiB written",
                    flush=True,
                )
    table = [
        "| database | rows | format | time (s) | peak RSS growth (MiB) | tracemalloc peak (MiB) "
        "| file (MiB) |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        traced = f"{r['traced_peak_mib']:.2f}" if r["traced_peak_mib"] is not None else "–"
        table.append(
            f"| {r['vendor']} | {r['rows']:,} | {r['format']} | {r['seconds']:.2f} "
            f"| {r['rss_growth_mib']:.2f} | {traced} | {r['bytes'] / 2**20:.1f} |"
        )
    print("\n".join(table))
    if args.write:
        (HERE / "RESULTS.md").write_text(
            "# Export benchmark results\n\n"
            f"`bench/export/run.py {' '.join(sys.argv[1:])}` on {dt.datetime.now(dt.UTC):%Y-%m-%d}, "
            f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs (shared). "
            f"Times {'under tracemalloc' if args.tracemalloc else 'untraced'}. "
            "Method: the script's docstring.\n\n" + "\n".join(table) + "\n"
        )


if __name__ == "__main__":
    main()
