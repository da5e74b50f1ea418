"""Full-text search of articles on both databases, ranked.

PostgreSQL: the article's ``search_vector`` (``tsvector``, English stemming; title and keywords weigh
most, then the summary, then the body) with a GIN index, matched with ``@@`` and ranked with ``ts_rank``;
and ``summary_vector`` (title, keywords and summary only, its own GIN index) for the articles offered while
someone types. SQLite: an FTS5 table beside the articles (``knowledge_article_fts``, Porter stemming)
matched with ``MATCH`` (restricted to the title, keywords and summary columns for suggestions) and ranked
with BM25 with the same weights. The migrations create whichever the database needs; :func:`index` keeps
it current, called by every action that changes what readers see.

Whatever the database, a query is reduced to its words (letters and digits, at most :data:`MAX_TERMS`),
so no input can be a syntax error. The search box matches ``all`` the words; suggestions (``any_word``)
match articles whose title, keywords or summary hold at least two of the words typed (one when only one
was), the last one as a prefix while typing.

At scale (:class:`Results`): counts are exact up to :data:`CAP` matches; beyond, a search says "more
than 1,000" and ranks the :data:`CAP` most recently updated of its matches, so a word found in most
articles costs no more than a precise search (bench/knowledge).
"""

from __future__ import annotations

import html
import re

from django.db import connection
from django.db.models import F, QuerySet, Value
from django.utils.safestring import SafeString, mark_safe

from busbar.knowledge.models import Article, ArticleVersion
from busbar.lib import fulltext
from busbar.lib.fulltext import MAX_TERMS, terms  # noqa: F401 - part of this module's interface

#: Counted exactly and ranked in full up to this many matches (see Results).
CAP = 1000
#: The few articles offered while someone types are the best of at most this many matches.
SUGGEST_CAP = 200
FTS_TABLE = "knowledge_article_fts"
#: Words that say nothing of what an article is about (for ``any`` matching of a typed summary).
_STOP = """a an and are as at be been but by can cannot could did do does for from had has have how i if in
into is it its me my no not of on or our please since so some than that the their them then there these they
this to too up us was we were what when where which while who why will with would you your"""
STOP_WORDS = frozenset(_STOP.split())


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def index(article: Article, version: ArticleVersion) -> None:
    """Make ``version`` (the one readers see, or the working one before the first publication) the text
    ``article`` is found by."""
    title, keywords, summary, body = version.title, article.keywords, version.summary, version.body_text
    if _postgres():
        from django.contrib.postgres.search import SearchVector

        heading = (
            SearchVector(Value(title), weight="A", config="english")
            + SearchVector(Value(keywords), weight="A", config="english")
            + SearchVector(Value(summary), weight="B", config="english")
        )
        Article.objects.filter(pk=article.pk).update(
            search_vector=heading + SearchVector(Value(body), weight="C", config="english"),
            summary_vector=heading,
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, title, keywords, summary, body) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
            [article.pk, title, keywords, summary, body],
        )


def _words_for(text: str, any_word: bool) -> list[str]:
    words = terms(text)
    if any_word:
        words = [w for w in words if w not in STOP_WORDS and (len(w) > 2 or w.isdigit())]
    return words


def _tsquery(words: list[str], *, any_word: bool, prefix: bool) -> str:
    return fulltext.tsquery(words, any_word=any_word, prefix=prefix)


def _fts_query(words: list[str], *, any_word: bool, prefix: bool) -> str:
    columns = "title keywords summary" if any_word else ""
    return fulltext.fts_query(words, any_word=any_word, prefix=prefix, columns=columns)


def matching(qs: QuerySet[Article], text: str, *, any_word: bool = False, prefix: bool = False) -> QuerySet:
    """``qs`` narrowed to the articles matching ``text``, annotated with ``rank`` (higher is better) and
    ordered by it (every match ranked: see :class:`Results` for searches of any size). No words: nothing."""
    words = _words_for(text, any_word)
    if not words:
        return qs.none()
    if _postgres():
        field, query = _pg_query(words, any_word=any_word, prefix=prefix)
        return _pg_ranked(qs.filter(**{field: query}), field, query)
    table = Article._meta.db_table
    return qs.extra(  # noqa: S610 - fixed table names; the words are a parameter
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = {table}.id", f"{FTS_TABLE} MATCH %s"],
        params=[_fts_query(words, any_word=any_word, prefix=prefix)],
        select={"rank": f"-bm25({FTS_TABLE}, 10.0, 10.0, 4.0, 1.0)"},
        order_by=["-rank", f"-{table}.id"],
    )


