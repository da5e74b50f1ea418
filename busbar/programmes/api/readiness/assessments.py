"""Assessments: the list, one with its questions and what the caller may do with it, creating and changing
one, adding questions (while a draft), opening and closing."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Status
from ninja.pagination import paginate

from busbar.lib.actions import ActionError
from busbar.lib.pagination import Page
from busbar.parties.models import Organisation
from busbar.programmes import heatmap, permissions, queries
from busbar.programmes.actions import readiness as actions
from busbar.programmes.api.readiness import router
from busbar.programmes.api.readiness._common import (
    CodePath,
    ProgrammePath,
    _actor,
    _assessment,
    _question_out,
)
from busbar.programmes.api.readiness.schemas import (
    GovAssessmentDetail,
    GovAssessmentIn,
    GovAssessmentOut,
    GovAssessmentPatch,
    GovQuestionIn,
    GovQuestionOut,
)
from busbar.programmes.models import (
    Assessment,
    AssessmentResponse,
    AssessmentStatus,
    Milestone,
    Question,
    ResponseStatus,
)
from busbar.programmes.permissions import readiness as rules
from busbar.testing.access import access_for
from busbar.testing.models import Phase


def _assessment_out(
    request: HttpRequest, a: Assessment, sizes: dict[int, int] | None, mine: list[AssessmentResponse]
) -> dict[str, Any]:
    full = sizes is not None
    audience = sizes.get(a.pk) if full else None
    submitted = getattr(a, "n_submitted", None) if full else None
    return {
        "code": a.code,
        "name": a.name,
        "description": a.description,
        "opens_on": a.opens_on,
        "closes_on": a.closes_on,
        "status": a.status,
        "phase": a.phase.code if a.phase_id else None,
        "milestone": a.milestone.code if a.milestone_id else None,
        "audience": audience,
        "submitted": submitted,
        "response_rate": round(100 * submitted / audience, 1) if audience and submitted is not None else None,
        "my_responses": [
            {
                "organisation": r.organisation_id,
                "organisation_name": r.organisation.name,
                "status": r.status,
                "submitted_at": r.submitted_at,
            }
            for r in mine
        ],
    }


def _with_counts(qs):
    from django.db.models import Count, Q

    return qs.annotate(n_submitted=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED)))


def _detail(request: HttpRequest, a: Assessment) -> dict[str, Any]:
    acc = access_for(request.user)
    a = (
        _with_counts(Assessment.objects.filter(pk=a.pk))
        .select_related("programme", "phase", "milestone")
        .get()
    )
    full = queries.has_oversight(acc, a.programme_id)
    sizes = heatmap.audience_sizes([a]) if full else None
    mine = (
        list(
            AssessmentResponse.objects.filter(
                assessment=a, organisation_id__in=sorted(acc.organisation_ids)
            ).select_related("organisation")
        )
        if not full
        else []
    )
    out = _assessment_out(request, a, sizes, mine)
    out["questions"] = [_question_out(q) for q in Question.objects.filter(assessment=a).order_by("number")]
    allowed = []
    if permissions.can_manage_assessment(acc, a.programme_id) is None:
        allowed.append("edit")
        if a.status == AssessmentStatus.DRAFT:
            allowed.append("add-question")
        if a.status != AssessmentStatus.OPEN:
            allowed.append("open")
        if a.status == AssessmentStatus.OPEN:
            allowed += ["close", "chase"]
        allowed.append("score")
    elif any(
        rules.can_respond(acc, a, o) is None
        for o in Organisation.objects.filter(
            pk__in=heatmap.audience_ids(a), id__in=sorted(acc.organisation_ids)
        ).values_list("pk", flat=True)
    ):
        allowed.append("answer")
    out["allowed_actions"] = allowed
    return out


def _phase(programme, code: str | None) -> Phase | None:
    if code is None:
        return None
    found = Phase.objects.filter(programme=programme, code=code).first()
    if found is None:
        raise ActionError(f"{programme.name} has no phase {code}", field="phase")
    return found


def _milestone(programme, code: str | None) -> Milestone | None:
    if code is None:
        return None
    found = Milestone.objects.filter(programme=programme, code=code).first()
    if found is None:
        raise ActionError(f"{programme.name} has no milestone {code}", field="milestone")
    return found


@router.get(
    "/programmes/{programme}/assessments",
    response=list[GovAssessmentOut],
    summary="The programme's readiness assessments",
)
@paginate(Page)
def list_assessments(request: HttpRequest, programme: ProgrammePath) -> Any:
    the_programme = get_object_or_404(queries.programmes_visible_to(request.user), code=programme)
    acc = access_for(request.user)
    rows = list(
        _with_counts(heatmap.assessments_visible_to(acc, the_programme))
        .select_related("programme", "phase", "milestone")
        .order_by("-opens_on", "code")[:1000]
    )
    full = queries.has_oversight(acc, the_programme.pk)
    sizes = heatmap.audience_sizes(rows) if full else None
    mine: dict[int, list[AssessmentResponse]] = {}
    if not full and acc.organisation_ids:
        for r in AssessmentResponse.objects.filter(
            assessment__in=rows, organisation_id__in=sorted(acc.organisation_ids)
        ).select_related("organisation"):
            mine.setdefault(r.assessment_id, []).append(r)
    return [_assessment_out(request, a, sizes, mine.get(a.pk, [])) for a in rows]


@router.post(
    "/programmes/{programme}/assessments",
    response={201: GovAssessmentDetail},
    summary="Create a draft assessment (the programme office)",
)
def create_assessment(request: HttpRequest, programme: ProgrammePath, payload: GovAssessmentIn) -> Status:
    the_programme = get_object_or_404(queries.programmes_visible_to(request.user), code=programme)
    a = actions.create_assessment(
        actor=_actor(request),
        programme=the_programme,
        code=payload.code,
        name=payload.name,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        description=payload.description,
        phase=_phase(the_programme, payload.phase),
        milestone=_milestone(the_programme, payload.milestone),
    )
    return Status(201, _detail(request, a))


@router.get(
    "/programmes/{programme}/assessments/{code}",
    response=GovAssessmentDetail,
    summary="One assessment with its questions",
)
def get_assessment(request: HttpRequest, programme: ProgrammePath, code: CodePath) -> Any:
    return _detail(request, _assessment(request, programme, code))


@router.patch(
    "/programmes/{programme}/assessments/{code}",
    response=GovAssessmentDetail,
    summary="Change an assessment's name, description, window, phase (while a draft) or milestone",
)
def update_assessment(
    request: HttpRequest, programme: ProgrammePath, code: CodePath, payload: GovAssessmentPatch
) -> Any:
    a = _assessment(request, programme, code)
    given = payload.model_fields_set
    fields: dict[str, Any] = {}
    for name in ("name", "description", "opens_on", "closes_on"):
        if name in given:
            value = getattr(payload, name)
            if value is None:
                raise ActionError(f"{name} cannot be null", field=name)
            fields[name] = value
    if "phase" in given:
        fields["phase"] = _phase(a.programme, payload.phase)
    if "milestone" in given:
        fields["milestone"] = _milestone(a.programme, payload.milestone)
    actions.update_assessment(actor=_actor(request), assessment=a, **fields)
    return _detail(request, a)


@router.post(
    "/programmes/{programme}/assessments/{code}/questions",
    response={201: GovQuestionOut},
    summary="Add a question (the office, while a draft)",
)
def add_question(
    request: HttpRequest, programme: ProgrammePath, code: CodePath, payload: GovQuestionIn
) -> Status:
    a = _assessment(request, programme, code)
    q = actions.add_question(
        actor=_actor(request),
        assessment=a,
        text=payload.text,
        area=payload.area,
        guidance=payload.guidance,
        answer_kind=payload.answer_kind,
        evidence_required=payload.evidence_required,
    )
    return Status(201, _question_out(q))


@router.post(
    "/programmes/{programme}/assessments/{code}/open",
    response=GovAssessmentDetail,
    summary="Open (or reopen) for responses: the participants asked are told",
)
def open_assessment(request: HttpRequest, programme: ProgrammePath, code: CodePath) -> Any:
    a = _assessment(request, programme, code)
    actions.open_assessment(actor=_actor(request), assessment=a)
    return _detail(request, a)


@router.post(
    "/programmes/{programme}/assessments/{code}/close",
    response=GovAssessmentDetail,
    summary="Close to responses",
)
def close_assessment(request: HttpRequest, programme: ProgrammePath, code: CodePath) -> Any:
    a = _assessment(request, programme, code)
    actions.close_assessment(actor=_actor(request), assessment=a)
    return _detail(request, a)
