"""Full-text search of articles on both databases, ranked.

PostgreSQL: the article's ``search_vector`` (``tsvector``, English stemming; title and keywords weigh
most, then the summary, then the body) with a GIN index, matched with ``@@`` and ranked with
``ts_rank``. SQLite: an FTS5 table beside the articles (``knowledge_article_fts``, Porter stemming)
matched with ``MATCH`` and ranked with BM25 with the same weights. The migration creates whichever the
database needs; :func:`index` keeps it current, called by every action that changes what readers see.

Whatever the database, a query is reduced to its words (letters and digits, at most :data:`MAX_TERMS`),
so no input can be a syntax error: ``all`` words must match (the search box), or ``any`` of them (the
articles offered while someone types an incident's summary), the last one as a prefix while typing.
"""

from __future__ import annotations

import html
import re

from django.db import connection
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils.safestring import SafeString, mark_safe

from busbar.knowledge.models import Article, ArticleVersion

MAX_TERMS = 12
MAX_TERM_LENGTH = 40
FTS_TABLE = "knowledge_article_fts"
#: Words that say nothing of what an article is about (for ``any`` matching of a typed summary).
_STOP = """a an and are as at be been but by can cannot could did do does for from had has have how i if in
into is it its me my no not of on or our please since so some than that the their them then there these they
this to too up us was we were what when where which while who why will with would you your"""
STOP_WORDS = frozenset(_STOP.split())
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def terms(text: str) -> list[str]:
    """The words of ``text``, lower-cased, each at most :data:`MAX_TERM_LENGTH`, at most :data:`MAX_TERMS`."""
    found = []
    for word in _WORD.findall((text or "").lower()):
        word = word[:MAX_TERM_LENGTH]
        if word not in found:
            found.append(word)
        if len(found) == MAX_TERMS:
            break
    return found


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def index(article: Article, version: ArticleVersion) -> None:
    """Make ``version`` (the one readers see, or the working one before the first publication) the text
    ``article`` is found by."""
    title, keywords, summary, body = version.title, article.keywords, version.summary, version.body_text
    if _postgres():
        from django.contrib.postgres.search import SearchVector

        Article.objects.filter(pk=article.pk).update(
            search_vector=SearchVector(Value(title), weight="A", config="english")
            + SearchVector(Value(keywords), weight="A", config="english")
            + SearchVector(Value(summary), weight="B", config="english")
            + SearchVector(Value(body), weight="C", config="english")
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, title, keywords, summary, body) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
            [article.pk, title, keywords, summary, body],
        )


def _stem_prefix(word: str) -> str:
    """What a word being typed is matched by as a prefix. The index holds stems ("authenticator" is
    "authent"), and neither engine stems a prefix, so a typed "authenticat" would miss: its last few
    letters are dropped (a stem is rarely shorter), and the whole word is matched stemmed as well."""
    return word if len(word) <= 4 else word[: max(4, len(word) - 4)]


def _tsquery(words: list[str], *, any_word: bool, prefix: bool) -> str:
    parts = [
        f"({w} | {_stem_prefix(w)}:*)" if prefix and i == len(words) - 1 else w for i, w in enumerate(words)
    ]
    return (" | " if any_word else " & ").join(parts)


def _fts_query(words: list[str], *, any_word: bool, prefix: bool) -> str:
    parts = [
        f'("{w}" OR "{_stem_prefix(w)}"*)' if prefix and i == len(words) - 1 else f'"{w}"'
        for i, w in enumerate(words)
    ]
    return (" OR " if any_word else " AND ").join(parts)


def matching(qs: QuerySet[Article], text: str, *, any_word: bool = False, prefix: bool = False) -> QuerySet:
    """``qs`` narrowed to the articles matching ``text``, annotated with ``rank`` (higher is better) and
    ordered by it. No words: nothing matches.

    ``any_word`` (for text typed as a description, not a query): articles matching any of the words, those
    matching more of them first (``coverage``), and — when two or more words were typed — at least two,
    so one common word alone ("switch") does not offer every article."""
    words = terms(text)
    if any_word:
        words = [w for w in words if w not in STOP_WORDS and (len(w) > 2 or w.isdigit())] or []
    if not words:
        return qs.none()
    need = min(2, len(words)) if any_word else 0
    if _postgres():
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(
            _tsquery(words, any_word=any_word, prefix=prefix), search_type="raw", config="english"
        )
        qs = qs.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query, normalization=Value(1))
        )
        if not any_word:
            return qs.order_by("-rank", "-id")
        each = [
            SearchQuery(
                _tsquery([w], any_word=False, prefix=prefix and i == len(words) - 1),
                search_type="raw",
                config="english",
            )
            for i, w in enumerate(words)
        ]
        coverage = sum(
            (
                Case(When(search_vector=q, then=Value(1)), default=Value(0), output_field=IntegerField())
                for q in each
            ),
            Value(0),
        )
        return qs.annotate(coverage=coverage).filter(coverage__gte=need).order_by("-coverage", "-rank", "-id")
    table = Article._meta.db_table
    select = {"rank": f"-bm25({FTS_TABLE}, 10.0, 10.0, 4.0, 1.0)"}
    where = [f"{FTS_TABLE}.rowid = {table}.id", f"{FTS_TABLE} MATCH %s"]
    params = [_fts_query(words, any_word=any_word, prefix=prefix)]
    order = ["-rank", f"-{table}.id"]
    select_params: list[str] = []
    if any_word:
        each = [
            _fts_query([w], any_word=False, prefix=prefix and i == len(words) - 1)
            for i, w in enumerate(words)
        ]
        one = f"({table}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s))"  # noqa: S608
        coverage = " + ".join([one] * len(each))
        select = {"coverage": coverage, **select}
        select_params = each
        where.append(f"({coverage}) >= {need}")
        params += each
        order = ["-coverage", *order]
    return qs.extra(  # noqa: S610 - fixed table names; the words are parameters
        tables=[FTS_TABLE],
        where=where,
        params=params,
        select=select,
        select_params=select_params,
        order_by=order,
    )


def snippet(text: str, query: str, *, width: int = 220) -> SafeString:
    """A passage of ``text`` around the first word of ``query`` found in it, with the words marked.
    Escaped here; only the ``<mark>`` tags are markup."""
    text = " ".join((text or "").split())
    words = [w for w in terms(query) if len(w) > 1]
    if not text:
        return mark_safe("")  # noqa: S308 - empty
    # Stemmed matching finds "registrations" for "registration": mark words sharing a stem-sized prefix.
    stems = [re.escape(w[: max(4, len(w) - 3)] if len(w) > 5 else w) for w in words]
    pattern = re.compile(r"\b(?:" + "|".join(stems) + r")\w*", re.IGNORECASE) if stems else None
    start = 0
    if pattern is not None and (first := pattern.search(text)):
        start = max(0, first.start() - width // 3)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first.start() else start
    passage = text[start : start + width]
    cut = len(text) > start + width
    if cut and " " in passage[width // 2 :]:
        passage = passage[: passage.rfind(" ")]
    out, last = [], 0
    if pattern is not None:
        for match in pattern.finditer(passage):
            out.append(html.escape(passage[last : match.start()]))
            out.append(f"<mark>{html.escape(match.group(0))}</mark>")
            last = match.end()
    out.append(html.escape(passage[last:]))
    prefix = "… " if start else ""
    suffix = " …" if cut else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - every part escaped above
