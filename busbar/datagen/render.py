"""Fast JSON rendering of IF-021 and IF-041 messages (see :mod:`busbar.datagen.layout`).

Keys come in the order the schemas list them; the tests parse every kind of message generated and validate
it against the official schemas.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import orjson

from . import codes, gbtime, layout, model, mpan

SEQ_WIDTH = 12  # hex digits of the per-run message number in senderUniqueReference


@dataclass(frozen=True)
class Envelope:
    """What is the same in every message of a run: the S1 block and the sender."""

    env_tag: str = "DEV"
    sub_text: str | None = "busbar datagen"
    sender_dip_id: str = "9000000001"
    sender_role: str | None = None  # None: the data service role for each meter's market segment
    run_tag: str = "00000000"  # 8 hex digits identifying the run in senderUniqueReference


def run_tag(*parts: object) -> str:
    """8 hex digits identifying a run's arguments, so references from different runs do not collide."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:8]


@dataclass
class Rows:
    """R messages: which meter and quantity each one is for, when it is sent and its number."""

    meter: np.ndarray  # (R,) index into the population
    quantity: np.ndarray  # (R,) index into codes.QUANTITIES
    key: np.ndarray  # (R,) message number, unique in the run
    sent: np.ndarray  # (R,) epoch seconds of senderTimestamp


_ROLE_TABLE = layout.strings([codes.SEGMENT_ROLE[s] for s in model.SEGMENTS])
_GSP = layout.strings([d.gsp_group for d in mpan.DISTRIBUTORS])[0]
_DIST_DIP = layout.strings([d.dip_id for d in mpan.DISTRIBUTORS])[0]
_CONN = layout.strings(list(codes.CONNECTION_TYPES))[0]
_QTY = layout.strings(list(codes.QUANTITIES))[0]
_EVENT21 = layout.strings([codes.IF021_EVENT[q] for q in codes.QUANTITIES])
# Quality flag and estimation reason as one slot, indexed by quality * 11 + reason, e.g. E0","e":"2"
_QE = layout.strings(
    [q + '","e":' + orjson.dumps(e).decode() for q in codes.QUALITY_FLAGS for e in (None, *codes.REASONS)]
)
_LEAD = np.array([[ord("[")], [ord(",")]], np.uint8)
_TAIL = np.array([list(b"]\n"), [0, 0]], np.uint8)


def _head(t: layout.Template, interface: str, event_width: int, env: Envelope) -> None:
    sub = b"null" if env.sub_text is None else orjson.dumps(env.sub_text)
    t.slot("lead", 1)
    t.lit(
        '{"payload":{"CommonBlock":{"S0":{"interfaceID":"'
        + interface
        + '","schemaVersion":"011","eventCode":"'
    )
    t.slot("event", event_width)
    t.lit('"},"S1":{"environmentTag":"' + env.env_tag + '","subText":').lit(sub)
    t.lit(',"senderUniqueReference":"S-' + interface + "-" + env.sender_dip_id + "-")
    t.slot("role", 5).lit("-").slot("refdate", 8).lit("-" + env.run_tag).slot("seq", SEQ_WIDTH)
    t.lit('","senderTimestamp":"').slot("sent", 25)
    t.lit('","senderDIPID":"' + env.sender_dip_id + '","senderRoleID":"').slot("role2", 5)
    t.lit('","senderCorrelationID":null,"DIPConnectionProviderID":null},"M0":{"MPANCore":"').slot("mpan", 13)
    t.lit('","distributorDIPID":"').slot("dist", 10).lit('","GSPGroupID":"').slot("gsp", 2).lit('"}},')


