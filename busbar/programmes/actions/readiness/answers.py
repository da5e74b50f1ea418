"""Answering (digest §5.2, GV-15): a participant's draft answers checked by the question's kind, evidence
files checked like every attachment, submitting (which locks the response) and the office returning it.

A yes/no, RAG or date answer is stored as its value; a text answer is the text itself, kept whole as the
value. The comment is optional for every kind of question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.parties.models import Organisation
from busbar.programmes import heatmap, permissions
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.readiness._common import RAGS, NothingToSave, _lock_response, _today
from busbar.programmes.actions.readiness.notices import _notify
from busbar.programmes.models import (
    Answer,
    AnswerKind,
    Assessment,
    AssessmentResponse,
    AssessmentStatus,
    Evidence,
    Question,
    ResponseStatus,
)
from busbar.programmes.permissions import readiness as rules
from busbar.records.steps import attachment_type
from busbar.testing.access import access_of

#: A free-text answer, kept whole as the answer's value.
TEXT_MAX = 5000
#: The longest value an answer stores (a text answer's).
VALUE_MAX = TEXT_MAX
#: A comment on an answer (of any kind).
COMMENT_MAX = 5000
REASON_MAX = 1000
#: Evidence files one answer holds at most, and one save adds at most.
MAX_FILES_PER_ANSWER = 10
MAX_FILES_PER_SAVE = 20
#: What a yes/no question takes.
YES_NO = ("yes", "no")


def _within_window(assessment: Assessment, today: dt.date) -> None:
    if today < assessment.opens_on:
        raise Conflict(
            f"{assessment.code} opens for responses on {heatmap.day(assessment.opens_on)}", field="opens_on"
        )
    if today > assessment.closes_on:
        raise Conflict(
            f"{assessment.code} closed for responses on {heatmap.day(assessment.closes_on)}",
            field="closes_on",
        )


def _answer_value(question: Question, raw: Any, field: str) -> str:
    """The stored value of an answer to ``question``, checked by the question's kind ("" clears it)."""
    if raw is None:
        return ""
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        if question.answer_kind != AnswerKind.DATE:
            raise ActionError(f"Q{question.number} does not take a date", field=field)
        checked = check_date(raw, field=field)
        return checked.isoformat() if checked else ""
    text = str(raw).strip()
    if not text:
        return ""
    kind = question.answer_kind
    if kind == AnswerKind.YES_NO:
        if text.lower() not in YES_NO:
            raise ActionError(f"Q{question.number}: answer yes or no", field=field)
        return text.lower()
    if kind == AnswerKind.RAG:
        if text.lower() not in RAGS:
            raise ActionError(f"Q{question.number}: answer green, amber or red", field=field)
        return text.lower()
    if kind == AnswerKind.DATE:
        try:
            parsed = dt.date.fromisoformat(text[:10]) if len(text) == 10 else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ActionError(f"Q{question.number}: give a date as YYYY-MM-DD", field=field)
        checked = check_date(parsed, field=field)
        return checked.isoformat() if checked else ""
    # A text answer: the text itself, kept whole (its lines too).
    return clean_text(text, field=field, limit=TEXT_MAX, what=f"Q{question.number}'s answer")


def _upload(item: Any, field: str) -> tuple[str, str, bytes]:
    """(name, declared type, bytes) of an uploaded file or a (name, type, bytes) triple, its size checked
    before it is read."""
    limit = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    if isinstance(item, tuple | list) and len(item) == 3:
        name, content_type, content = item
        if not isinstance(content, bytes | bytearray):
            raise ActionError("A file's content is bytes", field=field)
        content = bytes(content)
    elif hasattr(item, "read") and hasattr(item, "size"):
        name, content_type = getattr(item, "name", "") or "evidence", getattr(item, "content_type", "")
        if item.size > limit:
            raise ActionError(f"{name} is {item.size:,} bytes; the limit is {limit:,}", field=field)
        content = item.read()
    else:
        raise ActionError("Not a file", field=field)
    name = str(name or "evidence").replace("\x00", "").replace("/", "_").replace("\\", "_").strip()
    name = name[-200:] or "evidence"
    if not content:
        raise ActionError(f"{name} is empty", field=field)
    if len(content) > limit:
        raise ActionError(f"{name} is {len(content):,} bytes; the limit is {limit:,}", field=field)
    return name, attachment_type(name, content_type or "", content, field=field), content


