"""Reading a triage script: what stops it being switched on, and following a run's answers through it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from busbar.knowledge.models import Status as ArticleStatus
from busbar.lib.actions import ActionError
from busbar.triage.models import TriageAnswer, TriageQuestion, TriageScript


@dataclass
class Problem:
    field: str
    message: str


def problems_of(script: TriageScript) -> list[Problem]:
    """What stops ``script`` being offered: no questions, a question without answers, an answer that
    neither leads on nor ends with an outcome, a loop, a question never asked, a retired article."""
    questions = list(script.questions.order_by("position", "id").prefetch_related("answers__article"))
    found: list[Problem] = []
    if not questions:
        return [Problem("questions", "Add the first question")]
    by_id = {q.pk: q for q in questions}
    for qi, question in enumerate(questions):
        answers = list(question.answers.all())
        if not answers:
            found.append(Problem(f"questions[{qi}]", f"Q{qi + 1} “{question.text}” has no answers"))
        for ai, answer in enumerate(answers):
            where = f"questions[{qi}].answers[{ai}]"
            if answer.next_question_id is not None and answer.next_question_id not in by_id:
                found.append(Problem(where, f"“{answer.label}” leads to a question of another script"))
            if answer.next_question_id is None and not _has_outcome(answer):
                found.append(
                    Problem(where, f"“{answer.label}” (Q{qi + 1}) ends the script without an outcome")
                )
            if answer.article_id and answer.article.status != ArticleStatus.PUBLISHED:
                found.append(
                    Problem(where, f"“{answer.label}” points to {answer.article.reference}, not published")
                )
    # Every question reachable from the first, and no loop.
    order = {q.pk: i for i, q in enumerate(questions)}
    reached: set[int] = set()
    loop: list[str] = []

    def visit(qid: int, path: tuple[int, ...]) -> None:
        if qid in path:
            loop.append(" → ".join(f"Q{order[p] + 1}" for p in (*path[path.index(qid) :], qid)))
            return
        if qid in reached:
            return
        reached.add(qid)
        for answer in by_id[qid].answers.all():
            if answer.next_question_id in by_id:
                visit(answer.next_question_id, (*path, qid))

    visit(questions[0].pk, ())
    if loop:
        found.append(Problem("questions", f"The answers go round in a loop: {loop[0]}"))
    for question in questions:
        if question.pk not in reached:
            found.append(
                Problem(f"questions[{order[question.pk]}]", f"Q{order[question.pk] + 1} is never asked")
            )
    return found


def _has_outcome(answer: TriageAnswer) -> bool:
    return bool(answer.article_id or answer.severity_id or answer.raise_to_provider or answer.advice.strip())


@dataclass
class Walk:
    """Where a run has got to: the answers given so far, and the question asked now (None: the end)."""

    steps: list[tuple[TriageQuestion, TriageAnswer]]
    question: TriageQuestion | None
    end: TriageAnswer | None


def walk(script: TriageScript, answer_ids: Sequence[int]) -> Walk:
    """Follow ``answer_ids`` from the first question. Each answer must be one of the question reached;
    no question is asked twice. ActionError names the first answer at fault."""
    questions = {
        q.pk: q for q in script.questions.order_by("position", "id").prefetch_related("answers__article")
    }
    if not questions:
        raise ActionError("The script has no questions", field="script")
    current: TriageQuestion | None = next(iter(questions.values()))
    steps_taken: list[tuple[TriageQuestion, TriageAnswer]] = []
    for index, answer_id in enumerate(answer_ids):
        if current is None:
            raise ActionError("The script ended before this answer", field=f"answers[{index}]")
        answer = next((a for a in current.answers.all() if a.pk == answer_id), None)
        if answer is None:
            raise ActionError(f"Not an answer to “{current.text}”", field=f"answers[{index}]")
        steps_taken.append((current, answer))
        if answer.next_question_id is None:
            current = None
        else:
            current = questions.get(answer.next_question_id)
            if current is None or any(q.pk == current.pk for q, _ in steps_taken):
                raise ActionError("The answers go round in a loop", field=f"answers[{index}]")
    end = steps_taken[-1][1] if steps_taken and current is None else None
    return Walk(steps_taken, current, end)
