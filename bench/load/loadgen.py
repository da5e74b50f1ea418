"""Load generator: N virtual users on the Busbar API, then a check that no write was lost or duplicated.

    .venv/bin/python bench/load/loadgen.py --base-url http://127.0.0.1:8000 \
        --data-dir /tmp/busbar_load/sqlite --users 200 --duration 180 --warmup 10 --out /tmp/load.json
    .venv/bin/python bench/load/loadgen.py --verify-only /tmp/load.json     # again, after the server stopped

Each virtual user is bound to one API token of ``tokens.json`` (user ``i`` gets token ``i mod n``) and
loops: pick an operation by weight (``--mix``), do it, think for a random time (``--think``). Operations:

- ``list``: ``GET /api/v1/incidents?limit=50&offset=…`` (mostly the first page, sometimes a deeper one);
- ``detail``: ``GET /api/v1/incidents/{reference}`` of an incident the user may see;
- ``raise``: ``POST /api/v1/incidents`` (participants for their own organisation on an active service; the
  desk on behalf of a participant organisation, as for a phone call; resolvers do not raise: their share
  goes to ``update``);
- ``update``: ``POST /api/v1/incidents/{reference}/updates`` on an incident the user may update (raised by
  their organisation, with their provider, or any for the desk), learnt from a list call before the run.

Every POST carries a unique ``Idempotency-Key`` and a unique marker ``lt-<run>-<user>-<n>`` at the start
of its summary or body; after a timeout, a connection error or a retryable status (5xx by default) it is
sent again up to ``--retries`` times with the same key and body, after an exponential backoff (and so
is a 409 answered to a retry: the server says the key's first request is still in progress). A reply
with ``Idempotent-Replayed: true`` is counted as a replay. At the end every write is looked up in the
database by its marker (verify.py in ``busbar shell``): acknowledged writes must be there exactly once,
unacknowledged ones at most once.

Requests started during ``--warmup`` are made but not counted (their writes are verified all the same).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from _common import HERE, busbar_shell, load_prepared, prepared_env, summary_ms

try:
    import orjson

    loads = orjson.loads
except ImportError:  # pragma: no cover - orjson is a Busbar dependency
    loads = json.loads

OPS = ("list", "detail", "raise", "update")
SETUP_TIMEOUT = aiohttp.ClientTimeout(total=120)
CLOSED = {"closed", "cancelled"}
SYMPTOMS = [
    "Switch request stuck in Pending",
    "Secured message not received",
    "Address match failing for valid premises",
    "Rejection code with no explanation",
    "Slow responses from the API at peak",
]


class SetupError(Exception):
    """A token could not learn what it sees before the run (bad token, MFA missing, server down)."""


# Configuration ---------------------------------------------------------------------------------------------


def parse_mix(text: str) -> dict[str, float]:
    mix = {op: 0.0 for op in OPS}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in mix:
            raise argparse.ArgumentTypeError(f"unknown operation {name!r} (use {', '.join(OPS)})")
        mix[name] = float(weight)
    if sum(mix.values()) <= 0:
        raise argparse.ArgumentTypeError("the mix needs a positive weight")
    return mix


def parse_think(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    low_f = float(low)
    high_f = float(high) if high else low_f
    if low_f < 0 or high_f < low_f:
        raise argparse.ArgumentTypeError("think time: SECONDS or LOW-HIGH")
    return low_f, high_f


def parse_statuses(text: str) -> set[int]:
    codes: set[int] = set()
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        if part.endswith("xx"):
            base = int(part[0]) * 100
            codes.update(range(base, base + 100))
        elif "-" in part:
            a, b = part.split("-")
            codes.update(range(int(a), int(b) + 1))
        else:
            codes.add(int(part))
    return codes


def interleave(tokens: list[dict]) -> list[dict]:
    """Tokens in an order that mixes the kinds evenly, so the first N users are a fair sample of all."""
    by_kind: dict[str, list[dict]] = {}
    for t in tokens:
        by_kind.setdefault(t["kind"], []).append(t)
    keyed = [((i + 0.5) / len(ts), kind, i) for kind, ts in by_kind.items() for i in range(len(ts))]
    return [by_kind[kind][i] for _, kind, i in sorted(keyed)]


# Statistics ------------------------------------------------------------------------------------------------


@dataclass
class OpStats:
    logical: int = 0  # operations (a write with its retries is one)
    ok: int = 0  # operations whose final answer was 2xx
    failed: int = 0  # operations that ended without a 2xx
    attempts: int = 0  # HTTP requests sent
    s2xx: int = 0
    s4xx: int = 0
    s429: int = 0  # included in s4xx
    s5xx: int = 0
    s503: int = 0  # included in s5xx
    timeouts: int = 0
    conn_errors: int = 0
    retries: int = 0
    replays: int = 0
    statuses: Counter = field(default_factory=Counter)
    final_latency: list[float] = field(default_factory=list)  # the last attempt
    logical_latency: list[float] = field(default_factory=list)  # first send to final answer, incl. backoff
    attempt_latency: list[float] = field(default_factory=list)  # every attempt

    def report(self, seconds: float) -> dict[str, Any]:
        return {
            "ops": self.logical,
            "ok": self.ok,
            "failed": self.failed,
            "requests": self.attempts,
            "2xx": self.s2xx,
            "4xx": self.s4xx,
            "429": self.s429,
            "5xx": self.s5xx,
            "503": self.s503,
            "timeouts": self.timeouts,
            "conn_errors": self.conn_errors,
            "retries": self.retries,
            "replays": self.replays,
            "statuses": dict(sorted(self.statuses.items())),
            "ops_per_s": round(self.logical / seconds, 2) if seconds else None,
            "ok_per_s": round(self.ok / seconds, 2) if seconds else None,
            "requests_per_s": round(self.attempts / seconds, 2) if seconds else None,
            "latency_ms": summary_ms(self.final_latency),
            "logical_latency_ms": summary_ms(self.logical_latency),
            "attempt_latency_ms": summary_ms(self.attempt_latency),
        }


COUNTERS = (
    *("logical", "ok", "failed", "attempts", "s2xx", "s4xx", "s429", "s5xx", "s503"),
    *("timeouts", "conn_errors", "retries", "replays"),
)


def merge(stats: list[OpStats]) -> OpStats:
    total = OpStats()
    for s in stats:
        for name in COUNTERS:
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.statuses.update(s.statuses)
        total.final_latency += s.final_latency
        total.logical_latency += s.logical_latency
        total.attempt_latency += s.attempt_latency
    return total


@dataclass
class Write:
    op: str
    marker: str
    key: str
    vu: int
    email: str
    started: float  # seconds since the start of the load
    in_window: bool
    attempts: int = 0
    acked: bool = False
    replayed: bool = False
    final: str = ""  # final status code, "timeout", "conn" or "abandoned"
    reference: str = ""  # the incident (raise) or the incident updated (update)
    update_id: int | None = None
    abandoned: bool = False  # still in flight when the drain time ran out (cancelled by the client)


# The load --------------------------------------------------------------------------------------------------


class Load:
    def __init__(self, args: argparse.Namespace, tokens: dict[str, Any]) -> None:
        self.args = args
        self.base = args.base_url.rstrip("/")
        self.tokens = interleave(tokens["tokens"])
        self.participant_orgs = tokens["participant_organisation_ids"]
        self.run_id = args.run_id or uuid.uuid4().hex[:10]
        self.stats = {op: OpStats() for op in OPS}
        self.writes: list[Write] = []
        self.retry_status = parse_statuses(args.retry_status)
        self.timeout = aiohttp.ClientTimeout(total=args.timeout)
        self.errors: dict[str, list[str]] = {}
        self.substituted: Counter = Counter()
        self.client_exceptions: Counter = Counter()
        self.timeline: dict[int, list[int]] = {}  # second of the window -> [completed, not ok]
        self.pools: list[dict[str, Any]] = []
        self.t0 = 0.0
        self.in_flight = 0

    # HTTP --------------------------------------------------------------------------------------------------

    def headers(self, token: dict[str, Any], **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token['token']}", "Accept": "application/json", **extra}

    async def attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> tuple[str, bool, bytes, float]:
        """One HTTP request: (status or "timeout"/"conn", replayed, body, seconds)."""
        started = time.perf_counter()
        timeout = timeout or self.timeout
        try:
            async with session.request(method, url, headers=headers, data=body, timeout=timeout) as resp:
                payload = await resp.read()
                replayed = resp.headers.get("Idempotent-Replayed", "").lower() == "true"
                return str(resp.status), replayed, payload, time.perf_counter() - started
        except TimeoutError:
            return "timeout", False, b"", time.perf_counter() - started
        except (aiohttp.ClientError, OSError) as exc:
            return "conn", False, type(exc).__name__.encode(), time.perf_counter() - started

    def count_attempt(
        self, stats: OpStats | None, status: str, replayed: bool, seconds: float, op: str, payload: bytes
    ) -> None:
        if stats is None:
            return
        stats.attempts += 1
        stats.statuses[status] += 1
        stats.attempt_latency.append(seconds)
        if status == "timeout":
            stats.timeouts += 1
        elif status == "conn":
            stats.conn_errors += 1
        else:
            code = int(status)
            if 200 <= code < 300:
                stats.s2xx += 1
            elif 400 <= code < 500:
                stats.s4xx += 1
                stats.s429 += code == 429
            elif code >= 500:
                stats.s5xx += 1
                stats.s503 += code == 503
        if replayed:
            stats.replays += 1
        if not status.startswith("2") and status != "timeout":
            samples = self.errors.setdefault(f"{op} {status}", [])
            if len(samples) < 3:
                samples.append(payload[:300].decode("utf-8", "replace"))

    def count_logical(
        self, stats: OpStats | None, ok: bool, final_seconds: float, logical_seconds: float
    ) -> None:
        if stats is None:
            return
        stats.logical += 1
        stats.ok += ok
        stats.failed += not ok
        stats.final_latency.append(final_seconds)
        stats.logical_latency.append(logical_seconds)
        second = int(time.monotonic() - self.t0 - self.args.warmup)
        row = self.timeline.setdefault(second, [0, 0])
        row[0] += 1
        row[1] += not ok

    async def get(
        self, session: aiohttp.ClientSession, op: str, token: dict, path: str, stats: OpStats | None
    ) -> bytes | None:
        status, replayed, payload, seconds = await self.attempt(
            session, "GET", self.base + path, self.headers(token), None
        )
        self.count_attempt(stats, status, replayed, seconds, op, payload)
        ok = status.startswith("2")
        self.count_logical(stats, ok, seconds, seconds)
        return payload if ok else None

    async def post(
        self,
        session: aiohttp.ClientSession,
        write: Write,
        token: dict,
        path: str,
        data: dict,
        stats: OpStats | None,
    ) -> Any:
        """A write with its retries (same key, same body). Returns the parsed 2xx answer or None."""
        body = json.dumps(data).encode()
        headers = self.headers(token, **{"Content-Type": "application/json", "Idempotency-Key": write.key})
        started = time.perf_counter()
        status, seconds, payload = "", 0.0, b""
        for attempt in range(self.args.retries + 1):
            if attempt:
                if stats is not None:
                    stats.retries += 1
                delay = self.args.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                await asyncio.sleep(delay)
            status, replayed, payload, seconds = await self.attempt(
                session, "POST", self.base + path, headers, body
            )
            write.attempts += 1
            write.final = status
            write.replayed |= replayed
            self.count_attempt(stats, status, replayed, seconds, write.op, payload)
            if status in ("timeout", "conn") or (status.isdigit() and int(status) in self.retry_status):
                continue
            if status == "409" and attempt and self.args.retry_in_progress:
                continue  # an earlier attempt with this key is still running on the server: ask again
            break
        ok = status.startswith("2")
        write.acked = ok
        self.count_logical(stats, ok, seconds, time.perf_counter() - started)
        if not ok:
            return None
        try:
            return loads(payload)
        except ValueError:
            return None

    # Setup -------------------------------------------------------------------------------------------------

    async def learn(self, session: aiohttp.ClientSession, index: int, token: dict) -> None:
        """What this token's user sees: incidents to read and to update, services to raise on."""
        pool: dict[str, Any] = {"visible": [], "updatable": [], "count": 0, "services": []}
        limit = self.args.api_page_max
        status, _, payload, _ = await self.attempt(
            session,
            "GET",
            f"{self.base}/api/v1/incidents?limit={limit}",
            self.headers(token),
            None,
            SETUP_TIMEOUT,
        )
        if status != "200":
            raise SetupError(
                f"loadgen: {token['email']}: GET /api/v1/incidents answered {status}: {payload[:300]!r}"
            )
        page = loads(payload)
        pool["count"] = page["count"]
        items = page["items"]
        pool["visible"] = [i["reference"] for i in items]
        orgs, resolver_for = set(token["organisation_ids"]), set(token["resolver_for"])

        def may_update(item: dict) -> bool:
            if token["kind"] == "desk":
                return True
            if token["kind"] == "resolver":
                return bool(item["provider"]) and item["provider"]["id"] in resolver_for
            return bool(item["organisation"]) and item["organisation"]["id"] in orgs

        mine = [i for i in items if may_update(i) and i["status"] != "cancelled"]
        open_ones = [i["reference"] for i in mine if i["status"] not in CLOSED]
        pool["updatable"] = open_ones or [i["reference"] for i in mine]
        if token["kind"] != "resolver":
            status, _, payload, _ = await self.attempt(
                session,
                "GET",
                f"{self.base}/api/v1/services?limit=200",
                self.headers(token),
                None,
                SETUP_TIMEOUT,
            )
            if status != "200":
                raise SetupError(f"loadgen: {token['email']}: GET /api/v1/services answered {status}")
            pool["services"] = [s["slug"] for s in loads(payload)["items"] if s["is_active"]]
        self.pools[index] = pool

    # Virtual users -----------------------------------------------------------------------------------------

    def choose(self, rng: random.Random, token: dict, pool: dict) -> str:
        op = rng.choices(OPS, weights=[self.args.mix[o] for o in OPS])[0]
        wanted = op
        if op == "raise" and (token["kind"] == "resolver" or not pool["services"]):
            op = "update"
        if op == "update" and not pool["updatable"]:
            op = "detail"
        if op == "detail" and not pool["visible"]:
            op = "list"
        if op != wanted:
            self.substituted[f"{token['kind']}: {wanted} -> {op}"] += 1
        return op

    async def user(self, vu: int, session: aiohttp.ClientSession, start_at: float, end_at: float) -> None:
        args = self.args
        rng = random.Random(f"{args.seed}-{vu}")
        index = vu % len(self.tokens)
        token, pool = self.tokens[index], self.pools[index]
        seq = 0
        await asyncio.sleep(max(0.0, start_at + rng.uniform(0, args.ramp) - time.monotonic()))
        while time.monotonic() < end_at:
            now = time.monotonic()
            in_window = now >= self.t0 + args.warmup
            op = self.choose(rng, token, pool)
            stats = self.stats[op] if in_window else None
            write = None
            self.in_flight += 1
            try:
                if op == "list":
                    offset = 0
                    if rng.random() < args.list_deep and pool["count"] > args.list_limit:
                        pages = min(pool["count"] // args.list_limit, args.list_pages)
                        offset = rng.randint(1, max(1, pages)) * args.list_limit
                    path = f"/api/v1/incidents?limit={args.list_limit}&offset={offset}"
                    await self.get(session, op, token, path, stats)
                elif op == "detail":
                    reference = rng.choice(pool["visible"])
                    await self.get(session, op, token, f"/api/v1/incidents/{reference}", stats)
                else:
                    seq += 1
                    marker = f"lt-{self.run_id}-{vu:03d}-{seq:05d}"
                    write = Write(
                        op=op,
                        marker=marker,
                        key=str(uuid.uuid4()),
                        vu=vu,
                        email=token["email"],
                        started=round(now - self.t0, 3),
                        in_window=in_window,
                    )
                    self.writes.append(write)
                    if op == "raise":
                        data = {
                            "service": rng.choice(pool["services"]),
                            "summary": f"{marker} {rng.choice(SYMPTOMS)}",
                            "description": f"{marker} Written by the load benchmark (virtual user {vu}).",
                        }
                        if token["kind"] == "desk":
                            data["organisation"] = rng.choice(self.participant_orgs)
                            data["contact_name"] = "Caller (load benchmark)"
                        answer = await self.post(session, write, token, "/api/v1/incidents", data, stats)
                        if answer:
                            write.reference = answer.get("reference", "")
                            if write.reference:
                                pool["visible"].append(write.reference)
                                pool["updatable"].append(write.reference)
                                pool["count"] += 1
                    else:
                        reference = rng.choice(pool["updatable"])
                        write.reference = reference
                        data = {"body": f"{marker} Update from the load benchmark (virtual user {vu})."}
                        answer = await self.post(
                            session, write, token, f"/api/v1/incidents/{reference}/updates", data, stats
                        )
                        if answer:
                            write.update_id = answer.get("id")
            except asyncio.CancelledError:
                if write is not None and not write.acked:
                    write.abandoned = True
                raise
            except Exception as exc:
                self.client_exceptions[f"{op}: {type(exc).__name__}: {exc}"[:200]] += 1
            finally:
                self.in_flight -= 1
            low, high = args.think
            if high > 0:
                await asyncio.sleep(rng.uniform(low, high))

    def sessions(self) -> list[aiohttp.ClientSession]:
        mode, users = self.args.connections, self.args.users

        def session(limit: int, force_close: bool = False) -> aiohttp.ClientSession:
            connector = aiohttp.TCPConnector(limit=limit, force_close=force_close, ttl_dns_cache=None)
            return aiohttp.ClientSession(connector=connector, json_serialize=json.dumps)

        if mode == "per-user":
            return [session(1) for _ in range(users)]
        if mode == "close":
            return [session(1, force_close=True) for _ in range(users)]
        return [session(users)]

    async def run(self) -> dict[str, Any]:
        args = self.args
        self.pools = [{} for _ in self.tokens]
        setup_started = time.monotonic()
        async with aiohttp.ClientSession() as setup:
            limiter = asyncio.Semaphore(4)

            async def one(i: int, t: dict) -> None:
                async with limiter:
                    await self.learn(setup, i, t)

            await asyncio.gather(*(one(i, t) for i, t in enumerate(self.tokens)))
        setup_seconds = time.monotonic() - setup_started
        print(
            f"loadgen: run {self.run_id}: {args.users} users on {len(self.tokens)} tokens, "
            f"{args.warmup:g} s warm-up + {args.duration:g} s against {self.base}",
            file=sys.stderr,
            flush=True,
        )
        sessions = self.sessions()
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        self.t0 = time.monotonic()
        wall_started = dt.datetime.now(dt.UTC)
        end_at = self.t0 + args.warmup + args.duration
        tasks = [
            asyncio.create_task(self.user(vu, sessions[vu % len(sessions)], self.t0, end_at))
            for vu in range(args.users)
        ]
        progress = asyncio.create_task(self.progress(end_at))
        # Long enough by default for a write that started just before the end to use all its retries.
        worst = (args.retries + 1) * args.timeout + args.backoff * 1.5 * (2**args.retries - 1) + 5
        drain = args.drain if args.drain is not None else worst
        done, pending = await asyncio.wait(tasks, timeout=end_at - time.monotonic() + drain)
        abandoned = len(pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        progress.cancel()
        load_seconds = time.monotonic() - self.t0
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        for s in sessions:
            await s.close()
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        seconds = args.duration
        per_op = {op: s.report(seconds) for op, s in self.stats.items()}
        total = merge(list(self.stats.values())).report(seconds)
        return {
            "run_id": self.run_id,
            "label": args.label,
            "base_url": self.base,
            "started_at": wall_started.isoformat(timespec="seconds"),
            "config": {
                "users": args.users,
                "tokens": len(self.tokens),
                "token_kinds": dict(Counter(t["kind"] for t in self.tokens)),
                "users_by_kind": dict(
                    Counter(self.tokens[vu % len(self.tokens)]["kind"] for vu in range(args.users))
                ),
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "ramp_s": args.ramp,
                "mix": args.mix,
                "think_s": list(args.think),
                "timeout_s": args.timeout,
                "retries": args.retries,
                "backoff_s": args.backoff,
                "retry_status": args.retry_status,
                "retry_409_on_retry": args.retry_in_progress,
                "connections": args.connections,
                "list_limit": args.list_limit,
                "seed": args.seed,
            },
            "setup_s": round(setup_seconds, 2),
            "load_s": round(load_seconds, 2),
            "abandoned_users": abandoned,
            "loadgen_cpu_s": round(cpu, 2),
            "loadgen_cpu_percent_of_one_core": round(100 * cpu / load_seconds, 1) if load_seconds else None,
            "ops": per_op,
            "total": total,
            "substituted": dict(self.substituted),
            "client_exceptions": dict(self.client_exceptions),
            "error_samples": self.errors,
            "timeline": [[s, *self.timeline[s]] for s in sorted(self.timeline) if s >= 0],
            "writes": [w.__dict__ for w in self.writes],
        }

    async def progress(self, end_at: float) -> None:
        if not self.args.progress:
            return
        while True:
            await asyncio.sleep(self.args.progress)
            total = merge(list(self.stats.values()))
            left = max(0.0, end_at - time.monotonic())
            print(
                f"loadgen: {time.monotonic() - self.t0:6.0f} s: {total.logical:,} ops counted, "
                f"{total.failed:,} failed, {self.in_flight} in flight, {left:.0f} s left",
                file=sys.stderr,
                flush=True,
            )


# Verification ----------------------------------------------------------------------------------------------


def verify(results: dict[str, Any], data_dir: str) -> dict[str, Any]:
    """Look every write up by its marker; acknowledged: exactly once; unacknowledged: at most once."""
    prepared = load_prepared(data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "found.json"
        params = json.dumps({"prefix": f"lt-{results['run_id']}-", "out": str(out)})
        busbar_shell(
            HERE / "verify.py",
            prepared_env(prepared, BUSBAR_LOAD_VERIFY=params),
            "busbar_load_verify",
            stdout=subprocess.DEVNULL,
        )
        found = json.loads(out.read_text())
    rows: dict[str, list[dict]] = {}
    for kind in ("incidents", "updates"):
        for row in found[kind]:
            rows.setdefault(row["marker"], []).append(row)
    report: dict[str, Any] = {}
    known = set()
    for op in ("raise", "update"):
        c = Counter()
        examples: dict[str, list[str]] = {}
        for w in results["writes"]:
            if w["op"] != op:
                continue
            known.add(w["marker"])
            n = len(rows.get(w["marker"], []))
            c["attempted"] += 1
            c["acknowledged"] += w["acked"]
            c["replayed"] += w["replayed"]
            c["retried"] += w["attempts"] > 1
            c["abandoned"] += w.get("abandoned", False)
            problem = None
            if w["acked"]:
                if n == 0:
                    problem = "lost"
                elif n > 1:
                    problem = "duplicated"
                else:
                    row = rows[w["marker"]][0]
                    if op == "raise" and w["reference"] and row["reference"] != w["reference"]:
                        problem = "mismatched"
                    if op == "update" and w["update_id"] is not None and row["id"] != w["update_id"]:
                        problem = "mismatched"
            else:
                c["unacknowledged"] += 1
                if n == 1:
                    c["unacknowledged_but_written"] += 1
                elif n > 1:
                    problem = "duplicated"
            if problem:
                c[problem] += 1
                examples.setdefault(problem, [])
                if len(examples[problem]) < 5:
                    examples[problem].append(
                        f"{w['marker']} ({w['attempts']} attempts, final {w['final']}, rows {n})"
                    )
            c["rows"] += n
            c["extra_rows"] += max(0, n - 1)
        for name in ("lost", "duplicated", "mismatched", "unacknowledged", "unacknowledged_but_written"):
            c.setdefault(name, 0)
        report[op] = dict(c) | {"examples": examples}
    unknown = sorted(set(rows) - known)
    report["unknown_markers"] = len(unknown)
    report["lost"] = sum(report[op]["lost"] for op in ("raise", "update"))
    report["duplicated"] = sum(report[op]["duplicated"] for op in ("raise", "update"))
    report["mismatched"] = sum(report[op]["mismatched"] for op in ("raise", "update"))
    report["ok"] = report["lost"] == 0 and report["duplicated"] == 0 and report["mismatched"] == 0
    report["verified_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return report


def print_summary(results: dict[str, Any], only_writes: bool = False) -> None:
    if not only_writes:
        _print_table(results)
    v = results.get("verification")
    if v:
        print(
            f"writes: lost {v['lost']}, duplicated {v['duplicated']}, mismatched {v['mismatched']} "
            f"(raise {v['raise']['attempted']} attempted / {v['raise']['acknowledged']} acknowledged; "
            f"update {v['update']['attempted']} / {v['update']['acknowledged']}) "
            f"-> {'OK' if v['ok'] else 'FAILED'}"
        )


def _print_table(results: dict[str, Any]) -> None:
    head = [f"{'op':<8}", f"{'ops':>7}", f"{'ok/s':>7}", *(f"{k:>8}" for k in ("p50", "p95", "p99", "max"))]
    print(" ".join(head), " 4xx  5xx  t/o conn retry")
    for op, r in [*results["ops"].items(), ("total", results["total"])]:
        lat = r["latency_ms"]
        cells = [
            f"{lat[k]:8.1f}" if lat[k] is not None else f"{'-':>8}" for k in ("p50", "p95", "p99", "max")
        ]
        print(
            f"{op:<8} {r['ops']:>7} {r['ok_per_s']:>7} {' '.join(cells)} {r['4xx']:>4} {r['5xx']:>4} "
            f"{r['timeouts']:>4} {r['conn_errors']:>4} {r['retries']:>5}"
        )
    cpu, pct = results["loadgen_cpu_s"], results["loadgen_cpu_percent_of_one_core"]
    print(f"loadgen CPU: {cpu} s ({pct} % of one core)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--data-dir", help="the prepared directory (tokens.json, and the database for verification)"
    )
    parser.add_argument("--tokens", help="tokens.json (default: the data dir's)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=180, help="measured seconds (180)")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before measuring (10)")
    parser.add_argument("--ramp", type=float, default=5, help="users start spread over this many seconds (5)")
    parser.add_argument("--mix", type=parse_mix, default=parse_mix("list=50,detail=30,raise=10,update=10"))
    parser.add_argument(
        "--think", type=parse_think, default=(0.5, 1.5), help="LOW-HIGH seconds, or 0 (0.5-1.5)"
    )
    parser.add_argument("--timeout", type=float, default=60, help="client timeout per request, s (60)")
    parser.add_argument("--retries", type=int, default=3, help="retries of a write (same key and body) (3)")
    parser.add_argument(
        "--backoff", type=float, default=0.5, help="first retry delay, doubling, ±50 %% (0.5 s)"
    )
    parser.add_argument(
        "--retry-status", default="5xx", help="statuses that retry a write, e.g. 5xx,429 (5xx)"
    )
    parser.add_argument(
        "--no-retry-in-progress",
        dest="retry_in_progress",
        action="store_false",
        help="do not retry a 409 answered to a retry (the key's first request still in progress)",
    )
    parser.add_argument(
        "--connections",
        choices=["per-user", "shared", "close"],
        default="per-user",
        help="per-user: one keep-alive connection per user (default); shared: one pool; close: no keep-alive",
    )
    parser.add_argument("--list-limit", type=int, default=50)
    parser.add_argument(
        "--list-deep", type=float, default=0.3, help="share of list calls on a deeper page (0.3)"
    )
    parser.add_argument("--list-pages", type=int, default=20, help="deepest page a list call goes to (20)")
    parser.add_argument("--api-page-max", type=int, default=200, help="page size of the setup list call")
    parser.add_argument(
        "--drain", type=float, help="seconds to let operations in flight finish (all retries' worth)"
    )
    parser.add_argument("--seed", default="1")
    parser.add_argument("--run-id", help="marker prefix of this run's writes (random)")
    parser.add_argument("--label", default="")
    parser.add_argument("--progress", type=float, default=0, help="print progress every N seconds")
    parser.add_argument("--out", help="results JSON (default: stdout summary only)")
    parser.add_argument(
        "--verify", choices=["now", "no"], default="now", help="check the writes in the database at the end"
    )
    parser.add_argument(
        "--verify-only", metavar="RESULTS", help="verify the writes of an earlier results file"
    )
    args = parser.parse_args(argv)

    if args.verify_only:
        path = Path(args.verify_only)
        results = json.loads(path.read_text())
        results["verification"] = verify(results, args.data_dir or results["data_dir"])
        path.write_text(json.dumps(results, indent=1))
        print_summary(results, only_writes=True)
        return 0 if results["verification"]["ok"] else 1
    if not args.base_url or not (args.data_dir or args.tokens):
        parser.error("--base-url and --data-dir (or --tokens) are required")
    tokens_path = args.tokens or load_prepared(args.data_dir)["tokens"]
    tokens = json.loads(Path(tokens_path).read_text())
    try:
        results = asyncio.run(Load(args, tokens).run())
    except SetupError as exc:
        print(f"loadgen: {exc}", file=sys.stderr)
        return 2
    results["data_dir"] = args.data_dir and str(Path(args.data_dir).resolve())
    if args.verify == "now" and args.data_dir:
        results["verification"] = verify(results, args.data_dir)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))
    print_summary(results)
    v = results.get("verification")
    return 1 if v and not v["ok"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
