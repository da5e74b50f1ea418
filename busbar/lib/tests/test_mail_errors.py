"""MailParseError for input that is not a mail message; nothing else ever escapes parse_message."""

from __future__ import annotations

import contextlib
import inspect
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busbar.lib.mail import MailParseError, parse_message

# No example database: the suite must not leave a .hypothesis directory in the checkout.
FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \r\n\t\n", "empty"),
        (b"hello world, this is not an email\n", "no RFC 822 header"),
        (b'{"subject": "json is not mail"}', "no RFC 822 header"),
        (b"X-Custom: only a private header\n\nbody\n", "no RFC 822 header"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "no RFC 822 header"),
        (b"\nSubject: after a blank line, so this is body\n", "no RFC 822 header"),
    ],
)
def test_not_a_message(raw: bytes, message: str) -> None:
    with pytest.raises(MailParseError, match=message):
        parse_message(raw)


def test_mail_parse_error_is_a_value_error() -> None:
    assert issubclass(MailParseError, ValueError)


def test_minimal_message_is_accepted() -> None:
    msg = parse_message(b"Subject: hi\n")
    assert msg.subject == "hi" and msg.text == ""


def test_bytearray_and_memoryview_accepted() -> None:
    raw = b"From: a@x.example\n\nhi\n"
    assert parse_message(bytearray(raw)).text == parse_message(memoryview(raw)).text == "hi"


def test_non_bytes_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        parse_message("From: a@x.example\n\nhi\n")  # type: ignore[arg-type]


def nested(depth: int) -> bytes:
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth))
    return ("From: a@x.example\n" + opening + "Content-Type: text/plain\n\nhi\n").encode()


def test_deep_but_plausible_nesting_is_parsed() -> None:
    assert parse_message(nested(100)).text == "hi"


def test_absurd_nesting_is_refused_before_parsing() -> None:
    # Parsing cost is quadratic in depth: 1500 levels would take seconds, the guard answers at once.
    with pytest.raises(MailParseError, match="1500 multipart boundaries"):
        parse_message(nested(1500))


def test_parser_recursion_error_becomes_mail_parse_error() -> None:
    # Lower the limit rather than build a message deep enough to exhaust the default one (slow).
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 60)
    try:
        with pytest.raises(MailParseError, match="RecursionError"):
            parse_message(nested(90))
    finally:
        sys.setrecursionlimit(limit)


def test_multipart_without_boundary_is_read_as_text() -> None:
    msg = parse_message(b"From: a@x.example\nContent-Type: multipart/mixed\n\nJust text.\n")
    assert msg.text == "Just text." and msg.attachments == []


@settings(FAST, max_examples=300)
@given(st.binary(max_size=1500))
def test_arbitrary_bytes_only_raise_mail_parse_error(raw: bytes) -> None:
    with contextlib.suppress(MailParseError):
        parse_message(raw)


_HEADER = st.sampled_from(
    ["From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Content-Type",
     "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted", "Content-ID"]
)  # fmt: skip
_VALUE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ['multipart/mixed; boundary="b"', "text/html; charset=idna", "text/plain; charset=utf-16", "base64",
         "quoted-printable", "x-uuencode", "=?utf-8?b?////?=", "=?x?q?=ZZ?=", "<a@b> <c@d", "message/rfc822",
         "attachment; filename*=utf-8''%ff%fe.pdf", "text/plain; format=flowed; delsp=yes"]
    ),
)  # fmt: skip
_PARTS = st.sampled_from(
    ["", "--b\nContent-Type: text/html\n\n<p>x<blockquote>y\n--b--\n",
     "--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n!!!=\n--b\n",
     "--b\nContent-Type: message/rfc822\n\nSubject: \udcff\n\n--b--\n"]
)  # fmt: skip


@FAST
@given(st.lists(st.tuples(_HEADER, _VALUE), min_size=1, max_size=8), st.text(max_size=200), _PARTS)
def test_hostile_but_message_shaped_input(headers: list[tuple[str, str]], text: str, parts: str) -> None:
    raw = "From: a@x.example\n" + "".join(f"{name}: {value}\n" for name, value in headers)
    raw += "\n" + text + "\n" + parts
    msg = parse_message(raw.encode("utf-8", "surrogateescape"))
    # Every string handed back must be storable as UTF-8 text.
    for value in (msg.subject, msg.text, msg.reply_text, msg.from_name, *msg.to, *msg.references):
        value.encode("utf-8")
        assert "\x00" not in value
