"""Time the glide-path report (and the whole progress report) on the benchmark programme in PostgreSQL.

Needs a database filled by ``bench/testing/load.py`` (programme ``bench``: 200 participants, 2,000
scenarios, 500,000 executions, 20,000 testing issues). Measures, after one warm-up, ``--repeats`` times
each:

* ``glide_path``: :func:`busbar.testing.figures.glide_path` for the whole phase (what the progress page's
  chart and ``GET /api/v1/testing/phases/{id}/glide-path`` compute): the SQL grouping by cell and by week,
  never loading executions into Python;
* ``glide_path_participant``: the same for one participant (``testing_exec_part_glide``);
* ``progress_report``: :func:`busbar.testing.figures.for_viewer` for the SI (progress per participant and
  cohort, glide path, first-time pass ratio, open issues by category and age, readiness);
* ``progress_page``: ``GET /testing/<programme>/<phase>/progress/`` as the SI, through the test client
  (template and SVG included).

Each prints p50, p95 and max in milliseconds and the number of SQL statements (the same at every size).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench_glide
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_glide_var
    .venv/bin/python bench/testing/glide.py [--repeats 20] [--explain]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(24).hex())
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()


def _timed(fn, repeats: int) -> tuple[list[float], int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    fn()  # warm-up
    times = []
    statements = 0
    for _ in range(repeats):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        statements = len(ctx.captured_queries)
    return times, statements


def _line(name: str, times: list[float], statements: int) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return (
        f"{name:<24} p50 {statistics.median(ordered):8.1f} ms   p95 {p95:8.1f} ms   max {ordered[-1]:8.1f} ms"
        f"   {statements} statements"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL's plan of the glide query")
    args = parser.parse_args()
    _setup()
    from django.db import connection
    from django.test import Client

    from busbar.testing import figures
    from busbar.testing.access import access_for
    from busbar.testing.models import Execution, Participation, Phase, ProgrammeFunction, ProgrammeParty

    phase = Phase.objects.select_related("programme").filter(programme__code="bench").order_by("id").first()
    if phase is None:
        sys.exit("No programme 'bench': fill the database with bench/testing/load.py first")
    executions = Execution.objects.filter(phase=phase).count()
    print(f"{connection.vendor}: phase {phase} with {executions:,} executions")
    parts = list(Participation.objects.filter(phase=phase).select_related("organisation", "role", "cohort"))
    si_org = ProgrammeParty.objects.filter(programme=phase.programme, function=ProgrammeFunction.SI).first()
    from busbar.parties.models import Membership

    member = Membership.objects.filter(organisation_id=si_org.organisation_id).select_related("user").first()
    si = member.user
    access = access_for(si)
    one = parts[0]

    rows = [
        ("glide_path", lambda: figures.glide_path(phase, parts)),
        ("glide_path_participant", lambda: figures.glide_path(phase, [one], whole_phase=False)),
        ("progress_report", lambda: figures.for_viewer(access, phase)),
    ]
    client = Client()
    client.force_login(si)
    url = f"/testing/{phase.programme.code}/{phase.code}/progress/"

    def page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    rows.append(("progress_page", page))
    from django.conf import settings
    from django.test import override_settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):  # no collectstatic needed
        for name, fn in rows:
            times, statements = _timed(fn, args.repeats)
            print(_line(name, times, statements))
    if args.explain and connection.vendor == "postgresql":
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            figures.glide_path(phase, parts)
        with connection.cursor() as cursor:
            for query in ctx.captured_queries:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n" + query["sql"][:300])
                print("\n".join(r[0] for r in cursor.fetchall()))


if __name__ == "__main__":
    main()
