"""Migration thresholds (QM-22): which caps are in force on a day, and which days the plans break them.

A threshold caps the MPANs planned for one day in its scope: industry-wide, one distributor area, one agent
or one supplier (its envelope), for one segment or all (``segment`` blank). A distributor, agent or
supplier threshold without a subject (no distributor, no organisation) is the default cap for every
distributor / agent / supplier that has no cap of its own in force that day.

On a day, of the thresholds of one scope, subject and segment the one with the latest ``effective_from``
on or before the day whose ``effective_to`` is empty or on or after the day applies.

Only SUBMITTED and ACCEPTED plans count; a draft is checked against the others plus itself
(:func:`check_plan`). Everything is set-based: one aggregate query per scope that has thresholds
(``values().annotate(Sum)``), whatever the number of lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Sum

from busbar.migration.models import PlanLine, PlanStatus, Threshold, ThresholdScope

#: Plans whose lines count towards the industry, distributor, agent and supplier totals.
COUNTED = (PlanStatus.SUBMITTED, PlanStatus.ACCEPTED)
SCOPE_ORDER = {s: n for n, s in enumerate(ThresholdScope.values)}

#: What each scope groups plan lines by (besides the day and the plan's segment).
_SUBJECT_FIELD = {
    ThresholdScope.INDUSTRY: None,
    ThresholdScope.DISTRIBUTOR: "distributor",
    ThresholdScope.AGENT: "agent_id",
    ThresholdScope.SUPPLIER: "plan__supplier_id",
}


@dataclass
class Breach:
    """One day on which the planned MPANs in a threshold's scope exceed its cap."""

    day: dt.date
    scope: str
    subject: str  # "" (industry) | distributor id | organisation name
    organisation_id: int | None
    segment: str  # "" : all segments
    planned: int
    cap: int
    threshold_id: int
    distributor: str = ""

    @property
    def excess(self) -> int:
        return self.planned - self.cap

    @property
    def scope_label(self) -> str:
        return ThresholdScope(self.scope).label

    @property
    def label(self) -> str:
        """e.g. "Per distributor (DNO) daily cap 10" or "Industry-wide daily cap (Smart)"."""
        text = self.scope_label
        if self.subject:
            text += f" {self.subject}"
        if self.segment:
            from busbar.migration.models import Segment

            text += f" ({Segment(self.segment).label})"
        return text

    def sort_key(self) -> tuple:
        return (self.day, SCOPE_ORDER.get(self.scope, 9), self.subject, self.segment, self.threshold_id)


def _subject_of(threshold: Threshold) -> Any:
    """A threshold's subject key: "" industry / default, the distributor ID, or the organisation id."""
    if threshold.scope == ThresholdScope.DISTRIBUTOR:
        return threshold.distributor or ""
    if threshold.scope in (ThresholdScope.AGENT, ThresholdScope.SUPPLIER):
        return threshold.organisation_id or ""
    return ""


