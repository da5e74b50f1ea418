"""Decisions (GV-34): outcome, the document and version approved, conditions tracked to closure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    action,
    refuse,
)
from busbar.lib.limits import text_max
from busbar.parties.models import Organisation
from busbar.programmes import permissions, queries, steps
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.meetings._shared import (
    MAX_CONDITIONS,
    _now,
    _short,
    _today,
)
from busbar.programmes.models import (
    AgendaItem,
    Decision,
    DecisionCondition,
    DecisionConditionStatus,
    DecisionOutcome,
    Meeting,
    MeetingStatus,
)
from busbar.programmes.permissions import meetings as meeting_rules
from busbar.testing.access import access_of


def _conditions(programme_id: int, conditions: Iterable[Mapping[str, Any]]) -> list[dict]:
    items = list(conditions or ())
    if len(items) > MAX_CONDITIONS:
        raise ActionError(f"At most {MAX_CONDITIONS} conditions", field="conditions")
    participants = queries.participant_organisation_ids(programme_id)
    cleaned = []
    for index, c in enumerate(items):
        base = f"conditions[{index}]"
        if not isinstance(c, Mapping):
            raise ActionError("A condition has a text, an owner and a due date", field=base)
        text = clean_text(c.get("text"), field=f"{base}.text", limit=500, what="The condition")
        owner = c.get("owner_organisation")
        if owner is not None and (
            not isinstance(owner, Organisation)
            or not owner.is_active
            or not participants.filter(pk=owner.pk).exists()
        ):
            raise ActionError(f"{owner} takes no part in the programme", field=f"{base}.owner_organisation")
        due = check_date(c.get("due_date"), field=f"{base}.due_date")
        cleaned.append({"text": text, "owner_organisation": owner, "due_date": due})
    return cleaned


@action
def record_decision(
    *,
    actor: Actor,
    programme,
    title: str,
    outcome: str,
    decided_on: dt.date,
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    decided_by: str = "",
    document_title: str = "",
    document_version: str = "",
    summary: str = "",
    conditions: Iterable[Mapping[str, Any]] = (),
    change_request=None,
    now: dt.datetime | None = None,
) -> Decision:
    """A decision (GV-34): approved, approved with conditions (at least one, each tracked to closure),
    rejected or deferred; the document and version approved ("approved version 0.4 of the Release
    Management and Configuration Approach"); at a meeting (and agenda item) or by a named body (the SRO)."""
    refuse(permissions.can_record_decision(access_of(actor), programme.pk))
    title = clean_text(title, field="title", limit=300, what="The decision")
    if outcome not in DecisionOutcome.values:
        raise ActionError(f"The outcome is {', '.join(DecisionOutcome.values)}", field="outcome")
    decided_on = check_date(decided_on, field="decided_on", required=True)
    if meeting is not None:
        meeting = Meeting.objects.select_related("group").get(pk=meeting.pk)
        if meeting.group.programme_id != programme.pk:
            raise ActionError("The meeting is of another programme", field="meeting")
        if meeting.status == MeetingStatus.CANCELLED:
            raise Conflict(f"{meeting} was cancelled", field="meeting")
    if agenda_item is not None and (meeting is None or agenda_item.meeting_id != meeting.pk):
        raise ActionError("The agenda item is not on the meeting's agenda", field="agenda_item")
    decided_by = _short(decided_by, field="decided_by", limit=200, what="Who decided") or (
        meeting.group.code if meeting is not None else ""
    )
    document_title = _short(document_title, field="document_title", limit=300, what="The document")
    document_version = _short(document_version, field="document_version", limit=20, what="The version")
    if document_version and not document_title:
        raise ActionError("Name the document whose version was decided", field="document_title")
    summary = clean_text(summary, field="summary", limit=text_max(), what="The summary", required=False)
    if change_request is not None and change_request.programme_id != programme.pk:
        raise ActionError("The change request is of another programme", field="change_request")
    cleaned = _conditions(programme.pk, conditions)
    if outcome == DecisionOutcome.APPROVED_WITH_CONDITIONS and not cleaned:
        raise ActionError("An approval with conditions names at least one condition", field="conditions")
    if outcome != DecisionOutcome.APPROVED_WITH_CONDITIONS and cleaned:
        raise ActionError("Only an approval with conditions has conditions", field="conditions")
    decision = steps.new_decision(
        programme_id=programme.pk,
        title=title,
        outcome=outcome,
        decided_on=decided_on,
        recorded_by=actor.user,
        meeting=meeting,
        agenda_item=agenda_item,
        decided_by=decided_by,
        document_title=document_title,
        document_version=document_version,
        summary=summary,
        change_request=change_request,
        conditions=cleaned,
        now=_now(now),
    )
    journal(
        actor,
        decision,
        "decision.record",
        changes={
            "outcome": [None, outcome],
            "title": [None, title],
            **(
                {"document": [None, f"{document_title} v{document_version}".strip(" v")]}
                if document_title
                else {}
            ),
            **({"meeting": [None, str(meeting)]} if meeting else {}),
            **({"conditions": [None, len(cleaned)]} if cleaned else {}),
        },
    )
    owners = {c["owner_organisation"].pk for c in cleaned if c["owner_organisation"] is not None}
    if owners:
        transaction.on_commit(lambda: _notify_conditions(decision.pk, owners))
    return decision


def _notify_conditions(decision_id: int, organisation_ids: set[int]) -> None:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from busbar.parties.models import Membership
    from busbar.records.inbox import deliver
    from busbar.records.models import Notification

    decision = Decision.objects.select_related("programme").get(pk=decision_id)
    members = Membership.objects.filter(is_active=True, organisation_id__in=organisation_ids)
    people = list(get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id"))[:500])
    people = [u for u in people if queries.sees_programme(u, decision.programme_id)]
    url = reverse(
        "programmes_decision", kwargs={"programme": decision.programme.code, "number": decision.number}
    )
    deliver(
        recipients=people,
        kind=Notification.Kind.ASSIGNMENT,
        record=None,
        title=f"{decision.display_ref} {decision.title}: your organisation owns a condition",
        url=url,
    )


@action
def close_condition(
    *, actor: Actor, condition: DecisionCondition, status: str, note: str = "", now: dt.datetime | None = None
) -> DecisionCondition:
    """A condition of an approval met or waived (a waiver says why): the office tracks them to closure."""
    condition = (
        DecisionCondition.objects.select_for_update(of=("self",))
        .select_related("decision", "owner_organisation")
        .get(pk=condition.pk)
    )
    refuse(meeting_rules.can_close_condition(access_of(actor), condition))
    if status not in (DecisionConditionStatus.MET, DecisionConditionStatus.WAIVED):
        raise ActionError("A condition closes as met or waived", field="status")
    if condition.status != DecisionConditionStatus.OPEN:
        raise Conflict(
            f"The condition '{condition.text}' is already {condition.get_status_display().lower()}",
            field="status",
        )
    note = clean_text(note, field="note", limit=text_max(), what="The note", required=False)
    if status == DecisionConditionStatus.WAIVED and not note:
        raise ActionError("Say why the condition is waived", field="note")
    at = _now(now)
    condition.status, condition.closed_on, condition.closure_note = status, _today(at), note
    condition.save(update_fields=["status", "closed_on", "closure_note"])
    journal(
        actor,
        condition.decision,
        "decision.condition_close",
        changes={"condition": [None, condition.text], "status": [DecisionConditionStatus.OPEN, status]},
        note=note,
        owner=condition.owner_organisation,
    )
    return condition
