"""reply_text / extract_reply: the new part of a reply, without quoted history or signature."""

from __future__ import annotations

from pathlib import Path

from busbar.lib.mail import ParsedMessage, extract_reply, parse_message

SAMPLES = Path(__file__).parent / "mail_samples"


def sample(name: str) -> ParsedMessage:
    return parse_message((SAMPLES / name).read_bytes())


class TestSamples:
    def test_gmail_attribution_quote_and_signature_removed(self) -> None:
        msg = sample("gmail_reply.eml")
        assert msg.reply_text == (
            "Hi,\n\nWe've restarted the data collector and the reads are flowing again.\n"
            "Can you confirm on your side?\n\nThanks,\nJane"
        )
        assert "wrote:" in msg.text and "Jane Operator | Gridco" in msg.text  # text keeps everything

    def test_outlook_html_original_message_block_removed(self) -> None:
        msg = sample("outlook_html_reply.eml")
        assert msg.reply_text.startswith("Hello,\n\nThe file was rejected")
        assert msg.reply_text.endswith("Kind regards,\nAndré")
        assert "Original Message" not in msg.reply_text
        assert "assigned to Northpower" not in msg.reply_text

    def test_outlook_plain_header_block_and_rule_removed(self) -> None:
        msg = sample("outlook_plain_reply.eml")
        assert msg.reply_text == (
            "The gap was caused by a DCC outage between 02:00 and 04:30. Data has been backfilled.\n\nPriya"
        )

    def test_unquoted_message_is_unchanged(self) -> None:
        msg = sample("in_reply_to_only.eml")
        assert msg.reply_text == msg.text == "Resubmitted again this morning, should be fine now."


class TestQuoting:
    def test_quoted_lines_removed_anywhere(self) -> None:
        text = "> Which meter?\nMPAN 1200023456789.\n> And when?\nThis morning.\n"
        assert extract_reply(text) == "MPAN 1200023456789.\nThis morning."

    def test_attribution_wrapped_over_two_lines(self) -> None:
        text = (
            "Fixed now.\n\nOn Mon, 24 Nov 2025 at 10:00, Busbar Service Desk Notifications <\n"
            "desk@busbar.example> wrote:\n> Incident assigned.\n"
        )
        assert extract_reply(text) == "Fixed now."

    def test_everything_after_attribution_goes_even_if_unquoted(self) -> None:
        text = "Yes.\n\nOn Tue, 25 Nov 2025, desk@busbar.example wrote:\nIncident INC0001234 assigned.\n"
        assert extract_reply(text) == "Yes."

    def test_sentence_starting_with_on_is_kept(self) -> None:
        text = "On Monday the engineer replaced the meter.\nHe wrote: all good.\n"
        assert extract_reply(text) == text.strip()

    def test_bottom_posted_reply_is_not_lost(self) -> None:
        text = (
            "On Mon, 24 Nov 2025 at 10:00, Busbar <desk@busbar.example> wrote:\n"
            "> Please confirm.\n\nConfirmed.\n"
        )
        assert extract_reply(text) == "Confirmed."

    def test_original_message_marker(self) -> None:
        text = "Done.\n\n-----Original Message-----\nFrom: Busbar\nSent: Monday\nQuoted.\n"
        assert extract_reply(text) == "Done."

    def test_header_block_needs_sent_and_to(self) -> None:
        text = "From: the control room we heard the alarm.\nNothing else to report.\n"
        assert extract_reply(text) == text.strip()

    def test_header_block_on_one_line(self) -> None:
        text = "Done.\nFrom: Busbar <desk@busbar.example> Sent: 24 November 2025 To: me Subject: x\nQuoted.\n"
        assert extract_reply(text) == "Done."

    def test_crlf_input(self) -> None:
        assert extract_reply("Yes.\r\n> quoted\r\n") == "Yes."


class TestSignature:
    def test_signature_after_dash_dash_space_removed(self) -> None:
        assert extract_reply("All done.\n-- \nJane\n+44 20 7946 0000\n") == "All done."

    def test_dash_dash_without_space_is_not_a_delimiter(self) -> None:
        assert extract_reply("Values:\n--\n12 -- 14\n") == "Values:\n--\n12 -- 14"

    def test_flowed_signature_and_soft_breaks(self) -> None:
        raw = (
            "From: a@x.example\nSubject: Re: [INC0001234]\n"
            "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\n"
            "The collector was restarted at 10:05 and reads  \n"
            "resumed.\n-- \nSam\n\n> quoted and  \n> flowed\n"
        )
        msg = parse_message(raw.encode())
        assert msg.reply_text == "The collector was restarted at 10:05 and reads resumed."
        assert "> quoted and flowed" in msg.text
