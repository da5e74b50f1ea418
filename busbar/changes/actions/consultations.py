"""Impact consultation (CH-04, CH-05): other providers and chosen participant organisations are asked to
assess a change's impact by a deadline; each answers for its own organisation, and the CCG reads the
answers on the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from busbar.changes import permissions, steps
from busbar.changes.models import (
    ENDED,
    ChangeNotification,
    ChangeStatus,
    Consultation,
    ConsultationImpact,
)
from busbar.lib.actions import ActionError, Actor, Conflict, IllegalTransition, action, refuse
from busbar.parties.models import Membership, Organisation
from busbar.parties.queries import scope_of
from busbar.records.inbox import deliver
from busbar.records.models import Notification

__all__ = ["consult", "respond_consultation"]

LONDON = ZoneInfo("Europe/London")
#: The deadline is between one and this many days after today (in London).
MAX_DEADLINE_DAYS = 90
#: At most this many organisations asked at once.
MAX_ORGANISATIONS = 50
RESPONSE_MAX = 5_000
#: The inbox kind of a request to assess a change (the inbox's own kinds; "change.consultation" is the
#: matching email preference registered in registrations.py).
CONSULTATION_NOTICE = Notification.Kind.ASSIGNMENT
#: The states in which a change's impact may be asked about (as ``permissions.available`` offers).
CONSULTABLE = frozenset(
    {ChangeStatus.SUBMITTED, ChangeStatus.UNDER_REVIEW, ChangeStatus.MORE_INFO, ChangeStatus.ACCEPTED}
)


def _people_of(organisation_ids: Iterable[int]) -> list:
    members = Membership.objects.filter(
        organisation_id__in=list(organisation_ids), is_active=True, organisation__is_active=True
    ).values("user_id")
    return list(get_user_model().objects.filter(is_active=True, pk__in=members).order_by("pk"))


def _check_deadline(deadline, now: dt.datetime) -> dt.date:
    if isinstance(deadline, dt.datetime) or not isinstance(deadline, dt.date):
        raise ActionError("Give the deadline as a date", field="deadline")
    today = now.astimezone(LONDON).date()
    days = (deadline - today).days
    if days < 1:
        raise ActionError("The deadline must be after today", field="deadline")
    if days > MAX_DEADLINE_DAYS:
        raise ActionError(f"The deadline can be at most {MAX_DEADLINE_DAYS} days ahead", field="deadline")
    return deadline


def _check_organisations(change: ChangeNotification, organisations: Iterable) -> list[Organisation]:
    found = list(dict.fromkeys(organisations or ()))
    if not found:
        raise ActionError("Choose at least one organisation to ask", field="organisations")
    if len(found) > MAX_ORGANISATIONS:
        raise ActionError(f"Ask at most {MAX_ORGANISATIONS} organisations at once", field="organisations")
    for org in found:
        if not isinstance(org, Organisation) or not org.is_active:
            raise ActionError(f"{org} is not an active organisation", field="organisations")
        if org.pk == change.provider_id:
            raise ActionError(
                f"{org} made the change; ask other providers and participants", field="organisations"
            )
    return found


@action
def consult(
    *,
    actor: Actor,
    change: ChangeNotification,
    organisations: Iterable[Organisation],
    deadline: dt.date,
    now: dt.datetime | None = None,
) -> list[Consultation]:
    """Ask each of ``organisations`` to assess ``change``'s impact by ``deadline`` (1 to 90 days ahead);
    those already asked are skipped. Their people are told in their inbox. Returns the new requests."""
    refuse(permissions.can_consult(scope_of(actor), change))
    now = now or timezone.now()
    deadline = _check_deadline(deadline, now)
    found = _check_organisations(change, organisations)
    change = steps.lock(change)
    if change.status not in CONSULTABLE:
        raise IllegalTransition(
            f"Change {change.reference} is {change.get_status_display().lower()}; its impact can be asked "
            "about only once submitted and before it starts",
            field="status",
        )
    asked = set(
        Consultation.objects.filter(change=change, organisation__in=found).values_list(
            "organisation_id", flat=True
        )
    )
    new = [org for org in found if org.pk not in asked]
    if not new:
        raise Conflict("Every organisation named has been asked already", field="organisations")
    made = Consultation.objects.bulk_create(
        Consultation(change=change, organisation=org, deadline=deadline, requested_at=now) for org in new
    )
    steps.journal(
        actor,
        change,
        "consult",
        changes={"consulted": [None, [org.name for org in new]], "deadline": [None, deadline]},
        note=f"{len(new)} organisations asked to assess the impact by {deadline.isoformat()}",
    )
    people = [u for u in _people_of(org.pk for org in new) if actor.user is None or u.pk != actor.user.pk]
    deliver(
        recipients=people,
        kind=CONSULTATION_NOTICE,
        record=change,
        title=(f"Assess the impact of {change.reference} by {deadline.day} {deadline:%b %Y}: {change.title}"),
        url=reverse("change_detail", kwargs={"reference": change.reference}) + "#consultations",
    )
    return made


@action
def respond_consultation(
    *,
    actor: Actor,
    consultation: Consultation,
    impact: str,
    response: str,
    concerns: bool = False,
    now: dt.datetime | None = None,
) -> Consultation:
    """The consulted organisation's assessment: the impact, what it means for them, and whether they have
    concerns (then say which). Answering again replaces the answer; an answer after the deadline is still
    taken (the deadline and the time answered are both kept)."""
    refuse(permissions.can_respond(scope_of(actor), consultation))
    now = now or timezone.now()
    if impact not in ConsultationImpact.values:
        raise ActionError(f"Choose one of {', '.join(ConsultationImpact.values)}", field="impact")
    response = steps.clean_text(response, field="response", limit=RESPONSE_MAX, what="The response")
    concerns = bool(concerns)
    if concerns and not response:
        raise ActionError("Say what the concerns are", field="response")
    consultation = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("change", "change__provider", "organisation")
        .get(pk=consultation.pk)
    )
    change = consultation.change
    if change.status in ENDED:
        raise Conflict(
            f"Change {change.reference} is {change.get_status_display().lower()}; it needs no assessment now",
            field="status",
        )
    before = {"impact": consultation.impact, "concerns": consultation.concerns}
    consultation.impact = impact
    consultation.response = response
    consultation.concerns = concerns
    consultation.responded_at = now
    consultation.responded_by = actor.user
    consultation.save(update_fields=["impact", "response", "concerns", "responded_at", "responded_by"])
    changes = {
        "impact": [before["impact"] or None, impact],
        "concerns": [before["concerns"], concerns],
    }
    late = " (after the deadline)" if now.astimezone(LONDON).date() > consultation.deadline else ""
    steps.journal(
        actor.acting_for(consultation.organisation_id),
        change,
        "consultation",
        changes=changes,
        note=f"{consultation.organisation}: {ConsultationImpact(impact).label.lower()} impact{late}",
    )
    return consultation
