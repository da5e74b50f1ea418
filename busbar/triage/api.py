"""API: triage scripts (read by the desk and the providers of their services, written by the desk as a
whole definition), and runs recorded on incidents."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from busbar.incidents.queries import visible_to as incidents_visible_to
from busbar.knowledge.queries import visible_to as articles_visible_to
from busbar.lib.actions import ActionError, Actor
from busbar.lib.schema import Code, Id, IdPath, InputSchema, Line, Ref, RefPath, Text
from busbar.records.registry import normalise
from busbar.services.models import Severity
from busbar.services.queries import services_visible_to
from busbar.triage import actions, checks, queries
from busbar.triage.actions import MAX_ANSWERS, MAX_QUESTIONS, QUESTION_MAX, AnswerSpec, QuestionSpec
from busbar.triage.models import TriageAnswer, TriageRun, TriageScript

router = Router(tags=["Triage scripts"])

Key = Annotated[str, Field(min_length=1, max_length=40, description="Names the question within the script")]


class TriageAnswerOut(Schema):
    id: int
    label: str
    next: int | None = Field(..., description="The id of the question it leads to (None: it ends the script)")
    article: str | None = Field(..., description="The knowledge article it leads to")
    severity: str | None = Field(..., description="The severity it suggests (code)")
    raise_to_provider: bool
    advice: str

    @staticmethod
    def resolve_next(obj: TriageAnswer) -> int | None:
        return obj.next_question_id

    @staticmethod
    def resolve_article(obj: TriageAnswer) -> str | None:
        return obj.article.reference if obj.article_id else None

    @staticmethod
    def resolve_severity(obj: TriageAnswer) -> str | None:
        return obj.severity.code if obj.severity_id else None


class TriageQuestionOut(Schema):
    id: int
    position: int
    text: str
    help: str
    answers: list[TriageAnswerOut]

    @staticmethod
    def resolve_answers(obj: Any) -> list[Any]:
        return list(obj.answers.all())


class TriageScriptOut(Schema):
    id: int
    name: str
    service: Ref | None
    description: str
    is_active: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_service(obj: TriageScript) -> dict[str, Any] | None:
        return {"id": obj.service_id, "name": obj.service.name} if obj.service_id else None


class TriageScriptDetail(TriageScriptOut):
    questions: list[TriageQuestionOut]
    problems: list[str] = Field(..., description="What stops it being switched on")

    @staticmethod
    def resolve_questions(obj: TriageScript) -> list[Any]:
        return list(obj.questions.all())

    @staticmethod
    def resolve_problems(obj: TriageScript) -> list[str]:
        return [p.message for p in checks.problems_of(obj)]


class TriageAnswerIn(InputSchema):
    label: Line = Field(..., min_length=1)
    next: Key | None = Field(None, description="The key of the question it leads to")
    article: Annotated[str, Field(max_length=20)] | None = Field(None, description="e.g. KB0000012")
    severity: Code | None = Field(None, description="A severity code of the script's service")
    raise_to_provider: bool = False
    advice: Text = ""


class TriageQuestionIn(InputSchema):
    key: Key
    text: Annotated[str, Field(min_length=1, max_length=QUESTION_MAX)]
    help: Text = ""
    answers: list[TriageAnswerIn] = Field(..., min_length=1, max_length=MAX_ANSWERS)


class TriageScriptIn(InputSchema):
    name: Line = Field(..., min_length=1)
    service: Id | None = Field(None, description="None: offered on incidents of every service")
    description: Text = ""
    questions: list[TriageQuestionIn] = Field(..., min_length=1, max_length=MAX_QUESTIONS)


class TriageRunIn(InputSchema):
    incident: RefPath = Field(..., description="The incident's reference")
    script: Id
    answers: list[Id] = Field(..., min_length=1, max_length=MAX_QUESTIONS, description="Answer ids, in order")
    apply_severity: bool = True
    assign: bool = True
    note: Text = ""


class TriageRunOut(Schema):
    id: int
    incident: str
    script: str
    transcript: list[dict[str, str]]
    article: str | None
    severity: str | None
    raise_to_provider: bool
    advice: str
    applied: list[str]
    run_by: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_incident(obj: TriageRun) -> str:
        return obj.record.reference

    @staticmethod
    def resolve_script(obj: TriageRun) -> str:
        return obj.script_name

    @staticmethod
    def resolve_article(obj: TriageRun) -> str | None:
        return obj.article.reference if obj.article_id else None

    @staticmethod
    def resolve_severity(obj: TriageRun) -> str | None:
        return obj.severity.code if obj.severity_id else None

    @staticmethod
    def resolve_run_by(obj: TriageRun) -> str | None:
        return obj.run_by.display_name if obj.run_by_id else None


class TriageRunFilters(Schema):
    incident: Annotated[str, Field(min_length=3, max_length=20, pattern=r"^[A-Za-z]{2,6}[0-9]{1,12}$")]


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _script(request: HttpRequest, pk: int) -> TriageScript:
    return get_object_or_404(queries.with_tree(queries.scripts_visible_to(request.user)), pk=pk)


def _specs(request: HttpRequest, payload: TriageScriptIn) -> tuple[Any, list[QuestionSpec]]:
    service = None
    if payload.service is not None:
        service = (
            services_visible_to(request.user).select_related("sla_policy").filter(pk=payload.service).first()
        )
        if service is None:
            raise ActionError(f"No service {payload.service}", field="service")
    scheme_id = service.sla_policy.scheme_id if service is not None and service.sla_policy_id else None
    specs = []
    for qi, question in enumerate(payload.questions):
        answers = []
        for ai, answer in enumerate(question.answers):
            where = f"questions[{qi}].answers[{ai}]"
            article = None
            if answer.article:
                normal = normalise(answer.article)
                article = (
                    articles_visible_to(request.user).filter(reference=normal).first() if normal else None
                )
                if article is None:
                    raise ActionError(f"No knowledge article {answer.article}", field=f"{where}.article")
            severity = None
            if answer.severity:
                found = Severity.objects.filter(code=answer.severity)
                found = (
                    found.filter(scheme_id=scheme_id)
                    if scheme_id
                    else found.filter(scheme__policies__is_default=True)
                )
                severity = found.first()
                if severity is None:
                    raise ActionError(f"No severity {answer.severity}", field=f"{where}.severity")
            answers.append(
                AnswerSpec(
                    label=answer.label,
                    next=answer.next,
                    article=article,
                    severity=severity,
                    raise_to_provider=answer.raise_to_provider,
                    advice=answer.advice,
                )
            )
        specs.append(QuestionSpec(key=question.key, text=question.text, help=question.help, answers=answers))
    return service, specs


@router.get("/triage/scripts", response=list[TriageScriptOut], summary="Triage scripts you may read")
def list_scripts(request: HttpRequest) -> Any:
    return list(queries.scripts_visible_to(request.user)[:500])


@router.post("/triage/scripts", response={201: TriageScriptDetail}, summary="Write a script (desk)")
def create_script(request: HttpRequest, payload: TriageScriptIn) -> Status:
    """The whole script at once: questions (the first is asked first) with keys, answers leading to a
    question's key or ending with an outcome. All or nothing; the question or answer at fault is named."""
    service, specs = _specs(request, payload)
    script = actions.define_script(
        actor=_actor(request),
        name=payload.name,
        service=service,
        description=payload.description,
        questions=specs,
    )
    return Status(201, _script(request, script.pk))


