"""How the responses stand: the heat map (participants × questions; a participant sees its own row) and
chasing the participants that have not submitted."""

from typing import Any

from django.http import HttpRequest

from busbar.lib.actions import ActionError
from busbar.parties.models import Organisation
from busbar.programmes import heatmap
from busbar.programmes.actions import readiness as actions
from busbar.programmes.api.readiness import router
from busbar.programmes.api.readiness._common import (
    CodePath,
    ProgrammePath,
    _actor,
    _assessment,
    _question_out,
)
from busbar.programmes.api.readiness.schemas import GovChaseIn, GovChaseOut, GovHeatmapOut
from busbar.testing.access import access_for


@router.post(
    "/programmes/{programme}/assessments/{code}/chase",
    response=GovChaseOut,
    summary="Chase the participants that have not submitted (at most once a day each)",
)
def chase(
    request: HttpRequest, programme: ProgrammePath, code: CodePath, payload: GovChaseIn | None = None
) -> Any:
    a = _assessment(request, programme, code)
    organisations = None
    if payload is not None and payload.organisations is not None:
        organisations = list(Organisation.objects.filter(pk__in=payload.organisations))
        if len(organisations) != len(set(payload.organisations)):
            raise ActionError("An organisation given does not exist", field="organisations")
    n = actions.chase(actor=_actor(request), assessment=a, organisations=organisations)
    return {"chased": n, "organisations": [o.name for o in heatmap.non_responders(a)]}


@router.get(
    "/programmes/{programme}/assessments/{code}/heatmap",
    response=GovHeatmapOut,
    summary="The heat map: participants × questions (a participant: its own row)",
)
def get_heatmap(request: HttpRequest, programme: ProgrammePath, code: CodePath) -> Any:
    a = _assessment(request, programme, code)
    m = heatmap.build(a, access_for(request.user))
    return {
        "assessment": a.code,
        "full": m.full,
        "questions": [_question_out(q) for q in m.questions],
        "rows": [
            {
                "organisation": r.organisation.pk,
                "organisation_name": r.organisation.name,
                "status": r.status,
                "submitted_at": r.submitted_at,
                "cells": [
                    {
                        "question": c.question.number,
                        "state": c.state,
                        "label": c.label,
                        "evidence": c.evidence,
                    }
                    for c in r.cells
                ],
                "overall_rag": r.overall,
                "overall_is_suggested": r.overall_is_suggested,
                "asked": r.in_audience,
            }
            for r in m.rows
        ],
        "counts": [
            {
                "question": c.question.number,
                "green": c.green,
                "amber": c.amber,
                "red": c.red,
                "not_scored": c.not_scored,
                "not_answered": c.not_answered,
            }
            for c in m.counts
        ],
        "audience": m.audience_size,
        "submitted": m.submitted,
        "response_rate": m.response_rate,
    }
