"""Who sees what of qualification and migration (issue 16, item 7).

* **The programme** (the organisations holding a read-all function in a programme — SI, assurer,
  programme manager, design authority, board — and the central desk and platform administrators) sees
  everything: every entrant, tranche, plan, threshold, MPAN, load, exception and cleanse item.
* **Migration managers** (the SI and the programme manager of the programme, and platform
  administrators) also change the programme's data: windows, tranches, allocation, thresholds, plan
  acceptance and re-profiling, exceptions (see ``permissions``).
* **A code body** (an organisation named as one in a qualification window) sees that window's entrants
  and tranches, and moves the entrants it manages through qualification.
* **A supplier** sees its own entrant, tranche and status, its plans, its MPANs, its loads, its exceptions
  and its cleanse items, and the thresholds that apply to it (the industry-wide caps, and its envelope).
* **A DNO** (an organisation with a ``distributor_id`` identifier) sees the MPANs in its area(s), the daily
  progress of its area, and the exceptions with MPANs in its area.
* **An agent** sees the MPANs it is appointed to, and exceptions naming it.
* Nobody else sees anything (404).

:func:`viewer` computes what a person is here once per request (two small queries, cached on the user);
the kernel's ``exceptions_visible_to`` costs no query (subqueries only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from busbar.parties.queries import Scope, scope_for, scope_of

#: Programme functions whose holders read everything (as in busbar.testing.access).
READ_ALL_FUNCTIONS = ("si", "assurer", "programme_manager", "design_authority", "board")
#: Programme functions whose holders manage the migration (with platform administrators).
MANAGER_FUNCTIONS = ("si", "programme_manager")


@dataclass(frozen=True)
class Viewer:
    """What one person is in qualification and migration."""

    scope: Scope
    #: Programmes whose everything this person reads / manages.
    reads: frozenset[int] = frozenset()
    manages: frozenset[int] = frozenset()
    #: Reads every programme (central desk, platform administrators, the system).
    central: bool = False
    #: Platform administrators and the system manage every programme.
    admin: bool = False
    #: Qualification windows in which one of the person's organisations is a code body: window id -> code
    #: body ids.
    code_bodies: dict[int, frozenset[int]] = field(default_factory=dict)
    #: Distributor IDs (2 digits) of the person's organisations (DNOs).
    distributors: frozenset[str] = frozenset()

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(self.scope.organisation_ids)

    @property
    def user_id(self) -> int | None:
        return self.scope.user_id

    @property
    def is_authenticated(self) -> bool:
        return self.central or self.scope.is_authenticated

    @property
    def reads_all(self) -> bool:
        """Reads everything in some programme (the ledger is one, industry-wide)."""
        return self.central or bool(self.reads)

    @property
    def manages_any(self) -> bool:
        return self.admin or bool(self.manages)

    def reads_programme(self, programme_id: int) -> bool:
        return self.central or programme_id in self.reads

    def manages_programme(self, programme_id: int) -> bool:
        return self.admin or programme_id in self.manages

    def is_code_body_of(self, window_id: int) -> bool:
        return window_id in self.code_bodies


SYSTEM_VIEWER: Viewer | None = None


def _build(scope: Scope) -> Viewer:
    from busbar.migration.models import CodeBody
    from busbar.parties.models import Identifier, IdentifierScheme
    from busbar.testing.models import ProgrammeParty

    central = scope.is_central
    admin = scope.is_platform_admin
    if not scope.organisation_ids:
        return Viewer(scope=scope, central=central, admin=admin)
    reads: set[int] = set()
    manages: set[int] = set()
    for programme_id, function in ProgrammeParty.objects.filter(
        organisation_id__in=scope.organisation_ids, function__in=READ_ALL_FUNCTIONS
    ).values_list("programme_id", "function"):
        reads.add(programme_id)
        if function in MANAGER_FUNCTIONS:
            manages.add(programme_id)
    code_bodies: dict[int, set[int]] = {}
    for window_id, body_id in CodeBody.objects.filter(organisation_id__in=scope.organisation_ids).values_list(
        "window_id", "pk"
    ):
        code_bodies.setdefault(window_id, set()).add(body_id)
    distributors = frozenset(
        Identifier.objects.filter(
            organisation_id__in=scope.organisation_ids, scheme=IdentifierScheme.DISTRIBUTOR_ID
        ).values_list("value", flat=True)
    )
    return Viewer(
        scope=scope,
        reads=frozenset(reads),
        manages=frozenset(manages),
        central=central,
        admin=admin,
        code_bodies={k: frozenset(v) for k, v in code_bodies.items()},
        distributors=distributors,
    )


def viewer(user: Any) -> Viewer:
    """The person's viewer, cached on the user object for the rest of the request."""
    scope = scope_for(user)
    if not scope.is_authenticated:
        return Viewer(scope=scope)
    cached = getattr(user, "_busbar_migration_viewer", None)
    if cached is not None and cached.scope == scope:
        return cached
    built = _build(scope)
    user._busbar_migration_viewer = built
    return built


