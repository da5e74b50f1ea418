"""The demo ledger, generated fast: every supplier's portfolio as MPAN cores (datagen's numpy approach), the
migration plans' lines derived from it, six months of daily events that keep to the plans (schedule, then
migrate; some fail first; a few reverse and some of those re-migrate; excluded sites never reverse), and
the daily aggregates grouped with numpy. Written with :func:`busbar.lib.bulkinsert.insert_rows` (COPY on
PostgreSQL), never row by row through the ORM.

Days are integers relative to today (0); the arrays are per MPAN or per event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from busbar.datagen.mpan import DISTRIBUTORS, bodies, make_cores
from busbar.lib.bulkinsert import insert_rows
from busbar.migration.demo import data
from busbar.migration.models import DailyProgress, EventKind, LedgerEvent, LedgerState, Mpan

SEGMENTS = [data.S, data.N, data.A, data.U]
SEG_INDEX = {s: i for i, s in enumerate(SEGMENTS)}
KINDS = [EventKind.SCHEDULE, EventKind.MIGRATE, EventKind.FAIL, EventKind.REVERSE]
SCHEDULE, MIGRATE, FAIL, REVERSE = range(4)
STATES = [
    LedgerState.NOT_MIGRATED,
    LedgerState.SCHEDULED,
    LedgerState.MIGRATED,
    LedgerState.REVERSED,
    LedgerState.REMIGRATED,
]
NONE, SCHEDULED, MIGRATED, REVERSED, REMIGRATED = range(5)
DIST_IDS = [d.id for d in DISTRIBUTORS]
DIST_WEIGHTS = np.array([d.weight for d in DISTRIBUTORS]) / sum(d.weight for d in DISTRIBUTORS)
#: Offsets into the bodies' bijection, so the demo's cores are its own.
BODY_OFFSET = 4_242_424_242
FAIL_SHARE, REVERSE_SHARE, REMIGRATE_SHARE, STUCK_SHARE = 0.03, 0.006, 0.55, 0.08
EXCLUDED_SHARE = {data.A: 0.004, data.S: 0.001}


@dataclass
class Group:
    """One supplier's MPANs of one segment: positions ``start``…``start + n`` of the population."""

    supplier: str
    segment: str
    start: int
    n: int
    agents: list[str]
    pace: float
    days: np.ndarray | None = None  # the plan's days (relative to today)
    cumulative: np.ndarray | None = None  # planned MPANs migrated by the end of each plan day
    keys: np.ndarray | None = None  # (distributor index, agent index) pairs of the plan's lines
    volumes: np.ndarray | None = None  # (days, keys) planned MPANs

    def plan_on(self, day: int) -> int:
        if self.days is None or not self.days[0] <= day <= self.days[-1]:
            return 0
        i = day - int(self.days[0])
        return int(self.cumulative[i] - (self.cumulative[i - 1] if i else 0))


@dataclass
class Ledger:
    """The generated population and its events."""

    today: dt.date
    suppliers: list[str]
    agents: list[str]
    groups: list[Group] = field(default_factory=list)
    core: np.ndarray | None = None
    seg: np.ndarray | None = None
    sup: np.ndarray | None = None
    dist: np.ndarray | None = None
    agent: np.ndarray | None = None
    excluded: np.ndarray | None = None
    state: np.ndarray | None = None
    scheduled_for: np.ndarray | None = None
    migrated_on: np.ndarray | None = None
    last_event_on: np.ndarray | None = None
    failures: np.ndarray | None = None
    pending: np.ndarray | None = None  # scheduled in the last days, to migrate today
    # events
    ev_pos: np.ndarray | None = None
    ev_kind: np.ndarray | None = None
    ev_day: np.ndarray | None = None
    ev_state: np.ndarray | None = None

    def date(self, day: int) -> dt.date:
        return self.today + dt.timedelta(days=int(day))

    def mpan(self, pos: int) -> str:
        return f"{int(self.core[pos]):013d}"


def profile(first: int, last: int, weekday0: int) -> tuple[np.ndarray, np.ndarray]:
    """A plan's days and their weights: a four-week ramp-up, weekends at a third (``weekday0``: today's
    weekday)."""
    days = np.arange(first, last + 1)
    ramp = np.minimum(1.0, 0.2 + 0.8 * (days - first) / 28.0)
    weekend = ((days + weekday0) % 7) >= 5
    return days, ramp * np.where(weekend, 0.35, 1.0)


