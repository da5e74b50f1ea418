"""Gate checklists as data, and how every criterion of a gate stands now (digest §6.2, TA-05…TA-12).

:data:`CHECKLISTS` are the standard lists a gate can start from (``create_gate(checklist=…)``): the PIT exit
(TA-05, TA-08, TA-11), SIT entry (TA-06, TA-08), SIT exit (TA-09, TA-11, TA-12) and the operational
readiness list (TA-07). A criterion is **manual** (the SI assesses it with evidence: files or a note saying
where the evidence is) or **automatic** (:class:`~busbar.testing.models.AutoRule`: computed from the data
with :mod:`busbar.testing.progress` when asked, never stored).

:func:`evaluate_gate` says how each criterion stands (:class:`CriterionState`) in a constant number of
queries whatever the number of criteria, participants or issues: each rule is computed once per gate.
This module reads; the changes are :mod:`busbar.testing.actions.gates`.

**Who reads the detail.** Gates are shown to participants, who must not learn other participants' figures.
The evaluations take the viewer's ``access``: ``None`` (actions, decision snapshots) or someone who reads
the whole programme gets the full sentences; anyone else (a :class:`Viewer`) gets counts, their own
organisations' figures, only the issue references they may open and only the report titles they may read.
The status and whether a criterion blocks are the same for everyone. :func:`snapshot_for` does the same to
the criteria a decision kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet

from busbar.testing import progress, queries
from busbar.testing.access import Access
from busbar.testing.models import (
    OPEN_ISSUE_STATUSES,
    AutoRule,
    CompletionReport,
    Criterion,
    CriterionStatus,
    EntryStatus,
    ExitRule,
    Gate,
    GateStatus,
    Participation,
    Phase,
    PhaseKind,
    ReportStatus,
    TestingIssue,
)

#: A gate's decisions: pending until the board decides; a no-go may be decided again once the criteria
#: move; a go (with or without conditions) stands. Anything else is refused with IllegalTransition (409).
GATE_TRANSITIONS: dict[str, set[str]] = {
    GateStatus.PENDING: {GateStatus.GO, GateStatus.GO_WITH_CONDITIONS, GateStatus.NO_GO},
    GateStatus.NO_GO: {GateStatus.GO, GateStatus.GO_WITH_CONDITIONS, GateStatus.NO_GO},
    GateStatus.GO_WITH_CONDITIONS: set(),
    GateStatus.GO: set(),
}

#: How many blocking rows (issues, participants) a detail sentence names before "and N more".
NAMED = 5

#: What a decision's snapshot says of a computed criterion to someone who does not read the whole programme.
SNAPSHOT_WITHHELD = "Computed when decided (the detail is shown to those who read the whole programme)"


@dataclass(frozen=True, eq=False)
class Viewer:
    """Someone who does not read the whole programme (a participant): what the detail sentences may show."""

    #: Their organisations: the only participants whose figures are given.
    organisation_ids: frozenset[int]
    #: The testing issues whose references they may see.
    issues: QuerySet[TestingIssue]
    #: The completion reports whose titles they may see.
    reports: QuerySet[CompletionReport]


def viewer_for(access: Access | Viewer | None, programme_id: int) -> Viewer | None:
    """None when ``access`` gets the full detail (no access given: an action; or it reads the whole
    programme), else what it may see. No query but the access's functions (read once per access)."""
    if access is None or isinstance(access, Viewer):
        return access
    if access.reads_all(programme_id):
        return None
    return Viewer(
        organisation_ids=frozenset(access.organisation_ids),
        issues=queries.issues_visible_to(access),
        reports=queries.reports_visible_to(access),
    )


def snapshot_for(rows: Any, access: Access | Viewer | None, programme_id: int) -> list[dict[str, Any]]:
    """A decision's stored criteria (``GateDecision.criteria``, full detail) as ``access`` may read them: a
    computed criterion's detail is withheld from those who do not read the whole programme (it named the
    participants behind, their pass rates and issue references)."""
    rows = [r for r in (rows or []) if isinstance(r, dict)]
    if viewer_for(access, programme_id) is None:
        return rows
    return [{**r, "detail": SNAPSHOT_WITHHELD} if r.get("automatic") else r for r in rows]


