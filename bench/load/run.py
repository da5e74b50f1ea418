"""The load benchmark: prepare each database, then run the servers side by side, repeated, and report.

    .venv/bin/python bench/load/run.py                       # both databases, 200 users, 3 min, 3 repeats
    .venv/bin/python bench/load/run.py --users 20 --duration 15 --repeats 1 --database sqlite   # a trial

For each database (``--database sqlite|postgres|both``) a fresh one is prepared (prepare.py) and every
server runs against that same database, interleaved within each repeat (A, B, A, B, …; ``--order abba``
reverses every other repeat): start the server with the prepared environment on a free port, wait for
``/healthz``, run loadgen.py (warm-up, then the measured time), stop the server (SIGTERM, then SIGKILL
after 10 s), then check the run's writes in the database (loadgen.py --verify-only). Results:
``bench/load/results/<timestamp>.json`` and ``.md``; the markdown tables are printed at the end.

``--servers NAME=COMMAND`` (repeatable) replaces the default pair; COMMAND is a shell command run from
the repository root with ``{host}`` and ``{port}`` filled in and the prepared environment (DATABASE_URL,
BUSBAR_DATA_DIR, SECRET_KEY, DJANGO_SETTINGS_MODULE=busbar.settings, BUSBAR_SITE_URL=http://{host}:{port}).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

from _common import HERE, REPO, load_prepared, prepared_env
from prepare import restore, snapshot

DEFAULT_SERVERS = [
    (
        "waitress",
        ".venv/bin/waitress-serve --host {host} --port {port} --threads 8 busbar.wsgi:application",
    ),
    ("busbar-serve", ".venv/bin/busbar serve --host {host} --port {port}"),
]
OPS = ("list", "detail", "raise", "update")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# Machine ---------------------------------------------------------------------------------------------------


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=REPO, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    model = ""
    mem_kb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for dist in ("Django", "waitress", "aiohttp", "psycopg", "gunicorn", "granian", "uvicorn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty_files": dirty.splitlines() if dirty else [],
        "loadavg": os.getloadavg(),
    }


# Servers ---------------------------------------------------------------------------------------------------


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _processes() -> list[tuple[int, str, list[str]]]:
    """(pid, command name, the stat fields after the name) of every process we may read."""
    out = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        out.append((int(entry.name), name, stat[stat.rfind(")") + 2 :].split()))
    return out


def _cpu(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


class Usage(threading.Thread):
    """CPU time and memory of the server's process group (and of PostgreSQL), sampled once a second.

    PostgreSQL's CPU is that of every process called ``postgres`` on the machine since the server started
    (a backend that exits between two samples loses its last second): other users of the same PostgreSQL
    are counted too.
    """

    def __init__(self, pgid: int, database: str) -> None:
        super().__init__(daemon=True)
        self.pgid = pgid
        self.track_db = database == "postgres"
        self.cpu: dict[int, float] = {}
        self.db_start: dict[int, float] = {}
        self.db_cpu: dict[int, float] = {}
        self.rss_max = 0
        self.processes_max = 0
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        if self.track_db:
            self.db_start = {pid: _cpu(f) for pid, name, f in _processes() if name == "postgres"}

    def sample(self) -> None:
        rss = 0
        count = 0
        for pid, name, fields in _processes():
            if self.track_db and name == "postgres":
                with self.lock:
                    self.db_cpu[pid] = _cpu(fields)
            if int(fields[2]) != self.pgid:  # field 5 of stat: the process group
                continue
            count += 1
            with self.lock:
                self.cpu[pid] = _cpu(fields)
            rss += int(fields[21]) * PAGE
        self.rss_max = max(self.rss_max, rss)
        self.processes_max = max(self.processes_max, count)

    def database_cpu(self) -> float | None:
        if not self.track_db:
            return None
        with self.lock:
            return sum(cpu - self.db_start.get(pid, 0.0) for pid, cpu in self.db_cpu.items())

    def run(self) -> None:
        while not self.stop_event.wait(1.0):
            self.sample()

    def total(self) -> float:
        with self.lock:
            return sum(self.cpu.values())


class Server:
    def __init__(
        self, name: str, template: str, host: str, env: dict[str, str], log: Path, database: str
    ) -> None:
        self.name, self.template, self.host, self.database = name, template, host, database
        self.port = free_port(host)
        self.command = template.format(host=host, port=self.port)
        self.env = dict(env, BUSBAR_SITE_URL=f"http://{host}:{self.port}")
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.usage: Usage | None = None
        self.cpu_at_ready = 0.0
        self.db_cpu_at_ready: float | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float) -> float:
        started = time.monotonic()
        with self.log.open("ab") as fh:
            fh.write(f"\n$ {self.command}\n".encode())
            fh.flush()
            self.proc = subprocess.Popen(
                self.command,
                shell=True,
                cwd=REPO,
                env=self.env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.usage = Usage(self.proc.pid, self.database)
        self.usage.start()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        # CPU is counted from here: start-up (imports, migrate check, collectstatic) is not.
                        self.usage.sample()
                        self.cpu_at_ready = self.usage.total()
                        self.db_cpu_at_ready = self.usage.database_cpu()
                        return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout:g} s; see {self.log}")

    def stop(self) -> dict[str, Any]:
        assert self.proc is not None and self.usage is not None
        self.usage.sample()
        self.usage.stop_event.set()
        cpu = self.usage.total() - self.cpu_at_ready
        db_cpu = self.usage.database_cpu()
        if db_cpu is not None:
            db_cpu -= self.db_cpu_at_ready or 0.0
        how = "SIGTERM"
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            how = "already exited"
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            how = "SIGKILL"
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        # Anything of the group still alive (a worker that ignored SIGTERM after its parent died).
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
            how += " (+SIGKILL to the group)"
        except ProcessLookupError:
            pass
        return {
            "stopped_with": how,
            "returncode": self.proc.returncode,
            "server_cpu_s": round(cpu, 2),
            "database_cpu_s": None if db_cpu is None else round(db_cpu, 2),
            "server_rss_max_mb": round(self.usage.rss_max / 1024 / 1024, 1),
            "server_processes_max": self.usage.processes_max,
        }


# Runs ------------------------------------------------------------------------------------------------------


def loadgen_command(args: argparse.Namespace, url: str, data_dir: str, out: Path, label: str) -> list[str]:
    cmd = [
        sys.executable,
        str(HERE / "loadgen.py"),
        "--base-url",
        url,
        "--data-dir",
        data_dir,
        "--users",
        str(args.users),
        "--duration",
        str(args.duration),
        "--warmup",
        str(args.warmup),
        "--out",
        str(out),
        "--label",
        label,
        "--verify",
        "no",
        "--progress",
        str(args.progress),
    ]
    for name in ("mix", "think", "timeout", "retries", "connections", "ramp", "seed", "retry_status"):
        value = getattr(args, name)
        if value is not None:
            cmd += [f"--{name.replace('_', '-')}", str(value)]
    return cmd + shlex.split(args.loadgen_args)


def one_run(
    args: argparse.Namespace, db: str, prepared: dict, name: str, template: str, repeat: int, work: Path
) -> dict[str, Any]:
    label = f"{db}-{name}-r{repeat}"
    print(f"\nrun: {label}", file=sys.stderr, flush=True)
    restored = restore(prepared) if args.reset else None
    log = work / "logs" / f"{db}-{name}.log"
    server = Server(name, template, args.host, prepared_env(prepared), log, db)
    loadavg_before = os.getloadavg()
    startup = server.start(args.start_timeout)
    print(f"run: {name} up at {server.url} after {startup:.1f} s", file=sys.stderr, flush=True)
    out = work / "runs" / f"{label}.json"
    try:
        gen = subprocess.run(
            loadgen_command(args, server.url, prepared["data_dir"], out, label),
            cwd=REPO,
            check=False,
            stdout=sys.stderr,
        )
    finally:
        stopped = server.stop()
    if gen.returncode != 0 or not out.exists():
        raise RuntimeError(f"loadgen failed ({gen.returncode}) on {label}")
    verify = subprocess.run(
        [
            sys.executable,
            str(HERE / "loadgen.py"),
            "--verify-only",
            str(out),
            "--data-dir",
            prepared["data_dir"],
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    print(verify.stdout, end="", file=sys.stderr, flush=True)
    if verify.returncode not in (0, 1):
        raise RuntimeError(f"verification failed on {label}: {verify.stderr[-2000:]}")
    results = json.loads(out.read_text())
    load_s = results["load_s"]
    stopped["server_cpu_percent_of_one_core"] = (
        round(100 * stopped["server_cpu_s"] / load_s, 1) if load_s else None
    )
    run = {
        "database": db,
        "server": name,
        "repeat": repeat,
        "command": server.command,
        "startup_s": round(startup, 2),
        "restore_s": None if restored is None else round(restored, 2),
        "loadavg_before": loadavg_before,
        "loadavg_after": os.getloadavg(),
        **stopped,
        "results_file": str(out),
        "loadgen": {k: v for k, v in results.items() if k != "writes"},
    }
    return run


# Report ----------------------------------------------------------------------------------------------------


def spread(values: list[float | None]) -> dict[str, float] | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {"median": round(statistics.median(vals), 2), "min": min(vals), "max": max(vals)}


def summarise(runs: list[dict]) -> dict[str, Any]:
    """Per server and op: median and min–max over repeats of each latency and rate; sums of the counts."""
    out: dict[str, Any] = {}
    for name in dict.fromkeys(r["server"] for r in runs):
        mine = [r for r in runs if r["server"] == name]
        per_op = {}
        for op in (*OPS, "total"):
            rows = [r["loadgen"]["ops"][op] if op != "total" else r["loadgen"]["total"] for r in mine]
            per_op[op] = {
                **{k: spread([row["latency_ms"][k] for row in rows]) for k in ("p50", "p95", "p99", "max")},
                "logical_p95": spread([row["logical_latency_ms"]["p95"] for row in rows]),
                "ok_per_s": spread([row["ok_per_s"] for row in rows]),
                "requests_per_s": spread([row["requests_per_s"] for row in rows]),
                **{
                    k: sum(row[k] for row in rows)
                    for k in ("ops", "ok", "failed", "requests", "4xx", "429", "5xx", "503", "timeouts")
                },
                "conn_errors": sum(row["conn_errors"] for row in rows),
                "retries": sum(row["retries"] for row in rows),
                "replays": sum(row["replays"] for row in rows),
            }
        out[name] = per_op
    return out


def cell(s: dict | None, digits: int = 0) -> str:
    if s is None:
        return "–"
    fmt = f"{{:,.{digits}f}}"
    if s["min"] == s["max"]:
        return fmt.format(s["median"])
    return f"{fmt.format(s['median'])} ({fmt.format(s['min'])}–{fmt.format(s['max'])})"


def _cpu_cell(seconds: float | None, percent: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.1f} s ({percent:.0f} %)" if percent is not None else f"{seconds:.1f} s"


def markdown(report: dict[str, Any]) -> str:
    cfg = report["config"]
    m = report["machine"]
    dirty = f" plus {len(m['git_dirty_files'])} modified files" if m["git_dirty_files"] else ""
    reset = "put back to its prepared state before each run" if cfg["reset_before_each_run"] else "not reset"
    lines = [
        f"# Load benchmark {report['started_at']}",
        "",
        f"{cfg['users']} users for {cfg['duration']:g} s (after {cfg['warmup']:g} s of warm-up), "
        f"{cfg['repeats']} repeat(s), servers interleaved ({cfg['order']}), the database "
        f"{reset}; think {cfg['think']} s; mix {cfg['mix']}; client timeout {cfg['timeout']:g} s, "
        f"writes retried {cfg['retries']} times on timeout, connection error or {cfg['retry_status']}; "
        f"connections {cfg['connections']}.",
        "",
        f"Machine: {m['cpus_usable']} usable cores ({m['cpu_model']}), {m['memory_gb']} GB, "
        f"Python {m['python']}, kernel {m['kernel']}; commit {m['git_commit'][:12]}{dirty}; "
        f"load average at the start {', '.join(f'{x:.2f}' for x in m['loadavg'])}.",
        "",
        "Latencies: of the final attempt of each operation, in ms; each cell is the median over the repeats "
        "of that run's percentile, with the range (min–max) when there are several. ok/s: operations "
        "answered 2xx per measured second. 4xx (of which 429), 5xx, timeouts, connection errors and "
        "retries: requests, summed over the repeats. Last column: p95 of the whole operation, retries and "
        "backoff included.",
    ]
    for data in report["databases"].values():
        prep = data["prepared"]
        kinds = ", ".join(f"{n} {k}" for k, n in prep["token_kinds"].items())
        lines += [
            "",
            f"## {prep['db_version']}",
            "",
            f"Prepared: the demo plus {prep['history']['raised']:,} incidents with history "
            f"({prep['open_incidents']:,} open); {prep['token_count']} API tokens ({kinds}).",
            "",
            "| server | op | p50 | p95 | p99 | max | ok/s | 4xx (429) | 5xx | timeouts | conn err | retries "
            "| p95 incl. retries |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for name, per_op in data["summary"].items():
            for op in (*OPS, "total"):
                s = per_op[op]
                lines.append(
                    f"| {name} | {op if op != 'total' else '**all**'} | {cell(s['p50'], 1)} | "
                    f"{cell(s['p95'], 1)} | {cell(s['p99'], 1)} | {cell(s['max'])} | "
                    f"{cell(s['ok_per_s'], 1)} | {s['4xx']:,} ({s['429']:,}) | {s['5xx']:,} | "
                    f"{s['timeouts']:,} | {s['conn_errors']:,} | {s['retries']:,} | "
                    f"{cell(s['logical_p95'], 1)} |"
                )
        lines += [
            "",
            "| server | repeat | writes acked / attempted | retried | replayed | lost | duplicated "
            "| unacked but written | server CPU | database CPU | loadgen CPU | load avg before |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for run in data["runs"]:
            v = run["loadgen"].get("verification") or {}
            ws = [v.get(op, {}) for op in ("raise", "update")]
            acked = sum(w.get("acknowledged", 0) for w in ws)
            attempted = sum(w.get("attempted", 0) for w in ws)
            lg = run["loadgen"]
            db_pct = (
                round(100 * run["database_cpu_s"] / lg["load_s"], 1)
                if run.get("database_cpu_s") is not None and lg["load_s"]
                else None
            )
            lines.append(
                f"| {run['server']} | {run['repeat']} | {acked:,} / {attempted:,} | "
                f"{sum(w.get('retried', 0) for w in ws):,} | {sum(w.get('replayed', 0) for w in ws):,} | "
                f"{v.get('lost', '?')} | {v.get('duplicated', '?')} | "
                f"{sum(w.get('unacknowledged_but_written', 0) for w in ws):,} | "
                f"{_cpu_cell(run['server_cpu_s'], run['server_cpu_percent_of_one_core'])} | "
                f"{_cpu_cell(run.get('database_cpu_s'), db_pct)} | "
                f"{_cpu_cell(lg['loadgen_cpu_s'], lg['loadgen_cpu_percent_of_one_core'])} | "
                f"{run['loadavg_before'][0]:.2f} |"
            )
        lines += [
            "",
            "CPU: seconds used during the run (% of one core over the run); server: its whole process group "
            "after /healthz answered; database: every `postgres` process on the machine.",
        ]
    return "\n".join(lines) + "\n"


# Main ------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--servers",
        action="append",
        metavar="NAME=COMMAND",
        help="a server to measure (repeatable; default: waitress and busbar-serve, see the README)",
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=180)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--order", choices=["fixed", "abba"], default="fixed", help="A,B,A,B or A,B,B,A")
    parser.add_argument(
        "--no-reset",
        dest="reset",
        action="store_false",
        help="do not put the database back to its prepared state before each run (writes accumulate)",
    )
    parser.add_argument("--pause", type=float, default=5, help="seconds between runs (5)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--start-timeout", type=float, default=120)
    parser.add_argument(
        "--incidents", type=int, default=2000, help="history incidents of a prepared database"
    )
    parser.add_argument(
        "--prepared",
        action="append",
        default=[],
        metavar="DB=DATA_DIR",
        help="use a database prepared earlier (prepare.py) instead of a fresh one; not dropped afterwards",
    )
    parser.add_argument(
        "--work-dir", help="databases, server logs, raw results (default /tmp/busbar_load/<ts>)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the prepared databases afterwards")
    parser.add_argument("--results", default=str(HERE / "results"), help="where <timestamp>.json/.md go")
    parser.add_argument("--progress", type=float, default=30, help="loadgen progress every N s (30; 0: off)")
    # Passed to loadgen.py (its defaults when not given).
    parser.add_argument("--mix")
    parser.add_argument("--think")
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--retries", type=int)
    parser.add_argument("--retry-status")
    parser.add_argument("--connections", choices=["per-user", "shared", "close"])
    parser.add_argument("--ramp", type=float)
    parser.add_argument("--seed")
    parser.add_argument("--loadgen-args", default="", help="more loadgen.py options, one string")
    args = parser.parse_args(argv)

    servers = []
    for spec in args.servers or [f"{n}={c}" for n, c in DEFAULT_SERVERS]:
        name, sep, command = spec.partition("=")
        if not sep or not name or not command or "{port}" not in command:
            parser.error(f"--servers {spec!r}: use NAME=COMMAND with {{host}} and {{port}}")
        servers.append((name.strip(), command.strip()))
    if len({n for n, _ in servers}) != len(servers):
        parser.error("server names must differ")
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    given = dict(p.split("=", 1) for p in args.prepared)

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    work = Path(args.work_dir or f"/tmp/busbar_load/{stamp}").resolve()
    (work / "logs").mkdir(parents=True, exist_ok=True)
    (work / "runs").mkdir(exist_ok=True)
    results_dir = Path(args.results)
    results_dir.mkdir(parents=True, exist_ok=True)
    lg_defaults = {"think": "0.5-1.5", "mix": "list=50,detail=30,raise=10,update=10", "timeout": 60.0}
    lg_defaults |= {"connections": "per-user", "retries": 3, "retry_status": "5xx"}
    report: dict[str, Any] = {
        "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {
            "servers": dict(servers),
            "databases": databases,
            "users": args.users,
            "duration": args.duration,
            "warmup": args.warmup,
            "repeats": args.repeats,
            "order": args.order,
            "reset_before_each_run": args.reset,
            **{k: getattr(args, k) if getattr(args, k) is not None else v for k, v in lg_defaults.items()},
            "loadgen_args": args.loadgen_args,
            "work_dir": str(work),
        },
        "databases": {},
    }
    print(f"run: work dir {work}", file=sys.stderr)
    made: list[str] = []
    try:
        for db in databases:
            if db in given:
                data_dir = str(Path(given[db]).resolve())
            else:
                data_dir = str(work / f"data-{db}")
                subprocess.run(
                    [
                        sys.executable,
                        str(HERE / "prepare.py"),
                        "--database",
                        db,
                        "--data-dir",
                        data_dir,
                        "--incidents",
                        str(args.incidents),
                    ],
                    cwd=REPO,
                    check=True,
                    stdout=sys.stderr,
                )
                made.append(data_dir)
            prepared = load_prepared(data_dir)
            if args.reset and not prepared.get("snapshot"):
                prepared["snapshot"] = snapshot(prepared)
                (Path(data_dir) / "prepared.json").write_text(json.dumps(prepared, indent=1))
            public = {k: v for k, v in prepared.items() if k != "env"}
            public["env"] = {k: v for k, v in prepared["env"].items() if k != "SECRET_KEY"}
            entry = {"prepared": public, "runs": []}
            report["databases"][db] = entry
            for repeat in range(1, args.repeats + 1):
                order = servers if args.order == "fixed" or repeat % 2 else list(reversed(servers))
                for name, template in order:
                    entry["runs"].append(one_run(args, db, prepared, name, template, repeat, work))
                    time.sleep(args.pause)
            entry["summary"] = summarise(entry["runs"])
    finally:
        report["finished_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        if report["databases"] and any(d.get("summary") for d in report["databases"].values()):
            out = results_dir / f"{stamp}.json"
            out.write_text(json.dumps(report, indent=1))
            md = markdown(
                {**report, "databases": {k: v for k, v in report["databases"].items() if "summary" in v}}
            )
            (results_dir / f"{stamp}.md").write_text(md)
            print("\n" + md)
            print(
                f"results: {out} and {out.with_suffix('.md')}; raw runs and server logs: {work}",
                file=sys.stderr,
            )
        if not args.keep:
            for data_dir in made:
                subprocess.run(
                    [sys.executable, str(HERE / "prepare.py"), "--drop", data_dir], cwd=REPO, check=False
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
