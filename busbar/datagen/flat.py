"""Flat readings as CSV or Parquet: one row per half-hour (IF-021) or per register reading (IF-041).

The IF-021 CSV has the columns of the ``--csv`` input format (mpan, quantity, timestamp, kwh, quality,
reason), so a generated file can be edited and fed back in.
"""

from __future__ import annotations

import io
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from . import codes, gbtime, model, render

KWH = pa.decimal128(12, 3)
UTC = pa.timestamp("s", tz="UTC")
IF021_SCHEMA = pa.schema(
    [
        ("mpan", pa.string()),
        ("quantity", pa.string()),
        ("timestamp", UTC),
        ("kwh", KWH),
        ("quality", pa.string()),
        ("reason", pa.string()),
    ]
)
IF041_SCHEMA = pa.schema(
    [
        ("mpan", pa.string()),
        ("meter_id", pa.string()),
        ("timestamp", UTC),
        ("register_kwh", KWH),
        ("reading_method", pa.string()),
        ("event_code", pa.string()),
        ("site_visit_check_code", pa.string()),
    ]
)
_QUALITY = pa.array(codes.QUALITY_FLAGS)
_REASON = pa.array([None, *codes.REASONS])
_QTY = pa.array(codes.QUANTITIES)
_EVENT = pa.array(["[ReadingRemote]", "[DSEstimate]", "[ReadingOnSite]"])
_METHOD = pa.array(["A", "E", "A"])
_SVCC = pa.array([None, None, codes.SITE_OCCUPIED])


def decimal(thousandths: np.ndarray) -> pa.Array:
    """int64 thousandths as decimal128(12, 3) without going through floats."""
    v = np.ascontiguousarray(thousandths, dtype=np.int64)
    words = np.empty((len(v), 2), np.int64)
    words[:, 0] = v
    words[:, 1] = v >> 63
    return pa.Array.from_buffers(KWH, len(v), [None, pa.py_buffer(words.tobytes())])


def _text(chars: np.ndarray) -> pa.Array:
    return pa.array(np.ascontiguousarray(chars).view(f"S{chars.shape[1]}").ravel()).cast(pa.string())


def if021_table(
    pop: model.Population, data: model.DayData, rows: render.Rows, row_days: np.ndarray | None = None
) -> pa.Table:
    """Half-hours of the rows' present days; day slots are ``data.days`` or, per row, ``row_days``."""
    present = data.present[rows.meter]  # (R, K)
    r, j = np.nonzero(present)
    n = len(r) * 48
    meter = np.repeat(rows.meter[r], 48)
    qidx = np.repeat(rows.quantity[r], 48)
    day = np.repeat(data.days[j] if row_days is None else row_days[r, j], 48)
    period = np.tile(np.arange(1, 49), len(r))
    values = np.empty(n, np.int64)
    jj = np.repeat(j, 48)
    for qi, name in enumerate(codes.QUANTITIES):
        sel = qidx == qi
        if sel.any():
            values[sel] = data.wh[name][meter[sel], jj[sel], period[sel] - 1]
    return pa.table(
        [
            _text(pop.core).take(pa.array(meter.astype(np.int64))),
            _QTY.take(pa.array(qidx)),
            pa.array(day * gbtime.DAY + period * gbtime.HALF_HOUR, UTC),
            decimal(values),
            _QUALITY.take(pa.array(data.quality[meter, jj, period - 1].astype(np.int64))),
            _REASON.take(pa.array(data.reason[meter, jj, period - 1].astype(np.int64))),
        ],
        schema=IF021_SCHEMA,
    )


def if041_table(
    pop: model.Population, rows: render.Rows, reading: np.ndarray, read_at: np.ndarray, kind: np.ndarray
) -> pa.Table:
    kinds = pa.array(kind.astype(np.int64))
    meters = pa.array(rows.meter.astype(np.int64))
    return pa.table(
        [
            _text(pop.core).take(meters),
            _text(pop.serial).take(meters),
            pa.array(read_at, UTC),
            decimal(reading),
            _METHOD.take(kinds),
            _EVENT.take(kinds),
            _SVCC.take(kinds),
        ],
        schema=IF041_SCHEMA,
    )


def csv_bytes(table: pa.Table, header: bool) -> bytes:
    cols = []
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col, format="%Y-%m-%dT%H:%M:%S+00:00")
        cols.append(col)
    text = pa.table(cols, names=table.column_names)
    buf = io.BytesIO()
    pacsv.write_csv(
        text, buf, pacsv.WriteOptions(include_header=header, quoting_style="none", quoting_header="none")
    )
    return buf.getvalue()


def write_parquet(writer: Any, fh: IO[bytes], table: pa.Table) -> pq.ParquetWriter:
    if writer is None:
        writer = pq.ParquetWriter(fh, table.schema, compression="zstd")
    if table.num_rows:
        writer.write_table(table)
    return writer


def close_parquet(writer: Any, fh: IO[bytes], interface: str) -> None:
    if writer is None:
        schema = IF021_SCHEMA if interface == "IF-021" else IF041_SCHEMA
        writer = pq.ParquetWriter(fh, schema, compression="zstd")
    writer.close()