@dataclass(frozen=True)
class CriterionSpec:
    """One line of a standard checklist."""

    text: str
    mandatory: bool = True
    auto_rule: str = AutoRule.MANUAL
    #: REPORT_APPROVED: "self" (the gate's own phase) or a PhaseKind (the programme's phase of that kind).
    rule_phase: str = ""
    #: MANDATORY_PASS_RATE: advisory (not mandatory) when the phase exits as soon as one cohort completes
    #: (TA-09): the others carry on post-SIT, so their pass rate does not hold the gate.
    advisory_when_one_cohort: bool = False


@dataclass(frozen=True)
class Checklist:
    key: str
    label: str
    kind: str  # "entry" or "exit": the kind of gate it is written for
    source: str
    items: tuple[CriterionSpec, ...]


def _spec(text: str, **kwargs: Any) -> CriterionSpec:
    return CriterionSpec(text=text, **kwargs)


CHECKLISTS: dict[str, Checklist] = {
    c.key: c
    for c in (
        Checklist(
            key="pit_exit",
            label="PIT exit (pre-integration testing complete)",
            kind="exit",
            source="TA-05, TA-08, TA-11, TA-12",
            items=(
                _spec("PIT Test Completion Report and execution evidence submitted by the participant"),
                _spec("PIT test approach document (TAD) approved by the advisory group before PIT exit"),
                _spec("Network connectivity to the integration environment demonstrated"),
                _spec("SIT Readiness Report submitted"),
                _spec("No open category 1 testing issues", auto_rule=AutoRule.NO_OPEN_CAT1),
                _spec(
                    "Every participant passed its mandatory PIT scenarios",
                    auto_rule=AutoRule.MANDATORY_PASS_RATE,
                ),
                _spec(
                    "PIT completion report approved (Testing Advisory Board)",
                    auto_rule=AutoRule.REPORT_APPROVED,
                    rule_phase="self",
                ),
            ),
        ),
        Checklist(
            key="sit_entry",
            label="SIT entry (integration readiness)",
            kind="entry",
            source="TA-06, TA-08, TA-05",
            items=(
                _spec("Resources in place for the test stage"),
                _spec("Test cases (scenarios and scripts) specified and approved"),
                _spec("Test environments available and configured"),
                _spec("Network connectivity demonstrated by every participant (TA-08)"),
                _spec("Security requirements met"),
                _spec("Necessary test tools available (data generator, message tooling, defect log)"),
                _spec(
                    "PIT completion report approved",
                    auto_rule=AutoRule.REPORT_APPROVED,
                    rule_phase=PhaseKind.PIT,
                ),
                _spec("Every mandatory participant has entered", auto_rule=AutoRule.ALL_ENTERED),
            ),
        ),
        Checklist(
            key="sit_exit",
            label="SIT exit (test stage complete)",
            kind="exit",
            source="TA-09, TA-11, TA-12, TA-34, TA-37",
            items=(
                _spec("No open category 1 testing issues", auto_rule=AutoRule.NO_OPEN_CAT1),
                _spec(
                    "Every cohort member passed at least the threshold of its mandatory scenarios",
                    auto_rule=AutoRule.MANDATORY_PASS_RATE,
                    advisory_when_one_cohort=True,
                ),
                _spec(
                    "The phase's exit rule is met (SIT exits when one cohort completes, TA-09)",
                    auto_rule=AutoRule.COHORT_COMPLETE,
                ),
                _spec("SIT Test Stage Completion Report approved by the board"),
                _spec("Open category 2 testing issues have agreed workarounds"),
                _spec("Exceptions and deviations from the test approach recorded and agreed"),
                _spec("Regression pack and evidence handed over for the next stage", mandatory=False),
            ),
        ),
        Checklist(
            key="operational_readiness",
            label="Operational readiness",
            kind="exit",
            source="TA-07",
            items=(
                _spec("Back-up, restore and recovery (including rollback)"),
                _spec("Performance, reliability and stability"),
                _spec("Security"),
                _spec("Disaster recovery (including failover) and business continuity plans"),
                _spec("Data centre / server rooms or IT cloud provider infrastructure"),
                _spec("Resource skills and experience"),
                _spec("Available and continuous training and knowledge transfer"),
                _spec("Lines of communication"),
                _spec("Financial budgets"),
            ),
        ),
    )
}


