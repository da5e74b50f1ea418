"""Lists that stay fast at a million rows: keyset (cursor) pages, keys first, and counts that cost little.

A hot list (the incidents, for instance) answers ``?limit=&cursor=`` (or ``?offset=`` for small offsets):

- **Keys first**: one query reads the page's keys in the list's order (the ordering columns and the primary
  key, from an index, with the caller's visibility rule and filters); a second loads just those rows with
  their relations. The expensive joins never touch rows that are skipped or not on the page.
- **Cursor**: the last row's ordering values, encoded, so the next page starts after it (``next_cursor``)
  whatever its depth; ``has_more`` says whether there is one.
- **Count**: exact when it is cheap (up to :data:`EXACT_COUNT_MAX` rows); beyond, PostgreSQL's planner
  estimate, labelled ``count_is_estimate``. SQLite (smaller installations) always counts exactly.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from busbar.lib.actions import ActionError
from busbar.lib.limits import MAX_OFFSET

#: Counted exactly up to this many rows; beyond, estimated (PostgreSQL).
EXACT_COUNT_MAX = 10_000


@dataclass(frozen=True)
class Key:
    """One column of a list's order: ``field`` (a lookup path), descending or not, nulls last or not."""

    field: str
    descending: bool = False
    nulls_last: bool = False

    @property
    def order(self) -> Any:
        from django.db.models import F

        expression = F(self.field)
        return (
            expression.desc(nulls_last=self.nulls_last or None)
            if self.descending
            else expression.asc(nulls_last=self.nulls_last or None)
        )


@dataclass
class KeysetList:
    """What a list endpoint returns for :class:`KeysetPage`: the filtered, visible queryset, the keys of its
    order (the last one unique, e.g. ``id``), and how to load a page's rows by primary key."""

    qs: QuerySet
    keys: Sequence[Key]
    rows: Any  # (list of pks) -> QuerySet of those rows, with their relations

    def _after(self, values: list[Any]) -> Q:
        """Rows after the one whose ordering values are ``values`` (lexicographic, with each key's direction
        and nulls placement)."""
        condition = Q(pk__in=[])
        equal = Q()
        for key, value in zip(self.keys, values, strict=True):
            if value is None:
                # Nulls last: after a null come only the later nulls (decided by the following keys).
                after_this = Q(pk__in=[])
                same = Q(**{f"{key.field}__isnull": True})
            else:
                lookup = "lt" if key.descending else "gt"
                after_this = Q(**{f"{key.field}__{lookup}": value})
                if key.nulls_last:
                    after_this |= Q(**{f"{key.field}__isnull": True})
                same = Q(**{key.field: value})
            condition |= equal & after_this
            equal &= same
        return condition

    def keys_page(self, *, offset: int, limit: int, after: list[Any] | None) -> list[tuple]:
        """Up to ``limit`` + 1 tuples (pk, *ordering values) of the page."""
        try:
            qs = self.qs.filter(self._after(after)) if after is not None else self.qs
            ordered = qs.order_by(*(k.order for k in self.keys))
            return list(ordered.values_list("pk", *(k.field for k in self.keys))[offset : offset + limit + 1])
        except (ValidationError, ValueError, TypeError, OverflowError):
            # A cursor that decodes but holds values these keys cannot take (made by hand).
            raise ActionError("Not a cursor of this list: use next_cursor as given", field="cursor") from None

    def count(self) -> tuple[int, bool]:
        """(count, whether it is an estimate)."""
        return count_or_estimate(self.qs)


@dataclass
class RankedList:
    """A ranked search for :class:`KeysetPage`: ``hits()`` gives the matches' keys best first (bounded by
    the search) and whether more matched; pages are positions in that ranking (the cursor is the next
    position), ``count`` is the number ranked, an estimate (at least) when more matched."""

    hits: Any  # () -> (list of pks best first, capped)
    rows: Any  # (list of pks) -> QuerySet of those rows, with their relations
    keys: Sequence[Key] = (Key("position"),)

    def _ranked(self) -> tuple[list[int], bool]:
        if not hasattr(self, "_cache"):
            self._cache = self.hits()
        return self._cache

    def keys_page(self, *, offset: int, limit: int, after: list[Any] | None) -> list[tuple]:
        start = offset if after is None else after[0]
        if not isinstance(start, int) or isinstance(start, bool) or not 0 <= start <= MAX_OFFSET:
            raise ActionError("Not a cursor of this list: use next_cursor as given", field="cursor")
        keys, _capped = self._ranked()
        return [(pk, start + i + 1) for i, pk in enumerate(keys[start : start + limit + 1])]

    def count(self) -> tuple[int, bool]:
        keys, capped = self._ranked()
        return len(keys), capped


