"""Load N incidents with a realistic history into PostgreSQL, for the incident benchmark (bench/incidents).

THIS IS A BULK DATA LOADER FOR A BENCHMARK. It deliberately bypasses busbar/incidents/actions.py: the rows
(incidents, clock logs, updates, audit journal entries, SLA notices, major-incident records) are generated
in Python (history.py, world.py) and written with PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy``) in
batches, because playing a million histories through the actions would take days. Never point it at a
database you care about.

What it makes (defaults; see ``--help``):

* the parties, people and service catalogue of the demo (``busbar.core.demo.load_demo()``; the loader runs
  it, without the demo's own incidents, when the demo analyst is missing);
* ``--n`` incidents (default 1,000,000) over ~3 years, ids in creation order, weekday and office-hours
  heavy, registration services busiest; severities by rank 0.5 % / 6 % / 58 % / 35.5 % (a fifth rank, as
  in the demo's SEC scheme for DCC DSP, 10 % before normalising);
* ~2.5 % open (``--open-share``) across new / assigned / in progress / pending participant (paused) /
  pending provider, aged against each severity's target so that some are breached and some are
  "breaching soon"; the rest cancelled (~3 %), resolved awaiting closure (the recent ones) or closed;
  2 % reopened once, 5 % re-graded at triage;
* per assigned incident one handover row (``incidents_handover``: to the service's provider when the desk
  responded, as ``assign_incident`` writes it; the service reports attribute time from it);
* per incident: its clock log (start, responded, pauses and resumes, resolved, restart, severity), 1-4
  updates (public or internal), about five audit journal entries (raise, triage, assign, pending,
  resolve, close or cancel, reopen, one per SLA notice), no attachments; an SLA notice for every warning
  or breach crossed (breaches escalated to the operations manager, as the scan does); a major-incident
  record (with its journal entry) for every incident of a major severity.

SLA cache columns (the shortcut, documented as the brief asks): ``busbar.incidents.sla.refresh_cache``
needs a query per incident, too slow for a million rows. Instead the loader evaluates each clock in
process, as at the load instant, from the very clock log it writes: for minutes/hours targets on a 24x7
calendar without closures (severities 1-3 of the REC default policy) by plain arithmetic, exactly as the
engine does on such a calendar (elapsed = running spans; due = now + target - elapsed; crossings walk the
spans); for any other target (severity 4's working days on the Mon-Fri calendar) by calling the engine's
pure function ``busbar.lib.slaclock.compute_clock`` with the policy's calendar. Every warning or breach
already crossed counts as raised by the scan (an SlaNotice row, the ``sla_notified`` bit, an audit
entry); ``sla_next_check_at`` is the next warning or breach still to come, as ``refresh_cache`` sets it.
So the columns are those ``refresh_cache(incident, now=<load instant>)`` would write; ``--verify K``
(default 300) re-derives K random incidents with the real ``refresh_cache`` and ``clocks_for`` from the
database and fails loudly on any difference.

Speed: secondary indexes of the bulk tables are dropped for the load and rebuilt afterwards (their exact
definitions are saved and always restored, also on failure); foreign keys stay checked; generation runs
in the main thread while a writer thread streams the previous batch into ``COPY``; then ``VACUUM
ANALYZE``. The loader reports its own timing.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench
    .venv/bin/python bench/incidents/load.py --n 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import queue
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from history import COLUMNS, EPOCH, TABLES, Batch, Generator, plan
from world import World, ensure_world, setup_django

# Database ----------------------------------------------------------------------------------------------


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of the bulk tables that back no constraint (safe to rebuild)."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname = ANY(%s) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [TABLES],
    )
    return list(cursor.fetchall())


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def writer(q: queue.Queue, errors: list, totals: dict) -> None:
    """Stream each batch into COPY, one transaction per batch (runs in its own thread and connection)."""
    from django.db import connection, transaction

    try:
        while True:
            batch = q.get()
            if batch is None:
                return
            with transaction.atomic(), connection.cursor() as cursor:
                for table in TABLES:
                    lines = batch.rows[table]
                    if not lines:
                        continue
                    cols = ", ".join(COLUMNS[table])
                    with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for i in range(0, len(lines), 5000):
                            copy.write("\n".join(lines[i : i + 5000]) + "\n")
                    totals[table] = totals.get(table, 0) + len(lines)
    except BaseException as exc:
        errors.append(exc)
        while q.get() is not None:  # drain so the producer never blocks
            pass
    finally:
        connection.close()


def verify(world: World, now: int, k: int, rng: random.Random, first_id: int, last_id: int, out) -> None:
    """Re-derive ``k`` random loaded incidents with the real engine glue, from the database."""
    from busbar.incidents import sla
    from busbar.incidents.models import Incident

    if k <= 0 or last_id < first_id:
        return
    ids = [rng.randint(first_id, last_id) for _ in range(k)]
    # Make sure the interesting ones are covered too: some open, paused and breached.
    ids += list(
        Incident.objects.filter(pk__gte=first_id, status__in=["new", "pending_participant", "in_progress"])
        .order_by("?")
        .values_list("pk", flat=True)[: max(10, k // 3)]
    )
    when = EPOCH + dt.timedelta(seconds=now)
    bad = 0
    for incident in sla.with_clock_data(Incident.objects.filter(pk__in=ids)):
        before = {
            f: getattr(incident.record, f)
            for f in (
                "response_due_at",
                "resolution_due_at",
                "response_breached",
                "resolution_breached",
                "sla_paused",
                "sla_next_check_at",
            )
        }
        changed = sla.refresh_cache(incident, when)
        if changed:
            bad += 1
            if bad <= 5:
                out.write(
                    f"  MISMATCH {incident.reference}: {changed} loaded {before} vs engine "
                    f"{ {f: getattr(incident.record, f) for f in changed} }\n"
                )
    checked = len(set(ids))
    if bad:
        raise SystemExit(f"verify: {bad} of {checked} incidents differ from sla.refresh_cache")
    out.write(f"verify: {checked} incidents re-derived with sla.refresh_cache: SLA cache identical\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="incidents to load (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=20_000, help="incidents per COPY transaction")
    parser.add_argument("--open-share", type=float, default=0.025, help="share of open incidents (0.025)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--verify", type=int, default=300, help="incidents to re-check with refresh_cache")
    parser.add_argument("--keep-indexes", action="store_true", help="load with every index in place (slower)")
    args = parser.parse_args(argv)
    out = sys.stdout
    setup_django()
    from django.db import connection

    from busbar.incidents import search as incident_search

    t_start = time.perf_counter()
    world = ensure_world(out)
    rng = random.Random(args.seed)
    now = int(time.time())
    with connection.cursor() as cursor:
        # Each incident's kernel record gets its id and the reference INC<id>: start past all three.
        cursor.execute("SELECT COALESCE(MAX(last), 0) + 1 FROM records_sequence WHERE prefix = 'INC'")
        after_sequence = cursor.fetchone()[0]
        first_id = max(
            next_id(cursor, "incidents_incident"), next_id(cursor, "records_record"), after_sequence
        )
        first_major = next_id(cursor, "incidents_majorincident")
        first_notice = next_id(cursor, "records_slanotice")
    gen = Generator(world, now, rng, first_major, first_notice)
    t0 = time.perf_counter()
    planned = plan(args.n, args.open_share, now, rng, world)
    out.write(
        f"planned {args.n:,} incidents in {time.perf_counter() - t0:.1f} s "
        f"({len(world.services)} services, {len(world.participants)} participant organisations)\n"
    )

    dropped: list[tuple[str, str]] = []
    saved = None
    if not args.keep_indexes:
        with connection.cursor() as cursor:
            dropped = secondary_indexes(cursor)
            # A file of this load's own (two loads at once, or a stale file, never mix definitions).
            handle, name = tempfile.mkstemp(prefix="busbar_bench_dropped_indexes_", suffix=".sql")
            os.close(handle)
            saved = Path(name)
            saved.write_text("".join(f"{d};\n" for _n, d in dropped))
            for name, _d in dropped:
                cursor.execute(f"DROP INDEX {name}")
        out.write(f"dropped {len(dropped)} secondary indexes for the load (definitions saved in {saved})\n")

    q: queue.Queue = queue.Queue(maxsize=2)
    errors: list = []
    totals: dict[str, int] = {}
    thread = threading.Thread(target=writer, args=(q, errors, totals), daemon=True)
    thread.start()
    t_load = time.perf_counter()
    try:
        batch = Batch()
        for i, (created, svc, severity, open_status) in enumerate(planned):
            gen.incident(batch, first_id + i, created, svc, severity, open_status)
            if batch.incidents >= args.batch:
                q.put(batch)
                batch = Batch()
                if errors:
                    break
                if (i + 1) % (args.batch * 10) == 0:
                    el = time.perf_counter() - t_load
                    out.write(f"  {i + 1:>9,} incidents generated  {el:6.0f} s  ({(i + 1) / el:,.0f}/s)\n")
                    out.flush()
        if batch.incidents and not errors:
            q.put(batch)
        q.put(None)
        thread.join()
        if errors:
            raise errors[0]
        t_copied = time.perf_counter()
        out.write(
            f"generated and copied in {t_copied - t_load:.0f} s: "
            + ", ".join(f"{t} {c:,}" for t, c in totals.items())
            + "\n"
        )
    finally:
        if dropped:
            t_ix = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '1GB'")
                for _name, definition in dropped:
                    cursor.execute(definition)
            out.write(f"rebuilt {len(dropped)} indexes in {time.perf_counter() - t_ix:.0f} s\n")
            if saved:
                saved.unlink(missing_ok=True)

    t_text = time.perf_counter()
    incident_search.index_all()  # the search documents, as the actions keep them (one statement)
    out.write(f"indexed the incidents' text for search in {time.perf_counter() - t_text:.0f} s\n")
    with connection.cursor() as cursor:
        for table in ("records_record", "incidents_incident", "incidents_majorincident", "records_slanotice"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        # New incidents number on after the loaded ones.
        cursor.execute(
            "INSERT INTO records_sequence (prefix, last) VALUES ('INC', %s) "
            "ON CONFLICT (prefix) DO UPDATE SET last = GREATEST(records_sequence.last, excluded.last)",
            [first_id + args.n - 1],
        )
    t_vac = time.perf_counter()
    connection.close()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    out.write(f"VACUUM ANALYZE in {time.perf_counter() - t_vac:.0f} s\n")
    verify(world, now, args.verify, random.Random(args.seed + 1), first_id, first_id + args.n - 1, out)
    total = time.perf_counter() - t_start
    s = gen.stats
    out.write(
        f"\nLoaded {args.n:,} incidents in {total:.0f} s ({total / 60:.1f} min): {s['open']:,} open "
        f"({s['paused']:,} paused, {s['breached_open']:,} breached), {s['majors']:,} major, "
        f"{s['notices']:,} SLA notices\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
