"""The RAID log as a list, shared by its page, its API and its exports (digest §5.3).

* **Filters** (:class:`RaidFilters`, from a query string with :func:`parse_filters`, invalid values
  ignored): type, status, phase (``none``: no phase), theme, owner organisation, RAG, public or private,
  a minimum exposure, a likelihood × impact cell, and text matching the title, the external reference or
  the reference (``R12``, ``12``, ``RAID0000012``).
* **Order** (:data:`SORTING`): number, exposure, age, RAG; the primary key breaks ties.
* **Figures of the list as filtered**, each one query whatever the size of the log: totals by type
  (:func:`totals_by_kind`), the 5×5 likelihood × impact heat grid (:func:`heat_grid`), counts per plan
  phase (:func:`phase_counts`, the "Planning RAID" per phase of GV-24) and ageing of open items
  (:func:`ageing`).
* **Exports**: the columns of each type under the programme's own headers (GV-20), or every column when
  the list mixes types (:func:`export_columns`).

Every read starts from :func:`busbar.programmes.queries.raid_visible_to`: a participant's list, counts,
grid and export hold the public items and its own organisation's only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpResponse
from django.utils import timezone

from busbar.lib import export
from busbar.lib.forms import parse_id
from busbar.lib.keyset import Key
from busbar.lib.listing import Sort, Sorting
from busbar.programmes import permissions, queries
from busbar.programmes.models import RAG_LEGEND, PlanPhase, RaidItem, RaidKind, RaidStatus
from busbar.programmes.raid_import import RAID_RAGS

K = RaidKind
S = RaidStatus

SORTING = Sorting(
    [
        Sort("number", "Ref", (Key("number"),)),
        Sort("exposure", "Exposure", (Key("exposure"),)),
        # Ascending age: the newest first.
        Sort("age", "Age", (Key("raised_on", descending=True),)),
        # Ascending RAG: red first.
        Sort("rag", "RAG", (Key("rag_rank", descending=True),)),
    ],
    tie=(Key("id"),),
)
SORT_NAMES = tuple(f"{sign}{name}" for name in SORTING.sorts for sign in ("", "-"))
KIND_PLURALS = {K.RISK: "Risks", K.ASSUMPTION: "Assumptions", K.ISSUE: "Issues", K.DEPENDENCY: "Dependencies"}
#: The order of the type tabs (the R, A, I, D of RAID).
KIND_ORDER = (K.RISK, K.ASSUMPTION, K.ISSUE, K.DEPENDENCY)
#: The seed's own column headers per type (GV-20): the item, then its type's columns.
SEED_HEADERS = {
    K.ISSUE: ("Issue", "Theme", "Planned resolving activities", "Current Impact"),
    K.RISK: ("Risk", "Theme", "Planned mitigating activities", "Potential Impact"),
    K.ASSUMPTION: ("Assumption", "Theme", "Commentary", "Assumption Uncertainty"),
    K.DEPENDENCY: (
        "Dependency",
        "Theme",
        "Impacting Milestone or Activity",
        "Impacted Milestone or Activity",
        "Manageable?",
    ),
}
AGEING_BANDS = (
    (0, 30, "Up to 30 days"),
    (31, 90, "31–90 days"),
    (91, 180, "91–180 days"),
    (181, None, "Over 180 days"),
)
MAX_Q = 200


@dataclass(frozen=True)
class RaidFilters:
    kind: str = ""
    status: str = ""
    phase: str = ""
    theme: str = ""
    owner: int | None = None
    rag: str = ""
    public: bool | None = None
    min_exposure: int | None = None
    likelihood: int | None = None
    impact: int | None = None
    q: str = ""

    def without(self, *names: str) -> RaidFilters:
        return replace(self, **{n: RaidFilters.__dataclass_fields__[n].default for n in names})

    def params(self) -> dict[str, str]:
        """The filters as query-string parameters (only those set)."""
        out: dict[str, str] = {}
        for name in RaidFilters.__dataclass_fields__:
            value = getattr(self, name)
            if value is None or value == "":
                continue
            out[name] = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        return out


def _int(value: Any, low: int, high: int) -> int | None:
    text = str(value or "").strip()
    if not re.fullmatch(r"[0-9]{1,3}", text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_filters(params: Mapping[str, Any]) -> RaidFilters:
    """The filters of a query string; each invalid or unknown value is ignored on its own."""

    def get(name: str, limit: int = 80) -> str:
        return str(params.get(name) or "").strip()[:limit]

    public_text = get("public").lower()
    public = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(public_text)
    rag = get("rag")
    return RaidFilters(
        kind=get("kind") if get("kind") in K.values else "",
        status=get("status") if get("status") in S.values else "",
        phase=get("phase", 40) if re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", get("phase", 40)) else "",
        theme=get("theme"),
        owner=parse_id(get("owner", 20)),
        rag=rag if rag in (*RAID_RAGS, "none") else "",
        public=public,
        min_exposure=_int(params.get("min_exposure"), 1, 25),
        likelihood=_int(params.get("likelihood"), 1, 5),
        impact=_int(params.get("impact"), 1, 5),
        q=get("q", MAX_Q),
    )


def items_of(user, programme) -> QuerySet[RaidItem]:
    """The programme's RAID items the person may see, with what a row shows (no query per row)."""
    return (
        queries.raid_visible_to(user)
        .filter(programme=programme)
        .select_related("owner_organisation", "phase", "impacting_milestone", "impacted_milestone")
    )


