"""Readiness assessments read (digest §5.2, GV-15, GV-16): who is asked to answer, which assessments a
person sees, and the heat map of participants × questions.

* The **audience** of an assessment is every participant organisation of the programme
  (:func:`busbar.programmes.queries.participant_organisation_ids`) or, when the assessment names a test
  phase, the organisations taking part in that phase (withdrawn ones excepted). The programme office and
  the assurers never answer (nor the service desk, which is no participant).
* The **heat map** has one row per participant and one column per question. A cell is the programme
  office's score of the answer (green, amber, red) or says "answered, not scored" or "not answered"; each
  row ends with the participant's overall RAG (the office's, or the suggestion: the worst score of its
  answers); each column has its counts, and the map its response rate. The office and assurers read every
  row; a participant reads only its own (the desk: none).

Building the map reads a constant number of queries, whatever the number of participants and questions:
the questions, the audience, the responses with their answers (one query), the evidence counts.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from busbar.parties.models import Organisation
from busbar.programmes import queries
from busbar.programmes.models import (
    Answer,
    Assessment,
    AssessmentResponse,
    AssessmentStatus,
    Chase,
    Evidence,
    Question,
    Rag,
    ResponseStatus,
)
from busbar.testing.models import EntryStatus, Participation, ProgrammeFunction, ProgrammeParty

LONDON = zoneinfo.ZoneInfo("Europe/London")
#: Functions whose holders never answer an assessment (they run or assure it).
NEVER_ANSWER = frozenset({ProgrammeFunction.PROGRAMME_MANAGER, ProgrammeFunction.ASSURER})
#: Scores a programme office gives an answer, best first.
SCORES = (Rag.GREEN, Rag.AMBER, Rag.RED)
_SEVERITY = {Rag.GREEN: 1, Rag.AMBER: 2, Rag.RED: 3}
NOT_ANSWERED = "not answered"
NOT_SCORED = "answered, not scored"
#: The badge class of each cell state (colour beside the text label: never colour alone).
BADGE = {Rag.GREEN: "ok", Rag.AMBER: "warn", Rag.RED: "bad", "answered": "", "not_answered": ""}


def day(value: dt.date) -> str:
    """A date as pages show it: 7 Aug 2024."""
    return f"{value.day} {value:%b %Y}"


def today(now: dt.datetime | None = None) -> dt.date:
    """The London day of ``now`` (default: now)."""
    return timezone.localdate(now or timezone.now(), LONDON)


# -- who answers --------------------------------------------------------------------------------------


def _runners(programme_id: int) -> QuerySet:
    return ProgrammeParty.objects.filter(programme_id=programme_id, function__in=NEVER_ANSWER).values(
        "organisation_id"
    )


def audience_ids(assessment: Assessment) -> QuerySet:
    """The organisations asked to answer ``assessment``, as a subquery of organisation ids."""
    programme_id = assessment.programme_id
    if assessment.phase_id is not None:
        base = Q(
            pk__in=Participation.objects.filter(phase_id=assessment.phase_id)
            .exclude(status=EntryStatus.WITHDRAWN)
            .values("organisation_id")
        )
    else:
        base = Q(pk__in=queries.participant_organisation_ids(programme_id))
    return (
        Organisation.objects.filter(base, is_active=True).exclude(pk__in=_runners(programme_id)).values("pk")
    )


def in_audience(assessment: Assessment, organisation_id: int) -> bool:
    return audience_ids(assessment).filter(pk=organisation_id).exists()


def audience(assessment: Assessment) -> list[Organisation]:
    """The organisations asked to answer, by name (one query)."""
    return list(Organisation.objects.filter(pk__in=audience_ids(assessment)).order_by("name"))


def audience_sizes(assessments: Iterable[Assessment]) -> dict[int, int]:
    """How many organisations each assessment asks (two queries at most, whatever the number)."""
    assessments = list(assessments)
    sizes: dict[int, int] = {}
    whole = [a for a in assessments if a.phase_id is None]
    phased = [a for a in assessments if a.phase_id is not None]
    by_programme: dict[int, int] = {}
    for programme_id in {a.programme_id for a in whole}:
        # Assessments of a list belong to one programme: one count.
        by_programme[programme_id] = (
            Organisation.objects.filter(
                pk__in=queries.participant_organisation_ids(programme_id), is_active=True
            )
            .exclude(pk__in=_runners(programme_id))
            .count()
        )
    for a in whole:
        sizes[a.pk] = by_programme[a.programme_id]
    if phased:
        runs = ProgrammeParty.objects.filter(
            programme_id=OuterRef("phase__programme_id"),
            organisation_id=OuterRef("organisation_id"),
            function__in=NEVER_ANSWER,
        )
        counts = dict(
            Participation.objects.filter(
                ~Exists(runs), phase_id__in={a.phase_id for a in phased}, organisation__is_active=True
            )
            .exclude(status=EntryStatus.WITHDRAWN)
            .order_by()
            .values("phase_id")
            .annotate(n=Count("organisation_id", distinct=True))
            .values_list("phase_id", "n")
        )
        for a in phased:
            sizes[a.pk] = counts.get(a.phase_id, 0)
    return sizes


def non_responders(assessment: Assessment) -> list[Organisation]:
    """The audience without a submitted response, by name (one query)."""
    submitted = assessment.responses.filter(status=ResponseStatus.SUBMITTED).values("organisation_id")
    return list(
        Organisation.objects.filter(pk__in=audience_ids(assessment))
        .exclude(pk__in=submitted)
        .order_by("name")
    )


def chased_today(assessment: Assessment, now: dt.datetime | None = None) -> set[int]:
    """The organisations already chased for ``assessment`` on this (London) day."""
    start = dt.datetime.combine(today(now), dt.time.min, tzinfo=LONDON)
    return set(
        Chase.objects.filter(
            assessment=assessment, at__gte=start, at__lt=start + dt.timedelta(days=1)
        ).values_list("organisation_id", flat=True)
    )


def missing(response: AssessmentResponse) -> tuple[list[Question], list[Question]]:
    """(questions not answered, questions needing evidence without any) of ``response``."""
    questions = list(Question.objects.filter(assessment_id=response.assessment_id).order_by("number"))
    answered = set(
        Answer.objects.filter(response=response).exclude(value="").values_list("question_id", flat=True)
    )
    evidenced = set(
        Evidence.objects.filter(answer__response=response).values_list("answer__question_id", flat=True)
    )
    return (
        [q for q in questions if q.pk not in answered],
        [q for q in questions if q.evidence_required and q.pk not in evidenced],
    )


# -- which assessments ----------------------------------------------------------------------------------


def assessments_visible_to(user_or_access, programme=None) -> QuerySet:
    """Assessments of the programmes the person sees; drafts only to the office and assurers (they are
    still being written)."""
    acc = queries.access(user_or_access)
    qs = queries.in_visible_programme(Assessment.objects.all(), acc)
    if programme is not None:
        qs = qs.filter(programme=programme)
    full = queries.oversight_programmes(acc)
    if full is None:
        return qs
    return qs.filter(Q(programme__in=full) | ~Q(status=AssessmentStatus.DRAFT))


# -- the heat map ---------------------------------------------------------------------------------------


def worst(rags: Iterable[str]) -> str:
    """The worst of the scores given (red before amber before green); "" when none."""
    found = [r for r in rags if r in _SEVERITY]
    return max(found, key=_SEVERITY.__getitem__) if found else ""


def answer_label(question: Question, answer: Answer | None) -> str:
    """An answer as pages show it: Yes, Amber, 1 Mar 2027, or the text."""
    if answer is None:
        return ""
    value = answer.value  # a text answer's value is the text itself
    if not value:
        return ""
    if question.answer_kind == "yes_no":
        return value.capitalize()
    if question.answer_kind == "rag":
        return rag_label(value)
    if question.answer_kind == "date":
        try:
            return day(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


_RAG_LABELS = {value: label for value, label in Rag.choices if value}


def rag_label(rag: str) -> str:
    """A RAG's label (called per heat-map cell: a dictionary, not an enum lookup)."""
    return _RAG_LABELS.get(rag, "Not rated")


