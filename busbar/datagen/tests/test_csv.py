"""CSV input: clock-change days map correctly; bad input stops with line and column and leaves nothing."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busbar.datagen import cli, gbtime, mpan, rules
from busbar.datagen.tests.conftest import EXAMPLE_CSV, generate, payloads

CORE = "1234567890126"
CORE2 = "2310987654323"


def _local_rows(core: str, days: list[dt.date], value=lambda day, p: f"{p}.{day.day:03d}") -> list[list[str]]:
    return [
        [core, d.isoformat(), str(p), value(d, p)]
        for d in days
        for p in range(1, gbtime.local_periods(d) + 1)
    ]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _expected(path: Path) -> dict[tuple[str, int], str]:
    """(MPAN, UTC period end) -> kWh text, straight from a local date/period CSV."""
    out = {}
    with open(path) as fh:
        for row in csv.DictReader(fh):
            end = gbtime.local_period_end(dt.date.fromisoformat(row["date"]), int(row["period"]))
            out[(row["mpan"], end)] = row["kwh"]
    return out


def _sent_values(path: Path) -> dict[tuple[str, int], str]:
    out = {}
    for p in payloads(path):
        core = p["CommonBlock"]["M0"]["MPANCore"]
        for day in p["CustomBlock"]["B900"]["settlementDayConsumptionPeriods"]:
            periods = day["consumptionPeriods"]
            assert len(periods) == 48
            for period in periods:
                end = int(dt.datetime.fromisoformat(period["sp"]).timestamp())
                assert (core, end) not in out
                out[(core, end)] = period["v"]
    return out


def test_example_csv_maps_the_50_period_autumn_day(tmp_path):
    out = generate(tmp_path, "if021", "--csv", str(EXAMPLE_CSV))
    expected, sent = _expected(EXAMPLE_CSV), _sent_values(out)
    assert len(sent) == 2 * 3 * 48  # UTC days 25, 26 and 27 October for two MPANs
    for key, v in sent.items():
        assert float(v) == float(expected[key])
    # UTC 26 October 00:30 is local period 3 of the 50-period day (local midnight was 23:00 UTC)
    assert sent[(CORE, gbtime.local_period_end(dt.date(2025, 10, 26), 3))] == "0.120"  # line 148 of the CSV
    assert gbtime.iso(gbtime.local_period_end(dt.date(2025, 10, 26), 3)) == "2025-10-26T00:30:00+00:00"


def test_spring_day_of_46_periods(tmp_path):
    days = [dt.date(2025, 3, 29), dt.date(2025, 3, 30), dt.date(2025, 3, 31)]
    src = _write(tmp_path / "spring.csv", ["mpan", "date", "period", "kwh"], _local_rows(CORE, days))
    assert len(src.read_text().splitlines()) == 1 + 48 + 46 + 48
    out = generate(tmp_path, "if021", "--csv", str(src))
    sent, expected = _sent_values(out), _expected(src)
    sent_days = sorted({gbtime.date_of((end - 1800) // 86400) for _, end in sent})
    # 29 and 30 March are whole UTC days; 31 March lacks 23:00-24:00 UTC (local 1 April, BST)
    assert sent_days == [dt.date(2025, 3, 29), dt.date(2025, 3, 30)]
    assert all(float(v) == float(expected[k]) for k, v in sent.items())
    # UTC 30 March 23:30 is local period 1 of 31 March
    assert sent[(CORE, gbtime.absday(dt.date(2025, 3, 30)) * 86400 + 47 * 1800)] == "1.031"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(
        [dt.date(2024, 3, 29), dt.date(2024, 10, 26), dt.date(2025, 3, 28), dt.date(2025, 10, 24)]
    ),
    st.integers(0, 2),
    st.integers(1, 4),
    st.lists(st.integers(0, 99_999), min_size=200, max_size=200),
)
def test_local_periods_land_on_the_right_utc_half_hours(tmp_path_factory, anchor, shift, ndays, values):
    tmp = tmp_path_factory.mktemp("h")
    days = [anchor + dt.timedelta(days=shift + i) for i in range(ndays)]
    it = iter(values)
    rows = _local_rows(CORE, days, value=lambda d, p: f"{next(it) / 1000:.3f}")
    src = _write(tmp / "in.csv", ["mpan", "date", "period", "kwh"], rows)
    out = generate(tmp, "if021", "--csv", str(src))
    sent, expected = _sent_values(out), _expected(src)
    covered = {end for _, end in expected}
    whole = {
        d
        for d in {(e - 1800) // 86400 for e in covered}
        if all(d * 86400 + 1800 * k in covered for k in range(1, 49))
    }
    assert {(e - 1800) // 86400 for _, e in sent} == whole
    assert all(v == expected[k] for k, v in sent.items())
    reads = generate(tmp, "if041", "--csv", str(src), name="reads.jsonl")
    checker = rules.Checker()
    for p in payloads(out) + payloads(reads):
        assert checker.add(p) == []
    problems, checked = checker.registers()
    assert problems == [] and (checked > 0) == bool(whole)


def test_timestamp_form_and_optional_columns(tmp_path):
    day = gbtime.absday(dt.date(2025, 6, 1)) * 86400
    rows = [
        [CORE, gbtime.iso(day + 1800 * p), "RI" if p == 0 else "AI", "0.5", "A", ""] for p in range(1, 49)
    ]
    rows = [[CORE, gbtime.iso(day + 1800 * p), "AI", "0.000" if p < 3 else "0.5", "ZE" if p < 3 else "E0",
             "7" if p < 3 else "2"] for p in range(1, 49)]  # fmt: skip
    src = _write(tmp_path / "ts.csv", ["MPAN", "Timestamp", "Quantity", "kWh", "Quality", "Reason"], rows)
    out = generate(tmp_path, "if021", "--csv", str(src))
    (p,) = payloads(out)
    periods = p["CustomBlock"]["B900"]["settlementDayConsumptionPeriods"][0]["consumptionPeriods"]
    assert [(x["q"], x["e"]) for x in periods[:3]] == [("ZE", "7"), ("ZE", "7"), ("E0", "2")]
    assert rules.check_message(p) == []


# (header, edits as (row index, column index, new value), line reported, column reported, text); row i is
# on line i + 2 (the header is line 1).
BAD = {
    "unknown column": (["mpan", "date", "period", "kwh", "colour"], [], 1, "colour", "unknown column"),
    "non-numeric": (None, [(5, 3, "abc")], 7, "kwh", "not a number"),
    "negative": (None, [(7, 3, "-0.250")], 9, "kwh", "negative"),
    "four decimals": (None, [(9, 3, "0.1234")], 11, "kwh", "3 decimal places"),
    "check digit": (None, [(11, 0, "1234567890127")], 13, "mpan", "check digit"),
    "duplicate period": (None, [(3, 2, "2")], 5, "period", "already on line 3"),
    "no such period": (None, [(20, 2, "51")], 22, "period", "there is no period 51"),
    "bad date": (None, [(30, 1, "2025-10-32")], 32, "date", "not a date"),
    "bad quantity": (
        ["mpan", "date", "period", "kwh", "quantity"],
        [(4, 4, "XX")],
        6,
        "quantity",
        "not one of",
    ),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_csv_names_line_and_column_and_writes_nothing(tmp_path, capsys, name):
    header, edits, line, column, text = BAD[name]
    rows = _local_rows(CORE, [dt.date(2025, 10, 26)])
    if header and "quantity" in header:
        rows = [r + ["AI"] for r in rows]
    for i, col, value in edits:
        rows[i][col] = value
    src = _write(tmp_path / "bad.csv", header or ["mpan", "date", "period", "kwh"], rows)
    out = tmp_path / "out" / "day.jsonl"
    out.parent.mkdir()
    assert cli.main(["if021", "--csv", str(src), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"line {line}, column '{column}'" in err and text in err, err
    assert "Traceback" not in err
    assert list(out.parent.iterdir()) == []


def test_wrong_period_count_for_a_clock_change_day(tmp_path, capsys):
    rows = _local_rows(CORE, [dt.date(2025, 10, 25), dt.date(2025, 10, 26)])
    del rows[48 + 49]  # the autumn day now has 49 of its 50 periods
    src = _write(tmp_path / "bad.csv", ["mpan", "date", "period", "kwh"], rows)
    assert cli.main(["if021", "--csv", str(src), "--out", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "line 50, column 'period'" in err and "49 periods given, the settlement day has 50" in err
    assert not (tmp_path / "o.jsonl").exists()


def test_an_error_late_in_a_big_file_leaves_no_partial_output(tmp_path, capsys):
    """Hundreds of MPANs are rendered and written to the temporary file before the bad line is reached."""
    rows = []
    for i in range(300):
        core = f"10{i:010d}"
        rows += _local_rows(core + str(mpan.check_digit(core)), [dt.date(2025, 6, 1)])
    rows[-5][3] = "twelve"
    src = _write(tmp_path / "big.csv", ["mpan", "date", "period", "kwh"], rows)
    out = tmp_path / "out"
    out.mkdir()
    assert cli.main(["if021", "--csv", str(src), "--out", str(out / "x.jsonl")]) == 2
    assert f"line {len(rows) - 3}, column 'kwh'" in capsys.readouterr().err
    assert list(out.iterdir()) == []


def test_mpan_rows_must_be_together(tmp_path, capsys):
    day1, day2 = [dt.date(2025, 1, 15)], [dt.date(2025, 1, 16)]
    rows = _local_rows(CORE, day1) + _local_rows(CORE2, day1) + _local_rows(CORE, day2)
    src = _write(tmp_path / "mixed.csv", ["mpan", "date", "period", "kwh"], rows)
    assert cli.main(["if021", "--csv", str(src), "--out", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "line 98, column 'mpan'" in err and "must be together" in err


def test_partial_utc_day_in_timestamp_form_is_an_error(tmp_path, capsys):
    day = gbtime.absday(dt.date(2025, 6, 1)) * 86400
    rows = [[CORE, gbtime.iso(day + 1800 * p), "0.1"] for p in range(1, 48)]
    src = _write(tmp_path / "ts.csv", ["mpan", "timestamp", "kwh"], rows)
    assert cli.main(["if021", "--csv", str(src), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "line 2, column 'timestamp'" in capsys.readouterr().err


def test_negative_values_when_allowed(tmp_path):
    rows = _local_rows(CORE, [dt.date(2025, 1, 15)], value=lambda d, p: "-0.100")
    src = _write(tmp_path / "neg.csv", ["mpan", "date", "period", "kwh"], rows)
    out = generate(tmp_path, "if021", "--csv", str(src), "--allow-negative")
    assert set(_sent_values(out).values()) == {"-0.100"}


def test_csv_and_random_options_do_not_mix(tmp_path, capsys):
    assert cli.main(["if021", "--csv", str(EXAMPLE_CSV), "--mpans", "5", "--out", str(tmp_path / "o")]) == 2
    assert "--mpans does not apply with --csv" in capsys.readouterr().err
