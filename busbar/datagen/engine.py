"""Generation jobs: plan chunks of meters and days, render them in worker processes, write them in order.

A chunk is rendered by one process into finished output bytes (framed into submissions, optionally a gzip
member). Chunk boundaries depend only on the job, never on the number of workers, and each chunk is a pure
function of the job and its position, so output is byte-identical however many processes run. At most
``2 x workers`` chunks are in flight, which bounds memory whatever the number of meters.
"""

from __future__ import annotations

import contextlib
import mmap
import multiprocessing as mp
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from . import codes, flat, gbtime, invalid, layout, model, output, render

FORMATS = ("jsonl", "json", "csv", "parquet")
TARGET_METER_DAYS = 2048  # IF-021 meter-days per chunk
TARGET_READS = 16_384  # IF-041 readings per chunk (about 11 MB of JSON)
READ_WINDOW = 32  # days of consumption held at once for IF-041
MAX_DAYS = 3_660
FLAT_WINDOW = 366
REFERENCE = re.compile(r"^S-((IF|REP)-)?\d{3,4}-[0-9a-fA-F]{10}-[A-Z]{3,5}-\d{8}-[a-zA-Z0-9]+$")  # DT-995


@dataclass(frozen=True)
class Job:
    interface: str  # "IF-021" or "IF-041"
    settings: model.Settings
    meters: int
    first_day: int  # abs day
    days: int
    env: render.Envelope = field(default_factory=render.Envelope)
    days_per_message: int = 1
    per_submission: int = 1
    fmt: str = "jsonl"
    compress: bool = False
    invalid_share: float = 0.0
    invalid_cases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.interface not in ("IF-021", "IF-041"):
            raise ValueError("interface is IF-021 or IF-041")
        if not 1 <= self.meters <= model.mpan.MAX_METERS:
            raise ValueError(f"meters must be between 1 and {model.mpan.MAX_METERS:,}")
        if not 1 <= self.days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}")
        if not 1 <= self.days_per_message <= 200:
            raise ValueError("days per message must be between 1 and 200 (B900 allows 200 settlement days)")
        if self.per_submission < 1:
            raise ValueError("messages per submission must be at least 1")
        if self.fmt not in FORMATS:
            raise ValueError(f"format is one of {', '.join(FORMATS)}")
        if self.interface == "IF-041" and set(self.settings.quantities) - set(codes.ACTIVE):
            raise ValueError("IF-041 carries active-energy registers only: --quantity AI and/or AE")
        if self.invalid_share and self.fmt in ("csv", "parquet"):
            raise ValueError("invalid messages can only be injected into jsonl or json output")
        if self.compress and self.fmt == "parquet":
            raise ValueError("parquet is compressed already; --gzip applies to jsonl, json and csv")

    @property
    def window(self) -> int:
        """IF-021 days rendered together: the days per message, or for flat output up to a year, so that
        flat rows come meter by meter (and a flat CSV can be fed back with --csv)."""
        return self.days_per_message if self.fmt in ("jsonl", "json") else min(self.days, FLAT_WINDOW)

    @property
    def quantity_index(self) -> list[int]:
        return [i for i, q in enumerate(codes.QUANTITIES) if q in self.settings.quantities]


@dataclass
class Chunk:
    data: bytes = b""
    messages: int = 0
    submissions: int = 0
    units: int = 0  # meter-days, for progress
    manifest: list[dict[str, Any]] = field(default_factory=list)
    table: Any = None  # pyarrow table (parquet output)
    slot: int = -1  # the data is in this slot of the shared ring, not in ``data``
    size: int = 0  # bytes of data in the ring slot or the in-process scratch buffer


# ---- planning ----


def meters_per_chunk(job: Job) -> int:
    """Meters per chunk: whole random-stream groups, or fewer meters when each has a lot of days."""
    if job.interface == "IF-021":
        per = TARGET_METER_DAYS // (job.window * max(1, len(job.quantity_index) // 2 + 1))
    else:
        per = TARGET_READS // (job.days + 1)
    return per // model.GROUP * model.GROUP if per >= model.GROUP else max(1, per)


