"""What the readiness endpoints share: the bounded path parameters, finding an assessment the caller may
read (404 otherwise) and a question as the API shows it."""

from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path

from busbar.lib.actions import Actor
from busbar.programmes import heatmap, queries
from busbar.programmes.actions import readiness as actions
from busbar.programmes.models import Assessment, Question

ProgrammePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")]
CodePath = Annotated[str, Path(min_length=1, max_length=20, pattern=rf"^{actions.CODE_PATTERN}$")]


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _assessment(request: HttpRequest, programme: str, code: str) -> Assessment:
    the_programme = get_object_or_404(queries.programmes_visible_to(request.user), code=programme)
    return get_object_or_404(
        heatmap.assessments_visible_to(request.user, the_programme).select_related(
            "programme", "phase", "milestone"
        ),
        code=code,
    )


def _question_out(q: Question) -> dict[str, Any]:
    return {
        "number": q.number,
        "area": q.area,
        "text": q.text,
        "guidance": q.guidance,
        "answer_kind": q.answer_kind,
        "evidence_required": q.evidence_required,
    }
