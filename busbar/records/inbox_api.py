"""API of the inbox: ``GET /api/v1/inbox`` (newest first, paginated), mark one read, mark all read."""

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from busbar.lib.actions import Actor
from busbar.lib.pagination import Page
from busbar.lib.schema import IdPath
from busbar.records import actions
from busbar.records.inbox import inbox_of
from busbar.records.models import Notification

router = Router(tags=["Inbox"])


class NotificationOut(Schema):
    """One notification of the caller's inbox."""

    id: int
    kind: str = Field(..., description="bulletin, assignment, mention, sla_warning, affected")
    title: str
    reference: str | None = Field(None, description="The record it is about")
    url: str = Field(..., description="Where it leads (the record's page)")
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool

    @staticmethod
    def resolve_reference(obj: Notification) -> str | None:
        return obj.record.reference if obj.record_id else None

    @staticmethod
    def resolve_unread(obj: Notification) -> bool:
        return obj.read_at is None


class InboxFilter(FilterSchema):
    unread: bool | None = Field(None, description="true: only unread; false: only read")

    def filter_unread(self, value: bool | None):
        from django.db.models import Q

        return Q() if value is None else Q(read_at__isnull=value)


class ReadAllOut(Schema):
    marked: int = Field(..., description="How many unread notifications were marked read")


@router.get("/inbox", response=list[NotificationOut], summary="Your notifications, newest first")
@paginate(Page)
def list_inbox(request: HttpRequest, filters: Query[InboxFilter]) -> QuerySet[Notification]:
    """Only your own. ``?unread=true`` for the unread ones."""
    return filters.filter(inbox_of(request.user)).select_related("record")


@router.post("/inbox/read-all", response=ReadAllOut, summary="Mark every notification read")
def read_all(request: HttpRequest) -> dict:
    return {"marked": actions.mark_all_read(actor=Actor.from_request(request, channel="api"))}


@router.post("/inbox/{notification_id}/read", response=NotificationOut, summary="Mark a notification read")
def read_one(request: HttpRequest, notification_id: IdPath) -> Notification:
    """404 for a notification that is not yours. Marking a read one again changes nothing."""
    notification = inbox_of(request.user).select_related("record").filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification")
    actions.mark_read(actor=Actor.from_request(request, channel="api"), notification=notification)
    return notification