class Resolver:
    """The thresholds of a programme, indexed by (scope, subject, segment): which one is in force on a
    day (for a subject without its own, the scope's default)."""

    def __init__(self, thresholds: Iterable[Threshold]) -> None:
        self.by_key: dict[tuple, list[Threshold]] = defaultdict(list)
        for t in thresholds:
            self.by_key[(t.scope, _subject_of(t), t.segment or "")].append(t)
        for items in self.by_key.values():
            items.sort(key=lambda t: (t.effective_from, t.pk or 0), reverse=True)
        self.scopes = {key[0] for key in self.by_key}
        #: scope -> subjects with a threshold of their own (None: the scope has a default for everyone)
        self.subjects: dict[str, set | None] = {}
        for scope, subject, _segment in self.by_key:
            if subject == "" and scope != ThresholdScope.INDUSTRY:
                self.subjects[scope] = None
            elif self.subjects.get(scope, set()) is not None:
                self.subjects.setdefault(scope, set()).add(subject)
        self.segments: dict[str, set[str]] = defaultdict(set)
        for scope, _subject, segment in self.by_key:
            self.segments[scope].add(segment)
        self._cache: dict[tuple, Threshold | None] = {}

    def __bool__(self) -> bool:
        return bool(self.by_key)

    def _pick(self, key: tuple, day: dt.date) -> Threshold | None:
        for t in self.by_key.get(key, ()):
            if t.effective_from <= day and (t.effective_to is None or t.effective_to >= day):
                return t
        return None

    def in_force(self, scope: str, subject: Any, segment: str, day: dt.date) -> Threshold | None:
        """The threshold capping ``subject`` (its own, else the scope's default) for ``segment`` ("" all)
        on ``day``, or None."""
        key = (scope, subject, segment, day)
        if key not in self._cache:
            found = self._pick((scope, subject, segment), day)
            if found is None and subject != "":
                found = self._pick((scope, "", segment), day)
            self._cache[key] = found
        return self._cache[key]

    def span(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last day any threshold is in force (None: open)."""
        all_t = [t for items in self.by_key.values() for t in items]
        if not all_t:
            return None, None
        first = min(t.effective_from for t in all_t)
        last = None if any(t.effective_to is None for t in all_t) else max(t.effective_to for t in all_t)
        return first, last


def resolver(programme_id: int) -> Resolver:
    """Every threshold of the programme (one query)."""
    return Resolver(Threshold.objects.filter(programme_id=programme_id))


def thresholds_in_force(programme_id: int, day: dt.date) -> list[Threshold]:
    """The thresholds in force on ``day``: per scope, subject and segment the one with the latest
    ``effective_from`` on or before the day and not ended before it (one query)."""
    qs = Threshold.objects.filter(programme_id=programme_id, effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=day)
    )
    chosen: dict[tuple, Threshold] = {}
    for t in qs.select_related("organisation").order_by("-effective_from", "-pk"):
        chosen.setdefault((t.scope, _subject_of(t), t.segment or ""), t)
    return sorted(
        chosen.values(),
        key=lambda t: (SCOPE_ORDER[t.scope], t.distributor, t.organisation_id or 0, t.segment),
    )


def counted_lines(
    programme_id: int,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_plan: int | None = None,
    exclude_plan: int | None = None,
) -> Any:
    """Plan lines that count: those of SUBMITTED and ACCEPTED plans (plus ``include_plan``, minus
    ``exclude_plan``) of the programme, within ``start``–``end``."""
    counted = Q(plan__status__in=COUNTED)
    if include_plan is not None:
        counted |= Q(plan_id=include_plan)
    qs = PlanLine.objects.filter(counted, plan__programme_id=programme_id, volume__gt=0)
    if exclude_plan is not None:
        qs = qs.exclude(plan_id=exclude_plan)
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    return qs


def loads(
    lines: Any, res: Resolver, scopes: Iterable[str] | None = None
) -> dict[str, dict[tuple[dt.date, Any], dict[str, int]]]:
    """scope -> (day, subject) -> segment -> MPANs, one aggregate query per scope with thresholds
    (restricted to the subjects that have thresholds when the scope has no default)."""
    out: dict[str, dict[tuple[dt.date, Any], dict[str, int]]] = {}
    for scope in scopes if scopes is not None else ThresholdScope.values:
        if scope not in res.scopes:
            continue
        field = _SUBJECT_FIELD[scope]
        qs = lines
        names = ["day", "plan__segment"]
        if field is not None:
            names.append(field)
            subjects = res.subjects.get(scope)
            if subjects is not None:
                qs = qs.filter(**{f"{field}__in": list(subjects)})
            if scope == ThresholdScope.AGENT:
                qs = qs.filter(agent__isnull=False)
        table: dict[tuple[dt.date, Any], dict[str, int]] = defaultdict(dict)
        for row in qs.order_by().values(*names).annotate(n=Sum("volume")):
            subject = row[field] if field is not None else ""
            table[(row["day"], subject)][row["plan__segment"]] = row["n"] or 0
        out[scope] = table
    return out


def _breaches(res: Resolver, table: dict) -> list[Breach]:
    found: list[Breach] = []
    for scope, rows in table.items():
        wanted = res.segments[scope]
        for (day, subject), by_segment in rows.items():
            for segment in wanted:
                planned = sum(by_segment.values()) if segment == "" else by_segment.get(segment, 0)
                if planned <= 0:
                    continue
                t = res.in_force(scope, subject, segment, day)
                if t is not None and planned > t.daily_max:
                    found.append(
                        Breach(
                            day=day,
                            scope=scope,
                            subject=subject if scope == ThresholdScope.DISTRIBUTOR else "",
                            organisation_id=subject
                            if scope in (ThresholdScope.AGENT, ThresholdScope.SUPPLIER)
                            else None,
                            segment=segment,
                            planned=planned,
                            cap=t.daily_max,
                            threshold_id=t.pk,
                            distributor=subject if scope == ThresholdScope.DISTRIBUTOR else "",
                        )
                    )
    _name_organisations(found)
    found.sort(key=Breach.sort_key)
    return found


def _name_organisations(found: list[Breach]) -> None:
    ids = {b.organisation_id for b in found if b.organisation_id}
    if not ids:
        return
    from busbar.parties.models import Organisation

    names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    for b in found:
        if b.organisation_id:
            b.subject = names.get(b.organisation_id, f"#{b.organisation_id}")


def _range(
    res: Resolver, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    first, last = res.span()
    if first is not None and (start is None or start < first):
        start = first
    if last is not None and (end is None or end > last):
        end = last
    return start, end


def check(
    programme_id: int,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_plan: int | None = None,
) -> list[Breach]:
    """Every over-threshold day of the programme (``start``–``end``), sorted by day: the SUBMITTED and
    ACCEPTED plans' lines (and ``include_plan``'s) summed per day industry-wide, per distributor, per
    agent and per supplier, per segment where a threshold names one. At most one query per scope, plus
    the thresholds and the organisations' names."""
    res = resolver(programme_id)
    if not res:
        return []
    start, end = _range(res, start, end)
    if start is not None and end is not None and start > end:
        return []
    lines = counted_lines(programme_id, start=start, end=end, include_plan=include_plan)
    return _breaches(res, loads(lines, res))