def items_of_all(user) -> QuerySet[RaidItem]:
    """Every RAID item the person may see, with what its page shows (one item is looked up in it)."""
    return queries.raid_visible_to(user).select_related(
        "record",
        "programme",
        "owner_organisation",
        "owner_user",
        "phase",
        "impacting_milestone",
        "impacted_milestone",
        "converted_from",
    )


_REF = re.compile(r"^[Rr]?0*([0-9]{1,7})$")
_RECORD_REF = re.compile(r"^RAID0*([0-9]{1,12})$", re.IGNORECASE)


def filter_items(qs: QuerySet[RaidItem], f: RaidFilters) -> QuerySet[RaidItem]:
    """``qs`` narrowed by the filters."""
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.phase == "none":
        qs = qs.filter(phase__isnull=True)
    elif f.phase:
        qs = qs.filter(phase__code=f.phase)
    if f.theme:
        qs = qs.filter(theme__iexact=f.theme)
    if f.owner:
        qs = qs.filter(owner_organisation_id=f.owner)
    if f.rag == "none":
        qs = qs.filter(rag="")
    elif f.rag:
        qs = qs.filter(rag=f.rag)
    if f.public is not None:
        qs = qs.filter(is_public=f.public)
    if f.min_exposure:
        qs = qs.filter(exposure__gte=f.min_exposure)
    if f.likelihood:
        qs = qs.filter(likelihood=f.likelihood)
    if f.impact:
        qs = qs.filter(impact_score=f.impact)
    q = f.q.strip()
    if q:
        match = Q(title__icontains=q) | Q(external_ref__icontains=q)
        if m := _REF.match(q):
            match |= Q(number=int(m.group(1)))
        if m := _RECORD_REF.match(q):
            match |= Q(reference=f"RAID{int(m.group(1)):07d}")
        qs = qs.filter(match)
    return qs


