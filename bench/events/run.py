"""Events intake over HTTP: Busbar's ``POST /api/v1/events`` against a bare Django view inserting the same
rows (bare.py), both on ``busbar serve``'s server (gunicorn, same workers and threads), side by side and
repeated, on SQLite and PostgreSQL.

    .venv/bin/python bench/events/run.py                     # both databases, 3 repeats of 20 s each
    .venv/bin/python bench/events/run.py --database sqlite --seconds 5 --repeats 1

The load: ``--clients`` keep-alive senders, each posting batches of ``--batch`` events (warnings and
information, no critical: incidents are a separate path) drawn from ``--keys`` dedupe keys on the demo's
services, so most events fold into an existing event (the real work), as monitoring storms do.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
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
SECRET = "bench-events-secret-key-0123456789abcdefghij"
SERVICES = ["css-registration", "uk-link", "mprs-eastern", "ecoes", "dcc-dsp"]
TOKEN_SCRIPT = """
from busbar.accounts.actions import create_api_token
from busbar.accounts.models import User
from busbar.lib.actions import Actor
user = User.objects.get(email="analyst@operator.example")
_, raw = create_api_token(actor=Actor(user=user), user=user, name="events bench")
print("TOKEN", raw)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(database: str, work: Path) -> dict[str, str]:
    data = work / f"data-{database}"
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SECRET_KEY": SECRET, "BUSBAR_DATA_DIR": str(data), "BUSBAR_API_RATE": "1000000/m"}
    env["DJANGO_SETTINGS_MODULE"] = "busbar.settings"
    if database == "postgres":
        name = f"busbar_events_{os.getpid()}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"],
            check=True,
        )
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True
        )
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{data}/db.sqlite3"

    def run(*a: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "busbar"), *a], env=env, cwd=REPO, check=True, capture_output=True, text=True
        )

    run("migrate", "-v0")
    run("demo")
    run("collectstatic", "--noinput", "-v0")
    out = run("shell", "-c", TOKEN_SCRIPT).stdout
    env["BENCH_TOKEN"] = next(line.split()[1] for line in out.splitlines() if line.startswith("TOKEN"))
    return env


def empty_events(env: dict[str, str]) -> None:
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    if connection.vendor == 'postgresql':\n"
        "        c.execute('TRUNCATE events_event')  # no dead rows left for the next run to wade through\n"
        "        c.execute('ANALYZE events_event')\n"
        "    else:\n"
        "        c.execute('DELETE FROM events_event')\n"
        "        c.execute('PRAGMA wal_checkpoint(TRUNCATE)')"
    )
    subprocess.run(
        [str(BIN / "busbar"), "shell", "-c", code], env=env, cwd=REPO, check=True, capture_output=True
    )


def serve(kind: str, env: dict[str, str], port: int) -> subprocess.Popen:
    workers = str(os.cpu_count() * 2 + 1)
    if kind == "busbar":
        cmd = [str(BIN / "busbar"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        cmd = [
            str(BIN / "gunicorn"),
            "bench.events.bare:application",
            "-b",
            f"127.0.0.1:{port}",
            "-k",
            "gthread",
            "-w",
            workers,
            "--threads",
            "4",
            "--log-level",
            "warning",
        ]
    proc = subprocess.Popen(
        cmd,
        env={**env, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    path = "/healthz" if kind == "busbar" else "/bare/events"
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET" if kind == "busbar" else "OPTIONS", path)
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{kind} did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def batch(rng: random.Random, size: int, keys: int) -> bytes:
    items = []
    for _ in range(size):
        k = rng.randrange(keys)
        items.append(
            {
                "source": f"probe-{k % 7}",
                "service": SERVICES[k % len(SERVICES)],
                "severity": "warning" if rng.random() < 0.7 else "info",
                "message": f"check {k} value {rng.randrange(10000)}",
                "dedupe_key": f"check-{k}",
            }
        )
    return json.dumps(items).encode()


def load(kind: str, port: int, token: str, seconds: float, clients: int, size: int, keys: int) -> dict:
    path = "/api/v1/events" if kind == "busbar" else "/bare/events"
    sent = [0] * clients
    errors = [0] * clients
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        bodies = [batch(rng, size, keys) for _ in range(8)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        i = 0
        while time.time() < stop_at:
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, bodies[i % len(bodies)], headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 202
            except OSError:
                ok = False
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            dt_ = time.perf_counter() - t0
            if ok:
                sent[n] += size
                with lock:
                    latencies.append(dt_)
            else:
                errors[n] += 1
            i += 1

    t_start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t_start
    latencies.sort()
    return {
        "events_per_s": sum(sent) / elapsed,
        "requests": len(latencies),
        "errors": sum(errors),
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)] if latencies else None,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--keys", type=int, default=5000)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="busbar_events_"))
    results = {}
    for database in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        env = prepare(database, work)
        rows = {"busbar": [], "bare": []}
        for r in range(args.repeats):
            for kind in ("busbar", "bare") if r % 2 == 0 else ("bare", "busbar"):
                # Each run starts from an empty events table: the bare view inserts a row per event (it
                # folds nothing), and a run after it would otherwise fold into thousands of its rows.
                empty_events(env)
                port = free_port()
                proc = serve(kind, env, port)
                try:
                    rows[kind].append(
                        load(
                            kind, port, env["BENCH_TOKEN"], args.seconds, args.clients, args.batch, args.keys
                        )
                    )
                finally:
                    stop(proc)
                print(database, kind, r + 1, json.dumps(rows[kind][-1]), flush=True)
        results[database] = rows
        if database == "postgres":
            name = env["DATABASE_URL"].rsplit("/", 1)[1]
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"],
                check=False,
            )
    print(
        f"\n{args.clients} clients, batches of {args.batch} events over {args.keys} keys, "
        f"{args.seconds:.0f} s x {args.repeats}"
    )
    print("| database | endpoint | events/s median (min–max) | p50 ms | p95 ms | errors |")
    print("|---|---|--:|--:|--:|--:|")
    for database, rows in results.items():
        for kind, label in (
            ("busbar", "Busbar POST /api/v1/events"),
            ("bare", "bare Django view, same rows"),
        ):
            eps = [x["events_per_s"] for x in rows[kind]]
            p50 = statistics.median(x["p50_ms"] for x in rows[kind])
            p95 = statistics.median(x["p95_ms"] for x in rows[kind])
            err = sum(x["errors"] for x in rows[kind])
            spread = f"{statistics.median(eps):,.0f} ({min(eps):,.0f}–{max(eps):,.0f})"
            print(f"| {database} | {label} | {spread} | {p50:,.0f} | {p95:,.0f} | {err} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
