"""A participant's response: reading it (its own, or any: the office and assurers), saving its draft answers,
attaching and downloading evidence, submitting it; the office returning and scoring it."""

from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Status
from ninja.errors import HttpError

from busbar.lib.actions import ActionError, refuse
from busbar.lib.limits import MAX_ID
from busbar.lib.schema import IdPath
from busbar.parties.models import Organisation
from busbar.programmes import heatmap, permissions, queries
from busbar.programmes.actions import readiness as actions
from busbar.programmes.api.readiness import router
from busbar.programmes.api.readiness._common import CodePath, ProgrammePath, _actor, _assessment
from busbar.programmes.api.readiness.schemas import (
    GovAnswersIn,
    GovResponseOut,
    GovReturnIn,
    GovScoresIn,
)
from busbar.programmes.models import (
    Answer,
    Assessment,
    AssessmentResponse,
    AssessmentStatus,
    Evidence,
    Question,
    ResponseStatus,
)
from busbar.programmes.permissions import readiness as rules
from busbar.testing.access import access_for
from busbar.testing.api.gates import evidence_response

OrganisationPath = Annotated[int, Path(ge=1, le=MAX_ID)]
_RESPONSE = "/programmes/{programme}/assessments/{code}/responses/{organisation}"
_FILE_CONTENT = {"*/*": {"schema": {"type": "string", "format": "binary"}}}  # the file's own type


def _target(
    request: HttpRequest, a: Assessment, organisation: int
) -> tuple[Organisation, AssessmentResponse | None]:
    """The organisation and its response, if the person may read them: the office and assurers any
    participant's; a participant only its own (another's is a 404)."""
    acc = access_for(request.user)
    response = (
        queries.assessment_responses_visible_to(acc)
        .filter(assessment=a, organisation_id=organisation)
        .select_related("organisation", "assessment", "assessment__programme")
        .first()
    )
    if response is not None:
        return response.organisation, response
    if queries.has_oversight(acc, a.programme_id) or acc.is_member(organisation):
        org = Organisation.objects.filter(pk=organisation, pk__in=heatmap.audience_ids(a)).first()
        if org is not None:
            return org, None
    raise Http404("No such response")


def _response_out(
    request: HttpRequest, a: Assessment, organisation: Organisation, response: AssessmentResponse | None
) -> dict[str, Any]:
    acc = access_for(request.user)
    answers: list[Answer] = []
    evidence: dict[int, list[Evidence]] = {}
    questions = {q.pk: q for q in Question.objects.filter(assessment=a)}
    if response is not None:
        answers = list(Answer.objects.filter(response=response).order_by("question__number"))
        for e in Evidence.objects.filter(answer__response=response).order_by("uploaded_at", "id"):
            evidence.setdefault(e.answer_id, []).append(e)
        unanswered, no_evidence = heatmap.missing(response)
    else:
        ordered = sorted(questions.values(), key=lambda q: q.number)
        unanswered, no_evidence = ordered, [q for q in ordered if q.evidence_required]
    base = f"/api/v1/programmes/{a.programme.code}/assessments/{a.code}/responses/{organisation.pk}/evidence"
    allowed = []
    status = response.status if response is not None else "not_started"
    if status != ResponseStatus.SUBMITTED and rules.can_respond(acc, a, organisation.pk) is None:
        allowed += ["answer", "submit"]
    if permissions.can_manage_assessment(acc, a.programme_id) is None and status == ResponseStatus.SUBMITTED:
        allowed.append("score")
        if a.status == AssessmentStatus.OPEN:
            allowed.append("return")
    return {
        "assessment": a.code,
        "organisation": organisation.pk,
        "organisation_name": organisation.name,
        "status": status,
        "submitted_at": response.submitted_at if response else None,
        "overall_rag": response.overall_rag if response else "",
        "suggested_rag": heatmap.worst(x.score_rag for x in answers),
        "overall_comment": response.overall_comment if response else "",
        "answers": [
            {
                "question": questions[x.question_id].number,
                "value": x.value,
                "comment": x.comment,
                "score_rag": x.score_rag,
                "score_note": x.score_note,
                "scored_at": x.scored_at,
                "evidence": [
                    {
                        "id": e.pk,
                        "filename": e.filename,
                        "content_type": e.content_type,
                        "size": e.size,
                        "uploaded_at": e.uploaded_at,
                        "url": f"{base}/{e.pk}",
                    }
                    for e in evidence.get(x.pk, [])
                ],
            }
            for x in answers
        ],
        "not_answered": [q.number for q in unanswered],
        "evidence_missing": [q.number for q in no_evidence],
        "allowed_actions": allowed,
    }


def _questions_by_number(a: Assessment, numbers: list[int], field: str) -> dict[int, Question]:
    found = {q.number: q for q in Question.objects.filter(assessment=a, number__in=numbers)}
    for index, n in enumerate(numbers):
        if n not in found:
            raise ActionError(f"{a.code} has no question {n}", field=f"{field}[{index}].question")
    if len(set(numbers)) != len(numbers):
        raise ActionError("A question is given twice", field=field)
    return found


def _fresh(request: HttpRequest, a: Assessment, organisation: int) -> dict[str, Any]:
    org, response = _target(request, a, organisation)
    return _response_out(request, a, org, response)


@router.get(
    _RESPONSE, response=GovResponseOut, summary="A participant's response (its own, or any: the office)"
)
def get_response(
    request: HttpRequest, programme: ProgrammePath, code: CodePath, organisation: OrganisationPath
) -> Any:
    a = _assessment(request, programme, code)
    return _fresh(request, a, organisation)


