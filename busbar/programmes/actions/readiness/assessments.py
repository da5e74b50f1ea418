"""The questionnaire (digest §5.2, GV-16): an assessment with its window and who is asked, its numbered
questions (changed only while a draft), opening (the participants asked are told) and closing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.programmes import heatmap, permissions
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.readiness._common import _lock, _today
from busbar.programmes.actions.readiness.notices import _notify
from busbar.programmes.models import (
    ASSESSMENT_TRANSITIONS,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    Milestone,
    Question,
)
from busbar.testing.access import access_of
from busbar.testing.models import Phase, Programme

CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}"
_CODE = re.compile(rf"^{CODE_PATTERN}$")
NAME_MAX = Assessment._meta.get_field("name").max_length
AREA_MAX = Question._meta.get_field("area").max_length
QUESTION_MAX = Question._meta.get_field("text").max_length
DESCRIPTION_MAX = 5000
GUIDANCE_MAX = 5000
#: Questions of one assessment at most.
MAX_QUESTIONS = 200


def _draft_only(assessment: Assessment, what: str) -> None:
    if assessment.status != AssessmentStatus.DRAFT:
        raise Conflict(
            f"{assessment.code} is {assessment.get_status_display().lower()}: "
            f"{what} only while it is a draft",
            field="status",
        )


def _phase(programme: Programme, phase: Phase | None) -> Phase | None:
    if phase is not None and phase.programme_id != programme.pk:
        raise ActionError(f"{phase.name} is a phase of another programme", field="phase")
    return phase


def _milestone(programme: Programme, milestone: Milestone | None) -> Milestone | None:
    if milestone is not None and milestone.programme_id != programme.pk:
        raise ActionError(f"{milestone.code} is a milestone of another programme", field="milestone")
    return milestone


def _window(opens_on: Any, closes_on: Any) -> tuple[dt.date, dt.date]:
    opens = check_date(opens_on, field="opens_on", required=True)
    closes = check_date(closes_on, field="closes_on", required=True)
    assert opens is not None and closes is not None
    if closes < opens:
        raise ActionError(
            f"The window closes ({heatmap.day(closes)}) before it opens ({heatmap.day(opens)})",
            field="closes_on",
        )
    return opens, closes


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ActionError("Say yes or no", field=field)
    return value


@action
def create_assessment(
    *,
    actor: Actor,
    programme: Programme,
    code: str,
    name: str,
    opens_on: dt.date,
    closes_on: dt.date,
    description: str = "",
    phase: Phase | None = None,
    milestone: Milestone | None = None,
) -> Assessment:
    """A draft assessment (RA5 "Design & Build Checkpoint 2") with its response window; asked of every
    participant of the programme, or of ``phase``'s participants only (GV-16: "for SIT participants
    only")."""
    refuse(permissions.can_manage_assessment(access_of(actor), programme.pk))
    code = (code or "").strip()
    if not _CODE.match(code):
        raise ActionError(
            "A code is up to 20 letters, digits, dots, dashes or underscores, e.g. RA5", field="code"
        )
    name = clean_text(name, field="name", limit=NAME_MAX, what="The name")
    description = clean_text(
        description, field="description", limit=DESCRIPTION_MAX, what="The description", required=False
    )
    opens, closes = _window(opens_on, closes_on)
    _phase(programme, phase)
    _milestone(programme, milestone)
    if Assessment.objects.filter(programme=programme, code__iexact=code).exists():
        raise Conflict(f"{programme.name} already has an assessment {code}", field="code")
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                programme=programme,
                code=code,
                name=name,
                description=description,
                opens_on=opens,
                closes_on=closes,
                phase=phase,
                milestone=milestone,
            )
    except IntegrityError:
        raise Conflict(f"{programme.name} already has an assessment {code}", field="code") from None
    journal(
        actor,
        assessment,
        "assessment_create",
        changes={
            "code": [None, code],
            "name": [None, name],
            "window": [None, f"{opens.isoformat()} – {closes.isoformat()}"],
            **({"phase": [None, phase.name]} if phase else {}),
            **({"milestone": [None, milestone.code]} if milestone else {}),
        },
    )
    return assessment


