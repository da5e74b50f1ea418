"""Reads of testing issues for the SI's triage board and the assurers' triage-fairness report (digest §6.5,
§8, §10.17, GV-57). Every function takes a queryset already limited by
:func:`busbar.testing.queries.issues_visible_to` (and the page's filters) and reads it in a fixed number of
queries, whatever the number of issues.

* :func:`board`: the open issues in columns — untriaged first, then triaged, in fix, ready for retest,
  escalated — each with its count and its oldest/most severe cards, ageing badges;
* :func:`category_by_root_cause`: open issues counted by severity category × root-cause category;
* :func:`ageing`: open issues by category and age (0–2 days, 3–7, 8–14, over 14);
* :func:`fairness`: per owner organisation (and per kind of party: central party or provider vs
  participant), how many issues, the median time to triage and to resolve, the share of category 1–2 and
  the share escalated — so an assurer sees whether any party is given precedence.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from busbar.parties.models import PROVIDER_ROLES, Organisation, OrganisationRole
from busbar.testing.models import (
    ESCALATED_STATUSES,
    OPEN_ISSUE_STATUSES,
    IssueCategory,
    IssueStatus,
    Participation,
    ProgrammeParty,
    RootCause,
    TestingIssue,
    TriageDecision,
)

S = IssueStatus
#: Cards shown per board column (the count says how many there are in all).
CARDS_PER_COLUMN = 50
#: Age buckets (label, first day, last day or None).
BUCKETS: list[tuple[str, int, int | None]] = [
    ("0–2 d", 0, 2),
    ("3–7 d", 3, 7),
    ("8–14 d", 8, 14),
    (">14 d", 15, None),
]
#: The board's columns: key, heading, statuses.
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("untriaged", "Untriaged", (S.NEW,)),
    ("triaged", "Triaged", (S.TRIAGED,)),
    ("in_fix", "In fix", (S.IN_FIX,)),
    ("ready_for_retest", "Ready for retest", (S.READY_FOR_RETEST,)),
    ("escalated", "Escalated", (S.ESCALATED_PM, S.ESCALATED_DA)),
]


def programme_organisation_ids(programme_id: int) -> set[int]:
    """Organisations that may own a fix (:func:`busbar.testing.queries.work_owners`)."""
    from busbar.testing.queries import work_owners

    return set(work_owners(programme_id).values_list("pk", flat=True))


def ready_since(issue: TestingIssue) -> dt.datetime | None:
    """When the issue last became ready for retest (its latest decision of that kind)."""
    return (
        TriageDecision.objects.filter(issue=issue, kind="ready_for_retest")
        .order_by("-decided_at", "-id")
        .values_list("decided_at", flat=True)
        .first()
    )


def age_days(issue: TestingIssue, now: dt.datetime | None = None) -> int:
    return max(((now or timezone.now()) - issue.created_at).days, 0)


def bucket_of(days: int) -> str:
    for label, first, last in BUCKETS:
        if days >= first and (last is None or days <= last):
            return label
    return BUCKETS[-1][0]


@dataclass
class Column:
    key: str
    label: str
    count: int
    cards: list[TestingIssue]

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)


def board(issues: QuerySet[TestingIssue], *, now: dt.datetime | None = None) -> list[Column]:
    """The open issues in the board's columns: one count query and one query per column (most severe
    first, untriaged first of all, oldest first within a category). Each card carries ``age`` (days) and
    ``bucket``."""
    now = now or timezone.now()
    open_issues = issues.filter(status__in=OPEN_ISSUE_STATUSES)
    counts = dict(open_issues.values_list("status").annotate(n=Count("id")).order_by())
    columns = []
    for key, label, statuses in COLUMNS:
        count = sum(counts.get(s, 0) for s in statuses)
        cards: list[TestingIssue] = []
        if count:
            cards = list(
                open_issues.filter(status__in=statuses)
                .select_related("scenario")
                .order_by(
                    Case(
                        When(category__isnull=True, then=Value(0)),
                        default="category",
                        output_field=IntegerField(),
                    ),
                    "created_at",
                    "id",
                )[:CARDS_PER_COLUMN]
            )
            for card in cards:
                card.age = age_days(card, now)
                card.bucket = bucket_of(card.age)
        columns.append(Column(key, label, count, cards))
    return columns


@dataclass
class Matrix:
    """Rows (category, or None: untriaged) × columns (root cause) of counts, with totals."""

    rows: list[tuple[str, list[int], int]]
    columns: list[str]
    totals: list[int]
    total: int


def category_by_root_cause(issues: QuerySet[TestingIssue]) -> Matrix:
    """Open issues counted by category × root cause, in one query."""
    counts = {
        (c, r): n
        for c, r, n in issues.filter(status__in=OPEN_ISSUE_STATUSES)
        .values_list("category", "root_cause")
        .annotate(n=Count("id"))
        .order_by()
    }
    causes = list(RootCause.choices)
    categories: list[tuple[int | None, str]] = [(None, "Untriaged"), *IssueCategory.choices]
    rows = []
    for cat, label in categories:
        values = [counts.get((cat, cause), 0) for cause, _ in causes]
        rows.append((label, values, sum(values)))
    totals = [sum(r[1][i] for r in rows) for i in range(len(causes))]
    return Matrix(rows=rows, columns=[label for _, label in causes], totals=totals, total=sum(totals))


def _bucket_case(now: dt.datetime) -> Case:
    whens = []
    for index, (_, first, last) in enumerate(BUCKETS):
        newest = now - dt.timedelta(days=first)
        cond = Q(created_at__lte=newest)
        if last is not None:
            cond &= Q(created_at__gt=now - dt.timedelta(days=last + 1))
        whens.append(When(cond, then=Value(index)))
    return Case(*whens, default=Value(0), output_field=IntegerField())


def ageing(issues: QuerySet[TestingIssue], *, now: dt.datetime | None = None) -> Matrix:
    """Open issues by category (untriaged first) and age bucket, in one query."""
    now = now or timezone.now()
    counts = {
        (c, b): n
        for c, b, n in issues.filter(status__in=OPEN_ISSUE_STATUSES)
        .annotate(bucket=_bucket_case(now))
        .values_list("category", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    }
    categories: list[tuple[int | None, str]] = [(None, "Untriaged"), *IssueCategory.choices]
    rows = []
    for cat, label in categories:
        values = [counts.get((cat, i), 0) for i in range(len(BUCKETS))]
        rows.append((label, values, sum(values)))
    totals = [sum(r[1][i] for r in rows) for i in range(len(BUCKETS))]
    return Matrix(rows=rows, columns=[b[0] for b in BUCKETS], totals=totals, total=sum(totals))


# -- triage fairness -----------------------------------------------------------------------------------

CENTRAL, PARTICIPANT, UNASSIGNED = "central", "participant", "unassigned"
KIND_LABELS = {
    CENTRAL: "Central parties and providers",
    PARTICIPANT: "Participants",
    UNASSIGNED: "Not yet assigned",
}


@dataclass
class FairnessRow:
    """One owner organisation's (or kind's) figures; times in hours, None when there is nothing to measure."""

    key: str
    label: str
    kind: str
    issues: int = 0
    triaged: int = 0
    resolved: int = 0
    cat12: int = 0
    escalated: int = 0
    median_hours_to_triage: float | None = None
    median_hours_to_resolve: float | None = None
    _triage_hours: list[float] = field(default_factory=list, repr=False)
    _resolve_hours: list[float] = field(default_factory=list, repr=False)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def share_cat12(self) -> float:
        return round(100 * self.cat12 / self.issues, 1) if self.issues else 0.0

    @property
    def share_escalated(self) -> float:
        return round(100 * self.escalated / self.issues, 1) if self.issues else 0.0

    def add(self, created, triaged_at, resolved_at, category, escalated) -> None:
        self.issues += 1
        if triaged_at is not None:
            self.triaged += 1
            self._triage_hours.append(max((triaged_at - created).total_seconds(), 0) / 3600)
        if resolved_at is not None:
            self.resolved += 1
            self._resolve_hours.append(max((resolved_at - created).total_seconds(), 0) / 3600)
        if category in (1, 2):
            self.cat12 += 1
        if escalated:
            self.escalated += 1

    def finish(self) -> FairnessRow:
        if self._triage_hours:
            self.median_hours_to_triage = round(statistics.median(self._triage_hours), 1)
        if self._resolve_hours:
            self.median_hours_to_resolve = round(statistics.median(self._resolve_hours), 1)
        return self

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "issues": self.issues,
            "triaged": self.triaged,
            "resolved": self.resolved,
            "median_hours_to_triage": self.median_hours_to_triage,
            "median_hours_to_resolve": self.median_hours_to_resolve,
            "share_cat12": self.share_cat12,
            "share_escalated": self.share_escalated,
        }


@dataclass
class Fairness:
    owners: list[FairnessRow]
    kinds: list[FairnessRow]
    overall: FairnessRow


def central_organisations(programme_id: int, organisation_ids: set[int]) -> set[int]:
    """Of ``organisation_ids``, the central parties and providers of the programme: those holding a function
    in it, taking part in a mandatory participant role (central parties, TA-14) or providing a central
    service (one query)."""
    if not organisation_ids:
        return set()
    function = ProgrammeParty.objects.filter(programme_id=programme_id, organisation_id=OuterRef("pk"))
    mandatory = Participation.objects.filter(
        phase__programme_id=programme_id, organisation_id=OuterRef("pk"), role__mandatory=True
    )
    provider = OrganisationRole.objects.filter(organisation_id=OuterRef("pk"), role__in=PROVIDER_ROLES)
    return set(
        Organisation.objects.filter(pk__in=organisation_ids)
        .filter(Exists(function) | Exists(mandatory) | Exists(provider))
        .values_list("pk", flat=True)
    )


def fairness(programme_id: int, issues: QuerySet[TestingIssue]) -> Fairness:
    """The triage-fairness figures of the programme's ``issues`` (withdrawn ones left out): three queries
    (the issues' figures, their owners' names, which owners are central parties)."""
    escalated = TriageDecision.objects.filter(issue_id=OuterRef("pk"), kind="escalate")
    rows = list(
        issues.filter(programme_id=programme_id)
        .exclude(status=S.WITHDRAWN)
        .annotate(was_escalated=Exists(escalated))
        .order_by()
        .values_list(
            "owner_id", "created_at", "triaged_at", "resolved_at", "category", "was_escalated", "status"
        )
    )
    owner_ids = {r[0] for r in rows if r[0]}
    names = dict(Organisation.objects.filter(pk__in=owner_ids).values_list("pk", "name"))
    central = central_organisations(programme_id, owner_ids)
    by_owner: dict[int | None, FairnessRow] = {}
    by_kind: dict[str, FairnessRow] = {}
    overall = FairnessRow("all", "All owners", "")
    for owner_id, created, triaged_at, resolved_at, category, was_escalated, status in rows:
        kind = UNASSIGNED if owner_id is None else CENTRAL if owner_id in central else PARTICIPANT
        row = by_owner.get(owner_id)
        if row is None:
            label = names.get(owner_id, "—") if owner_id else KIND_LABELS[UNASSIGNED]
            row = by_owner[owner_id] = FairnessRow(str(owner_id or ""), label, kind)
        kind_row = by_kind.setdefault(kind, FairnessRow(kind, KIND_LABELS[kind], kind))
        was_escalated = was_escalated or status in ESCALATED_STATUSES
        for target in (row, kind_row, overall):
            target.add(created, triaged_at, resolved_at, category, was_escalated)
    order = {CENTRAL: 0, PARTICIPANT: 1, UNASSIGNED: 2}
    owners = sorted(by_owner.values(), key=lambda r: (order[r.kind], r.label.lower()))
    kinds = sorted(by_kind.values(), key=lambda r: order[r.kind])
    return Fairness(
        owners=[r.finish() for r in owners], kinds=[r.finish() for r in kinds], overall=overall.finish()
    )


def open_by_status(issues: QuerySet[TestingIssue]) -> dict[str, int]:
    """{status: count} of ``issues`` (one query)."""
    return defaultdict(int, issues.values_list("status").annotate(n=Count("id")).order_by())
