"""The readiness API's schemas (each named ``Gov…``: schema names are unique across the whole API)."""

from typing import Annotated, Literal

from ninja import Field, Schema

from busbar.lib.schema import Day, Id, InputSchema, Instant
from busbar.programmes.actions import readiness as actions
from busbar.programmes.models import AnswerKind

Kind = Literal[tuple(AnswerKind.values)]  # type: ignore[valid-type]
Score = Literal["", "green", "amber", "red"]
QuestionNumber = Annotated[int, Field(ge=1, le=actions.MAX_QUESTIONS)]


# -- output ----------------------------------------------------------------------------------------------


class GovQuestionOut(Schema):
    number: int
    area: str
    text: str
    guidance: str
    answer_kind: str = Field(..., description="yes_no, rag, date or text")
    evidence_required: bool


class GovMyResponseOut(Schema):
    organisation: int
    organisation_name: str
    status: str = Field(..., description="not_started, draft or submitted")
    submitted_at: Instant | None


class GovAssessmentOut(Schema):
    code: str
    name: str
    description: str
    opens_on: Day
    closes_on: Day
    status: str = Field(..., description="draft, open or closed")
    phase: str | None = Field(None, description="The test phase whose participants answer (else everyone)")
    milestone: str | None
    audience: int | None = Field(None, description="Participants asked (office and assurers only)")
    submitted: int | None = Field(None, description="Responses submitted (office and assurers only)")
    response_rate: float | None = Field(None, description="Percent submitted (office and assurers only)")
    my_responses: list[GovMyResponseOut] = Field(
        default_factory=list, description="A participant's own responses"
    )


class GovAssessmentDetail(GovAssessmentOut):
    questions: list[GovQuestionOut]
    allowed_actions: list[str] = Field(
        ..., description="edit, add-question, open, close, chase, score (office); answer (a participant)"
    )


class GovEvidenceOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    uploaded_at: Instant
    url: str


class GovAnswerOut(Schema):
    question: int
    value: str = Field(
        ..., description="yes, no, green, amber, red, a date (YYYY-MM-DD) or, for a text question, the text"
    )
    comment: str = Field(..., description="The participant's comment, for any kind of question")
    score_rag: str
    score_note: str
    scored_at: Instant | None
    evidence: list[GovEvidenceOut]


class GovResponseOut(Schema):
    assessment: str
    organisation: int
    organisation_name: str
    status: str = Field(..., description="not_started, draft or submitted")
    submitted_at: Instant | None
    overall_rag: str = Field(..., description="The office's overall RAG ('' when not set)")
    suggested_rag: str = Field(..., description="The worst score of the answers")
    overall_comment: str
    answers: list[GovAnswerOut]
    not_answered: list[int] = Field(..., description="Numbers of the questions not answered yet")
    evidence_missing: list[int] = Field(..., description="Questions needing evidence that have none")
    allowed_actions: list[str] = Field(..., description="answer, submit (the organisation); score, return")


class GovHeatCellOut(Schema):
    question: int
    state: str = Field(..., description="green, amber, red, answered (not scored) or not_answered")
    label: str
    evidence: int


class GovHeatRowOut(Schema):
    organisation: int
    organisation_name: str
    status: str
    submitted_at: Instant | None
    cells: list[GovHeatCellOut]
    overall_rag: str
    overall_is_suggested: bool
    asked: bool


class GovHeatCountOut(Schema):
    question: int
    green: int
    amber: int
    red: int
    not_scored: int
    not_answered: int


class GovHeatmapOut(Schema):
    assessment: str
    full: bool = Field(..., description="Every participant's row (office, assurers); else only your own")
    questions: list[GovQuestionOut]
    rows: list[GovHeatRowOut]
    counts: list[GovHeatCountOut]
    audience: int
    submitted: int
    response_rate: float | None


class GovChaseOut(Schema):
    chased: int
    organisations: list[str] = Field(..., description="Still waiting for a response after the chase")


# -- input -----------------------------------------------------------------------------------------------


class GovAssessmentIn(InputSchema):
    code: Annotated[str, Field(min_length=1, max_length=20, pattern=rf"^{actions.CODE_PATTERN}$")]
    name: Annotated[str, Field(min_length=1, max_length=actions.NAME_MAX)]
    opens_on: Day
    closes_on: Day
    description: Annotated[str, Field(max_length=actions.DESCRIPTION_MAX)] = ""
    phase: Annotated[str, Field(max_length=40)] | None = Field(None, description="A test phase's code")
    milestone: Annotated[str, Field(max_length=20)] | None = Field(None, description="A milestone's code")


class GovAssessmentPatch(InputSchema):
    name: Annotated[str, Field(min_length=1, max_length=actions.NAME_MAX)] | None = None
    opens_on: Day | None = None
    closes_on: Day | None = None
    description: Annotated[str, Field(max_length=actions.DESCRIPTION_MAX)] | None = None
    phase: Annotated[str, Field(max_length=40)] | None = Field(None, description="null: every participant")
    milestone: Annotated[str, Field(max_length=20)] | None = None


class GovQuestionIn(InputSchema):
    text: Annotated[str, Field(min_length=1, max_length=actions.QUESTION_MAX)]
    area: Annotated[str, Field(max_length=actions.AREA_MAX)] = ""
    guidance: Annotated[str, Field(max_length=actions.GUIDANCE_MAX)] = ""
    answer_kind: Kind = AnswerKind.RAG.value  # type: ignore[valid-type]
    evidence_required: bool = False


class GovAnswerIn(InputSchema):
    question: QuestionNumber
    value: Annotated[str, Field(max_length=actions.TEXT_MAX)] = Field(
        "", description="yes/no, green/amber/red, a date (YYYY-MM-DD) or, for a text question, the text"
    )
    comment: Annotated[str, Field(max_length=actions.COMMENT_MAX)] = Field(
        "", description="An optional comment, for any kind of question"
    )


class GovAnswersIn(InputSchema):
    answers: list[GovAnswerIn] = Field(..., max_length=actions.MAX_QUESTIONS)


class GovScoreIn(InputSchema):
    question: QuestionNumber
    rag: Score = Field(..., description="'' clears the score")  # type: ignore[valid-type]
    note: Annotated[str, Field(max_length=actions.NOTE_MAX)] = ""


class GovScoresIn(InputSchema):
    scores: list[GovScoreIn] = Field(default_factory=list, max_length=actions.MAX_QUESTIONS)
    overall_rag: Score | None = Field(  # type: ignore[valid-type]
        None, description="The participant's overall RAG; '' goes back to the suggestion; omitted: kept"
    )
    overall_comment: Annotated[str, Field(max_length=actions.OVERALL_COMMENT_MAX)] | None = None


class GovReturnIn(InputSchema):
    reason: Annotated[str, Field(min_length=1, max_length=actions.REASON_MAX)]


class GovChaseIn(InputSchema):
    organisations: list[Id] | None = Field(
        None, max_length=1000, description="Only these non-responders (omitted: all of them)"
    )
