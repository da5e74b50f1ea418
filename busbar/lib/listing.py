"""Sortable lists: a whitelist of sort keys, each a tuple of :class:`~busbar.lib.keyset.Key`, with a
stable tie-break, read from ``?sort=name`` or ``?sort=-name`` and turned into column headers.

Any list (incidents, problems, …) declares its columns once::

    SORTING = Sorting(
        [Sort("reference", "Reference", (Key("reference"),)),
         Sort("sla_due", "SLA", (Key("record__resolution_due_at", nulls_last=True),))],
        tie=(Key("id", descending=True),),
    )
    qs = SORTING.apply(qs, request.GET.get("sort"))
    headers = SORTING.headers(request.GET, current=request.GET.get("sort"))

Only the names in the whitelist sort (anything else is ``None``: the list's own order), so no request
can order by a field the viewer may not see; a list leaves out of its whitelist the columns that are hidden
from some viewers (e.g. the raising organisation for participants). The tie-break (the primary key) makes
the order total, so offset pages never repeat or skip a row and keyset pages
(:class:`~busbar.lib.keyset.KeysetList`) take :meth:`Sorting.keys` as their keys. Nulls stay last in
either direction (an incident with no due time is never "most urgent").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.db.models import QuerySet

from busbar.lib.keyset import Key

#: The longest ``sort`` value looked at.
MAX_SORT_LENGTH = 40


@dataclass(frozen=True)
class Sort:
    """One sortable column: its URL name, its header label and its keys in ascending order."""

    name: str
    label: str
    keys: tuple[Key, ...]


@dataclass(frozen=True)
class Header:
    """A column header as the template shows it: a link that sorts by it (or reverses the current sort)."""

    name: str
    label: str
    url: str
    #: "ascending", "descending" or "" (for ``aria-sort``).
    direction: str


class Sorting:
    """The sort keys a list allows, and its tie-break (unique, e.g. the primary key)."""

    def __init__(self, sorts: Iterable[Sort], *, tie: Sequence[Key] = (Key("id", descending=True),)) -> None:
        self.sorts = {s.name: s for s in sorts}
        self.tie = tuple(tie)

    def parse(self, value: str | None) -> tuple[Sort, bool] | None:
        """``("sla_due", False)`` for ``sla_due``, ``(…, True)`` for ``-sla_due``; None when absent or not
        in the whitelist."""
        value = (value or "").strip()[:MAX_SORT_LENGTH]
        descending = value.startswith("-")
        sort = self.sorts.get(value.lstrip("-"))
        return (sort, descending) if sort is not None else None

    def valid(self, value: str | None) -> str | None:
        """``value`` if it is an allowed sort, else None."""
        return value.strip() if self.parse(value) is not None else None  # type: ignore[union-attr]

    def keys(self, value: str | None) -> list[Key] | None:
        """The keys of the order ``value`` asks for, the tie-break last; None when it asks for none."""
        parsed = self.parse(value)
        if parsed is None:
            return None
        sort, descending = parsed
        keys = [replace(k, descending=k.descending != descending) for k in sort.keys]
        fields = {k.field for k in keys}
        return keys + [k for k in self.tie if k.field not in fields]

    def apply(self, qs: QuerySet, value: str | None) -> QuerySet:
        """``qs`` in the order ``value`` asks for; unchanged when it asks for none."""
        keys = self.keys(value)
        return qs if keys is None else qs.order_by(*(k.order for k in keys))

    def headers(
        self, params: Mapping[str, str], *, current: str | None, param: str = "sort"
    ) -> dict[str, Header]:
        """A header per sortable column, by name: its link keeps the other parameters (filters, queue),
        drops the page (a new order starts at the first page) and sorts by the column, ascending, or
        reversed when the list is already sorted by it ascending."""
        parsed = self.parse(current)
        others = {k: v for k, v in params.items() if k not in (param, "page", "cursor") and v}
        headers = {}
        for sort in self.sorts.values():
            direction = ""
            target = sort.name
            if parsed is not None and parsed[0] is sort:
                direction = "descending" if parsed[1] else "ascending"
                target = sort.name if parsed[1] else f"-{sort.name}"
            url = "?" + urlencode({**others, param: target})
            headers[sort.name] = Header(sort.name, sort.label, url, direction)
        return headers
