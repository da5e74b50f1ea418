"""Markdown written by people (knowledge articles, conversation entries), rendered to HTML that is safe to
show anyone.

Two layers, so that neither alone has to be perfect: markdown-it-py renders CommonMark (plus tables and
strikethrough) with raw HTML switched off, so ``<script>`` in the text comes out as text; nh3 (the
ammonia sanitiser) then keeps only an allow-list of tags, attributes and link schemes. Headings move one
level down (the page's own title is the only ``<h1>``). Images are not kept: the pages load nothing from
elsewhere (Content-Security-Policy), and an attachment is linked instead.
"""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

TAGS = frozenset(
    {
        *("h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code"),
        *("ul", "ol", "li", "dl", "dt", "dd", "em", "strong", "del", "s", "sub", "sup", "kbd", "a"),
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}, "code": {"class"}}
SCHEMES = frozenset({"http", "https", "mailto"})
#: The deepest nesting rendered (quotes in lists in quotes…); deeper text is shown as it was typed.
MAX_DEPTH = 20

#: An @mention in a conversation entry: ``@[Full Name]`` or ``@`` and the part of an email address before
#: the ``@`` (``@jo.bloggs`` for jo.bloggs@example.com). Not after a letter, digit or one of ``._%+-/@``, so
#: an email address written in full is not a mention; a sentence's closing full stop is not part of it.
MENTION_RE = re.compile(
    r"@(?:\[(?P<name>[^\]\n@]{1,150})\]|(?P<local>[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+])?))"
)
_NOT_BEFORE_MENTION = frozenset("._%+-/@")


def mention_at(text: str, pos: int) -> re.Match[str] | None:
    """The mention starting at ``text[pos]`` (an ``@``), or None."""
    if pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in _NOT_BEFORE_MENTION):
        return None
    return MENTION_RE.match(text, pos)


def mentions_in(text: str) -> list[str]:
    """The mentions of ``text`` (Markdown) in order, each once: a full name as written in ``@[…]``, or an
    address's local part. The ones shown highlighted: not those inside code spans or blocks."""
    found: list[str] = []
    for token in _entry_parser().parse(text or ""):
        for child in token.children or []:
            if child.type == "mention" and child.content and child.content not in found:
                found.append(child.content)
    return found


@functools.cache
def _parser() -> MarkdownIt:
    options = {"html": False, "linkify": False, "typographer": False, "maxNesting": MAX_DEPTH}
    md = MarkdownIt("commonmark", options)
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    return md


@functools.cache
def _entry_parser() -> MarkdownIt:
    """The conversation's parser: the articles' rules, plus @mentions as highlighted names."""
    options = {"html": False, "linkify": False, "typographer": False, "maxNesting": MAX_DEPTH}
    md = MarkdownIt("commonmark", options)
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    md.inline.ruler.before("link", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


def _mention_rule(state, silent: bool) -> bool:
    if state.src[state.pos] != "@":
        return False
    m = mention_at(state.src, state.pos)
    if m is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = " ".join((m.group("name") or m.group("local")).split())
    state.pos = m.end()
    return True


def _render_mention(self, tokens, idx, options, env) -> str:
    return f'<span class="mention">@{escapeHtml(tokens[idx].content)}</span>'


def _image_as_link(self, tokens, idx, options, env) -> str:
    """An image becomes a link to it, named by its alt text (nh3 then checks the link's scheme)."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or token.attrGet("src") or "image"
    return f'<a href="{escapeHtml(token.attrGet("src") or "")}">{escapeHtml(alt)}</a>'


def _demote_headings(tokens: list) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"


def render(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML."""
    return _clean(_parser(), text)


def render_entry(text: str) -> str:
    """A conversation entry (Markdown, with @mentions shown as highlighted names) as sanitised HTML."""
    return _clean(_entry_parser(), text, mentions=True)


def _clean(md: MarkdownIt, text: str, *, mentions: bool = False) -> str:
    tokens = md.parse(text or "")
    _demote_headings(tokens)
    html = md.renderer.render(tokens, md.options, {})
    tags = set(TAGS) | ({"span"} if mentions else set())
    return nh3.clean(
        html,
        tags=tags,
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        allowed_classes={"span": {"mention"}} if mentions else None,
        url_schemes=set(SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def plain_text(text: str) -> str:
    """The words of ``text`` (Markdown) without its markup, one block a line (a table row's cells on one
    line, separated by " · "): for search and snippets."""
    lines: list[str] = []
    row: list[str] | None = None
    breaks = ("softbreak", "hardbreak")
    kept = ("text", "code_inline", "image")
    for token in _parser().parse(text or ""):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            lines.append(" · ".join(cell for cell in row if cell))
            row = None
        elif token.type == "inline":
            words = "".join(
                " " if child.type in breaks else child.content
                for child in token.children or []
                if child.type in kept or child.type in breaks
            )
            (row if row is not None else lines).append(words.strip())
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.strip())
    return "\n".join(line for line in lines if line.strip())
