"""parse_message header fields: identities, addresses, subject and date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from busbar.lib.mail import ParsedMessage, parse_message

SAMPLES = Path(__file__).parent / "mail_samples"


def sample(name: str) -> ParsedMessage:
    return parse_message((SAMPLES / name).read_bytes())


def message(headers: str, body: str = "Hello.\n") -> ParsedMessage:
    return parse_message((headers.strip("\n") + "\n\n" + body).encode())


def test_gmail_reply_headers() -> None:
    msg = sample("gmail_reply.eml")
    assert msg.message_id == "<CAF3xq+7Yw8kP1sQb2Lm0=nZ4tQ@mail.gmail.com>"
    assert msg.in_reply_to == "<INC0001234.5f2c9a1e@busbar.example>"
    assert msg.references == ["<INC0001234.5f2c9a1e@busbar.example>"]
    assert msg.from_address == "jane.operator@gridco.example"  # lower-cased
    assert msg.from_name == "Jane Operator"
    assert msg.to == ["desk@busbar.example"]
    assert msg.cc == ["ops-team@gridco.example"]
    assert msg.subject == "Re: [INC0001234] Meter read failure at MPAN 1200023456789"
    assert msg.date == datetime(2025, 11, 24, 10, 42, 5, tzinfo=UTC)


def test_parsed_message_is_frozen() -> None:
    msg = sample("gmail_reply.eml")
    with pytest.raises(AttributeError):
        msg.subject = "changed"  # type: ignore[misc]


def test_encoded_display_name_with_comma() -> None:
    msg = sample("outlook_html_reply.eml")
    assert msg.from_name == "Dupont, André"
    assert msg.from_address == "andre.dupont@northpower.example"


def test_references_keep_order_and_drop_duplicates() -> None:
    msg = message(
        "From: a@x.example\nSubject: s\n"
        "References: <one@x> <two@x>\n <one@x>\n\t<three@x>\nIn-Reply-To: <three@x>"
    )
    assert msg.references == ["<one@x>", "<two@x>", "<three@x>"]
    assert msg.in_reply_to == "<three@x>"


def test_message_id_without_angle_brackets() -> None:
    assert message("From: a@x.example\nMessage-ID: abc123@host.example").message_id == "<abc123@host.example>"


def test_in_reply_to_with_commentary() -> None:
    msg = message(
        'From: a@x.example\nIn-Reply-To: Your message of "Mon, 24 Nov" <INC0001234.t@busbar.example>'
    )
    assert msg.in_reply_to == "<INC0001234.t@busbar.example>"


def test_missing_headers_have_empty_values() -> None:
    msg = message("Subject: only a subject")
    assert (msg.message_id, msg.in_reply_to, msg.from_address, msg.date) == (None, None, None, None)
    assert (msg.references, msg.to, msg.cc, msg.from_name) == ([], [], [], "")


def test_multiple_recipients_and_groups() -> None:
    msg = message(
        'From: a@x.example\nTo: "Desk" <Desk@Busbar.example>, b@y.example, undisclosed-recipients:;'
    )
    assert msg.to == ["desk@busbar.example", "b@y.example"]


def test_garbage_from_gives_no_address() -> None:
    msg = message("From: not an address at all\nSubject: x")
    assert msg.from_address is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "Tue, 02 Dec 2025 07:45:12 +0100",
            datetime(2025, 12, 2, 7, 45, 12, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("Tue, 02 Dec 2025 07:45:12 -0000", datetime(2025, 12, 2, 7, 45, 12, tzinfo=UTC)),  # zone unknown
        ("2 Dec 2025 07:45 GMT", datetime(2025, 12, 2, 7, 45, tzinfo=UTC)),
        ("yesterday-ish", None),
        ("Tue, 32 Dec 2025 07:45:12 +0000", None),
        ("", None),
    ],
)
def test_date_is_aware_or_none(value: str, expected: datetime | None) -> None:
    msg = message(f"From: a@x.example\nDate: {value}")
    assert msg.date == expected
    assert msg.date is None or msg.date.tzinfo is not None


def test_folded_subject_is_unfolded() -> None:
    msg = message("From: a@x.example\nSubject: Re: [INC0001234] a long subject\n that was folded")
    assert msg.subject == "Re: [INC0001234] a long subject that was folded"
