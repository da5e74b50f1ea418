"""Measure the programme-governance pages on a database filled by world.py: the dashboard, the RAID log
(first page and a filtered page), the action log, the plan, and a baseline page, side by side in
interleaved rounds, as the programme office, a participant and the assurer; then the meeting pack PDF.

By default over HTTP against the real server: ``busbar serve`` (gunicorn, ``--workers`` × ``--threads``)
is started on a free port of 127.0.0.1 with this database, and each person's requests go over one
keep-alive connection carrying a session made for the run (``--mode client`` instead runs the requests
in process with Django's test ``Client``, as bench/testing does). Each round requests every page once,
in the same order; ``--warmup`` rounds first, then ``--repeat`` timed rounds (wall clock from sending the
request to having read the whole body). Then three more requests per page, in process inside
``CaptureQueriesContext``, count its SQL statements (the same each time) and sum their database time
(the median of the three). Every response must
be 200. The meeting pack PDF (the next planned TMAG meeting's) is then timed alone: one warm-up and
``--pack-runs`` requests, median and max.

With ``--explain``, every SELECT of each counted request is run again under ``EXPLAIN (ANALYZE, BUFFERS)``
and the slowest three per page, with their plans, are written to ``results/explain-<label>.txt``.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench_programmes
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_programmes_var
    .venv/bin/python bench/programmes/run.py --label full --explain
    .venv/bin/python bench/programmes/run.py --report     # RESULTS.md from every results/*.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import http.client
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "results"
PEOPLE = ("office", "participant", "assurer")
#: p95 target of the dashboard and the RAID list (ms), and of the meeting pack PDF (s): issue 12.
TARGET_MS = 300
PACK_TARGET_S = 5
#: The server's output (under /tmp, not results/).
SERVER_LOG = Path(os.environ.get("TMPDIR", "/tmp")) / "busbar_bench_programmes_server.log"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
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


def pages() -> list[dict]:
    """Every page measured: key, what, who, url name, kwargs, query string, whether it has a target.
    A page whose URL name does not reverse (not written yet) is left out with a note."""
    from world import PROGRAMME

    where = {"programme": PROGRAMME}
    who_label = {"office": "programme office", "participant": "a participant", "assurer": "the assurer"}
    out = [dict(key="baseline", what="Baseline: profile page (/profile/)", who="office", name="profile")]
    for key, what, name, qs, target in (
        ("dashboard", "Dashboard", "programmes_dashboard", "", True),
        ("raid", "RAID log: first page", "programmes_raid", "", True),
        ("raid_open_risks", "RAID log: open risks (?kind=risk&status=open)", "programmes_raid",
         "kind=risk&status=open", True),
        ("actions", "Action log: first page", "programmes_actions", "", False),
        ("plan", "Plan (baseline vs forecast, Gantt)", "programmes_plan", "", False),
    ):  # fmt: skip
        for who in PEOPLE:
            out.append(
                dict(
                    key=f"{key}_{who}",
                    what=f"{what}, {who_label[who]}",
                    who=who,
                    name=name,
                    kw=where,
                    qs=qs,
                    target=target,
                )
            )
    out.append(
        dict(
            key="home_office",
            what="Programmes home (/programmes/), programme office (extra)",
            who="office",
            name="programmes_home",
        )
    )
    out += [
        dict(
            key="actions_all_office",
            what="Action log: any status (?status=all), programme office (extra)",
            who="office",
            name="programmes_actions",
            kw=where,
            qs="status=all",
        ),
        dict(
            key="actions_mine_participant",
            what="Action log: my organisation's (?owner=mine), a participant (extra)",
            who="participant",
            name="programmes_actions",
            kw=where,
            qs="owner=mine",
        ),
        dict(
            key="crs_office",
            what="Change requests list, programme office (extra)",
            who="office",
            name="programmes_crs",
            kw=where,
        ),
        dict(
            key="readiness_office",
            what="Readiness assessment RA1 with its heat map (participants × questions), office (extra)",
            who="office",
            name="programmes_assessment",
            kw={**where, "code": "RA1"},
        ),
    ]
    pack = pack_meeting()
    if pack:
        out.append(
            dict(
                key="pack_html_office",
                what=f"Meeting pack (HTML) of the next planned {pack['group']} meeting, office (extra)",
                who="office",
                name="programmes_meeting_pack",
                kw=pack,
            )
        )
    return out


def pack_meeting() -> dict | None:
    """The kwargs of the meeting whose pack is measured: the next planned meeting of PACK_GROUP."""
    from world import PACK_GROUP, PROGRAMME

    from busbar.programmes.models import Meeting

    meeting = (
        Meeting.objects.filter(group__programme__code=PROGRAMME, group__code=PACK_GROUP, status="planned")
        .order_by("number")
        .first()
    )
    if meeting is None:
        return None
    return {"programme": PROGRAMME, "group": PACK_GROUP, "number": meeting.number}


def resolve(spec: dict) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse(spec["name"], kwargs=spec.get("kw") or None)
    except NoReverseMatch:
        return None
    return f"{path}?{spec['qs']}" if spec.get("qs") else path


def counted(client, path: str, times: int = 3) -> tuple[object, int, float, list[dict]]:
    """``times`` requests inside CaptureQueriesContext: the last response, the number of queries (the same
    every time, or it exits), the median of their summed time (ms), the last request's queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts, sums = set(), []
    for _ in range(times):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        counts.add(len(ctx.captured_queries))
        sums.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    if len(counts) != 1:
        sys.exit(f"{path}: the number of queries changed between identical requests: {sorted(counts)}")
    return response, counts.pop(), statistics.median(sums), list(ctx.captured_queries)


