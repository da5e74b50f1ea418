"""Every message the generator emits validates against the official DIP schemas, on every option."""

from __future__ import annotations

import json

import pytest

from busbar.datagen import codes
from busbar.datagen.tests import dipspec
from busbar.datagen.tests.conftest import EXAMPLE_CSV, generate, read_lines, schema_errors, submissions

IF021_OPTIONS = {
    "default": [],
    "reactive": ["--quantity", "AI,RI,RE"],
    "export-only": ["--quantity", "AE"],
    "all-quantities": ["--quantity", "AI,AE,RI,RE"],
    "multi-day-with-gaps": ["--days", "5", "--days-per-message", "3", "--missing", "0.3"],
    "batched": ["--per-submission", "4"],
    "estimates-and-zeros": ["--estimated", "0.6", "--zero", "0.3"],
    "sender": ["--sender-role", "ADS", "--sender-dip-id", "abcdef0123", "--sub-text", ""],
    "unmetered": ["--mix", "unmetered=1"],
    "spring-clock-change": ["--from", "2025-03-30"],
    "gzip": ["--gzip"],
    **{f"env-{tag}": ["--env-tag", tag] for tag in codes.ENV_TAGS},
}
IF041_OPTIONS = {
    "default": ["--days", "3"],
    "export-only": ["--quantity", "AE", "--days", "2"],
    "gaps": ["--days", "4", "--missing", "0.3"],
    "estimated-reads": ["--days", "3", "--estimated", "0.5"],
    "batched": ["--per-submission", "5", "--days", "2"],
    "sender": ["--sender-role", "ADS", "--sender-dip-id", "00000000ff", "--sub-text", "PIT run 7"],
    "gzip": ["--gzip"],
    **{f"env-{tag}": ["--env-tag", tag] for tag in codes.ENV_TAGS},
}


def _base(options: list[str], mpans: str) -> list[str]:
    base = ["--mpans", mpans, "--seed", "7"]
    if "--from" not in options:
        base += ["--from", "2025-10-26"]
    return base + options


@pytest.mark.parametrize("name", list(IF021_OPTIONS))
def test_if021_messages_validate(spec, tmp_path, name):
    options = IF021_OPTIONS[name]
    out = generate(tmp_path, "if021", *_base(options, "12" if name.startswith("env") else "40"))
    subs = submissions(out)
    assert subs
    for sub in subs:
        assert schema_errors("IF-021", sub) == []
        for msg in sub:
            days = msg["payload"]["CustomBlock"]["B900"]["settlementDayConsumptionPeriods"]
            assert all(len(d["consumptionPeriods"]) == 48 for d in days)
    if name == "batched":
        assert max(len(s) for s in subs) == 4
    if name == "estimates-and-zeros":
        flags = {p["q"] for s in subs for m in s for d in m["payload"]["CustomBlock"]["B900"][
            "settlementDayConsumptionPeriods"] for p in d["consumptionPeriods"]}  # fmt: skip
        assert {"E0", "E1", "E5", "ZE"} <= flags


@pytest.mark.parametrize("name", list(IF041_OPTIONS))
def test_if041_messages_validate(spec, tmp_path, name):
    options = IF041_OPTIONS[name]
    out = generate(tmp_path, "if041", *_base(options, "12" if name.startswith("env") else "30"))
    subs = submissions(out)
    assert subs
    for sub in subs:
        assert schema_errors("IF-041", sub) == []
    if name == "estimated-reads":
        events = {m["payload"]["CommonBlock"]["S0"]["eventCode"] for s in subs for m in s}
        assert {"[ReadingRemote]", "[DSEstimate]"} <= events


@pytest.mark.parametrize("interface", ["if021", "if041"])
def test_messages_from_csv_validate(spec, tmp_path, interface):
    out = generate(tmp_path, interface, "--csv", str(EXAMPLE_CSV))
    subs = submissions(out)
    assert len(subs) == (6 if interface == "if021" else 8)
    for sub in subs:
        assert schema_errors(interface.upper().replace("IF", "IF-"), sub) == []


@pytest.mark.parametrize("interface", ["if021", "if041"])
def test_json_format_is_one_valid_document(spec, tmp_path, interface):
    out = generate(
        tmp_path, interface, "--mpans", "70", "--from", "2025-06-01", "--format", "json", name="o.json"
    )
    doc = json.loads(out.read_text())
    jsonl = generate(tmp_path, interface, "--mpans", "70", "--from", "2025-06-01", name="o.jsonl")
    assert doc == submissions(jsonl)
    for sub in doc:
        assert schema_errors(interface.upper().replace("IF", "IF-"), sub) == []


def test_submission_validates_against_dip_channel_request_body(spec, tmp_path):
    """The /dip-channel/{id} body is DIPMessageArray: a payload that is exactly one of all the interfaces."""
    validator = dipspec.dip_message_array_validator()
    for interface in ("if021", "if041"):
        out = generate(tmp_path, interface, "--mpans", "3", "--from", "2025-10-26", "--per-submission", "3")
        sub = submissions(out)[0]
        assert len(sub) == 3
        assert dipspec.errors(validator, sub) == []


def test_fast_validation_agrees_with_full_validation(spec, tmp_path):
    out = generate(tmp_path, "if021", "--mpans", "12", "--from", "2025-10-26", "--estimated", "0.5")
    cases = "49-periods,value-format,unknown-quality-flag,missing-field,period-duration,bad-env-tag"
    args = ["if021", "--mpans", "40", "--from", "2025-10-26", "--invalid", "1", "--invalid-cases", cases]
    broken = generate(tmp_path, *args, name="bad.jsonl")
    for path in (out, broken):
        for line in read_lines(path):
            sub = json.loads(line)
            assert bool(schema_errors("IF-021", sub)) == bool(schema_errors("IF-021", sub, fast=False))
    assert all(schema_errors("IF-021", json.loads(line)) for line in read_lines(broken))