def with_rag_rank(qs: QuerySet[RaidItem]) -> QuerySet[RaidItem]:
    return qs.annotate(
        rag_rank=Case(
            When(rag="red", then=Value(3)),
            When(rag="amber", then=Value(2)),
            When(rag="green", then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def ordered(qs: QuerySet[RaidItem], sort: str | None) -> QuerySet[RaidItem]:
    """``qs`` in the order ``sort`` asks for (one of :data:`SORT_NAMES`), else by number."""
    qs = with_rag_rank(qs)
    keys = SORTING.keys(sort)
    if keys is None:
        return qs.order_by("number", "id")
    return qs.order_by(*(k.order for k in keys))


def listed(user, programme, f: RaidFilters, sort: str | None = None) -> QuerySet[RaidItem]:
    """The list as the person sees it: visible, filtered, ordered."""
    return ordered(filter_items(items_of(user, programme), f), sort)


# -- figures of the list --------------------------------------------------------------------------------


def totals_by_kind(qs: QuerySet[RaidItem]) -> dict[str, dict[str, int]]:
    """Per type (and ``all``): how many items and how many open, in one query."""
    aggregates: dict[str, Any] = {}
    for kind in KIND_ORDER:
        aggregates[f"{kind}_all"] = Count("pk", filter=Q(kind=kind))
        aggregates[f"{kind}_open"] = Count("pk", filter=Q(kind=kind, status=S.OPEN))
    aggregates["all_all"] = Count("pk")
    aggregates["all_open"] = Count("pk", filter=Q(status=S.OPEN))
    row = qs.order_by().aggregate(**aggregates)
    return {kind: {"all": row[f"{kind}_all"], "open": row[f"{kind}_open"]} for kind in (*KIND_ORDER, "all")}


@dataclass(frozen=True)
class HeatCell:
    likelihood: int
    impact: int
    count: int

    @property
    def exposure(self) -> int:
        return self.likelihood * self.impact

    @property
    def band(self) -> str:
        """bad (15–25), warn (8–14), ok (1–7): the badge class the cell is shown with."""
        return "bad" if self.exposure >= 15 else "warn" if self.exposure >= 8 else "ok"


def heat_grid(qs: QuerySet[RaidItem]) -> list[list[HeatCell]]:
    """Counts of the items scored on both, by likelihood (rows, 5 at the top) × impact (columns, 1–5):
    one query."""
    counts = {
        (row["likelihood"], row["impact_score"]): row["n"]
        for row in qs.order_by()
        .filter(likelihood__isnull=False, impact_score__isnull=False)
        .values("likelihood", "impact_score")
        .annotate(n=Count("pk"))
    }
    return [[HeatCell(lk, im, counts.get((lk, im), 0)) for im in range(1, 6)] for lk in range(5, 0, -1)]


def phase_counts(qs: QuerySet[RaidItem], phases: list[PlanPhase]) -> list[dict[str, Any]]:
    """Per plan phase (in the plan's order, then "No phase"): its code, name and how many items of the
    list are in it (one query)."""
    counts = {row["phase_id"]: row["n"] for row in qs.order_by().values("phase_id").annotate(n=Count("pk"))}
    shown = [{"code": p.code, "name": p.name, "count": counts.get(p.pk, 0)} for p in phases]
    shown.append({"code": "none", "name": "No phase", "count": counts.get(None, 0)})
    return shown


def ageing(qs: QuerySet[RaidItem], today: dt.date) -> list[dict[str, Any]]:
    """The open items of the list by how long they have been open (GV-25: ageing of open risks), one
    query."""
    aggregates = {}
    for index, (low, high, _label) in enumerate(AGEING_BANDS):
        cond = Q(status=S.OPEN, raised_on__lte=today - dt.timedelta(days=low))
        if high is not None:
            cond &= Q(raised_on__gt=today - dt.timedelta(days=high + 1))
        aggregates[f"b{index}"] = Count("pk", filter=cond)
    row = qs.order_by().aggregate(**aggregates)
    return [{"label": label, "count": row[f"b{i}"]} for i, (_lo, _hi, label) in enumerate(AGEING_BANDS)]


def days_open(item: RaidItem, today: dt.date) -> int:
    """Days from raised to closed (or to today while open)."""
    end = item.closed_on or today
    return max((end - item.raised_on).days, 0)


# -- what the person may do -----------------------------------------------------------------------------


def allowed_actions(access, item: RaidItem) -> list[str]:
    """The verbs the person may use on the item now: update, edit, visibility, close, reopen, convert."""
    verbs = []
    is_open = item.status == S.OPEN
    if is_open and permissions.can_update_raid(access, item) is None:
        verbs.append("update")
    if item.status != S.CONVERTED and permissions.can_edit_raid(access, item) is None:
        verbs += ["edit", "visibility"]
    if is_open and permissions.can_close_raid(access, item) is None:
        verbs.append("close")
    if item.status == S.CLOSED and permissions.can_close_raid(access, item) is None:
        verbs.append("reopen")
    if is_open and item.kind == K.RISK and permissions.can_convert_raid(access, item) is None:
        verbs.append("convert")
    return verbs


def legend(kind: str) -> list[tuple[str, str]]:
    """The RAG legend of a type (GV-21), red first."""
    texts = RAG_LEGEND.get(kind, {})
    return [(rag, texts[rag]) for rag in ("red", "amber", "green") if rag in texts]


# -- exports --------------------------------------------------------------------------------------------


def milestone_or_activity(milestone, activity: str) -> str:
    """The seed's "Milestone or Activity" cell: ``M10``, ``M10: text`` or text."""
    if milestone is not None and activity:
        return f"{milestone.code}: {activity}"
    return milestone.code if milestone is not None else activity


def _tail(today: dt.date) -> list[export.Column]:
    return [
        export.Column("Phase", lambda i: i.phase.name if i.phase_id else ""),
        export.Column("Owner", lambda i: i.owner_organisation.name if i.owner_organisation_id else ""),
        export.Column("Owner label", lambda i: i.owner_label),
        export.Column("RAG", lambda i: i.get_rag_display() if i.rag else ""),
        export.Column("Likelihood", lambda i: i.likelihood),
        export.Column("Impact score", lambda i: i.impact_score),
        export.Column("Exposure", lambda i: i.exposure or None),
        export.Column("Public", lambda i: i.is_public),
        export.Column("Status", lambda i: i.get_status_display()),
        export.Column("Raised", lambda i: i.raised_on.isoformat()),
        export.Column("Closed", lambda i: i.closed_on.isoformat() if i.closed_on else ""),
        export.Column("Age (days)", lambda i: days_open(i, today)),
    ]


def export_columns(kind: str, today: dt.date) -> list[export.Column]:
    """The export's columns: for one type, its seed headers (GV-20) then the common ones; for a list of
    mixed types, every column (the import reads either back)."""
    ref = export.Column("Ref", lambda i: i.display_ref)
    title = lambda i: i.title  # noqa: E731
    theme = lambda i: i.theme  # noqa: E731
    level = lambda i: i.get_impact_level_display() if i.impact_level else ""  # noqa: E731
    if kind in (K.RISK, K.ISSUE):
        h = SEED_HEADERS[kind]
        return [
            ref,
            export.Column(h[0], title),
            export.Column(h[1], theme),
            export.Column(h[2], lambda i: i.activities),
            export.Column(h[3], lambda i: i.impact_text),
            export.Column("Impact level", level),
            *_tail(today),
        ]
    if kind == K.ASSUMPTION:
        h = SEED_HEADERS[kind]
        return [
            ref,
            export.Column(h[0], title),
            export.Column(h[1], theme),
            export.Column(h[2], lambda i: i.activities),
            export.Column(h[3], lambda i: i.get_uncertainty_display() if i.uncertainty else ""),
            *_tail(today),
        ]
    if kind == K.DEPENDENCY:
        h = SEED_HEADERS[kind]
        return [
            ref,
            export.Column(h[0], title),
            export.Column(h[1], theme),
            export.Column(h[2], lambda i: milestone_or_activity(i.impacting_milestone, i.impacting_activity)),
            export.Column(h[3], lambda i: milestone_or_activity(i.impacted_milestone, i.impacted_activity)),
            export.Column(h[4], lambda i: i.get_manageable_display() if i.manageable else ""),
            export.Column("External ref", lambda i: i.external_ref),
            *_tail(today),
        ]
    return [
        ref,
        export.Column("Type", lambda i: i.get_kind_display()),
        export.Column("Title", title),
        export.Column("Description", lambda i: i.description),
        export.Column("Theme", theme),
        export.Column("Activities", lambda i: i.activities),
        export.Column("Impact", lambda i: i.impact_text),
        export.Column("Impact level", level),
        export.Column("Uncertainty", lambda i: i.get_uncertainty_display() if i.uncertainty else ""),
        export.Column("Manageable?", lambda i: i.get_manageable_display() if i.manageable else ""),
        export.Column(
            "Impacting milestone", lambda i: i.impacting_milestone.code if i.impacting_milestone_id else ""
        ),
        export.Column("Impacting activity", lambda i: i.impacting_activity),
        export.Column(
            "Impacted milestone", lambda i: i.impacted_milestone.code if i.impacted_milestone_id else ""
        ),
        export.Column("Impacted activity", lambda i: i.impacted_activity),
        export.Column("External ref", lambda i: i.external_ref),
        *_tail(today),
    ]


def template_response(programme, fmt: str) -> HttpResponse:
    """The import's template as a download: its columns and one example row per type."""
    from busbar.programmes.raid_import import TEMPLATE_HEADER, template_rows

    rows = template_rows(timezone.localdate())
    name = f"{programme.code}-raid-import-template.{fmt}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "RAID"
        sheet.append(TEMPLATE_HEADER)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=export.CONTENT_TYPES["xlsx"])
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(TEMPLATE_HEADER)
        writer.writerows(rows)
        response = HttpResponse(
            ("\ufeff" + text.getvalue()).encode(), content_type=export.CONTENT_TYPES["csv"]
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- history --------------------------------------------------------------------------------------------

#: What each journal entry of an item says happened.
SENTENCES = {
    "programmes.raid.raise": "raised it",
    "programmes.raid.import": "imported it",
    "programmes.raid.edit": "edited it",
    "programmes.raid.publish": "made it public",
    "programmes.raid.unpublish": "made it private",
    "programmes.raid.update": "posted an update",
    "programmes.raid.note": "added an internal note",
    "programmes.raid.close": "closed it",
    "programmes.raid.reopen": "reopened it",
    "programmes.raid.convert": "converted it into an issue",
    "raid_item.link": "changed its links",
}
HISTORY_LIMIT = 100


def history(user, item: RaidItem, *, works: bool) -> list:
    """The item's journal as ``user`` may read it (redacted by the type's registered rules,
    ``queries.RAID_TIMELINE``; at most :data:`HISTORY_LIMIT` entries), each with ``sentence``."""
    from busbar.records.queries import timeline

    shown = timeline(user, item, works=works)[:HISTORY_LIMIT]
    for entry in shown:
        entry.sentence = SENTENCES.get(entry.action, entry.action.rsplit(".", 1)[-1].replace("_", " "))
    return shown