@router.put(_RESPONSE, response=GovResponseOut, summary="Save the organisation's draft answers")
def put_answers(
    request: HttpRequest,
    programme: ProgrammePath,
    code: CodePath,
    organisation: OrganisationPath,
    payload: GovAnswersIn,
) -> Any:
    a = _assessment(request, programme, code)
    org, _ = _target(request, a, organisation)
    numbers = [x.question for x in payload.answers]
    questions = _questions_by_number(a, numbers, "answers")
    answers = {questions[x.question]: {"value": x.value, "comment": x.comment} for x in payload.answers}
    actions.save_answers(actor=_actor(request), assessment=a, organisation=org, answers=answers)
    return _fresh(request, a, organisation)


def _uploads(request: HttpRequest) -> tuple[int, list]:
    content_type = request.content_type or ""
    if content_type != "multipart/form-data":
        raise HttpError(415, "Send multipart/form-data with 'question' and the files as 'files'")
    try:
        form = request.POST
        files = request.FILES.getlist("files")
    except RequestDataTooBig:
        raise HttpError(413, "The request body is too large") from None
    except Exception as exc:  # MultiPartParserError
        raise ActionError(f"The multipart body could not be read: {exc}"[:200], field="files") from None
    unknown = sorted(set(form) - {"question"})
    if unknown:
        raise ActionError(f"Unknown field {unknown[0]!r}"[:200], field=unknown[0][:60])
    raw = (form.get("question") or "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= actions.MAX_QUESTIONS:
        raise ActionError("Name the question by its number", field="question")
    if not files:
        raise ActionError("Choose at least one file", field="files")
    if len(files) > actions.MAX_FILES_PER_SAVE:
        raise ActionError(f"Attach at most {actions.MAX_FILES_PER_SAVE} files at a time", field="files")
    limit = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    for index, f in enumerate(files):
        if f.size > limit:
            raise ActionError(
                f"{f.name} is {f.size:,} bytes; the limit is {limit:,}", field=f"files[{index}]"
            )
    return int(raw), files


@router.post(
    _RESPONSE + "/evidence",
    response={201: GovResponseOut},
    summary="Attach evidence files to an answer (multipart: question, files)",
    openapi_extra={
        "responses": {415: {"description": "Not multipart/form-data"}},
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["question", "files"],
                        "properties": {
                            "question": {"type": "integer", "minimum": 1, "maximum": actions.MAX_QUESTIONS},
                            "files": {
                                "type": "array",
                                "maxItems": actions.MAX_FILES_PER_SAVE,
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                }
            },
        },
    },
)
def add_evidence(
    request: HttpRequest, programme: ProgrammePath, code: CodePath, organisation: OrganisationPath
) -> Status:
    a = _assessment(request, programme, code)
    org, _ = _target(request, a, organisation)
    number, files = _uploads(request)
    question = _questions_by_number(a, [number], "question")[number]
    actions.save_answers(
        actor=_actor(request), assessment=a, organisation=org, answers={}, files={question: files}
    )
    return Status(201, _fresh(request, a, organisation))


@router.get(
    _RESPONSE + "/evidence/{evidence_id}",
    summary="Download an evidence file",
    response={200: None},
    openapi_extra={"responses": {200: {"description": "The file", "content": _FILE_CONTENT}}},
)
def download_evidence(
    request: HttpRequest,
    programme: ProgrammePath,
    code: CodePath,
    organisation: OrganisationPath,
    evidence_id: IdPath,
) -> FileResponse:
    a = _assessment(request, programme, code)
    _, response = _target(request, a, organisation)
    if response is None:
        raise Http404("No such file")
    return evidence_response(get_object_or_404(Evidence, pk=evidence_id, answer__response=response))


def _response(request: HttpRequest, a: Assessment, organisation: int) -> AssessmentResponse:
    _, response = _target(request, a, organisation)
    if response is None:
        raise ActionError("The organisation has not answered yet", field="answers")
    return response


@router.post(
    _RESPONSE + "/submit", response=GovResponseOut, summary="Submit the response (it is then locked)"
)
def submit(
    request: HttpRequest, programme: ProgrammePath, code: CodePath, organisation: OrganisationPath
) -> Any:
    a = _assessment(request, programme, code)
    org, response = _target(request, a, organisation)
    if response is None:
        refuse(rules.can_respond(access_for(request.user), a, org.pk))
        raise ActionError("Answer the questions before submitting", field="answers")
    actions.submit_response(actor=_actor(request), response=response)
    return _fresh(request, a, organisation)


@router.post(
    _RESPONSE + "/return",
    response=GovResponseOut,
    summary="Return a submitted response to its organisation, with the reason (the office)",
)
def return_response(
    request: HttpRequest,
    programme: ProgrammePath,
    code: CodePath,
    organisation: OrganisationPath,
    payload: GovReturnIn,
) -> Any:
    a = _assessment(request, programme, code)
    actions.return_response(
        actor=_actor(request), response=_response(request, a, organisation), reason=payload.reason
    )
    return _fresh(request, a, organisation)


@router.post(
    _RESPONSE + "/score",
    response=GovResponseOut,
    summary="Score answers (RAG and note each) and set the overall RAG (the office)",
)
def score(
    request: HttpRequest,
    programme: ProgrammePath,
    code: CodePath,
    organisation: OrganisationPath,
    payload: GovScoresIn,
) -> Any:
    a = _assessment(request, programme, code)
    response = _response(request, a, organisation)
    numbers = [s.question for s in payload.scores]
    questions = _questions_by_number(a, numbers, "scores")
    actions.score_response(
        actor=_actor(request),
        response=response,
        scores={questions[s.question]: {"rag": s.rag, "note": s.note} for s in payload.scores},
        overall_rag=payload.overall_rag,
        overall_comment=payload.overall_comment,
    )
    return _fresh(request, a, organisation)
