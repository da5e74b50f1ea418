"""The command as a new user meets it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from busbar.datagen import cli, rules
from busbar.datagen.tests.conftest import EXAMPLE_CSV, generate, payloads, read_lines, schema_errors

ROOT = Path(__file__).resolve().parents[3]


def test_a_thousand_meter_day_all_valid(spec, tmp_path):
    out = tmp_path / "day.jsonl"
    assert (
        cli.main(["if021", "--mpans", "1000", "--from", "2025-10-26", "--days", "1", "--out", str(out)]) == 0
    )
    lines = read_lines(out)
    assert len(lines) == 1000
    checker = rules.Checker()
    for line in lines:
        sub = orjson.loads(line)
        assert len(sub) == 1
        assert schema_errors("IF-021", sub) == []
        assert checker.add(sub[0]["payload"]) == []
        day = sub[0]["payload"]["CustomBlock"]["B900"]["settlementDayConsumptionPeriods"][0]
        assert day["settlementDay"]["settlementDayDate"] == "2025-10-26T00:00:00+00:00"
        assert day["consumptionPeriods"][0]["sp"] == "2025-10-26T00:30:00+00:00"
        assert day["consumptionPeriods"][-1]["sp"] == "2025-10-27T00:00:00+00:00"
    assert len(checker.consumption) == 1000


def test_python_dash_m_runs_without_django(tmp_path):
    code = (
        "import runpy, sys; sys.argv = ['busbar.datagen', 'if041', '--mpans', '3', '--from', '2025-01-01', "
        f"'--out', {str(tmp_path / 'r.jsonl')!r}, '--quiet'];\n"
        "try:\n    runpy.run_module('busbar.datagen', run_name='__main__')\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    assert len(read_lines(tmp_path / "r.jsonl")) == 6


def test_default_output_name_and_summary(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["if021", "--mpans", "10", "--from", "2025-10-26", "--no-progress"]) == 0
    assert len(read_lines(tmp_path / "if021-2025-10-26.jsonl")) == 10
    err = capsys.readouterr().err
    assert "IF-021: 10 submissions, 10 messages" in err and "\r" not in err
    assert cli.main(["if041", "--csv", str(EXAMPLE_CSV), "--gzip"]) == 0
    assert len(read_lines(tmp_path / "if041-consumption.jsonl.gz")) == 8


def test_progress_bar_only_when_asked_or_on_a_terminal(tmp_path, capsys):
    generate(tmp_path, "if021", "--mpans", "5", "--from", "2025-10-26")
    assert capsys.readouterr().err == ""
    assert (
        cli.main(
            ["if021", "--mpans", "5", "--from", "2025-10-26", "--out", str(tmp_path / "p"), "--progress"]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "\r[" in err and "/s" in err and "ETA" in err


def test_usage_errors_exit_2_without_traceback(tmp_path, capsys):
    cases = [
        (["if021", "--mpans", "5"], "--from YYYY-MM-DD is required"),
        (["if021", "--from", "2025-13-01"], "not a date"),
        (["if021", "--from", "2025-10-26", "--quantity", "XX"], "quantities are"),
        (["if041", "--from", "2025-10-26", "--quantity", "RI"], "active-energy registers only"),
        (["if021", "--from", "2025-10-26", "--sender-dip-id", "ELEXON1234"], "hexadecimal"),
        (["if021", "--from", "2025-10-26", "--estimated", "1.5"], "between 0 and 1"),
        (
            ["if021", "--from", "2025-10-26", "--quantity", "AE", "--mix", "domestic=1"],
            "no profile in the mix",
        ),
        (["if021", "--from", "2025-10-26", "--days-per-message", "201"], "between 1 and 200"),
        (
            ["if021", "--from", "2025-10-26", "--out", str(tmp_path / "no" / "such" / "dir.jsonl")],
            "does not exist",
        ),
        (["if021", "--from", "2025-10-26", "--format", "parquet", "--gzip"], "compressed already"),
    ]
    for argv, text in cases:
        assert cli.main([*argv, "--out", str(tmp_path / "x.jsonl")] if "--out" not in argv else argv) == 2, (
            argv
        )
        err = capsys.readouterr().err
        assert text in err, (argv, err)
        assert "Traceback" not in err
    assert not (tmp_path / "x.jsonl").exists()


def test_a_failed_run_leaves_an_existing_file_alone(tmp_path, capsys):
    out = tmp_path / "keep.jsonl"
    out.write_text("previous run\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("mpan,date,period,kwh\n1234567890126,2025-01-15,1,oops\n")
    assert cli.main(["if021", "--csv", str(bad), "--out", str(out)]) == 2
    assert out.read_text() == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "keep.jsonl"]


def _jsonl_values(path):
    out = {}
    for p in payloads(path):
        core = p["CommonBlock"]["M0"]["MPANCore"]
        mq = p["CustomBlock"]["B900"]["MQID"]["measurementQuantityID"]
        for day in p["CustomBlock"]["B900"]["settlementDayConsumptionPeriods"]:
            for x in day["consumptionPeriods"]:
                out[(core, mq, x["sp"])] = (x["v"], x["q"], x["e"])
    return out


def test_flat_csv_and_parquet_hold_the_same_readings(tmp_path):
    args = [
        "--mpans",
        "40",
        "--from",
        "2025-10-25",
        "--days",
        "2",
        "--estimated",
        "0.3",
        "--quantity",
        "AI,AE,RI",
    ]
    expected = _jsonl_values(generate(tmp_path, "if021", *args, name="m.jsonl"))
    flat_csv = generate(tmp_path, "if021", *args, "--format", "csv", name="m.csv")
    lines = flat_csv.read_text().splitlines()
    assert lines[0] == "mpan,quantity,timestamp,kwh,quality,reason"
    rows = {}
    for line in lines[1:]:
        core, mq, ts, kwh, q, e = line.split(",")
        rows[(core, mq, ts)] = (kwh, q, e or None)
    assert rows == expected
    table = pq.read_table(generate(tmp_path, "if021", *args, "--format", "parquet", name="m.parquet"))
    assert table.num_rows == len(expected)
    assert str(table.schema.field("kwh").type) == "decimal128(12, 3)"
    first = table.slice(0, 1).to_pylist()[0]
    key = (first["mpan"], first["quantity"], first["timestamp"].strftime("%Y-%m-%dT%H:%M:%S+00:00"))
    assert expected[key][0] == f"{first['kwh']:.3f}"
    # the flat CSV is a valid --csv input and gives back the same consumption
    again = _jsonl_values(generate(tmp_path, "if021", "--csv", str(flat_csv), name="again.jsonl"))
    assert again == expected


def test_flat_register_readings(tmp_path):
    args = ["--mpans", "20", "--from", "2025-10-25", "--days", "2"]
    reads = {}
    for p in payloads(generate(tmp_path, "if041", *args, name="r.jsonl")):
        b064 = p["CustomBlock"]["B064List"][0]
        reads[(p["CommonBlock"]["M0"]["MPANCore"], b064["cumulativeRegisterReadingDateTime"])] = b064[
            "cumulativeRegisterReading"
        ]
    lines = generate(tmp_path, "if041", *args, "--format", "csv", name="r.csv").read_text().splitlines()
    header = lines[0].split(",")
    assert header == ["mpan", "meter_id", "timestamp", "register_kwh", "reading_method", "event_code",
                      "site_visit_check_code"]  # fmt: skip
    flat = {(r[0], r[2]): r[3] for r in (line.split(",") for line in lines[1:])}
    assert flat == reads


def test_library_api(spec, tmp_path):
    import datetime as dt

    from busbar.datagen import generate

    kwargs = dict(mpans=12, start=dt.date(2025, 3, 30), days=2, estimated=0.2, per_submission=5, workers=1)
    a = generate("IF-021", tmp_path / "a.jsonl", **kwargs)
    generate("IF-021", tmp_path / "b.jsonl", **kwargs)
    assert a.messages == 24 and a.submissions == 6  # submissions do not span days: 5 + 5 + 2 a day
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    for line in read_lines(tmp_path / "a.jsonl"):
        assert schema_errors("IF-021", orjson.loads(line)) == []


def test_ctrl_c_leaves_nothing_behind(tmp_path):
    import os
    import signal
    import time

    out = tmp_path / "big.jsonl"
    cmd = [sys.executable, "-m", "busbar.datagen", "if021", "--mpans", "200000", "--from", "2025-10-01",
           "--days", "10", "--out", str(out)]  # fmt: skip
    # The child starts with Ctrl-C's default disposition whatever the test process has (a worker process
    # may have had it reset or ignored by an earlier test), so Python installs its own handler.
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def written() -> bool:
        # The temporary file exists before the generator's Ctrl-C handler is in place; its first bytes
        # come after it.
        return any(p.stat().st_size > 0 for p in tmp_path.iterdir() if p.is_file())

    # A loaded machine may take a while to start it: the generous deadline only guards against a hang, and
    # a miss fails by name rather than interrupting the interpreter while it is still importing.
    deadline = time.monotonic() + 180
    while not written() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None and written(), "the generator never started writing"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C on a terminal does
    err = proc.communicate(timeout=180)[1]
    assert proc.returncode == 130, err
    assert "interrupted; no output written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