@dataclass
class CriterionState:
    """How one criterion stands now."""

    criterion: Criterion
    status: str  # CriterionStatus value: met / not_met / not_assessed / waived
    detail: str
    blocking: bool
    automatic: bool
    evidence_count: int

    @property
    def status_label(self) -> str:
        return CriterionStatus(self.status).label

    @property
    def has_evidence(self) -> bool:
        """A manual criterion's evidence: a file, or a note saying where the evidence is."""
        return self.evidence_count > 0 or bool(self.criterion.evidence_note.strip())

    @property
    def lacks_evidence(self) -> bool:
        """A mandatory manual criterion without evidence: no gate decision is recorded while one is."""
        return self.criterion.mandatory and not self.automatic and not self.has_evidence

    def snapshot(self) -> dict[str, Any]:
        """As the decision keeps it (``GateDecision.criteria``)."""
        c = self.criterion
        return {
            "id": c.pk,
            "text": c.text,
            "mandatory": c.mandatory,
            "automatic": self.automatic,
            "auto_rule": c.auto_rule,
            "status": self.status,
            "detail": self.detail,
            "blocking": self.blocking,
            "evidence_count": self.evidence_count,
            "evidence_note": c.evidence_note[:1000],
        }


def _names(values: list[str], total: int) -> str:
    shown = ", ".join(values[:NAMED])
    return f"{shown} and {total - NAMED} more" if total > NAMED else shown


