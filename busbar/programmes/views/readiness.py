"""Programme governance pages: readiness assessments (digest §5.2, GV-15, GV-16).

* the programme's assessments (window, status; the office and assurers the response rate, a participant
  its own response), where the office creates one;
* one assessment: its questions (the office edits them while a draft), opening and closing, the heat map
  of participants × questions (the office and assurers every row, a participant its own), the
  non-responders and the chase button, the CSV/XLSX export of the grid;
* the respond page: the participant's form built from the questions (save a draft, upload evidence,
  submit);
* one response: its answers and evidence; for the office the scores, the overall RAG and returning it.

Outsiders get 404s; a participant denied a change gets the 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import form_errors, run_action_form
from busbar.lib.postback import post_form
from busbar.parties.models import Organisation
from busbar.programmes import heatmap, pages, permissions, queries
from busbar.programmes.actions import readiness as actions
from busbar.programmes.forms.readiness import (
    AssessmentEditForm,
    AssessmentForm,
    QuestionForm,
    ResponseForm,
    ReturnForm,
    ScoreForm,
)
from busbar.programmes.models import (
    Answer,
    Assessment,
    AssessmentResponse,
    AssessmentStatus,
    Chase,
    Evidence,
    Question,
    ResponseStatus,
)
from busbar.programmes.permissions import readiness as rules
from busbar.testing.access import access_for
from busbar.testing.api.gates import evidence_response

PAGE_SIZE = 25
#: Heat map rows per page.
ROWS_PER_PAGE = 100


def _assessment_or_404(request: HttpRequest, programme: str, code: str) -> Assessment:
    the_programme = pages.programme_or_404(request, programme)
    found = (
        heatmap.assessments_visible_to(request.user, the_programme)
        .select_related("programme", "phase", "milestone")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise Http404("No such assessment")
    return found


def _url(name: str, assessment: Assessment, **kwargs: object) -> str:
    return reverse(name, kwargs={"programme": assessment.programme.code, "code": assessment.code, **kwargs})


def _detail_url(programme: str, code: str, anchor: str = "") -> str:
    return reverse("programmes_assessment", kwargs={"programme": programme, "code": code}) + anchor


def _own_audience(request: HttpRequest, assessment: Assessment) -> list[Organisation]:
    """The person's organisations asked to answer ``assessment``, by name."""
    acc = access_for(request.user)
    if not acc.organisation_ids:
        return []
    return list(
        Organisation.objects.filter(
            pk__in=heatmap.audience_ids(assessment), id__in=sorted(acc.organisation_ids)
        ).order_by("name")
    )


# -- the list -------------------------------------------------------------------------------------------


@login_required
def assessments(request: HttpRequest, programme: str) -> HttpResponse:
    the_programme = pages.programme_or_404(request, programme)
    acc = access_for(request.user)
    reason = permissions.can_manage_assessment(acc, the_programme.pk)
    form, status = None, 200
    if reason is None:
        form = AssessmentForm(prefix="new", programme=the_programme)
    if request.method == "POST":
        if reason is not None:
            return pages.forbidden(request, reason)
        form = AssessmentForm(request.POST, prefix="new", programme=the_programme)
        said, status = run_action_form(form, Actor.from_request(request))
        if said is not None:
            messages.success(request, said)
            return redirect(_url("programmes_assessment", form.assessment))
    full = queries.has_oversight(acc, the_programme.pk)
    qs = (
        heatmap.assessments_visible_to(request.user, the_programme)
        .annotate(n_submitted=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED)))
        .order_by("-opens_on", "code")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    sizes = heatmap.audience_sizes(rows) if full else {}
    mine: dict[int, list[AssessmentResponse]] = {}
    if not full and acc.organisation_ids:
        for r in AssessmentResponse.objects.filter(
            assessment__in=rows, organisation_id__in=sorted(acc.organisation_ids)
        ).select_related("organisation"):
            mine.setdefault(r.assessment_id, []).append(r)
    for a in rows:
        a.audience_size = sizes.get(a.pk)
        a.rate = round(100 * a.n_submitted / a.audience_size, 1) if a.audience_size else None
        a.mine = mine.get(a.pk, [])
    context = pages.base_context(request, the_programme, "readiness")
    context.update(
        page=page,
        rows=rows,
        full=full,
        panel=form and {"verb": "assessment", "form": form, "url": request.path},
    )
    return render(request, "programmes/readiness/list.html", context, status=status)


