"""Updates are Markdown, rendered safely on the incident page (no raw HTML, no script links, no images
loaded), with @mentions highlighted; an emailed reply is plain text and stays plain."""

from html.parser import HTMLParser

import pytest

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import Channel
from busbar.lib.markdown import render_entry

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![pixel](https://tracker.example/p.png)",
    '<a href="javascript:alert(1)">a</a>',
    "<svg onload=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '@[<img src=x onerror=alert(1)>] and <span class="mention">fake</span>',
    "<iframe src=https://evil.example></iframe>",
]


SAFE_TAGS = {"p", "a", "span", "strong", "em", "code", "ul", "li", "div", "br"}


class Tags(HTMLParser):
    """Every tag and attribute of a fragment, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    parser = Tags()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in SAFE_TAGS, tag
        assert not [a for a in attrs if a.startswith("on") or a in ("style", "src")], attrs
        if "href" in attrs:
            assert attrs["href"].split(":", 1)[0].lower() in ("http", "https", "mailto"), attrs["href"]
        if "class" in attrs:
            assert attrs["class"] in ("mention", "entry-body", "entry-body plain"), attrs


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert(payload: str) -> None:
    assert_inert(render_entry(payload))


def test_markdown_and_mentions_render_on_the_page(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.add_update(
        actor=actor_for(world.analyst),
        incident=incident,
        body="**Fixed** in `v2`:\n\n- restart\n- [status](https://status.example/)\n\n"
        + "@user please confirm\n\n"
        + "\n\n".join(PAYLOADS),
    )
    for user in (world.user_a, world.analyst):
        html = world.client(user).get(f"/incidents/{incident.reference}/").content.decode()
        assert "<strong>Fixed</strong>" in html and "<code>v2</code>" in html and "<li>restart</li>" in html
        assert '<a href="https://status.example/" rel="noopener noreferrer nofollow">status</a>' in html
        assert '<span class="mention">@user</span>' in html
        start = html.index('<div class="entry-body">')
        body = html[start : html.index("</div>", start)]
        assert_inert(body)
        assert body.count('<span class="mention">') == 2  # "@user" and the escaped "@[<img…>]", not the fake


def test_an_emailed_reply_stays_plain_text(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.add_update(
        actor=actor_for(world.user_a, channel=Channel.EMAIL),
        incident=incident,
        body="> quoted **not bold**\n<b>tag</b> @analyst",
        email_message_id="<m1@alpha.example>",
    )
    html = world.client(world.analyst).get(f"/incidents/{incident.reference}/").content.decode()
    assert "&gt; quoted **not bold**<br>&lt;b&gt;tag&lt;/b&gt; @analyst" in html
    assert '<span class="mention">@analyst</span>' not in html


def test_outsiders_do_not_see_the_conversation(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.add_update(actor=actor_for(world.analyst), incident=incident, body="**secret-ish** words")
    assert world.client(world.user_b).get(f"/incidents/{incident.reference}/").status_code == 404
    assert world.client(None).get(f"/incidents/{incident.reference}/").status_code == 302
