"""Full-text search of incidents on both databases: summary, description, updates and major-incident
bulletins, ranked; organisation names and partial references through :func:`busbar.incidents.queries.search`.

What is searched, and by whom: everyone who may see an incident finds it by its summary, description,
public updates and bulletins; those who work it (the desk and its provider: ``queries.INTERNAL``) also by its
internal notes, so a word said only in an internal note never reveals an incident to anyone else.

PostgreSQL: :class:`~busbar.incidents.models.IncidentText` holds two stored ``tsvector`` documents per
incident (English stemming; summary weighs most, then description, then updates), each with a GIN index.
SQLite: an FTS5 table beside the incidents (``incidents_incident_fts``: summary, description, updates,
notes; Porter stemming). :func:`index` rebuilds an incident's documents from its rows in one statement:
when an incident is raised, and whenever an entry is added to it (by any app: the triage transcript too).
:data:`TEXT_LIMIT` bounds the update text indexed per incident (a tsvector holds at most 1 MB).

At scale: a match is a GIN (or FTS5) lookup, and nothing counts the whole match set. Ranked results
(:func:`ranked_hits`) rank the :data:`CAP` most recent matches, as the knowledge base does.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from busbar.lib.fulltext import fts_query, terms, tsquery

FTS_TABLE = "incidents_incident_fts"
#: Characters of update text indexed per incident (the newest updates beyond it are not searchable).
TEXT_LIMIT = 200_000
#: Ranked searches rank at most this many of the most recent matches.
CAP = 1000
#: SQLite's relevance: the weight of each column the words are found in (see ranked_hits).
SQLITE_WEIGHTS = (("summary", 10.0), ("description", 4.0), ("updates", 1.0))


#: A bulletin's searchable text.
BULLETIN_TEXT = "(c.subject || ' ' || c.body)"


def _updates(concat: str, internal: str) -> str:
    """The incident's public (or internal) update text, oldest first, as one string. The public text
    starts with its major incident's bulletins (subject and body): everyone who sees the incident reads
    them on its page."""
    entries = (
        f"coalesce((SELECT {concat} FROM records_entry e "  # noqa: S608 - fixed fragments, no input
        f"WHERE e.record_id = i.record_id AND e.is_internal = {internal}), '')"
    )
    if internal not in ("false", "0"):
        return entries
    bulletins = (
        f"coalesce((SELECT {concat.replace('e.body', BULLETIN_TEXT).replace('e.id', 'c.id')} "  # noqa: S608
        "FROM incidents_communication c JOIN incidents_majorincident m ON m.id = c.major_id "
        "WHERE m.incident_id = i.id), '')"
    )
    return f"({bulletins} || ' ' || {entries})"


_PG_AGG = "string_agg(e.body, ' ' ORDER BY e.id)"
PG_INDEX = f"""
INSERT INTO incidents_incidenttext (incident_id, search_vector, notes_vector)
SELECT i.id,
       setweight(to_tsvector('english', i.summary), 'A')
       || setweight(to_tsvector('english', i.description), 'B')
       || setweight(to_tsvector('english', left({_updates(_PG_AGG, "false")}, %s)), 'C'),
       to_tsvector('english', left({_updates(_PG_AGG, "true")}, %s))
FROM incidents_incident i
{{where}}
ON CONFLICT (incident_id) DO UPDATE
SET search_vector = EXCLUDED.search_vector, notes_vector = EXCLUDED.notes_vector
"""  # noqa: S608 - fixed fragments; values are parameters
# SQLite's group_concat takes no ORDER BY; the subquery reads the entries by their (record, time) index.
_SQLITE_AGG = "group_concat(e.body, ' ')"
SQLITE_INDEX = f"""
INSERT INTO {FTS_TABLE} (rowid, summary, description, updates, notes)
SELECT i.id, i.summary, i.description,
       substr({_updates(_SQLITE_AGG, "0")}, 1, %s),
       substr({_updates(_SQLITE_AGG, "1")}, 1, %s)
