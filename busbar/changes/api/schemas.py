"""Schemas of Change Notifications in the API: what goes in, and what comes out as the caller may see it.

The fields in :data:`busbar.changes.queries.INTERNAL_FIELDS` (team, back-out plan, risk, who raised it,
the emergency reason, conflicts) are null for those who do not review the change (the desk, its provider
and the CCG's members review it); consultations are all of them for reviewers and the caller's own
organisation's otherwise.
"""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from busbar.changes import lists, permissions, queries
from busbar.changes.api.common import (
    MAX_LISTED,
    ChangeRiskValue,
    ChangeStatusValue,
    ChangeTypeValue,
    ChgPersonRef,
    ChgServiceKey,
    ChgServiceRef,
    ChgTeam,
    ChgText,
    ChgTitle,
    ImpactValue,
    person,
)
from busbar.changes.models import ChangeNotification, ChangeStatus, ConflictKind, Consultation
from busbar.lib.schema import Day, Id, InputSchema, Instant, Ref, SearchText
from busbar.parties.queries import scope_for
from busbar.records.api import EntryOut, LinkedOut


def _user(context: dict[str, Any]) -> Any:
    return context["request"].user


def _shown(context: dict[str, Any], obj: ChangeNotification, field: str) -> bool:
    return queries.field_visible(_user(context), obj, field)


# Out --------------------------------------------------------------------------------------------------------


class ChgChangeOut(Schema):
    """A Change Notification in a list."""

    reference: str = Field(..., description="CHG0000001")
    title: str
    change_type: ChangeTypeValue  # type: ignore[valid-type]
    status: ChangeStatusValue  # type: ignore[valid-type]
    provider: Ref
    services: list[ChgServiceRef] = Field(..., description="Affected services and components")
    planned_start: dt.datetime
    planned_end: dt.datetime
    is_outage: bool = Field(..., description="The services are unavailable during the window")
    is_late: bool = Field(..., description="Given less notice than its notice rule asks")
    late_exception: bool = Field(..., description="Accepted by the CCG as an exception to the notice rule")
    notice_required: int | None = Field(..., description="Working days of notice the rule asks")
    notice_given: int | None = Field(..., description="Working days of notice given at submission")
    conflict_count: int | None = Field(
        ..., description="Conflicts found at the last check (for those who review the change; else null)"
    )
    team: str | None = Field(..., description="The provider's team (for those who review the change)")
    risk: ChangeRiskValue | None = Field(  # type: ignore[valid-type]
        ..., description="For those who review the change"
    )
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_provider(obj: ChangeNotification) -> dict[str, Any]:
        return {"id": obj.provider_id, "name": obj.provider.name}

    @staticmethod
    def resolve_services(obj: ChangeNotification) -> list[Any]:
        return list(obj.services.all())

    @staticmethod
    def resolve_conflict_count(obj: ChangeNotification, context: dict[str, Any]) -> int | None:
        return obj.conflict_count if _shown(context, obj, "conflicts") else None

    @staticmethod
    def resolve_team(obj: ChangeNotification, context: dict[str, Any]) -> str | None:
        return obj.team if _shown(context, obj, "team") else None

    @staticmethod
    def resolve_risk(obj: ChangeNotification, context: dict[str, Any]) -> str | None:
        return obj.risk if _shown(context, obj, "risk") else None


class ChgConflictOut(Schema):
    kind: Literal[tuple(ConflictKind.values)]  # type: ignore[valid-type]
    label: str
    detail: str
    service: ChgServiceRef | None
    other_change: str | None = Field(..., description="The other change's reference, if you may see it")
    blackout: str | None = Field(..., description="The blackout window's name")
    other_record: str | None = Field(
        ..., description="Another record's reference (an open major incident), if you may see it"
    )


class ChgConflictsOut(Schema):
    checked_at: dt.datetime | None = Field(..., description="When the conflicts were last checked")
    count: int
    conflicts: list[ChgConflictOut]


class ChgConsultationOut(Schema):
    id: int
    change: str = Field(..., description="The change's reference")
    organisation: Ref
    deadline: dt.date
    requested_at: dt.datetime
    impact: str = Field(..., description="none, low, medium, high; blank until answered")
    response: str
    concerns: bool
    responded_at: dt.datetime | None
    responded_by: str | None
    allowed_actions: list[str] = Field(..., description="respond")

    @staticmethod
    def resolve_change(obj: Consultation) -> str:
        return obj.change.reference

    @staticmethod
    def resolve_organisation(obj: Consultation) -> dict[str, Any]:
        return {"id": obj.organisation_id, "name": obj.organisation.name}

    @staticmethod
    def resolve_responded_by(obj: Consultation) -> str | None:
        return obj.responded_by.display_name if obj.responded_by_id else None

    @staticmethod
    def resolve_allowed_actions(obj: Consultation, context: dict[str, Any]) -> list[str]:
        scope = scope_for(_user(context))
        return ["respond"] if permissions.can_respond(scope, obj) is None else []