def explain(captured: list[dict], top: int = 3) -> list[tuple[float, int, str, str]]:
    """(ms, index, sql, plan) of the ``top`` slowest SELECTs under EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection

    timed = []
    with connection.cursor() as cursor:
        for i, q in enumerate(captured):
            sql = q["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(r[0] for r in cursor.fetchall())
            ms = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
            timed.append((ms, i, sql, plan))
    return sorted(timed, reverse=True)[:top]


# -- the real server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    """``busbar serve`` on 127.0.0.1:port with this process's environment (database, data directory,
    secret key: the sessions made here are valid there); waits for /healthz."""
    cmd = [str(BIN / "busbar"), "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
    log = open(SERVER_LOG, "w")  # noqa: SIM115 (the server's, closed when it exits)
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=dict(os.environ), start_new_session=True, stdout=log, stderr=log
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"busbar serve exited ({proc.returncode}); see {SERVER_LOG}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    sys.exit(f"busbar serve did not answer on port {port}; see {SERVER_LOG}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server this script started (its own process group, by id)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class CpuMeter:
    """CPU time used by the server (every thread of ``busbar serve`` and its workers, from
    /proc/<pid>/task/<tid>/schedstat, nanoseconds) or, in process, by this process. Unlike wall-clock time
    it hardly grows when other work competes for the cores; PostgreSQL's own time is not in it."""

    def __init__(self, root_pid: int | None) -> None:
        self.root_pid = root_pid
        self.pids: list[int] = []
        self.refresh()

    def refresh(self) -> None:
        """Find the server's processes again (gunicorn may have replaced a worker)."""
        if self.root_pid is None:
            return
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, frontier = [self.root_pid], [self.root_pid]
        while frontier:
            frontier = [pid for pid, ppid in parents.items() if ppid in frontier]
            found += frontier
        self.pids = found

    def read(self) -> int:
        if self.root_pid is None:
            return time.process_time_ns()
        total = 0
        for pid in self.pids:
            try:
                tasks = list(Path(f"/proc/{pid}/task").iterdir())
            except OSError:
                continue
            for task in tasks:
                try:
                    total += int((task / "schedstat").read_text().split()[0])
                except (OSError, ValueError, IndexError):
                    continue
        return total


