"""The simulator's compiled validator (fastjsonschema) gives the same verdict as the reference validator
(jsonschema, Draft 7, the specification's documents resolved locally) on the data generator's valid
messages and on each of its invalid cases, for IF-021 and IF-041."""

from __future__ import annotations

import orjson
import pytest

from busbar.datagen import invalid
from busbar.datagen.tests import dipspec
from busbar.datagen.tests.conftest import generate, submissions
from busbar.dip import spec, validation

ARGS = ["--mpans", "4", "--from", "2025-10-25", "--days", "2", "--seed", "7", "--per-submission", "3"]


def _verdicts(folder, interface: str, path) -> list[tuple[bool, bool, str]]:
    fast = validation.validators(spec.load(folder))
    reference = dipspec.submission_validator(interface)
    out = []
    for submission in submissions(path):
        for message in submission:
            fast_error = fast.payload_error(interface, message["payload"])
            reference_ok = not dipspec.errors(reference, [message])
            out.append((fast_error is None, reference_ok, str(fast_error or "")))
    return out


@pytest.mark.parametrize("interface", ["IF-021", "IF-041"])
def test_valid_messages_pass_both(spec_folder, tmp_path, interface) -> None:
    out = generate(tmp_path, interface.lower().replace("-", ""), *ARGS)
    verdicts = _verdicts(spec_folder, interface, out)
    assert len(verdicts) >= 4
    assert all(fast and ref for fast, ref, _ in verdicts), [v for v in verdicts if not (v[0] and v[1])][:3]


@pytest.mark.parametrize(
    ("interface", "case"),
    [(i, c) for i in ("IF-021", "IF-041") for c in invalid.for_interface(i)],
)
def test_each_invalid_case_gets_the_same_verdict(spec_folder, tmp_path, interface, case) -> None:
    out = generate(
        tmp_path, interface.lower().replace("-", ""), *ARGS, "--invalid", "1", "--invalid-cases", case
    )
    verdicts = _verdicts(spec_folder, interface, out)
    assert verdicts
    disagree = [v for v in verdicts if v[0] != v[1]]
    assert not disagree, disagree[:3]
    if invalid.CASES[case].kind == "schema":
        assert not any(fast for fast, _, _ in verdicts), f"{case}: a schema case passed"
        assert all(message for _, _, message in verdicts)


def test_unknown_interface_is_refused(spec_folder) -> None:
    fast = validation.validators(spec.load(spec_folder))
    assert not fast.knows("IF-999")
    with pytest.raises(KeyError):
        fast.compiled("IF-999")
    error = fast.payload_error("IF-021", {})
    assert error is not None and "CommonBlock" in error.message
    assert orjson.dumps(str(error))
