"""The plan API's schemas (each named ``GovPlan…``: schema names are unique across the whole API)."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from busbar.lib.schema import Day, Id, InputSchema, Text
from busbar.programmes.actions import plan as actions
from busbar.programmes.models import MilestoneKind, Rag, TaskMode

MilestoneCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
PhaseCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Order = Annotated[int, Field(ge=0, le=actions.ORDER_MAX)]
BaselineNumber = Annotated[int, Field(ge=1, le=32_767)]
RagValue = Literal[tuple(Rag.values)]  # type: ignore[valid-type]
KindValue = Literal[tuple(MilestoneKind.values)]  # type: ignore[valid-type]
ModeValue = Literal[tuple(TaskMode.values)]  # type: ignore[valid-type]


def _str(limit: int, *, min_length: int = 0) -> Any:
    return Annotated[str, Field(min_length=min_length, max_length=limit)]


# -- output ----------------------------------------------------------------------------------------------


class GovPlanSlipOut(Schema):
    organisation: int
    organisation_name: str
    milestone: str = Field(..., description="The participant's milestone")
    date: dt.date
    working_days_after: int


class GovPlanMilestoneOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    phase: str | None = Field(..., description="The phase's code")
    predecessor: str | None = Field(..., description="The predecessor's code")
    regulatory: bool
    order: int
    baseline: int | None = Field(..., description="The number of the baseline baseline_date is read from")
    baseline_date: dt.date | None = Field(..., description="Its date in that baseline")
    current_baseline_date: dt.date | None
    forecast_date: dt.date | None
    actual_date: dt.date | None
    delta_working_days: int | None = Field(
        ..., description="Working days from the baseline date to the actual (else forecast) date"
    )
    rag: str
    rationale: str
    warning: str = Field(..., description="Set when forecast before its predecessor's date (not refused)")
    late_participants: int = Field(
        ..., description="Participants with a milestone linked to it dated after it"
    )
    slips: list[GovPlanSlipOut] = Field(..., description="Those the reader may name")


class GovPlanBaselineOut(Schema):
    number: int
    label: str
    change_request: str | None = Field(..., description="The change request that wrote it (CR022)")
    change_request_reference: str | None
    approved_at: dt.datetime
    current: bool


class GovPlanBaselineDateOut(Schema):
    milestone: str
    name: str
    date: dt.date


class GovPlanBaselineDetail(GovPlanBaselineOut):
    dates: list[GovPlanBaselineDateOut]


class GovPlanCompareRowOut(Schema):
    milestone: str
    name: str
    date_a: dt.date | None
    date_b: dt.date | None
    moved_working_days: int | None
    change_request: str | None = Field(..., description="For a moved milestone: the CR that wrote baseline B")


class GovPlanCompareOut(Schema):
    a: GovPlanBaselineOut
    b: GovPlanBaselineOut
    rows: list[GovPlanCompareRowOut]


class GovPlanPhaseOut(Schema):
    id: int
    code: str
    name: str
    order: int
    start: dt.date | None
    end: dt.date | None
    rag: str
    rag_reason: str
    test_phase: str | None = Field(..., description="The test phase's code")


class GovPlanOrgOut(Schema):
    id: int
    name: str


class GovPlanTaskOut(Schema):
    id: int
    ref: str
    name: str
    mode: str
    phase: str | None
    milestone: str | None
    start: dt.date
    finish: dt.date
    duration_days: int = Field(..., description="Working days on the programme's calendar")
    duration_uncertain: bool
    responsible: GovPlanOrgOut | None
    responsible_label: str
    involved: list[GovPlanOrgOut]
    involved_label: str
    order: int


class GovPlanMemberOut(Schema):
    id: int
    organisation: GovPlanOrgOut
    constituency: str
    joined_on: dt.date


class GovPlanPartyMilestoneOut(Schema):
    id: int
    name: str
    programme_milestone: str | None
    planned_date: dt.date
    forecast_date: dt.date | None
    actual_date: dt.date | None
    rag: str
    notes: str
    order: int
    delta_working_days: int | None = Field(..., description="From the planned date to the actual/forecast")
    working_days_after_programme: int | None = Field(
        ..., description="Positive: dated after its programme milestone (a slip shown on both plans)"
    )
    warning: str


class GovPlanSubsidiaryOut(Schema):
    id: int
    organisation: GovPlanOrgOut
    name: str
    updated_at: dt.datetime
    late: int = Field(..., description="Milestones dated after their programme milestone")


class GovPlanSubsidiaryDetail(GovPlanSubsidiaryOut):
    milestones: list[GovPlanPartyMilestoneOut]


class GovPlanSettingsOut(Schema):
    calendar: int | None
    calendar_name: str | None
    document_prefix: str
    classification: str
    consultation_days: int
    assurance_days: int


# -- input -----------------------------------------------------------------------------------------------


class GovPlanMilestoneIn(InputSchema):
    code: MilestoneCode
    name: _str(actions.MILESTONE_NAME_MAX, min_length=1)  # type: ignore[valid-type]
    kind: KindValue = MilestoneKind.MILESTONE.value  # type: ignore[valid-type]
    phase: PhaseCode | None = None
    predecessor: MilestoneCode | None = None
    forecast_date: Day | None = None
    rag: RagValue = ""  # type: ignore[valid-type]
    rationale: Text = ""
    regulatory: bool = False
    order: Order = 0


class GovPlanMilestonePatch(InputSchema):
    name: _str(actions.MILESTONE_NAME_MAX, min_length=1) | None = None  # type: ignore[valid-type]
    kind: KindValue | None = None  # type: ignore[valid-type]
    phase: PhaseCode | None = None
    predecessor: MilestoneCode | None = None
    forecast_date: Day | None = None
    actual_date: Day | None = None
    rag: RagValue | None = None  # type: ignore[valid-type]
    rationale: Text | None = None
    regulatory: bool | None = None
    order: Order | None = None
    baseline_date: Day | None = Field(
        None, description="Refused (422): only an approved change request re-baselines a milestone"
    )


class GovPlanBaselineDateIn(InputSchema):
    milestone: MilestoneCode
    date: Day


class GovPlanBaselineIn(InputSchema):
    label: _str(actions.BASELINE_LABEL_MAX, min_length=1)  # type: ignore[valid-type]
    dates: list[GovPlanBaselineDateIn] = Field(
        default_factory=list,
        max_length=1000,
        description="Each milestone's date; empty: every milestone's forecast",
    )


class GovPlanPhaseIn(InputSchema):
    code: PhaseCode
    name: _str(actions.PHASE_NAME_MAX, min_length=1)  # type: ignore[valid-type]
    order: Order = 0
    start: Day | None = None
    end: Day | None = None
    rag: RagValue = ""  # type: ignore[valid-type]
    rag_reason: _str(actions.RAG_REASON_MAX) = ""  # type: ignore[valid-type]
    test_phase: PhaseCode | None = Field(None, description="The code of one of the programme's test phases")


class GovPlanPhasePatch(InputSchema):
    name: _str(actions.PHASE_NAME_MAX, min_length=1) | None = None  # type: ignore[valid-type]
    order: Order | None = None
    start: Day | None = None
    end: Day | None = None
    rag: RagValue | None = None  # type: ignore[valid-type]
    rag_reason: _str(actions.RAG_REASON_MAX) | None = None  # type: ignore[valid-type]
    test_phase: PhaseCode | None = None


class GovPlanTaskIn(InputSchema):
    ref: MilestoneCode = Field(..., description="The plan's task ID")
    name: _str(actions.TASK_NAME_MAX, min_length=1)  # type: ignore[valid-type]
    mode: ModeValue = TaskMode.AUTO.value  # type: ignore[valid-type]
    start: Day
    finish: Day
    duration_days: Annotated[int, Field(ge=0, le=actions.DURATION_MAX)] | None = Field(
        None, description="Omitted: counted in working days from start to finish"
    )
    duration_uncertain: bool = False
    phase: PhaseCode | None = None
    milestone: MilestoneCode | None = None
    responsible: Id | None = None
    responsible_label: _str(actions.RESPONSIBLE_LABEL_MAX) = ""  # type: ignore[valid-type]
    involved: list[Id] = Field(default_factory=list, max_length=actions.MAX_INVOLVED)
    involved_label: _str(actions.INVOLVED_LABEL_MAX) = ""  # type: ignore[valid-type]
    order: Order = 0


class GovPlanTaskPatch(InputSchema):
    name: _str(actions.TASK_NAME_MAX, min_length=1) | None = None  # type: ignore[valid-type]
    mode: ModeValue | None = None  # type: ignore[valid-type]
    start: Day | None = None
    finish: Day | None = None
    duration_days: Annotated[int, Field(ge=0, le=actions.DURATION_MAX)] | None = None
    duration_uncertain: bool | None = None
    phase: PhaseCode | None = None
    milestone: MilestoneCode | None = None
    responsible: Id | None = None
    responsible_label: _str(actions.RESPONSIBLE_LABEL_MAX) | None = None  # type: ignore[valid-type]
    involved: list[Id] | None = Field(None, max_length=actions.MAX_INVOLVED)
    involved_label: _str(actions.INVOLVED_LABEL_MAX) | None = None  # type: ignore[valid-type]
    order: Order | None = None


class GovPlanMemberIn(InputSchema):
    organisation: Id
    constituency: _str(actions.CONSTITUENCY_MAX) = ""  # type: ignore[valid-type]


class GovPlanSubsidiaryIn(InputSchema):
    organisation: Id
    name: _str(actions.PLAN_NAME_MAX, min_length=1)  # type: ignore[valid-type]


class GovPlanPartyMilestoneIn(InputSchema):
    name: _str(actions.PARTY_MILESTONE_NAME_MAX, min_length=1)  # type: ignore[valid-type]
    planned_date: Day
    programme_milestone: MilestoneCode | None = None
    forecast_date: Day | None = None
    actual_date: Day | None = None
    rag: RagValue = ""  # type: ignore[valid-type]
    notes: Text = ""
    order: Order = 0


class GovPlanPartyMilestonePatch(InputSchema):
    name: _str(actions.PARTY_MILESTONE_NAME_MAX, min_length=1) | None = None  # type: ignore[valid-type]
    planned_date: Day | None = None
    programme_milestone: MilestoneCode | None = None
    forecast_date: Day | None = None
    actual_date: Day | None = None
    rag: RagValue | None = None  # type: ignore[valid-type]
    notes: Text | None = None
    order: Order | None = None


class GovPlanSettingsPatch(InputSchema):
    calendar: Id | None = Field(None, description="A calendar's id; null drops the calendar")
    document_prefix: _str(actions.PREFIX_MAX) | None = None  # type: ignore[valid-type]
    classification: _str(actions.CLASSIFICATION_MAX, min_length=1) | None = None  # type: ignore[valid-type]
    consultation_days: Annotated[int, Field(ge=1, le=actions.WINDOW_MAX)] | None = None
    assurance_days: Annotated[int, Field(ge=0, le=actions.WINDOW_MAX)] | None = None


class GovPlanCompareQuery(Schema):
    a: BaselineNumber = Field(..., description="One baseline's number (usually the earlier)")
    b: BaselineNumber = Field(..., description="The other's (usually the later)")


class GovPlanMilestoneQuery(Schema):
    baseline: BaselineNumber | None = Field(None, description="Compare with this baseline (default: current)")