EDITABLE = ("name", "description", "opens_on", "closes_on", "phase", "milestone")
#: "Not given" for the optional fields of an update (None is a value: no phase, no milestone).
_UNSET: Any = object()


@action
def update_assessment(
    *,
    actor: Actor,
    assessment: Assessment,
    name: str = _UNSET,
    description: str = _UNSET,
    opens_on: dt.date = _UNSET,
    closes_on: dt.date = _UNSET,
    phase: Phase | None = _UNSET,
    milestone: Milestone | None = _UNSET,
) -> Assessment:
    """Its name, description and window (e.g. a closing date moved out); its phase (who is asked) only
    while a draft. Fields not given stay as they are."""
    assessment = _lock(assessment)
    refuse(permissions.can_manage_assessment(access_of(actor), assessment.programme_id))
    programme = assessment.programme
    fields: dict[str, Any] = {}
    if name is not _UNSET:
        fields["name"] = clean_text(name, field="name", limit=NAME_MAX, what="The name")
    if description is not _UNSET:
        fields["description"] = clean_text(
            description, field="description", limit=DESCRIPTION_MAX, what="The description", required=False
        )
    if opens_on is not _UNSET or closes_on is not _UNSET:
        fields["opens_on"], fields["closes_on"] = _window(
            assessment.opens_on if opens_on is _UNSET else opens_on,
            assessment.closes_on if closes_on is _UNSET else closes_on,
        )
    if phase is not _UNSET:
        fields["phase"] = _phase(programme, phase)
        if fields["phase"] != assessment.phase and assessment.status != AssessmentStatus.DRAFT:
            _draft_only(assessment, "who is asked changes")
    if milestone is not _UNSET:
        fields["milestone"] = _milestone(programme, milestone)
    changes: dict[str, list] = {}
    for field_name, value in fields.items():
        old = getattr(assessment, field_name)
        if old != value:
            changes[field_name] = [
                None if old is None else str(old)[:200],
                None if value is None else str(value)[:200],
            ]
            setattr(assessment, field_name, value)
    if not changes:
        raise ActionError("Nothing to change", field="name")
    assessment.save(update_fields=[n for n in EDITABLE if n in changes])
    journal(actor, assessment, "assessment_update", changes=changes)
    return assessment


def _question_fields(
    *, text: Any, area: Any, guidance: Any, answer_kind: Any, evidence_required: Any
) -> dict[str, Any]:
    if answer_kind not in AnswerKind.values:
        raise ActionError(f"An answer is one of: {', '.join(AnswerKind.values)}", field="answer_kind")
    return {
        "text": clean_text(text, field="text", limit=QUESTION_MAX, what="The question"),
        "area": clean_text(area, field="area", limit=AREA_MAX, what="The area", required=False),
        "guidance": clean_text(
            guidance, field="guidance", limit=GUIDANCE_MAX, what="The guidance", required=False
        ),
        "answer_kind": answer_kind,
        "evidence_required": _flag(evidence_required, "evidence_required"),
    }


@action
def add_question(
    *,
    actor: Actor,
    assessment: Assessment,
    text: str,
    area: str = "",
    guidance: str = "",
    answer_kind: str = AnswerKind.RAG,
    evidence_required: bool = False,
) -> Question:
    """The next question (Q1, Q2, …) of a draft assessment: a yes/no, a self-assessed RAG, a date or a
    text answer, with evidence required or not."""
    assessment = _lock(assessment)
    refuse(permissions.can_manage_assessment(access_of(actor), assessment.programme_id))
    _draft_only(assessment, "questions are added")
    data = _question_fields(
        text=text, area=area, guidance=guidance, answer_kind=answer_kind, evidence_required=evidence_required
    )
    last = Question.objects.filter(assessment=assessment).aggregate(n=Max("number"))["n"] or 0
    if last >= MAX_QUESTIONS:
        raise ActionError(f"An assessment has at most {MAX_QUESTIONS} questions", field="text")
    question = Question.objects.create(assessment=assessment, number=last + 1, **data)
    journal(
        actor,
        assessment,
        "assessment_question_add",
        changes={
            "question": [None, f"Q{question.number} {question.text}"[:300]],
            "answer_kind": [None, question.answer_kind],
            **({"evidence_required": [None, True]} if question.evidence_required else {}),
        },
    )
    return question


