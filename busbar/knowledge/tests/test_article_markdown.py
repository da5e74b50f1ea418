"""Articles are Markdown rendered safely: markup that could run or load anything is inert."""

from html.parser import HTMLParser

import pytest

from busbar.knowledge.tests.conftest import article_for
from busbar.lib.markdown import TAGS, plain_text, render

pytestmark = pytest.mark.django_db

HOSTILE = """# Heading
<script>alert('x')</script>
<img src=x onerror=alert(1)>
[click](javascript:alert(1)) [data](data:text/html,hi) [ok](https://example.org/a "t")
![tracker](https://evil.example/pixel.png)
<a href="https://evil.example" onclick="x()">raw</a>
"""


class Tags(HTMLParser):
    """Every element and attribute in a piece of HTML (what a browser would act on)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.found.append((tag, dict(attrs)))


def _inert(html: str) -> list[tuple[str, dict]]:
    found = Tags(html).found
    for tag, attrs in found:
        assert tag in TAGS, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert attrs.get("href", "https:").split(":")[0] in ("http", "https", "mailto"), attrs
    return found


def test_hostile_markup_is_inert() -> None:
    html = render(HOSTILE)
    links = [attrs["href"] for tag, attrs in _inert(html) if tag == "a"]
    assert links == [
        "https://example.org/a",
        "https://evil.example/pixel.png",
    ]  # the image: a link, not a load
    assert "&lt;script&gt;" in html  # shown as text


def test_headings_move_down_one_level() -> None:
    assert render("# A\n\n###### B").startswith("<h2>A</h2>") and "<h6>B</h6>" in render("###### B")


def test_deep_nesting_is_bounded() -> None:
    html = render(">" * 500 + " deep")
    assert html.count("<blockquote>") <= 25


def test_plain_text_keeps_the_words() -> None:
    assert plain_text("A *b*\nc `d` [e](https://x.example)") == "A b c d e"


def test_the_article_page_shows_script_as_text(world, catalogue) -> None:
    article = article_for(world, catalogue, body=HOSTILE)
    page = world.client(world.user_a).get(f"/knowledge/{article.reference}/").content.decode()
    body = page[page.index('<article class="card article-body"') : page.index("</article>")]
    _inert(body.split(">", 1)[1])
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in body
    scripts = [attrs for tag, attrs in Tags(page).found if tag == "script"]
    assert all(attrs.get("src", "").startswith("/static/") for attrs in scripts)
    api = world.client(world.user_a).get(f"/api/v1/articles/{article.reference}").json()
    assert "<script" not in api["current"]["body_html"] and "<script>" in api["current"]["body"]
