"""What the readiness actions share: the London day, locking an assessment or a response, the RAG values.
No actions here: every public function of an actions module must be an ``@action``."""

from __future__ import annotations

import datetime as dt

from busbar.lib.actions import ActionError
from busbar.programmes import heatmap
from busbar.programmes.models import Assessment, AssessmentResponse, Rag

#: Self-assessed RAG answers and the office's scores.
RAGS = (Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value)


def _today(now: dt.datetime | None) -> dt.date:
    return heatmap.today(now)


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",)).select_related("programme").get(pk=assessment.pk)
    )


def _lock_response(response: AssessmentResponse) -> AssessmentResponse:
    return (
        AssessmentResponse.objects.select_for_update(of=("self",))
        .select_related("assessment", "assessment__programme", "organisation")
        .get(pk=response.pk)
    )


class NothingToSave(ActionError):
    """Saving answers that change nothing (a page's "Submit" may go on to submit what was saved)."""
