"""The synthetic portfolio: who the meters are and what they consume, half-hour by half-hour.

Everything is a pure function of the seed and a meter's index (for its static description) or of the seed,
its group of :data:`GROUP` meters and the UTC day (for that day's consumption). That is what makes output
byte-identical whatever the chunking or the number of worker processes, and it means a given meter on a
given date has the same consumption in every run with the same seed, population settings and meter count.

Values are integer watt-hours (thousandths of a kWh): the DIP (9,3) kWh format holds them exactly, and a
register reading is the opening reading plus the exact sum of the periods before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import codes, gbtime, mpan

GROUP = 64  # meters sharing one random stream per day
ZERO_BLOCK = 32  # days per block in which a meter may have one zero-consumption interval

PROFILES = ("domestic", "solar-import", "solar-export", "non-domestic", "unmetered")
DOMESTIC, SOLAR_IMPORT, SOLAR_EXPORT, NON_DOMESTIC, UNMETERED = range(5)
PROFILE_QUANTITIES = {
    "domestic": ("AI",),
    "solar-import": ("AI",),
    "solar-export": ("AE",),
    "non-domestic": ("AI", "RI", "RE"),
    "unmetered": ("AI",),
}
DEFAULT_MIX = {"domestic": 70, "solar-import": 12, "solar-export": 8, "non-domestic": 8, "unmetered": 2}
SEGMENTS = ("S", "A", "U")  # DI-050: smart, advanced, unmetered

# Stream identifiers (SeedSequence spawn keys).
_STATIC, _DAILY, _ZERO, _BODY = 1, 2, 3, 4

# Reads at the end of a day (IF-041): remote actual, data-service estimate, on-site actual.
READ_REMOTE, READ_ESTIMATE, READ_ONSITE = 0, 1, 2

_Q = codes.Q_INDEX
_E = codes.E_INDEX


@dataclass(frozen=True)
class Settings:
    seed: int
    quantities: tuple[str, ...] = ("AI", "AE")
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    estimated: float = 0.02  # share of meter-days with some estimated periods
    zero: float = 0.01  # expected share of zero (de-energised, disabled, vacant) periods
    missing: float = 0.0  # share of meter-days the data service has not delivered

    def __post_init__(self) -> None:
        unknown = set(self.quantities) - set(codes.QUANTITIES)
        if unknown or not self.quantities:
            raise ValueError(f"quantities must be among {', '.join(codes.QUANTITIES)}")
        for name in ("estimated", "zero", "missing"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} share must be between 0 and 1, got {value}")
        if set(self.mix) - set(PROFILES):
            raise ValueError(f"profiles are {', '.join(PROFILES)}")
        if not self.usable_mix().any():
            raise ValueError(
                f"no profile in the mix measures {'/'.join(self.quantities)} "
                "(AE: solar-export; RI/RE: non-domestic)"
            )

    def usable_mix(self) -> np.ndarray:
        """Profile weights, zero for profiles measuring none of the selected quantities."""
        w = [
            float(self.mix.get(p, 0.0)) if set(PROFILE_QUANTITIES[p]) & set(self.quantities) else 0.0
            for p in PROFILES
        ]
        return np.array(w)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


@dataclass
class Population:
    """Static description of a run of consecutive meters (arrays of length M)."""

    index: np.ndarray
    profile: np.ndarray
    dist: np.ndarray  # index into mpan.DISTRIBUTORS
    core: np.ndarray  # (M, 13) ASCII
    serial: np.ndarray  # (M, 10) ASCII meter serial number
    connection: np.ndarray  # index into codes.CONNECTION_TYPES
    connection_from: np.ndarray  # abs day the connection type took effect
    segment: np.ndarray  # index into SEGMENTS
    register_open: np.ndarray  # Wh on the meter's register at 1970-01-01 (notional, see registers())
    annual: np.ndarray  # kWh a year (domestic load, non-domestic load) or kW (unmetered) or kWp (PV)
    load: np.ndarray  # household annual kWh for solar profiles
    phase: np.ndarray  # hours the household runs early or late
    tan_phi: np.ndarray
    lead: np.ndarray
    dimming: np.ndarray  # unmetered: part-night dimming

    def __len__(self) -> int:
        return len(self.index)

    def measures(self, quantity: str) -> np.ndarray:
        table = np.array([quantity in PROFILE_QUANTITIES[p] for p in PROFILES])
        return table[self.profile]

    def select(self, rows: np.ndarray | slice) -> Population:
        return Population(**{k: v[rows] for k, v in self.__dict__.items()})

    @staticmethod
    def concat(parts: list[Population]) -> Population:
        return Population(**{k: np.concatenate([getattr(p, k) for p in parts]) for k in parts[0].__dict__})


def _body_offset(seed: int) -> int:
    state = np.random.SeedSequence(seed, spawn_key=(_BODY,)).generate_state(2, np.uint64)
    return int(state[0]) % mpan.BODY_MODULUS


def population(settings: Settings, start: int, stop: int) -> Population:
    """Meters ``start`` (inclusive) to ``stop`` (exclusive) of the portfolio."""
    first, last = start // GROUP, (stop - 1) // GROUP
    pop = _group_population(settings, range(first, last + 1))
    return pop.select(slice(start - first * GROUP, stop - first * GROUP))


_DIST_CUM = np.cumsum([d.weight for d in mpan.DISTRIBUTORS]) / sum(d.weight for d in mpan.DISTRIBUTORS)
_CONN_FIRST = gbtime.absday(gbtime.dt.date(2015, 1, 1))


def _draws(seed: int, key: int, groups: range, *extra: int, uniforms: int, normals: int):
    """Per-group uniform and normal draws of fixed shape, stacked for the meters of ``groups``."""
    us, zs = [], []
    for g in groups:
        r = _rng(seed, key, g, *extra)
        us.append(r.random((GROUP, uniforms)))
        if normals:
            zs.append(r.standard_normal((GROUP, normals)))
    return np.concatenate(us), (np.concatenate(zs) if normals else None)


def _group_population(settings: Settings, groups: range) -> Population:
    u, z = _draws(settings.seed, _STATIC, groups, uniforms=20, normals=3)
    mix = settings.usable_mix()
    profile = np.searchsorted(np.cumsum(mix) / mix.sum(), u[:, 0], side="right")
    profile = np.minimum(profile, len(PROFILES) - 1).astype(np.uint8)
    dist = np.minimum(np.searchsorted(_DIST_CUM, u[:, 1], side="right"), len(_DIST_CUM) - 1)
    index = np.arange(groups.start * GROUP, groups.stop * GROUP, dtype=np.int64)
    core = mpan.make_cores(dist, mpan.bodies(index, _body_offset(settings.seed)))
    annual = np.select(
        [profile <= SOLAR_EXPORT, profile == NON_DOMESTIC],
        [
            np.where(
                profile == SOLAR_EXPORT,
                2.5 + 4.0 * u[:, 2],
                np.clip(2_700 * np.exp(0.45 * z[:, 0]), 400, 20_000),
            ),
            np.clip(40_000 * np.exp(1.0 * z[:, 0]), 5_000, 3_000_000),
        ],
        default=np.clip(3.0 * np.exp(1.2 * z[:, 0]), 0.05, 2_000.0),  # unmetered: connected load in kW
    )
    segment = np.select([profile == NON_DOMESTIC, profile == UNMETERED], [1, 2], default=0).astype(np.uint8)
    connection = np.select(
        [profile == NON_DOMESTIC, profile == UNMETERED], [np.where(u[:, 3] < 0.85, 1, 2), 4], default=0
    ).astype(np.uint8)
    serial = (np.floor(u[:, 10:20] * 10) + ord("0")).astype(np.uint8)
    serial[:, 2] = ord("A") + np.floor(u[:, 4] * 26).astype(np.uint8)  # e.g. 21L4376503
    return Population(
        index=index,
        profile=profile,
        dist=dist.astype(np.uint8),
        core=core,
        serial=serial,
        connection=connection,
        connection_from=_CONN_FIRST + np.floor(u[:, 5] * 3_650).astype(np.int64),
        segment=segment,
        register_open=np.floor(u[:, 6] * 40_000_000).astype(np.int64),
        annual=annual,
        load=np.clip(3_400 * np.exp(0.4 * z[:, 1]), 800, 15_000),
        phase=np.clip(0.6 * z[:, 2], -1.5, 1.5),
        tan_phi=0.15 + 0.3 * u[:, 7],
        lead=0.05 * u[:, 8],
        dimming=u[:, 9] < 0.5,
    )


@dataclass
class DayData:
    """Consumption of a population over K UTC days: arrays shaped (M, K, 48) or (M, K)."""

    days: np.ndarray  # (K,) abs days
    wh: dict[str, np.ndarray]  # quantity -> (M, K, 48) int64, zero where the meter does not measure it
    quality: np.ndarray  # (M, K, 48) index into codes.QUALITY_FLAGS
    reason: np.ndarray  # (M, K, 48) index into (None,) + codes.REASONS
    present: np.ndarray  # (M, K) delivered by the data service
    read: np.ndarray  # (M, K) kind of the register read at the end of the day


def _bump(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = (h - centre + 12.0) % 24.0 - 12.0
    return np.exp(-0.5 * (d / width) ** 2)


PHASE_STEP = 0.25  # household timing shifts are quantised so a day's load shapes are a small table
PHASES = np.arange(-1.5, 1.5 + PHASE_STEP / 2, PHASE_STEP)


def _household_shapes(h_local: np.ndarray, weekend: bool) -> np.ndarray:
    """Normalised household load shape (mean 1) for each phase shift: (len(PHASES), 48)."""
    hh = h_local[None, :] - PHASES[:, None]
    if weekend:
        shape = 0.45 + 0.5 * _bump(hh, 9.5, 1.5) + 0.35 * _bump(hh, 13.0, 2.0) + 1.0 * _bump(hh, 18.5, 2.0)
    else:
        shape = 0.42 + 0.6 * _bump(hh, 7.5, 1.0) + 0.15 * _bump(hh, 13.0, 2.0) + 1.0 * _bump(hh, 18.5, 2.0)
    return shape / shape.mean(axis=1, keepdims=True)


def _daylight(doy: float) -> tuple[float, float, float]:
    """Sunrise and sunset (UTC hours) and clear-sky peak yield for central England on a day of year."""
    length = 12.0 + 4.4 * math.sin(2 * math.pi * (doy - 80) / 365.25)
    noon = 12.1
    # clear-sky yield per kWp at solar noon: highest at the June solstice; about 950 kWh/kWp a year overall
    peak = 0.75 * (0.3 + 0.7 * (1 + math.cos(2 * math.pi * (doy - 172) / 365.25)) / 2)
    return noon - length / 2, noon + length / 2, peak


def consumption(settings: Settings, pop: Population, days: np.ndarray) -> DayData:
    """Half-hourly consumption of ``pop`` on the UTC ``days`` (abs days, in any order)."""
    m, k = len(pop), len(days)
    first = int(pop.index[0]) // GROUP if m else 0
    groups = (pop.index // GROUP - first).astype(np.int64)
    ngroups = int(groups[-1]) + 1 if m else 0
    sel = groups * GROUP + (pop.index - (first + groups) * GROUP)  # row of each meter in the group draws
    shape3 = (m, k, 48)
    wh = {q: np.zeros(shape3, np.int64) for q in settings.quantities}
    quality = np.zeros(shape3, np.uint8)
    reason = np.zeros(shape3, np.uint8)
    present = np.ones((m, k), bool)
    read = np.zeros((m, k), np.uint8)
    rows = {p: np.flatnonzero(pop.profile == p) for p in range(len(PROFILES))}
    households = np.concatenate([rows[DOMESTIC], rows[SOLAR_IMPORT], rows[SOLAR_EXPORT]])
    solar = np.concatenate([rows[SOLAR_IMPORT], rows[SOLAR_EXPORT]])
    phase_idx = np.clip(np.rint((pop.phase - PHASES[0]) / PHASE_STEP), 0, len(PHASES) - 1).astype(np.intp)
    household_kwh = np.where(pop.profile == DOMESTIC, pop.annual, pop.load)
    kwp = np.where(pop.profile == SOLAR_EXPORT, pop.annual, 2.5 + 0.5 * (pop.load / 3_400))
    measures = {q: pop.measures(q) for q in settings.quantities}
    onsite_share = np.where(pop.profile == NON_DOMESTIC, 0.01, 0.002)
    is_ads = pop.segment == 1
    zero_cache: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}
    h_utc = np.arange(48) * 0.5 + 0.25

    for j, day in enumerate(int(d) for d in days):
        # Random draws, fixed in number and order per (group, day).
        u, z = _draws(settings.seed, _DAILY, range(first, first + ngroups), day, uniforms=8, normals=97)
        u, z = u[sel], z[sel]
        date = gbtime.date_of(day)
        doy = date.timetuple().tm_yday
        weekend = date.weekday() >= 5
        h_local = gbtime.local_hours(day)
        dayf = np.exp(0.15 * z[:, 0] - 0.011)
        act = np.empty((m, 48))  # what the meter measured
        exp = np.empty((m, 48))  # the data service's estimate: the expected shape without period noise

        # Households: two daily peaks, later mornings at the weekend, winter heavier than summer.
        season = 1.0 + 0.2 * math.cos(2 * math.pi * (doy - 15) / 365.25)
        r = households
        load_exp = _household_shapes(h_local, weekend)[phase_idx[r]]
        load_exp *= (household_kwh[r] / (365.0 * 48.0) * season * dayf[r])[:, None]
        load_act = load_exp * np.exp(0.3 * z[r, 1:49] - 0.045)
        n_dom = len(rows[DOMESTIC])
        act[r[:n_dom]], exp[r[:n_dom]] = load_act[:n_dom], load_exp[:n_dom]
        # Solar: a sine over daylight, scaled by the season and the day's cloud; export is what the house
        # does not use, import what the panels do not cover.
        rise, sset, peak = _daylight(doy)
        sun = np.clip(np.sin(math.pi * (h_utc - rise) / (sset - rise)), 0.0, None) ** 1.3
        r = solar
        pv_exp = (kwp[r] * 0.5 * peak * (0.15 + 0.85 * u[r, 0] ** 0.7))[:, None] * sun[None, :]
        pv_act = pv_exp * np.exp(0.1 * z[r, 49:97] - 0.005)
        le, la = load_exp[n_dom:], load_act[n_dom:]
        n_imp = len(rows[SOLAR_IMPORT])
        imp, ex = r[:n_imp], r[n_imp:]
        act[imp] = np.maximum(la[:n_imp] - pv_act[:n_imp], 0)
        exp[imp] = np.maximum(le[:n_imp] - pv_exp[:n_imp], 0)
        act[ex] = np.maximum(pv_act[n_imp:] - la[n_imp:], 0)
        exp[ex] = np.maximum(pv_exp[n_imp:] - le[n_imp:], 0)
        # Non-domestic: business hours on weekdays, a lower flat load otherwise.
        r = rows[NON_DOMESTIC]
        biz = (
            np.full(48, 0.4)
            if weekend
            else 0.35 + 0.65 * np.clip(h_local - 7, 0, 1) * np.clip(19 - h_local, 0, 1)
        )
        nd_season = 1.0 + 0.1 * math.cos(2 * math.pi * (doy - 15) / 365.25)
        exp[r] = (pop.annual[r] / (365.0 * 48.0) * nd_season * dayf[r])[:, None] * (biz / biz.mean())[None, :]
        act[r] = exp[r] * np.exp(0.08 * z[r, 1:49] - 0.0032)
        # Street lighting: on from dusk to dawn, half of it dimmed after midnight. Calculated, never noisy.
        r = rows[UNMETERED]
        t0 = h_utc - 0.25
        lit = 1.0 - np.clip(np.minimum(t0 + 0.5, sset + 0.2) - np.maximum(t0, rise - 0.2), 0, 0.5) / 0.5
        night = (h_local > 0.0) & (h_local < 5.5)
        dim = np.where(pop.dimming[r, None] & night[None, :], 0.6, 1.0)
        act[r] = exp[r] = pop.annual[r, None] * 0.5 * lit[None, :] * dim

        q = np.zeros((m, 48), np.uint8)  # 0 is "A"
        e = np.zeros((m, 48), np.uint8)  # 0 is null
        # Estimation: a single period (missing), a run of periods or the whole day (comms fault).
        est = np.flatnonzero((u[:, 1] < settings.estimated) & (pop.profile != UNMETERED))
        kind = u[est, 2]
        start = np.floor(u[est, 6] * 48).astype(np.int64)[:, None]
        length = np.where(kind < 0.45, 1, np.where(kind < 0.8, 2 + np.floor(u[est, 7] * 15), 48))[:, None]
        start = np.where(length == 48, 0, start)
        p = np.arange(48)[None, :]
        in_run = (p >= start) & (p < start + length)
        flag = np.select(
            [kind < 0.45, kind < 0.8],
            [np.where(is_ads[est], _Q["EA1"], _Q["E0"]), np.where(is_ads[est], _Q["EA2"], _Q["E1"])],
            np.where(is_ads[est], _Q["EA3"], _Q["E5"]),
        )
        why = np.where(kind < 0.45, _E["2"], _E["4"])
        act[est] = np.where(in_run, exp[est], act[est])
        q[est] = np.where(in_run, flag[:, None], 0)
        e[est] = np.where(in_run, why[:, None], 0)
        whole = np.zeros(m, bool)
        whole[est] = kind >= 0.8

        # Zero periods: one interval per meter per block of days, which may span several days.
        zr, zq, ze, zmask = _zero_periods(settings, pop, first, groups, sel, day, zero_cache)
        if len(zr):
            act[zr] = np.where(zmask, 0.0, act[zr])
            q[zr] = np.where(zmask, zq[:, None], q[zr])
            e[zr] = np.where(zmask, ze[:, None], e[zr])

        active = np.rint(act * 1000.0).astype(np.int64)
        for name, meas in measures.items():
            target = wh[name][:, j]
            if name in ("AI", "AE"):
                target[meas] = active[meas]
            elif name == "RI":
                target[meas] = np.rint(
                    act[meas] * pop.tan_phi[meas, None] * np.exp(0.1 * z[meas, 49:97]) * 1000
                )
            else:
                target[meas] = np.rint(
                    act[meas] * pop.lead[meas, None] * np.exp(-0.2 * z[meas, 49:97]) * 1000
                )
        quality[:, j] = q
        reason[:, j] = e
        present[:, j] = u[:, 3] >= settings.missing
        read[:, j] = np.select([whole, u[:, 4] < onsite_share], [READ_ESTIMATE, READ_ONSITE], READ_REMOTE)
    return DayData(days=np.asarray(days), wh=wh, quality=quality, reason=reason, present=present, read=read)


def _zero_periods(
    settings: Settings,
    pop: Population,
    first: int,
    groups: np.ndarray,
    sel: np.ndarray,
    day: int,
    cache: dict[tuple[int, int], tuple[np.ndarray, ...]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows with zero periods on ``day``, their quality flag and reason, and the (rows, 48) period mask."""
    none = np.zeros(0, np.intp)
    if settings.zero <= 0.0 or not len(pop):
        return none, none, none, np.zeros((0, 48), bool)
    block, within = divmod(day, ZERO_BLOCK)
    span = ZERO_BLOCK * 48
    # Intervals are typically days long; the probability of one and its mean length are set so that the
    # expected share of zero periods equals settings.zero.
    prob = min(1.0, settings.zero / 0.172)
    mean_len = settings.zero * span / prob
    key = (first, int(groups[-1]) + 1, block)
    if key not in cache:
        u, _ = _draws(settings.seed, _ZERO, range(first, key[1] + first), block, uniforms=4, normals=0)
        u = u[sel]
        length = np.clip(np.rint(-np.log1p(-u[:, 1] * 0.999) * mean_len), 1, span).astype(np.int64)
        start = np.floor(u[:, 2] * (span - length + 1)).astype(np.int64)
        cache[key] = (u[:, 0] < prob, start, length, u[:, 3])
    has, start, length, kind = cache[key]
    lo, hi = within * 48, within * 48 + 48
    rows = np.flatnonzero(has & (start < hi) & (start + length > lo))
    pos = lo + np.arange(48)[None, :]
    mask = (pos >= start[rows, None]) & (pos < (start + length)[rows, None])
    kind = kind[rows]
    smart = pop.segment[rows] == 0
    disabled, vacant = smart & (kind >= 0.6) & (kind < 0.9), smart & (kind >= 0.9)
    disconnected = (pop.segment[rows] == 1) & (kind >= 0.8)
    zq = np.select([disabled, vacant], [_Q["ZE3"], _Q["ZE2"]], _Q["ZE"]).astype(np.uint8)
    ze = np.select([disabled, vacant, disconnected], [_E["6"], _E["5"], _E["8"]], _E["7"]).astype(np.uint8)
    return rows, zq, ze, mask