def _pg_query(words: list[str], *, any_word: bool, prefix: bool):
    from django.contrib.postgres.search import SearchQuery

    field = "summary_vector" if any_word else "search_vector"
    return field, SearchQuery(
        _tsquery(words, any_word=any_word, prefix=prefix), search_type="raw", config="english"
    )


def _pg_ranked(qs: QuerySet, field: str, query) -> QuerySet:
    from django.contrib.postgres.search import SearchRank

    return qs.annotate(rank=SearchRank(F(field), query, normalization=Value(1))).order_by("-rank", "-id")


class Results:
    """The articles of ``qs`` matching ``text``, as pagination reads them: :meth:`count` and slices of the
    ranked hits (``rank`` on each).

    On PostgreSQL one query reads the matches' keys and ranks, most recently updated first, up to
    :data:`CAP` + 1; they are ordered by rank here, and a second query loads the page's rows by key. A
    search matching at most :data:`CAP` articles is so counted and ranked in full; one matching more (a
    word found in most articles) is counted as ``CAP`` (``capped`` is then true: "more than 1,000
    match") and ranks the ``CAP`` most recently updated of its matches: ranking every one of tens of
    thousands of matches costs what a person refining the search never needs (bench/knowledge). SQLite
    (smaller installations) counts and ranks every match in the database. ``cap``: another bound than
    :data:`CAP` (the few articles offered while someone types are the best of :data:`SUGGEST_CAP`)."""

    def __init__(
        self, qs: QuerySet[Article], text: str, *, any_word: bool = False, prefix: bool = False, cap: int = 0
    ) -> None:
        self.qs, self.text, self.any_word, self.prefix = qs, text, any_word, prefix
        self.cap = cap or CAP
        self.words = _words_for(text, any_word)
        self._hits: list[tuple[int, float]] | None = None
        self._count: int | None = None
        self.capped = False

    def _pg_hits(self) -> list[tuple[int, float]]:
        """(key, rank) of the matches, best first: the ``cap`` most recently updated."""
        if self._hits is None:
            from django.contrib.postgres.search import SearchRank

            field, query = _pg_query(self.words, any_word=self.any_word, prefix=self.prefix)
            matches = (
                self.qs.filter(**{field: query})
                .annotate(rank=SearchRank(F(field), query, normalization=Value(1)))
                .order_by("-updated_at", "-id")
                .values_list("pk", "rank")
            )
            hits = list(matches[: self.cap + 1])
            self.capped = len(hits) > self.cap
            self._hits = sorted(hits[: self.cap], key=lambda hit: (-hit[1], -hit[0]))
        return self._hits

    def count(self) -> int:
        if self._count is None:
            if not self.words:
                self._count = 0
            elif _postgres():
                self._count = len(self._pg_hits())
            else:
                self._count = matching(self.qs, self.text, any_word=self.any_word, prefix=self.prefix).count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Article]:
        if not self.words:
            return []
        if not _postgres():
            return list(matching(self.qs, self.text, any_word=self.any_word, prefix=self.prefix)[key])
        page = self._pg_hits()[key]
        # The keys passed the caller's filters already: load those rows by key as the caller would (same
        # related rows and deferred columns), without filtering them again.
        rows = self.qs.model.objects.filter(pk__in=[pk for pk, _ in page])
        rows.query.select_related = self.qs.query.select_related
        rows.query.deferred_loading = self.qs.query.deferred_loading
        by_key = {row.pk: row for row in rows}
        found = []
        for pk, rank in page:
            row = by_key.get(pk)
            if row is not None:
                row.rank = rank
                found.append(row)
        return found


def snippet(text: str, query: str, *, width: int = 220) -> SafeString:
    """A passage of ``text`` around the first word of ``query`` found in it, with the words marked.
    Escaped here; only the ``<mark>`` tags are markup."""
    text = " · ".join(" ".join(line.split()) for line in (text or "").splitlines() if line.strip())
    words = [w for w in terms(query) if len(w) > 1]
    if not text:
        return mark_safe("")
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
    return mark_safe(prefix + "".join(out) + suffix)
