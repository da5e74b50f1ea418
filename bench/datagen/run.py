"""Benchmark ``busbar datagen if021`` against the straightforward implementation in naive.py.

    python bench/datagen/run.py --meter-days 100000 1000000

Each run is a separate process writing a real file (then deleted). Reported: wall time, messages/s, MB/s of
output, CPU seconds (all processes), and peak memory as the largest sum of resident set sizes of the process
tree, sampled every 20 ms from /proc (Linux only).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def measure(cmd: list[str], out: Path) -> dict:
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    thread.join()
    after = os.times()
    if proc.returncode:
        raise SystemExit(f"{cmd} failed: {err}")
    size = out.stat().st_size
    lines = 0
    with open(out, "rb") as fh:
        while block := fh.read(1 << 24):
            lines += block.count(b"\n")
    out.unlink()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall": wall, "messages": lines, "bytes": size, "cpu": cpu, "peak_mb": peak / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--meter-days", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--meters", type=int, default=100_000, help="meters per day (default 100,000)")
    ap.add_argument("--skip-naive-above", type=int, default=10**9, help="skip the naive run above this size")
    ap.add_argument("--workers", type=int, nargs="+", default=[2, 1])
    ap.add_argument("--only", choices=["busbar", "naive"], help="run only one implementation")
    ap.add_argument("--dir", type=Path, default=None, help="where to write (default: a temporary folder)")
    args = ap.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="datagen-bench-"))
    print(f"load average before: {os.getloadavg()}; {os.cpu_count()} CPUs; output in {folder}")
    head = ("implementation", "meter-days", "wall s", "msg/s", "MB/s", "CPU s", "peak MB")
    print(f"{head[0]:<28}{head[1]:>12}{head[2]:>9}{head[3]:>10}{head[4]:>8}{head[5]:>8}{head[6]:>9}")
    for n in args.meter_days:
        meters = min(args.meters, n)
        days = n // meters
        runs = []
        for w in args.workers if args.only != "naive" else []:
            out = folder / f"busbar-{n}-{w}.jsonl"
            cmd = [sys.executable, "-m", "busbar.datagen", "if021", "--mpans", str(meters), "--from"]
            cmd += ["2025-10-01", "--days", str(days), "--out", str(out), "--workers", str(w), "--quiet"]
            runs.append((f"busbar datagen ({w} worker{'s' if w > 1 else ''})", measure(cmd, out)))
        if n <= args.skip_naive_above and args.only != "busbar":
            out = folder / f"naive-{n}.jsonl"
            cmd = [sys.executable, str(ROOT / "bench/datagen/naive.py"), "--mpans", str(meters),
                   "--from", "2025-10-01", "--days", str(days), "--out", str(out)]  # fmt: skip
            runs.append(("naive (dicts + json.dumps)", measure(cmd, out)))
        for name, r in runs:
            print(
                f"{name:<28}{r['messages']:>12,}{r['wall']:>9.1f}{r['messages'] / r['wall']:>10,.0f}"
                f"{r['bytes'] / r['wall'] / 1e6:>8.0f}{r['cpu']:>8.1f}{r['peak_mb']:>9.0f}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
