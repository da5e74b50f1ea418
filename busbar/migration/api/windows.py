"""Segment windows, their cut-overs and the end of a threshold over the API.

* ``GET /migration/segment-windows``: the migration programme's windows (anyone signed in: published
  dates), each with its cut-over when recorded; ``PUT /migration/segment-windows/{segment}`` sets one
  (migration managers).
* ``GET /migration/cutovers``: recorded cut-overs with the counts the caller may see (a supplier its own
  MPANs, a DNO its area's, an agent those it serves, the programme all); ``POST /migration/cutovers``
  records a segment's cut-over now (migration managers; 409 before its close is over or when recorded).
* ``POST /migration/thresholds/{id}/end``: the last day a threshold is in force (migration managers).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema, Status

from busbar.lib.actions import Actor
from busbar.lib.schema import Day, IdPath, InputSchema
from busbar.migration import common, queries
from busbar.migration.actions import plans as plan_actions
from busbar.migration.actions.cutover import record_cutover
from busbar.migration.models import Segment

router = Router(tags=["Qualification and migration"])

SegmentName = Literal[tuple(Segment.values)]  # type: ignore[valid-type]
SegmentPath = Annotated[SegmentName, Path(description="The segment")]  # type: ignore[valid-type]


class MigrationCutoverCountsOut(Schema):
    in_flight: int = Field(..., description="MPANs still scheduled at the close (in flight at cut-over)")
    not_migrated: int = Field(..., description="MPANs never scheduled, or reversed and not re-scheduled")
    migrated: int


class MigrationCutoverOut(Schema):
    id: int
    segment: SegmentName  # type: ignore[valid-type]
    day: dt.date = Field(..., description="The window's close (M15) the cut-over was taken at")
    recorded_at: dt.datetime
    counts: MigrationCutoverCountsOut = Field(..., description="The counts you may see")


class MigrationSegmentWindowOut(Schema):
    segment: SegmentName  # type: ignore[valid-type]
    opens: dt.date
    reverse_until: dt.date = Field(..., description="M14: no reverse migration after this day")
    closes: dt.date = Field(..., description="M15")
    cutover: MigrationCutoverOut | None = Field(None, description="The cut-over at this close, once recorded")


class MigrationSegmentWindowIn(InputSchema):
    opens: Day
    reverse_until: Day
    closes: Day


class MigrationCutoverIn(InputSchema):
    segment: SegmentName  # type: ignore[valid-type]


class MigrationThresholdEndIn(InputSchema):
    effective_to: Day


class MigrationThresholdEndOut(Schema):
    id: int
    effective_from: dt.date
    effective_to: dt.date | None


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def _programme() -> Any:
    programme = common.migration_programme()
    if programme is None:
        raise Http404("No programme has migration windows yet")
    return programme


def _cutovers(request: HttpRequest, qs: Any) -> list[dict]:
    found = list(qs)
    totals = queries.cutover_totals(request.user, [c.pk for c in found])
    return [
        {"id": c.pk, "segment": c.segment, "day": c.day, "recorded_at": c.recorded_at, "counts": totals[c.pk]}
        for c in found
    ]


def _windows(request: HttpRequest, programme: Any) -> list[dict]:
    windows = list(
        queries.segment_windows_visible_to(request.user)
        .filter(programme=programme)
        .order_by("opens", "segment")
    )
    cutovers = {
        (c["segment"], c["day"]): c
        for c in _cutovers(request, queries.cutovers_visible_to(request.user).filter(programme=programme))
    }
    return [
        {
            "segment": w.segment,
            "opens": w.opens,
            "reverse_until": w.reverse_until,
            "closes": w.closes,
            "cutover": cutovers.get((w.segment, w.closes)),
        }
        for w in windows
    ]


@router.get(
    "/migration/segment-windows",
    response={200: list[MigrationSegmentWindowOut], 404: dict},
    summary="The migration programme's segment windows (M11/M12, M14, M15) and their cut-overs",
    operation_id="migration_list_segment_windows",
)
def list_segment_windows(request: HttpRequest) -> Any:
    return _windows(request, _programme())


@router.put(
    "/migration/segment-windows/{segment}",
    response={200: MigrationSegmentWindowOut, 404: dict},
    summary="Set a segment's window (migration managers)",
    operation_id="migration_set_segment_window",
)
def set_segment_window(request: HttpRequest, segment: SegmentPath, payload: MigrationSegmentWindowIn) -> Any:  # type: ignore[valid-type]
    programme = _programme()
    plan_actions.set_segment_window(
        actor=_actor(request), programme=programme, segment=segment, **payload.dict()
    )
    return next(w for w in _windows(request, programme) if w["segment"] == segment)


@router.get(
    "/migration/cutovers",
    response=list[MigrationCutoverOut],
    summary="Recorded cut-overs, with the counts you may see",
    operation_id="migration_list_cutovers",
)
def list_cutovers(request: HttpRequest) -> Any:
    return _cutovers(request, queries.cutovers_visible_to(request.user).order_by("-day", "segment")[:100])


@router.post(
    "/migration/cutovers",
    response={201: MigrationCutoverOut, 404: dict},
    summary="Record a segment's cut-over now (migration managers; once its window's close is over)",
    operation_id="migration_record_cutover",
)
def post_cutover(request: HttpRequest, payload: MigrationCutoverIn) -> Any:
    taken = record_cutover(actor=_actor(request), programme=_programme(), segment=payload.segment)
    return Status(201, _cutovers(request, queries.cutovers_visible_to(request.user).filter(pk=taken.pk))[0])


@router.post(
    "/migration/thresholds/{threshold_id}/end",
    response=MigrationThresholdEndOut,
    summary="End a threshold: the last day it is in force (migration managers)",
    operation_id="migration_end_threshold",
)
def end_threshold(request: HttpRequest, threshold_id: IdPath, payload: MigrationThresholdEndIn) -> Any:
    threshold = queries.thresholds_visible_to(request.user).filter(pk=threshold_id).first()
    if threshold is None:
        raise Http404("No such threshold, or you may not read it")
    done = plan_actions.end_threshold(
        actor=_actor(request), threshold=threshold, effective_to=payload.effective_to
    )
    return {"id": done.pk, "effective_from": done.effective_from, "effective_to": done.effective_to}
