"""Negative test data: each named case really breaks the schema or the rule it names; nothing else breaks."""

from __future__ import annotations

import orjson
import pytest

from busbar.datagen import cli, invalid, rules
from busbar.datagen.tests.conftest import generate, payloads, read_lines, schema_errors

ARGS = ["--mpans", "5", "--from", "2025-10-25", "--days", "2", "--seed", "4"]


def _manifest(path):
    return [
        orjson.loads(line) for line in path.with_name(path.name + ".manifest.jsonl").read_bytes().splitlines()
    ]


def _checker_with_if021(tmp_path) -> rules.Checker:
    checker = rules.Checker()
    for p in payloads(generate(tmp_path, "if021", *ARGS, name="consumption.jsonl")):
        checker.add(p)
    return checker


@pytest.mark.parametrize(
    ("interface", "case"),
    [(i, c) for i in ("IF-021", "IF-041") for c in invalid.for_interface(i)],
)
def test_each_case_breaks_what_it_names(spec, tmp_path, interface, case):
    command = interface.lower().replace("-", "")
    out = generate(
        tmp_path, command, *ARGS, "--invalid", "1", "--invalid-cases", case, "--per-submission", "2"
    )
    manifest = _manifest(out)
    assert manifest, "no message was made invalid"
    assert {m["case"] for m in manifest} == {case}
    lines = read_lines(out)
    definition = invalid.CASES[case]
    checker = _checker_with_if021(tmp_path) if interface == "IF-041" else rules.Checker()
    found: dict[tuple[int, int], list[rules.Violation]] = {}
    for n, line in enumerate(lines, start=1):
        for i, msg in enumerate(orjson.loads(line)):
            found[(n, i)] = checker.add(msg["payload"])
    register_problems, _ = checker.registers()
    listed = {(m["line"], m["index"]) for m in manifest}
    for entry in manifest:
        sub = orjson.loads(lines[entry["line"] - 1])
        msg = sub[entry["index"]]
        assert (
            msg["payload"]["CommonBlock"]["S1"].get("senderUniqueReference") == entry["senderUniqueReference"]
        )
        errors = schema_errors(interface, [msg], fast=False)
        if definition.kind == "schema":
            assert errors, f"{case} still validates"
        else:
            assert errors == [], f"{case} should stay schema-valid: {errors}"
            broken = {v.rule for v in found[(entry["line"], entry["index"])]}
            broken |= {v.rule for v in register_problems if v.reference == entry["senderUniqueReference"]}
            assert definition.rule in broken, f"{case} does not break {definition.rule}: {broken}"
    for key, violations in found.items():
        if key not in listed:
            assert violations == [], f"message {key} is not in the manifest but breaks {violations}"
    if case == "register-mismatch":
        assert {v.reference for v in register_problems} == {m["senderUniqueReference"] for m in manifest}


def test_a_share_of_messages_mixed_cases(spec, tmp_path):
    out = generate(tmp_path, "if021", "--mpans", "300", "--from", "2025-10-26", "--invalid", "0.1")
    manifest = _manifest(out)
    assert 15 < len(manifest) < 50
    assert len({m["case"] for m in manifest}) >= 8
    lines = read_lines(out)
    bad_lines = {m["line"] for m in manifest}
    for n, line in enumerate(lines, start=1):
        assert bool(schema_errors("IF-021", orjson.loads(line))) <= (n in bad_lines)


def test_list_and_wrong_cases(capsys, tmp_path):
    assert cli.main(["if041", "--list-invalid-cases"]) == 0
    listing = capsys.readouterr().out
    assert "register-mismatch" in listing and "47-periods" not in listing
    assert (
        cli.main(
            [
                "if041",
                *ARGS,
                "--invalid",
                "0.5",
                "--invalid-cases",
                "47-periods",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    assert "do not apply to IF-041" in capsys.readouterr().err
    assert (
        cli.main(["if021", *ARGS, "--invalid", "0.5", "--format", "csv", "--out", str(tmp_path / "x")]) == 2
    )
    assert "jsonl or json" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
