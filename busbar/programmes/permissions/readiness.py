"""Who may answer a readiness assessment (the rest of the readiness rules are in
:mod:`busbar.programmes.permissions`): the shared ``can_answer`` plus who is asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.programmes import heatmap, queries
from busbar.programmes.permissions import READ_ONLY, can_answer

if TYPE_CHECKING:
    from busbar.programmes.models import Assessment
    from busbar.testing.access import Access

OFFICE_DOES_NOT_ANSWER = "The programme office scores readiness assessments; it does not answer them"


def can_respond(access: Access, assessment: Assessment, organisation_id: int) -> str | None:
    """Answer (save, attach evidence, submit) for ``organisation_id``: a participant, for its own
    organisation, when that organisation is asked (:func:`busbar.programmes.heatmap.audience_ids`) and the
    assessment is open. The office, assurers and the desk never answer."""
    if not access.is_system and queries.is_office(access, assessment.programme_id):
        return OFFICE_DOES_NOT_ANSWER
    if access.is_central or access.is_assurer(assessment.programme_id):
        return READ_ONLY
    reason = can_answer(access, assessment, organisation_id)
    if reason is not None:
        return reason
    if not heatmap.in_audience(assessment, organisation_id):
        return f"Your organisation is not asked to answer {assessment.code}" + (
            f" (it is for the participants of {assessment.phase.name})" if assessment.phase_id else ""
        )
    return None
