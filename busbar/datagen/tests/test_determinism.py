"""Same arguments and seed give byte-identical output, whatever the number of worker processes."""

from __future__ import annotations

import gzip

import pytest

from busbar.datagen import engine, gbtime, model
from busbar.datagen.tests.conftest import generate, payloads

CASES = {
    "if021-windows": ["if021", "--mpans", "50", "--from", "2025-10-25", "--days", "4", "--missing", "0.1"],
    "if021-multi-day-messages": ["if021", "--mpans", "70", "--from", "2025-10-25", "--days", "5",
                                 "--days-per-message", "2", "--per-submission", "3"],
    "if041-chunks": ["if041", "--mpans", "130", "--from", "2025-01-01", "--days", "130"],
    "if021-invalid": ["if021", "--mpans", "40", "--from", "2025-10-25", "--days", "3", "--invalid", "0.2"],
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_same_seed_same_bytes_whatever_the_workers(tmp_path, name):
    args = CASES[name]
    one = generate(tmp_path, *args, "--workers", "1", name="one.jsonl")
    two = generate(tmp_path, *args, "--workers", "2", name="two.jsonl")
    again = generate(tmp_path, *args, "--workers", "2", name="again.jsonl")
    assert one.read_bytes() == two.read_bytes() == again.read_bytes()
    assert len(one.read_bytes()) > 0
    if "--invalid" in args:
        manifests = [p.with_name(p.name + ".manifest.jsonl").read_bytes() for p in (one, two)]
        assert manifests[0] == manifests[1] and manifests[0]


def test_the_work_really_is_split(tmp_path):
    for args in CASES.values():
        job = engine.Job(
            interface="IF-021" if args[0] == "if021" else "IF-041",
            settings=model.Settings(seed=1),
            meters=int(args[args.index("--mpans") + 1]),
            first_day=gbtime.absday(gbtime.dt.date(2025, 1, 1)),
            days=int(args[args.index("--days") + 1]),
            days_per_message=int(args[args.index("--days-per-message") + 1])
            if "--days-per-message" in args
            else 1,
        )
        assert len(engine.plan(job)) >= 3


def test_a_different_seed_gives_different_data(tmp_path):
    a = generate(tmp_path, "if021", "--mpans", "5", "--from", "2025-10-26", "--seed", "1", name="a.jsonl")
    b = generate(tmp_path, "if021", "--mpans", "5", "--from", "2025-10-26", "--seed", "2", name="b.jsonl")
    cores_a = {p["CommonBlock"]["M0"]["MPANCore"] for p in payloads(a)}
    cores_b = {p["CommonBlock"]["M0"]["MPANCore"] for p in payloads(b)}
    assert cores_a.isdisjoint(cores_b)


def test_gzip_is_reproducible_and_holds_the_same_text(tmp_path):
    args = ["if021", "--mpans", "60", "--from", "2025-10-26", "--days", "3"]
    plain = generate(tmp_path, *args, name="p.jsonl")
    z1 = generate(tmp_path, *args, "--gzip", "--workers", "1", name="z1.jsonl.gz")
    z2 = generate(tmp_path, *args, "--gzip", "--workers", "2", name="z2.jsonl.gz")
    assert z1.read_bytes() == z2.read_bytes()
    assert gzip.decompress(z1.read_bytes()) == plain.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_other_formats_are_reproducible(tmp_path, fmt):
    args = ["if021", "--mpans", "30", "--from", "2025-10-26", "--days", "2", "--format", fmt]
    a = generate(tmp_path, *args, "--workers", "1", name=f"a.{fmt}")
    b = generate(tmp_path, *args, "--workers", "2", name=f"b.{fmt}")
    assert a.read_bytes() == b.read_bytes()


def _values(path):
    out = {}
    for p in payloads(path):
        core = p["CommonBlock"]["M0"]["MPANCore"]
        mq = p["CustomBlock"]["B900"]["MQID"]["measurementQuantityID"]
        for day in p["CustomBlock"]["B900"]["settlementDayConsumptionPeriods"]:
            for period in day["consumptionPeriods"]:
                out[(core, mq, period["sp"])] = (period["v"], period["q"], period["e"])
    return out


def test_a_meter_day_is_the_same_whatever_the_date_range(tmp_path):
    """Data for (seed, meter, date) does not depend on --from/--days, so runs can be extended later."""
    long = _values(
        generate(tmp_path, "if021", "--mpans", "30", "--from", "2025-10-20", "--days", "10", name="l")
    )
    short = _values(
        generate(tmp_path, "if021", "--mpans", "30", "--from", "2025-10-26", "--days", "2", name="s")
    )
    assert short and all(long[k] == v for k, v in short.items())


def test_references_are_unique_and_differ_between_runs(tmp_path):
    a = payloads(
        generate(tmp_path, "if021", "--mpans", "40", "--from", "2025-10-26", "--days", "3", name="a")
    )
    b = payloads(
        generate(tmp_path, "if021", "--mpans", "40", "--from", "2025-10-29", "--days", "3", name="b")
    )
    refs_a = [p["CommonBlock"]["S1"]["senderUniqueReference"] for p in a]
    refs_b = [p["CommonBlock"]["S1"]["senderUniqueReference"] for p in b]
    assert len(set(refs_a)) == len(refs_a)
    assert set(refs_a).isdisjoint(refs_b)
