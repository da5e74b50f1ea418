"""Every change to a programme change request (digest GV-07, GV-35, GV-37, GV-51).

A participant raises a draft CR (CR001…, a record on the kernel: PCR…) naming the milestones it would
move and their proposed baseline dates. The programme office issues it for **impact assessment**: the
round goes up by one, responses are due ``consultation_days`` working days after the issue date and the
assurance period ends ``assurance_days`` working days after that (GovernanceSettings, 10 + 5 by default),
and every organisation asked to respond (:func:`busbar.programmes.cr_metrics.respondent_ids`) is told in
its inbox. Each organisation answers once per round (answering again replaces its answer; an answer
after the deadline is taken but flagged late). The office closes the responses (review), then approves
(a Decision, and — when the CR moves milestones — the programme's next **baseline**, every earlier one kept),
rejects (a Decision), re-issues it for a further round, puts it on hold, resumes it or withdraws it.

Each is one transaction, refused by :mod:`busbar.programmes.permissions` (403), with status changes through
``CR_TRANSITIONS`` (409) and bad input as :class:`ActionError` (422); one journal entry each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    IllegalTransition,
    action,
    check_transition,
    refuse,
)
from busbar.parties.models import Organisation
from busbar.programmes import baselines, cr_metrics, permissions, queries, steps
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.models import (
    CR_TRANSITIONS,
    OPEN_CR_STATUSES,
    ChangeRequest,
    Criticality,
    CrStatus,
    DecisionOutcome,
    ImpactLevel,
    ImpactResponse,
    Meeting,
    Milestone,
    MilestoneChange,
    Position,
)
from busbar.programmes.permissions import changes as cr_permissions
from busbar.programmes.workdays import for_programme
from busbar.records import mail as record_mail
from busbar.records import steps as record_steps
from busbar.records.inbox import deliver
from busbar.records.models import Entry, Notification
from busbar.records.queries import watcher_users
from busbar.testing.access import access_of
from busbar.testing.models import Programme

S = CrStatus
TITLE_MAX = 300
NOTE_MAX = 300
DECIDED_BY_MAX = 200
COST_MAX = 300
#: Milestones one CR may move.
MAX_MILESTONES = 200


# -- shared steps --------------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now) if timezone.is_aware(now) else now.date()


def _lock(cr: ChangeRequest) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("record", "programme", "raised_by")
        .get(pk=cr.pk)
    )


def _journal(
    actor: Actor, cr: ChangeRequest, what: str, changes: dict | None = None, note: str = "", owner: Any = None
) -> None:
    journal(actor, cr, f"cr_{what}", changes=changes, note=note, owner=owner or cr.raised_by)


def _move(cr: ChangeRequest, target: str) -> dict:
    current = cr.status
    check_transition(CR_TRANSITIONS, current, target, what=f"{cr.display_ref} ({cr.reference})")
    cr.status = target
    return {"status": [str(current), str(target)]}


def _save(cr: ChangeRequest, fields: Sequence[str], now: dt.datetime) -> None:
    cr.updated_at = now
    cr.save(update_fields=sorted({*fields, "updated_at"}))


def _not_closed(cr: ChangeRequest) -> None:
    if cr.status not in OPEN_CR_STATUSES:
        raise Conflict(
            f"{cr.display_ref} is {cr.get_status_display().lower()}: it no longer changes", field="status"
        )


def _deadlines(programme_id: int, issued_on: dt.date) -> tuple[dt.date, dt.date]:
    consultation, assurance = cr_metrics.windows(programme_id)
    horizon = issued_on + dt.timedelta(days=2 * (consultation + assurance) + 30)
    days = for_programme(programme_id, around=[issued_on, horizon])
    ia_deadline = days.add(issued_on, consultation)
    return ia_deadline, days.add(ia_deadline, assurance)


def _criticality(value: str) -> str:
    value = (value or "").strip().lower()
    if value not in Criticality.values:
        raise ActionError(f"Choose a criticality: {', '.join(Criticality.values)}", field="criticality")
    return value


def _milestone_dates(cr_programme_id: int, changes: Mapping[Milestone, dt.date] | None) -> list:
    """(milestone, date) pairs checked: the programme's milestones, dates in range, at most 200."""
    changes = dict(changes or {})
    if len(changes) > MAX_MILESTONES:
        raise ActionError(
            f"A change request moves at most {MAX_MILESTONES} milestones", field="milestone_changes"
        )
    checked = []
    for milestone, day in changes.items():
        if milestone.programme_id != cr_programme_id:
            raise ActionError(
                f"{milestone.code} is not a milestone of this programme", field="milestone_changes"
            )
        checked.append((milestone, check_date(day, field="milestone_changes", required=True)))
    return sorted(checked, key=lambda pair: (pair[0].order, pair[0].pk))