def _pct(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.1'))}%"


def _whole(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}%"


class _Rules:
    """Each automatic rule computed at most once for one gate's phase (constant queries per gate), as
    ``viewer`` may read it (None: the full detail)."""

    def __init__(self, phase: Phase, viewer: Viewer | None = None) -> None:
        self.phase = phase
        self.viewer = viewer
        self._cache: dict[Any, tuple[bool, str]] = {}
        self._progress: list[progress.CohortProgress] | None = None
        self._reports: dict[int, CompletionReport] | None = None
        self._readable_reports: set[int] | None = None

    def cohorts(self) -> list[progress.CohortProgress]:
        if self._progress is None:
            self._progress = progress.cohort_progress(self.phase)
        return self._progress

    def _own(self, participation: Participation) -> bool:
        return self.viewer is not None and participation.organisation_id in self.viewer.organisation_ids

    def open_issues(self, categories: tuple[int, ...]) -> tuple[bool, str]:
        key = ("issues", categories)
        if key not in self._cache:
            which_ones = {"phase": self.phase, "status__in": OPEN_ISSUE_STATUSES, "category__in": categories}
            open_ones = TestingIssue.objects.filter(**which_ones)
            which = "category 1" if categories == (1,) else "category 1 or 2"
            if self.viewer is None:
                rows, total = self._references(open_ones)
                if rows:
                    noun = "issue" if total == 1 else "issues"
                    self._cache[key] = (False, f"{total} open {which} {noun}: {_names(rows, total)}")
            else:
                # Counted for everyone; named only where the viewer may open the issue.
                total = open_ones.count()
                if total:
                    noun = "issue" if total == 1 else "issues"
                    rows, seen = self._references(self.viewer.issues.filter(**which_ones))
                    yours = f"; you can open {_names(rows, seen)}" if rows else ""
                    self._cache[key] = (False, f"{total} open {which} {noun}{yours}")
            if key not in self._cache:
                self._cache[key] = (True, f"No open {which} issues")
        return self._cache[key]

    @staticmethod
    def _references(issues) -> tuple[list[str], int]:
        """(the first references, how many in all): one query, two when more than are named."""
        rows = list(
            issues.order_by("category", "created_at", "id").values_list("reference", flat=True)[: NAMED + 1]
        )
        total = len(rows) if len(rows) <= NAMED else issues.count()
        return rows, total

    def pass_rate(self, threshold: Decimal | None) -> tuple[bool, str]:
        threshold = Decimal(threshold if threshold is not None else self.phase.pass_threshold)
        key = ("rate", threshold)
        if key not in self._cache:
            behind: list[str] = []
            own: list[str] = []
            members = 0
            for group in self.cohorts():
                label = group.cohort.name if group.cohort else "No cohort"
                for m in group.members:
                    if m.participation.status == EntryStatus.WITHDRAWN:
                        continue
                    members += 1
                    if self._own(m.participation):
                        own.append(f"{m.participation.organisation}: {_pct(m.pct_passed)}")
                    if not m.complete(threshold):
                        behind.append(
                            f"{label}: {m.participation.organisation} at {_pct(m.pct_passed)} of "
                            f"{_whole(threshold)}"
                        )
            if not members:
                self._cache[key] = (False, "The phase has no participants yet")
            elif behind and self.viewer is not None:
                # Other participants counted, not named; the viewer's own figures given.
                noun = "member" if members == 1 else "members"
                self._cache[key] = (
                    False,
                    "; ".join([f"{len(behind)} of {members} {noun} below {_whole(threshold)}", *own]),
                )
            elif behind:
                self._cache[key] = (
                    False,
                    "; ".join(behind[:NAMED])
                    + (f"; and {len(behind) - NAMED} more" if len(behind) > NAMED else ""),
                )
            else:
                self._cache[key] = (
                    True,
                    f"All {members} cohort members passed at least {_whole(threshold)} of their "
                    "mandatory scenarios",
                )
        return self._cache[key]

    def exit_rule(self) -> tuple[bool, str]:
        if "exit" not in self._cache:
            own = self.viewer.organisation_ids if self.viewer is not None else None
            self._cache["exit"] = progress.exit_rule_met(self.phase, own)
        return self._cache["exit"]

    def reports(self, phase_ids: set[int]) -> dict[int, CompletionReport]:
        if self._reports is None:
            self._reports = {}
            found = CompletionReport.objects.filter(
                phase_id__in=phase_ids, participation__isnull=True, status=ReportStatus.APPROVED
            ).order_by("phase_id", "-version")
            for report in found:
                self._reports.setdefault(report.phase_id, report)
        return self._reports

    def may_read(self, report: CompletionReport) -> bool:
        """Whether the viewer may read the report (its title): one query for all the gate's reports."""
        if self.viewer is None:
            return True
        if self._readable_reports is None:
            ids = [r.pk for r in (self._reports or {}).values()]
            self._readable_reports = (
                set(self.viewer.reports.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
            )
        return report.pk in self._readable_reports

    def all_entered(self) -> tuple[bool, str]:
        if "entered" not in self._cache:
            waiting = list(
                Participation.objects.filter(phase=self.phase, mandatory=True, status=EntryStatus.PLANNED)
                .order_by("organisation__name")
                .values_list("organisation_id", "organisation__name")
            )
            names = [name for _, name in waiting]
            if waiting:
                noun = "participant has" if len(waiting) == 1 else "participants have"
                said = f"{len(waiting)} mandatory {noun} not entered"
                if self.viewer is None:
                    said += f": {_names(names, len(names))}"
                else:
                    own = [name for org, name in waiting if org in self.viewer.organisation_ids]
                    said += f", including {', '.join(own)}" if own else ""
                self._cache["entered"] = (False, said)
            else:
                self._cache["entered"] = (True, "Every mandatory participant has entered")
        return self._cache["entered"]


def _state(criterion: Criterion, rules: _Rules, report_phase_ids: set[int]) -> CriterionState:
    evidence_count = getattr(criterion, "evidence_total", None)
    if evidence_count is None:
        evidence_count = criterion.evidence.count()
    automatic = criterion.is_automatic
    if not automatic:
        status = criterion.status
        if criterion.evidence_note.strip():
            detail = criterion.evidence_note.strip()
        elif evidence_count:
            detail = f"{evidence_count} evidence file{'s' if evidence_count != 1 else ''}"
        else:
            detail = "No evidence yet"
    else:
        met, detail = _computed(criterion, rules, report_phase_ids)
        status = CriterionStatus.MET if met else CriterionStatus.NOT_MET
        if criterion.status == CriterionStatus.WAIVED:
            status = CriterionStatus.WAIVED
            reason = criterion.evidence_note.strip()
            detail = f"Waived: {reason} (computed: {detail})" if reason else f"Waived (computed: {detail})"
    blocking = criterion.mandatory and status not in (CriterionStatus.MET, CriterionStatus.WAIVED)
    return CriterionState(
        criterion=criterion,
        status=str(status),
        detail=detail,
        blocking=blocking,
        automatic=automatic,
        evidence_count=evidence_count,
    )


def _computed(criterion: Criterion, rules: _Rules, report_phase_ids: set[int]) -> tuple[bool, str]:
    rule = criterion.auto_rule
    if rule == AutoRule.NO_OPEN_CAT1:
        return rules.open_issues((1,))
    if rule == AutoRule.NO_OPEN_CAT1_2:
        return rules.open_issues((1, 2))
    if rule == AutoRule.MANDATORY_PASS_RATE:
        return rules.pass_rate(criterion.threshold)
    if rule == AutoRule.COHORT_COMPLETE:
        return rules.exit_rule()
    if rule == AutoRule.ALL_ENTERED:
        return rules.all_entered()
    if rule == AutoRule.REPORT_APPROVED:
        if criterion.rule_phase_id is None:
            return False, (
                "No phase is named whose completion report must be approved (the programme had none of "
                "that kind when the gate was made): waive it with the reason, or add a criterion naming it"
            )
        report = rules.reports(report_phase_ids).get(criterion.rule_phase_id)
        name = criterion.rule_phase.name if criterion.rule_phase_id else ""
        if report is None:
            return False, f"No approved completion report of {name} yet"
        when = f" on {report.decided_at:%d %b %Y}" if report.decided_at else ""
        if not rules.may_read(report):
            return True, f"The completion report of {name} is approved{when}"
        return True, f"{report.title} v{report.version} approved{when}"
    return False, f"Unknown rule {rule!r}"


def _criteria(gate: Gate):
    return (
        Criterion.objects.filter(gate=gate)
        .select_related("rule_phase")
        .annotate(evidence_total=Count("evidence"))
        .order_by("order", "id")
    )


def evaluate_gate(
    gate: Gate, access: Access | Viewer | None = None, *, criteria: list[Criterion] | None = None
) -> list[CriterionState]:
    """How every criterion of ``gate`` stands now, in order, as ``access`` may read it (None: the full
    detail, for actions and decision snapshots): a constant number of queries.

    ``criteria``: the gate's criteria already read (with ``evidence_total`` annotated), else they are read.
    """
    if criteria is None:
        criteria = list(_criteria(gate))
    rules = _Rules(gate.phase, viewer_for(access, gate.phase.programme_id))
    report_phase_ids = {c.rule_phase_id for c in criteria if c.auto_rule == AutoRule.REPORT_APPROVED}
    report_phase_ids.discard(None)
    return [_state(c, rules, report_phase_ids) for c in criteria]


def evaluate(criterion: Criterion, access: Access | Viewer | None = None) -> CriterionState:
    """How one criterion stands now, as ``access`` may read it (None: the full detail)."""
    phase = criterion.gate.phase
    rules = _Rules(phase, viewer_for(access, phase.programme_id))
    return _state(criterion, rules, {criterion.rule_phase_id} - {None})


def blocking(states: list[CriterionState]) -> list[CriterionState]:
    return [s for s in states if s.blocking]


def without_evidence(states: list[CriterionState]) -> list[CriterionState]:
    return [s for s in states if s.lacks_evidence]


def evaluate_gates(
    gates: list[Gate], access: Access | Viewer | None = None
) -> dict[int, list[CriterionState]]:
    """{gate id: its criteria's states} for several gates (a phase's list), as ``access`` may read them
    (None: the full detail): the criteria in one query and each rule computed once per phase, whatever the
    number of gates."""
    by_gate: dict[int, list[Criterion]] = {g.pk: [] for g in gates}
    if not gates:
        return {}
    rows = (
        Criterion.objects.filter(gate_id__in=list(by_gate))
        .select_related("rule_phase")
        .annotate(evidence_total=Count("evidence"))
        .order_by("gate_id", "order", "id")
    )
    for c in rows:
        by_gate[c.gate_id].append(c)
    report_phase_ids = {c.rule_phase_id for cs in by_gate.values() for c in cs if c.rule_phase_id}
    rules: dict[int, _Rules] = {}
    result = {}
    for gate in gates:
        if gate.phase_id not in rules:
            rules[gate.phase_id] = _Rules(gate.phase, viewer_for(access, gate.phase.programme_id))
        phase_rules = rules[gate.phase_id]
        result[gate.pk] = [_state(c, phase_rules, report_phase_ids) for c in by_gate[gate.pk]]
    return result


def post_phase_participants(phase: Phase) -> list[Participation]:
    """Under the one-cohort exit rule (TA-09): the active participants outside a completed cohort, who
    carry on "post-SIT" once the phase has exited."""
    if phase.exit_rule != ExitRule.ONE_COHORT:
        return []
    return list(
        Participation.objects.filter(phase=phase)
        .exclude(status=EntryStatus.WITHDRAWN)
        .exclude(cohort__completed_at__isnull=False)
        .select_related("organisation", "cohort", "role")
        .order_by("cohort__order", "organisation__name")
    )


def resolve_rule_phase(phase: Phase, spec: CriterionSpec) -> Phase | None:
    """The phase a checklist line's REPORT_APPROVED rule names, in ``phase``'s programme."""
    if not spec.rule_phase:
        return None
    if spec.rule_phase == "self":
        return phase
    return (
        Phase.objects.filter(programme_id=phase.programme_id, kind=spec.rule_phase)
        .exclude(pk=phase.pk)
        .order_by("-order", "-planned_start", "-id")
        .first()
    )