def viewer_of(actor: Any) -> Viewer:
    """The viewer an action checks: the acting user's; with no user (the system), one that reads and
    manages everything."""
    if actor.user is None:
        scope = scope_of(actor)
        return Viewer(scope=scope, central=True, admin=True)
    return viewer(actor.user)


def forget_viewer(user: Any) -> None:
    if hasattr(user, "_busbar_migration_viewer"):
        del user._busbar_migration_viewer


def show_nav(scope: Scope) -> bool:
    """The navigation entry: for anyone in an organisation (costs no query; the page says what there is)."""
    return bool(scope.organisation_ids) or scope.is_central


# Qualification ------------------------------------------------------------------------------------------


def windows_visible_to(user: Any) -> QuerySet:
    """Qualification windows: the programme's readers, the window's code bodies, and its entrants."""
    from busbar.migration.models import QualificationWindow

    qs = QualificationWindow.objects.select_related("programme", "sit_phase")
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.central:
        return qs
    return qs.filter(
        Q(programme_id__in=v.reads)
        | Q(pk__in=list(v.code_bodies))
        | Q(entrants__organisation_id__in=v.organisation_ids)
    ).distinct()


def entrants_visible_to(user: Any) -> QuerySet:
    """Entrants: all of a window to its programme's readers and its code bodies; otherwise one's own."""
    from busbar.migration.models import Entrant

    qs = Entrant.objects.select_related("organisation", "tranche", "code_body", "window")
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.central:
        return qs
    return qs.filter(
        Q(window__programme_id__in=v.reads)
        | Q(window_id__in=list(v.code_bodies))
        | Q(organisation_id__in=v.organisation_ids)
    )


def tranches_visible_to(user: Any) -> QuerySet:
    """Tranches of the windows the person sees (their dates and capacity are the programme's schedule)."""
    from busbar.migration.models import Tranche

    return Tranche.objects.filter(window__in=windows_visible_to(user).values("pk")).select_related("window")


def decisions_visible_to(user: Any) -> QuerySet:
    """Allocation decisions: the programme's readers and code bodies (they hold every entrant's placing)."""
    from busbar.migration.models import AllocationDecision

    qs = AllocationDecision.objects.select_related("window", "decided_by")
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.central:
        return qs
    return qs.filter(Q(window__programme_id__in=v.reads) | Q(window_id__in=list(v.code_bodies)))


# Plans and thresholds -----------------------------------------------------------------------------------


def plans_visible_to(user: Any) -> QuerySet:
    """Migration plans: the programme's readers all; a supplier its own."""
    from busbar.migration.models import MigrationPlan

    qs = MigrationPlan.objects.select_related("supplier", "programme")
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.central:
        return qs
    return qs.filter(Q(programme_id__in=v.reads) | Q(supplier_id__in=v.organisation_ids))


