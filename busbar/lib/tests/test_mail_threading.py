"""Outbound threading helpers and find_reference: which incident an inbound reply belongs to."""

from __future__ import annotations

from pathlib import Path

import pytest

from busbar.lib.mail import ParsedMessage, find_reference, incident_message_id, parse_message, subject_tag

SAMPLES = Path(__file__).parent / "mail_samples"
DOMAIN = "busbar.example"


def sample(name: str) -> ParsedMessage:
    return parse_message((SAMPLES / name).read_bytes())


class TestOutboundHelpers:
    def test_message_id_embeds_reference_token_and_domain(self) -> None:
        assert incident_message_id("INC0001234", "5f2c9a1e", DOMAIN) == "<INC0001234.5f2c9a1e@busbar.example>"

    def test_subject_tag(self) -> None:
        assert subject_tag("INC0001234") == "[INC0001234]"

    @pytest.mark.parametrize(
        ("reference", "token", "domain"),
        [
            ("", "tok", DOMAIN),
            ("INC0001234", "", DOMAIN),
            ("INC0001234", "a b", DOMAIN),  # whitespace would break the header
            ("INC0001234", "tok>\r\nBcc: x@evil.example", DOMAIN),  # header injection
            ("INC0001234", "a@b", DOMAIN),
            ("INC00 01234", "tok", DOMAIN),
            ("INC0001234", "tok", ""),
            ("INC0001234", "tok", "busbar..example"),
            ("INC0001234", "tok", "busbar.example>"),
        ],
    )
    def test_message_id_rejects_unsafe_parts(self, reference: str, token: str, domain: str) -> None:
        with pytest.raises(ValueError):
            incident_message_id(reference, token, domain)

    @pytest.mark.parametrize("reference", ["", "INC1]", "INC1\r\nBcc: x", "INC 1"])
    def test_subject_tag_rejects_unsafe_reference(self, reference: str) -> None:
        with pytest.raises(ValueError):
            subject_tag(reference)

    def test_round_trip_through_a_reply(self) -> None:
        message_id = incident_message_id("INC0007654", "c0ffee", DOMAIN)
        raw = (
            f"From: someone@provider.example\r\nTo: desk@{DOMAIN}\r\nSubject: Re: all sorted\r\n"
            f"In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n\r\nDone.\r\n"
        ).encode()
        assert find_reference(parse_message(raw), domain=DOMAIN) == "INC0007654"


class TestFindReferenceOnSamples:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("gmail_reply.eml", "INC0001234"),
            ("outlook_html_reply.eml", "INC0002345"),
            ("outlook_plain_reply.eml", "INC0003456"),  # subject tag only
            ("in_reply_to_only.eml", "INC0002345"),  # no tag left in the subject
            ("rfc2047_subject.eml", "INC0004567"),  # tag inside an encoded word
            ("body_mentions_other.eml", "INC0001234"),  # body names INC0009876 and INC0005555
        ],
    )
    def test_sample(self, name: str, expected: str) -> None:
        assert find_reference(sample(name), domain=DOMAIN) == expected

    def test_body_references_are_never_used(self) -> None:
        msg = sample("body_mentions_other.eml")
        assert "INC0009876" in msg.text
        stripped = ParsedMessage(subject="Re: Meter read failure", text=msg.text, reply_text=msg.reply_text)
        assert find_reference(stripped, domain=DOMAIN) is None


class TestFindReferencePrecedence:
    def test_in_reply_to_beats_subject(self) -> None:
        msg = ParsedMessage(
            in_reply_to="<INC0000001.tok@busbar.example>",
            subject="Re: [INC0000002] forwarded to the wrong thread",
        )
        assert find_reference(msg, domain=DOMAIN) == "INC0000001"

    def test_in_reply_to_beats_references(self) -> None:
        msg = ParsedMessage(
            in_reply_to="<INC0000001.tok@busbar.example>",
            references=["<INC0000003.tok@busbar.example>"],
        )
        assert find_reference(msg, domain=DOMAIN) == "INC0000001"

    def test_newest_reference_wins(self) -> None:
        msg = ParsedMessage(
            references=[
                "<INC0000003.a@busbar.example>",
                "<other@mail.example>",
                "<INC0000004.b@busbar.example>",
            ]
        )
        assert find_reference(msg, domain=DOMAIN) == "INC0000004"

    def test_references_used_when_in_reply_to_is_foreign(self) -> None:
        msg = ParsedMessage(
            in_reply_to="<CAF3xq@mail.gmail.com>",
            references=["<INC0000005.tok@busbar.example>", "<CAF3xq@mail.gmail.com>"],
        )
        assert find_reference(msg, domain=DOMAIN) == "INC0000005"

    def test_message_ids_from_other_domains_are_not_trusted(self) -> None:
        msg = ParsedMessage(in_reply_to="<INC0000006.tok@evil.example>", subject="Re: [INC0000007] x")
        assert find_reference(msg, domain=DOMAIN) == "INC0000007"

    def test_domain_match_is_case_insensitive(self) -> None:
        msg = ParsedMessage(in_reply_to="<INC0000008.tok@Busbar.EXAMPLE>")
        assert find_reference(msg, domain="BUSBAR.example") == "INC0000008"

    def test_our_domain_but_not_an_incident_id(self) -> None:
        msg = ParsedMessage(in_reply_to="<password-reset.tok@busbar.example>", subject="Re: hello")
        assert find_reference(msg, domain=DOMAIN) is None

    def test_subject_tag_beats_bare_reference(self) -> None:
        msg = ParsedMessage(subject="Re: INC0000009 duplicate of [INC0000010]")
        assert find_reference(msg, domain=DOMAIN) == "INC0000010"

    def test_bare_reference_in_subject(self) -> None:
        assert find_reference(ParsedMessage(subject="RE: INC0000011 update"), domain=DOMAIN) == "INC0000011"

    @pytest.mark.parametrize(
        "subject", ["INC00000123 too long", "XINC0000012", "INC000001", "inc0000012", ""]
    )
    def test_near_misses_are_not_references(self, subject: str) -> None:
        assert find_reference(ParsedMessage(subject=subject), domain=DOMAIN) is None

    def test_custom_pattern(self) -> None:
        msg = ParsedMessage(in_reply_to="<PRB0042.tok@busbar.example>", subject="[INC0000013]")
        assert find_reference(msg, domain=DOMAIN, pattern=r"PRB\d{4}") == "PRB0042"
        assert (
            find_reference(ParsedMessage(subject="Re: [CHG-17] x"), domain=DOMAIN, pattern=r"CHG-\d+")
            == "CHG-17"
        )
