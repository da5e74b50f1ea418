"""The qualification API (``/api/v1/migration/qualification/…``): the window, its tranches and capacities,
the entrants (only those the caller sees: 404 for the rest), their readiness and agents, the moves through
qualification, the SIT exemption and go-live eligibility (QM-04, QM-05, QM-08, QM-13).

Reads start from :mod:`busbar.migration.queries`; changes go through
:mod:`busbar.migration.actions.qualification` (403 for who, 409 for a status change the table forbids,
422 naming the field for bad input, nothing written)."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError, Actor
from busbar.lib.limits import MAX_ID
from busbar.lib.pagination import Page
from busbar.lib.schema import Day, Id, InputSchema
from busbar.migration import common, queries
from busbar.migration.actions import qualification as act
from busbar.migration.eligibility import agents_prefetch, eligibility, eligibility_for
from busbar.migration.models import (
    CodeBody,
    EntrantKind,
    Tranche,
    TrancheCapacity,
)
from busbar.migration.views.qualification import change_status

router = Router(tags=["Qualification and migration"])

Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
EntrantId = Annotated[int, Path(ge=1, le=MAX_ID)]
Volume = Annotated[int, Field(ge=0, le=common.MAX_VOLUME)]
Portfolio = Annotated[int, Field(ge=1, le=common.MAX_VOLUME)]
Participants = Annotated[int, Field(ge=0, le=act.MAX_PARTICIPANTS)]
Kind = Literal[tuple(EntrantKind.values)]  # type: ignore[valid-type]
StatusTarget = Literal["qualifying", "qualified", "withdrawn", "needs", "live"]


# Schemas ------------------------------------------------------------------------------------------------


class QualificationCodeBodyOut(Schema):
    id: int
    name: str
    organisation: str


class QualificationCapacityOut(Schema):
    code_body_id: int
    code_body: str
    max_participants: int
    used: int


class QualificationTrancheOut(Schema):
    id: int
    number: int
    name: str
    starts: dt.date
    ends: dt.date
    capacity: int = Field(..., description="The most participants in all (0: only the code bodies' limits)")
    capacities: list[QualificationCapacityOut]
    entrants: int


class QualificationWindowOut(Schema):
    programme: str
    opens: dt.date
    closes: dt.date
    sit_phase: str | None
    risk_cutoff: dt.date
    large_portfolio: int
    medium_portfolio: int
    committed_policy: str
    code_bodies: list[QualificationCodeBodyOut]


class QualificationWindowIn(InputSchema):
    opens: Day
    closes: Day
    risk_cutoff: Day
    sit_phase: Id | None = None
    large_portfolio: Portfolio = 1_000_000
    medium_portfolio: Portfolio = 100_000


class QualificationWindowPatch(InputSchema):
    opens: Day | None = None
    closes: Day | None = None
    risk_cutoff: Day | None = None
    sit_phase: Id | None = None
    large_portfolio: Portfolio | None = None
    medium_portfolio: Portfolio | None = None


class QualificationTrancheIn(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=act.NAME_MAX)]
    starts: Day
    ends: Day
    capacity: Participants = 0
    number: Annotated[int, Field(ge=1, le=act.MAX_TRANCHE_NUMBER)] | None = None


class QualificationCapacityIn(InputSchema):
    code_body: Id
    max_participants: Participants | None = Field(None, description="null: no limit")


class QualificationStepOut(Schema):
    label: str
    done: bool
    detail: str


class QualificationEligibilityOut(Schema):
    entrant_id: int
    organisation: str
    kind: str
    status: str
    eligible: bool
    steps: list[QualificationStepOut]
    missing: list[str]


class QualificationAgentOut(Schema):
    id: int
    organisation: str
    status: str


class QualificationEntrantOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    kind: str
    market_role: str
    code_body: str | None
    status: str
    tranche: str | None
    tranche_starts: dt.date | None
    tranche_ends: dt.date | None
    smart: int
    non_smart: int
    advanced: int
    unmetered: int
    portfolio: int
    ready_on: dt.date | None
    agents: list[QualificationAgentOut]
    sit_completed_on: dt.date | None
    exemption_reference: str
    exemption_confirmed_at: dt.datetime | None
    qualified_on: dt.date | None
    systems_live_on: dt.date | None
    e2e_required: bool
    e2e_completed_on: dt.date | None
    live_on: dt.date | None
    eligible: bool
    missing: list[str]


class QualificationEntrantIn(InputSchema):
    organisation: Id
    kind: Kind
    market_role: Annotated[str, Field(max_length=act.ROLE_MAX)] = ""
    code_body: Id | None = None
    smart: Volume = 0
    non_smart: Volume = 0
    advanced: Volume = 0
    unmetered: Volume = 0
    ready_on: Day | None = None
    e2e_required: bool = False
    notes: Annotated[str, Field(max_length=act.NOTES_MAX)] = ""


class QualificationEntrantPatch(InputSchema):
    """Readiness fields (the participant itself or the managers), ``agents`` (a supplier's, the same), and
    the managers' fields; all or nothing."""

    ready_on: Day | None = None
    systems_live_on: Day | None = None
    e2e_completed_on: Day | None = None
    agents: Annotated[list[Id], Field(max_length=act.MAX_AGENTS)] | None = None
    kind: Kind | None = None
    market_role: Annotated[str, Field(max_length=act.ROLE_MAX)] | None = None
    code_body: Id | None = None
    smart: Volume | None = None
    non_smart: Volume | None = None
    advanced: Volume | None = None
    unmetered: Volume | None = None
    e2e_required: bool | None = None
    sit_completed_on: Day | None = None
    notes: Annotated[str, Field(max_length=act.NOTES_MAX)] | None = None


class QualificationStatusIn(InputSchema):
    to: StatusTarget
    on: Day | None = Field(None, description="The qualified or live date (default today)")


# Shaping ------------------------------------------------------------------------------------------------


def _window_out(window: Any) -> dict:
    bodies = CodeBody.objects.filter(window=window).select_related("organisation").order_by("name")
    return {
        "programme": window.programme.code,
        "opens": window.opens,
        "closes": window.closes,
        "sit_phase": window.sit_phase.name if window.sit_phase_id else None,
        "risk_cutoff": window.risk_cutoff,
        "large_portfolio": window.large_portfolio,
        "medium_portfolio": window.medium_portfolio,
        "committed_policy": window.committed_policy,
        "code_bodies": [{"id": b.pk, "name": b.name, "organisation": b.organisation.name} for b in bodies],
    }


def _entrant_out(e: Any, today: dt.date) -> dict:
    verdict = eligibility(e, today=today)
    agents = list(e.agents.all()) if e.kind == EntrantKind.SUPPLIER else []
    return {
        "id": e.pk,
        "organisation_id": e.organisation_id,
        "organisation": e.organisation.name,
        "kind": e.kind,
        "market_role": e.market_role,
        "code_body": e.code_body.name if e.code_body_id else None,
        "status": e.status,
        "tranche": e.tranche.name if e.tranche_id else None,
        "tranche_starts": e.tranche.starts if e.tranche_id else None,
        "tranche_ends": e.tranche.ends if e.tranche_id else None,
        "smart": e.smart,
        "non_smart": e.non_smart,
        "advanced": e.advanced,
        "unmetered": e.unmetered,
        "portfolio": e.portfolio,
        "ready_on": e.ready_on,
        "agents": [{"id": a.pk, "organisation": a.organisation.name, "status": a.status} for a in agents],
        "sit_completed_on": e.sit_completed_on,
        "exemption_reference": e.exemption_reference,
        "exemption_confirmed_at": e.exemption_confirmed_at,
        "qualified_on": e.qualified_on,
        "systems_live_on": e.systems_live_on,
        "e2e_required": e.e2e_required,
        "e2e_completed_on": e.e2e_completed_on,
        "live_on": e.live_on,
        "eligible": verdict.eligible,
        "missing": [s.label for s in verdict.missing],
    }


def _eligibility_out(verdict: Any) -> dict:
    e = verdict.entrant
    return {
        "entrant_id": e.pk,
        "organisation": e.organisation.name,
        "kind": e.kind,
        "status": e.status,
        "eligible": verdict.eligible,
        "steps": [{"label": s.label, "done": s.done, "detail": s.detail} for s in verdict.steps],
        "missing": [s.label for s in verdict.missing],
    }


def _window(request: HttpRequest, code: str) -> Any:
    window = queries.windows_visible_to(request.user).filter(programme__code=code).first()
    if window is None:
        raise Http404
    return window


def _entrants(request: HttpRequest, code: str) -> Any:
    return (
        queries.entrants_visible_to(request.user)
        .filter(window__programme__code=code)
        .select_related("window__programme")
        .prefetch_related(agents_prefetch())
        .order_by("organisation__name", "kind", "pk")
    )


def _entrant(request: HttpRequest, code: str, entrant_id: int) -> Any:
    entrant = _entrants(request, code).filter(pk=entrant_id).first()
    if entrant is None:
        raise Http404
    return entrant


def _fresh(request: HttpRequest, code: str, entrant_id: int) -> dict:
    return _entrant_out(_entrant(request, code, entrant_id), common.today())


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


# The window ---------------------------------------------------------------------------------------------


@router.get(
    "/migration/qualification/{code}",
    response=QualificationWindowOut,
    summary="A programme's qualification window",
    operation_id="migration_qualification_window",
)
def get_window(request: HttpRequest, code: Code) -> Any:
    return _window_out(_window(request, code))


@router.post(
    "/migration/qualification/{code}",
    response={201: QualificationWindowOut},
    summary="Open a programme's qualification window (migration managers; at most 12 months)",
    operation_id="migration_qualification_create_window",
)
def create_window(request: HttpRequest, code: Code, payload: QualificationWindowIn) -> Status:
    from busbar.testing.models import Programme

    programme = Programme.objects.filter(code=code).first()
    v = queries.viewer(request.user)
    if programme is None or not (v.reads_programme(programme.pk) or v.manages_programme(programme.pk)):
        raise Http404
    window = act.create_window(actor=_actor(request), programme=programme, **payload.dict())
    return Status(201, _window_out(window))


@router.patch(
    "/migration/qualification/{code}",
    response=QualificationWindowOut,
    summary="Change the qualification window (migration managers)",
    operation_id="migration_qualification_update_window",
)
def update_window(request: HttpRequest, code: Code, payload: QualificationWindowPatch) -> Any:
    window = _window(request, code)
    window = act.update_window(actor=_actor(request), window=window, **payload.dict(exclude_unset=True))
    return _window_out(window)


# Tranches -----------------------------------------------------------------------------------------------


def _tranches_out(window: Any) -> list[dict]:
    tranches = (
        Tranche.objects.filter(window=window)
        .prefetch_related(
            "entrants",
            Prefetch("capacities", queryset=TrancheCapacity.objects.select_related("code_body")),
        )
        .order_by("number")
    )
    out = []
    for t in tranches:
        placed = list(t.entrants.all())
        out.append(
            {
                "id": t.pk,
                "number": t.number,
                "name": t.name,
                "starts": t.starts,
                "ends": t.ends,
                "capacity": t.capacity,
                "entrants": len(placed),
                "capacities": [
                    {
                        "code_body_id": c.code_body_id,
                        "code_body": c.code_body.name,
                        "max_participants": c.max_participants,
                        "used": sum(1 for e in placed if e.code_body_id == c.code_body_id),
                    }
                    for c in t.capacities.all()
                ],
            }
        )
    return out


@router.get(
    "/migration/qualification/{code}/tranches",
    response=list[QualificationTrancheOut],
    summary="The window's tranches with their dates and capacities per code body",
    operation_id="migration_qualification_tranches",
)
def list_tranches(request: HttpRequest, code: Code) -> Any:
    return _tranches_out(_window(request, code))


@router.post(
    "/migration/qualification/{code}/tranches",
    response={201: QualificationTrancheOut},
    summary="Add a tranche inside the window (migration managers)",
    operation_id="migration_qualification_add_tranche",
)
def add_tranche(request: HttpRequest, code: Code, payload: QualificationTrancheIn) -> Status:
    window = _window(request, code)
    tranche = act.add_tranche(actor=_actor(request), window=window, **payload.dict())
    return Status(201, next(t for t in _tranches_out(window) if t["id"] == tranche.pk))


@router.put(
    "/migration/qualification/{code}/tranches/{tranche_id}/capacity",
    response=QualificationTrancheOut,
    summary="Set how many participants a code body takes in a tranche (QM-08; null: no limit)",
    operation_id="migration_qualification_set_capacity",
)
def set_capacity(
    request: HttpRequest,
    code: Code,
    tranche_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    payload: QualificationCapacityIn,
) -> Any:
    window = _window(request, code)
    tranche = Tranche.objects.filter(window=window, pk=tranche_id).first()
    if tranche is None:
        raise Http404
    act.set_capacity(
        actor=_actor(request),
        tranche=tranche,
        code_body=payload.code_body,
        max_participants=payload.max_participants,
    )
    return next(t for t in _tranches_out(window) if t["id"] == tranche.pk)


# Entrants -----------------------------------------------------------------------------------------------


@router.get(
    "/migration/qualification/{code}/entrants",
    response=list[QualificationEntrantOut],
    summary="The window's entrants the caller sees (programme and code bodies: all; a participant: its own)",
    operation_id="migration_qualification_entrants",
)
@paginate(Page)
def list_entrants(request: HttpRequest, code: Code) -> Any:
    _window(request, code)
    return _EntrantRows(_entrants(request, code))


class _EntrantRows:
    """The entrants queryset, shaped per page (eligibility from the prefetched agents: no query a row)."""

    def __init__(self, qs: Any) -> None:
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[dict]:
        today = common.today()
        return [_entrant_out(e, today) for e in self.qs[key]]


@router.post(
    "/migration/qualification/{code}/entrants",
    response={201: QualificationEntrantOut},
    summary="Add a participant needing qualification (migration managers)",
    operation_id="migration_qualification_add_entrant",
)
def add_entrant(request: HttpRequest, code: Code, payload: QualificationEntrantIn) -> Status:
    window = _window(request, code)
    entrant = act.add_entrant(actor=_actor(request), window=window, **payload.dict())
    return Status(201, _fresh(request, code, entrant.pk))


@router.get(
    "/migration/qualification/{code}/entrants/{entrant_id}",
    response=QualificationEntrantOut,
    summary="One entrant: status, tranche, readiness, agents, eligibility",
    operation_id="migration_qualification_entrant",
)
def get_entrant(request: HttpRequest, code: Code, entrant_id: EntrantId) -> Any:
    return _fresh(request, code, entrant_id)


_READINESS = ("ready_on", "systems_live_on", "e2e_completed_on")
_MANAGED = (
    "kind",
    "market_role",
    "code_body",
    "smart",
    "non_smart",
    "advanced",
    "unmetered",
    "e2e_required",
    "sit_completed_on",
    "notes",
)


@router.patch(
    "/migration/qualification/{code}/entrants/{entrant_id}",
    response=QualificationEntrantOut,
    summary="Change an entrant: readiness and agents (the participant or the managers), the rest (managers)",
    operation_id="migration_qualification_update_entrant",
)
def update_entrant(
    request: HttpRequest, code: Code, entrant_id: EntrantId, payload: QualificationEntrantPatch
) -> Any:
    entrant = _entrant(request, code, entrant_id)
    given = payload.dict(exclude_unset=True)
    actor = _actor(request)
    readiness = {k: given.pop(k) for k in _READINESS if k in given}
    agents = given.pop("agents", None) if "agents" in given else None
    managed = {k: given[k] for k in _MANAGED if k in given}
    with transaction.atomic():
        if managed:
            if managed.get("kind") is None:
                managed.pop("kind", None)
            act.update_entrant(actor=actor, entrant=entrant, **managed)
        if readiness:
            act.update_readiness(actor=actor, entrant=entrant, **readiness)
        if agents is not None:
            act.set_agents(actor=actor, supplier=entrant, agents=agents)
        if not (managed or readiness or agents is not None):
            raise ActionError("Nothing to change", field="ready_on")
    return _fresh(request, code, entrant_id)


@router.post(
    "/migration/qualification/{code}/entrants/{entrant_id}/status",
    response=QualificationEntrantOut,
    summary="Move an entrant through qualification (its code body or managers; live: managers, if eligible)",
    operation_id="migration_qualification_entrant_status",
)
def entrant_status(
    request: HttpRequest, code: Code, entrant_id: EntrantId, payload: QualificationStatusIn
) -> Any:
    entrant = _entrant(request, code, entrant_id)
    change_status(actor=_actor(request), entrant=entrant, to=payload.to, on=payload.on)
    return _fresh(request, code, entrant_id)


@router.post(
    "/migration/qualification/{code}/entrants/{entrant_id}/exemption",
    response=QualificationEntrantOut,
    summary="Confirm a SIT exemption from qualification testing (QM-04; migration managers)",
    operation_id="migration_qualification_confirm_exemption",
)
def confirm_exemption(request: HttpRequest, code: Code, entrant_id: EntrantId) -> Any:
    entrant = _entrant(request, code, entrant_id)
    act.confirm_exemption(actor=_actor(request), entrant=entrant)
    return _fresh(request, code, entrant_id)


@router.get(
    "/migration/qualification/{code}/entrants/{entrant_id}/eligibility",
    response=QualificationEligibilityOut,
    summary="Whether the entrant may go live (QM-13) and the missing steps",
    operation_id="migration_qualification_entrant_eligibility",
)
def entrant_eligibility(request: HttpRequest, code: Code, entrant_id: EntrantId) -> Any:
    return _eligibility_out(eligibility(_entrant(request, code, entrant_id)))


@router.get(
    "/migration/qualification/{code}/eligibility",
    response=list[QualificationEligibilityOut],
    summary="Go-live eligibility of every supplier the caller sees",
    operation_id="migration_qualification_eligibility",
)
@paginate(Page)
def window_eligibility(request: HttpRequest, code: Code) -> Any:
    _window(request, code)
    return _EligibilityRows(_entrants(request, code).filter(kind=EntrantKind.SUPPLIER))


class _EligibilityRows(_EntrantRows):
    def __getitem__(self, key: slice) -> list[dict]:
        verdicts = eligibility_for(self.qs[key], today=common.today())
        return [_eligibility_out(v) for v in verdicts.values()]
