"""Endpoints: major incidents and inbound email."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from busbar.accounts.apiauth import TokenAuth
from busbar.accounts.queries import users_visible_to
from busbar.incidents import actions, permissions, queries, recipients
from busbar.incidents.api.helpers import (
    _actor,
    _body_doc,
    _id,
    _incident,
    _parse,
    _problems,
    _raw_body,
)
from busbar.incidents.api.schemas import (
    CommunicationIn,
    CommunicationOut,
    DeclareIn,
    EmailReceived,
    MajorDetail,
    MajorFilter,
    MajorOut,
    MajorPatch,
    Problem,
    ReviewIn,
    email,
    majors,
)
from busbar.incidents.major_confirmation import require_confirmation
from busbar.incidents.models import (
    Communication,
    MajorIncident,
)
from busbar.lib.actions import ActionError
from busbar.lib.forms import parse_id
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath, RefPath
from busbar.parties.queries import scope_for

# Major incidents -------------------------------------------------------------------------------------------


def _majors(request: HttpRequest) -> QuerySet[MajorIncident]:
    return queries.majors_visible_to(request.user).select_related("incident__severity", "review_completed_by")


def _major(request: HttpRequest, major_id: int) -> MajorIncident:
    qs = _majors(request).prefetch_related(
        Prefetch(
            "communications",
            queryset=Communication.objects.select_related("sent_by").order_by("sent_at", "id"),
        )
    )
    pk = parse_id(major_id)
    if pk is None:
        raise Http404("No such major incident")
    return get_object_or_404(qs, pk=pk)


@majors.get(
    "/major-incidents",
    response=list[MajorOut],
    summary="List major incidents",
)
@paginate(Page)
def list_majors(request: HttpRequest, filters: Query[MajorFilter]) -> QuerySet[MajorIncident]:
    return filters.filter(_majors(request)).order_by("-opened_at", "-id")


@majors.get(
    "/major-incidents/{major_id}",
    response={200: MajorDetail, 404: Problem},
    summary="One major incident",
)
def get_major(request: HttpRequest, major_id: IdPath) -> MajorIncident:
    return _major(request, major_id)


@majors.post(
    "/incidents/{reference}/major",
    response={201: MajorDetail, **_problems(403, 404, 422)},
    summary="Declare a major incident (service desk)",
)
def declare_major(request: HttpRequest, reference: RefPath, payload: DeclareIn) -> Status:
    incident = _incident(request, reference)
    offered = "major-declare" in permissions.available(scope_for(request.user), incident)
    if offered:
        # Publishing to every participant is not undone: say who would be told, and ask for confirm: true.
        # (Where declaring is not offered, the action gives its own refusal.)
        require_confirmation(confirm=payload.confirm, told=lambda: recipients.declaration(incident))
    major = actions.declare_major_incident(actor=_actor(request), incident=incident, trigger=payload.trigger)
    return Status(201, _major(request, major.pk))


@majors.patch(
    "/major-incidents/{major_id}",
    response={200: MajorDetail, **_problems(403, 404, 422)},
    summary="Change the incident manager or the bulletin interval (service desk)",
)
def update_major(request: HttpRequest, major_id: IdPath, payload: MajorPatch) -> MajorIncident:
    major = _major(request, major_id)
    manager = None
    if payload.manager is not None:
        pk = _id(payload.manager, "manager", "person")
        manager = users_visible_to(request.user).filter(pk=pk, is_active=True).first()
        if manager is None:
            raise ActionError(f"No person {payload.manager}", field="manager")
    # Both change, or neither: one action.
    actions.update_major(
        actor=_actor(request),
        major=major,
        manager=manager,
        update_interval_minutes=payload.update_interval_minutes,
    )
    return _major(request, major_id)


@majors.post(
    "/major-incidents/{major_id}/communications",
    response={201: CommunicationOut, **_problems(403, 404, 415, 422)},
    summary="Send a bulletin to every affected participant (service desk)",
    openapi_extra=_body_doc(CommunicationIn, files=False),
)
def send_communication(request: HttpRequest, major_id: IdPath) -> Status | HttpResponse:
    major = _major(request, major_id)
    parsed = _parse(request, CommunicationIn, files=False)
    if isinstance(parsed, HttpResponse):
        return parsed
    payload, _ = parsed
    communication = actions.send_communication(
        actor=_actor(request), major=major, subject=payload.subject, body=payload.body
    )
    return Status(201, communication)


@majors.post(
    "/major-incidents/{major_id}/review",
    response={200: MajorDetail, **_problems(403, 404, 422)},
    summary="Record the post-incident review (service desk)",
)
def record_review(request: HttpRequest, major_id: IdPath, payload: ReviewIn) -> MajorIncident:
    major = _major(request, major_id)
    actions.record_review(
        actor=_actor(request),
        major=major,
        cause=payload.cause,
        actions=payload.actions,
        lessons=payload.lessons,
    )
    return _major(request, major_id)


# Inbound email ---------------------------------------------------------------------------------------------

#: The largest raw message read: Django refuses bigger bodies unread (DATA_UPLOAD_MAX_MEMORY_SIZE).
MAX_EMAIL_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@email.post(
    "/email/inbound",
    auth=TokenAuth(),
    response={201: EmailReceived, **_problems(403, 415, 422)},
    summary="Thread an emailed reply onto its incident (mailbox poller; desk or platform-admin token)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "maxLength": MAX_EMAIL_BYTES}}},
        }
    },
)
def email_inbound(request: HttpRequest) -> Status:
    """Post the raw RFC 822 message as ``message/rfc822``. A refused message is a 422 giving the reason."""
    scope = scope_for(request.user)
    if not (scope.is_desk or scope.is_platform_admin):
        raise PermissionDenied("Only a service-desk or platform-administrator token may post inbound email")
    if request.content_type != "message/rfc822":
        raise HttpError(415, "Send the raw message as message/rfc822")
    update = actions.receive_email(raw=_raw_body(request))
    return Status(201, {"reference": update.record.reference, "update_id": update.pk})