def _raising_organisation(actor: Actor, programme: Programme, organisation: Organisation | None):
    """The organisation the CR is raised for: ``organisation`` (one of the actor's), else the actor's
    organisation that takes part in the programme."""
    access = access_of(actor)
    if organisation is not None:
        if actor.user is not None and not access.is_member(organisation.pk):
            raise ActionError(
                "You can raise a change request only for your own organisation", field="organisation"
            )
        return actor.acting_for(organisation) if actor.user is not None else actor, organisation
    mine = list(
        queries.participant_organisation_ids(programme.pk)
        .filter(pk__in=sorted(access.organisation_ids))
        .values_list("pk", flat=True)
    )
    if mine:
        actor = actor.acting_for(*mine)
    if actor.organisation is None:
        raise ActionError("Say which organisation raises the change request", field="organisation")
    return actor, actor.organisation


def _cr_url(cr: ChangeRequest) -> str:
    return reverse("programmes_cr_detail", kwargs={"reference": cr.reference})


def _tell_issued(actor: Actor, cr: ChangeRequest) -> None:
    """Once the issue commits: each respondent's people told in their inbox (and by email, if they want
    ``programmes.cr`` notices)."""
    acting = actor.user.pk if actor.user is not None else None
    cr_id, programme_id = cr.pk, cr.programme_id
    title = (
        f"{cr.display_ref} {cr.title}: impact assessment round {cr.round}, "
        f"respond by {cr.ia_deadline.day} {cr.ia_deadline:%b %Y}"
    )
    url = _cr_url(cr)

    def send() -> None:
        people = cr_metrics.respondent_people(programme_id, exclude_user_id=acting)
        if not people:
            return
        kernel = ChangeRequest.objects.select_related("record").get(pk=cr_id)
        deliver(recipients=people, kind=Notification.Kind.ASSIGNMENT, record=kernel, title=title, url=url)
        _email_issued.enqueue(cr_id, [u.pk for u in people])

    transaction.on_commit(send)


def _tell_watchers(actor: Actor, cr: ChangeRequest, what: str) -> None:
    """Once the change commits: the CR's watchers (but whoever made it) told in their inbox."""
    acting = actor.user.pk if actor.user is not None else None
    cr_id = cr.pk
    title = f"{cr.display_ref} {cr.title}: {what}"
    url = _cr_url(cr)

    def send() -> None:
        kernel = ChangeRequest.objects.select_related("record").get(pk=cr_id)
        people = [u for u in watcher_users(kernel) if u.is_active and u.pk != acting]
        if people:
            deliver(recipients=people, kind=Notification.Kind.BULLETIN, record=kernel, title=title, url=url)

    transaction.on_commit(send)


@task()
def _email_issued(cr_id: int, user_ids: list[int]) -> int:
    """Email the issue of a CR for impact assessment to each of ``user_ids`` who still sees it and wants
    ``programmes.cr`` notices; one message per recipient."""
    cr = ChangeRequest.objects.select_related("programme").filter(pk=cr_id).first()
    if cr is None:
        return 0
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk")
    seeing = [u for u in users if queries.cr_visible_to(u).filter(pk=cr_id).exists()]
    return record_mail.send(
        cr.reference,
        f"{settings.SITE_URL}{_cr_url(cr)}",
        record_mail.addresses(seeing, "programmes.cr"),
        "programmes/changes/email/issued.txt",
        {"cr": cr},
    )


