"""Knowledge search at 100,000 articles (PostgreSQL): time per request, over HTTP, of Busbar's search —
the API list with ``q`` (as a participant and as the desk), the knowledge page with ``q`` (a participant,
signed in), the suggestions offered while an incident's summary is typed — side by side with a bare
Django view running the same search straight in SQL (bare.py), on the same server, one request at a
time, interleaved and repeated.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_kb
    export BUSBAR_DATA_DIR=/tmp/busbar_kb_var SECRET_KEY=bench-secret-0123456789abcdefghijklmnopqrstuvwxyz
    .venv/bin/python bench/knowledge/load.py --n 100000
    .venv/bin/python bench/knowledge/run.py --requests 40 --repeats 2
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "busbar-demo-2026"
#: What people search for: one word in most articles, two common words, medium, rare, a code.
QUERIES = ["switch", "registration rejected", "certificate expiry", "prepayment credit", "d0205"]
#: What people type as an incident's summary (articles offered while typing).
SUMMARIES = ["Switch requests rejected since this morn", "Bulk upload of registration files timed ou"]
TOKEN_SCRIPT = """
from busbar.accounts.actions import create_api_token
from busbar.accounts.models import User
from busbar.lib.actions import Actor
for email in ("supplier@brightwater.example", "analyst@operator.example"):
    user = User.objects.get(email=email)
    _, raw = create_api_token(actor=Actor(user=user), user=user, name="kb bench")
    print("TOKEN", email, raw)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(kind: str, env: dict[str, str], port: int) -> subprocess.Popen:
    if kind == "busbar":
        cmd = [str(BIN / "busbar"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    else:
        workers = str(os.cpu_count() * 2 + 1)
        cmd = [str(BIN / "gunicorn"), "bench.knowledge.bare:application", "-b", f"127.0.0.1:{port}",
               "-k", "gthread", "-w", workers, "--threads", "4", "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env={**env, "PYTHONPATH": str(REPO)}, cwd=REPO, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    path = "/healthz" if kind == "busbar" else "/bare/search?q=x"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
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


def sign_in(port: int) -> str:
    """A participant's session cookie, through the real sign-in form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    resp = conn.getresponse()
    page = resp.read().decode()
    cookies = {
        c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0] for c in resp.headers.get_all("Set-Cookie")
    }
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": "supplier@brightwater.example", "password": PASSWORD}
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "Referer": f"http://127.0.0.1:{port}/accounts/login/",
    }
    conn.request("POST", "/accounts/login/", body, headers)
    resp = conn.getresponse()
    resp.read()
    for c in resp.headers.get_all("Set-Cookie") or []:
        name, value = c.split("=", 1)
        cookies[name] = value.split(";", 1)[0]
    if "sessionid" not in cookies:
        raise SystemExit("could not sign in the participant")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def timed(port: int, path: str, headers: dict[str, str], n: int, warm: int = 3) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    count = None
    for i in range(warm + n):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        elapsed = time.perf_counter() - t0
        if resp.status != 200:
            raise SystemExit(f"{path}: HTTP {resp.status} {body[:200]!r}")
        if i >= warm:
            times.append(elapsed * 1000)
        if count is None and body.startswith(b"{"):
            count = json.loads(body).get("count")
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
        "count": count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="timed requests per query and endpoint")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    env = {**os.environ}
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the loaded benchmark database (see load.py)")
    out = subprocess.run(
        [str(BIN / "busbar"), "shell", "-c", TOKEN_SCRIPT],
        env=env, cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    tokens = {line.split()[1]: line.split()[2] for line in out.splitlines() if line.startswith("TOKEN")}
    participant = {"Authorization": f"Bearer {tokens['supplier@brightwater.example']}"}
    desk = {"Authorization": f"Bearer {tokens['analyst@operator.example']}"}
    rows: dict[tuple[str, str], list[dict]] = {}
    for repeat in range(args.repeats):
        for kind in ("busbar", "bare") if repeat % 2 == 0 else ("bare", "busbar"):
            port = free_port()
            proc = serve(kind, env, port)
            try:
                cookie = {"Cookie": sign_in(port)} if kind == "busbar" else {}
                for q in QUERIES:
                    quoted = urllib.parse.quote(q)
                    if kind == "bare":
                        cases = {"bare SQL (ceiling)": (f"/bare/search?q={quoted}", {})}
                    else:
                        cases = {
                            "API, participant": (f"/api/v1/articles?q={quoted}&limit=20", participant),
                            "API, desk": (f"/api/v1/articles?q={quoted}&limit=20", desk),
                            "page, participant": (f"/knowledge/?q={quoted}", cookie),
                        }
                    for label, (path, headers) in cases.items():
                        rows.setdefault((q, label), []).append(timed(port, path, headers, args.requests))
                if kind == "busbar":
                    for text in SUMMARIES:
                        path = f"/api/v1/articles/suggest?text={urllib.parse.quote(text)}&limit=5"
                        rows.setdefault((text, "suggest, participant"), []).append(
                            timed(port, path, participant, args.requests)
                        )
            finally:
                stop(proc)
            print(f"repeat {repeat + 1}: {kind} done", flush=True)
    print(f"\n{args.requests} requests per row and repeat, {args.repeats} repeats, one request at a time")
    print("| search | endpoint | matches | p50 ms | p95 ms (worst repeat) | max ms |")
    print("|---|---|--:|--:|--:|--:|")
    for (q, label), results in rows.items():
        p50 = statistics.median(r["p50"] for r in results)
        p95 = max(r["p95"] for r in results)
        worst = max(r["max"] for r in results)
        count = results[0]["count"]
        print(
            f"| {q} | {label} | {'' if count is None else f'{count:,}'} "
            f"| {p50:.1f} | {p95:.1f} | {worst:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
