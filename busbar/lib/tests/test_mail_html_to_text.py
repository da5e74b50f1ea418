"""HTML bodies rendered as readable plain text (html.parser based)."""

from __future__ import annotations

from pathlib import Path

from busbar.lib.mail import ParsedMessage, html_to_text, parse_message

SAMPLES = Path(__file__).parent / "mail_samples"


def sample(name: str) -> ParsedMessage:
    return parse_message((SAMPLES / name).read_bytes())


def test_line_breaks_for_br_p_div_li() -> None:
    html = "<div>one</div><div>two<br>three</div><p>para</p><p>next</p><ul><li>a</li><li>b</li></ul>"
    assert html_to_text(html) == "one\ntwo\nthree\n\npara\n\nnext\n\n- a\n- b"


def test_scripts_styles_and_title_dropped() -> None:
    html = (
        "<html><head><title>Ignore</title><style>p { color: red }</style></head><body>"
        "<script>alert('x <b>y</b>')</script><p>Visible</p></body></html>"
    )
    assert html_to_text(html) == "Visible"


def test_whitespace_collapsed_and_entities_decoded() -> None:
    html = "<p>Price:\n   &pound;12.50&nbsp;&amp;\tVAT &mdash; &lt;net&gt;</p>"
    assert html_to_text(html) == "Price: £12.50 & VAT — <net>"


def test_links_keep_their_text() -> None:
    assert html_to_text('See <a href="https://portal.example/x">the portal</a>.') == "See the portal."


def test_ordered_lists_are_numbered() -> None:
    assert html_to_text("<ol><li>stop</li><li>start</li></ol>") == "1. stop\n2. start"


def test_blockquote_becomes_quoted_lines() -> None:
    html = "<div>Reply</div><blockquote>First<br><br>Second<blockquote>Deeper</blockquote></blockquote>"
    assert html_to_text(html) == "Reply\n> First\n>\n> Second\n> > Deeper"


def test_pre_keeps_spacing() -> None:
    assert html_to_text("<pre>a   b\n  c</pre>") == "a   b\n  c"


def test_table_cells_separated() -> None:
    assert html_to_text(
        "<table><tr><td>MPAN</td><td>123</td></tr><tr><td>kWh</td><td>4</td></tr></table>"
    ) == ("MPAN 123\nkWh 4")


def test_outlook_msonormal_paragraphs_are_lines() -> None:
    html = (
        '<p class="MsoNormal">Hello,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">Body<o:p></o:p></p><p class="MsoNormal">Regards<o:p></o:p></p>'
    )
    assert html_to_text(html) == "Hello,\n\nBody\nRegards"


def test_comments_and_conditional_comments_ignored() -> None:
    assert html_to_text("<!--[if gte mso 9]><xml><o:x>junk</o:x></xml><![endif]-->Text<!-- c -->") == "Text"


def test_malformed_html_does_not_raise() -> None:
    for html in ["<div", "<<<>>>", "</p></div>", "<![CDATA[x", "<a href='x>y", "&#xffffff;", "<script>"]:
        assert isinstance(html_to_text(html), str)


def test_html_only_sample_used_as_text() -> None:
    msg = sample("outlook_html_reply.eml")
    assert msg.text.splitlines()[:3] == [
        "Hello,",
        "",
        "The file was rejected because the header date was in the wrong format. "
        "We’ve resubmitted it – please check the flow has been accepted.",
    ]
    assert "font-family" not in msg.text and "<" not in msg.text.replace("<desk@", "").replace("<andre", "")
    assert "From: Busbar <desk@busbar.example>\nSent: 24 November 2025 16:20" in msg.text


def test_empty_plain_alternative_falls_back_to_html() -> None:
    raw = (
        'From: a@x.example\nSubject: x\nContent-Type: multipart/alternative; boundary="A"\n\n'
        "--A\nContent-Type: text/plain\n\n \n"
        "--A\nContent-Type: text/html\n\n<p>Real <b>answer</b></p>\n--A--\n"
    )
    msg = parse_message(raw.encode())
    assert msg.text == "Real answer" and msg.attachments == []


def test_plain_part_preferred_over_html() -> None:
    msg = sample("gmail_reply.eml")
    # The HTML alternative renders the quote differently (no blank line after the attribution).
    assert "wrote:\n\n> Incident" in msg.text
