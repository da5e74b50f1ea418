"""Generating IF-021 / IF-041 from the requester's CSV (see :mod:`busbar.datagen.csvinput`).

Runs in the main process: reading and checking the CSV line by line is the slow part, and the file must be
read in order anyway. MPANs are rendered in batches with the same renderers as random data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from . import codes, csvinput, engine, flat, gbtime, invalid, model, mpan, render

BATCH = 256  # series per render call


def count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
    return max(1, n)


def _population(
    seed: int, series: list[csvinput.Series], entry: np.ndarray, first_index: int
) -> model.Population:
    """Population rows for ``series[entry[i]]``: identity from the MPAN, opening register from the seed."""
    cores = [series[e].core for e in entry]
    n = len(cores)
    core_num = np.array([int(c) for c in cores], dtype=np.uint64)
    h = invalid._mix(core_num ^ invalid._mix(np.array([seed], np.uint64))[0])
    reactive = np.array([series[e].quantity in ("RI", "RE") for e in entry])
    ids = [mpan.DISTRIBUTORS.index(mpan.BY_ID[c[:2]]) for c in cores]
    serial = np.empty((n, 10), np.uint8)
    digits = h.copy()
    for col in range(9, -1, -1):
        serial[:, col] = (digits % np.uint64(10)).astype(np.uint8) + ord("0")
        digits //= np.uint64(10)
    serial[:, 2] = ord("A") + (h >> np.uint64(40)) % np.uint64(26)
    zeros = np.zeros(n)
    return model.Population(
        index=first_index + np.arange(n, dtype=np.int64),
        profile=np.where(reactive, model.NON_DOMESTIC, model.DOMESTIC).astype(np.uint8),
        dist=np.array(ids, dtype=np.uint8),
        core=np.frombuffer("".join(cores).encode(), np.uint8).reshape(n, 13).copy(),
        serial=serial,
        connection=np.where(reactive, 1, 0).astype(np.uint8),
        connection_from=np.full(n, gbtime.absday(gbtime.dt.date(2015, 1, 1))),
        segment=np.where(reactive, 1, 0).astype(np.uint8),
        register_open=((h >> np.uint64(8)) % np.uint64(40_000_000)).astype(np.int64),
        annual=zeros,
        load=zeros,
        phase=zeros,
        tan_phi=zeros,
        lead=zeros,
        dimming=zeros.astype(bool),
    )


def _if021_batch(
    job: engine.Job, series: list[csvinput.Series], counter: int, notes: dict
) -> tuple[engine.Chunk, int]:
    k = job.days_per_message
    entry, windows = [], []
    for i, s in enumerate(series):
        days = s.complete_days()
        partial = {(e - gbtime.HALF_HOUR) // gbtime.DAY for e in s.periods} - set(days)
        notes["partial"] = notes.get("partial", 0) + len(partial)
        start = None
        for d in days:
            if start is None or d >= start + k:
                start = d
                entry.append(i)
                windows.append((start, []))
            windows[-1][1].append(d)
    r = len(entry)
    row_days = np.array([[w[0] + j for j in range(k)] for w in windows], dtype=np.int64).reshape(r, k)
    present = np.array([[w[0] + j in w[1] for j in range(k)] for w in windows], dtype=bool).reshape(r, k)
    wh = np.zeros((r, k, 48), np.int64)
    quality = np.zeros((r, k, 48), np.uint8)
    reason = np.zeros((r, k, 48), np.uint8)
    for row, (e, (start, days)) in enumerate(zip(entry, windows, strict=True)):
        periods = series[e].periods
        for d in days:
            j = d - start
            for p in range(48):
                value, q, why, _ = periods[d * gbtime.DAY + (p + 1) * gbtime.HALF_HOUR]
                wh[row, j, p], quality[row, j, p], reason[row, j, p] = value, q, why
    pop = _population(job.settings.seed, series, np.array(entry, dtype=np.intp), counter)
    qidx = np.array([codes.QUANTITIES.index(series[e].quantity) for e in entry], dtype=np.int64)
    last = np.where(present, row_days, -1).max(axis=1) if r else np.zeros(0, np.int64)
    rows = render.Rows(
        meter=np.arange(r), quantity=qidx, key=counter + np.arange(r), sent=engine._sent(last + 1, pop.index)
    )
    data = model.DayData(
        days=np.zeros(k, np.int64),
        wh=dict.fromkeys(codes.QUANTITIES, wh),
        quality=quality,
        reason=reason,
        present=present,
        read=np.zeros((r, k), np.uint8),
    )
    units = sum(len(s.periods) for s in series)
    if job.fmt in ("csv", "parquet"):
        table = flat.if021_table(pop, data, rows, row_days)
        return engine._flat_chunk(job, table, r, units, header=counter == 0), r
    templates = render.if021_template(k, job.env)
    frame = render.render_if021(pop, data, rows, job.env, job.per_submission, templates, row_days=row_days)
    return engine._finish(job, frame, rows, present.any(axis=1), units, opening=np.zeros(r, bool)), r


def _if041_batch(
    job: engine.Job, series: list[csvinput.Series], counter: int, notes: dict
) -> tuple[engine.Chunk, int]:
    series = [s for s in series if s.quantity in codes.ACTIVE]
    pop = _population(job.settings.seed, series, np.arange(len(series)), counter)
    meter, qty, reading, at, kind, opening = [], [], [], [], [], []
    for i, s in enumerate(series):
        days = s.complete_days()
        instants = sorted({d * gbtime.DAY for d in days} | {(d + 1) * gbtime.DAY for d in days})
        ends = sorted(s.periods)
        total, pos = int(pop.register_open[i]), 0
        for n, t in enumerate(instants):
            while pos < len(ends) and ends[pos] <= t:
                total += s.periods[ends[pos]][0]
                pos += 1
            day = t // gbtime.DAY - 1
            estimated = (day in days) and all(
                codes.QUALITY_FLAGS[s.periods[day * gbtime.DAY + (p + 1) * gbtime.HALF_HOUR][1]].startswith(
                    "E"
                )
                for p in range(48)
            )
            meter.append(i)
            qty.append(codes.QUANTITIES.index(s.quantity))
            reading.append(total)
            at.append(t)
            kind.append(model.READ_ESTIMATE if estimated else model.READ_REMOTE)
            opening.append(n == 0)
    r = len(meter)
    meter_a = np.array(meter, dtype=np.intp)
    rows = render.Rows(
        meter=meter_a,
        quantity=np.array(qty, dtype=np.int64),
        key=counter + np.arange(r),
        sent=np.array(at, dtype=np.int64) + 3_600 + (pop.index[meter_a] * 37) % 3_600,
    )
    reading_a, at_a, kind_a = np.array(reading, np.int64), np.array(at, np.int64), np.array(kind, np.intp)
    units = sum(len(s.periods) for s in series)
    if job.fmt in ("csv", "parquet"):
        table = flat.if041_table(pop, rows, reading_a, at_a, kind_a)
        return engine._flat_chunk(job, table, r, units, header=counter == 0), r
    frame = render.render_if041(pop, rows, reading_a, at_a, kind_a, job.env, job.per_submission)
    return engine._finish(job, frame, rows, np.ones(r, bool), units, opening=np.array(opening, bool)), r


def chunks(
    job: engine.Job, path: Path, allow_negative: bool, default_quantity: str, notes: dict
) -> Iterator[engine.Chunk]:
    batch: list[csvinput.Series] = []
    counter = 0
    make = _if021_batch if job.interface == "IF-021" else _if041_batch
    for group in csvinput.read(path, allow_negative, default_quantity):
        batch.extend(group)
        if len(batch) >= BATCH:
            chunk, rows = make(job, batch, counter, notes)
            counter += rows
            batch = []
            yield chunk
    if batch:
        yield make(job, batch, counter, notes)[0]


def run(
    job: engine.Job, path: Path, out: Path, allow_negative: bool, default_quantity: str, progress: bool | None
) -> engine.Summary:
    notes: dict[str, int] = {}
    summary = engine.write(
        job, out, chunks(job, path, allow_negative, default_quantity, notes), count_lines(path), progress
    )
    if notes.get("partial"):
        summary.notes.append(
            f"{notes['partial']} UTC day(s) only partly covered by the CSV were not sent "
            "(a UTC settlement day needs all 48 periods)"
        )
    return summary