# -- raising and editing -------------------------------------------------------------------------------


@action
def raise_cr(
    *,
    actor: Actor,
    programme: Programme,
    title: str,
    description: str,
    reason: str = "",
    criticality: str = Criticality.MEDIUM,
    needed_by: dt.date | None = None,
    milestone_changes: Mapping[Milestone, dt.date] | None = None,
    organisation: Organisation | None = None,
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """A draft CR of ``programme`` raised by the actor's organisation (or ``organisation``, one of theirs),
    with the milestones it would move (milestone → proposed baseline date)."""
    now = _now(now)
    refuse(permissions.can_raise_cr(access_of(actor), programme.pk))
    title = clean_text(title, field="title", limit=TITLE_MAX, what="The title")
    description = clean_text(description, field="description", limit=100_000, what="The description")
    reason = clean_text(reason, field="reason", limit=100_000, what="The reason", required=False)
    criticality = _criticality(criticality)
    needed_by = check_date(needed_by, field="needed_by")
    moves = _milestone_dates(programme.pk, milestone_changes)
    actor, raised_by = _raising_organisation(actor, programme, organisation)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()  # one number at a time
    number = (ChangeRequest.objects.filter(programme=programme).aggregate(n=Max("number"))["n"] or 0) + 1
    kernel = record_steps.new_record("programme_cr", created_at=now)
    cr = ChangeRequest.objects.create(
        record=kernel,
        reference=kernel.reference,
        programme=programme,
        number=number,
        title=title,
        description=description,
        reason=reason,
        criticality=criticality,
        raised_by=raised_by,
        needed_by=needed_by,
        created_at=now,
        updated_at=now,
    )
    MilestoneChange.objects.bulk_create(
        [MilestoneChange(change_request=cr, milestone=m, proposed_date=day) for m, day in moves]
    )
    changes: dict[str, list] = {"title": [None, title], "criticality": [None, criticality]}
    if needed_by:
        changes["needed_by"] = [None, needed_by.isoformat()]
    if moves:
        changes["milestones"] = [None, ", ".join(f"{m.code} → {day.isoformat()}" for m, day in moves)]
    _journal(actor, cr, "raise", changes)
    return cr


def _replace_milestones(cr: ChangeRequest, moves: list) -> dict:
    before = {mc.milestone_id: mc for mc in cr.milestone_changes.select_related("milestone")}
    wanted = {m.pk: (m, day) for m, day in moves}
    old_text = ", ".join(f"{mc.milestone.code} → {mc.proposed_date.isoformat()}" for mc in before.values())
    cr.milestone_changes.exclude(milestone_id__in=list(wanted)).delete()
    for mid, (milestone, day) in wanted.items():
        if mid in before:
            if before[mid].proposed_date != day:
                MilestoneChange.objects.filter(pk=before[mid].pk).update(proposed_date=day)
        else:
            MilestoneChange.objects.create(change_request=cr, milestone=milestone, proposed_date=day)
    new_text = ", ".join(f"{m.code} → {day.isoformat()}" for m, day in moves)
    return {"milestones": [old_text or None, new_text or None]} if old_text != new_text else {}


class _Keep:
    """The default of an edit's fields: leave the value as it is (None clears ``needed_by``)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@action
def edit_cr(
    *,
    actor: Actor,
    cr: ChangeRequest,
    title: Any = KEEP,
    description: Any = KEEP,
    reason: Any = KEEP,
    criticality: Any = KEEP,
    needed_by: Any = KEEP,
    milestone_changes: Mapping[Milestone, dt.date] | None = None,
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """Change the title, description, reason, criticality, needed-by date (None clears it) or — with
    ``milestone_changes``, a mapping milestone → date replacing the CR's — the milestones it moves: the raiser
    while it is a draft, the office until it is decided. Fields left out are kept."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_edit_cr(access_of(actor), cr))
    _not_closed(cr)
    given = {
        "title": title,
        "description": description,
        "reason": reason,
        "criticality": criticality,
        "needed_by": needed_by,
    }
    fields = {name: value for name, value in given.items() if value is not KEEP}
    changes: dict[str, list] = {}
    for name in ("title", "description", "reason"):
        if name in fields:
            limit = TITLE_MAX if name == "title" else 100_000
            value = clean_text(
                fields[name], field=name, limit=limit, what=f"The {name}", required=name != "reason"
            )
            if value != getattr(cr, name):
                changes[name] = [getattr(cr, name)[:200] or None, value[:200] or None]
                setattr(cr, name, value)
    if "criticality" in fields:
        value = _criticality(fields["criticality"])
        if value != cr.criticality:
            changes["criticality"] = [cr.criticality, value]
            cr.criticality = value
    if "needed_by" in fields:
        value = check_date(fields["needed_by"], field="needed_by")
        if value != cr.needed_by:
            changes["needed_by"] = [cr.needed_by and cr.needed_by.isoformat(), value and value.isoformat()]
            cr.needed_by = value
    if milestone_changes is not None:
        changes.update(_replace_milestones(cr, _milestone_dates(cr.programme_id, milestone_changes)))
    if not changes:
        raise ActionError("Nothing to change", field=next(iter(fields), "milestone_changes"))
    actor = actor.acting_for(cr.raised_by_id)
    _save(cr, ["title", "description", "reason", "criticality", "needed_by"], now)
    _journal(actor, cr, "edit", changes)
    return cr


@action
def set_milestone_change(
    *,
    actor: Actor,
    cr: ChangeRequest,
    milestone: Milestone,
    proposed_date: dt.date,
    note: str = "",
    now: dt.datetime | None = None,
) -> MilestoneChange:
    """Add (or change) a milestone the CR moves, with its proposed baseline date."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_edit_cr(access_of(actor), cr))
    _not_closed(cr)
    ((milestone, day),) = _milestone_dates(cr.programme_id, {milestone: proposed_date})
    note = clean_text(note, field="note", limit=NOTE_MAX, what="The note", required=False)
    found = MilestoneChange.objects.filter(change_request=cr, milestone=milestone).first()
    before = found.proposed_date.isoformat() if found else None
    if found is None:
        if cr.milestone_changes.count() >= MAX_MILESTONES:
            raise ActionError(
                f"A change request moves at most {MAX_MILESTONES} milestones", field="milestone"
            )
        found = MilestoneChange.objects.create(
            change_request=cr, milestone=milestone, proposed_date=day, note=note
        )
    else:
        found.proposed_date, found.note = day, note
        found.save(update_fields=["proposed_date", "note"])
    _save(cr, [], now)
    _journal(
        actor.acting_for(cr.raised_by_id),
        cr,
        "milestone",
        {milestone.code: [before, day.isoformat()]},
        note=note,
    )
    return found


@action
def remove_milestone_change(
    *, actor: Actor, cr: ChangeRequest, milestone: Milestone, now: dt.datetime | None = None
) -> ChangeRequest:
    """The CR no longer moves ``milestone``."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_edit_cr(access_of(actor), cr))
    _not_closed(cr)
    found = MilestoneChange.objects.filter(change_request=cr, milestone=milestone).first()
    if found is None:
        raise ActionError(f"{cr.display_ref} does not move {milestone.code}", field="milestone")
    before = found.proposed_date.isoformat()
    found.delete()
    _save(cr, [], now)
    _journal(actor.acting_for(cr.raised_by_id), cr, "milestone", {milestone.code: [before, None]})
    return cr


# -- impact assessment ---------------------------------------------------------------------------------


def _issue(actor: Actor, cr: ChangeRequest, now: dt.datetime, verb: str, note: str) -> ChangeRequest:
    # The table allows draft → and review → impact assessment: the first is issuing, the second re-issuing.
    expected = S.DRAFT if verb == "issue" else S.REVIEW
    if cr.status != expected:
        what = "issued" if verb == "issue" else "re-issued"
        raise IllegalTransition(
            f"{cr.display_ref} is {cr.get_status_display().lower()}: only a "
            f"{'draft' if verb == 'issue' else 'change request in review'} is {what} for impact assessment",
            field="status",
        )
    changes = _move(cr, S.IMPACT_ASSESSMENT)
    issued_on = _today(now)
    ia_deadline, assurance_deadline = _deadlines(cr.programme_id, issued_on)
    changes["round"] = [cr.round, cr.round + 1]
    cr.round += 1
    cr.issued_on, cr.ia_deadline, cr.assurance_deadline = issued_on, ia_deadline, assurance_deadline
    changes["ia_deadline"] = [None, ia_deadline.isoformat()]
    changes["assurance_deadline"] = [None, assurance_deadline.isoformat()]
    _save(cr, ["status", "round", "issued_on", "ia_deadline", "assurance_deadline"], now)
    _journal(actor, cr, verb, changes, note=note)
    _tell_issued(actor, cr)
    _tell_watchers(actor, cr, f"issued for impact assessment (round {cr.round})")
    return cr


@action
def issue_for_assessment(*, actor: Actor, cr: ChangeRequest, now: dt.datetime | None = None) -> ChangeRequest:
    """The office issues a draft for impact assessment (round 1): responses due ``consultation_days``
    working days on, assurance ``assurance_days`` after that; every respondent told."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_decide_cr(access_of(actor), cr))
    return _issue(actor, cr, now, "issue", "")


@action
def respond(
    *,
    actor: Actor,
    cr: ChangeRequest,
    organisation: Organisation,
    impact: str,
    position: str,
    response: str,
    cost_or_effort: str = "",
    now: dt.datetime | None = None,
) -> ImpactResponse:
    """``organisation``'s impact assessment in the current round: one per organisation and round (a second
    replaces the first); after the deadline it is taken but flagged late."""
    now = _now(now)
    cr = _lock(cr)
    refuse(cr_permissions.can_respond(access_of(actor), cr, organisation.pk), field="organisation")
    if impact not in ImpactLevel.values:
        raise ActionError(f"Choose the impact: {', '.join(ImpactLevel.values)}", field="impact")
    if position not in Position.values:
        raise ActionError(f"Choose a position: {', '.join(Position.values)}", field="position")
    response = clean_text(response, field="response", limit=100_000, what="The response")
    cost_or_effort = clean_text(
        cost_or_effort, field="cost_or_effort", limit=COST_MAX, what="The cost", required=False
    )
    late = cr.ia_deadline is not None and _today(now) > cr.ia_deadline
    actor = actor.acting_for(organisation)
    found = (
        ImpactResponse.objects.select_for_update()
        .filter(change_request=cr, round=cr.round, organisation=organisation)
        .first()
    )
    values = {
        "impact": impact,
        "position": position,
        "response": response,
        "cost_or_effort": cost_or_effort,
        "submitted_at": now,
        "submitted_by": actor.user,
        "late": late,
    }
    changes: dict[str, list] = {}
    if found is None:
        found = ImpactResponse.objects.create(
            change_request=cr, round=cr.round, organisation=organisation, **values
        )
        changes = {"impact": [None, impact], "position": [None, position]}
    else:
        for name in ("impact", "position"):
            if getattr(found, name) != values[name]:
                changes[name] = [getattr(found, name), values[name]]
        changes.setdefault("response", [None, "replaced"])
        for name, value in values.items():
            setattr(found, name, value)
        found.save(update_fields=sorted(values))
    if late:
        changes["late"] = [None, True]
    changes["round"] = [None, cr.round]
    _save(cr, [], now)
    _journal(actor, cr, "respond", changes, owner=organisation)
    return found


@action
def close_responses(
    *, actor: Actor, cr: ChangeRequest, note: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """The office closes the round: the CR goes to review (DAG review, GV-35)."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_decide_cr(access_of(actor), cr))
    changes = _move(cr, S.REVIEW)
    note = clean_text(note, field="note", limit=100_000, what="The note", required=False)
    _save(cr, ["status"], now)
    _journal(actor, cr, "close_responses", changes, note=note)
    _tell_watchers(actor, cr, "in review")
    return cr


