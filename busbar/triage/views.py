"""Triage pages: the scripts and their editor (the desk; providers read those of their services), trying a
script, running one on an incident and recording it, the panel on the incident's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from busbar.incidents.queries import visible_to as incidents_visible_to
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, parse_id
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.triage import actions, checks, permissions, queries
from busbar.triage.forms import AnswerForm, QuestionForm, RecordRunForm, ScriptForm
from busbar.triage.models import TriageAnswer, TriageQuestion, TriageScript

#: The most answers a run's path may carry in its address.
MAX_PATH = actions.MAX_QUESTIONS


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


def _readers_only(request: HttpRequest) -> str | None:
    scope = scope_for(request.user)
    if scope.is_central or scope.is_resolver:
        return None
    return "Triage scripts are for the service desk and the providers"


def _status(exc: ActionError) -> int:
    return 403 if isinstance(exc, NotPermitted) else exc.status


@login_required
def script_list(request: HttpRequest) -> HttpResponse:
    if reason := _readers_only(request):
        return _forbidden(request, reason)
    scripts = queries.scripts_visible_to(request.user).annotate(
        question_count=Count("questions", distinct=True), run_count=Count("runs", distinct=True)
    )
    context = {"scripts": scripts, "can_manage": permissions.can_manage(scope_for(request.user)) is None}
    return render(request, "triage/script_list.html", context)


@login_required
def script_create(request: HttpRequest) -> HttpResponse:
    if reason := permissions.can_manage(scope_for(request.user)):
        return _forbidden(request, reason)
    form = ScriptForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                script = actions.create_script(
                    actor=Actor.from_request(request),
                    name=data["name"],
                    service=data["service"],
                    description=data["description"],
                )
            except ActionError as exc:
                add_action_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, "Script created: add its first question.")
                return redirect("triage_script", pk=script.pk)
    return render(request, "triage/script_form.html", {"form": form}, status=status)


def _script(request: HttpRequest, pk: int) -> TriageScript:
    return get_object_or_404(queries.with_tree(queries.scripts_visible_to(request.user)), pk=pk)


def _script_context(request: HttpRequest, script: TriageScript, **extra: object) -> dict:
    manage = permissions.can_manage(scope_for(request.user)) is None
    initial = {"name": script.name, "service": script.service_id, "description": script.description}
    return {
        "script": script,
        "questions": list(script.questions.all()),
        "problems": checks.problems_of(script),
        "can_manage": manage,
        "editable": manage and not script.is_active,
        "details_form": ScriptForm(initial=initial, user=request.user) if manage else None,
        "question_form": QuestionForm(prefix="new") if manage and not script.is_active else None,
        "runs": script.runs.select_related("record", "run_by")[:10] if manage else [],
        **extra,
    }


@login_required
def script_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if reason := _readers_only(request):
        return _forbidden(request, reason)
    script = _script(request, pk)
    return render(request, "triage/script_detail.html", _script_context(request, script))


def _script_page(request: HttpRequest, pk: int, status: int, **bound: object) -> HttpResponse:
    """The script's page again after a refused change (nothing was written), with the forms as typed."""
    context = _script_context(request, _script(request, pk), **bound)
    return render(request, "triage/script_detail.html", context, status=status)


@login_required
@post_form(lambda pk, verb: reverse("triage_script", args=[pk]))
def script_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """details, on, off, add-question: one action each, back to the script (or its page with the error)."""
    if verb not in ("details", "on", "off", "add-question"):
        raise Http404("No such action")
    script = _script(request, pk)
    actor = Actor.from_request(request)
    if verb in ("on", "off"):
        try:
            actions.set_active(actor=actor, script=script, active=verb == "on")
        except ActionError as exc:
            messages.error(request, exc.message)
            return _script_page(request, pk, _status(exc))
        messages.success(request, "Switched on: offered on incidents." if verb == "on" else "Switched off.")
        return redirect("triage_script", pk=script.pk)
    if verb == "details":
        form = ScriptForm(request.POST, user=request.user)
        if not form.is_valid():
            return _script_page(request, pk, 422, details_form=form)
        data = form.cleaned_data
        try:
            actions.update_script(
                actor=actor,
                script=script,
                name=data["name"],
                service=data["service"],
                description=data["description"],
            )
        except ActionError as exc:
            add_action_error(form, exc)
            return _script_page(request, pk, _status(exc), details_form=form)
        messages.success(request, "Details saved.")
        return redirect("triage_script", pk=script.pk)
    form = QuestionForm(request.POST, prefix="new")
    if not form.is_valid():
        return _script_page(request, pk, 422, question_form=form)
    try:
        question = actions.add_question(
            actor=actor, script=script, text=form.cleaned_data["text"], help=form.cleaned_data["help"]
        )
    except ActionError as exc:
        add_action_error(form, exc)
        return _script_page(request, pk, _status(exc), question_form=form)
    messages.success(request, f"Q{question.position} added: now add its answers.")
    return redirect("triage_question", pk=script.pk, question=question.pk)