def _plan_buckets(plan: Any, start: dt.date | None, end: dt.date | None) -> dict[str, set]:
    """The (day, subject) buckets the plan has MPANs in, per scope (one query)."""
    qs = PlanLine.objects.filter(plan_id=plan.pk, volume__gt=0)
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    out: dict[str, set] = {s: set() for s in ThresholdScope.values}
    for day, distributor, agent_id in qs.order_by().values_list("day", "distributor", "agent_id").distinct():
        out[ThresholdScope.INDUSTRY].add((day, ""))
        out[ThresholdScope.DISTRIBUTOR].add((day, distributor))
        out[ThresholdScope.SUPPLIER].add((day, plan.supplier_id))
        if agent_id is not None:
            out[ThresholdScope.AGENT].add((day, agent_id))
    return out


def _bucket(b: Breach) -> tuple[dt.date, Any]:
    if b.scope == ThresholdScope.DISTRIBUTOR:
        return (b.day, b.distributor)
    if b.scope in (ThresholdScope.AGENT, ThresholdScope.SUPPLIER):
        return (b.day, b.organisation_id)
    return (b.day, "")


def check_plan(plan: Any, *, start: dt.date | None = None, end: dt.date | None = None) -> list[Breach]:
    """The breaches ``plan`` is part of: the counted plans plus this one (a draft counts here), only the
    days, subjects and segments in which the plan has MPANs."""
    found = check(plan.programme_id, start=start, end=end, include_plan=plan.pk)
    if not found:
        return []
    buckets = _plan_buckets(plan, start, end)
    return [b for b in found if b.segment in ("", plan.segment) and _bucket(b) in buckets[b.scope]]