@dataclass
class Cell:
    question: Question
    state: str  # green, amber, red, answered, not_answered
    label: str
    value: str = ""
    comment: str = ""
    note: str = ""
    evidence: int = 0

    @property
    def badge(self) -> str:
        return BADGE.get(self.state, "")

    @property
    def scored(self) -> bool:
        return self.state in _SEVERITY


@dataclass
class Row:
    organisation: Organisation
    response_id: int | None
    status: str  # not_started, draft, submitted
    status_label: str
    submitted_at: dt.datetime | None
    cells: list[Cell]
    overall_rag: str  # the office's
    overall_comment: str
    suggested_rag: str  # the worst score
    in_audience: bool = True

    @property
    def overall(self) -> str:
        """The overall RAG shown: the office's, else the suggestion."""
        return self.overall_rag or self.suggested_rag

    @property
    def overall_label(self) -> str:
        return rag_label(self.overall) if self.overall else "Not rated"

    @property
    def overall_is_suggested(self) -> bool:
        return not self.overall_rag and bool(self.suggested_rag)

    @property
    def overall_badge(self) -> str:
        return BADGE.get(self.overall, "")


@dataclass
class QuestionCount:
    question: Question
    green: int = 0
    amber: int = 0
    red: int = 0
    not_scored: int = 0
    not_answered: int = 0

    @property
    def answered(self) -> int:
        return self.green + self.amber + self.red + self.not_scored


@dataclass
class HeatMap:
    assessment: Assessment
    questions: list[Question]
    rows: list[Row]
    counts: list[QuestionCount]
    full: bool  # every participant's row (office, assurers)
    audience_size: int
    submitted: int
    overall_counts: dict[str, int] = field(default_factory=dict)

    @property
    def not_rated(self) -> int:
        return self.overall_counts.get("", 0)

    @property
    def response_rate(self) -> float | None:
        """Submitted responses over the audience (0–100), for those who read every row."""
        if not self.full or not self.audience_size:
            return None
        return round(100 * self.submitted / self.audience_size, 1)