class ChgDecisionOut(Schema):
    id: int
    outcome: str = Field(
        ..., description="accept, accept_conditions, reschedule, reject, more_info, retrospective"
    )
    reason: str
    conditions: str
    previous_start: dt.datetime | None
    previous_end: dt.datetime | None
    new_start: dt.datetime | None
    new_end: dt.datetime | None
    late_exception: bool
    meeting: int | None = Field(..., description="The CCG meeting's number")
    decided_by: str | None = Field(..., description="For those who review the change")
    decided_at: dt.datetime


class ChgPirOut(Schema):
    summary: str
    successful: bool | None
    lessons: str
    completed_at: dt.datetime
    by: str | None


class ChgChangeDetail(ChgChangeOut):
    """A Change Notification in full, as the caller may see it."""

    description: str
    expected_impact: str
    backout_plan: str | None = Field(..., description="For those who review the change")
    emergency_reason: str | None = Field(..., description="For those who review the change")
    raised_by: ChgPersonRef | None = Field(..., description="For those who review the change")
    recorded_by_desk: bool = Field(..., description="Recorded by the service desk for the provider")
    notice_rule: str | None = Field(..., description="The notice rule applied at submission")
    retrospective_review_due: bool
    retrospective_reviewed_at: dt.datetime | None
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    outcome_note: str
    pir: ChgPirOut | None = Field(..., description="The post-implementation review, once recorded")
    conflicts_checked_at: dt.datetime | None
    conflicts: list[ChgConflictOut] | None = Field(
        ..., description="The conflicts found at the last check (for those who review the change)"
    )
    consultations: list[ChgConsultationOut] = Field(
        ..., description="Impact consultations: all of them for reviewers, else your organisation's"
    )
    decisions: list[ChgDecisionOut]
    updates: list[EntryOut] = Field(..., description="Internal notes for the desk and the provider only")
    links: list[LinkedOut] = Field(..., description="Linked problems, incidents, other records you may see")
    allowed_actions: list[str] = Field(
        ...,
        description="What you may do now: edit, submit, take-review, decide, reschedule, consult, start, "
        "complete, fail, back-out, pir, retrospective, review, cancel, update, link",
    )
    watching: bool

    @staticmethod
    def resolve_backout_plan(obj: ChangeNotification, context: dict[str, Any]) -> str | None:
        return obj.backout_plan if _shown(context, obj, "backout_plan") else None

    @staticmethod
    def resolve_emergency_reason(obj: ChangeNotification, context: dict[str, Any]) -> str | None:
        return obj.emergency_reason if _shown(context, obj, "emergency_reason") else None

    @staticmethod
    def resolve_raised_by(obj: ChangeNotification, context: dict[str, Any]) -> dict[str, Any] | None:
        return person(obj.raised_by) if _shown(context, obj, "raised_by") else None

    @staticmethod
    def resolve_notice_rule(obj: ChangeNotification) -> str | None:
        return obj.notice_rule.name if obj.notice_rule_id else None

    @staticmethod
    def resolve_pir(obj: ChangeNotification) -> dict[str, Any] | None:
        if obj.pir_completed_at is None:
            return None
        return {
            "summary": obj.pir_summary,
            "successful": obj.pir_successful,
            "lessons": obj.pir_lessons,
            "completed_at": obj.pir_completed_at,
            "by": obj.pir_by.display_name if obj.pir_by_id else None,
        }

    @staticmethod
    def resolve_conflicts(obj: ChangeNotification) -> list[dict[str, Any]] | None:
        return obj.api_conflicts  # type: ignore[attr-defined]

    @staticmethod
    def resolve_consultations(obj: ChangeNotification) -> list[dict[str, Any]]:
        return obj.api_consultations  # type: ignore[attr-defined]

    @staticmethod
    def resolve_decisions(obj: ChangeNotification) -> list[dict[str, Any]]:
        return obj.api_decisions  # type: ignore[attr-defined]

    @staticmethod
    def resolve_updates(obj: ChangeNotification) -> list[Any]:
        return obj.api_updates  # type: ignore[attr-defined]

    @staticmethod
    def resolve_links(obj: ChangeNotification) -> list[dict[str, Any]]:
        return obj.api_links  # type: ignore[attr-defined]

    @staticmethod
    def resolve_allowed_actions(obj: ChangeNotification) -> list[str]:
        return obj.api_allowed  # type: ignore[attr-defined]

    @staticmethod
    def resolve_watching(obj: ChangeNotification) -> bool:
        return obj.api_watching  # type: ignore[attr-defined]


# In ---------------------------------------------------------------------------------------------------------

