"""EXPLAIN ANALYZE every SQL query one page makes, slowest first (a diagnostic for the benchmark).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench
    .venv/bin/python bench/incidents/explain.py "/api/v1/incidents?limit=50" [--top 3] [--plans]

Requests the page once as the demo analyst (as run.py does), captures its queries, then runs each again
under ``EXPLAIN (ANALYZE, BUFFERS)`` and prints the execution times (and, with ``--plans``, the plans of the
slowest). Read-only: only SELECT statements are explained.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="the page, e.g. /incidents/ or /api/v1/incidents?limit=50")
    parser.add_argument("--top", type=int, default=3, help="plans shown for the slowest N queries")
    parser.add_argument("--plans", action="store_true", help="print the plans of the slowest queries")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from load import setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    client.force_login(get_user_model().objects.get(email="analyst@operator.example"))
    client.get(args.path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(args.path)
    print(f"{args.path}: HTTP {response.status_code}, {len(ctx.captured_queries)} queries")
    timed = []
    with connection.cursor() as cursor:
        for i, q in enumerate(ctx.captured_queries):
            sql = q["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
            planning = float(re.search(r"Planning Time: ([\d.]+) ms", plan).group(1))
            timed.append((ms, i, sql, plan, planning))
    for ms, i, sql, _plan, planning in sorted(timed, reverse=True):
        print(f"  #{i:<3} {ms:9.2f} ms (planning {planning:6.2f} ms)  {sql[:150]}")
    if args.plans:
        for ms, i, sql, plan, _planning in sorted(timed, reverse=True)[: args.top]:
            print(f"\n#{i} ({ms:.2f} ms)\n{sql}\n{plan}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