def plan_lines_visible_to(user: Any) -> QuerySet:
    """Plan lines: those of visible plans; a DNO also the lines in its area, an agent those naming it
    (their load, without the other lines of the plan)."""
    from busbar.migration.models import PlanLine

    qs = PlanLine.objects.all()
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.central:
        return qs
    return qs.filter(
        Q(plan__programme_id__in=v.reads)
        | Q(plan__supplier_id__in=v.organisation_ids)
        | Q(distributor__in=v.distributors)
        | Q(agent_id__in=v.organisation_ids)
    )


def thresholds_visible_to(user: Any) -> QuerySet:
    """Thresholds: the programme's readers all; anyone else signed in in an organisation the industry-wide
    and distributor caps, the agent caps naming its organisation and its own supplier envelope."""
    from busbar.migration.models import Threshold, ThresholdScope

    qs = Threshold.objects.select_related("organisation", "programme")
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.central:
        return qs
    return qs.filter(
        Q(programme_id__in=v.reads)
        | Q(scope__in=(ThresholdScope.INDUSTRY, ThresholdScope.DISTRIBUTOR))
        | Q(organisation_id__in=v.organisation_ids)
    )


def segment_windows_visible_to(user: Any) -> QuerySet:
    """Segment windows (M11/M12–M14–M15) are the programme's published dates: anyone signed in."""
    from busbar.migration.models import SegmentWindow

    qs = SegmentWindow.objects.select_related("programme")
    return qs if viewer(user).is_authenticated else qs.none()


# The ledger ---------------------------------------------------------------------------------------------


def mpan_rule(v: Viewer) -> Q | None:
    """The rule on ledger rows (and on anything keyed like them: supplier, distributor, agent) for ``v``;
    None: every row."""
    if v.reads_all:
        return None
    return (
        Q(supplier_id__in=v.organisation_ids)
        | Q(distributor__in=v.distributors)
        | Q(agent_id__in=v.organisation_ids)
    )


def mpans_visible_to(user: Any) -> QuerySet:
    """MPANs: the programme all; a supplier its own, a DNO those in its area, an agent those it serves."""
    from busbar.migration.models import Mpan

    qs = Mpan.objects.all()
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    rule = mpan_rule(v)
    return qs if rule is None else qs.filter(rule)


def progress_visible_to(user: Any) -> QuerySet:
    """Daily aggregates: the programme all; a supplier its own rows; a DNO its area's rows."""
    from busbar.migration.models import DailyProgress

    qs = DailyProgress.objects.all()
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.reads_all:
        return qs
    return qs.filter(Q(supplier_id__in=v.organisation_ids) | Q(distributor__in=v.distributors))


def loads_visible_to(user: Any) -> QuerySet:
    """Loads of daily files: the programme all; an organisation its own."""
    from busbar.migration.models import LedgerLoad

    qs = LedgerLoad.objects.select_related("organisation", "uploaded_by")
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.reads_all:
        return qs
    return qs.filter(organisation_id__in=v.organisation_ids)


def exceptions_visible_to(user: Any) -> QuerySet:
    """Exceptions (the kernel's rule, no query): the programme's readers (any read-all function), the
    desk; the supplier's people; a DNO with an MPAN of the exception in its area; an agent named."""
    from busbar.migration.models import ExceptionMpan, MigrationException
    from busbar.parties.models import Identifier, IdentifierScheme
    from busbar.testing.models import ProgrammeParty

    qs = MigrationException.objects.select_related("record", "supplier")
    scope = scope_for(user)
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    orgs = scope.organisation_ids
    reader = Exists(ProgrammeParty.objects.filter(organisation_id__in=orgs, function__in=READ_ALL_FUNCTIONS))
    areas = Identifier.objects.filter(organisation_id__in=orgs, scheme=IdentifierScheme.DISTRIBUTOR_ID)
    in_area = Exists(
        ExceptionMpan.objects.filter(exception_id=OuterRef("pk"), distributor__in=areas.values("value"))
    )
    named = Exists(ExceptionMpan.objects.filter(exception_id=OuterRef("pk"), agent_id__in=orgs))
    return qs.filter(reader | Q(supplier_id__in=orgs) | in_area | named)


