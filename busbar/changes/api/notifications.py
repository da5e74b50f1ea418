"""API: Change Notifications — list, export, raise, read, edit, and one endpoint per move of their life.

Every read starts from :func:`busbar.changes.queries.visible_to` (a change outside it is a 404) and
every change goes through :mod:`busbar.changes.actions`. Each move replies with the change as it now
is; a move the transition table forbids is a 409 problem naming the current status and the allowed ones;
not permitted is a 403; bad input a 422 naming the field, with nothing written.
"""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from busbar.changes import actions, lists, permissions, queries
from busbar.changes.api import common
from busbar.changes.api.schemas import (
    ChgChangeDetail,
    ChgChangeEditIn,
    ChgChangeFilters,
    ChgChangeIn,
    ChgChangeOut,
    ChgCompleteIn,
    ChgConflictsOut,
    ChgConsultationFilters,
    ChgConsultationOut,
    ChgConsultIn,
    ChgDecideIn,
    ChgEmptyIn,
    ChgFailIn,
    ChgNoteIn,
    ChgPirIn,
    ChgReasonIn,
    ChgRescheduleIn,
    ChgRespondIn,
    ChgRetrospectiveIn,
    ChgStartIn,
    ChgUpdateIn,
)
from busbar.changes.models import (
    CcgMeeting,
    ChangeConflict,
    ChangeNotification,
    ConflictKind,
)
from busbar.lib import export
from busbar.lib.actions import ActionError, refuse
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath, RefPath
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries
from busbar.records.api import EntryOut, linked
from busbar.records.models import Entry

router = Router(tags=["Change notifications"])

_FILE_CONTENT = {
    ctype: {"schema": {"type": "string", "format": "binary"}} for ctype in export.CONTENT_TYPES.values()
}


# Reading ----------------------------------------------------------------------------------------------------


def filtered(request: HttpRequest, filters: ChgChangeFilters) -> QuerySet[ChangeNotification]:
    """The changes the caller may see, narrowed by the list page's filters and in the order asked."""
    user = request.user
    sorting = lists.sorting_for(user)
    if filters.sort and sorting.valid(filters.sort) is None:
        raise ActionError("Only those who review every change they see sort by conflicts", field="sort")
    data = filters.dict(exclude_none=True)
    if filters.service is not None:
        data["service"] = common.service(request, filters.service)
    qs = lists.apply_filters(user, common.visible(request), data)
    return sorting.apply(qs, filters.sort or lists.DEFAULT_SORT)


def _conflicts(user: Any, change: ChangeNotification) -> list[dict[str, Any]]:
    rows = list(
        ChangeConflict.objects.filter(change=change).select_related("service", "other_change", "blackout")
    )
    others = {r.other_change_id for r in rows if r.other_change_id}
    seen = (
        set(queries.visible_to(user).filter(pk__in=others).values_list("pk", flat=True)) if others else set()
    )
    labels = dict(ConflictKind.choices)
    out = []
    for r in rows:
        other_record = None
        if r.other_reference and record_queries.find_visible(user, r.other_reference) is not None:
            other_record = r.other_reference
        out.append(
            {
                "kind": r.kind,
                "label": labels.get(r.kind, r.kind),
                "detail": r.detail,
                "service": r.service,
                "other_change": r.other_change.reference if r.other_change_id in seen else None,
                "blackout": r.blackout.name if r.blackout_id else None,
                "other_record": other_record,
            }
        )
    return out


def _decisions(change: ChangeNotification, reviews: bool) -> list[dict[str, Any]]:
    return [
        {
            "id": d.pk,
            "outcome": d.outcome,
            "reason": d.reason,
            "conditions": d.conditions,
            "previous_start": d.previous_start,
            "previous_end": d.previous_end,
            "new_start": d.new_start,
            "new_end": d.new_end,
            "late_exception": d.late_exception,
            "meeting": d.meeting.number if d.meeting_id else None,
            "decided_by": d.decided_by.display_name if reviews and d.decided_by_id else None,
            "decided_at": d.decided_at,
        }
        for d in change.decisions.select_related("meeting", "decided_by").order_by("decided_at", "id")
    ]