# -- one assessment -------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, assessment: Assessment, bound: dict | None = None) -> dict:
    bound = bound or {}
    acc = access_for(request.user)
    office = permissions.can_manage_assessment(acc, assessment.programme_id) is None
    the_map = heatmap.build(assessment, acc)
    rows_page = Paginator(the_map.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    draft = assessment.status == AssessmentStatus.DRAFT
    question_forms = []
    for q in the_map.questions:
        edit = None
        if office and draft:
            edit = bound.get(f"q{q.number}") or QuestionForm(assessment=assessment, question=q)
        question_forms.append({"question": q, "form": edit})
    context = pages.base_context(request, assessment.programme, "readiness")
    pending, chased = [], {}
    if office and assessment.status == AssessmentStatus.OPEN:
        pending = heatmap.non_responders(assessment)
        for org_id, at in (
            Chase.objects.filter(assessment=assessment)
            .order_by("organisation_id", "-at")
            .values_list("organisation_id", "at")
        ):
            chased.setdefault(org_id, at)
        today_chased = heatmap.chased_today(assessment)
        for org in pending:
            org.last_chased = chased.get(org.pk)
            org.chased_today = org.pk in today_chased
    own = [] if the_map.full else _own_audience(request, assessment)
    answerable = [o for o in own if rules.can_respond(acc, assessment, o.pk) is None]
    context.update(
        assessment=assessment,
        map=the_map,
        rows_page=rows_page,
        questions=question_forms,
        office=office,
        draft=draft,
        own=own,
        answerable=answerable,
        pending=pending,
        may_chase=bool([o for o in pending if not o.chased_today]),
        edit={
            "verb": "edit",
            "form": bound.get("edit") or AssessmentEditForm(prefix="edit", assessment=assessment),
            "url": _url("programmes_assessment_edit", assessment),
        }
        if office
        else None,
        add={
            "verb": "question",
            "form": bound.get("question") or QuestionForm(prefix="question", assessment=assessment),
            "url": _url("programmes_assessment_questions", assessment),
        }
        if office and draft
        else None,
        window_state=_window_state(assessment),
    )
    return context


def _window_state(assessment: Assessment) -> str:
    today = heatmap.today()
    if today < assessment.opens_on:
        return f"opens on {heatmap.day(assessment.opens_on)}"
    if today > assessment.closes_on:
        return f"closed on {heatmap.day(assessment.closes_on)}"
    return f"responses due by {heatmap.day(assessment.closes_on)}"


@login_required
def assessment(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    found = _assessment_or_404(request, programme, code)
    return render(request, "programmes/readiness/detail.html", _detail_context(request, found))


def _office_post(request: HttpRequest, programme: str, code: str) -> tuple[Assessment, HttpResponse | None]:
    found = _assessment_or_404(request, programme, code)
    reason = permissions.can_manage_assessment(access_for(request.user), found.programme_id)
    return found, (pages.forbidden(request, reason) if reason else None)


def _rerender(request: HttpRequest, found: Assessment, key: str, form, status: int) -> HttpResponse:
    found = Assessment.objects.select_related("programme", "phase", "milestone").get(pk=found.pk)
    return render(
        request,
        "programmes/readiness/detail.html",
        _detail_context(request, found, {key: form}),
        status=status,
    )


@login_required
@post_form(lambda programme, code: _detail_url(programme, code))
def assessment_edit(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    found, refused = _office_post(request, programme, code)
    if refused:
        return refused
    form = AssessmentEditForm(request.POST, prefix="edit", assessment=found)
    said, status = run_action_form(form, Actor.from_request(request))
    if said is not None:
        messages.success(request, said)
        return redirect(_detail_url(programme, code))
    return _rerender(request, found, "edit", form, status)


@login_required
@post_form(lambda programme, code: _detail_url(programme, code))
def assessment_status(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    """Open (or reopen) and close the assessment: ``to`` = open or closed."""
    found, refused = _office_post(request, programme, code)
    if refused:
        return refused
    target = request.POST.get("to")
    try:
        if target == AssessmentStatus.OPEN:
            actions.open_assessment(actor=Actor.from_request(request), assessment=found)
            messages.success(request, f"{found.code} is open for responses; the participants asked are told.")
        elif target == AssessmentStatus.CLOSED:
            actions.close_assessment(actor=Actor.from_request(request), assessment=found)
            messages.success(request, f"{found.code} is closed to responses.")
        else:
            messages.error(request, "Choose open or closed.")
            return redirect(_detail_url(programme, code))
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(programme, code))
    return redirect(_detail_url(programme, code))


@login_required
@post_form(lambda programme, code: _detail_url(programme, code, "#questions"))
def assessment_questions(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    found, refused = _office_post(request, programme, code)
    if refused:
        return refused
    form = QuestionForm(request.POST, prefix="question", assessment=found)
    said, status = run_action_form(form, Actor.from_request(request))
    if said is not None:
        messages.success(request, said)
        return redirect(_detail_url(programme, code, "#questions"))
    return _rerender(request, found, "question", form, status)


@login_required
@post_form(lambda programme, code, number: _detail_url(programme, code, "#questions"))
def assessment_question(request: HttpRequest, programme: str, code: str, number: int) -> HttpResponse:
    """Save (or, with ``remove``, remove) one question of a draft assessment."""
    found, refused = _office_post(request, programme, code)
    if refused:
        return refused
    question = get_object_or_404(Question, assessment=found, number=number)
    back = _detail_url(programme, code, "#questions")
    if "remove" in request.POST:
        try:
            actions.remove_question(actor=Actor.from_request(request), question=question)
        except ActionError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, f"Q{number} removed.")
        return redirect(back)
    form = QuestionForm(request.POST, assessment=found, question=question)
    said, status = run_action_form(form, Actor.from_request(request))
    if said is not None:
        messages.success(request, said)
        return redirect(back)
    return _rerender(request, found, f"q{number}", form, status)


@login_required
@post_form(lambda programme, code: _detail_url(programme, code, "#chase"))
def assessment_chase(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    """Chase every participant asked that has not submitted (at most once a day each)."""
    found, refused = _office_post(request, programme, code)
    if refused:
        return refused
    try:
        n = actions.chase(actor=Actor.from_request(request), assessment=found)
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(programme, code, "#chase"))
    messages.success(request, f"{n} participant{'s' if n != 1 else ''} chased.")
    return redirect(_detail_url(programme, code, "#chase"))


class _Rows:
    """The heat map's rows as the export reads them (``iterator``)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def iterator(self, chunk_size: int = 1000):
        return iter(self.rows)


def export_columns(the_map: heatmap.HeatMap) -> list[export.Column]:
    columns = [
        export.Column("Participant", lambda r: r.organisation.name),
        export.Column("Response", lambda r: r.status_label),
        export.Column("Submitted ({zone})", lambda r: r.submitted_at),
    ]
    for index, q in enumerate(the_map.questions):
        columns.append(export.Column(f"Q{q.number} {q.text}"[:120], lambda r, i=index: r.cells[i].label))
    columns += [
        export.Column("Overall RAG", lambda r: r.overall_label),
        export.Column("Overall is the suggestion", lambda r: r.overall_is_suggested),
        export.Column("Overall comment", lambda r: r.overall_comment),
    ]
    return columns


@login_required
def assessment_export(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    """The heat map's grid as CSV or XLSX (``?format=``), with the rows the person may read."""
    found = _assessment_or_404(request, programme, code)
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    the_map = heatmap.build(found, access_for(request.user))
    return export.response(
        _Rows(the_map.rows),
        export_columns(the_map),
        fmt=fmt,
        stem=f"{found.programme.code}-{found.code}-heatmap",
    )


# -- responding -----------------------------------------------------------------------------------------


def _answers(response: AssessmentResponse | None) -> tuple[dict[int, Answer], dict[int, list[Evidence]]]:
    if response is None:
        return {}, {}
    answers = {a.question_id: a for a in Answer.objects.filter(response=response)}
    evidence: dict[int, list[Evidence]] = {}
    for e in (
        Evidence.objects.filter(answer__response=response)
        .select_related("answer")
        .order_by("uploaded_at", "id")
    ):
        evidence.setdefault(e.answer.question_id, []).append(e)
    return answers, evidence


def _respond_context(
    request: HttpRequest, found: Assessment, organisation: Organisation, form: ResponseForm | None = None
) -> dict:
    acc = access_for(request.user)
    response = AssessmentResponse.objects.filter(assessment=found, organisation=organisation).first()
    questions = list(Question.objects.filter(assessment=found).order_by("number"))
    answers, evidence = _answers(response)
    editable = (
        rules.can_respond(acc, found, organisation.pk) is None
        and (response is None or response.status != ResponseStatus.SUBMITTED)
        and found.opens_on <= heatmap.today() <= found.closes_on
    )
    if editable and form is None:
        form = ResponseForm(questions=questions, answers=answers, assessment=found, organisation=organisation)
    missing = (
        heatmap.missing(response)
        if response is not None
        else (questions, [q for q in questions if q.evidence_required])
    )
    context = pages.base_context(request, found.programme, "readiness")
    context.update(
        assessment=found,
        organisation=organisation,
        response=response,
        form=form if editable else None,
        rows=[
            {
                "question": q,
                "answer": answers.get(q.pk),
                "shown": heatmap.answer_label(q, answers.get(q.pk)),
                "evidence": evidence.get(q.pk, []),
                "field": (form.bound_rows()[i] if editable and form is not None else None),
            }
            for i, q in enumerate(questions)
        ],
        unanswered=missing[0],
        no_evidence=missing[1],
        window_state=_window_state(found),
        others=[o for o in _own_audience(request, found) if o.pk != organisation.pk],
    )
    return context


def _respondent(request: HttpRequest, found: Assessment) -> tuple[Organisation | None, str]:
    """Which of the person's organisations answers (``?organisation=``), or why none may."""
    own = _own_audience(request, found)
    if own:
        wanted = request.GET.get("organisation") or request.POST.get("organisation")
        return next((o for o in own if str(o.pk) == str(wanted)), own[0]), ""
    acc = access_for(request.user)
    if acc.is_central:
        return None, permissions.READ_ONLY
    if queries.has_oversight(acc, found.programme_id):
        return (
            None,
            "The programme office and assurers score and read readiness assessments; they do not answer",
        )
    return None, f"Your organisation is not asked to answer {found.code}"


@login_required
def assessment_respond(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    found = _assessment_or_404(request, programme, code)
    organisation, reason = _respondent(request, found)
    if organisation is None:
        return pages.forbidden(request, reason)
    if request.method == "POST":
        questions = list(Question.objects.filter(assessment=found).order_by("number"))
        response = AssessmentResponse.objects.filter(assessment=found, organisation=organisation).first()
        answers, _ = _answers(response)
        form = ResponseForm(
            request.POST,
            request.FILES,
            questions=questions,
            answers=answers,
            assessment=found,
            organisation=organisation,
        )
        said, status = run_action_form(form, Actor.from_request(request), field_of=form.field_of)
        if said is not None:
            messages.success(request, said)
            back = _url("programmes_assessment_respond", found)
            return redirect(f"{back}?organisation={organisation.pk}")
        if status in (403, 409):
            # Refused as a whole (closed window, submitted meanwhile): the page as it now stands.
            for error in form_errors(form):
                messages.error(request, error)
            context = _respond_context(request, found, organisation)
            return render(request, "programmes/readiness/respond.html", context, status=status)
        context = _respond_context(request, found, organisation, form)
        return render(request, "programmes/readiness/respond.html", context, status=status)
    return render(
        request, "programmes/readiness/respond.html", _respond_context(request, found, organisation)
    )


@login_required
@post_form(lambda programme, code, evidence: _detail_url(programme, code))
def evidence_remove(request: HttpRequest, programme: str, code: str, evidence: int) -> HttpResponse:
    found = _assessment_or_404(request, programme, code)
    item = get_object_or_404(
        Evidence.objects.filter(
            answer__response__in=queries.assessment_responses_visible_to(request.user).filter(
                assessment=found
            )
        ).select_related("answer__response"),
        pk=evidence,
    )
    organisation_id = item.answer.response.organisation_id
    reason = rules.can_respond(access_for(request.user), found, organisation_id)
    if reason:
        return pages.forbidden(request, reason)
    try:
        actions.remove_evidence(actor=Actor.from_request(request), evidence=item)
        messages.success(request, f"{item.filename} removed.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(f"{_url('programmes_assessment_respond', found)}?organisation={organisation_id}")


@login_required
def evidence_download(request: HttpRequest, programme: str, code: str, evidence: int) -> HttpResponse:
    found = _assessment_or_404(request, programme, code)
    item = get_object_or_404(
        Evidence.objects.filter(
            answer__response__in=queries.assessment_responses_visible_to(request.user).filter(
                assessment=found
            )
        ),
        pk=evidence,
    )
    return evidence_response(item)


# -- one response (the office scores it) ----------------------------------------------------------------


def _response_or_404(
    request: HttpRequest, found: Assessment, organisation: int
) -> tuple[Organisation, AssessmentResponse | None]:
    acc = access_for(request.user)
    response = (
        queries.assessment_responses_visible_to(acc)
        .filter(assessment=found, organisation_id=organisation)
        .select_related("organisation", "submitted_by", "assessment__programme")
        .first()
    )
    if response is not None:
        return response.organisation, response
    # Not responded yet: the office, assurers and the organisation itself see that much.
    if queries.has_oversight(acc, found.programme_id) or acc.is_member(organisation):
        org = Organisation.objects.filter(pk=organisation, pk__in=heatmap.audience_ids(found)).first()
        if org is not None:
            return org, None
    raise Http404("No such response")


def _response_context(
    request: HttpRequest,
    found: Assessment,
    organisation: Organisation,
    response: AssessmentResponse | None,
    bound: dict | None = None,
) -> dict:
    bound = bound or {}
    acc = access_for(request.user)
    office = permissions.can_manage_assessment(acc, found.programme_id) is None
    questions = list(Question.objects.filter(assessment=found).order_by("number"))
    answers, evidence = _answers(response)
    submitted = response is not None and response.status == ResponseStatus.SUBMITTED
    score = None
    if office and submitted:
        score = bound.get("score") or ScoreForm(
            prefix="score", response=response, questions=questions, answers=answers
        )
    back_return = None
    if office and submitted and found.status == AssessmentStatus.OPEN:
        back_return = {
            "verb": "return",
            "form": bound.get("return") or ReturnForm(response=response),
            "url": _url("programmes_assessment_return", found, organisation=organisation.pk),
        }
    suggested = heatmap.worst(a.score_rag for a in answers.values())
    rows = []
    for q in questions:
        a = answers.get(q.pk)
        rows.append(
            {
                "question": q,
                "answer": a,
                "shown": heatmap.answer_label(q, a),
                "evidence": evidence.get(q.pk, []),
                "rag": score[f"q{q.number}_rag"] if score is not None and a is not None else None,
                "note": score[f"q{q.number}_note"] if score is not None and a is not None else None,
                "badge": heatmap.BADGE.get(a.score_rag, "") if a else "",
                "score_label": heatmap.rag_label(a.score_rag) if a and a.score_rag else "",
            }
        )
    context = pages.base_context(request, found.programme, "readiness")
    context.update(
        assessment=found,
        organisation=organisation,
        response=response,
        rows=rows,
        score=score,
        back_return=back_return,
        office=office,
        suggested=suggested,
        suggested_label=heatmap.rag_label(suggested) if suggested else "",
        overall=(response.overall_rag if response else "") or suggested,
        overall_label=heatmap.rag_label((response.overall_rag if response else "") or suggested),
        overall_badge=heatmap.BADGE.get((response.overall_rag if response else "") or suggested, ""),
        mine=acc.is_member(organisation.pk),
    )
    return context


@login_required
def assessment_response(request: HttpRequest, programme: str, code: str, organisation: int) -> HttpResponse:
    """One participant's response: read by the office, assurers and the organisation; scored (POST) by
    the office."""
    found = _assessment_or_404(request, programme, code)
    org, response = _response_or_404(request, found, organisation)
    if request.method == "POST":
        reason = permissions.can_manage_assessment(access_for(request.user), found.programme_id)
        if reason:
            return pages.forbidden(request, reason)
        if response is None:
            raise Http404("No response to score")
        questions = list(Question.objects.filter(assessment=found).order_by("number"))
        answers, _ = _answers(response)
        form = ScoreForm(
            request.POST, prefix="score", response=response, questions=questions, answers=answers
        )
        said, status = run_action_form(form, Actor.from_request(request), field_of=form.field_of)
        if said is not None:
            messages.success(request, said)
            return redirect(request.path)
        context = _response_context(request, found, org, response, {"score": form})
        return render(request, "programmes/readiness/response.html", context, status=status)
    return render(
        request, "programmes/readiness/response.html", _response_context(request, found, org, response)
    )


@login_required
@post_form(
    lambda programme, code, organisation: reverse(
        "programmes_assessment_response",
        kwargs={"programme": programme, "code": code, "organisation": organisation},
    )
)
def response_return(request: HttpRequest, programme: str, code: str, organisation: int) -> HttpResponse:
    found = _assessment_or_404(request, programme, code)
    org, response = _response_or_404(request, found, organisation)
    reason = permissions.can_manage_assessment(access_for(request.user), found.programme_id)
    if reason:
        return pages.forbidden(request, reason)
    if response is None:
        raise Http404("No response to return")
    form = ReturnForm(request.POST, response=response)
    said, status = run_action_form(form, Actor.from_request(request))
    back = _url("programmes_assessment_response", found, organisation=organisation)
    if said is not None:
        messages.success(request, said)
        return redirect(back)
    if status in (403, 409):
        for error in form_errors(form):
            messages.error(request, error)
        return redirect(back)
    context = _response_context(request, found, org, response, {"return": form})
    return render(request, "programmes/readiness/response.html", context, status=status)


_BASE = "programmes/<slug:programme>/readiness/"
_ONE = _BASE + "<str:code>/"

urlpatterns = [
    path(_BASE, assessments, name="programmes_assessments"),
    path(_ONE, assessment, name="programmes_assessment"),
    path(_ONE + "edit/", assessment_edit, name="programmes_assessment_edit"),
    path(_ONE + "status/", assessment_status, name="programmes_assessment_status"),
    path(_ONE + "questions/", assessment_questions, name="programmes_assessment_questions"),
    path(_ONE + "questions/<int:number>/", assessment_question, name="programmes_assessment_question"),
    path(_ONE + "chase/", assessment_chase, name="programmes_assessment_chase"),
    path(_ONE + "export/", assessment_export, name="programmes_assessment_export"),
    path(_ONE + "respond/", assessment_respond, name="programmes_assessment_respond"),
    path(
        _ONE + "respond/evidence/<int:evidence>/remove/",
        evidence_remove,
        name="programmes_assessment_evidence_remove",
    ),
    path(_ONE + "evidence/<int:evidence>/", evidence_download, name="programmes_assessment_evidence"),
    path(_ONE + "responses/<int:organisation>/", assessment_response, name="programmes_assessment_response"),
    path(_ONE + "responses/<int:organisation>/return/", response_return, name="programmes_assessment_return"),
]