def _fill_head(
    f: layout.Frame,
    t: layout.Template,
    pop: model.Population,
    rows: Rows,
    event: np.ndarray,
    env: Envelope,
    framing: tuple[np.ndarray, np.ndarray],
) -> None:
    s = t.slots
    lead, tail = framing
    f.put(s["lead"][0], _LEAD[lead.astype(np.intp)])
    f.put(s["tail"][0], _TAIL[tail.astype(np.intp)])
    f.put(s["event"][0], event)
    if env.sender_role is None:
        role = _ROLE_TABLE[0][pop.segment[rows.meter]]
    else:
        role = np.repeat(layout.strings([env.sender_role])[0], len(rows.meter), axis=0)
    f.put(s["role"][0], role)
    f.put(s["role2"][0], role)
    f.put(s["refdate"][0], layout.iso_dates(rows.sent // gbtime.DAY))
    f.put(s["seq"][0], layout.hexdigits(rows.key, SEQ_WIDTH))
    f.put(s["sent"][0], layout.iso_instants(rows.sent))
    f.put(s["mpan"][0], pop.core[rows.meter])
    dist = pop.dist[rows.meter]
    f.put(s["dist"][0], _DIST_DIP[dist])
    f.put(s["gsp"][0], _GSP[dist])


def framing(present_rows: np.ndarray, per_submission: int) -> tuple[np.ndarray, np.ndarray]:
    """Lead (0 ``[``, 1 ``,``) and tail (0 ``]\\n``, 1 nothing) for consecutive rows in submissions."""
    rank = np.cumsum(present_rows) - 1
    total = int(present_rows.sum())
    lead = (rank % per_submission != 0).astype(np.uint8)
    last = (rank % per_submission == per_submission - 1) | (rank == total - 1)
    return lead, (~last).astype(np.uint8)


def if021_template(days: int, env: Envelope) -> tuple[layout.Template, layout.Template, layout.Template]:
    """The message, day-block and period-block templates of an IF-021 message carrying ``days`` days."""
    period = layout.Template()
    period.lit('{"sp":"').slot("sp", 25).lit('","v":"').slot("v", layout.DECIMAL_WIDTH).lit('","q":"')
    period.slot("qe", _QE[0].shape[1]).lit(',"arc":null},')
    day = layout.Template()
    day.slot("comma", 1).lit('{"settlementDay":{"settlementDayDate":"').slot("date", 25)
    day.lit('","periodDuration":30},"consumptionPeriods":[').repeat("periods", period, 48).lit("]}")
    day.delete(day.slots["periods"][0] + 48 * len(period) - 1)  # no comma after the last period
    t = layout.Template()
    _head(t, "IF-021", 15, env)
    t.lit('"CustomBlock":{"B044":{"issuingDataServiceDIPID":"' + env.sender_dip_id + '"},')
    t.lit('"B067":{"connectionTypeIndicator":"').slot("conn", 1)
    t.lit('","connectionTypeEffectiveFromDate":"').slot("conn_from", 25)
    t.lit('"},"B900":{"MQID":{"measurementQuantityID":"').slot("mq", 2)
    t.lit('"},"settlementDayConsumptionPeriods":[').repeat("days", day, days).lit("]}}}}").slot("tail", 2)
    return t, day, period


def render_if021(
    pop: model.Population,
    data: model.DayData,
    rows: Rows,
    env: Envelope,
    per_submission: int = 1,
    templates: tuple[layout.Template, layout.Template, layout.Template] | None = None,
    row_days: np.ndarray | None = None,
) -> layout.Frame:
    """IF-021 messages as JSONL, one per row over all days of ``data`` present for its meter.

    The K day slots are ``data.days`` for every row, or ``row_days`` (R, K) when rows differ. Rows whose
    meter has no present day are left out. Returns the filled frame: ``compress()`` gives the bytes.
    """
    k = len(data.days)
    t, day_t, per_t = templates or if021_template(k, env)
    r = len(rows.meter)
    present = data.present[rows.meter]  # (R, K)
    all_present = bool(present.all())
    keep_row = present.any(axis=1)
    f = layout.Frame(t, r)
    _fill_head(f, t, pop, rows, _EVENT21[0][rows.quantity], env, framing(keep_row, per_submission))
    s = t.slots
    f.put(s["conn"][0], _CONN[pop.connection[rows.meter]])
    f.put(s["conn_from"][0], layout.iso_instants(pop.connection_from[rows.meter] * gbtime.DAY))
    f.put(s["mq"][0], _QTY[rows.quantity])

    d0, db = s["days"]
    ds = day_t.slots
    if row_days is None:
        uniq, inv = data.days, None
    else:
        uniq, inv = np.unique(row_days, return_inverse=True)
        inv = inv.reshape(row_days.shape)
    dates = layout.iso_instants(uniq * gbtime.DAY)
    f.view(d0 + ds["date"][0], (k, 25), (db, 1))[:] = dates if inv is None else dates[inv]
    comma = np.full((r, k), ord(","), np.uint8)
    comma[np.arange(r), np.argmax(present, axis=1)] = 0  # none before the first day present
    f.view(d0 + ds["comma"][0], (k,), (db,))[:] = comma
    p0, pb = ds["periods"]
    ps = per_t.slots
    base = d0 + p0
    sp = uniq[:, None] * gbtime.DAY + (np.arange(1, 49) * gbtime.HALF_HOUR)[None, :]
    sp_text = layout.iso_instants(sp.ravel()).reshape(len(uniq), 48, 25)
    f.view(base + ps["sp"][0], (k, 48, 25), (db, pb, 1))[:] = sp_text if inv is None else sp_text[inv]
    values = np.empty((r, k, 48), np.int64)
    for qi, qname in enumerate(codes.QUANTITIES):
        sel = rows.quantity == qi
        if sel.any():
            values[sel] = data.wh[qname][rows.meter[sel]]
    f.view(base + ps["v"][0], (k, 48, layout.DECIMAL_WIDTH), (db, pb, 1))[:] = layout.decimal3(values)
    qe = data.quality[rows.meter].astype(np.intp) * 11 + data.reason[rows.meter]
    f.view(base + ps["qe"][0], (k, 48, _QE[0].shape[1]), (db, pb, 1))[:] = _QE[0][qe]
    if not all_present:
        # Days not delivered are dropped whole; so are rows with no day at all.
        f.view(d0, (k, db), (db, 1))[~present] = 0
        f.buf[~keep_row] = 0
    return f


_EVENT41 = layout.strings(["[ReadingRemote]", "[DSEstimate]", "[ReadingOnSite]"])  # by model.READ_* kind
_METHOD = np.array([[ord("A")], [ord("E")], [ord("A")]], np.uint8)
_SVCC = layout.strings(["null", "null", '"' + codes.SITE_OCCUPIED + '"'])


def if041_template(env: Envelope) -> layout.Template:
    t = layout.Template()
    _head(t, "IF-041", 15, env)
    t.lit('"CustomBlock":{"B064List":[{"meterID":"').slot("meter", 10)
    t.lit('","cumulativeRegisterReading":"').slot("reading", layout.DECIMAL_WIDTH)
    t.lit('","cumulativeRegisterReadingDateTime":"').slot("read_at", 25)
    t.lit('","readingMethod":"').slot("method", 1).lit('","siteVisitCheckCode":').slot("svcc", 4)
    t.lit("}]}}}").slot("tail", 2)
    return t


def render_if041(
    pop: model.Population,
    rows: Rows,
    reading: np.ndarray,
    read_at: np.ndarray,
    kind: np.ndarray,
    env: Envelope,
    per_submission: int = 1,
    template: layout.Template | None = None,
) -> layout.Frame:
    """IF-041 messages as JSONL, one register reading (Wh, at epoch ``read_at``) per row."""
    t = template or if041_template(env)
    f = layout.Frame(t, len(rows.meter))
    _fill_head(
        f, t, pop, rows, _EVENT41[0][kind], env, framing(np.ones(len(rows.meter), bool), per_submission)
    )
    s = t.slots
    f.put(s["meter"][0], pop.serial[rows.meter])
    f.put(s["reading"][0], layout.decimal3(reading))
    f.put(s["read_at"][0], layout.iso_instants(read_at))
    f.put(s["method"][0], _METHOD[kind])
    f.put(s["svcc"][0], _SVCC[0][kind])
    return f