def _detail(request: HttpRequest, reference: str) -> ChangeNotification:
    """The change with everything :class:`ChgChangeDetail` shows, read as the caller may see it."""
    user = request.user
    change = get_object_or_404(common.detail_queryset(request), reference=reference.upper())
    reviews = queries.reviews(user, change)
    consultations = list(queries.consultations_visible_to(user, change))
    for c in consultations:
        c.change = change
    change.api_conflicts = _conflicts(user, change) if reviews else None  # type: ignore[attr-defined]
    change.api_consultations = consultations  # type: ignore[attr-defined]
    change.api_decisions = _decisions(change, reviews)  # type: ignore[attr-defined]
    change.api_updates = list(record_queries.entries_visible_to(user, change))  # type: ignore[attr-defined]
    change.api_links = linked(user, change)  # type: ignore[attr-defined]
    change.api_allowed = permissions.available(scope_for(user), change)  # type: ignore[attr-defined]
    change.api_watching = record_queries.is_watching(user, change)  # type: ignore[attr-defined]
    return change


def _move(request: HttpRequest, reference: str, func: Any, **kwargs: Any) -> Any:
    change = common.change_or_404(request, reference)
    _, refused = common.run(request, change, func, **kwargs)
    return refused or _detail(request, change.reference)


def _meeting(request: HttpRequest, number: int | None) -> CcgMeeting | None:
    if number is None:
        return None
    found = queries.meetings_visible_to(request.user).filter(number=number).first()
    if found is None:
        raise ActionError(f"No CCG meeting {number}", field="meeting")
    return found


def _provider(request: HttpRequest, pk: int | None) -> Organisation:
    scope = scope_for(request.user)
    refuse(permissions.can_raise(scope))
    if pk is not None:
        return common.organisation(request, pk, field="provider")
    held = sorted(scope.resolver_for | scope.admin_of)
    if len(held) != 1:
        raise ActionError("Name the provider the change is for", field="provider")
    return Organisation.objects.get(pk=held[0])


# Endpoints: lists (before /changes/{reference}, so their paths are not read as references) ----------------


@router.get("/changes", response=list[ChgChangeOut], summary="Change Notifications you may see")
@paginate(Page)
def list_change_notifications(request: HttpRequest, filters: Query[ChgChangeFilters]) -> Any:
    """The desk sees every change; a provider its own (drafts included); the CCG's members every submitted
    one; consulted organisations the changes they are asked about; every participant the published ones
    (accepted onwards). Internal fields are null for those who do not review the change."""
    return lists.page_rows(filtered(request, filters))


@router.get(
    "/changes/export",
    response={200: None},
    summary="Export Change Notifications (CSV or XLSX)",
    openapi_extra={"responses": {200: {"description": "The file", "content": _FILE_CONTENT}}},
)
def export_change_notifications(
    request: HttpRequest, filters: Query[ChgChangeFilters], format: Literal["csv", "xlsx"] = "csv"
) -> HttpResponseBase:
    """The changes ``GET /changes`` lists with the same filters, all of them, as CSV (streamed) or XLSX.
    Times in Europe/London; the internal columns filled only where you may read them."""
    qs = lists.export_rows(filtered(request, filters))
    return export.response(qs, lists.export_columns(request.user), fmt=format, stem="change-notifications")


@router.get(
    "/changes/consultations",
    response=list[ChgConsultationOut],
    summary="Impact consultations addressed to your organisations",
)
@paginate(Page)
def list_my_consultations(request: HttpRequest, filters: Query[ChgConsultationFilters]) -> Any:
    qs = queries.my_consultations(request.user).select_related("responded_by")
    if filters.unanswered is not None:
        qs = qs.filter(responded_at__isnull=filters.unanswered)
    return qs.order_by("deadline", "id")


# Endpoints: one change --------------------------------------------------------------------------------------


@router.post("/changes", response={201: ChgChangeDetail}, summary="Raise a Change Notification (a draft)")
def raise_change_notification(request: HttpRequest, payload: ChgChangeIn) -> Status:
    """A provider raises its own; the service desk records one for a provider (``provider``). The draft is
    the provider's and the operator's until submitted."""
    provider = _provider(request, payload.provider)
    change = actions.raise_change(
        actor=common.actor(request),
        provider=provider,
        title=payload.title,
        change_type=payload.change_type,
        services=common.services(request, payload.services),
        planned_start=payload.planned_start,
        planned_end=payload.planned_end,
        is_outage=payload.is_outage,
        description=payload.description,
        expected_impact=payload.expected_impact,
        backout_plan=payload.backout_plan,
        risk=payload.risk,
        team=payload.team,
        emergency_reason=payload.emergency_reason,
    )
    return Status(201, _detail(request, change.reference))