@action
def reissue_cr(
    *, actor: Actor, cr: ChangeRequest, note: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """Review found further amendment needed: the CR is re-issued for a further round of impact
    assessment (new deadlines; every respondent told again)."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_decide_cr(access_of(actor), cr))
    note = clean_text(note, field="note", limit=100_000, what="The note", required=False)
    return _issue(actor, cr, now, "reissue", note)


# -- decisions -----------------------------------------------------------------------------------------


def _meeting(cr: ChangeRequest, meeting: Meeting | None) -> Meeting | None:
    if meeting is not None and meeting.group.programme_id != cr.programme_id:
        raise ActionError("The meeting is not one of this programme's", field="meeting")
    return meeting


def _decide(
    actor: Actor,
    cr: ChangeRequest,
    *,
    outcome: str,
    note: str,
    meeting: Meeting | None,
    decided_by: str,
    now: dt.datetime,
):
    return steps.new_decision(
        programme_id=cr.programme_id,
        title=f"{cr.display_ref} {cr.title}"[:TITLE_MAX],
        outcome=outcome,
        decided_on=_today(now),
        recorded_by=actor.user,
        meeting=meeting,
        decided_by=decided_by,
        summary=note,
        change_request=cr,
        now=now,
    )


@action
def approve_cr(
    *,
    actor: Actor,
    cr: ChangeRequest,
    note: str = "",
    meeting: Meeting | None = None,
    decided_by: str = "",
    regulator_approval: str = "",
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """Approve a CR in review (the SRO, GV-07): a Decision, and when it moves milestones the programme's
    next baseline with their proposed dates (the dates they had kept on the CR). Moving a regulatory
    (Level 1) milestone needs ``regulator_approval``: how the regulator approved it."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_decide_cr(access_of(actor), cr))
    changes = _move(cr, S.APPROVED)
    note = clean_text(note, field="note", limit=100_000, what="The note", required=False)
    decided_by = clean_text(
        decided_by, field="decided_by", limit=DECIDED_BY_MAX, what="Decided by", required=False
    )
    regulator_approval = clean_text(
        regulator_approval,
        field="regulator_approval",
        limit=100_000,
        what="The regulator's approval",
        required=False,
    )
    meeting = _meeting(cr, meeting)
    moves = list(
        cr.milestone_changes.select_related("milestone").order_by("milestone__order", "milestone_id")
    )
    regulatory = [
        mc.milestone.code
        for mc in moves
        if mc.milestone.regulatory and mc.milestone.baseline_date != mc.proposed_date
    ]
    if regulatory and not regulator_approval:
        what = "is a regulatory milestone" if len(regulatory) == 1 else "are regulatory milestones"
        raise ActionError(
            f"{', '.join(regulatory)} {what}: note how the regulator approved the change",
            field="regulator_approval",
        )
    summary = note
    if regulator_approval:
        summary = f"{note}\n\nRegulator approval: {regulator_approval}".strip()
    cr.decided_on = _today(now)
    cr.decision_note = summary
    _save(cr, ["status", "decided_on", "decision_note"], now)
    decision = _decide(
        actor,
        cr,
        outcome=DecisionOutcome.APPROVED,
        note=summary,
        meeting=meeting,
        decided_by=decided_by or "SRO",
        now=now,
    )
    changes["decision"] = [None, f"D{decision.number}"]
    if moves:
        for mc in moves:
            mc.previous_date = mc.milestone.baseline_date
            mc.save(update_fields=["previous_date"])
        baseline = baselines.write_baseline(
            programme_id=cr.programme_id,
            label=f"{cr.display_ref} {cr.title}"[:200],
            changes={mc.milestone_id: mc.proposed_date for mc in moves},
            approved_by=actor.user,
            now=now,
            change_request=cr,
        )
        changes["baseline"] = [None, baseline.number]
        changes["milestones"] = [
            ", ".join(
                f"{mc.milestone.code} {mc.previous_date.isoformat() if mc.previous_date else '—'}"
                for mc in moves
            ),
            ", ".join(f"{mc.milestone.code} {mc.proposed_date.isoformat()}" for mc in moves),
        ]
    _journal(actor, cr, "approve", changes, note=summary)
    _tell_watchers(actor, cr, "approved")
    return cr


@action
def reject_cr(
    *,
    actor: Actor,
    cr: ChangeRequest,
    note: str,
    meeting: Meeting | None = None,
    decided_by: str = "",
    now: dt.datetime | None = None,
) -> ChangeRequest:
    """Reject a CR in review, with the reason: a Decision; the baseline is untouched."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_decide_cr(access_of(actor), cr))
    changes = _move(cr, S.REJECTED)
    note = clean_text(note, field="note", limit=100_000, what="The reason for rejecting it")
    decided_by = clean_text(
        decided_by, field="decided_by", limit=DECIDED_BY_MAX, what="Decided by", required=False
    )
    meeting = _meeting(cr, meeting)
    cr.decided_on = _today(now)
    cr.decision_note = note
    _save(cr, ["status", "decided_on", "decision_note"], now)
    decision = _decide(
        actor,
        cr,
        outcome=DecisionOutcome.REJECTED,
        note=note,
        meeting=meeting,
        decided_by=decided_by or "SRO",
        now=now,
    )
    changes["decision"] = [None, f"D{decision.number}"]
    _journal(actor, cr, "reject", changes, note=note)
    _tell_watchers(actor, cr, "rejected")
    return cr


def _simple(
    actor: Actor, cr: ChangeRequest, target: str, verb: str, note: str, now: dt.datetime, told: str
) -> ChangeRequest:
    changes = _move(cr, target)
    _save(cr, ["status"], now)
    _journal(actor, cr, verb, changes, note=note)
    _tell_watchers(actor, cr, told)
    return cr


@action
def hold_cr(
    *, actor: Actor, cr: ChangeRequest, note: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """Put a CR in review on hold (GV-37 counts CRs on hold)."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_decide_cr(access_of(actor), cr))
    note = clean_text(note, field="note", limit=100_000, what="The note", required=False)
    return _simple(actor, cr, S.ON_HOLD, "hold", note, now, "on hold")


@action
def resume_cr(
    *, actor: Actor, cr: ChangeRequest, note: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """A CR on hold goes back to review."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_decide_cr(access_of(actor), cr))
    note = clean_text(note, field="note", limit=100_000, what="The note", required=False)
    return _simple(actor, cr, S.REVIEW, "resume", note, now, "back in review")


@action
def withdraw_cr(
    *, actor: Actor, cr: ChangeRequest, reason: str = "", now: dt.datetime | None = None
) -> ChangeRequest:
    """The office withdraws an open CR (with the reason)."""
    now = _now(now)
    cr = _lock(cr)
    refuse(permissions.can_decide_cr(access_of(actor), cr))
    reason = clean_text(reason, field="reason", limit=100_000, what="The reason", required=False)
    return _simple(actor, cr, S.WITHDRAWN, "withdraw", reason, now, "withdrawn")


# -- the conversation ----------------------------------------------------------------------------------


@action
def add_update(
    *,
    actor: Actor,
    cr: ChangeRequest,
    body: str,
    internal: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Entry:
    """A public update on the CR's conversation (the office and any participant) or an internal note (the
    office; read by the office, assurers and the raising organisation), with files."""
    now = _now(now)
    cr = _lock(cr)
    access = access_of(actor)
    refuse(cr_permissions.can_note_cr(access, cr) if internal else cr_permissions.can_comment_cr(access, cr))
    entry = record_steps.add_entry(cr.record, actor=actor, body=body, internal=internal, now=now)
    if attachments:
        record_steps.add_attachments(cr.record, entry, list(attachments), actor=actor, internal=internal)
    _save(cr, [], now)
    changes = {"update": [None, "internal note" if internal else "public update"]}
    if attachments:
        changes["attachments"] = [None, len(attachments)]
    _journal(actor, cr, "note" if internal else "update", changes)
    if not internal:
        _tell_watchers(actor, cr, "new update")
    return entry
