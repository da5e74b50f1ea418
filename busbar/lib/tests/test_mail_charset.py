"""Charset robustness: transfer encodings, RFC 2047 headers, and wrong or unknown declared charsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from busbar.lib.mail import ParsedMessage, parse_message

SAMPLES = Path(__file__).parent / "mail_samples"


def sample(name: str) -> ParsedMessage:
    return parse_message((SAMPLES / name).read_bytes())


def body(raw_body: bytes, content_type: str, cte: str = "8bit") -> ParsedMessage:
    head = (
        f"From: a@x.example\r\nSubject: x\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}"
    )
    return parse_message(head.encode() + b"\r\n\r\n" + raw_body)


def test_quoted_printable_utf8() -> None:
    msg = sample("qp_non_ascii.eml")
    # Soft line breaks are joined and =C2=A3 / =E2=80=94 decoded.
    assert "The standing charge on the corrected invoice is £12.50 per day — not £15.00 as quoted" in msg.text
    assert not msg.charset_fallback


def test_base64_latin1() -> None:
    msg = sample("base64_latin1.eml")
    assert msg.text.splitlines()[2] == "Le relevé du compteur pour le site Café Noël est corrigé."
    assert "Montant dû : £50" in msg.text
    assert "\r" not in msg.text
    assert msg.subject == "Re: [INC0001234] Relevé compteur"
    assert not msg.charset_fallback


def test_rfc2047_subject_and_names() -> None:
    msg = sample("rfc2047_subject.eml")
    assert msg.subject == "Re: [INC0004567] Zähler-Störung — dringend"  # two encoded words joined
    assert msg.from_name == "Jürgen Müller"
    assert msg.text == "Der Zähler wurde heute Morgen getauscht."


def test_windows_1252_html() -> None:
    assert "We’ve resubmitted it – please check" in sample("outlook_html_reply.eml").text


def test_wrong_declared_charset_uses_replacement() -> None:
    msg = sample("wrong_charset.eml")  # says utf-8, bytes are ISO-8859-1
    assert msg.text == "The meter at Caf\ufffd Royal reads 1\ufffd units high per day."
    assert msg.charset_fallback


@pytest.mark.parametrize("charset", ["x-no-such-charset", "rot13", "base64", "idna", "punycode", '""'])
def test_unknown_or_non_text_charset(charset: str) -> None:
    msg = body("Zähler £5\n".encode(), f"text/plain; charset={charset}")
    assert msg.text == "Zähler £5"  # decoded as UTF-8, the common truth behind a bad label


def test_ascii_label_on_utf8_bytes() -> None:
    msg = body("Café\n".encode(), "text/plain; charset=us-ascii")
    assert msg.text == "Café"
    assert msg.charset_fallback


def test_no_charset_and_not_utf8() -> None:
    msg = body(b"caf\xe9\n", "text/plain")
    assert msg.text == "caf\ufffd"


def test_raw_utf8_headers() -> None:
    raw = "From: Zoë Ångström <zoe@x.example>\r\nSubject: [INC0001234] Störung\r\n\r\nx\r\n".encode()
    msg = parse_message(raw)
    assert (msg.subject, msg.from_name) == ("[INC0001234] Störung", "Zoë Ångström")


def test_raw_non_utf8_header_bytes_are_replaced() -> None:
    msg = parse_message(b"From: a@x.example\r\nSubject: Caf\xe9 \xff\r\n\r\nx\r\n")
    assert msg.subject.startswith("Caf")
    msg.subject.encode("utf-8")  # no lone surrogates left behind


def test_unknown_charset_in_encoded_word() -> None:
    msg = parse_message(b"From: a@x.example\r\nSubject: =?x-bogus?Q?caf=E9?= [INC0001234]\r\n\r\nx\r\n")
    assert msg.subject.endswith("[INC0001234]")
    msg.subject.encode("utf-8")


def test_broken_base64_and_qp_do_not_raise() -> None:
    # The email package hands back undecodable base64 as-is, which is more useful than nothing.
    assert body(b"!!!not base64@@@\n", "text/plain; charset=utf-8", cte="base64").text == "!!!not base64@@@"
    assert body(
        b"caf=E9 =ZZ broken=\n", "text/plain; charset=latin-1", cte="quoted-printable"
    ).text.startswith("café")


def test_nul_bytes_are_removed() -> None:
    # PostgreSQL text columns reject NUL, so they must never reach the caller.
    assert body(b"a\x00b\n", "text/plain; charset=utf-8").text == "ab"


def test_utf16_body() -> None:
    assert body("Zähler\n".encode("utf-16"), "text/plain; charset=utf-16", cte="binary").text == "Zähler"