def _question(script: TriageScript, question_id: int) -> TriageQuestion:
    for question in script.questions.all():
        if question.pk == question_id:
            return question
    raise Http404("No such question")


def _question_context(
    request: HttpRequest, script: TriageScript, question: TriageQuestion, **bound: object
) -> dict:
    answers = list(question.answers.all())
    edit_forms = {
        a.pk: AnswerForm(
            initial=AnswerForm.initial_for(a),
            prefix=f"a{a.pk}",
            script=script,
            question=question,
            user=request.user,
        )
        for a in answers
    }
    edit_forms.update(bound.pop("answer_forms", {}))  # type: ignore[arg-type]
    return {
        "script": script,
        "question": question,
        "answers": [(a, edit_forms[a.pk]) for a in answers],
        "question_form": bound.pop("question_form", None)
        or QuestionForm(initial={"text": question.text, "help": question.help}, prefix="q"),
        "answer_form": bound.pop("answer_form", None)
        or AnswerForm(prefix="new", script=script, question=question, user=request.user),
        "editable": not script.is_active,
    }


@login_required
def question_page(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    if reason := permissions.can_manage(scope_for(request.user)):
        return _forbidden(request, reason)
    script = _script(request, pk)
    return render(
        request, "triage/question.html", _question_context(request, script, _question(script, question))
    )


def _question_page(
    request: HttpRequest, pk: int, question_id: int, status: int, **bound: object
) -> HttpResponse:
    script = _script(request, pk)
    context = _question_context(request, script, _question(script, question_id), **bound)
    return render(request, "triage/question.html", context, status=status)


@login_required
@post_form(lambda pk, question, verb: reverse("triage_question", args=[pk, question]))
def question_action(request: HttpRequest, pk: int, question: int, verb: str) -> HttpResponse:
    """edit, up, down, delete, add-answer, edit-answer, delete-answer: one action each."""
    if verb not in ("edit", "up", "down", "delete", "add-answer", "edit-answer", "delete-answer"):
        raise Http404("No such action")
    script = _script(request, pk)
    found = _question(script, question)
    actor = Actor.from_request(request)
    if verb in ("up", "down", "delete", "delete-answer"):
        try:
            if verb == "delete-answer":
                answer = get_object_or_404(
                    TriageAnswer, pk=parse_id(request.POST.get("answer")) or 0, question=found
                )
                actions.delete_answer(actor=actor, answer=answer)
                messages.success(request, "Answer deleted.")
            elif verb == "delete":
                actions.delete_question(actor=actor, question=found)
                messages.success(request, "Question deleted.")
                return redirect("triage_script", pk=script.pk)
            else:
                actions.move_question(actor=actor, question=found, up=verb == "up")
                return redirect(reverse("triage_script", args=[script.pk]) + f"#q{found.pk}")
        except ActionError as exc:
            messages.error(request, exc.message)
            return _question_page(request, pk, found.pk, _status(exc))
        return redirect("triage_question", pk=script.pk, question=found.pk)
    if verb == "edit":
        form = QuestionForm(request.POST, prefix="q")
        bound = {"question_form": form}
    elif verb == "add-answer":
        form = AnswerForm(request.POST, prefix="new", script=script, question=found, user=request.user)
        bound = {"answer_form": form}
    else:
        answer = get_object_or_404(TriageAnswer, pk=parse_id(request.POST.get("answer")) or 0, question=found)
        form = AnswerForm(
            request.POST, prefix=f"a{answer.pk}", script=script, question=found, user=request.user
        )
        bound = {"answer_forms": {answer.pk: form}}
    if not form.is_valid():
        return _question_page(request, pk, found.pk, 422, **bound)
    data = form.cleaned_data
    try:
        if verb == "edit":
            actions.update_question(actor=actor, question=found, text=data["text"], help=data["help"])
            messages.success(request, "Question saved.")
        elif verb == "add-answer":
            actions.add_answer(actor=actor, question=found, label=data["label"], outcome=form.outcome())
            messages.success(request, "Answer added.")
        else:
            actions.update_answer(actor=actor, answer=answer, label=data["label"], outcome=form.outcome())
            messages.success(request, "Answer saved.")
    except ActionError as exc:
        add_action_error(form, exc)
        return _question_page(request, pk, found.pk, _status(exc), **bound)
    return redirect("triage_question", pk=script.pk, question=found.pk)


def _path(request: HttpRequest) -> list[int]:
    raw = (request.POST.get("path") if request.method == "POST" else request.GET.get("path")) or ""
    parts = [p for p in raw.split(",") if p.strip()][: MAX_PATH + 1]
    ids = [parse_id(p) for p in parts]
    if None in ids:
        raise Http404("No such answer")
    return ids  # type: ignore[return-value]


def _runner_context(request: HttpRequest, script: TriageScript, path: list[int], incident=None) -> dict:
    error = None
    try:
        done = checks.walk(script, path)
    except ActionError as exc:
        error, path = exc.message, []
        try:
            done = checks.walk(script, [])
        except ActionError:  # no questions yet: nothing to walk
            done = checks.Walk([], None, None)
    base = (
        reverse("triage_run", args=[incident.reference, script.pk])
        if incident is not None
        else reverse("triage_try", args=[script.pk])
    )
    steps = []
    for index, (question, answer) in enumerate(done.steps):
        steps.append(
            {
                "question": question,
                "answer": answer,
                "back": f"{base}?path={','.join(map(str, path[:index]))}",
            }
        )
    choices = []
    if done.question is not None:
        for answer in done.question.answers.all():
            choices.append({"answer": answer, "url": f"{base}?path={','.join(map(str, [*path, answer.pk]))}"})
    provider = incident.service.provider if incident is not None else None
    return {
        "script": script,
        "incident": incident,
        "steps": steps,
        "question": done.question,
        "choices": choices,
        "end": done.end,
        "error": error,
        "path": ",".join(map(str, path)),
        "restart": base,
        "provider": provider,
        "record_form": RecordRunForm(prefix="run") if incident is not None and done.end is not None else None,
    }


@login_required
def try_script(request: HttpRequest, pk: int) -> HttpResponse:
    """Walk through a script without an incident, to check it reads well."""
    if reason := _readers_only(request):
        return _forbidden(request, reason)
    script = _script(request, pk)
    context = _runner_context(request, script, _path(request))
    template = "triage/_runner.html" if request.htmx else "triage/run.html"
    return render(request, template, context)


def _incident(request: HttpRequest, reference: str):
    return get_object_or_404(
        incidents_visible_to(request.user).select_related("service__provider", "record"),
        reference=reference.upper(),
    )


@login_required
def run(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Run a script on an incident: one question at a time (GET, the answers so far in ``path``); at the
    end, POST records the run on the incident."""
    incident = _incident(request, reference)
    if reason := permissions.can_run(scope_for(request.user), incident):
        return _forbidden(request, reason)
    script = _script(request, pk)
    if request.method == "POST":
        form = RecordRunForm(request.POST, prefix="run")
        path = _path(request)
        if form.is_valid():
            try:
                made = actions.run_script(
                    actor=Actor.from_request(request),
                    incident=incident,
                    script=script,
                    answers=path,
                    apply_severity=form.cleaned_data["apply_severity"],
                    assign=form.cleaned_data["assign"],
                    note=form.cleaned_data["note"],
                )
            except ActionError as exc:
                messages.error(request, exc.message)
                context = _runner_context(request, script, path, incident)
                return render(request, "triage/run.html", context, status=_status(exc))
            done = "; ".join(made.applied)
            messages.success(
                request, f"Triage recorded on {incident.reference}" + (f": {done}." if done else ".")
            )
            return redirect("incident_detail", reference=incident.reference)
    context = _runner_context(request, script, _path(request), incident)
    template = "triage/_runner.html" if request.htmx else "triage/run.html"
    return render(request, template, context)


def incident_panel(request: HttpRequest, incident) -> dict | None:
    """The triage panel of an incident's page: for the desk, the scripts offered on an open incident and
    the runs recorded on it. Nobody else sees it, and it costs them no query."""
    if permissions.can_run(scope_for(request.user), incident) is not None:
        return None
    scripts = list(queries.offered_on(request.user, incident)) if incident.is_open else []
    runs = list(queries.runs_on(request.user, incident)[:5])
    if not scripts and not runs:
        return None
    return {"incident": incident, "scripts": scripts, "runs": runs}