ListStatus = Literal[tuple(["all", "open", *ChangeStatus.values])]  # type: ignore[misc]
_SORT_NAMES = list(lists.REVIEW_SORTING.sorts)
ListSort = Literal[tuple(n for name in _SORT_NAMES for n in (name, f"-{name}"))]  # type: ignore[misc]


class ChgChangeFilters(Schema):
    """The filters of the list page (:mod:`busbar.changes.lists`)."""

    status: ListStatus = Field(  # type: ignore[valid-type]
        "all", description="One status, open (not ended) or all"
    )
    type: ChangeTypeValue | None = None  # type: ignore[valid-type]
    provider: Id | None = Field(None, description="The provider organisation's id")
    service: ChgServiceKey | None = Field(
        None, description="An affected service (or one of its components), by id or slug"
    )
    late: bool = Field(False, description="Late notifications only")
    conflicts: bool = Field(
        False, description="With conflicts only (among the changes whose conflicts you may read)"
    )
    q: SearchText | None = Field(None, description="Title words, or a reference: CHG0000012, chg12, 12")
    sort: ListSort | None = Field(  # type: ignore[valid-type]
        None,
        description="start (the default), end, reference, title, type, status, provider, notice, and "
        "conflicts for the desk and the CCG; a leading - reverses it",
    )


class ChgConsultationFilters(Schema):
    unanswered: bool | None = Field(None, description="Unanswered only (or answered only)")


class ChgChangeIn(InputSchema):
    provider: Id | None = Field(
        None, description="The provider's organisation: the desk records for any; a provider for itself"
    )
    title: ChgTitle
    change_type: ChangeTypeValue = "normal"  # type: ignore[valid-type]
    services: list[ChgServiceKey] = Field(..., max_length=MAX_LISTED, description="Ids or slugs")
    planned_start: Instant
    planned_end: Instant
    is_outage: bool = False
    description: ChgText = ""
    expected_impact: ChgText = ""
    backout_plan: ChgText = ""
    risk: ChangeRiskValue = "medium"  # type: ignore[valid-type]
    team: ChgTeam = ""
    emergency_reason: ChgText = Field("", description="Required to submit an emergency change")


class ChgChangeEditIn(InputSchema):
    """Only the fields sent are changed (a draft, or one sent back for more information)."""

    title: ChgTitle | None = None
    change_type: ChangeTypeValue | None = None  # type: ignore[valid-type]
    services: list[ChgServiceKey] | None = Field(None, max_length=MAX_LISTED)
    planned_start: Instant | None = None
    planned_end: Instant | None = None
    is_outage: bool | None = None
    description: ChgText | None = None
    expected_impact: ChgText | None = None
    backout_plan: ChgText | None = None
    risk: ChangeRiskValue | None = None  # type: ignore[valid-type]
    team: ChgTeam | None = None
    emergency_reason: ChgText | None = None


class ChgEmptyIn(InputSchema):
    pass


class ChgReasonIn(InputSchema):
    reason: ChgText


class ChgNoteIn(InputSchema):
    note: ChgText = ""


class ChgDecideIn(InputSchema):
    outcome: Literal["accept", "accept_conditions", "reschedule", "reject", "more_info"]
    reason: ChgText
    conditions: ChgText = Field("", description="Required with accept_conditions")
    new_start: Instant | None = Field(None, description="Required with reschedule")
    new_end: Instant | None = Field(None, description="Required with reschedule")
    late_exception: bool = Field(False, description="Accept a late notification as an exception")
    meeting: int | None = Field(None, ge=1, le=1_000_000, description="The CCG meeting's number")


class ChgRescheduleIn(InputSchema):
    new_start: Instant
    new_end: Instant
    reason: ChgText
    late_exception: bool = False
    meeting: int | None = Field(None, ge=1, le=1_000_000)


class ChgConsultIn(InputSchema):
    organisations: list[Id] = Field(..., min_length=1, max_length=MAX_LISTED)
    deadline: Day  # 1 to 90 days on (the action says so, naming the field)


class ChgStartIn(InputSchema):
    actual_start: Instant | None = Field(None, description="Default: now")


class ChgCompleteIn(InputSchema):
    actual_end: Instant | None = Field(None, description="Default: now")
    note: ChgText = ""


class ChgFailIn(InputSchema):
    actual_end: Instant | None = Field(None, description="Default: now")
    note: ChgText


class ChgPirIn(InputSchema):
    summary: ChgText
    successful: bool
    lessons: ChgText = ""


class ChgRetrospectiveIn(InputSchema):
    reason: ChgText
    meeting: int | None = Field(None, ge=1, le=1_000_000)


class ChgUpdateIn(InputSchema):
    body: ChgText
    internal: bool = Field(False, description="An internal note (the desk and the provider)")


class ChgRespondIn(InputSchema):
    impact: ImpactValue  # type: ignore[valid-type]
    response: ChgText
    concerns: bool = False
