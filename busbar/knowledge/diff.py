"""What changed between two versions of an article: line by line, with the words changed within a line."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

#: Bodies longer than this many lines are compared without the word-level marks (to stay quick).
WORD_DIFF_LINES = 2_000
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Line:
    """One line of the comparison: ``op`` is "same", "added" or "removed"; ``html`` is escaped, with the
    changed words in ``<ins>``/``<del>``."""

    op: str
    old_number: int | None
    new_number: int | None
    html: SafeString


def _words(old: str, new: str) -> tuple[str, str]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    old_out, new_out = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        before, after = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if op == "equal":
            old_out.append(before)
            new_out.append(after)
            continue
        if before:
            old_out.append(f"<del>{before}</del>")
        if after:
            new_out.append(f"<ins>{after}</ins>")
    return "".join(old_out), "".join(new_out)


def compare(old: str, new: str, *, context: int | None = 3) -> list[Line | None]:
    """The lines of ``new`` against ``old``; ``None`` marks lines left out (more than ``context`` lines
    away from any change; ``context=None`` shows every line)."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    words = len(a) + len(b) <= WORD_DIFF_LINES
    out: list[Line | None] = []
    groups = [matcher.get_opcodes()] if context is None else list(matcher.get_grouped_opcodes(context))
    for index, group in enumerate(groups):
        if index and context is not None:
            out.append(None)
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                out += [
                    Line("same", i + 1, j + 1, mark_safe(html.escape(a[i])))
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            removed, added = a[i1:i2], b[j1:j2]
            if op == "replace" and words and len(removed) == len(added):
                pairs = [_words(x, y) for x, y in zip(removed, added, strict=True)]
                marked_old, marked_new = [p[0] for p in pairs], [p[1] for p in pairs]
            else:
                marked_old = [html.escape(x) for x in removed]
                marked_new = [html.escape(y) for y in added]
            out += [Line("removed", i1 + k + 1, None, mark_safe(t)) for k, t in enumerate(marked_old)]
            out += [Line("added", None, j1 + k + 1, mark_safe(t)) for k, t in enumerate(marked_new)]
    return out


def inline(old: str, new: str) -> tuple[SafeString, SafeString]:
    """A one-line field (title, summary) before and after, with the words changed marked."""
    before, after = _words(old, new)
    return mark_safe(before), mark_safe(after)