@router.get("/changes/{reference}", response=ChgChangeDetail, summary="One Change Notification")
def get_change_notification(request: HttpRequest, reference: RefPath) -> Any:
    return _detail(request, reference)


_NOT_NULL = ("title", "change_type", "services", "planned_start", "planned_end", "is_outage", "risk")


@router.patch(
    "/changes/{reference}",
    response=ChgChangeDetail,
    summary="Edit a Change Notification (a draft, or one sent back for more information)",
)
def edit_change_notification(request: HttpRequest, reference: RefPath, payload: ChgChangeEditIn) -> Any:
    change = common.change_or_404(request, reference)
    fields = payload.dict(exclude_unset=True)
    for name in _NOT_NULL:
        if name in fields and fields[name] is None:
            raise ActionError(f"{name} cannot be null", field=name)
    for name in ("description", "expected_impact", "backout_plan", "team", "emergency_reason"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    if not fields:
        raise ActionError("Nothing to change", field="body")
    if "services" in fields:
        fields["services"] = common.services(request, fields["services"])
    _, refused = common.run(request, change, actions.edit_change, **fields)
    return refused or _detail(request, change.reference)


@router.post("/changes/{reference}/submit", response=ChgChangeDetail, summary="Submit to the CCG")
def submit_change_notification(request: HttpRequest, reference: RefPath, payload: ChgEmptyIn) -> Any:
    """The notice is assessed against the notice rule (a late one is flagged) and conflicts are checked; a
    standard change on time without conflicts is accepted at once (pre-approved)."""
    return _move(request, reference, actions.submit_change)


@router.post("/changes/{reference}/take-review", response=ChgChangeDetail, summary="Take into review (desk)")
def take_change_into_review(request: HttpRequest, reference: RefPath, payload: ChgEmptyIn) -> Any:
    return _move(request, reference, actions.take_into_review)


@router.post("/changes/{reference}/decide", response=ChgChangeDetail, summary="Record the CCG's decision")
def decide_change_notification(request: HttpRequest, reference: RefPath, payload: ChgDecideIn) -> Any:
    """accept, accept_conditions (with ``conditions``), reschedule (with ``new_start`` and ``new_end``),
    reject or more_info, with the reason. A late notification is accepted only with ``late_exception``."""
    return _move(
        request,
        reference,
        actions.decide,
        outcome=payload.outcome,
        reason=payload.reason,
        conditions=payload.conditions,
        new_start=payload.new_start,
        new_end=payload.new_end,
        late_exception=payload.late_exception,
        meeting=_meeting(request, payload.meeting),
    )


@router.post(
    "/changes/{reference}/reschedule", response=ChgChangeDetail, summary="Reschedule (a CCG decision)"
)
def reschedule_change_notification(request: HttpRequest, reference: RefPath, payload: ChgRescheduleIn) -> Any:
    return _move(
        request,
        reference,
        actions.decide,
        outcome="reschedule",
        reason=payload.reason,
        new_start=payload.new_start,
        new_end=payload.new_end,
        late_exception=payload.late_exception,
        meeting=_meeting(request, payload.meeting),
    )


@router.post(
    "/changes/{reference}/consult",
    response=ChgChangeDetail,
    summary="Ask organisations to assess the change's impact by a deadline (desk)",
)
def consult_on_change(request: HttpRequest, reference: RefPath, payload: ChgConsultIn) -> Any:
    chosen = common.organisations(request, payload.organisations, field="organisations")
    return _move(request, reference, actions.consult, organisations=chosen, deadline=payload.deadline)


@router.post("/changes/{reference}/start", response=ChgChangeDetail, summary="Start the work")
def start_change_notification(request: HttpRequest, reference: RefPath, payload: ChgStartIn) -> Any:
    return _move(request, reference, actions.start_change, actual_start=payload.actual_start)


@router.post("/changes/{reference}/complete", response=ChgChangeDetail, summary="Completed")
def complete_change_notification(request: HttpRequest, reference: RefPath, payload: ChgCompleteIn) -> Any:
    return _move(
        request, reference, actions.complete_change, actual_end=payload.actual_end, note=payload.note
    )


@router.post("/changes/{reference}/fail", response=ChgChangeDetail, summary="Failed")
def fail_change_notification(request: HttpRequest, reference: RefPath, payload: ChgFailIn) -> Any:
    return _move(request, reference, actions.fail_change, note=payload.note, actual_end=payload.actual_end)


@router.post("/changes/{reference}/back-out", response=ChgChangeDetail, summary="Backed out")
def back_out_change_notification(request: HttpRequest, reference: RefPath, payload: ChgFailIn) -> Any:
    return _move(
        request, reference, actions.back_out_change, note=payload.note, actual_end=payload.actual_end
    )


@router.post(
    "/changes/{reference}/pir", response=ChgChangeDetail, summary="Record the post-implementation review"
)
def record_change_pir(request: HttpRequest, reference: RefPath, payload: ChgPirIn) -> Any:
    return _move(
        request,
        reference,
        actions.record_pir,
        summary=payload.summary,
        successful=payload.successful,
        lessons=payload.lessons,
    )


@router.post(
    "/changes/{reference}/retrospective",
    response=ChgChangeDetail,
    summary="The CCG's retrospective review of an emergency change",
)
def retrospective_change_review(request: HttpRequest, reference: RefPath, payload: ChgRetrospectiveIn) -> Any:
    return _move(
        request,
        reference,
        actions.retrospective_review,
        reason=payload.reason,
        meeting=_meeting(request, payload.meeting),
    )


@router.post("/changes/{reference}/review", response=ChgChangeDetail, summary="Close as reviewed")
def mark_change_reviewed(request: HttpRequest, reference: RefPath, payload: ChgNoteIn) -> Any:
    return _move(request, reference, actions.mark_reviewed, note=payload.note)


@router.post("/changes/{reference}/cancel", response=ChgChangeDetail, summary="Cancel")
def cancel_change_notification(request: HttpRequest, reference: RefPath, payload: ChgReasonIn) -> Any:
    return _move(request, reference, actions.cancel_change, reason=payload.reason)


@router.get("/changes/{reference}/updates", response=list[EntryOut], summary="The conversation")
@paginate(Page)
def list_change_updates(request: HttpRequest, reference: RefPath) -> Any:
    change = common.change_or_404(request, reference)
    return record_queries.entries_visible_to(request.user, change).order_by("created_at", "id")


@router.post(
    "/changes/{reference}/updates", response={201: EntryOut}, summary="Add an update or internal note"
)
def add_change_update(request: HttpRequest, reference: RefPath, payload: ChgUpdateIn) -> Status:
    change = common.change_or_404(request, reference)
    result = actions.add_update(
        actor=common.actor(request), change=change, body=payload.body, internal=payload.internal
    )
    entries = record_queries.entries_visible_to(request.user, change)
    entry = entries.get(pk=result.pk) if isinstance(result, Entry) else entries.order_by("-id").first()
    return Status(201, entry)


@router.get(
    "/changes/{reference}/conflicts",
    response=ChgConflictsOut,
    summary="The conflicts found at the last check (those who review the change)",
)
def get_change_conflicts(request: HttpRequest, reference: RefPath) -> Any:
    change = common.change_or_404(request, reference)
    if not queries.reviews(request.user, change):
        raise ChangeNotification.DoesNotExist
    found = _conflicts(request.user, change)
    return {"checked_at": change.conflicts_checked_at, "count": len(found), "conflicts": found}


@router.post(
    "/changes/{reference}/consultations/{consultation_id}/respond",
    response=ChgConsultationOut,
    summary="Answer an impact consultation (the organisation consulted)",
)
def respond_to_consultation(
    request: HttpRequest, reference: RefPath, consultation_id: IdPath, payload: ChgRespondIn
) -> Any:
    change = common.change_or_404(request, reference)
    consultation = get_object_or_404(
        queries.consultations_visible_to(request.user, change), pk=consultation_id
    )
    actions.respond_consultation(
        actor=common.actor(request),
        consultation=consultation,
        impact=payload.impact,
        response=payload.response,
        concerns=payload.concerns,
    )
    answered = queries.consultations_visible_to(request.user, change).get(pk=consultation.pk)
    answered.change = change
    return answered
