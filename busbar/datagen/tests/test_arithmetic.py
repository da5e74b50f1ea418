"""Property tests for the arithmetic: check digits, (9,3) text, clock changes, registers."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from busbar.datagen import engine, gbtime, layout, model, mpan

DECIMAL_9_3 = re.compile(r"^-?\d{1,9}\.\d{3}$")  # DT-016-Decimal-9-3


def test_check_digit_of_the_spec_example():
    assert mpan.is_valid_core("2000056535971")  # DT-002-MPAN example
    assert not mpan.is_valid_core("2000056535972")
    assert mpan.check_digit("110000000001") == 7


@settings(deadline=None)
@given(
    st.lists(st.integers(0, 13), min_size=1, max_size=50),
    st.lists(st.integers(0, 10**10 - 1), min_size=50, max_size=50),
)
def test_vectorised_cores_have_the_scalar_check_digit(dists, bodies):
    n = len(dists)
    cores = mpan.make_cores(np.array(dists), np.array(bodies[:n]))
    for i in range(n):
        core = bytes(cores[i]).decode()
        assert core[:2] == mpan.DISTRIBUTORS[dists[i]].id
        assert core[2:12] == f"{bodies[i]:010d}"
        assert int(core[12]) == mpan.check_digit(core[:12])
        assert mpan.is_valid_core(core)


@settings(deadline=None)
@given(st.text("0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_a_changed_digit_is_caught_unless_weights_collide(first12, pos, delta):
    """Changing one digit changes the weighted sum by delta * prime; mod 11 that is never 0."""
    changed = first12[:pos] + str((int(first12[pos]) + delta) % 10) + first12[pos + 1 :]
    s1 = sum(int(c) * p for c, p in zip(first12, mpan.PRIMES, strict=True)) % 11
    s2 = sum(int(c) * p for c, p in zip(changed, mpan.PRIMES, strict=True)) % 11
    assert s1 != s2
    if {s1, s2} != {0, 10}:  # 10 and 0 both give check digit 0
        assert mpan.check_digit(first12) != mpan.check_digit(changed)


@settings(deadline=None)
@given(st.integers(0, 10**7), st.integers(1, 2000), st.integers(0, 2**40))
def test_mpan_bodies_are_distinct(start, n, offset):
    idx = np.arange(start, start + n)
    b = mpan.bodies(idx, offset)
    assert len(set(b.tolist())) == n
    assert ((b >= 0) & (b < 10**10)).all()


@settings(deadline=None)
@given(st.lists(st.integers(-layout.MAX_DECIMAL3, layout.MAX_DECIMAL3), min_size=1, max_size=40))
def test_decimal3_is_exact_and_fits_dt016(values):
    chars = layout.decimal3(np.array(values))
    for v, row in zip(values, chars, strict=True):
        text = bytes(row).decode()
        assert text.startswith("\0" * (layout.DECIMAL_WIDTH - len(text.lstrip("\0"))))
        text = text.lstrip("\0")
        assert text == f"{'-' if v < 0 else ''}{abs(v) // 1000}.{abs(v) % 1000:03d}"
        assert DECIMAL_9_3.match(text)


def test_decimal3_refuses_what_does_not_fit():
    with pytest.raises(ValueError):
        layout.decimal3(np.array([layout.MAX_DECIMAL3 + 1]))


@settings(deadline=None)
@given(st.lists(st.integers(0, 2**48 - 1), min_size=1, max_size=20))
def test_hex_and_decimal_digits(values):
    arr = np.array(values, dtype=np.int64)
    assert [bytes(r).decode() for r in layout.hexdigits(arr, 12)] == [f"{v:012x}" for v in values]
    assert [bytes(r).decode() for r in layout.digits(arr % 10**9, 9)] == [f"{v % 10**9:09d}" for v in values]


@settings(deadline=None)
@given(st.integers(gbtime.absday(dt.date(2000, 1, 1)) * 86400, gbtime.absday(dt.date(2099, 12, 31)) * 86400))
def test_iso_instants_are_25_character_utc(t):
    text = bytes(layout.iso_instants(np.array([t]))[0]).decode()
    assert len(text) == 25
    assert text == gbtime.iso(t)
    assert dt.datetime.fromisoformat(text).timestamp() == t


LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_clock_change_days():
    assert gbtime.local_periods(dt.date(2025, 3, 30)) == 46
    assert gbtime.local_periods(dt.date(2025, 10, 26)) == 50
    assert gbtime.local_periods(dt.date(2025, 6, 1)) == 48
    assert gbtime.local_periods(dt.date(2026, 3, 29)) == 46
    assert gbtime.iso(gbtime.local_period_end(dt.date(2025, 10, 26), 1)) == "2025-10-25T23:30:00+00:00"
    assert gbtime.iso(gbtime.local_period_end(dt.date(2025, 10, 26), 50)) == "2025-10-27T00:00:00+00:00"
    assert gbtime.iso(gbtime.local_period_end(dt.date(2025, 3, 30), 46)) == "2025-03-30T23:00:00+00:00"


@settings(deadline=None)
@given(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 30)))
def test_local_settlement_days_match_the_tz_database(day):
    start = dt.datetime.combine(day, dt.time(), LONDON).timestamp()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), LONDON).timestamp()
    assert gbtime.local_day_start(day) == start
    n = gbtime.local_periods(day)
    assert n == (end - start) / 1800
    assert n in (46, 48, 50)
    ends = [gbtime.local_period_end(day, p) for p in range(1, n + 1)]
    assert ends == [start + 1800 * p for p in range(1, n + 1)]
    # the local clock at the middle of each period, from the tz database
    for p in (1, n // 2, n):
        mid = dt.datetime.fromtimestamp(ends[p - 1] - 900, LONDON)
        assert mid.date() == day


@settings(deadline=None)
@given(st.integers(gbtime.absday(dt.date(2000, 1, 1)), gbtime.absday(dt.date(2099, 12, 31))))
def test_local_hours_follow_the_tz_database(day):
    hours = gbtime.local_hours(day)
    for p in (0, 2, 3, 47):
        mid = dt.datetime.fromtimestamp(day * 86400 + p * 1800 + 900, LONDON)
        assert hours[p] == mid.hour + mid.minute / 60


@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 2**31), st.integers(0, 5000), st.integers(1, 40), st.sampled_from([("AI",), ("AI", "AE")])
)
def test_registers_are_opening_plus_consumption(seed, first_meter, days, quantities):
    s = model.Settings(seed=seed, quantities=quantities, zero=0.05, estimated=0.1, missing=0.1)
    job = engine.Job(
        "IF-041", s, meters=first_meter + 20, first_day=gbtime.absday(dt.date(2025, 3, 20)), days=days
    )
    engine._init(job)
    # the chunk covering the last 20 meters, read straight from the renderer's inputs
    start = first_meter // model.GROUP * model.GROUP
    pop = model.population(s, start, start + 20)
    data = model.consumption(s, pop, job.first_day + np.arange(days))
    chunk = engine._work((0, start, min(start + engine.meters_per_chunk(job), job.meters)))
    reads = [m["payload"] for line in chunk.data.splitlines() for m in orjson.loads(line)]
    by_core = {bytes(c).decode(): i for i, c in enumerate(pop.core)}
    for r in reads:
        core = r["CommonBlock"]["M0"]["MPANCore"]
        if core not in by_core:
            continue
        i = by_core[core]
        b064 = r["CustomBlock"]["B064List"][0]
        j = (
            int(dt.datetime.fromisoformat(b064["cumulativeRegisterReadingDateTime"]).timestamp()) // 86400
        ) - job.first_day
        q = "AE" if pop.measures("AE")[i] else "AI"
        expected = int(pop.register_open[i]) + int(data.wh[q][i, :j].sum())
        whole, frac = b064["cumulativeRegisterReading"].split(".")
        assert int(whole) * 1000 + int(frac) == expected
        if j > 0:
            assert data.present[i, j - 1]  # no reading after a day the data service did not deliver