#: How an exception's history is redacted for those who do not work it (records.queries.redact_timeline).
EXCEPTION_TIMELINE = {
    "link_actions": frozenset({"migration_exception.link"}),
    "private_actions": frozenset({"migration.note_exception"}),
    "private_changes": frozenset({"mpans"}),
    "public_notes": frozenset({"migration.investigate_exception", "migration.reopen_exception"}),
}


def exception_items_visible_to(user: Any, exception: Any) -> QuerySet:
    """The MPANs of an exception the person sees: all for the programme and the supplier; a DNO those in
    its area; an agent those naming it."""
    from busbar.migration.models import ExceptionMpan

    qs = ExceptionMpan.objects.filter(exception=exception)
    v = viewer(user)
    if v.reads_all or exception.supplier_id in v.organisation_ids:
        return qs
    return qs.filter(Q(distributor__in=v.distributors) | Q(agent_id__in=v.organisation_ids))


def works_on_exception(user: Any, exception: Any) -> bool:
    """Who works an exception (reads internal notes): the migration managers and the supplier."""
    v = viewer(user)
    return v.manages_any or exception.supplier_id in v.organisation_ids


# Data cleanse -------------------------------------------------------------------------------------------


def cleanse_visible_to(user: Any) -> QuerySet:
    """Cleanse items: the programme's readers all; an organisation its own."""
    from busbar.migration.models import CleanseItem

    qs = CleanseItem.objects.select_related("organisation", "category")
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    if v.central:
        return qs
    return qs.filter(Q(category__programme_id__in=v.reads) | Q(organisation_id__in=v.organisation_ids))


# Cut-overs ----------------------------------------------------------------------------------------------


def cutovers_visible_to(user: Any) -> QuerySet:
    """Recorded cut-overs (that a segment's cut-over was taken, and when) are programme facts: anyone
    signed in. Their counts are read through :func:`cutover_counts_visible_to`."""
    from busbar.migration.models import Cutover

    qs = Cutover.objects.select_related("programme")
    return qs if viewer(user).is_authenticated else qs.none()


def cutover_counts_visible_to(user: Any) -> QuerySet:
    """A cut-over's counts by supplier, distributor and agent, keyed like the ledger (:func:`mpan_rule`):
    the programme all; a supplier its own, a DNO its area's, an agent those it serves."""
    from busbar.migration.models import CutoverCount

    qs = CutoverCount.objects.all()
    v = viewer(user)
    if not v.is_authenticated:
        return qs.none()
    rule = mpan_rule(v)
    return qs if rule is None else qs.filter(rule)


def cutover_totals(user: Any, cutover_ids: list[int]) -> dict[int, dict[str, int]]:
    """cutover id -> {"in_flight", "not_migrated", "migrated"} that ``user`` may see (one query)."""
    from django.db.models import Sum

    totals = {pk: {"in_flight": 0, "not_migrated": 0, "migrated": 0} for pk in cutover_ids}
    if not cutover_ids:
        return totals
    rows = (
        cutover_counts_visible_to(user)
        .filter(cutover_id__in=cutover_ids)
        .values("cutover_id")
        .annotate(f=Sum("in_flight"), n=Sum("not_migrated"), m=Sum("migrated"))
        .order_by()
    )
    for r in rows:
        totals[r["cutover_id"]] = {
            "in_flight": r["f"] or 0,
            "not_migrated": r["n"] or 0,
            "migrated": r["m"] or 0,
        }
    return totals