STATUS_LABELS = {"not_started": "Not started", "draft": "Draft", "submitted": "Submitted"}


def _cell(question: Question, answer: dict | None, submitted: bool, evidence: int) -> Cell:
    if answer is None:
        return Cell(question, "not_answered", NOT_ANSWERED, evidence=evidence)
    value, comment, score, note = answer["value"], answer["comment"], answer["score"], answer["note"]
    if score in _SEVERITY:
        return Cell(question, score, rag_label(score), value, comment, note, evidence)
    if submitted and value:
        return Cell(question, "answered", NOT_SCORED, value, comment, note, evidence)
    return Cell(question, "not_answered", NOT_ANSWERED, value, comment, note, evidence)


def build(assessment: Assessment, user_or_access, *, organisations: Iterable[int] | None = None) -> HeatMap:
    """The heat map of ``assessment`` as the person may read it (``organisations``: only these rows)."""
    acc = queries.access(user_or_access)
    full = queries.has_oversight(acc, assessment.programme_id)
    questions = list(Question.objects.filter(assessment=assessment).order_by("number"))
    wanted = None if organisations is None else set(organisations)
    if not full:
        own = set(acc.organisation_ids)
        wanted = own if wanted is None else wanted & own
    # The responses and their answers in one query (one row per answer; a response without answers once).
    answers: dict[int, dict[int, dict]] = {}
    responses: dict[int, dict] = {}
    visible = queries.assessment_responses_visible_to(acc).filter(assessment=assessment)
    if wanted is not None:
        visible = visible.filter(organisation_id__in=sorted(wanted))
    for row in visible.values(
        "pk",
        "organisation_id",
        "status",
        "submitted_at",
        "overall_rag",
        "overall_comment",
        "answers__question_id",
        "answers__value",
        "answers__comment",
        "answers__score_rag",
        "answers__score_note",
    ).order_by():
        org = row["organisation_id"]
        responses.setdefault(org, row)
        if row["answers__question_id"] is not None:
            answers.setdefault(org, {})[row["answers__question_id"]] = {
                "value": row["answers__value"],
                "comment": row["answers__comment"],
                "score": row["answers__score_rag"],
                "note": row["answers__score_note"],
            }
    evidence: dict[tuple[int, int], int] = {}
    if responses:
        for org, question_id, n in (
            Evidence.objects.filter(answer__response_id__in=[r["pk"] for r in responses.values()])
            .values("answer__response__organisation_id", "answer__question_id")
            .annotate(n=Count("pk"))
            .values_list("answer__response__organisation_id", "answer__question_id", "n")
            .order_by()
        ):
            evidence[(org, question_id)] = n
    # The rows: the audience (and anyone who responded without being asked any more), by name.
    people = Organisation.objects.filter(Q(pk__in=audience_ids(assessment)) | Q(pk__in=list(responses)))
    if wanted is not None:
        people = people.filter(pk__in=sorted(wanted))
    asked = set(audience_ids(assessment).values_list("pk", flat=True)) if full else None
    orgs = list(people.order_by("name"))
    rows: list[Row] = []
    counts = [QuestionCount(q) for q in questions]
    overall_counts = {"green": 0, "amber": 0, "red": 0, "": 0}
    submitted = 0
    for org in orgs:
        response = responses.get(org.pk)
        status = response["status"] if response else "not_started"
        is_submitted = status == ResponseStatus.SUBMITTED
        mine = answers.get(org.pk, {})
        cells = [_cell(q, mine.get(q.pk), is_submitted, evidence.get((org.pk, q.pk), 0)) for q in questions]
        in_audience = asked is None or org.pk in asked
        if is_submitted and in_audience:
            submitted += 1
        for count, c in zip(counts, cells, strict=True):
            if c.state == "not_answered":
                count.not_answered += 1
            elif c.state == "answered":
                count.not_scored += 1
            else:
                setattr(count, c.state, getattr(count, c.state) + 1)
        row = Row(
            organisation=org,
            response_id=response["pk"] if response else None,
            status=status,
            status_label=STATUS_LABELS.get(status, status),
            submitted_at=response["submitted_at"] if response else None,
            cells=cells,
            overall_rag=response["overall_rag"] if response else "",
            overall_comment=response["overall_comment"] if response else "",
            suggested_rag=worst(c.state for c in cells),
            in_audience=in_audience,
        )
        overall_counts[row.overall if row.overall in overall_counts else ""] += 1
        rows.append(row)
    return HeatMap(
        assessment=assessment,
        questions=questions,
        rows=rows,
        counts=counts,
        full=full,
        audience_size=len(asked) if asked is not None else len(rows),
        submitted=submitted,
        overall_counts=overall_counts,
    )
