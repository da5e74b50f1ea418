"""Every change to triage scripts, and running one on an incident: one transaction each, refused by
busbar.triage.permissions, journalled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.incidents import actions as incident_actions
from busbar.incidents.models import Incident
from busbar.knowledge.models import Article
from busbar.knowledge.models import Status as ArticleStatus
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.parties.queries import scope_of
from busbar.records import actions as record_actions
from busbar.records import steps
from busbar.records.models import Link
from busbar.services.models import Service, Severity
from busbar.triage import permissions
from busbar.triage.checks import Walk, problems_of, walk
from busbar.triage.models import TriageAnswer, TriageQuestion, TriageRun, TriageScript

#: Bounds of a script: enough for a real diagnosis, small enough to read.
MAX_QUESTIONS = 50
MAX_ANSWERS = 12
QUESTION_MAX = 300


def _journal(actor: Actor, obj, what: str, changes: dict | None = None, note: str = "") -> None:
    journal(
        actor=actor, action=f"triage.{what}", obj=obj, owner=actor.organisation, changes=changes, note=note
    )


def _touch(script: TriageScript, now: dt.datetime) -> None:
    script.updated_at = now
    script.save(update_fields=["updated_at"])


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ActionError("Name the script", field="name")
    return check_text(name, field="name", limit=SHORT_TEXT)


def _lock(script: TriageScript) -> TriageScript:
    return TriageScript.objects.select_for_update().get(pk=script.pk)


# The script ---------------------------------------------------------------------------------------------


@action
def create_script(
    *,
    actor: Actor,
    name: str,
    service: Service | None = None,
    description: str = "",
    now: dt.datetime | None = None,
) -> TriageScript:
    now = now or timezone.now()
    refuse(permissions.can_manage(scope_of(actor)))
    name = _name(name)
    check_text(description, field="description")
    if TriageScript.objects.filter(name=name).exists():
        raise Conflict(f"There is already a script called “{name}”", field="name")
    try:
        with transaction.atomic():
            script = TriageScript.objects.create(
                name=name,
                service=service,
                description=description.strip(),
                created_by=actor.user,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(f"There is already a script called “{name}”", field="name") from exc
    _journal(
        actor, script, "create", {"name": [None, name], "service": [None, str(service or "All services")]}
    )
    return script


@action
def update_script(
    *,
    actor: Actor,
    script: TriageScript,
    name: str,
    service: Service | None,
    description: str,
    now: dt.datetime | None = None,
) -> TriageScript:
    now = now or timezone.now()
    refuse(permissions.can_manage(scope_of(actor)))
    script = _lock(script)
    name = _name(name)
    check_text(description, field="description")
    if TriageScript.objects.filter(name=name).exclude(pk=script.pk).exists():
        raise Conflict(f"There is already a script called “{name}”", field="name")
    changes = {}
    if name != script.name:
        changes["name"] = [script.name, name]
    if (service.pk if service else None) != script.service_id:
        if script.is_active:  # its answers' severities were checked against the service's scheme
            raise Conflict(
                f"“{script.name}” is switched on: switch it off to move it to another service",
                field="service",
            )
        changes["service"] = [str(script.service or "All services"), str(service or "All services")]
    if description.strip() != script.description:
        changes["description"] = [script.description[:200] or None, description.strip()[:200] or None]
    if not changes:
        raise ActionError("Nothing to change", field="name")
    script.name, script.service, script.description = name, service, description.strip()
    script.updated_at = now
    script.save()
    _journal(actor, script, "update", changes)
    return script


@action
def set_active(
    *, actor: Actor, script: TriageScript, active: bool, now: dt.datetime | None = None
) -> TriageScript:
    """Offer the script on incidents (once it has no problems), or stop offering it."""
    now = now or timezone.now()
    refuse(permissions.can_manage(scope_of(actor)))
    script = _lock(script)
    if script.is_active == active:
        raise Conflict(
            f"“{script.name}” is already {'switched on' if active else 'switched off'}", field="active"
        )
    if active and (found := problems_of(script)):
        raise ActionError("; ".join(p.message for p in found[:5]), field=found[0].field)
    script.is_active = active
    _touch(script, now)
    script.save(update_fields=["is_active"])
    _journal(actor, script, "activate" if active else "deactivate", {"is_active": [not active, active]})
    return script


# Questions and answers ----------------------------------------------------------------------------------


def _question_text(text: str, help_text: str) -> tuple[str, str]:
    text = " ".join(text.split())
    if not text:
        raise ActionError("Write the question", field="text")
    check_text(text, field="text", limit=QUESTION_MAX)
    check_text(help_text, field="help")
    return text, help_text.strip()


def _editing(actor: Actor, script: TriageScript) -> TriageScript:
    """The script, locked, for a change to its questions and answers by the desk while it is off."""
    refuse(permissions.can_manage(scope_of(actor)))
    script = _lock(script)
    _editable(script)
    return script


def _editable(script: TriageScript) -> None:
    """A switched-on script keeps being a whole: switch it off to change its questions and answers."""
    if script.is_active:
        raise Conflict(
            f"“{script.name}” is switched on: switch it off to change its questions, then on again",
            field="script",
        )


@action
def add_question(
    *,
    actor: Actor,
    script: TriageScript,
    text: str,
    help: str = "",
    now: dt.datetime | None = None,
) -> TriageQuestion:
    now = now or timezone.now()
    script = _editing(actor, script)
    text, help_text = _question_text(text, help)
    count = script.questions.count()
    if count >= MAX_QUESTIONS:
        raise ActionError(f"A script has at most {MAX_QUESTIONS} questions", field="text")
    last = script.questions.aggregate(m=Max("position"))["m"] or 0
    question = TriageQuestion.objects.create(script=script, position=last + 1, text=text, help=help_text)
    _touch(script, now)
    _journal(actor, script, "question", {f"Q{count + 1}": [None, text]})
    return question


@action
def update_question(
    *,
    actor: Actor,
    question: TriageQuestion,
    text: str,
    help: str = "",
    now: dt.datetime | None = None,
) -> TriageQuestion:
    now = now or timezone.now()
    script = _editing(actor, question.script)
    text, help_text = _question_text(text, help)
    if (text, help_text) == (question.text, question.help):
        raise ActionError("Nothing to change", field="text")
    changes = {"question": [question.text, text]}
    question.text, question.help = text, help_text
    question.save(update_fields=["text", "help"])
    _touch(script, now)
    _journal(actor, script, "question", changes)
    return question


@action
def move_question(
    *, actor: Actor, question: TriageQuestion, up: bool, now: dt.datetime | None = None
) -> None:
    """Swap the question with the one before (``up``) or after it; the first question is asked first."""
    now = now or timezone.now()
    script = _editing(actor, question.script)
    siblings = list(script.questions.order_by("position", "id"))
    index = next(i for i, q in enumerate(siblings) if q.pk == question.pk)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(siblings):
        raise ActionError("It is already " + ("first" if up else "last"), field="position")
    mine, other = siblings[index], siblings[other_index]
    a, b = mine.position, other.position
    mine.position = 0  # free the unique position for the swap
    mine.save(update_fields=["position"])
    other.position = a
    other.save(update_fields=["position"])
    mine.position = b
    mine.save(update_fields=["position"])
    _touch(script, now)
    _journal(actor, script, "reorder", {"question": [a, b], "text": [None, mine.text]})


@action
def delete_question(*, actor: Actor, question: TriageQuestion, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    script = _editing(actor, question.script)
    leading = list(TriageAnswer.objects.filter(next_question=question).values_list("label", flat=True))
    if leading:
        raise Conflict(
            f"Answers lead to this question ({', '.join(f'“{x}”' for x in leading[:3])}): change them first",
            field="question",
        )
    text = question.text
    question.delete()
    for position, remaining in enumerate(script.questions.order_by("position", "id"), start=1):
        if remaining.position != position:  # close the gap: the questions stay numbered 1, 2, 3…
            remaining.position = position
            remaining.save(update_fields=["position"])
    _touch(script, now)
    _journal(actor, script, "question_delete", {"question": [text, None]})


@dataclass
class Outcome:
    """What an answer leads to: the next question, or the end of the script with what it found."""

    next_question: TriageQuestion | None = None
    article: Article | None = None
    severity: Severity | None = None
    raise_to_provider: bool = False
    advice: str = ""


def _answer_fields(
    script: TriageScript, question: TriageQuestion | None, label: str, outcome: Outcome
) -> str:
    label = " ".join(label.split())
    if not label:
        raise ActionError("Write the answer", field="label")
    check_text(label, field="label", limit=SHORT_TEXT)
    check_text(outcome.advice, field="advice")
    nxt = outcome.next_question
    if nxt is not None:
        if nxt.script_id != script.pk:
            raise ActionError("The next question must be one of this script's", field="next_question")
        if question is not None and nxt.pk == question.pk:
            raise ActionError("An answer cannot lead back to its own question", field="next_question")
        if outcome.article or outcome.severity or outcome.raise_to_provider or outcome.advice.strip():
            raise ActionError(
                "An answer either leads to another question or ends with an outcome, not both",
                field="next_question",
            )
    elif not (outcome.article or outcome.severity or outcome.raise_to_provider or outcome.advice.strip()):
        raise ActionError(
            "Say where the answer leads: another question, an article, a severity, raise to the provider, "
            "or advice",
            field="next_question",
        )
    if outcome.article is not None and outcome.article.status != ArticleStatus.PUBLISHED:
        raise ActionError(f"{outcome.article.reference} is not published", field="article")
    if outcome.severity is not None and script.service is not None:
        scheme_id = script.service.sla_policy.scheme_id if script.service.sla_policy_id else None
        if scheme_id is not None and outcome.severity.scheme_id != scheme_id:
            raise ActionError(f"{outcome.severity} is not a severity of {script.service}", field="severity")
    return label


@action
def add_answer(
    *, actor: Actor, question: TriageQuestion, label: str, outcome: Outcome, now: dt.datetime | None = None
) -> TriageAnswer:
    now = now or timezone.now()
    script = _editing(actor, question.script)
    label = _answer_fields(script, question, label, outcome)
    if question.answers.count() >= MAX_ANSWERS:
        raise ActionError(f"A question has at most {MAX_ANSWERS} answers", field="label")
    last = question.answers.aggregate(m=Max("position"))["m"] or 0
    answer = TriageAnswer.objects.create(
        question=question,
        position=last + 1,
        label=label,
        next_question=outcome.next_question,
        article=outcome.article,
        severity=outcome.severity,
        raise_to_provider=outcome.raise_to_provider,
        advice=outcome.advice.strip(),
    )
    _touch(script, now)
    _journal(actor, script, "answer", {"answer": [None, f"{question.text} → {label}"]})
    return answer


@action
def update_answer(
    *, actor: Actor, answer: TriageAnswer, label: str, outcome: Outcome, now: dt.datetime | None = None
) -> TriageAnswer:
    now = now or timezone.now()
    script = _editing(actor, answer.question.script)
    label = _answer_fields(script, answer.question, label, outcome)
    before = f"{answer.question.text} → {answer.label}"
    answer.label = label
    answer.next_question = outcome.next_question
    answer.article, answer.severity = outcome.article, outcome.severity
    answer.raise_to_provider, answer.advice = outcome.raise_to_provider, outcome.advice.strip()
    answer.save()
    _touch(script, now)
    _journal(actor, script, "answer", {"answer": [before, f"{answer.question.text} → {label}"]})
    return answer


@action
def delete_answer(*, actor: Actor, answer: TriageAnswer, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    script = _editing(actor, answer.question.script)
    before = f"{answer.question.text} → {answer.label}"
    answer.delete()
    _touch(script, now)
    _journal(actor, script, "answer_delete", {"answer": [before, None]})


# A whole script at once (the API) -----------------------------------------------------------------------


@dataclass
class AnswerSpec:
    label: str
    next: str | None = None  # the key of a question of the same definition
    article: Article | None = None
    severity: Severity | None = None
    raise_to_provider: bool = False
    advice: str = ""


@dataclass
class QuestionSpec:
    key: str
    text: str
    help: str = ""
    answers: list[AnswerSpec] = field(default_factory=list)


@action
def define_script(
    *,
    actor: Actor,
    name: str,
    service: Service | None,
    description: str,
    questions: Sequence[QuestionSpec],
    script: TriageScript | None = None,
    now: dt.datetime | None = None,
) -> TriageScript:
    """Write a whole script (new, or replacing a switched-off one's questions): all or nothing, the
    question or answer at fault named (``questions[2].answers[0].next``)."""
    now = now or timezone.now()
    refuse(permissions.can_manage(scope_of(actor)))
    if len(questions) > MAX_QUESTIONS:
        raise ActionError(f"A script has at most {MAX_QUESTIONS} questions", field="questions")
    keys = [q.key for q in questions]
    for qi, key in enumerate(keys):
        if keys.index(key) != qi:
            raise ActionError(f"Two questions have the key {key!r}", field=f"questions[{qi}].key")
    if script is None:
        script = create_script(actor=actor, name=name, service=service, description=description, now=now)
    else:
        script = _lock(script)
        _editable(script)
        if (_name(name), service, description.strip()) != (script.name, script.service, script.description):
            update_script(
                actor=actor, script=script, name=name, service=service, description=description, now=now
            )
            script.refresh_from_db()
        TriageAnswer.objects.filter(question__script=script).delete()
        script.questions.all().delete()
    made: dict[str, TriageQuestion] = {}
    for qi, spec in enumerate(questions):
        try:
            text, help_text = _question_text(spec.text, spec.help)
        except ActionError as exc:
            raise ActionError(exc.message, field=f"questions[{qi}].{exc.field}") from None
        made[spec.key] = TriageQuestion.objects.create(
            script=script, position=qi + 1, text=text, help=help_text
        )
    for qi, spec in enumerate(questions):
        if len(spec.answers) > MAX_ANSWERS:
            raise ActionError(
                f"A question has at most {MAX_ANSWERS} answers", field=f"questions[{qi}].answers"
            )
        for ai, answer in enumerate(spec.answers):
            where = f"questions[{qi}].answers[{ai}]"
            if answer.next is not None and answer.next not in made:
                raise ActionError(f"No question with the key {answer.next!r}", field=f"{where}.next")
            outcome = Outcome(
                next_question=made.get(answer.next) if answer.next else None,
                article=answer.article,
                severity=answer.severity,
                raise_to_provider=answer.raise_to_provider,
                advice=answer.advice,
            )
            try:
                label = _answer_fields(script, made[spec.key], answer.label, outcome)
            except ActionError as exc:
                field_name = {"next_question": "next"}.get(exc.field or "", exc.field)
                raise ActionError(exc.message, field=f"{where}.{field_name}") from None
            TriageAnswer.objects.create(
                question=made[spec.key],
                position=ai + 1,
                label=label,
                next_question=outcome.next_question,
                article=outcome.article,
                severity=outcome.severity,
                raise_to_provider=outcome.raise_to_provider,
                advice=outcome.advice.strip(),
            )
    if questions and (found := problems_of(script)):
        raise ActionError(found[0].message, field=found[0].field)
    _touch(script, now)
    _journal(actor, script, "define", {"questions": [None, len(questions)]})
    return script


# Running a script ---------------------------------------------------------------------------------------


def _transcript_note(script: TriageScript, done: Walk, applied: list[str], note: str) -> str:
    lines = [f"Triage script “{script.name}”:"]
    lines += [f"- {q.text} → {a.label}" for q, a in done.steps]
    end = done.end
    outcome = []
    if end.article_id:
        outcome.append(f"knowledge article {end.article.reference} ({end.article.title})")
    if end.severity_id:
        outcome.append(f"severity {end.severity.code}")
    if end.raise_to_provider:
        outcome.append("raise to the provider")
    if outcome:
        lines.append("Outcome: " + "; ".join(outcome) + ".")
    if end.advice.strip():
        lines.append(f"Advice: {end.advice.strip()}")
    if applied:
        lines.append("Done: " + "; ".join(applied) + ".")
    if note.strip():
        lines.append(note.strip())
    return "\n".join(lines)


@action
def run_script(
    *,
    actor: Actor,
    incident: Incident,
    script: TriageScript,
    answers: Sequence[int],
    apply_severity: bool = True,
    assign: bool = True,
    note: str = "",
    now: dt.datetime | None = None,
) -> TriageRun:
    """Record a finished run on ``incident``: the questions and answers as an internal note, the article
    reached linked to it; with ``apply_severity`` the suggested severity set, with ``assign`` the
    incident passed to the service's provider when the outcome says to raise it."""
    now = now or timezone.now()
    refuse(permissions.can_run(scope_of(actor), incident))
    if not incident.is_open:
        raise Conflict(f"{incident.reference} is {incident.get_status_display().lower()}", field="incident")
    script = TriageScript.objects.select_related("service").get(pk=script.pk)  # as it is now
    if not script.is_active:
        raise Conflict(f"“{script.name}” is switched off", field="script")
    if script.service_id is not None and script.service_id != incident.service_id:
        raise ActionError(f"“{script.name}” is for {script.service}, not {incident.service}", field="script")
    check_text(note, field="note")
    done = walk(script, answers)
    if done.end is None:
        raise ActionError("Answer every question to the end of the script first", field="answers")
    end = done.end
    applied: list[str] = []
    incident = Incident.objects.select_related("record", "service__sla_policy", "severity").get(
        pk=incident.pk
    )
    # What the script points to may have changed since it was written: an article retired since is not
    # linked, a severity of another scheme (a script for every service) is not set; the note says so.
    article = end.article if end.article_id and end.article.status == ArticleStatus.PUBLISHED else None
    if end.article_id and article is None:
        applied.append(f"not linked: {end.article.reference} is no longer published")
    if (
        article is not None
        and not Link.objects.filter(
            source_id=incident.record_id, target_id=article.record_id, kind=Link.Kind.DOCUMENTED_IN
        ).exists()
    ):
        record_actions.link_records(
            actor=actor, source=incident, target=article, kind=Link.Kind.DOCUMENTED_IN
        )
        applied.append(f"linked {article.reference}")
    severity = end.severity if end.severity_id else None
    if severity is not None and severity.scheme_id != incident.service.sla_policy.scheme_id:
        applied.append(f"severity {severity.code} not set: not a severity of {incident.service}")
        severity = None
    if apply_severity and severity is not None and severity.pk != incident.severity_id:
        incident_actions.triage_incident(actor=actor, incident=incident, severity=severity, now=now)
        applied.append(f"severity set to {severity.code}")
    if assign and end.raise_to_provider:
        provider = incident.service.provider
        if incident.provider_id != provider.pk:
            incident_actions.assign_incident(actor=actor, incident=incident, provider=provider, now=now)
            applied.append(f"assigned to {provider}")
    transcript = [{"question": q.text, "answer": a.label} for q, a in done.steps]
    steps.add_entry(
        incident.record,
        actor=actor,
        body=_transcript_note(script, done, applied, note),
        internal=True,
        now=now,
    )
    run = TriageRun.objects.create(
        record=incident.record,
        script=script,
        script_name=script.name,
        transcript=transcript,
        article=end.article,
        severity=end.severity,
        raise_to_provider=end.raise_to_provider,
        advice=end.advice,
        applied=applied,
        run_by=actor.user,
        created_at=now,
    )
    journal(
        actor=actor,
        action="triage.run",
        obj=run,
        owner=incident.organisation,
        changes={
            "incident": [None, incident.reference],
            "script": [None, script.name],
            "done": [None, applied],
        },
    )
    return run
