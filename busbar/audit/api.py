"""API: the audit journal, filtered by the visibility rule."""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from busbar.audit.models import AuditEntry
from busbar.audit.queries import entries_visible_to
from busbar.lib.pagination import Page
from busbar.lib.schema import Id, Instant

router = Router(tags=["Audit journal"])


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_label: str
    actor_organisation_id: int | None
    channel: str
    action: str
    record_type: str
    record_id: str
    record_label: str
    owner_organisation_id: int | None
    changes: dict[str, Any]
    note: str

    @staticmethod
    def resolve_record_type(obj: AuditEntry) -> str:
        return f"{obj.record_type.app_label}.{obj.record_type.model}"


class AuditFilter(FilterSchema):
    record_type: str | None = Field(None, max_length=100, description="app.model, e.g. parties.organisation")
    record_id: str | None = Field(None, max_length=64)
    action: str | None = Field(
        None, max_length=100, description="Exact action, or a prefix ending in '.', e.g. membership."
    )
    actor: Id | None = Field(None, description="Acting user id")
    organisation: Id | None = Field(None, description="Owning organisation id")
    since: Instant | None = None
    until: Instant | None = None

    def filter_record_type(self, value: str | None) -> Q:
        if not value:
            return Q()
        app_label, _, model = value.partition(".")
        return Q(record_type__app_label=app_label, record_type__model=model)

    def filter_action(self, value: str | None) -> Q:
        if not value:
            return Q()
        return Q(action__startswith=value) if value.endswith(".") else Q(action=value)

    def filter_actor(self, value: int | None) -> Q:
        return Q(actor_id=value) if value else Q()

    def filter_organisation(self, value: int | None) -> Q:
        return Q(owner_organisation_id=value) if value else Q()

    def filter_since(self, value: dt.datetime | None) -> Q:
        return Q(at__gte=value) if value else Q()

    def filter_until(self, value: dt.datetime | None) -> Q:
        return Q(at__lt=value) if value else Q()


@router.get("/audit", response=list[AuditOut], summary="The audit journal (newest first)")
@paginate(Page)
def list_audit(request: HttpRequest, filters: Query[AuditFilter]) -> QuerySet[AuditEntry]:
    return filters.filter(entries_visible_to(request.user)).order_by("-at", "-id")