FROM incidents_incident i
{{where}}
"""  # noqa: S608 - fixed fragments; values are parameters
SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "summary, description, updates, notes, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def _postgres(conn=connection) -> bool:
    return conn.vendor == "postgresql"


def index(record_id: int, *, using=connection) -> None:
    """Rebuild the search documents of the incident on kernel record ``record_id`` from its summary,
    description and updates (raising calls it; the kernel calls it for every entry added, through the
    record type's ``entry_added``, whichever app adds the entry)."""
    with using.cursor() as cursor:
        if _postgres(using):
            one = PG_INDEX.format(where="WHERE i.record_id = %s")
            cursor.execute(one, [TEXT_LIMIT, TEXT_LIMIT, record_id])
        else:
            cursor.execute(
                f"DELETE FROM {FTS_TABLE} WHERE rowid IN "  # noqa: S608
                "(SELECT id FROM incidents_incident WHERE record_id = %s)",
                [record_id],
            )
            one = SQLITE_INDEX.format(where="WHERE i.record_id = %s")
            cursor.execute(one, [TEXT_LIMIT, TEXT_LIMIT, record_id])


def index_all(*, using=connection) -> None:
    """Build every incident's documents (migration and bulk loads): one statement."""
    with using.cursor() as cursor:
        if _postgres(using):
            cursor.execute(PG_INDEX.format(where=""), [TEXT_LIMIT, TEXT_LIMIT])
        else:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
            cursor.execute(SQLITE_INDEX.format(where=""), [TEXT_LIMIT, TEXT_LIMIT])


def _pg_query(words: list[str]):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(tsquery(words), search_type="raw", config="english")


def _fts_ids(words: list[str], columns: str) -> RawSQL:
    return RawSQL(  # noqa: S611 - a fixed table name; the words are a parameter
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
        [fts_query(words, columns=columns)],
    )


def matching_q(text: str, works_on: Q | None) -> Q:
    """The incidents whose public text has every word of ``text``, or (among the incidents ``works_on``
    selects: those the viewer works) whose internal notes have them, as a condition. ``works_on`` None:
    public text only. No words: nothing."""
    words = terms(text)
    if not words:
        return Q(pk__in=[])
    if _postgres():
        query = _pg_query(words)
        condition = Q(text__search_vector=query)
        if works_on is not None:
            condition |= Q(text__notes_vector=query) & works_on
        return condition
    condition = Q(pk__in=_fts_ids(words, "summary description updates"))
    if works_on is not None:
        condition |= Q(pk__in=_fts_ids(words, "notes")) & works_on
    return condition


def matching(qs: QuerySet, text: str, works_on: Q | None) -> QuerySet:
    """``qs`` narrowed by :func:`matching_q`."""
    words = terms(text)
    return qs.filter(matching_q(text, works_on)) if words else qs.none()


def ranked_hits(matched: QuerySet, text: str, *, cap: int = CAP) -> tuple[list[int], bool]:
    """The keys of ``matched`` (incidents already narrowed by ``queries.search``), best first: the incident
    whose reference was typed, then the ``cap``
    most recent ranked by relevance (summary over description over updates), and whether more matched.

    Two steps on either database: the keys of the ``cap`` + 1 most recent matches (an index walk), then
    their ranks: PostgreSQL's ``ts_rank`` of the stored document; on SQLite the weights of the columns the
    words are found in (:data:`SQLITE_WEIGHTS`)."""
    words = terms(text)
    reference = _reference_in(text)
    first = list(matched.filter(reference=reference).values_list("pk", flat=True)) if reference else []
    if not words:
        return first, False
    recent = matched.order_by("-created_at", "-id")
    if _postgres():
        from django.contrib.postgres.search import SearchRank

        rank = SearchRank(F("text__search_vector"), _pg_query(words), normalization=Value(1))
        hits = list(recent.annotate(relevance=rank).values_list("pk", "relevance")[: cap + 1])
    else:
        keys = list(recent.values_list("pk", flat=True)[: cap + 1])
        ranks: dict[int, float] = {}
        if keys:
            # Which columns hold the words, weighted like the PostgreSQL document (summary over description
            # over updates): one indexed MATCH per column. bm25 over every match costs ~100x as much.
            with connection.cursor() as cursor:
                for column, weight in SQLITE_WEIGHTS:
                    cursor.execute(
                        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
                        [fts_query(words, columns=column)],
                    )
                    for (rowid,) in cursor.fetchall():
                        ranks[rowid] = ranks.get(rowid, 0.0) + weight
        hits = [(pk, ranks.get(pk)) for pk in keys]  # matched by an internal note only: no rank, last
    capped = len(hits) > cap
    best = sorted(hits[:cap], key=lambda hit: (-(hit[1] or 0.0), -hit[0]))
    # The incident whose reference was typed comes first; matched only by an organisation name: last.
    return first + [pk for pk, _ in best if pk not in first], capped


def _reference_in(text: str) -> str | None:
    from busbar.incidents.queries import reference_in

    return reference_in(text)
