"""The set-up API's shapes (replies) and inputs (bounded request bodies and queries)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema
from pydantic import WithJsonSchema

from busbar.lib.schema import Day, Id, InputSchema, Line, Name, SearchText, Text
from busbar.testing import queries
from busbar.testing import setup_queries as reads
from busbar.testing.access import access_for
from busbar.testing.api.setup._common import _cohorts
from busbar.testing.models import (
    ExitRule,
    Pairing,
    Participation,
    Phase,
    PhaseKind,
    Programme,
    ProgrammeFunction,
    Scenario,
    ScriptVersion,
)

CodePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
VersionPath = Annotated[int, Path(ge=1, le=100_000)]
Slug = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")]
ScenarioCode = Annotated[str, Field(min_length=1, max_length=40)]
Small = Annotated[int, Field(ge=0, le=1000)]
#: A pass threshold: a percentage above 0, at most 100, two decimal places.
Percent = Annotated[
    Decimal,
    Field(gt=0, le=100, max_digits=5, decimal_places=2),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 100, "multipleOf": 0.01}),
]
StepText = Annotated[str, Field(max_length=2000)]


# -- shapes -----------------------------------------------------------------------------------------------


class OrgRef(Schema):
    id: int
    name: str


class EnvironmentOut(Schema):
    id: int
    name: str
    description: str


class RoleOut(Schema):
    id: int
    code: str
    label: str
    min_per_cohort: int
    mandatory: bool
    order: int


class PartyOut(Schema):
    id: int
    organisation: OrgRef
    function: str
    label: str


class PhaseSummary(Schema):
    id: int
    programme: str = Field(..., description="The programme's code")
    code: str
    name: str
    kind: str
    status: str
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    owner: OrgRef
    grace_days: int
    grace_until: dt.date | None
    exit_rule: str
    pass_threshold: Decimal

    @staticmethod
    def resolve_programme(obj: Phase) -> str:
        return obj.programme.code


class ProgrammeSummary(Schema):
    id: int
    code: str
    name: str
    description: str
    is_active: bool


class ProgrammeDetail(ProgrammeSummary):
    phases: list[PhaseSummary]
    parties: list[PartyOut]
    participant_roles: list[RoleOut]
    environments: list[EnvironmentOut]
    your_roles: list[str] = Field(..., description="How the caller stands in the programme")
    allowed_actions: list[str] = Field(..., description="manage, specify, parties")

    @staticmethod
    def resolve_phases(obj: Programme) -> list[Phase]:
        return list(obj.phases.select_related("owner", "programme"))

    @staticmethod
    def resolve_parties(obj: Programme) -> list[Any]:
        return reads.parties_of(obj)

    @staticmethod
    def resolve_participant_roles(obj: Programme) -> list[Any]:
        return reads.roles_of(obj)

    @staticmethod
    def resolve_environments(obj: Programme) -> list[Any]:
        return list(obj.environments.all())

    @staticmethod
    def resolve_your_roles(obj: Programme, context: dict[str, Any]) -> list[str]:
        user = context["request"].user
        mine = queries.participations_visible_to(user).filter(
            phase__programme=obj, organisation_id__in=access_for(user).organisation_ids
        )
        return reads.my_roles(access_for(user), obj, list(mine))

    @staticmethod
    def resolve_allowed_actions(obj: Programme, context: dict[str, Any]) -> list[str]:
        return reads.programme_offers(access_for(context["request"].user), obj)


class CohortOut(Schema):
    id: int
    name: str
    order: int
    completed_at: dt.datetime | None
    members: int
    composition_problems: list[str] = Field(..., description="What it lacks under the cohort rule (TA-13)")


class PhaseDetail(PhaseSummary):
    description: str
    environments: list[EnvironmentOut]
    cohorts: list[CohortOut]
    allowed_actions: list[str] = Field(..., description="manage, start, close, specify")

    @staticmethod
    def resolve_environments(obj: Phase) -> list[Any]:
        return list(obj.environments.all())

    @staticmethod
    def resolve_cohorts(obj: Phase, context: dict[str, Any]) -> list[dict]:
        return _cohorts(context["request"], obj)

    @staticmethod
    def resolve_allowed_actions(obj: Phase, context: dict[str, Any]) -> list[str]:
        return reads.phase_offers(access_for(context["request"].user), obj)


class RoleRef(Schema):
    id: int
    code: str
    label: str


class CohortRef(Schema):
    id: int
    name: str


class ParticipationOut(Schema):
    id: int
    phase: int
    organisation: OrgRef
    role: RoleRef
    cohort: CohortRef | None
    mandatory: bool
    status: str
    entered_on: dt.date | None
    completed_on: dt.date | None
    notes: str

    @staticmethod
    def resolve_phase(obj: Participation) -> int:
        return obj.phase_id


class ParticipantRef(Schema):
    id: int
    organisation: OrgRef


class PairingOut(Schema):
    id: int
    phase: int
    supplier: ParticipantRef
    agent: ParticipantRef
    started_at: dt.datetime
    ended_at: dt.datetime | None
    reason: str
    ended_reason: str
    current: bool

    @staticmethod
    def resolve_phase(obj: Pairing) -> int:
        return obj.phase_id

    @staticmethod
    def resolve_current(obj: Pairing) -> bool:
        return obj.ended_at is None


class RequirementOut(Schema):
    id: int
    code: str
    title: str
    description: str
    source: str


class ImportSummary(Schema):
    rows: int
    created: int
    updated: int
    unchanged: int
    updated_codes: list[str]
    ignored_columns: list[str]


class Step(Schema):
    action: str
    expected: str


class ScenarioOut(Schema):
    id: int
    phase: int
    code: str
    title: str
    interface: str
    description: str
    mandatory: bool
    is_active: bool
    requirements: list[str] = Field(..., description="Requirement codes")
    roles: list[str] = Field(..., description="Participant role codes (none: every participant)")
    current_version: int | None

    @staticmethod
    def resolve_phase(obj: Scenario) -> int:
        return obj.phase_id

    @staticmethod
    def resolve_requirements(obj: Scenario) -> list[str]:
        return sorted(r.code for r in obj.requirements.all())

    @staticmethod
    def resolve_roles(obj: Scenario) -> list[str]:
        return sorted(r.code for r in obj.roles.all())

    @staticmethod
    def resolve_current_version(obj: Scenario) -> int | None:
        return obj.current_version.version if obj.current_version_id else None


class VersionOut(Schema):
    id: int
    version: int
    steps: list[Step]
    preconditions: str
    change_note: str
    created_by: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_created_by(obj: ScriptVersion) -> str | None:
        return obj.created_by.display_name if obj.created_by_id else None


class StepChangeOut(Schema):
    kind: Literal["same", "changed", "added", "removed"]
    old_number: int | None
    new_number: int | None
    old: Step | None
    new: Step | None


class DiffOut(Schema):
    old_version: int
    new_version: int
    preconditions_changed: bool
    counts: dict[str, int]
    steps: list[StepChangeOut]


# -- inputs -----------------------------------------------------------------------------------------------


class ProgrammeIn(InputSchema):
    code: Slug
    name: Name
    description: Text = ""


class PartyIn(InputSchema):
    organisation: Id
    function: Literal[tuple(ProgrammeFunction.values)]  # type: ignore[valid-type]
    label: Annotated[str, Field(max_length=120)] = ""


class RoleIn(InputSchema):
    code: Slug
    label: Annotated[str, Field(min_length=1, max_length=120)]
    min_per_cohort: Annotated[int, Field(ge=0, le=50)] = 0
    mandatory: bool = False
    order: Small = 0


class EnvironmentIn(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: Text = ""


class PhaseIn(InputSchema):
    code: Slug
    name: Line
    kind: Literal[tuple(PhaseKind.values)]  # type: ignore[valid-type]
    planned_start: Day
    planned_end: Day
    owner: Id | None = Field(None, description="The organisation that runs it (default: the programme's SI)")
    environments: list[Id] = Field(default_factory=list, max_length=50)
    exit_rule: Literal[tuple(ExitRule.values)] = ExitRule.ONE_COHORT  # type: ignore[valid-type]
    grace_days: Annotated[int, Field(ge=0, le=366)] = 0
    pass_threshold: Percent = Decimal(95)
    order: Small = 0
    description: Text = ""


class PhaseChangeIn(InputSchema):
    name: Line | None = None
    planned_start: Day | None = None
    planned_end: Day | None = None
    owner: Id | None = None
    environments: list[Id] | None = Field(None, max_length=50)
    exit_rule: Literal[tuple(ExitRule.values)] | None = None  # type: ignore[valid-type]
    grace_days: Annotated[int, Field(ge=0, le=366)] | None = None
    pass_threshold: Percent | None = None
    description: Text | None = None


class PhaseStartIn(InputSchema):
    on: Day | None = Field(None, description="The first day (default today)")
    not_ready: list[Id] = Field(
        default_factory=list, max_length=500, description="Participations that are not ready on day 1"
    )


class CloseIn(InputSchema):
    on: Day | None = None
    note: Text = ""


class CohortIn(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    order: Small = 0


class ParticipationIn(InputSchema):
    organisation: Id
    role: Annotated[str, Field(min_length=1, max_length=40, description="Participant role code")]
    cohort: Id | None = None
    mandatory: bool | None = Field(None, description="Default: the role's (central parties are mandatory)")
    notes: Text = ""


class MoveIn(InputSchema):
    cohort: Id | None = Field(..., description="The cohort's id, or null for none")


class EnterIn(InputSchema):
    on: Day | None = Field(None, description="The day it enters (default today)")


class SetupReasonIn(InputSchema):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class MandatoryIn(InputSchema):
    mandatory: bool


class PairIn(InputSchema):
    supplier: Id = Field(..., description="The supplier's participation id")
    agent: Id = Field(..., description="The agent's participation id")
    reason: Annotated[str, Field(max_length=500)] = ""


class RearrangeIn(InputSchema):
    agent: Id = Field(..., description="The new agent's participation id")
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class StepIn(InputSchema):
    action: StepText
    expected: StepText = ""


class ScenarioIn(InputSchema):
    code: ScenarioCode
    title: Annotated[str, Field(min_length=1, max_length=300)]
    interface: Annotated[str, Field(max_length=40)] = ""
    description: Text = ""
    mandatory: bool = True
    requirements: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=200)
    roles: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=50)
    steps: list[StepIn] = Field(..., min_length=1, max_length=200)
    preconditions: Text = ""


class ScenarioChangeIn(InputSchema):
    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    interface: Annotated[str, Field(max_length=40)] | None = None
    description: Text | None = None
    mandatory: bool | None = None
    is_active: bool | None = None
    requirements: list[Annotated[str, Field(max_length=40)]] | None = Field(None, max_length=200)
    roles: list[Annotated[str, Field(max_length=40)]] | None = Field(None, max_length=50)


class ScriptIn(InputSchema):
    steps: list[StepIn] = Field(..., min_length=1, max_length=200)
    preconditions: Text = ""
    change_note: Annotated[str, Field(max_length=300)] = ""


class ScenarioFilters(Schema):
    interface: Annotated[str, Field(max_length=40)] | None = None
    mandatory: bool | None = None
    q: SearchText | None = None


class RequirementFilters(Schema):
    q: SearchText | None = Field(None, description="Words in the code or title")


class PairingFilters(Schema):
    current: bool | None = Field(None, description="Only current (true) or ended (false) pairings")


class DiffQuery(Schema):
    old: Annotated[int, Field(ge=1, le=100_000, alias="from")]
    new: Annotated[int, Field(ge=1, le=100_000, alias="to")]
