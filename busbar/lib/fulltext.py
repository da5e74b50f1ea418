"""Full-text search building blocks shared by every searchable record type, on both databases.

A query is reduced to its words (letters and digits, at most :data:`MAX_TERMS`), so no input can be a
syntax error in either engine's query language; :func:`tsquery` writes them for PostgreSQL
(``to_tsquery`` raw syntax, English stemming applied by the engine) and :func:`fts_query` for SQLite's
FTS5 (Porter stemming in the table's tokenizer). ``TsVectorField`` is PostgreSQL's stored ``tsvector``
(an unused text column on SQLite, whose index is an FTS5 table beside the rows).
"""

from __future__ import annotations

import itertools
import re

from django.contrib.postgres.search import SearchVectorField

MAX_TERMS = 12
MAX_TERM_LENGTH = 40
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class TsVectorField(SearchVectorField):
    """PostgreSQL's ``tsvector``; on SQLite an unused text column."""

    def db_type(self, connection) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"


def terms(text: str) -> list[str]:
    """The words of ``text``, lower-cased, each at most :data:`MAX_TERM_LENGTH`, at most :data:`MAX_TERMS`."""
    found: list[str] = []
    for word in _WORD.findall((text or "").lower()):
        word = word[:MAX_TERM_LENGTH]
        if word not in found:
            found.append(word)
        if len(found) == MAX_TERMS:
            break
    return found


def stem_prefix(word: str) -> str:
    """What a word being typed is matched by as a prefix. The index holds stems ("authenticator" is
    "authent"), and neither engine stems a prefix, so a typed "authenticat" would miss: its last few
    letters are dropped (a stem is rarely shorter), and the whole word is matched stemmed as well."""
    return word if len(word) <= 4 else word[: max(4, len(word) - 4)]


def groups(words: list[str], any_word: bool) -> list[tuple[int, ...]]:
    """Which words must be found together: all of them; or (``any_word``) any two of them."""
    if not any_word:
        return [tuple(range(len(words)))]
    if len(words) == 1:
        return [(0,)]
    return list(itertools.combinations(range(len(words)), 2))


def tsquery(words: list[str], *, any_word: bool = False, prefix: bool = False) -> str:
    """PostgreSQL raw ``tsquery`` text for ``words`` (every word, or any two; the last as a prefix)."""

    def term(i: int) -> str:
        w = words[i]
        return f"({w} | {stem_prefix(w)}:*)" if prefix and i == len(words) - 1 else w

    return " | ".join("(" + " & ".join(term(i) for i in group) + ")" for group in groups(words, any_word))


def fts_query(words: list[str], *, any_word: bool = False, prefix: bool = False, columns: str = "") -> str:
    """SQLite FTS5 ``MATCH`` text for ``words``; ``columns`` (e.g. ``"title summary"``) limits the match."""

    def term(i: int) -> str:
        w = words[i]
        return f'("{w}" OR "{stem_prefix(w)}"*)' if prefix and i == len(words) - 1 else f'"{w}"'

    either = " OR ".join(
        "(" + " AND ".join(term(i) for i in group) + ")" for group in groups(words, any_word)
    )
    return f"{{{columns}}} : ({either})" if columns else either