@router.get("/triage/scripts/{script_id}", response=TriageScriptDetail, summary="One script, whole")
def get_script(request: HttpRequest, script_id: IdPath) -> TriageScript:
    return _script(request, script_id)


@router.put(
    "/triage/scripts/{script_id}", response=TriageScriptDetail, summary="Replace a switched-off script"
)
def replace_script(request: HttpRequest, script_id: IdPath, payload: TriageScriptIn) -> TriageScript:
    script = _script(request, script_id)
    service, specs = _specs(request, payload)
    actions.define_script(
        actor=_actor(request),
        script=script,
        name=payload.name,
        service=service,
        description=payload.description,
        questions=specs,
    )
    return _script(request, script_id)


class TriageEmptyIn(InputSchema):
    pass


@router.post("/triage/scripts/{script_id}/activate", response=TriageScriptDetail, summary="Switch on")
def activate(request: HttpRequest, script_id: IdPath, payload: TriageEmptyIn) -> TriageScript:
    actions.set_active(actor=_actor(request), script=_script(request, script_id), active=True)
    return _script(request, script_id)


@router.post("/triage/scripts/{script_id}/deactivate", response=TriageScriptDetail, summary="Switch off")
def deactivate(request: HttpRequest, script_id: IdPath, payload: TriageEmptyIn) -> TriageScript:
    actions.set_active(actor=_actor(request), script=_script(request, script_id), active=False)
    return _script(request, script_id)


@router.post("/triage/runs", response={201: TriageRunOut}, summary="Record a run on an incident (desk)")
def record_run(request: HttpRequest, payload: TriageRunIn) -> Status:
    """The answers from the first question to the end of the script; the outcome is applied as asked."""
    incident = incidents_visible_to(request.user).filter(reference=payload.incident.upper()).first()
    if incident is None:
        raise ActionError(f"No incident {payload.incident}", field="incident")
    script = queries.scripts_visible_to(request.user).filter(pk=payload.script).first()
    if script is None:
        raise ActionError(f"No script {payload.script}", field="script")
    run = actions.run_script(
        actor=_actor(request),
        incident=incident,
        script=script,
        answers=payload.answers,
        apply_severity=payload.apply_severity,
        assign=payload.assign,
        note=payload.note,
    )
    return Status(
        201, TriageRun.objects.select_related("record", "article", "severity", "run_by").get(pk=run.pk)
    )


@router.get("/triage/runs", response=list[TriageRunOut], summary="Runs recorded on an incident")
def list_runs(request: HttpRequest, filters: Query[TriageRunFilters]) -> Any:
    """For those who work the incident (the transcript is internal); anyone else gets none."""
    incident = incidents_visible_to(request.user).filter(reference=filters.incident.upper()).first()
    if incident is None:
        raise ActionError(f"No incident {filters.incident}", field="incident")
    return list(queries.runs_on(request.user, incident).select_related("record")[:100])