def plan(job: Job) -> list[tuple[int, int, int]]:
    """Chunks as (window, first meter, end meter), in output order."""
    step = meters_per_chunk(job)
    starts = range(0, job.meters, step)
    if job.interface == "IF-041":
        return [(0, s, min(s + step, job.meters)) for s in starts]
    windows = -(-job.days // job.window)
    return [(w, s, min(s + step, job.meters)) for w in range(windows) for s in starts]


# ---- rendering one chunk (runs in worker processes) ----

_JOB: Job | None = None
_TEMPLATES: dict[tuple[str, int], Any] = {}
_RING: list[mmap.mmap] = []
_DEST: np.ndarray | None = None  # where plain output goes: a ring slot, or the in-process scratch buffer


def _init(job: Job, ring: list[mmap.mmap] | None = None) -> None:
    global _JOB, _RING
    _JOB = job
    _RING = ring or []
    _TEMPLATES.clear()


def _init_worker(job: Job, ring: list[mmap.mmap]) -> None:
    """Pool worker set-up: Ctrl-C is the main process's business (it stops the pool and cleans up)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    output.keep_freed_memory()
    _init(job, ring)


def _work_in_slot(task: tuple[tuple[int, int, int], int]) -> Chunk:
    """Render a chunk into a slot of the shared ring: the main process then writes it to the file straight
    from shared memory instead of receiving it through a pipe."""
    global _DEST
    slot = task[1]
    _DEST = np.frombuffer(_RING[slot], np.uint8) if _RING else None
    try:
        chunk = _work(task[0])
    finally:
        _DEST = None
    if chunk.size:
        chunk.slot = slot
    elif _RING and chunk.data and len(chunk.data) <= len(_RING[slot]):
        _RING[slot][: len(chunk.data)] = chunk.data
        chunk.slot, chunk.size, chunk.data = slot, len(chunk.data), b""
    return chunk


def slot_bytes(job: Job) -> int:
    """Room for one chunk of output in the shared ring (0: pass output through the pipe instead)."""
    if job.fmt not in ("jsonl", "json"):
        return 0
    per = meters_per_chunk(job)
    if job.interface == "IF-021":
        width = len(render.if021_template(job.window, job.env)[0])
        rows = per * min(3, len(job.quantity_index))
    else:
        width, rows = len(render.if041_template(job.env)), per * (job.days + 1)
    return int(width * rows * (3 if job.fmt == "json" else 1.1)) + (1 << 20)


def _work(task: tuple[int, int, int]) -> Chunk:
    assert _JOB is not None
    window, start, stop = task
    if _JOB.interface == "IF-021":
        return _if021_chunk(_JOB, window, start, stop)
    return _if041_chunk(_JOB, start, stop)


def _sent(day_after: np.ndarray | int, meter_index: np.ndarray) -> np.ndarray:
    """Messages go out between 01:00 and 02:00 UTC the day after the data, spread by meter."""
    return np.asarray(day_after) * gbtime.DAY + 3_600 + (meter_index * 37) % 3_600


def _if021_chunk(job: Job, window: int, start: int, stop: int) -> Chunk:
    k = job.window
    first = job.first_day + window * k
    days = np.arange(first, min(first + k, job.first_day + job.days))
    pop = model.population(job.settings, start, stop)
    data = model.consumption(job.settings, pop, days)
    meter, quantity = [], []
    for qi in job.quantity_index:
        sel = np.flatnonzero(pop.measures(codes.QUANTITIES[qi]))
        meter.append(sel)
        quantity.append(np.full(len(sel), qi))
    m, q = np.concatenate(meter), np.concatenate(quantity)
    order = np.lexsort((q, m))
    m, q = m[order], q[order]
    index = pop.index[m]
    rows = render.Rows(
        meter=m, quantity=q, key=(window * job.meters + index) * 4 + q, sent=_sent(days[-1] + 1, index)
    )
    present = data.present[m].any(axis=1)
    units = len(pop) * len(days)
    if job.fmt in ("csv", "parquet"):
        table = flat.if021_table(pop, data, rows)
        return _flat_chunk(job, table, int(present.sum()), units, header=(window == 0 and start == 0))
    key = ("IF-021", len(days))
    if key not in _TEMPLATES:
        _TEMPLATES[key] = render.if021_template(len(days), job.env)
    frame = render.render_if021(pop, data, rows, job.env, job.per_submission, _TEMPLATES[key])
    return _finish(job, frame, rows, present, units, opening=np.zeros(len(m), bool))


def _if041_chunk(job: Job, start: int, stop: int) -> Chunk:
    pop = model.population(job.settings, start, stop)
    measures_ae = pop.measures("AE") & ("AE" in job.settings.quantities)
    measures_ai = pop.measures("AI") & ("AI" in job.settings.quantities)
    has = np.flatnonzero((measures_ae | measures_ai) & (pop.profile != model.UNMETERED))
    qty = np.where(measures_ae[has], codes.QUANTITIES.index("AE"), codes.QUANTITIES.index("AI"))
    index = pop.index[has]
    register = pop.register_open[has].copy()
    parts: dict[str, list[np.ndarray]] = {
        n: [] for n in ("meter", "q", "key", "reading", "at", "kind", "open")
    }

    def emit(j: int, sel: np.ndarray, kind: np.ndarray) -> None:
        parts["meter"].append(has[sel])
        parts["q"].append(qty[sel])
        parts["key"].append(index[sel] * (job.days + 1) + j)
        parts["reading"].append(register[sel])
        parts["at"].append(np.full(len(sel), (job.first_day + j) * gbtime.DAY))
        parts["kind"].append(kind)
        parts["open"].append(np.full(len(sel), j == 0))

    emit(0, np.arange(len(has)), np.zeros(len(has), np.uint8))
    for w0 in range(0, job.days, READ_WINDOW):
        days = job.first_day + np.arange(w0, min(w0 + READ_WINDOW, job.days))
        data = model.consumption(job.settings, pop.select(has), days)
        # A meter measures AI or AE, never both, and the other quantity's array is zero for it.
        daily = sum(data.wh[q].sum(axis=2) for q in ("AI", "AE") if q in data.wh)
        for i in range(len(days)):
            register += daily[:, i]
            sel = np.flatnonzero(data.present[:, i])
            emit(w0 + i + 1, sel, data.read[sel, i])
    cat = {n: np.concatenate(v) if v else np.zeros(0, np.int64) for n, v in parts.items()}
    sent = cat["at"] + 3_600 + (pop.index[cat["meter"]] * 37) % 3_600  # an hour after the reading
    rows = render.Rows(meter=cat["meter"], quantity=cat["q"], key=cat["key"], sent=sent)
    units = len(pop) * job.days
    kind = cat["kind"].astype(np.intp)
    if job.fmt in ("csv", "parquet"):
        table = flat.if041_table(pop, rows, cat["reading"], cat["at"], kind)
        return _flat_chunk(job, table, len(rows.meter), units, header=start == 0)
    if ("IF-041", 0) not in _TEMPLATES:
        _TEMPLATES[("IF-041", 0)] = render.if041_template(job.env)
    frame = render.render_if041(
        pop,
        rows,
        cat["reading"],
        cat["at"],
        kind,
        job.env,
        job.per_submission,
        _TEMPLATES[("IF-041", 0)],
    )
    return _finish(job, frame, rows, np.ones(len(rows.meter), bool), units, opening=cat["open"])


def _flat_chunk(job: Job, table: Any, messages: int, units: int, header: bool) -> Chunk:
    if job.fmt == "parquet":
        return Chunk(messages=messages, units=units, table=table)
    data = flat.csv_bytes(table, header)
    return Chunk(data=output.gzip_member(data) if job.compress else data, messages=messages, units=units)


def _finish(
    job: Job, frame: layout.Frame, rows: render.Rows, present: np.ndarray, units: int, opening: np.ndarray
) -> Chunk:
    """Turn a rendered frame into a chunk: straight into the destination buffer when nothing else is to be
    done (plain JSONL), otherwise through bytes for invalid cases, pretty JSON or gzip."""
    messages = int(present.sum())
    submissions = -(-messages // job.per_submission) if messages else 0
    chunk = Chunk(messages=messages, submissions=submissions, units=units)
    plain = job.fmt == "jsonl" and not job.compress and not (job.invalid_share > 0 and messages)
    if plain and _DEST is not None:
        size = frame.compress_into(_DEST)
        if size is not None:
            chunk.size = size
            return chunk
    out = frame.compress()
    if job.invalid_share > 0 and messages:
        out, chunk.manifest = _inject(job, out, frame.row_lengths(), rows, present, opening)
    if job.fmt == "json" and out:
        lines = out.splitlines()
        out = b",\n".join(orjson.dumps(orjson.loads(line), option=orjson.OPT_INDENT_2) for line in lines)
        out = b"  " + out.replace(b"\n", b"\n  ")
    if job.compress and out:
        out = output.gzip_member(out)
    chunk.data = out
    return chunk


def _inject(
    job: Job, out: bytes, lens: np.ndarray, rows: render.Rows, present: np.ndarray, opening: np.ndarray
) -> tuple[bytes, list[dict[str, Any]]]:
    names = job.invalid_cases or tuple(invalid.for_interface(job.interface))
    seed = job.settings.seed * 2 + (job.interface == "IF-041")
    chosen, pick = invalid.choose(seed, rows.key, job.invalid_share, len(names))
    chosen &= present
    if not chosen.any():
        return out, []
    offsets = np.concatenate([[0], np.cumsum(lens)])
    rank = np.cumsum(present) - 1
    pieces: list[bytes] = []
    manifest: list[dict[str, Any]] = []
    pos = 0
    view = memoryview(out)
    final_ref: dict[int, str] = {}  # references of rows already processed, after any change

    def reference(row: int) -> str:
        if row not in final_ref:
            text = bytes(view[offsets[row] + 1 : offsets[row + 1]]).rstrip(b"]\n")
            final_ref[row] = orjson.loads(text)["payload"]["CommonBlock"]["S1"]["senderUniqueReference"]
        return final_ref[row]

    for r in np.flatnonzero(chosen):
        original = bytes(view[offsets[r] : offsets[r + 1]])
        tail = b"]\n" if original.endswith(b"]\n") else b""
        msg = orjson.loads(original[1 : len(original) - len(tail)])
        ctx: dict[str, Any] = {"pick": int(pick[r])}
        earlier = np.flatnonzero(present[:r])
        if len(earlier) and REFERENCE.match(reference(int(earlier[-1]))):
            ctx["previous_reference"] = reference(int(earlier[-1]))
        case = None
        for i in range(len(names)):
            candidate = invalid.CASES[names[(int(pick[r]) + i) % len(names)]]
            if candidate.name == "duplicate-reference" and "previous_reference" not in ctx:
                continue
            if candidate.name == "register-mismatch" and opening[r]:
                continue
            case = candidate
            break
        if case is None:
            continue
        case.apply(msg["payload"], ctx)
        final_ref[int(r)] = msg["payload"]["CommonBlock"]["S1"].get("senderUniqueReference", "")
        pieces += [bytes(view[pos : offsets[r]]), original[:1] + orjson.dumps(msg) + tail]
        pos = offsets[r + 1]
        manifest.append(
            {
                "line": int(rank[r] // job.per_submission),
                "index": int(rank[r] % job.per_submission),
                "interface": job.interface,
                "case": case.name,
                "kind": case.kind,
                "rule": case.rule,
                "description": case.description,
                "senderUniqueReference": msg["payload"]["CommonBlock"]["S1"].get("senderUniqueReference"),
                "MPANCore": msg["payload"]["CommonBlock"]["M0"]["MPANCore"],
            }
        )
    pieces.append(bytes(view[pos:]))
    return b"".join(pieces), manifest


# ---- running a job ----


def ordered_map(job: Job, tasks: list, workers: int) -> Iterator[Chunk]:
    """Chunks of ``job`` in order, rendered by ``workers`` processes with a bounded number in flight."""
    global _DEST
    if workers <= 1 or len(tasks) <= 1:
        _init(job)
        size = slot_bytes(job)
        for t in tasks:
            _DEST = layout.scratch("out", size, np.uint8) if size else None
            chunk = _work(t)
            if chunk.size:
                chunk.data = memoryview(_DEST)[: chunk.size]  # type: ignore[arg-type]
            yield chunk  # written before the scratch buffer is reused
        _DEST = None
        return
    depth = 2 * workers
    fork = "fork" in mp.get_all_start_methods()
    size = slot_bytes(job) if fork else 0
    ring = [mmap.mmap(-1, size) for _ in range(depth)] if size else []  # shared with forked workers
    ctx = mp.get_context("fork" if fork else "spawn")
    # Ctrl-C is noted and acted on between chunks: a KeyboardInterrupt landing inside the pool's own
    # bookkeeping can leave it unable to shut down.
    interrupted = threading.Event()
    previous = _catch_sigint(interrupted)
    try:
        with ctx.Pool(workers, initializer=_init_worker, initargs=(job, ring)) as pool:
            inflight: deque = deque()
            for i, t in enumerate(tasks[:depth]):
                inflight.append(pool.apply_async(_work_in_slot, ((t, i % depth),)))
            for i in range(len(tasks)):
                pending = inflight.popleft()
                while not pending.ready():
                    if interrupted.is_set():
                        raise KeyboardInterrupt
                    pending.wait(0.1)
                chunk = pending.get()
                if chunk.slot >= 0:
                    chunk.data = memoryview(ring[chunk.slot])[: chunk.size]  # type: ignore[assignment]
                yield chunk  # written before its slot is handed to the next task
                if isinstance(chunk.data, memoryview):
                    chunk.data.release()
                if interrupted.is_set():
                    raise KeyboardInterrupt
                if i + depth < len(tasks):
                    inflight.append(
                        pool.apply_async(_work_in_slot, ((tasks[i + depth], (i + depth) % depth),))
                    )
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        for m in ring:
            with contextlib.suppress(BufferError):  # a view still held by a failing writer; freed with it
                m.close()


def _catch_sigint(flag: threading.Event):
    """Make SIGINT set ``flag`` instead of raising; returns the previous handler (None if not possible)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return None
    return signal.signal(signal.SIGINT, lambda signum, frame: flag.set())


@dataclass
class Summary:
    path: Path
    submissions: int = 0
    messages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    invalid: int = 0
    manifest: Path | None = None
    notes: list[str] = field(default_factory=list)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run(job: Job, path: Path, workers: int | None = None, progress: bool | None = None) -> Summary:
    """Generate ``job`` into ``path`` (and ``path``.manifest.jsonl when injecting invalid messages)."""
    tasks = plan(job)
    total_units = job.meters * job.days
    return write(job, path, ordered_map(job, tasks, workers or default_workers()), total_units, progress)


def write(job: Job, path: Path, chunks: Iterator[Chunk], total_units: int, progress: bool | None) -> Summary:
    """Write chunks in order to ``path`` atomically; the manifest too when injecting invalid messages."""
    t0 = time.monotonic()
    summary = Summary(path=path)
    out = output.AtomicFile(path)
    manifest = None
    if job.invalid_share > 0:
        summary.manifest = path.with_name(path.name + ".manifest.jsonl")
        manifest = output.AtomicFile(summary.manifest)
    bar = output.Progress(total_units, "messages", progress)
    parquet = None
    nbytes = 0

    def put(data: bytes) -> None:
        nonlocal nbytes
        if data:
            out.write(data)
            nbytes += len(data)

    def wrap(data: bytes) -> bytes:
        return output.gzip_member(data) if job.compress else data

    try:
        if job.fmt == "json":
            put(wrap(b"[\n"))
        for chunk in chunks:
            if job.fmt == "parquet":
                parquet = flat.write_parquet(parquet, out.fh, chunk.table)
            elif job.fmt == "json" and chunk.data and summary.messages:
                put(wrap(b",\n"))
            if manifest is not None:
                for entry in chunk.manifest:
                    entry["line"] += summary.submissions + 1
                    manifest.write(orjson.dumps(entry) + b"\n")
                summary.invalid += len(chunk.manifest)
            put(chunk.data)
            summary.messages += chunk.messages
            summary.submissions += chunk.submissions
            bar.update(chunk.units, chunk.messages, len(chunk.data))
        if job.fmt == "json":
            put(wrap(b"\n]\n"))
        if job.fmt == "parquet":
            flat.close_parquet(parquet, out.fh, job.interface)
            nbytes = out.fh.tell()
        bar.close()
        out.commit()
        if manifest is not None:
            manifest.commit()
    except BaseException:
        bar.close()
        out.abort()
        if manifest is not None:
            manifest.abort()
        raise
    summary.bytes = nbytes
    summary.seconds = time.monotonic() - t0
    if job.fmt in ("csv", "parquet"):
        summary.submissions = 0
    return summary
