"""Each message of a submission gets the specification's code: MSG0000 with a transaction ID in the
spec's format when it passes, else MSG1002 (interface), MSG1001 (schema, with the first error), MSG1009
(sender), MSG1010 (role), MSG1011 (connection provider), MSG1007 (timestamp), MSG1006 (duplicate
reference, before or in the same submission), MSG1031 (primary recipient). A body that is not a message
array is refused whole, saying why."""

from __future__ import annotations

import copy
import datetime as dt
import re

import orjson
import pytest

from busbar.datagen import invalid
from busbar.datagen.tests.conftest import generate, submissions
from busbar.dip import checks, spec, validation

NOW = dt.datetime(2025, 10, 27, 12, 0, tzinfo=dt.UTC)
ARGS = ["--mpans", "3", "--from", "2025-10-25", "--days", "1", "--seed", "5", "--per-submission", "3"]
SENDER = "9000000001"


class Directory:
    def __init__(self, **roles: frozenset[str]) -> None:
        self.roles = {"9000000001": frozenset({"SDS", "ADS", "UMSDS"}), "9000000017": frozenset({"LDSO"})}
        self.roles.update(roles)

    def sender(self, dip_id: str):
        roles = self.roles.get(dip_id)
        return None if roles is None else checks.Sender(dip_id, roles)

    def exists(self, dip_id: str) -> bool:
        return dip_id in self.roles


@pytest.fixture(scope="module")
def messages(spec_folder, tmp_path_factory) -> list[dict]:
    out = generate(tmp_path_factory.mktemp("if021"), "if021", *ARGS)
    return [m for s in submissions(out) for m in s]


def run(spec_folder, messages, channel="IF-021", directory=None, seen=lambda ref: False):
    return checks.check(
        messages,
        channel=channel,
        validators=validation.validators(spec.load(spec_folder)),
        directory=directory or Directory(),
        seen=seen,
        now=NOW,
    )


def _with(message: dict, block: str, **values) -> dict:
    changed = copy.deepcopy(message)
    changed["payload"]["CommonBlock"][block].update(values)
    return changed


def test_valid_messages_get_msg0000_and_a_transaction_id(spec_folder, messages) -> None:
    verdicts = run(spec_folder, messages)
    assert [v.code for v in verdicts] == ["MSG0000"] * len(messages)
    pattern = re.compile(r"^T-IF-021-9000000001-(SDS|ADS|UMSDS)-20251027-[0-9a-f]{16}$")
    assert all(pattern.match(v.transaction_id) for v in verdicts)
    assert len({v.transaction_id for v in verdicts}) == len(verdicts)
    assert all(len(v.transaction_id) <= 65 and v.reference and v.mpan for v in verdicts)


def test_each_refusal_gets_its_code(spec_folder, messages) -> None:
    m = messages[0]
    cases = {
        "MSG1002": (run(spec_folder, [m], channel="IF-041"), "sent on IF-041"),
        "MSG1009": (run(spec_folder, [_with(m, "S1", senderDIPID="9999999999")]), "not a registered"),
        "MSG1010": (run(spec_folder, [_with(m, "S1", senderRoleID="SUP")]), "does not hold the role SUP"),
        "MSG1011": (run(spec_folder, [_with(m, "S1", DIPConnectionProviderID="9111111111")]), "9111111111"),
        "MSG1007": (
            run(spec_folder, [_with(m, "S1", senderTimestamp="2025-10-27T12:10:00+00:00")]),
            "in the future",
        ),
        "MSG1006": (run(spec_folder, [m], seen=lambda ref: True), "sent before"),
    }
    for code, (verdicts, words) in cases.items():
        assert (verdicts[0].code, verdicts[0].transaction_id) == (code, None), code
        assert words in verdicts[0].detail, (code, verdicts[0].detail)
    unknown = run(spec_folder, [m], channel="IF-999")[0]
    assert unknown.code == "MSG1002" and "not an interface" in unknown.detail
    schema = run(spec_folder, [_with(m, "S0", schemaVersion=11)])[0]
    assert schema.code == "MSG1001" and "schemaVersion" in schema.detail


def test_a_reference_twice_in_one_submission_is_a_duplicate(spec_folder, messages) -> None:
    verdicts = run(spec_folder, [messages[0], messages[1], messages[0]])
    assert [v.code for v in verdicts] == ["MSG0000", "MSG0000", "MSG1006"]


def test_the_clock_tolerance_is_five_minutes(spec_folder, messages) -> None:
    ok = run(spec_folder, [_with(messages[0], "S1", senderTimestamp="2025-10-27T12:04:59+00:00")])
    assert ok[0].code == "MSG0000"


@pytest.mark.parametrize(
    "case", [c for c in invalid.for_interface("IF-021") if invalid.CASES[c].kind == "schema"]
)
def test_every_schema_case_of_the_generator_is_msg1001(spec_folder, tmp_path, case) -> None:
    out = generate(tmp_path, "if021", *ARGS, "--invalid", "1", "--invalid-cases", case)
    verdicts = run(spec_folder, [m for s in submissions(out) for m in s])
    assert verdicts and {v.code for v in verdicts} == {"MSG1001"}, case


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'[{"payload": {"CommonBlock"', "not JSON"),
        (b'{"payload": {}}', "JSON array"),
        (b"[]", "no message"),
        (b"[1]", "Message 0 is not an object"),
        (b'[{"payload": {}, "extra": 1}]', "other than payload"),
    ],
)
def test_a_body_that_is_not_a_message_array_is_refused_whole(body, words) -> None:
    with pytest.raises(checks.BodyError, match=words):
        checks.parse_submission(body)
    assert checks.parse_submission(orjson.dumps([{"payload": {}}])) == [{"payload": {}}]


class _AnySchema:
    """A validator that passes every payload: the addressing checks alone (IF-021 carries no A0 block)."""

    def knows(self, interface: str) -> bool:
        return True

    def payload_error(self, interface, payload):
        return None


def test_an_unregistered_primary_recipient_is_msg1031(messages) -> None:
    m = copy.deepcopy(messages[0])
    m["payload"]["CommonBlock"]["A0"] = {"primaryRecipients": ["9000000017", "9222222222"]}
    verdict = checks.check(
        [m], channel="IF-021", validators=_AnySchema(), directory=Directory(), seen=lambda r: False, now=NOW
    )[0]
    assert (verdict.code, verdict.primary) == ("MSG1031", ["9000000017", "9222222222"])
    assert "9222222222" in verdict.detail and "9000000017" not in verdict.detail
    m["payload"]["CommonBlock"]["A0"]["primaryRecipients"] = ["9000000017"]
    ok = checks.check(
        [m], channel="IF-021", validators=_AnySchema(), directory=Directory(), seen=lambda r: False, now=NOW
    )[0]
    assert ok.code == "MSG0000"
