"""Change-request figures (digest GV-37, "Scope Management"): the share of a programme's change requests
approved, rejected, on hold and open, the same by criticality, the share of **late** CRs, the average days
from raising to decision, and per impact-assessment round the responses received against those expected.

A CR is late when a decision was needed by a date (``needed_by``) and it was decided after it, or is still
open past it. The organisations expected to respond (:func:`respondent_ids`) are the programme's
participants (``queries.participant_organisation_ids``) less the programme office and the assurers, who run
and assure the consultation rather than answer it.

Every figure is read in a fixed number of queries, whatever the number of CRs, rounds and responses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from busbar.parties.models import Membership
from busbar.programmes import queries
from busbar.programmes.models import (
    OPEN_CR_STATUSES,
    ChangeRequest,
    Criticality,
    CrStatus,
    GovernanceSettings,
    ImpactResponse,
)
from busbar.testing.models import ProgrammeParty

#: Consultation windows when the programme has no GovernanceSettings (GV-51): 10 working days of
#: impact assessment, then a further 5 of assurance.
DEFAULT_CONSULTATION_DAYS = 10
DEFAULT_ASSURANCE_DAYS = 5
#: Rounds shown in the responses table: those of the newest CRs that were issued.
ROUND_CRS = 30
#: The buckets the shares are given in (GV-37: "Approved: Rejected: On Hold"), plus open and withdrawn.
BUCKETS = ("approved", "rejected", "on_hold", "open", "withdrawn")
BUCKET_LABELS = {
    "approved": "Approved",
    "rejected": "Rejected",
    "on_hold": "On hold",
    "open": "Open",
    "withdrawn": "Withdrawn",
}


def bucket_of(status: str) -> str:
    if status in (CrStatus.APPROVED, CrStatus.REJECTED, CrStatus.ON_HOLD, CrStatus.WITHDRAWN):
        return str(status)
    return "open"


def respondent_ids(programme_id: int) -> QuerySet:
    """The organisations asked for an impact assessment: participants other than the office and the
    assurers (a subquery of organisation ids)."""
    oversight = ProgrammeParty.objects.filter(
        programme_id=programme_id, function__in=queries.OVERSIGHT_FUNCTIONS
    ).values("organisation_id")
    return queries.participant_organisation_ids(programme_id).exclude(pk__in=oversight)


def respondent_people(programme_id: int, *, exclude_user_id: int | None = None) -> list:
    """The active people of the organisations asked to respond (one query)."""
    members = Membership.objects.filter(
        is_active=True, organisation__is_active=True, organisation_id__in=respondent_ids(programme_id)
    )
    people = get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id"))
    if exclude_user_id is not None:
        people = people.exclude(pk=exclude_user_id)
    return list(people.order_by("pk"))


def windows(programme_id: int) -> tuple[int, int]:
    """(consultation days, assurance days) of the programme: its settings, else 10 and 5 (GV-51)."""
    found = (
        GovernanceSettings.objects.filter(programme_id=programme_id)
        .values_list("consultation_days", "assurance_days")
        .first()
    )
    return found or (DEFAULT_CONSULTATION_DAYS, DEFAULT_ASSURANCE_DAYS)


def late_q(today: dt.date) -> Q:
    """CRs decided after the date a decision was needed by, or open past it."""
    return Q(needed_by__isnull=False) & (
        Q(decided_on__isnull=False, decided_on__gt=F("needed_by"))
        | Q(status__in=list(OPEN_CR_STATUSES), needed_by__lt=today)
    )


def is_late(cr: ChangeRequest, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    if cr.needed_by is None:
        return False
    if cr.decided_on is not None:
        return cr.decided_on > cr.needed_by
    return cr.status in OPEN_CR_STATUSES and today > cr.needed_by


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


@dataclass
class CriticalityRow:
    criticality: str
    label: str
    total: int
    share: float  # per cent of all CRs
    counts: dict[str, int]
    late: int


@dataclass
class RoundRow:
    reference: str
    display_ref: str
    title: str
    status: str
    round: int
    current: bool
    received: int
    late: int
    expected: int


@dataclass
class CrMetrics:
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    percentages: dict[str, float] = field(default_factory=dict)
    by_criticality: list[CriticalityRow] = field(default_factory=list)
    late: int = 0
    late_percent: float = 0.0
    decided: int = 0
    average_days_to_decision: float | None = None
    expected: int = 0
    rounds: list[RoundRow] = field(default_factory=list)

    @property
    def buckets(self) -> list[tuple[str, str, int, float]]:
        """(key, label, count, per cent) in the order GV-37 names them."""
        return [(b, BUCKET_LABELS[b], self.counts.get(b, 0), self.percentages.get(b, 0.0)) for b in BUCKETS]


def metrics(programme_id: int, *, today: dt.date | None = None) -> CrMetrics:
    """The GV-37 figures of the programme's change requests (five queries)."""
    today = today or timezone.localdate()
    crs = ChangeRequest.objects.filter(programme_id=programme_id)
    out = CrMetrics()
    by_crit: dict[str, dict[str, int]] = {c: dict.fromkeys(BUCKETS, 0) for c in Criticality.values}
    late_by_crit: dict[str, int] = dict.fromkeys(Criticality.values, 0)
    grouped = (
        crs.order_by()
        .values("criticality", "status")
        .annotate(n=Count("pk"), late=Count("pk", filter=late_q(today)))
    )
    for row in grouped:
        bucket = bucket_of(row["status"])
        by_crit.setdefault(row["criticality"], dict.fromkeys(BUCKETS, 0))[bucket] += row["n"]
        late_by_crit[row["criticality"]] = late_by_crit.get(row["criticality"], 0) + row["late"]
        out.counts[bucket] = out.counts.get(bucket, 0) + row["n"]
        out.total += row["n"]
        out.late += row["late"]
    out.percentages = {b: _pct(out.counts.get(b, 0), out.total) for b in BUCKETS}
    out.late_percent = _pct(out.late, out.total)
    labels = dict(Criticality.choices)
    for crit in Criticality.values:
        counts = by_crit[crit]
        total = sum(counts.values())
        out.by_criticality.append(
            CriticalityRow(crit, labels[crit], total, _pct(total, out.total), counts, late_by_crit[crit])
        )
    decided = list(
        crs.filter(status__in=[CrStatus.APPROVED, CrStatus.REJECTED], decided_on__isnull=False).values_list(
            "created_at", "decided_on"
        )
    )
    out.decided = len(decided)
    if decided:
        days = [(on - timezone.localtime(at).date()).days for at, on in decided]
        out.average_days_to_decision = round(sum(days) / len(days), 1)
    out.expected = respondent_ids(programme_id).count()
    issued = list(
        crs.filter(round__gte=1)
        .order_by("-number")
        .values("pk", "reference", "number", "title", "status", "round")[:ROUND_CRS]
    )
    received: dict[tuple[int, int], tuple[int, int]] = {}
    for row in (
        ImpactResponse.objects.filter(change_request_id__in=[c["pk"] for c in issued])
        .order_by()
        .values("change_request_id", "round")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(late=True)))
    ):
        received[(row["change_request_id"], row["round"])] = (row["n"], row["late"])
    for c in issued:
        for number in range(c["round"], 0, -1):
            n, late = received.get((c["pk"], number), (0, 0))
            out.rounds.append(
                RoundRow(
                    reference=c["reference"],
                    display_ref=f"CR{c['number']:03d}",
                    title=c["title"],
                    status=c["status"],
                    round=number,
                    current=number == c["round"],
                    received=n,
                    late=late,
                    expected=out.expected,
                )
            )
    return out