class HttpPerson:
    """One person's keep-alive connection to the server, with their session cookie."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.headers = {"Cookie": cookie, "Host": f"127.0.0.1:{port}"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path, headers=self.headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


class ClientPerson:
    """The same interface on Django's test client, in process."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, path: str) -> tuple[int, bytes]:
        response = self.client.get(path)
        return response.status_code, response.content


# -- the data and the machine ---------------------------------------------------------------------------


def data_profile() -> dict:
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in (
            "programmes_member",
            "programmes_raiditem",
            "programmes_group",
            "programmes_meeting",
            "programmes_action",
            "programmes_decision",
            "programmes_milestone",
            "programmes_baseline",
            "programmes_changerequest",
            "programmes_impactresponse",
            "programmes_answer",
            "programmes_partymilestone",
            "records_record",
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            sizes[table] = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM programmes_raiditem WHERE is_public")
        public = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM programmes_raiditem WHERE status = 'open'")
        open_raid = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM programmes_action WHERE status <> 'closed'")
        open_actions = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cursor.fetchone()[0]
    return {
        "rows": sizes,
        "public_raid": public,
        "open_raid": open_raid,
        "open_actions": open_actions,
        "db_size": db_size,
    }


def participant_sees() -> int:
    """RAID items the measured participant sees (public, or owned by its organisation)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q
    from world import PARTICIPANT_EMAIL, PROGRAMME

    from busbar.programmes.models import RaidItem

    user = get_user_model().objects.get(email=PARTICIPANT_EMAIL)
    orgs = list(user.memberships.values_list("organisation_id", flat=True))
    return (
        RaidItem.objects.filter(programme__code=PROGRAMME)
        .filter(Q(is_public=True) | Q(owner_organisation__in=orgs))
        .count()
    )


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


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- the run --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", help="name of this data set, e.g. small or full (results/<label>.json)")
    parser.add_argument("--repeat", type=int, default=30, help="timed rounds (30: 30 requests per page)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first (3)")
    parser.add_argument("--only", help="comma-separated page keys (default: every page that exists)")
    parser.add_argument(
        "--mode", choices=["http", "client"], default="http", help="http (default): busbar serve"
    )
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--pack-runs", type=int, default=5, help="timed meeting-pack PDF requests (5; 0: none)"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest queries")
    parser.add_argument("--report", action="store_true", help="write RESULTS.md from results/*.json")
    args = parser.parse_args(argv)
    if args.report:
        return report()
    if not args.label:
        parser.error("--label is required (e.g. --label full)")
    sys.path.insert(0, str(HERE))
    # One secret for this process and the server it starts, so the sessions made here are valid there.
    os.environ.setdefault("SECRET_KEY", "bench-" + os.urandom(24).hex())
    from world import ASSURER_EMAIL, OFFICE_EMAIL, PARTICIPANT_EMAIL, setup_django

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    RESULTS.mkdir(exist_ok=True)
    # Pages link hashed static files (manifest storage), as `busbar serve` does after collectstatic.
    call_command("collectstatic", interactive=False, verbosity=0)
    User = get_user_model()
    clients = {}
    for who, email in (
        ("office", OFFICE_EMAIL),
        ("participant", PARTICIPANT_EMAIL),
        ("assurer", ASSURER_EMAIL),
    ):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(email=email))
    only = set(args.only.split(",")) if args.only else None
    measured, missing = [], []
    for spec in pages():
        if only and spec["key"] not in only:
            continue
        path = resolve(spec)
        if path is None:
            missing.append(f"{spec['key']} ({spec['name']} does not reverse yet)")
            continue
        measured.append({**spec, "path": path})
    pack = pack_meeting()
    pack_path = resolve({"name": "programmes_meeting_pack_pdf", "kw": pack}) if pack else None
    if pack_path is None:
        missing.append("pack_pdf (programmes_meeting_pack_pdf does not reverse yet)")
    results: dict = {
        "label": args.label,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": args.mode,
        "server": f"busbar serve, {args.workers} workers x {args.threads} threads"
        if args.mode == "http"
        else "",
        "machine": machine(),
        "data": data_profile(),
        "participant_sees_raid": participant_sees(),
        "pages": {},
        "missing": missing,
        "load_average_before": load(),
    }
    print(f"{args.label}: {results['data']['rows']['programmes_raiditem']:,} RAID items; load {load()}")
    for note in missing:
        print(f"  not measured: {note}")
    proc = None
    if args.mode == "http":
        port = free_port()
        connections.close_all()
        proc = start_server(port, args.workers, args.threads)
        name = settings.SESSION_COOKIE_NAME
        people = {who: HttpPerson(port, f"{name}={c.cookies[name].value}") for who, c in clients.items()}
        meter = CpuMeter(proc.pid)
    else:
        people = {who: ClientPerson(c) for who, c in clients.items()}
        meter = CpuMeter(None)
    try:
        times: dict[str, list[float]] = {s["key"]: [] for s in measured}
        cpu: dict[str, list[int]] = {s["key"]: [] for s in measured}
        gc.collect()
        for round_ in range(args.warmup + args.repeat):
            meter.refresh()
            for spec in measured:
                c0 = meter.read()
                t = time.perf_counter()
                status, body = people[spec["who"]].get(spec["path"])
                elapsed = time.perf_counter() - t
                c1 = meter.read()
                if status != 200:
                    sys.exit(f"{spec['path']} as {spec['who']}: HTTP {status}\n{body[:800]!r}")
                if round_ >= args.warmup:
                    times[spec["key"]].append(elapsed)
                    cpu[spec["key"]].append(c1 - c0)
        pack_result = None
        if pack_path and (not only or "pack_pdf" in only) and args.pack_runs:
            pdf_times, pdf_cpu = [], []
            meter.refresh()
            for i in range(args.pack_runs + 1):
                c0 = meter.read()
                t = time.perf_counter()
                status, body = people["office"].get(pack_path)
                elapsed = time.perf_counter() - t
                c1 = meter.read()
                if status != 200 or not body.startswith(b"%PDF"):
                    sys.exit(f"{pack_path}: HTTP {status}\n{body[:800]!r}")
                if i:
                    pdf_times.append(elapsed)
                    pdf_cpu.append(c1 - c0)
            pack_result = {
                "path": pack_path,
                "runs": len(pdf_times),
                "median_s": round(statistics.median(pdf_times), 2),
                "max_s": round(max(pdf_times), 2),
                "min_s": round(min(pdf_times), 2),
                "cpu_median_s": round(statistics.median(pdf_cpu) / 1e9, 2),
                "bytes": len(body),
                "pdf_pages": len(re.findall(rb"/Type\s*/Page[^s]", body)),
            }
    finally:
        if proc is not None:
            stop_server(proc)
    explained = []
    for spec in measured:
        response, queries, sql_ms, captured = counted(clients[spec["who"]], spec["path"])
        r = summarise(times[spec["key"]])
        r.update(
            cpu_p50=round(statistics.median(cpu[spec["key"]]) / 1e6, 1),
            cpu_mean=round(statistics.fmean(cpu[spec["key"]]) / 1e6, 1),
            what=spec["what"],
            who=spec["who"],
            path=spec["path"],
            target=spec.get("target", False),
            queries=queries,
            sql_ms=round(sql_ms, 1),
            bytes=len(response.content),
        )
        results["pages"][spec["key"]] = r
        print(
            f"  {spec['what']:<72} p50 {r['p50']:8.1f}  p95 {r['p95']:8.1f}  max {r['max']:8.1f} ms"
            f"  CPU p50 {r['cpu_p50']:6.1f} ms  {queries:3d} q ({sql_ms:6.1f} ms SQL)"
            f"  {r['bytes'] // 1024} KiB"
        )
        if args.explain:
            explained.append((spec, explain(captured)))
    if pack_result:
        _response, queries, sql_ms, captured = counted(clients["office"], pack_path)
        pack_result.update(queries=queries, sql_ms=round(sql_ms, 1))
        results["pack_pdf"] = pack_result
        p = pack_result
        print(
            f"  meeting pack PDF {pack_path}: median {p['median_s']} s, max {p['max_s']} s"
            f" ({p['runs']} runs), {queries} q ({sql_ms:.1f} ms SQL), {p['bytes'] // 1024} KiB,"
            f" {p['pdf_pages']} pages"
        )
        if args.explain:
            explained.append(
                ({"what": "Meeting pack PDF", "path": pack_path, "who": "office"}, explain(captured))
            )
    results["load_average_after"] = load()
    out = RESULTS / f"{args.label}.json"
    if only and out.exists():
        earlier = json.loads(out.read_text())
        earlier["pages"].update(results["pages"])
        if "pack_pdf" in results:
            earlier["pack_pdf"] = results["pack_pdf"]
        for k in ("date", "load_average_before", "load_average_after", "missing", "data", "mode", "server"):
            earlier[k] = results[k]
        results = earlier
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(REPO)}")
    if explained:
        lines = []
        for spec, slowest in explained:
            lines.append(f"=== {spec['what']}: {spec['path']} (as {spec['who']})")
            for ms, i, sql, plan in slowest:
                lines += [f"--- query #{i}: {ms:.2f} ms", sql, plan, ""]
        target = RESULTS / f"explain-{args.label}.txt"
        target.write_text("\n".join(lines) + "\n")
        print(f"written {target.relative_to(REPO)}")
    return 0


# -- the report -----------------------------------------------------------------------------------------


def _cell(p: dict | None) -> str:
    return f"{p['p50']} / {p['p95']} / {p['max']}" if p else "—"


def report() -> int:
    """RESULTS.md (machine, date, data, the page table, the pack) from results/*.json, smaller first."""
    runs = [json.loads(f.read_text()) for f in sorted(RESULTS.glob("*.json"))]
    runs.sort(key=lambda r: r["data"]["rows"]["programmes_raiditem"])
    if not runs:
        sys.exit("No results/*.json yet: run with --label first")
    labels = [r["label"] for r in runs]
    m = runs[-1]["machine"]
    lines = [
        "# Programme governance benchmark results",
        "",
        "Measured by hand with `bench/programmes/run.py` on data loaded by `bench/programmes/world.py` "
        "(see README.md for how, and what each row measures).",
        "",
        "- Date: " + ", ".join(f"{r['label']} {r['date'][:16].replace('T', ' ')} UTC" for r in runs),
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}",
        f"- Software: Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']} on the same "
        "machine (stock configuration: " + ", ".join(f"{k} {v}" for k, v in m["pg_settings"].items()) + ")",
        "- Requests: "
        + "; ".join(
            f"{r['label']} " + (f"over HTTP to {r['server']}" if r.get("mode") == "http" else "in process")
            for r in runs
        ),
        "- Load average (1, 5, 15 min) before / after each run: "
        + "; ".join(f"{r['label']} {r['load_average_before']} / {r['load_average_after']}" for r in runs),
        "",
        "## Data",
        "",
        "| | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for table in runs[0]["data"]["rows"]:
        lines.append(f"| {table} rows | " + " | ".join(f"{r['data']['rows'][table]:,}" for r in runs) + " |")
    for key, what in (
        ("public_raid", "public RAID items"),
        ("open_raid", "open RAID items"),
        ("open_actions", "actions not closed"),
    ):
        lines.append(f"| {what} | " + " | ".join(f"{r['data'][key]:,}" for r in runs) + " |")
    lines.append(
        "| RAID items the participant sees | "
        + " | ".join(f"{r['participant_sees_raid']:,}" for r in runs)
        + " |"
    )
    lines.append("| database size | " + " | ".join(r["data"]["db_size"] for r in runs) + " |")
    heads = [f"{x}: p50 / p95 / max ms" for x in labels] + [f"{x}: queries" for x in labels]
    lines += [
        "",
        "## Pages (p50 / p95 / max in ms per request; SQL queries per request)",
        "",
        f"Target (issue 12): dashboard and RAID list p95 < {TARGET_MS} ms at full size, query counts equal "
        "at both sizes. **Bold**: a target page over the target, or a count that differs.",
        "",
        "| Page | " + " | ".join(heads) + " |",
        "|---|" + "---:|" * len(heads),
    ]
    for key in dict.fromkeys(k for r in runs for k in r["pages"]):
        page = next(r["pages"][key] for r in runs if key in r["pages"])
        cells = []
        for r in runs:
            p = r["pages"].get(key)
            cell = _cell(p)
            if p and p.get("target") and r is runs[-1] and p["p95"] >= TARGET_MS:
                cell = f"**{cell}**"
            cells.append(cell)
        counts = [r["pages"][key]["queries"] if key in r["pages"] else None for r in runs]
        same = len({c for c in counts if c is not None}) <= 1
        queries = [("—" if c is None else str(c) if same else f"**{c}**") for c in counts]
        lines.append(f"| {page['what']} | " + " | ".join(cells + queries) + " |")
    lines += [
        "",
        "Timed requests per page: "
        + "; ".join(f"{r['label']} {next(iter(r['pages'].values()))['n']}" for r in runs if r["pages"])
        + ".",
    ]
    missing = sorted({x for r in runs for x in r.get("missing", [])})
    if missing:
        lines += ["", "Not measured (the page did not exist yet): " + "; ".join(missing) + "."]
    lines += [
        "",
        "Where the time goes: the **server's CPU time** per request (median over the timed requests: every "
        "thread of `busbar serve`, from /proc schedstat; in process: this process) — Python, the ORM, the "
        "templates, the driver; it hardly grows with the load average, unlike the wall-clock times —, the "
        "SQL time of the page (the sum of its statements' times as Django records them, median of three "
        "in-process requests; wall clock, so inflated by load) and the page size:",
        "",
        "| Page | " + " | ".join(f"{x}: server CPU ms / SQL ms / KiB" for x in labels) + " |",
        "|---|" + "---:|" * len(labels),
    ]
    for key in dict.fromkeys(k for r in runs for k in r["pages"]):
        what = next(r["pages"][key]["what"] for r in runs if key in r["pages"])
        cells = [
            f"{r['pages'][key].get('cpu_p50', '—')} / {r['pages'][key]['sql_ms']} / "
            f"{r['pages'][key]['bytes'] // 1024}"
            if key in r["pages"]
            else "—"
            for r in runs
        ]
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    packs = [(r["label"], r["pack_pdf"]) for r in runs if r.get("pack_pdf")]
    if packs:
        lines += [
            "",
            f"## Meeting pack PDF (target < {PACK_TARGET_S} s)",
            "",
            "| Data | Meeting | runs | median s | max s | min s | server CPU s (median) | queries | SQL ms "
            "| KiB | PDF pages |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, p in packs:
            lines.append(
                f"| {label} | `{p['path']}` | {p['runs']} | {p['median_s']} | {p['max_s']} | {p['min_s']} "
                f"| {p.get('cpu_median_s', '—')} "
                f"| {p.get('queries', '—')} | {p.get('sql_ms', '—')} | {p['bytes'] // 1024} "
                f"| {p['pdf_pages']} |"
            )
    notes = RESULTS / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print(f"written {(HERE / 'RESULTS.md').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
