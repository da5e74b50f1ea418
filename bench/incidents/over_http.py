"""The incident endpoints over HTTP, side by side with the ceiling (ceiling.py), on the loaded database.

For each endpoint and repeat: Busbar (``busbar serve``, gunicorn) and then the ceiling (the same gunicorn
settings: workers and threads) are each driven for ``--seconds`` by ``--connections`` keep-alive
connections — wrk when it is installed (Debian's ``wrk``), else a bounded Python client — and the
requests a second, p50 and p95 are read; the ratio is Busbar's requests a second over the ceiling's in the
same repeat. Repeats alternate which goes first. The queries one request makes are counted in process
(Django's test client, signed in the same way), once per endpoint.

API requests carry the demo analyst's tokens, a different one for each connection (``--tokens``); the
per-user API throttle counts them but does not cap the run (``BUSBAR_API_RATE`` is raised for the
server). Pages carry a session of the analyst made for the run.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_var SECRET_KEY=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz
    .venv/bin/python bench/incidents/over_http.py --seconds 15 --repeats 3
    .venv/bin/python bench/incidents/over_http.py --only "API list" --seconds 5 --repeats 1
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BIN = Path(sys.executable).parent
RESULTS = HERE / "results" / "http"  # not results/*.json: those are run.py's

PREPARE = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from busbar.accounts.actions import create_api_token
from busbar.incidents.models import Incident, OPEN_STATUSES
from busbar.lib.actions import Actor
user = get_user_model().objects.get(email="analyst@operator.example")
actor = Actor(user=user)
user.api_tokens.filter(name__startswith="http bench").delete()  # an earlier run's
tokens = [create_api_token(actor=actor, user=user, name=f"http bench {{i}}")[1] for i in range({n})]
client = Client()
client.force_login(user)
detail = (
    Incident.objects.filter(status__in=OPEN_STATUSES, major__isnull=True)
    .order_by("-created_at").values_list("reference", flat=True).first()
)
session = client.cookies["sessionid"].value
print("PREPARED", json.dumps({{"tokens": tokens, "session": session, "detail": detail}}))
"""

COUNT = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(email="analyst@operator.example")
signed_in = Client()
signed_in.force_login(user)
by_token = Client()  # no session: the API is driven with tokens alone, as wrk does
out = {{}}
for path, api in {paths!r}:
    client = by_token if api else signed_in
    headers = {{"HTTP_AUTHORIZATION": "Bearer " + {token!r}}} if api else {{}}
    headers["HTTP_HOST"] = "127.0.0.1"
    client.get(path, **headers)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **headers)
    out[path] = [response.status_code, len(ctx.captured_queries)]
print("COUNTED", json.dumps(out))
"""

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %f %f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50), latency:percentile(95)))
end
"""


