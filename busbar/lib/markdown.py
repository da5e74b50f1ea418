"""Markdown written by people (knowledge articles), rendered to HTML that is safe to show anyone.

Two layers, so that neither alone has to be perfect: markdown-it-py renders CommonMark (plus tables and
strikethrough) with raw HTML switched off, so ``<script>`` in the text comes out as text; nh3 (the
ammonia sanitiser) then keeps only an allow-list of tags, attributes and link schemes. Headings move one
level down (the page's own title is the only ``<h1>``). Images are not kept: the pages load nothing from
elsewhere (Content-Security-Policy), and an attachment is linked instead.
"""

from __future__ import annotations

import functools

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


@functools.cache
def _parser() -> MarkdownIt:
    options = {"html": False, "linkify": False, "typographer": False, "maxNesting": MAX_DEPTH}
    md = MarkdownIt("commonmark", options)
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    return md


def _image_as_link(self, tokens, idx, options, env) -> str:  # noqa: ANN001
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
    md = _parser()
    tokens = md.parse(text or "")
    _demote_headings(tokens)
    html = md.renderer.render(tokens, md.options, {})
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
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