def count_or_estimate(qs: QuerySet) -> tuple[int, bool]:
    """``(count, is_estimate)``: exact up to :data:`EXACT_COUNT_MAX` rows, beyond that PostgreSQL's
    planner estimate (never less than the exact part counted); always exact on SQLite."""
    unordered = qs.order_by()
    if connection.vendor != "postgresql":
        return unordered.count(), False
    capped = unordered.values("pk")[: EXACT_COUNT_MAX + 1].count()
    if capped <= EXACT_COUNT_MAX:
        return capped, False
    return max(_planner_estimate(unordered.values("pk")), capped), True


def _planner_estimate(qs: QuerySet) -> int:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _encode(values: list[Any]) -> str:
    def plain(value: Any) -> Any:
        return {"t": value.isoformat()} if isinstance(value, dt.datetime) else value

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, keys: Sequence[Key]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError
        decoded = []
        for value in values:
            if isinstance(value, dict):
                value = dt.datetime.fromisoformat(value["t"])
                if value.tzinfo is None:
                    raise ValueError
            elif value is not None and not isinstance(value, int | str) or isinstance(value, bool):
                raise ValueError
            decoded.append(value)
        return decoded
    except (ValueError, TypeError, KeyError, json.JSONDecodeError, UnicodeDecodeError):
        raise ActionError("Not a cursor of this list: use next_cursor as given", field="cursor") from None


class KeysetPageInput(Schema):
    limit: int = Field(50, ge=1, le=settings.API_PAGE_MAX, description="Items per page")
    offset: int = Field(
        0,
        ge=0,
        le=MAX_OFFSET,
        description="Items to skip (for shallow pages; deeper, follow next_cursor)",
    )
    cursor: str | None = Field(
        None, min_length=1, max_length=1000, description="Where the page starts: a next_cursor as given"
    )


class KeysetPageOutput(Schema):
    count: int = Field(..., description="Exact up to 10,000; beyond, an estimate (count_is_estimate)")
    count_is_estimate: bool
    limit: int
    offset: int
    has_more: bool
    next_cursor: str | None = Field(..., description="Pass as ?cursor= for the next page")
    next: str | None = Field(..., description="The next page's address (same filters)")
    items: list[Any]


class KeysetPage(PaginationBase):
    """``?limit=&cursor=`` (or ``?offset=`` for shallow pages) over a :class:`KeysetList`."""

    Input = KeysetPageInput
    Output = KeysetPageOutput
    items_attribute = "items"

    def paginate_queryset(
        self, queryset: Any, pagination: KeysetPageInput, request: HttpRequest, **params: Any
    ) -> Any:
        source: KeysetList = queryset
        after = _decode(pagination.cursor, source.keys) if pagination.cursor else None
        if after is not None and pagination.offset:
            raise ActionError("Give a cursor or an offset, not both", field="offset")
        page = source.keys_page(offset=pagination.offset, limit=pagination.limit, after=after)
        has_more = len(page) > pagination.limit
        page = page[: pagination.limit]
        by_key = {row.pk: row for row in source.rows([pk for pk, *_ in page])}
        items = [by_key[pk] for pk, *_ in page if pk in by_key]
        next_cursor = _encode(list(page[-1][1:])) if has_more and page else None
        count, estimated = source.count()
        return {
            "count": count,
            "count_is_estimate": estimated,
            "limit": pagination.limit,
            "offset": pagination.offset,
            "has_more": has_more,
            "next_cursor": next_cursor,
            "next": _next_url(request, next_cursor) if next_cursor else None,
            "items": items,
        }


def _next_url(request: HttpRequest, cursor: str) -> str:
    query = [(k, v) for k, values in request.GET.lists() for v in values if k not in ("cursor", "offset")]
    return f"{request.path}?{urlencode([*query, ('cursor', cursor)])}"
