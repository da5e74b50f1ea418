"""Scoring (digest §5.2): the programme office's score of each answer of a submitted response (green,
amber, red, with why) and the participant's overall RAG (the office's, or the suggestion: the worst
score)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.programmes import permissions
from busbar.programmes.actions.common import clean_text, journal
from busbar.programmes.actions.readiness._common import RAGS, _lock_response
from busbar.programmes.models import Answer, AssessmentResponse, Question, ResponseStatus
from busbar.testing.access import access_of

NOTE_MAX = Answer._meta.get_field("score_note").max_length
OVERALL_COMMENT_MAX = 2000


def _score(value: Any, field: str) -> str:
    value = (value or "").strip().lower() if isinstance(value, str) else value
    if value in ("", None):
        return ""
    if value not in RAGS:
        raise ActionError("Score green, amber or red (or leave it blank)", field=field)
    return value


def _scorable(response: AssessmentResponse, actor: Actor) -> None:
    refuse(permissions.can_manage_assessment(access_of(actor), response.assessment.programme_id))
    if response.status != ResponseStatus.SUBMITTED:
        raise Conflict(
            f"{response.organisation}'s response is not submitted: only a submitted response is scored",
            field="status",
        )


def _apply_score(answer: Answer, rag: str, note: str, now: dt.datetime) -> dict[str, list] | None:
    if (answer.score_rag, answer.score_note) == (rag, note):
        return None
    before = answer.score_rag
    answer.score_rag, answer.score_note = rag, note
    answer.scored_at = now if rag else None
    answer.save(update_fields=["score_rag", "score_note", "scored_at"])
    return {f"Q{answer.question.number}": [before or None, rag or None]}


@action
def score_answer(
    *, actor: Actor, answer: Answer, rag: str, note: str = "", now: dt.datetime | None = None
) -> Answer:
    """The programme office's score of one answer (green, amber, red; blank clears it) and why."""
    answer = Answer.objects.select_related("question").get(pk=answer.pk)
    response = _lock_response(answer.response)
    _scorable(response, actor)
    rag = _score(rag, "rag")
    note = clean_text(note, field="note", limit=NOTE_MAX, what="The note", required=False)
    changes = _apply_score(answer, rag, note, now or timezone.now())
    if changes is None:
        raise ActionError("Nothing to change", field="rag")
    if note:
        changes["note"] = [None, note]
    journal(actor, response, "assessment_score", changes=changes, owner=response.organisation)
    return answer


@action
def score_response(
    *,
    actor: Actor,
    response: AssessmentResponse,
    scores: Mapping[Question, Mapping[str, Any]],
    overall_rag: str | None = None,
    overall_comment: str | None = None,
    now: dt.datetime | None = None,
) -> AssessmentResponse:
    """Score many answers of a response at once (``{question: {"rag": …, "note": …}}``) and, optionally,
    set its overall RAG (None keeps it; "" goes back to the suggestion, the worst score)."""
    response = _lock_response(response)
    _scorable(response, actor)
    now = now or timezone.now()
    answers = {
        a.question_id: a
        for a in Answer.objects.filter(response=response)
        .select_related("question")
        .select_for_update(of=("self",))
    }
    changes: dict[str, list] = {}
    for question, given in (scores or {}).items():
        if question.assessment_id != response.assessment_id:
            raise ActionError("A score is given for a question of another assessment", field="scores")
        field = f"q{question.number}"
        if not isinstance(given, Mapping):
            raise ActionError(f"Q{question.number}: a score has a RAG and a note", field=f"{field}.rag")
        rag = _score(given.get("rag"), f"{field}.rag")
        note = clean_text(
            given.get("note"), field=f"{field}.note", limit=NOTE_MAX, what="The note", required=False
        )
        answer = answers.get(question.pk)
        if answer is None:
            if rag or note:
                raise ActionError(
                    f"Q{question.number} is not answered: nothing to score", field=f"{field}.rag"
                )
            continue
        done = _apply_score(answer, rag, note, now)
        if done:
            changes.update(done)
    if overall_rag is not None or overall_comment is not None:
        rag = response.overall_rag if overall_rag is None else _score(overall_rag, "overall_rag")
        comment = (
            response.overall_comment
            if overall_comment is None
            else clean_text(
                overall_comment,
                field="overall_comment",
                limit=OVERALL_COMMENT_MAX,
                what="The comment",
                required=False,
            )
        )
        if (rag, comment) != (response.overall_rag, response.overall_comment):
            if rag != response.overall_rag:
                changes["overall_rag"] = [response.overall_rag or None, rag or None]
            if comment != response.overall_comment:
                changes["overall_comment"] = [None, comment[:200] or None]
            response.overall_rag, response.overall_comment = rag, comment
            response.save(update_fields=["overall_rag", "overall_comment"])
    if not changes:
        raise ActionError("Nothing to change", field="scores")
    journal(actor, response, "assessment_score", changes=changes, owner=response.organisation)
    return response


@action
def rate_response(
    *, actor: Actor, response: AssessmentResponse, rag: str, comment: str = ""
) -> AssessmentResponse:
    """The participant's overall RAG as the office sets it (blank: the suggestion, the worst score of its
    answers, stands)."""
    response = _lock_response(response)
    _scorable(response, actor)
    rag = _score(rag, "rag")
    comment = clean_text(
        comment, field="comment", limit=OVERALL_COMMENT_MAX, what="The comment", required=False
    )
    if (rag, comment) == (response.overall_rag, response.overall_comment):
        raise ActionError("Nothing to change", field="rag")
    changes = {"overall_rag": [response.overall_rag or None, rag or None]}
    if comment != response.overall_comment:
        changes["overall_comment"] = [None, comment[:200] or None]
    response.overall_rag, response.overall_comment = rag, comment
    response.save(update_fields=["overall_rag", "overall_comment"])
    journal(actor, response, "assessment_rate", changes=changes, owner=response.organisation)
    return response
