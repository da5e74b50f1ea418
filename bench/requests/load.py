# ruff: noqa: E501
"""Load the requests benchmark into PostgreSQL: 500,000 service requests (with their kernel records,
approvals and tasks) over two years, and 40,000 hub returns holding 2,000,000 returned hub serials.

THIS IS A BULK DATA LOADER FOR A BENCHMARK. It bypasses the requests and orders actions on purpose: the
set-up (organisations, people, services, defaults, the catalogue) is written by ``world.py`` through the
parties and catalogue actions and the ORM; the bulk rows are generated in Python and written with
PostgreSQL ``COPY`` (recording half a million requests through ``raise_request`` would take hours).
Never point it at a database you care about.

What the bulk rows are:

* **requests** (``--requests``, 500,000) over the last 730 days, growing 40 % over the period, working
  hours mostly; the demo catalogue's request items weighted like a desk's mix (information and advice
  20 %, new users 15 %, password resets 12 %, data extracts 10 %, DIP queries 9 %, MFA resets 8 %,
  connections 8 %, test data 8 %, role changes and removals 5 % each); from the 37 supplier and agent
  organisations (the demo's seven and 30 bench suppliers; Brightwater, the measured supplier, about 1/37),
  raised by their members (access items by the administrator where the organisation has one). Status by
  age: in the last three weeks mostly open (awaiting approval, in fulfilment, waiting on the requester),
  older ones closed (85 %), fulfilled, rejected, cancelled, and a tail of 1.5 % still open; about 17,000
  open in all. Each on a kernel record ``REQ0000001``… with its SLA cache (response due a working day
  after, fulfilment due five days after; breached flags where the due time has passed open, and 8 % of
  finished ones late); the ``records_sequence`` row for REQ advanced.
* **approvals and tasks** copied from the item's steps and templates, in states that match the request's
  (the first approval pending while awaiting approval, all approved once in fulfilment, the deciding one
  rejected for a rejected request; tasks waiting / open / done / cancelled).
* **returns** (``--returns``, 40,000) over 730 days from the 35 energy suppliers, 5–400 hubs each
  (about 50 on average, exactly ``--hubs`` in all), realistic EUI-64 serials (``00-1B-C5-0C-…``) in runs,
  variants (SMETS2 mostly, 4G increasingly), fault codes. Status by age: the last 10 days requested,
  then collected, received, tested; older credited (85 %), rejected (9 %), cancelled (6 %); hub outcomes
  match (credited returns have 0–10 % rejected hubs, cancelled ones withdrawn, open ones pending) and
  the counts on the return are the hubs'. On kernel records ``RTN0000001``….

Speed: secondary indexes of the bulk tables are dropped for the load and rebuilt afterwards; then
``VACUUM ANALYZE``.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench15
    .venv/bin/busbar migrate
    .venv/bin/python bench/requests/load.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from world import SUPPLIER_SLUG, build, setup_django

TABLES = [
    "records_record",
    "requests_request",
    "requests_requestapproval",
    "requests_requesttask",
    "orders_hubreturn",
    "orders_returnedhub",
]
COLUMNS = {
    "records_record": "id, kind, reference, created_at, response_due_at, resolution_due_at, response_breached, "
    "resolution_breached, sla_paused, sla_next_check_at, sla_notified",
    "requests_request": "id, record_id, reference, item_id, summary, organisation_id, requester_id, answers, "
    "status, priority, channel, fulfilment_note, created_at, updated_at, fulfilled_at, closed_at",
    "requests_requestapproval": 'id, request_id, "order", approver, organisation_id, status, decided_by_id, '
    "decided_at, reason",
    "requests_requesttask": 'id, request_id, "order", title, description, organisation_id, assigned_to_id, '
    "status, note, opened_at, completed_by_id, completed_at",
    "orders_hubreturn": "id, record_id, reference, supplier_id, raised_by_id, status, collection_address, "
    "postcode, collection_date, contact, hub_count, credited_count, rejected_count, created_at, updated_at, "
    "collected_at, received_at, tested_at, closed_at",
    "orders_returnedhub": "id, hub_return_id, supplier_id, serial, variant_id, fault_id, fault_note, outcome, "
    "outcome_reason, line",
}
ITEM_WEIGHTS = {
    "information-request": 20,
    "new-portal-user": 15,
    "password-reset": 12,
    "data-extract": 10,
    "dip-onboarding-query": 9,
    "reset-mfa": 8,
    "switching-network-connection": 8,
    "test-data-stub": 8,
    "change-user-role": 5,
    "remove-user": 5,
}
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
N = r"\N"


def esc(value) -> str:
    if value is None:
        return N
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    s = str(value)
    if any(c in s for c in "\\\t\n\r"):
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def row(*values) -> str:
    return "\t".join(esc(v) for v in values)


def serial(n: int, prefix: str = "00-1B-C5-0C") -> str:
    h = f"{n:08X}"
    return f"{prefix}-{h[0:2]}-{h[2:4]}-{h[4:6]}-{h[6:8]}"


class Writer:
    """Rows of one table, COPYed in chunks as they come (constant memory)."""

    def __init__(self, cursor, table: str) -> None:
        self.cursor, self.table, self.buf, self.count = cursor, table, [], 0

    def add(self, line: str) -> None:
        self.buf.append(line)
        if len(self.buf) >= 20000:
            self.flush()

    def flush(self) -> None:
        if not self.buf:
            return
        with self.cursor.copy(f"COPY {self.table} ({COLUMNS[self.table]}) FROM STDIN") as copy:
            copy.write("\n".join(self.buf) + "\n")
        self.count += len(self.buf)
        self.buf = []


def moment(rng: random.Random, now: dt.datetime, days: int) -> dt.datetime:
    """A time in the last ``days`` days, more recent ones likelier (40 % growth), in working hours mostly."""
    while True:
        x = rng.random()
        # density rising linearly from 1 to 1.4 across the period
        age = days * (1 - x**0.85)
        at = now - dt.timedelta(days=age)
        if at.weekday() < 5 and 7 <= at.hour < 18 or rng.random() < 0.12:
            return at


def request_rows(cursor, w: dict, rng: random.Random, now: dt.datetime, count: int, out) -> dict:
    records = Writer(cursor, "records_record")
    reqs = Writer(cursor, "requests_request")
    approvals = Writer(cursor, "requests_requestapproval")
    tasks = Writer(cursor, "requests_requesttask")
    cursor.execute("SELECT COALESCE(MAX(last), 0) FROM records_sequence WHERE prefix = 'REQ'")
    number = cursor.fetchone()[0]
    rec_id = next_id(cursor, "records_record")
    req_id = next_id(cursor, "requests_request")
    appr_id = next_id(cursor, "requests_requestapproval")
    task_id = next_id(cursor, "requests_requesttask")
    items = {i["slug"]: i for i in w["items"]}
    slugs = [s for s in ITEM_WEIGHTS if s in items]
    weights = [ITEM_WEIGHTS[s] for s in slugs]
    orgs = [pk for pk, _slug in w["suppliers"] if w["members"].get(pk)]
    times = sorted(moment(rng, now, 730) for _ in range(count))
    stats: dict[str, int] = {}
    for created in times:
        item = items[rng.choices(slugs, weights)[0]]
        if item["access"] and rng.random() < 0.7:
            candidates = [o for o in orgs if o in w["admins"]] or orgs
            org = rng.choice(candidates)
        else:
            org = rng.choice(orgs)
        requester = w["admins"].get(org) if item["access"] else None
        requester = requester or rng.choice(w["members"][org])
        age = (now - created).total_seconds() / 86400
        if age < 21 and rng.random() < (0.9 if age < 5 else 0.45):
            status = rng.choices(["awaiting_approval", "in_fulfilment", "waiting_on_requester"], [3, 5, 2])[0]
        elif rng.random() < 0.015:
            status = rng.choices(["awaiting_approval", "in_fulfilment", "waiting_on_requester"], [2, 6, 2])[0]
        else:
            status = rng.choices(["closed", "fulfilled", "rejected", "cancelled"], [85, 5, 5, 5])[0]
        if status == "awaiting_approval" and not item["approvals"]:
            status = "in_fulfilment"
        if status == "rejected" and not item["approvals"]:
            status = "cancelled"
        stats[status] = stats.get(status, 0) + 1
        number += 1
        reference = f"REQ{number:07d}"
        response_due = created + DAY
        resolution_due = created + 5 * DAY
        is_open = status in ("awaiting_approval", "in_fulfilment", "waiting_on_requester")
        done_at = created + dt.timedelta(hours=rng.uniform(1, 24 * 9))
        if done_at > now:
            done_at = now - dt.timedelta(minutes=5)
        response_breached = resolution_breached = False
        if is_open:
            response_breached = response_due < now and rng.random() < 0.3
            resolution_breached = resolution_due < now and status != "waiting_on_requester"
        elif done_at > resolution_due:
            resolution_breached = True
        paused = status == "waiting_on_requester"
        records.add(
            row(
                rec_id,
                "request",
                reference,
                created,
                response_due,
                None if paused else resolution_due,
                response_breached,
                resolution_breached,
                paused,
                resolution_due if is_open and not paused and not resolution_breached else None,
                0,
            )
        )
        fulfilled_at = done_at if status in ("fulfilled", "closed") else None
        closed_at = done_at + 2 * DAY if status == "closed" else None
        if closed_at and closed_at > now:
            closed_at = now - dt.timedelta(minutes=1)
        updated = closed_at or fulfilled_at or (done_at if not is_open else created + HOUR)
        summary = f"{item['summary']}: {rng.choice(['', 'urgent, ', 'follow-up, '])}{reference[-5:]}"
        reqs.add(
            row(
                req_id,
                rec_id,
                reference,
                item["id"],
                summary,
                org,
                requester,
                "{}",
                status,
                item["priority"],
                rng.choices(["portal", "api", "email"], [80, 12, 8])[0],
                "",
                created,
                min(updated, now),
                fulfilled_at,
                closed_at,
            )
        )
        steps = item["approvals"]
        for n, (approver, step_org) in enumerate(steps):
            step_org = org if approver == "org_admin" else step_org
            if status == "awaiting_approval":
                a_status = "pending" if n == 0 else "waiting"
            elif status == "rejected":
                a_status = "rejected" if n == len(steps) - 1 else "approved"
            elif status == "cancelled" and n == 0 or status == "cancelled":
                a_status = "withdrawn"
            else:
                a_status = "approved"
            decided = a_status in ("approved", "rejected")
            approvals.add(
                row(
                    appr_id,
                    req_id,
                    n,
                    approver,
                    step_org,
                    a_status,
                    (w["admins"].get(org) or w["ops_user"])
                    if decided and approver == "org_admin"
                    else (w["ops_user"] if decided else None),
                    created + (n + 1) * HOUR if decided else None,
                    "Not enough detail to approve" if a_status == "rejected" else "",
                )
            )
            appr_id += 1
        for n, (title, task_org) in enumerate(item["tasks"]):
            if status in ("fulfilled", "closed"):
                t_status = "done"
            elif status in ("cancelled", "rejected"):
                t_status = "cancelled"
            elif status == "awaiting_approval":
                t_status = "waiting"
            else:
                t_status = "open" if n == 0 else "waiting"
            tasks.add(
                row(
                    task_id,
                    req_id,
                    n,
                    title,
                    "",
                    task_org,
                    w["desk_user"]
                    if t_status in ("open", "done") and task_org == w["operator"] and rng.random() < 0.7
                    else None,
                    t_status,
                    "Done." if t_status == "done" else "",
                    created + 2 * HOUR if t_status in ("open", "done") else None,
                    w["desk_user"] if t_status == "done" and task_org == w["operator"] else None,
                    done_at if t_status == "done" else None,
                )
            )
            task_id += 1
        rec_id += 1
        req_id += 1
    for writer in (records, reqs, approvals, tasks):
        writer.flush()
    cursor.execute(
        "INSERT INTO records_sequence (prefix, last) VALUES ('REQ', %s) "
        "ON CONFLICT (prefix) DO UPDATE SET last = GREATEST(records_sequence.last, excluded.last)",
        [number],
    )
    out.write(
        f"  requests {reqs.count:,}, approvals {approvals.count:,}, tasks {tasks.count:,}: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items()))
        + "\n"
    )
    return stats


ADDRESSES = [
    ("Unit 4, Riverside Trading Estate, Leeds", "LS11 5DL"),
    ("Bay 12, Meter Returns, Kingsway Park, Rochdale", "OL16 4NW"),
    ("Brightwater Depot, Harbour Road, Bristol", "BS1 6WS"),
    ("Warehouse C, Pennine Way, Wakefield", "WF2 0XR"),
    ("Field Operations, 1 Station Approach, Reading", "RG1 1LZ"),
]


def hub_counts(rng: random.Random, returns: int, hubs: int) -> list[int]:
    """``returns`` sizes between 5 and 400 (skewed: many small, some pallets) summing to exactly ``hubs``."""
    raw = [min(400, max(5, int(rng.lognormvariate(3.5, 0.8)))) for _ in range(returns)]
    scale = hubs / sum(raw)
    sizes = [min(400, max(5, round(x * scale))) for x in raw]
    diff = hubs - sum(sizes)
    i = 0
    while diff:
        step = 1 if diff > 0 else -1
        j = i % returns
        if 5 <= sizes[j] + step <= 400:
            sizes[j] += step
            diff -= step
        i += 1
    return sizes


def return_rows(cursor, w: dict, rng: random.Random, now: dt.datetime, count: int, hubs: int, out) -> None:
    records = Writer(cursor, "records_record")
    rets = Writer(cursor, "orders_hubreturn")
    rhubs = Writer(cursor, "orders_returnedhub")
    cursor.execute("SELECT COALESCE(MAX(last), 0) FROM records_sequence WHERE prefix = 'RTN'")
    number = cursor.fetchone()[0]
    rec_id = next_id(cursor, "records_record")
    ret_id = next_id(cursor, "orders_hubreturn")
    hub_id = next_id(cursor, "orders_returnedhub")
    suppliers = [o for o in w["energy_suppliers"] if w["members"].get(o)]
    variants = w["variants"]
    s2 = [v[0] for v in variants if v[2] == "smets2"]
    g4 = [v[0] for v in variants if v[2] == "4g"]
    faults = w["faults"]
    sizes = hub_counts(rng, count, hubs)
    times = sorted(moment(rng, now, 730) for _ in range(count))
    next_serial = 0x10000
    stats: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for created, size in zip(times, sizes, strict=True):
        supplier = rng.choice(suppliers)
        raiser = rng.choice(w["members"][supplier])
        age = (now - created).total_seconds() / 86400
        if age < 3:
            status = "requested"
        elif age < 6:
            status = rng.choice(["requested", "collected"])
        elif age < 10:
            status = rng.choice(["collected", "received"])
        elif age < 20 and rng.random() < 0.5:
            status = rng.choice(["received", "tested"])
        else:
            status = rng.choices(["credited", "rejected", "cancelled"], [85, 9, 6])[0]
        stats[status] = stats.get(status, 0) + 1
        number += 1
        reference = f"RTN{number:07d}"
        collected = (
            created + dt.timedelta(days=rng.uniform(1, 4))
            if status not in ("requested", "cancelled")
            else None
        )
        received = (
            collected + dt.timedelta(days=rng.uniform(1, 3)) if collected and status != "collected" else None
        )
        tested = (
            received + dt.timedelta(days=rng.uniform(1, 8)) if received and status != "received" else None
        )
        closed = (
            tested + dt.timedelta(days=rng.uniform(0, 3))
            if tested and status in ("credited", "rejected")
            else None
        )
        if status == "cancelled":
            closed = created + dt.timedelta(days=rng.uniform(0.1, 2))
        stamps = [
            min(t, now - dt.timedelta(minutes=1)) if t else None
            for t in (collected, received, tested, closed)
        ]
        collected, received, tested, closed = stamps
        is_open = status in ("requested", "collected", "received", "tested")
        response_due, resolution_due = created + 7 * DAY, created + 42 * DAY
        records.add(
            row(
                rec_id,
                "hub_return",
                reference,
                created,
                response_due,
                resolution_due,
                (collected or now) > response_due and status != "cancelled",
                (closed or now) > resolution_due and status != "cancelled",
                False,
                resolution_due if is_open else None,
                0,
            )
        )
        share_4g = min(0.6, max(0.05, 0.6 * (1 - age / 730)))
        pool = g4 if rng.random() < share_4g else s2
        variant = rng.choice(pool)
        fault = rng.choice(faults)
        credited = rejected = 0
        start = next_serial
        for line in range(1, size + 1):
            if status == "cancelled":
                outcome = "withdrawn"
            elif status == "credited":
                outcome = "rejected" if rng.random() < 0.05 else "credited"
            elif status == "rejected":
                outcome = "rejected"
            else:
                outcome = "pending"
            if outcome == "credited":
                credited += 1
            elif outcome == "rejected":
                rejected += 1
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if rng.random() < 0.15:
                fault = rng.choice(faults)
            rhubs.add(
                row(
                    hub_id,
                    ret_id,
                    supplier,
                    serial(start + line * 3 + rng.randint(0, 2)),
                    variant,
                    fault,
                    "",
                    outcome,
                    "No fault found on test" if outcome == "rejected" else "",
                    line,
                )
            )
            hub_id += 1
        next_serial = start + (size + 2) * 3
        address, postcode = rng.choice(ADDRESSES)
        rets.add(
            row(
                ret_id,
                rec_id,
                reference,
                supplier,
                raiser,
                status,
                address,
                postcode,
                (created + 2 * DAY).date(),
                "Returns desk, 0161 496 0000",
                size,
                credited,
                rejected,
                created,
                closed or tested or received or collected or created,
                collected,
                received,
                tested,
                closed,
            )
        )
        rec_id += 1
        ret_id += 1
    for writer in (records, rets, rhubs):
        writer.flush()
    cursor.execute(
        "INSERT INTO records_sequence (prefix, last) VALUES ('RTN', %s) "
        "ON CONFLICT (prefix) DO UPDATE SET last = GREATEST(records_sequence.last, excluded.last)",
        [number],
    )
    out.write(
        f"  returns {rets.count:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(stats.items()))}), "
        f"hubs {rhubs.count:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(outcomes.items()))})\n"
    )


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [TABLES],
    )
    return list(cursor.fetchall())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500_000)
    parser.add_argument("--returns", type=int, default=40_000)
    parser.add_argument("--hubs", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    out = sys.stdout
    setup_django()
    from django.db import connection, transaction

    from busbar.requests.models import Request

    t0 = time.perf_counter()
    with transaction.atomic():
        w = build(out)
    out.write(f"set-up in {time.perf_counter() - t0:.0f} s\n")
    if Request.objects.exists():
        sys.exit("requests already loaded: start from an empty database")
    rng = random.Random(args.seed)
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        dropped = secondary_indexes(cursor)
    saved = Path("/tmp/busbar_bench15_indexes.sql")
    saved.write_text("".join(f"{d};\n" for _n, d in dropped))
    t1 = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for name, _d in dropped:
                cursor.execute(f"DROP INDEX {name}")
            request_rows(cursor, w, rng, now, args.requests, out)
            out.write(f"  requests written in {time.perf_counter() - t1:.0f} s\n")
            t2 = time.perf_counter()
            return_rows(cursor, w, rng, now, args.returns, args.hubs, out)
            out.write(f"  returns written in {time.perf_counter() - t2:.0f} s\n")
    finally:
        # After the COPY transaction (its deferred foreign-key checks) has committed or rolled back.
        t3 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name, definition in dropped:
                cursor.execute("SELECT to_regclass(%s)", [name])
                if cursor.fetchone()[0] is None:
                    cursor.execute(definition)
        out.write(f"  {len(dropped)} indexes rebuilt in {time.perf_counter() - t3:.0f} s\n")
    saved.unlink(missing_ok=True)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    t4 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    out.write(f"VACUUM ANALYZE in {time.perf_counter() - t4:.0f} s\n")
    (Path(__file__).resolve().parent / "results").mkdir(exist_ok=True)
    meta = {
        "requests": args.requests,
        "returns": args.returns,
        "hubs": args.hubs,
        "seed": args.seed,
        "supplier": SUPPLIER_SLUG,
        "loaded_in_s": round(time.perf_counter() - t0),
    }
    (Path(__file__).resolve().parent / "results" / "load.json").write_text(json.dumps(meta, indent=2) + "\n")
    out.write(f"loaded in {time.perf_counter() - t0:.0f} s\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