@action
def update_question(
    *,
    actor: Actor,
    question: Question,
    text: str = _UNSET,
    area: str = _UNSET,
    guidance: str = _UNSET,
    answer_kind: str = _UNSET,
    evidence_required: bool = _UNSET,
) -> Question:
    """A question's text, area, guidance, kind of answer or evidence rule, while the assessment is a
    draft. Fields not given stay as they are."""
    assessment = _lock(question.assessment)
    question = Question.objects.select_for_update().get(pk=question.pk, assessment=assessment)
    refuse(permissions.can_manage_assessment(access_of(actor), assessment.programme_id))
    _draft_only(assessment, "questions change")
    given = {
        "text": text,
        "area": area,
        "guidance": guidance,
        "answer_kind": answer_kind,
        "evidence_required": evidence_required,
    }
    data = _question_fields(**{k: getattr(question, k) if v is _UNSET else v for k, v in given.items()})
    changes = {
        k: [str(getattr(question, k))[:200], str(v)[:200]]
        for k, v in data.items()
        if getattr(question, k) != v
    }
    if not changes:
        raise ActionError("Nothing to change", field="text")
    for k, v in data.items():
        setattr(question, k, v)
    question.save(update_fields=list(data))
    journal(
        actor,
        assessment,
        "assessment_question_update",
        changes={"question": [None, f"Q{question.number}"], **changes},
    )
    return question


@action
def remove_question(*, actor: Actor, question: Question) -> Assessment:
    """Remove a question of a draft assessment; those after it move up a number."""
    assessment = _lock(question.assessment)
    question = Question.objects.select_for_update().get(pk=question.pk, assessment=assessment)
    refuse(permissions.can_manage_assessment(access_of(actor), assessment.programme_id))
    _draft_only(assessment, "questions are removed")
    number, text = question.number, question.text
    question.delete()
    for later in Question.objects.filter(assessment=assessment, number__gt=number).order_by("number"):
        later.number -= 1
        later.save(update_fields=["number"])
    journal(
        actor,
        assessment,
        "assessment_question_remove",
        changes={"question": [f"Q{number} {text}"[:300], None]},
    )
    return assessment


@action
def open_assessment(*, actor: Actor, assessment: Assessment, now: dt.datetime | None = None) -> Assessment:
    """Open for responses (a draft, or a closed one reopened): the participants asked are told."""
    assessment = _lock(assessment)
    refuse(permissions.can_manage_assessment(access_of(actor), assessment.programme_id))
    check_transition(
        ASSESSMENT_TRANSITIONS, assessment.status, AssessmentStatus.OPEN, what=f"Assessment {assessment.code}"
    )
    if not Question.objects.filter(assessment=assessment).exists():
        raise ActionError("Add at least one question before opening the assessment", field="questions")
    today = _today(now)
    if assessment.closes_on < today:
        raise ActionError(
            f"The window closed on {heatmap.day(assessment.closes_on)}: move the closing date out first",
            field="closes_on",
        )
    old = assessment.status
    assessment.status = AssessmentStatus.OPEN
    assessment.save(update_fields=["status"])
    journal(actor, assessment, "assessment_open", changes={"status": [old, AssessmentStatus.OPEN]})
    reopened = old == AssessmentStatus.CLOSED
    transaction.on_commit(
        lambda: _notify.enqueue(assessment.pk, [], "reopened" if reopened else "opened", "")
    )
    return assessment


@action
def close_assessment(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Closed to responses (draft responses stay drafts); scoring goes on."""
    assessment = _lock(assessment)
    refuse(permissions.can_manage_assessment(access_of(actor), assessment.programme_id))
    check_transition(
        ASSESSMENT_TRANSITIONS,
        assessment.status,
        AssessmentStatus.CLOSED,
        what=f"Assessment {assessment.code}",
    )
    old = assessment.status
    assessment.status = AssessmentStatus.CLOSED
    assessment.save(update_fields=["status"])
    journal(actor, assessment, "assessment_close", changes={"status": [old, AssessmentStatus.CLOSED]})
    return assessment