def involvement(breaches: list[Breach], plans: list[Any]) -> dict[int, int]:
    """plan id -> how many of ``breaches`` the plan has MPANs in (one query)."""
    counts = {p.pk: 0 for p in plans}
    if not breaches or not plans:
        return counts
    days = sorted({b.day for b in breaches})
    by_plan: dict[int, dict[str, set]] = defaultdict(lambda: {s: set() for s in ThresholdScope.values})
    meta = {p.pk: (p.segment, p.supplier_id) for p in plans}
    rows = (
        PlanLine.objects.filter(plan_id__in=list(meta), day__in=days, volume__gt=0)
        .order_by()
        .values_list("plan_id", "day", "distributor", "agent_id")
        .distinct()
    )
    for plan_id, day, distributor, agent_id in rows:
        b = by_plan[plan_id]
        b[ThresholdScope.INDUSTRY].add((day, ""))
        b[ThresholdScope.DISTRIBUTOR].add((day, distributor))
        b[ThresholdScope.SUPPLIER].add((day, meta[plan_id][1]))
        if agent_id is not None:
            b[ThresholdScope.AGENT].add((day, agent_id))
    for plan_id, b in by_plan.items():
        segment = meta[plan_id][0]
        counts[plan_id] = sum(
            1 for br in breaches if br.segment in ("", segment) and _bucket(br) in b[br.scope]
        )
    return counts


def visible_breaches(user: Any, breaches: list[Breach], programme_id: int) -> list[Breach]:
    """The breaches ``user`` may see: the programme's readers all; otherwise those of thresholds they may
    read that involve their own plans (a supplier), their area (a DNO) or name them (an agent)."""
    from busbar.migration import queries

    v = queries.viewer(user)
    if not v.is_authenticated:
        return []
    if v.reads_programme(programme_id):
        return breaches
    if not breaches:
        return []
    readable = set(
        queries.thresholds_visible_to(user)
        .filter(pk__in={b.threshold_id for b in breaches})
        .values_list("pk", flat=True)
    )
    orgs = v.organisation_ids
    shown: list[Breach] = []
    own_buckets: dict[str, set] = {s: set() for s in ThresholdScope.values}
    own_segments: dict[tuple, set[str]] = defaultdict(set)
    if orgs:
        days = sorted({b.day for b in breaches})
        rows = (
            PlanLine.objects.filter(
                plan__programme_id=programme_id,
                plan__supplier_id__in=orgs,
                plan__status__in=COUNTED,
                day__in=days,
                volume__gt=0,
            )
            .order_by()
            .values_list("day", "distributor", "agent_id", "plan__supplier_id", "plan__segment")
            .distinct()
        )
        for day, distributor, agent_id, supplier_id, segment in rows:
            for scope, key in (
                (ThresholdScope.INDUSTRY, (day, "")),
                (ThresholdScope.DISTRIBUTOR, (day, distributor)),
                (ThresholdScope.SUPPLIER, (day, supplier_id)),
                (ThresholdScope.AGENT, (day, agent_id)),
            ):
                if scope == ThresholdScope.AGENT and agent_id is None:
                    continue
                own_buckets[scope].add(key)
                own_segments[(scope, *key)].add(segment)
    for b in breaches:
        if b.threshold_id not in readable:
            continue
        in_area = b.scope == ThresholdScope.DISTRIBUTOR and b.distributor in v.distributors
        named = b.scope == ThresholdScope.AGENT and b.organisation_id in orgs
        own = _bucket(b) in own_buckets[b.scope] and (
            b.segment == "" or b.segment in own_segments[(b.scope, *_bucket(b))]
        )
        if in_area or named or own:
            shown.append(b)
    return shown


def planned_per_day(
    programme_id: int, *, supplier_id: int | None = None, distributor: str | None = None
) -> dict[tuple[dt.date, str], int]:
    """(day, segment) -> MPANs planned by the SUBMITTED and ACCEPTED plans (one aggregate query)."""
    qs = counted_lines(programme_id)
    if supplier_id is not None:
        qs = qs.filter(plan__supplier_id=supplier_id)
    if distributor is not None:
        qs = qs.filter(distributor=distributor)
    return {
        (row["day"], row["plan__segment"]): row["n"] or 0
        for row in qs.order_by().values("day", "plan__segment").annotate(n=Sum("volume"))
    }