def _checked_files(
    assessment: Assessment, files: Mapping[Question, Sequence[Any]] | None, held: dict[int, int]
) -> dict[Question, list[tuple[str, str, bytes]]]:
    out: dict[Question, list[tuple[str, str, bytes]]] = {}
    total = 0
    for question, items in (files or {}).items():
        items = [i for i in (items or []) if i]
        if not items:
            continue
        field = f"q{question.number}.files"
        if question.assessment_id != assessment.pk:
            raise ActionError("A file is given for a question of another assessment", field="files")
        total += len(items)
        if total > MAX_FILES_PER_SAVE:
            raise ActionError(f"Attach at most {MAX_FILES_PER_SAVE} files at a time", field=field)
        if held.get(question.pk, 0) + len(items) > MAX_FILES_PER_ANSWER:
            raise ActionError(
                f"Q{question.number} holds at most {MAX_FILES_PER_ANSWER} evidence files", field=field
            )
        out[question] = [_upload(item, f"{field}[{i}]") for i, item in enumerate(items)]
    return out


def _response_for(assessment: Assessment, organisation: Organisation, now: dt.datetime) -> AssessmentResponse:
    response = (
        AssessmentResponse.objects.select_for_update(of=("self",))
        .filter(assessment=assessment, organisation=organisation)
        .first()
    )
    if response is not None:
        return response
    try:
        with transaction.atomic():
            return AssessmentResponse.objects.create(
                assessment=assessment, organisation=organisation, updated_at=now
            )
    except IntegrityError:  # created meanwhile by a colleague
        return AssessmentResponse.objects.select_for_update(of=("self",)).get(
            assessment=assessment, organisation=organisation
        )


@action
def save_answers(
    *,
    actor: Actor,
    assessment: Assessment,
    organisation: Organisation,
    answers: Mapping[Question, Mapping[str, Any]],
    files: Mapping[Question, Sequence[Any]] | None = None,
    now: dt.datetime | None = None,
) -> AssessmentResponse:
    """Save ``organisation``'s draft answers (``{question: {"value": …, "comment": …}}``, each value checked
    by the question's kind: yes/no, green/amber/red, a date, or the text itself, kept whole; the comment is
    optional for every kind) and evidence files (``{question: [uploaded file or (name, type, bytes)]}``,
    checked by content and size like every attachment).

    Only a participant asked to answer, for its own organisation, while the assessment is open and within
    its window; never once submitted (the office may return it)."""
    now = now or timezone.now()
    assessment = Assessment.objects.select_related("programme").get(pk=assessment.pk)
    refuse(rules.can_respond(access_of(actor), assessment, organisation.pk))
    _within_window(assessment, _today(now))
    response = _response_for(assessment, organisation, now)
    if response.status == ResponseStatus.SUBMITTED:
        raise Conflict(
            f"{organisation}'s response to {assessment.code} is submitted: ask the programme office to "
            "return it to change it",
            field="status",
        )
    questions = {q.pk: q for q in Question.objects.filter(assessment=assessment)}
    existing = {a.question_id: a for a in Answer.objects.filter(response=response)}
    cleaned: dict[int, tuple[str, str]] = {}
    for question, given in (answers or {}).items():
        if question.pk not in questions:
            raise ActionError("An answer is given to a question of another assessment", field="answers")
        q = questions[question.pk]
        if not isinstance(given, Mapping):
            raise ActionError(f"Q{q.number}: an answer has a value and a comment", field=f"q{q.number}.value")
        extra = sorted(set(given) - {"value", "comment"})
        if extra:
            raise ActionError(f"Q{q.number}: unknown {extra[0]!r}", field=f"q{q.number}.{extra[0]}"[:60])
        comment = clean_text(
            given.get("comment"),
            field=f"q{q.number}.comment",
            limit=COMMENT_MAX,
            what="The comment",
            required=False,
        )
        cleaned[q.pk] = (_answer_value(q, given.get("value"), f"q{q.number}.value"), comment)
    held = dict.fromkeys(existing, 0)
    for question_id in Evidence.objects.filter(answer__response=response).values_list(
        "answer__question_id", flat=True
    ):
        held[question_id] = held.get(question_id, 0) + 1
    uploads = _checked_files(assessment, files, held)
    changed: list[str] = []
    for question_id, (value, comment) in cleaned.items():
        answer = existing.get(question_id)
        if answer is None:
            if not value and not comment and questions[question_id] not in uploads:
                continue
            existing[question_id] = Answer.objects.create(
                response=response, question_id=question_id, value=value, comment=comment, updated_at=now
            )
            changed.append(f"Q{questions[question_id].number}")
        elif (answer.value, answer.comment) != (value, comment):
            answer.value, answer.comment, answer.updated_at = value, comment, now
            answer.save(update_fields=["value", "comment", "updated_at"])
            changed.append(f"Q{questions[question_id].number}")
    stored: list[str] = []
    for question, items in uploads.items():
        answer = existing.get(question.pk)
        if answer is None:
            answer = existing[question.pk] = Answer.objects.create(
                response=response, question_id=question.pk, updated_at=now
            )
        for name, content_type, content in items:
            evidence = Evidence(
                answer=answer,
                filename=name,
                content_type=content_type,
                size=len(content),
                uploaded_at=now,
                uploaded_by=actor.user,
            )
            evidence.file.save(name[-100:], ContentFile(content), save=False)
            evidence.save()
            stored.append(f"Q{question.number}: {name}")
    if not changed and not stored:
        raise NothingToSave("Nothing to save: no answer changed and no file was added", field="answers")
    response.updated_at = now
    response.save(update_fields=["updated_at"])
    changes: dict[str, list] = {}
    if changed:
        changes["answers"] = [None, ", ".join(changed)[:500]]
    if stored:
        changes["evidence"] = [None, "; ".join(stored)[:500]]
    journal(
        actor.acting_for(organisation),
        response,
        "assessment_answer",
        changes=changes,
        owner=organisation,
    )
    return response