def endpoints(detail: str) -> list[tuple[str, str, bool]]:
    """(name, path, whether it is the API) — the rows of the table."""
    return [
        ("API list, limit 50", "/api/v1/incidents?limit=50", True),
        ("API list, open severity 2", "/api/v1/incidents?status=open&severity=2&limit=50", True),
        ("API list, offset 100000", "/api/v1/incidents?offset=100000&limit=50", True),
        ("desk queue /incidents/", "/incidents/", False),
        ("API detail", f"/api/v1/incidents/{detail}", True),
        ("incident page", f"/incidents/{detail}/", False),
        ("API search q=certificate", "/api/v1/incidents?q=certificate&limit=50", True),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shell(code: str, env: dict[str, str], marker: str) -> dict:
    done = subprocess.run(
        [str(BIN / "busbar"), "shell", "-c", code], env=env, cwd=REPO, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"busbar shell failed:\n{done.stderr[-3000:]}")
    out = done.stdout
    line = next(x for x in out.splitlines() if x.startswith(marker))
    return json.loads(line.split(" ", 1)[1])


def serve(kind: str, env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    if kind == "busbar":
        cmd = [str(BIN / "busbar"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
        probe = "/healthz"
    else:
        cmd = [str(BIN / "gunicorn"), "bench.incidents.ceiling:application", "-b", f"127.0.0.1:{port}",
               "-k", "gthread", "-w", str(workers), "--threads", str(threads),
               "--log-level", "warning"]  # fmt: skip
        probe = "/ceiling/incidents"
    proc = subprocess.Popen(
        cmd, env={**env, "PYTHONPATH": str(REPO)}, cwd=REPO, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", probe)
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop(proc)
    raise SystemExit(f"{kind} did not start on port {port}")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def drive_wrk(url: str, headers: list[dict[str, str]], seconds: int, connections: int, lua: Path) -> dict:
    """wrk with one header set for all connections (the first); wrk cannot vary headers per connection
    without a script, so the tokens rotate per run of wrk instead."""
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "30s", "-s", str(lua)]
    for name, value in headers[0].items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    requests, duration_us, errors, p50_us, p95_us = re.search(
        r"BENCH (\S+) (\S+) (\S+) (\S+) (\S+)", out
    ).groups()
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50_ms": float(p50_us) / 1000,
        "p95_ms": float(p95_us) / 1000,
        "errors": int(errors),
    }


def drive_python(url: str, headers: list[dict[str, str]], seconds: int, connections: int) -> dict:
    """A bounded client: ``connections`` threads, each on its own keep-alive connection and headers."""
    parsed = re.match(r"http://([^:/]+):(\d+)(.*)", url)
    host, port, path = parsed.group(1), int(parsed.group(2)), parsed.group(3)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def run(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine = headers[n % len(headers)]
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=mine)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                conn = http.client.HTTPConnection(host, port, timeout=30)
            with lock:
                if ok:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else None,
        "errors": errors[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", help="only the endpoints whose name contains this")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--label", default="http")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "sqlite")):
        raise SystemExit("Set DATABASE_URL to the loaded benchmark database (see README.md)")
    env = {**os.environ, "BUSBAR_API_RATE": "10000000/m"}
    prepared = shell(PREPARE.format(n=args.tokens), env, "PREPARED")
    rows = [e for e in endpoints(prepared["detail"]) if not args.only or args.only in e[0]]
    counted = shell(
        COUNT.format(paths=[(path, api) for _, path, api in rows], token=prepared["tokens"][0]),
        env,
        "COUNTED",
    )
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    lua = Path(tempfile.mkdtemp(prefix="busbar_http_")) / "report.lua"
    lua.write_text(LUA)
    results: dict[str, dict[str, list[dict]]] = {name: {"busbar": [], "ceiling": []} for name, _, _ in rows}
    for repeat in range(args.repeats):
        order = ("busbar", "ceiling") if repeat % 2 == 0 else ("ceiling", "busbar")
        for kind in order:
            port = free_port()
            proc = serve(kind, env, port, args.workers, args.threads)
            try:
                for name, path, api in rows:
                    if kind == "ceiling":
                        url, headers = f"http://127.0.0.1:{port}/ceiling/incidents", [{}]
                    else:
                        url = f"http://127.0.0.1:{port}{path}"
                        if api:
                            headers = [{"Authorization": f"Bearer {t}"} for t in prepared["tokens"]]
                            headers = headers[repeat % len(headers) :] + headers[: repeat % len(headers)]
                        else:
                            headers = [{"Cookie": f"sessionid={prepared['session']}"}]
                    drive = (
                        (lambda u, h: drive_wrk(u, h, args.seconds, args.connections, lua))
                        if use_wrk
                        else (lambda u, h: drive_python(u, h, args.seconds, args.connections))
                    )
                    drive(url, headers)  # warm-up (caches, prepared statements), not counted
                    results[name][kind].append(drive(url, headers))
                    print(
                        f"repeat {repeat + 1} {kind:8} {name}: {json.dumps(results[name][kind][-1])}",
                        flush=True,
                    )
            finally:
                stop(proc)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.label}.json").write_text(
        json.dumps({"counted": counted, "results": results}, indent=1)
    )
    client = "wrk" if use_wrk else "python client"
    out = [
        f"`{args.label}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): {client}, "
        f"-c{args.connections}, {args.seconds} s per run, {args.repeats} repeats; server: gunicorn "
        f"{args.workers} workers x {args.threads} threads"
        + (", PostgreSQL server-side binding" if os.environ.get("BUSBAR_PG_SERVER_SIDE_BINDING") else ""),
        "",
        "| endpoint | queries | Busbar req/s (min–max) | ceiling req/s | ratio (min–max) "
        "| p50 ms | p95 ms (max) | errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, path, _ in rows:
        ours, ceiling = results[name]["busbar"], results[name]["ceiling"]
        ratios = [o["rps"] / c["rps"] for o, c in zip(ours, ceiling, strict=True)]
        rps = [o["rps"] for o in ours]
        status, queries = counted[path]
        out.append(
            f"| {name} | {queries}{'' if status == 200 else f' (HTTP {status})'} "
            f"| {statistics.median(rps):.0f} ({min(rps):.0f}–{max(rps):.0f}) "
            f"| {statistics.median(c['rps'] for c in ceiling):.0f} "
            f"| {statistics.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f}) "
            f"| {statistics.median(o['p50_ms'] for o in ours):.0f} | {max(o['p95_ms'] for o in ours):.0f} "
            f"| {sum(o['errors'] for o in ours)} |"
        )
    (RESULTS / f"{args.label}.md").write_text("\n".join(out) + "\n")
    print("\n" + "\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
