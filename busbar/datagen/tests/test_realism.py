"""The data looks like a GB portfolio, keeps the market rules, and IF-041 agrees with IF-021."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from busbar.datagen import codes, gbtime, model, mpan, rules
from busbar.datagen.tests.conftest import generate, payloads

DAY = gbtime.absday(dt.date(2025, 1, 15))


@pytest.fixture(scope="module")
def winter():
    s = model.Settings(seed=3, quantities=("AI", "AE", "RI", "RE"), estimated=0.05, zero=0.02)
    pop = model.population(s, 0, 4000)
    return s, pop, model.consumption(s, pop, np.arange(DAY, DAY + 7))


def test_portfolio_mix_and_identities(winter):
    s, pop, _ = winter
    share = np.bincount(pop.profile, minlength=5) / len(pop)
    expected = np.array([model.DEFAULT_MIX[p] for p in model.PROFILES]) / sum(model.DEFAULT_MIX.values())
    assert np.allclose(share, expected, atol=0.02)
    cores = [bytes(c).decode() for c in pop.core]
    assert len(set(cores)) == len(cores)
    assert all(mpan.is_valid_core(c) for c in cores)
    gsp = {d.id: d.gsp_group for d in mpan.DISTRIBUTORS}
    for c, d in zip(cores, pop.dist, strict=True):
        assert gsp[c[:2]] == mpan.DISTRIBUTORS[d].gsp_group
    assert len({c[:2] for c in cores}) == 14  # every GB distribution area


def test_consumption_has_daily_and_seasonal_shape(winter):
    s, pop, data = winter
    dom = pop.profile == model.DOMESTIC
    daily = data.wh["AI"][dom].sum(axis=2).mean() / 1000
    assert 6 < daily < 14  # kWh a day in January, for ~2,700 kWh a year
    by_period = data.wh["AI"][dom].mean(axis=(0, 1))
    assert by_period[34:40].mean() > 1.8 * by_period[4:10].mean()  # evening peak vs small hours
    summer_day = gbtime.absday(dt.date(2025, 7, 15))
    summer = model.consumption(s, pop, np.arange(summer_day, summer_day + 7))
    assert summer.wh["AI"][dom].sum(axis=2).mean() < 0.8 * data.wh["AI"][dom].sum(axis=2).mean()
    export = pop.profile == model.SOLAR_EXPORT
    night = list(range(0, 7)) + list(range(42, 48))  # before 03:30 and after 21:00 UTC
    assert summer.wh["AE"][export][:, :, night].sum() == 0
    assert summer.wh["AE"][export][:, :, 22:28].mean() > 300  # Wh around noon in July
    street = pop.profile == model.UNMETERED
    assert data.wh["AI"][street][:, :, 22:28].sum() == 0  # street lights off at midday
    lit = data.wh["AI"][street][:, :, 0:8]
    de_energised = data.quality[street][:, :, 0:8] == codes.Q_INDEX["ZE"]
    assert (lit[~de_energised] > 0).all() and (lit[de_energised] == 0).all()
    nd = pop.profile == model.NON_DOMESTIC
    assert (data.wh["RI"][nd].sum() > 0.1 * data.wh["AI"][nd].sum()) and (data.wh["RI"][~nd] == 0).all()


def test_estimated_and_zero_shares_and_flag_reason_pairs(winter):
    s, pop, data = winter
    flags = np.array(codes.QUALITY_FLAGS)[data.quality]
    reasons = np.array([None, *codes.REASONS], dtype=object)[data.reason]
    estimated_days = (np.char.startswith(flags, "E")).any(axis=2).mean()
    assert 0.03 < estimated_days < 0.07
    zero = np.isin(flags, list(codes.ZERO_FLAGS))
    assert 0.01 < zero.mean() < 0.035
    for q, e in {(q, e) for q, e in zip(flags.ravel(), reasons.ravel(), strict=True)}:
        assert e in codes.QUALITY_REASONS[q], (q, e)
    assert (data.wh["AI"][zero] == 0).all()
    ums = pop.profile == model.UNMETERED
    assert not np.char.startswith(flags[ums], "E").any()  # unmetered supplies are calculated, not estimated


def test_missing_days_share(winter):
    s, pop, _ = winter
    data = model.consumption(model.Settings(seed=3, missing=0.1), pop, np.arange(DAY, DAY + 5))
    assert 0.08 < 1 - data.present.mean() < 0.12


def test_generated_messages_keep_every_market_rule(tmp_path):
    args = ["--mpans", "150", "--from", "2025-10-25", "--days", "3", "--seed", "11", "--estimated", "0.2"]
    checker = rules.Checker()
    violations = []
    for interface in ("if021", "if041"):
        for p in payloads(generate(tmp_path, interface, *args, name=interface)):
            violations += checker.add(p)
    problems, checked = checker.registers()
    assert violations == [] and problems == []
    assert checked > 300


def test_if041_reads_agree_with_if021_with_gaps_and_multi_day_messages(tmp_path):
    common = ["--mpans", "80", "--from", "2025-03-28", "--days", "6", "--seed", "5", "--missing", "0.15",
              "--zero", "0.1", "--estimated", "0.3"]  # fmt: skip
    checker = rules.Checker()
    for p in payloads(generate(tmp_path, "if021", *common, "--days-per-message", "4", name="c")):
        assert checker.add(p) == []
    reads = payloads(generate(tmp_path, "if041", *common, name="r"))
    for p in reads:
        assert checker.add(p) == []
    problems, checked = checker.registers()
    assert problems == [] and checked > 100
    # a day the data service did not deliver has no IF-021 and no reading at its end
    read_at = {
        (
            p["CommonBlock"]["M0"]["MPANCore"],
            p["CustomBlock"]["B064List"][0]["cumulativeRegisterReadingDateTime"],
        )
        for p in reads
    }
    metered = {core for core, _ in read_at}  # unmetered supplies have no register
    assert metered
    for core, series in checker.consumption.items():
        if core not in metered:
            continue
        for day in range(gbtime.absday(dt.date(2025, 3, 28)), gbtime.absday(dt.date(2025, 4, 3))):
            delivered = (day * 86400 + 1800) in series
            assert delivered == ((core, gbtime.iso((day + 1) * 86400)) in read_at)
    estimated = [p for p in reads if p["CommonBlock"]["S0"]["eventCode"] == "[DSEstimate]"]
    assert estimated and all(p["CustomBlock"]["B064List"][0]["readingMethod"] == "E" for p in estimated)