def generate(*, today: dt.date, scale: float, windows: dict[str, tuple[int, int]], seed: int = 16) -> Ledger:
    """The population, the plans' lines and the events. ``windows``: each plan's (first, last) day, keyed
    ``"supplier:segment"``; ``scale``: the share of the full demo's portfolios."""
    rng = np.random.default_rng(seed)
    suppliers = list(data.SUPPLIERS)
    agents = sorted({a for s in data.SUPPLIERS.values() for lst in s["agents"].values() for a, _ in lst})
    led = Ledger(today=today, suppliers=suppliers, agents=agents)
    weekday0 = today.weekday()
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("seg", "sup", "dist", "agent")}
    start = 0
    for si, slug in enumerate(suppliers):
        spec = data.SUPPLIERS[slug]
        for segment in SEGMENTS:
            n = int(round(spec["portfolio"][segment] * scale))
            if n <= 0:
                continue
            choices = spec["agents"][segment]
            group = Group(
                supplier=slug,
                segment=segment,
                start=start,
                n=n,
                agents=[a for a, _ in choices],
                pace=spec["pace"],
            )
            dist = rng.choice(len(DIST_IDS), size=n, p=DIST_WEIGHTS).astype(np.int16)
            shares = np.array([w for _, w in choices]) / sum(w for _, w in choices)
            agent_local = rng.choice(len(choices), size=n, p=shares)
            agent = np.array([agents.index(a) for a, _ in choices], dtype=np.int16)[agent_local]
            parts["seg"].append(np.full(n, SEG_INDEX[segment], dtype=np.int8))
            parts["sup"].append(np.full(n, si, dtype=np.int16))
            parts["dist"].append(dist)
            parts["agent"].append(agent)
            first, last = windows[f"{slug}:{segment}"]
            days, w = profile(first, last, weekday0)
            cumulative = np.floor(n * np.cumsum(w) / w.sum()).astype(np.int64)
            cumulative[-1] = n
            group.days, group.cumulative = days, cumulative
            key = dist.astype(np.int64) * 1000 + agent
            keys, counts = np.unique(key, return_counts=True)
            per_key = np.rint(np.outer(cumulative, counts) / n).astype(np.int64)
            group.volumes = np.diff(np.vstack([np.zeros((1, len(keys)), dtype=np.int64), per_key]), axis=0)
            group.keys = np.stack([keys // 1000, keys % 1000], axis=1)
            led.groups.append(group)
            start += n
    total = start
    led.seg = np.concatenate(parts["seg"])
    led.sup = np.concatenate(parts["sup"])
    led.dist = np.concatenate(parts["dist"])
    led.agent = np.concatenate(parts["agent"])
    led.core = _cores(led.dist, total)
    led.excluded = np.zeros(total, dtype=bool)
    for segment, share in EXCLUDED_SHARE.items():
        mask = led.seg == SEG_INDEX[segment]
        led.excluded[mask] = rng.random(int(mask.sum())) < share
    _events(led, rng)
    return led


def _cores(dist: np.ndarray, total: int) -> np.ndarray:
    digits = make_cores(dist.astype(np.int64), bodies(np.arange(total, dtype=np.int64), BODY_OFFSET))
    powers = 10 ** np.arange(12, -1, -1, dtype=np.int64)
    return (digits.astype(np.int64) - ord("0")) @ powers


def _events(led: Ledger, rng: np.random.Generator) -> None:
    """Each MPAN's story up to yesterday, and its final row."""
    total = len(led.core)
    state = np.zeros(total, dtype=np.int8)
    sched = np.full(total, np.iinfo(np.int32).min, dtype=np.int32)  # "none" sentinel
    migrated = sched.copy()
    last = sched.copy()
    failures = np.zeros(total, dtype=np.int16)
    ev: list[tuple[np.ndarray, int, np.ndarray, np.ndarray]] = []  # (positions, kind, days, states)
    pending: list[np.ndarray] = []
    unmetered = SEG_INDEX[data.U]
    for g in led.groups:
        past = g.days < 0
        if not past.any():
            continue
        actual = np.floor(g.cumulative[past] * g.pace).astype(np.int64)
        done = int(actual[-1])
        if done:
            local = np.arange(done)
            d0 = g.days[np.searchsorted(actual, local, side="right")].astype(np.int32)
            pos = g.start + local
            ds = d0 - rng.integers(1, 7, size=done).astype(np.int32)
            ev.append((pos, SCHEDULE, ds, np.full(done, SCHEDULED)))
            fails = rng.random(done) < FAIL_SHARE
            stuck = np.zeros(done, dtype=bool)
            if SEG_INDEX[g.segment] == unmetered and int(g.days[-1]) < -1:
                # The Unmetered block closed early: some of its last days' migrations failed and were
                # still scheduled at the close (in flight at cut-over).
                stuck = (d0 >= int(g.days[-1]) - 2) & (rng.random(done) < STUCK_SHARE)
                fails |= stuck
            d1 = d0 + np.where(fails, rng.integers(2, 8, size=done), 0).astype(np.int32)
            d1[stuck] = np.iinfo(np.int32).max // 2  # never, so far
            ev.append((pos[fails], FAIL, d0[fails], np.full(int(fails.sum()), SCHEDULED)))
            failures[pos[fails]] = 1
            ok = d1 <= -1
            ev.append((pos[ok], MIGRATE, d1[ok], np.full(int(ok.sum()), MIGRATED)))
            state[pos] = SCHEDULED
            sched[pos] = ds
            last[pos] = np.where(fails, d0, ds)
            state[pos[ok]] = MIGRATED
            migrated[pos[ok]] = d1[ok]
            last[pos[ok]] = d1[ok]
            # reverse migrations (never of an excluded site; Unmetered only until its early cut-off)
            r = d1 + rng.integers(3, 32, size=done).astype(np.int32)
            limit = -1 if SEG_INDEX[g.segment] != unmetered else data.UNMETERED_REVERSE_UNTIL
            rev = ok & (rng.random(done) < REVERSE_SHARE) & ~led.excluded[pos] & (r <= limit)
            if rev.any():
                rp, rd = pos[rev], r[rev]
                ev.append((rp, REVERSE, rd, np.full(len(rp), REVERSED)))
                state[rp], last[rp] = REVERSED, rd
                again = rng.random(len(rp)) < REMIGRATE_SHARE
                s2 = rd + rng.integers(1, 4, size=len(rp)).astype(np.int32)
                m2 = s2 + rng.integers(1, 9, size=len(rp)).astype(np.int32)
                resched = again & (s2 <= -1)
                ev.append((rp[resched], SCHEDULE, s2[resched], np.full(int(resched.sum()), REVERSED)))
                sched[rp[resched]], last[rp[resched]] = s2[resched], s2[resched]
                remig = resched & (m2 <= -1)
                ev.append((rp[remig], MIGRATE, m2[remig], np.full(int(remig.sum()), REMIGRATED)))
                state[rp[remig]], migrated[rp[remig]], last[rp[remig]] = REMIGRATED, m2[remig], m2[remig]
        # scheduled in the last three days, to migrate today and the next two days
        coming = sum(g.plan_on(d) for d in (0, 1, 2))
        extra = min(coming, g.n - done)
        if extra > 0:
            pos = g.start + done + np.arange(extra)
            ds = -rng.integers(1, 4, size=extra).astype(np.int32)
            ev.append((pos, SCHEDULE, ds, np.full(extra, SCHEDULED)))
            state[pos], sched[pos], last[pos] = SCHEDULED, ds, ds
            pending.append(pos)
    led.pending = np.concatenate(pending) if pending else np.zeros(0, dtype=np.int64)
    led.state, led.scheduled_for, led.migrated_on, led.last_event_on, led.failures = (
        state,
        sched,
        migrated,
        last,
        failures,
    )
    if ev:
        led.ev_pos = np.concatenate([e[0] for e in ev]).astype(np.int64)
        led.ev_kind = np.concatenate([np.full(len(e[0]), e[1], dtype=np.int8) for e in ev])
        led.ev_day = np.concatenate([e[2] for e in ev]).astype(np.int32)
        led.ev_state = np.concatenate([np.asarray(e[3], dtype=np.int8) for e in ev])
        order = np.lexsort((led.ev_pos, led.ev_day))
        led.ev_pos, led.ev_kind, led.ev_day, led.ev_state = (
            led.ev_pos[order],
            led.ev_kind[order],
            led.ev_day[order],
            led.ev_state[order],
        )
    else:
        led.ev_pos = np.zeros(0, dtype=np.int64)
        led.ev_kind = led.ev_state = np.zeros(0, dtype=np.int8)
        led.ev_day = np.zeros(0, dtype=np.int32)


# Writing ----------------------------------------------------------------------------------------------


def _day_strings(led: Ledger, days: np.ndarray) -> list:
    """ISO dates for day offsets (None for the "none" sentinel), through a lookup table."""
    none = days == np.iinfo(np.int32).min
    if not len(days) or none.all():
        return [None] * len(days)
    lo, hi = int(days[~none].min()), int(days[~none].max())
    table = np.array([led.date(d).isoformat() for d in range(lo, hi + 1)], dtype=object)
    out = table[np.clip(days, lo, hi) - lo]
    out[none] = None
    return out.tolist()


def write(led: Ledger, *, supplier_ids: dict[str, int], agent_ids: dict[str, int]) -> dict[str, int]:
    """Insert the MPANs, the events and the daily aggregates."""
    sup_id = np.array([supplier_ids[s] for s in led.suppliers], dtype=np.int64)
    agent_id = np.array([agent_ids[a] for a in led.agents], dtype=np.int64)
    order = np.argsort(led.core)
    segs = np.array([str(s) for s in SEGMENTS], dtype=object)
    states = np.array([str(s) for s in STATES], dtype=object)
    dists = np.array(DIST_IDS, dtype=object)
    columns = (
        "core",
        "segment",
        "supplier_id",
        "distributor",
        "agent_id",
        "state",
        "excluded",
        "scheduled_for",
        "migrated_on",
        "last_event_on",
        "failures",
    )
    mpans = insert_rows(
        Mpan,
        columns,
        zip(
            led.core[order].tolist(),
            segs[led.seg[order]].tolist(),
            sup_id[led.sup[order]].tolist(),
            dists[led.dist[order]].tolist(),
            agent_id[led.agent[order]].tolist(),
            states[led.state[order]].tolist(),
            led.excluded[order].tolist(),
            _day_strings(led, led.scheduled_for[order]),
            _day_strings(led, led.migrated_on[order]),
            _day_strings(led, led.last_event_on[order]),
            led.failures[order].tolist(),
            strict=True,
        ),
        batch=20_000,
    )
    kinds = np.array([str(k) for k in KINDS], dtype=object)
    event_fields = {f.column for f in LedgerEvent._meta.concrete_fields}
    ev_columns = ["core", "kind", "on"]
    ev_values = [
        led.core[led.ev_pos].tolist(),
        kinds[led.ev_kind].tolist(),
        _day_strings(led, led.ev_day),
    ]
    if {"segment", "supplier_id", "state"} <= event_fields:
        ev_columns += ["segment", "supplier_id", "state"]
        ev_values += [
            segs[led.seg[led.ev_pos]].tolist(),
            sup_id[led.sup[led.ev_pos]].tolist(),
            states[led.ev_state].tolist(),
        ]
    events = insert_rows(LedgerEvent, ev_columns, zip(*ev_values, strict=True), batch=20_000)
    progress = insert_rows(
        DailyProgress,
        ("day", "segment", "supplier_id", "distributor", *COUNTS),
        _progress_rows(led, sup_id, segs, dists),
    )
    return {"mpans": mpans, "events": events, "progress": progress}


COUNTS = ("scheduled", "migrated", "remigrated", "failed", "reversed")


def _progress_rows(led: Ledger, sup_id: np.ndarray, segs: np.ndarray, dists: np.ndarray):
    """Events per (day, segment, supplier, distributor), grouped with numpy."""
    if not len(led.ev_pos):
        return []
    pos = led.ev_pos
    lo = int(led.ev_day.min())
    key = (((led.ev_day.astype(np.int64) - lo) * 8 + led.seg[pos]) * 64 + led.sup[pos]) * 32 + led.dist[pos]
    keys, inverse = np.unique(key, return_inverse=True)
    slots = [
        led.ev_kind == SCHEDULE,
        led.ev_kind == MIGRATE,
        (led.ev_kind == MIGRATE) & (led.ev_state == REMIGRATED),
        led.ev_kind == FAIL,
        led.ev_kind == REVERSE,
    ]
    counts = [np.bincount(inverse, weights=s, minlength=len(keys)).astype(np.int64) for s in slots]
    dist = keys % 32
    sup = (keys // 32) % 64
    seg = (keys // (32 * 64)) % 8
    day = keys // (32 * 64 * 8) + lo
    return zip(
        _day_strings(led, day.astype(np.int32)),
        segs[seg].tolist(),
        sup_id[sup].tolist(),
        dists[dist].tolist(),
        *(c.tolist() for c in counts),
        strict=True,
    )