@action
def remove_evidence(*, actor: Actor, evidence: Evidence, now: dt.datetime | None = None) -> Answer:
    """Remove an evidence file from a draft response (by the organisation, within the window)."""
    evidence = Evidence.objects.select_related(
        "answer", "answer__question", "answer__response", "answer__response__organisation"
    ).get(pk=evidence.pk)
    response = _lock_response(evidence.answer.response)
    assessment = response.assessment
    refuse(rules.can_respond(access_of(actor), assessment, response.organisation_id))
    _within_window(assessment, _today(now))
    if response.status == ResponseStatus.SUBMITTED:
        raise Conflict("The response is submitted: its evidence no longer changes", field="status")
    answer, name = evidence.answer, evidence.filename
    evidence.file.delete(save=False)
    evidence.delete()
    response.updated_at = now or timezone.now()
    response.save(update_fields=["updated_at"])
    journal(
        actor.acting_for(response.organisation_id),
        response,
        "assessment_evidence_remove",
        changes={"evidence": [f"Q{answer.question.number}: {name}"[:300], None]},
        owner=response.organisation,
    )
    return answer


@action
def submit_response(
    *, actor: Actor, response: AssessmentResponse, now: dt.datetime | None = None
) -> AssessmentResponse:
    """Submit a complete response (every question answered, evidence attached where required): it is then
    locked, and scored by the programme office."""
    response = _lock_response(response)
    assessment = response.assessment
    access = access_of(actor)
    refuse(rules.can_respond(access, assessment, response.organisation_id))
    if response.status == ResponseStatus.SUBMITTED:
        raise Conflict(f"{response.organisation}'s response is already submitted", field="status")
    refuse(permissions.can_submit_response(access, response))
    now = now or timezone.now()
    _within_window(assessment, _today(now))
    unanswered, no_evidence = heatmap.missing(response)
    if unanswered:
        raise ActionError(
            "Answer every question before submitting; not answered: "
            + ", ".join(f"Q{q.number}" for q in unanswered),
            field=f"q{unanswered[0].number}.value",
        )
    if no_evidence:
        raise ActionError(
            "Evidence is required before submitting: attach a file to "
            + ", ".join(f"Q{q.number}" for q in no_evidence),
            field=f"q{no_evidence[0].number}.files",
        )
    response.status, response.submitted_at, response.submitted_by = ResponseStatus.SUBMITTED, now, actor.user
    response.updated_at = now
    response.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
    journal(
        actor.acting_for(response.organisation),
        response,
        "assessment_submit",
        changes={"status": [ResponseStatus.DRAFT, ResponseStatus.SUBMITTED]},
        owner=response.organisation,
    )
    return response


@action
def return_response(
    *, actor: Actor, response: AssessmentResponse, reason: str, now: dt.datetime | None = None
) -> AssessmentResponse:
    """The programme office returns a submitted response to its organisation (with the reason) so it can
    be changed and submitted again; its scores stay until re-scored. The organisation is told."""
    response = _lock_response(response)
    assessment = response.assessment
    refuse(permissions.can_manage_assessment(access_of(actor), assessment.programme_id))
    if response.status != ResponseStatus.SUBMITTED:
        raise Conflict("Only a submitted response can be returned", field="status")
    if assessment.status != AssessmentStatus.OPEN:
        raise Conflict(
            f"{assessment.code} is {assessment.get_status_display().lower()}: reopen it to return a response",
            field="status",
        )
    reason = clean_text(reason, field="reason", limit=REASON_MAX, what="The reason")
    response.status, response.submitted_at = ResponseStatus.DRAFT, None
    response.updated_at = now or timezone.now()
    response.save(update_fields=["status", "submitted_at", "updated_at"])
    journal(
        actor,
        response,
        "assessment_return",
        changes={"status": [ResponseStatus.SUBMITTED, ResponseStatus.DRAFT]},
        note=reason,
        owner=response.organisation,
    )
    org_id, assessment_id = response.organisation_id, assessment.pk
    transaction.on_commit(lambda: _notify.enqueue(assessment_id, [org_id], "returned", reason))
    return response
