"""Attachments: decoding, inline images, generated and sanitised names, and the size limit."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from busbar.lib.mail import Attachment, ParsedMessage, parse_message

SAMPLES = Path(__file__).parent / "mail_samples"


def sample(name: str, **kwargs: int) -> ParsedMessage:
    return parse_message((SAMPLES / name).read_bytes(), **kwargs)


def with_attachment(payload: bytes, headers: str, *, cte: str = "base64", encoded: bool = False) -> bytes:
    body = base64.encodebytes(payload) if cte == "base64" and not encoded else payload
    return (
        b"From: a@x.example\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n'
        b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--B\r\n"
        + headers.encode()
        + f"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n".encode()
        + body
        + b"\r\n--B--\r\n"
    )


class TestSample:
    def test_pdf_and_inline_image(self) -> None:
        msg = sample("pdf_and_inline_image.eml")
        by_type = {a.content_type: a for a in msg.attachments}
        assert set(by_type) == {"image/png", "application/pdf"}

        pdf = by_type["application/pdf"]
        assert pdf.filename == "meter-report.pdf"
        assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.rstrip().endswith(b"%%EOF")
        assert pdf.size == len(pdf.content) == 218
        assert not pdf.inline

        image = by_type["image/png"]
        assert image.filename == "image-1.png"  # generated: the part has no filename
        assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert image.inline and image.content_id == "ii_m3k9x2f10"

        assert msg.rejected_attachments == []
        assert msg.text.startswith("Report attached")  # the body is not an attachment

    def test_html_alternative_is_not_an_attachment(self) -> None:
        assert sample("gmail_reply.eml").attachments == []

    def test_limit_rejects_without_loading(self) -> None:
        msg = sample("pdf_and_inline_image.eml", max_attachment_bytes=100)
        assert [a.filename for a in msg.attachments] == ["image-1.png"]  # 69 bytes
        (rejected,) = msg.rejected_attachments
        assert (rejected.filename, rejected.content_type, rejected.size) == (
            "meter-report.pdf",
            "application/pdf",
            218,
        )
        assert "218 bytes" in rejected.reason and "100-byte limit" in rejected.reason


class TestLimit:
    @pytest.mark.parametrize("cte", ["base64", "8bit"])
    def test_exactly_at_limit_is_accepted(self, cte: str) -> None:
        payload = bytes(range(256)) * 4 if cte == "base64" else b"x" * 1024
        raw = with_attachment(payload, 'Content-Type: application/octet-stream; name="a.bin"', cte=cte)
        assert parse_message(raw, max_attachment_bytes=1024).attachments[0].content == payload
        assert parse_message(raw, max_attachment_bytes=1023).rejected_attachments[0].size == 1024

    def test_default_limit_is_ten_mebibytes(self) -> None:
        # 10 MiB + 1 zero bytes (3 * 3495253 + 2), base64-encoded by hand because encoding 10 MiB for real
        # is slow for a unit test: each 3 zero bytes are "AAAA" and the last 2 are "AAA=".
        size = 10 * 1024 * 1024 + 1
        encoded = b"AAAA" * (size // 3) + b"AAA="
        msg = parse_message(
            with_attachment(encoded, 'Content-Type: application/zip; name="big.zip"', encoded=True)
        )
        assert msg.attachments == []
        assert msg.rejected_attachments[0].size == size


class TestNames:
    @pytest.mark.parametrize(
        ("disposition", "expected"),
        [
            ('attachment; filename="../../etc/passwd"', "passwd"),
            ('attachment; filename="C:\\\\Users\\\\me\\\\report.xlsx"', "report.xlsx"),
            ("attachment; filename*=UTF-8''Z%C3%A4hlerstand%20M%C3%A4rz.csv", "Zählerstand März.csv"),
            ('attachment; filename="=?UTF-8?Q?Rechnung_=E2=82=AC.pdf?="', "Rechnung €.pdf"),
            ('attachment; filename="..."', "attachment-1.bin"),
            ("attachment", "attachment-1.bin"),
        ],
    )
    def test_filenames_decoded_and_sanitised(self, disposition: str, expected: str) -> None:
        raw = with_attachment(
            b"data", f"Content-Type: application/octet-stream\r\nContent-Disposition: {disposition}"
        )
        assert parse_message(raw).attachments[0].filename == expected

    def test_forwarded_message_is_one_attachment(self) -> None:
        inner = "From: b@y.example\r\nSubject: original\r\n\r\nOriginal body.\r\n"
        raw = (
            'From: a@x.example\r\nSubject: Fwd\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
            "--B\r\nContent-Type: text/plain\r\n\r\nForwarding.\r\n"
            "--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--B--\r\n"
        ).encode()
        msg = parse_message(raw)
        assert msg.text == "Forwarding."
        (forwarded,) = msg.attachments
        assert forwarded.filename == "attachment-1.eml" and forwarded.content_type == "message/rfc822"
        assert b"Subject: original" in forwarded.content and b"Original body." in forwarded.content

    def test_text_attachment_kept_as_bytes(self) -> None:
        raw = with_attachment(
            "naïve\n".encode("latin-1"),
            "Content-Type: text/plain; charset=latin-1\r\n"
            'Content-Disposition: attachment; filename="notes.txt"',
        )
        msg = parse_message(raw)
        assert msg.text == "See attached."
        assert msg.attachments == [Attachment("notes.txt", "text/plain", "naïve\n".encode("latin-1"))]
