"""is_auto_reply: out-of-office and other machine replies must not be threaded as provider answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from busbar.lib.mail import parse_message

SAMPLES = Path(__file__).parent / "mail_samples"


def parse_with(headers: str, subject: str = "Re: [INC0001234] Meter read failure") -> bool:
    raw = f"From: a@x.example\nTo: desk@busbar.example\nSubject: {subject}\n{headers}\n\nBody.\n"
    return parse_message(raw.encode().replace(b"\n\n\n", b"\n\n")).is_auto_reply


def test_out_of_office_sample() -> None:
    assert parse_message((SAMPLES / "out_of_office.eml").read_bytes()).is_auto_reply


@pytest.mark.parametrize(
    "name",
    [
        "gmail_reply.eml",
        "outlook_html_reply.eml",
        "outlook_plain_reply.eml",
        "qp_non_ascii.eml",
        "in_reply_to_only.eml",
        "pdf_and_inline_image.eml",
    ],
)
def test_human_replies_are_not_auto(name: str) -> None:
    assert not parse_message((SAMPLES / name).read_bytes()).is_auto_reply


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "Auto-Submitted: Auto-Notified; owner-email=x@y.example",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "X-Auto-Response-Suppress: All",
        "X-Auto-Response-Suppress: DR, OOF, AutoReply",
        "Precedence: bulk",
        "Precedence: auto_reply",
        "Precedence: Junk",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    ],
)
def test_auto_headers(headers: str) -> None:
    assert parse_with(headers)


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: [INC0001234] Meter read failure",
        "automatic reply: anything",
        "Out of Office: back Monday",
        "Out of office reply",
    ],
)
def test_auto_subjects(subject: str) -> None:
    assert parse_with("", subject=subject)


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ("Auto-Submitted: no", "Re: [INC0001234] Meter read failure"),
        ("Precedence: list", "Re: [INC0001234] Meter read failure"),
        ("X-Auto-Response-Suppress: DR, RN", "Re: [INC0001234] Meter read failure"),
        ("", "Re: the engineer is out of office today"),  # only a prefix counts
        ("", "Re: Automatic reply: handling"),
    ],
)
def test_not_auto(headers: str, subject: str) -> None:
    assert not parse_with(headers, subject=subject)
