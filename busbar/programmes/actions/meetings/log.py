"""The action log (GV-28…GV-33): actions raised at a meeting (TMAG18-01), updated by their owners,
recommended closed and closed only by ratifying the recommendation at a later meeting (GV-30); the import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max

from busbar.audit.journal import Entry, record_many
from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    IllegalTransition,
    action,
    check_transition,
    refuse,
)
from busbar.lib.limits import text_max
from busbar.parties.models import Organisation
from busbar.programmes import action_import, permissions, queries
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.meetings._shared import (
    MAX_OWNER_PEOPLE,
    MAX_RAID_LINKS,
    _lock_meeting,
    _now,
    _short,
)
from busbar.programmes.models import (
    ACTION_TRANSITIONS,
    Action,
    ActionStatus,
    ActionUpdate,
    Meeting,
    MeetingStatus,
    RaidItem,
)
from busbar.programmes.permissions import meetings as meeting_rules
from busbar.testing.access import access_of


def _lock_action(item: Action) -> Action:
    return (
        Action.objects.select_for_update(of=("self",))
        .select_related("group", "meeting", "programme", "owner_organisation")
        .get(pk=item.pk)
    )


def _owners(
    programme_id: int, owner_organisation: Organisation | None, owner_label: str, owner_people: Iterable
) -> tuple[Organisation | None, str, list]:
    label = _short(owner_label, field="owner_label", limit=200, what="The owner")
    people = list(dict.fromkeys(owner_people or ()))
    if len(people) > MAX_OWNER_PEOPLE:
        raise ActionError(f"Name at most {MAX_OWNER_PEOPLE} people", field="owner_people")
    if owner_organisation is not None and (
        not owner_organisation.is_active
        or not queries.participant_organisation_ids(programme_id).filter(pk=owner_organisation.pk).exists()
    ):
        raise ActionError(
            f"{owner_organisation.name} takes no part in the programme", field="owner_organisation"
        )
    for person in people:
        if not getattr(person, "is_active", False) or not queries.sees_programme(person, programme_id):
            raise ActionError(f"{person} takes no part in the programme", field="owner_people")
    if owner_organisation is None and not label and not people:
        raise ActionError(
            "Name the owner: an organisation, named people or a label such as 'TMAG members'",
            field="owner_organisation",
        )
    return owner_organisation, label, people


def _owner_text(organisation: Organisation | None, label: str, people: Sequence) -> str:
    if label:
        return label
    names = ", ".join(p.display_name for p in people)
    if organisation is not None:
        return f"{organisation.name} ({names})" if names else organisation.name
    return names


def _raid(actor: Actor, programme_id: int, items: Iterable[RaidItem]) -> list[RaidItem]:
    items = list(dict.fromkeys(items or ()))
    if len(items) > MAX_RAID_LINKS:
        raise ActionError(f"Link at most {MAX_RAID_LINKS} RAID items", field="raid_items")
    if not items:
        return []
    visible = set(
        queries.raid_visible_to(access_of(actor))
        .filter(programme_id=programme_id, pk__in=[i.pk for i in items])
        .values_list("pk", flat=True)
    )
    for item in items:
        if item.pk not in visible:
            raise ActionError(f"No RAID item {item.pk} in this programme", field="raid_items")
    return items


def _mentioned(actor: Actor, programme_id: int, text: str) -> list[RaidItem]:
    """The RAID items an update mentions (R281, R525, GV-33) that exist and the actor may see."""
    numbers = action_import.raid_mentions(text)
    if not numbers:
        return []
    return list(
        queries.raid_visible_to(access_of(actor)).filter(programme_id=programme_id, number__in=numbers)
    )


def _author(actor: Actor) -> str:
    if actor.organisation is not None and actor.user is not None:
        return f"{actor.label} ({actor.organisation.name})"[:200]
    return actor.label[:200]


def _notify(action_id: int, title: str, *, exclude: int | None = None) -> None:
    """Tell the action's owners (the owner organisation's people and the named people) in their inbox,
    and by email those who want ``programmes.action`` notices."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from busbar.lib.mail import render_email
    from busbar.lib.outbound import send_each
    from busbar.parties.models import Membership
    from busbar.records.inbox import deliver
    from busbar.records.models import Notification

    item = (
        Action.objects.select_related("programme", "meeting", "group", "owner_organisation")
        .prefetch_related("owner_people")
        .get(pk=action_id)
    )
    people = {p.pk: p for p in item.owner_people.all() if p.is_active}
    if item.owner_organisation_id:
        members = Membership.objects.filter(
            is_active=True, organisation_id=item.owner_organisation_id, organisation__is_active=True
        )
        for user in (
            get_user_model()
            .objects.filter(is_active=True, pk__in=members.values("user_id"))
            .order_by("pk")[:500]
        ):
            people.setdefault(user.pk, user)
    people.pop(exclude, None)
    recipients = [u for u in people.values() if queries.sees_programme(u, item.programme_id)]
    if not recipients:
        return
    url = reverse("programmes_action", kwargs={"programme": item.programme.code, "reference": item.reference})
    deliver(recipients=recipients, kind=Notification.Kind.ASSIGNMENT, record=None, title=title, url=url)
    subject, body = render_email(
        "programmes/meetings/email/action.txt",
        {"action": item, "title": title, "owner": _owner_of(item), "url": f"{settings.SITE_URL}{url}"},
    )
    send_each([u.email for u in recipients if u.wants("programmes.action")], subject=subject, body=body)


def _owner_of(item: Action) -> str:
    return _owner_text(item.owner_organisation, item.owner_label, list(item.owner_people.all()))


def _on_commit_notify(action_id: int, title: str, actor: Actor) -> None:
    exclude = actor.user.pk if actor.user is not None else None
    transaction.on_commit(lambda: _notify(action_id, title, exclude=exclude))


@action
def raise_action(
    *,
    actor: Actor,
    meeting: Meeting,
    description: str,
    owner_organisation: Organisation | None = None,
    owner_label: str = "",
    owner_people: Iterable = (),
    due_date: dt.date | None = None,
    raid_items: Iterable[RaidItem] = (),
    now: dt.datetime | None = None,
) -> Action:
    """An action raised at ``meeting``: ``<GROUP><meeting no. in 2 digits>-<NN>`` (TMAG18-01, GV-29),
    dated the meeting's date, owned by an organisation, named people or a label ("TMAG members", GV-31),
    linked to RAID items (GV-33). Its owners are told."""
    meeting = _lock_meeting(meeting)
    programme = meeting.group.programme
    refuse(permissions.can_raise_action(access_of(actor), programme.pk))
    if meeting.status == MeetingStatus.CANCELLED:
        raise Conflict(f"{meeting} was cancelled", field="meeting")
    description = clean_text(description, field="description", limit=text_max(), what="The action")
    organisation, label, people = _owners(programme.pk, owner_organisation, owner_label, owner_people)
    due_date = check_date(due_date, field="due_date")
    if due_date is not None and due_date < meeting.date:
        raise ActionError(f"The due date is before the meeting ({meeting.date:%d %b %Y})", field="due_date")
    links = _raid(actor, programme.pk, raid_items)
    sequence = (Action.objects.filter(meeting=meeting).aggregate(n=Max("sequence"))["n"] or 0) + 1
    if sequence > 999:
        raise ActionError(f"{meeting} has reached 999 actions", field="meeting")
    reference = f"{meeting.code}-{sequence:02d}"
    if Action.objects.filter(programme=programme, reference=reference).exists():
        raise Conflict(f"{reference} is already in the action log", field="meeting")
    at = _now(now)
    item = Action.objects.create(
        programme=programme,
        group=meeting.group,
        meeting=meeting,
        sequence=sequence,
        reference=reference,
        raised_on=meeting.date,
        description=description,
        owner_organisation=organisation,
        owner_label=label,
        due_date=due_date,
        updated_at=at,
    )
    if people:
        item.owner_people.set(people)
    if links:
        item.raid_items.set(links)
    journal(
        actor,
        item,
        "action.raise",
        changes={
            "reference": [None, reference],
            "owner": [None, _owner_text(organisation, label, people)],
            "due_date": [None, due_date],
            **({"raid_items": [None, ", ".join(r.display_ref for r in links)]} if links else {}),
        },
        owner=organisation,
    )
    _on_commit_notify(item.pk, f"{reference}: an action for you — {description}", actor)
    return item


ACTION_FIELDS = ("description", "owner_organisation", "owner_label", "owner_people", "due_date", "raid_items")


@action
def edit_action(*, actor: Actor, action: Action, now: dt.datetime | None = None, **fields: Any) -> Action:
    """The office corrects an action: its text, owners, due date or RAID links (new owners are told)."""
    item = _lock_action(action)
    refuse(meeting_rules.can_edit_action(access_of(actor), item))
    unknown = sorted(set(fields) - set(ACTION_FIELDS))
    if unknown:
        if "status" in unknown:
            raise ActionError(
                "Change the status with an update, a recommendation or ratification", field="status"
            )
        raise ActionError(f"Unknown field {unknown[0]!r}", field=unknown[0])
    changes: dict[str, list] = {}
    people_before = list(item.owner_people.all())
    if "description" in fields:
        text = clean_text(fields["description"], field="description", limit=text_max(), what="The action")
        if text != item.description:
            changes["description"] = [item.description[:200], text[:200]]
            item.description = text
    owners_given = {"owner_organisation", "owner_label", "owner_people"} & set(fields)
    new_people = None
    if owners_given:
        organisation, label, people = _owners(
            item.programme_id,
            fields.get("owner_organisation", item.owner_organisation),
            fields.get("owner_label", item.owner_label),
            fields.get("owner_people", people_before),
        )
        before = _owner_text(item.owner_organisation, item.owner_label, people_before)
        after = _owner_text(organisation, label, people)
        if (organisation, label, {p.pk for p in people}) != (
            item.owner_organisation,
            item.owner_label,
            {p.pk for p in people_before},
        ):
            changes["owner"] = [before, after]
            item.owner_organisation, item.owner_label = organisation, label
            new_people = people
    if "due_date" in fields:
        due = check_date(fields["due_date"], field="due_date")
        if due is not None and due < item.meeting.date:
            raise ActionError(
                f"The due date is before the meeting ({item.meeting.date:%d %b %Y})", field="due_date"
            )
        if due != item.due_date:
            changes["due_date"] = [item.due_date, due]
            item.due_date = due
    if "raid_items" in fields:
        links = _raid(actor, item.programme_id, fields["raid_items"])
        before_links = set(item.raid_items.values_list("pk", flat=True))
        if {r.pk for r in links} != before_links:
            changes["raid_items"] = [len(before_links), ", ".join(r.display_ref for r in links)]
            item.raid_items.set(links)
    if not changes:
        raise ActionError("Nothing to change", field="description")
    item.updated_at = _now(now)
    item.save(update_fields=["description", "owner_organisation", "owner_label", "due_date", "updated_at"])
    if new_people is not None:
        item.owner_people.set(new_people)
    journal(actor, item, "action.edit", changes=changes, owner=item.owner_organisation)
    if "owner" in changes:
        _on_commit_notify(item.pk, f"{item.reference}: an action for you — {item.description}", actor)
    return item


def _apply_update(
    actor: Actor,
    item: Action,
    *,
    text: str,
    status: str | None,
    due_date: dt.date | None,
    now: dt.datetime,
    require_text_for: str | None = None,
) -> Action:
    access = access_of(actor)
    refuse(
        permissions.can_update_action(access, item, user_id=actor.user.pk if actor.user is not None else None)
    )
    text = clean_text(text, field="text", limit=text_max(), what="The update", required=False)
    changes: dict[str, list] = {}
    new_status = item.status
    if status is not None and status != item.status:
        if status not in ActionStatus.values:
            raise ActionError(f"An action is {', '.join(ActionStatus.values)}", field="status")
        if status == ActionStatus.CLOSED:
            raise IllegalTransition(
                f"{item.reference} is closed only by ratifying its 'recommend closed' at a meeting of "
                f"{item.group.code} (GV-30)",
                field="status",
            )
        if item.status == ActionStatus.CLOSED:
            refuse(meeting_rules.can_reopen_action(access, item))
        check_transition(ACTION_TRANSITIONS, item.status, status, what=f"Action {item.reference}")
        new_status = status
    elif status is not None and status == require_text_for:
        check_transition(ACTION_TRANSITIONS, item.status, status, what=f"Action {item.reference}")
    if new_status == ActionStatus.RECOMMEND_CLOSED and new_status != item.status and not text:
        raise ActionError("Say why the action can be closed", field="text")
    if due_date is not None and due_date != item.due_date:
        refuse(meeting_rules.can_edit_action(access, item))  # the office sets due dates
        due_date = check_date(due_date, field="due_date")
        if due_date < item.meeting.date:
            raise ActionError(
                f"The due date is before the meeting ({item.meeting.date:%d %b %Y})", field="due_date"
            )
        changes["due_date"] = [item.due_date, due_date]
        item.due_date = due_date
    if not text and new_status == item.status and not changes:
        raise ActionError("Write the update", field="text")
    old_status = item.status
    if new_status != old_status:
        changes["status"] = [old_status, new_status]
        item.status = new_status
        if new_status == ActionStatus.RECOMMEND_CLOSED:
            item.recommended_at = now
        if old_status == ActionStatus.CLOSED:
            item.closed_at_meeting, item.closed_on = None, None
    if text:
        changes["latest_update"] = [item.latest_update[:200] or None, text[:200]]
        item.latest_update = text
    item.updated_at = now
    item.save(
        update_fields=[
            "status",
            "latest_update",
            "due_date",
            "recommended_at",
            "closed_at_meeting",
            "closed_on",
            "updated_at",
        ]
    )
    ActionUpdate.objects.create(
        action=item,
        at=now,
        author=actor.user,
        author_label=_author(actor),
        text=text,
        status_from=old_status if new_status != old_status else "",
        status_to=new_status if new_status != old_status else "",
    )
    mentioned = [
        r
        for r in _mentioned(actor, item.programme_id, text)
        if r.pk not in set(item.raid_items.values_list("pk", flat=True))
    ]
    if mentioned:
        item.raid_items.add(*mentioned)
        changes["raid_items"] = [None, ", ".join(r.display_ref for r in mentioned)]
    journal(
        actor.acting_for(item.owner_organisation_id) if item.owner_organisation_id else actor,
        item,
        "action.update",
        changes=changes,
        owner=item.owner_organisation,
    )
    return item


@action
def update_action(
    *,
    actor: Actor,
    action: Action,
    text: str = "",
    status: str | None = None,
    due_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Action:
    """The latest update (kept in the action's history) and a status short of closed: the office, the
    owner organisation or a named owner. R-numbers in the text (R281) link those RAID items (GV-33).
    Closing directly is refused (409): only ratifying a "recommend closed" at a meeting closes (GV-30).
    Reopening a closed action and changing the due date are the office's."""
    item = _lock_action(action)
    return _apply_update(actor, item, text=text, status=status, due_date=due_date, now=_now(now))


@action
def recommend_close(*, actor: Actor, action: Action, text: str, now: dt.datetime | None = None) -> Action:
    """The owner (or the office) recommends the action closed, saying why; the next meeting ratifies it."""
    item = _lock_action(action)
    return _apply_update(
        actor,
        item,
        text=text,
        status=ActionStatus.RECOMMEND_CLOSED,
        due_date=None,
        now=_now(now),
        require_text_for=ActionStatus.RECOMMEND_CLOSED,
    )


def _ratify(actor: Actor, item: Action, meeting: Meeting, now: dt.datetime) -> Action:
    access = access_of(actor)
    refuse(permissions.can_run_meeting(access, item.programme_id))
    check_transition(ACTION_TRANSITIONS, item.status, ActionStatus.CLOSED, what=f"Action {item.reference}")
    refuse(permissions.can_ratify_action(access, item))
    if meeting.group_id != item.group_id:
        raise ActionError(f"{item.reference} is ratified at a meeting of {item.group.code}", field="meeting")
    if meeting.number <= item.meeting.number:
        raise ActionError(
            f"{item.reference} was raised at #{item.meeting.number}: it is ratified at a later meeting",
            field="meeting",
        )
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.MINUTES_APPROVED):
        raise Conflict(f"{meeting} is {meeting.get_status_display().lower()}", field="meeting")
    old = item.status
    item.status = ActionStatus.CLOSED
    item.closed_at_meeting = meeting
    item.closed_on = meeting.date
    item.updated_at = now
    item.save(update_fields=["status", "closed_at_meeting", "closed_on", "updated_at"])
    ActionUpdate.objects.create(
        action=item,
        at=now,
        author=actor.user,
        author_label=_author(actor),
        text=f"Closure ratified at {meeting.group.code} #{meeting.number}",
        status_from=old,
        status_to=ActionStatus.CLOSED,
        meeting=meeting,
    )
    journal(
        actor,
        item,
        "action.ratify",
        changes={"status": [old, ActionStatus.CLOSED], "closed_at_meeting": [None, str(meeting)]},
        owner=item.owner_organisation,
    )
    return item


@action
def ratify_closure(
    *, actor: Actor, action: Action, meeting: Meeting, now: dt.datetime | None = None
) -> Action:
    """Close an action recommended closed, at a later meeting of its group (GV-30): the only way an
    action closes. Recorded against the meeting (``closed_at_meeting``)."""
    item = _lock_action(action)
    meeting = Meeting.objects.select_related("group").get(pk=meeting.pk)
    done = _ratify(actor, item, meeting, _now(now))
    _on_commit_notify(done.pk, f"{done.reference} closed at {meeting.group.code} #{meeting.number}", actor)
    return done


@action
def ratify_recommended(*, actor: Actor, meeting: Meeting, now: dt.datetime | None = None) -> list[Action]:
    """Ratify at ``meeting`` every action of its group raised earlier and recommended closed."""
    meeting = Meeting.objects.select_related("group").get(pk=meeting.pk)
    refuse(permissions.can_run_meeting(access_of(actor), meeting.group.programme_id))
    at = _now(now)
    items = list(
        Action.objects.select_for_update(of=("self",))
        .select_related("group", "meeting", "programme", "owner_organisation")
        .filter(group=meeting.group, status=ActionStatus.RECOMMEND_CLOSED, meeting__number__lt=meeting.number)
        .order_by("reference")[:500]
    )
    if not items:
        raise ActionError(f"No action of {meeting.group.code} is recommended closed", field="meeting")
    done = [_ratify(actor, item, meeting, at) for item in items]
    for item in done:
        _on_commit_notify(
            item.pk, f"{item.reference} closed at {meeting.group.code} #{meeting.number}", actor
        )
    return done


@dataclass
class ImportResult:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@action
def import_actions(
    *, actor: Actor, programme, filename: str, content: bytes, now: dt.datetime | None = None
) -> ImportResult:
    """The rows of an action log (CSV or XLSX: Ref | Date | Action | Owner | Due | Status | Latest
    Update), all or nothing: a fault anywhere refuses the file (:class:`busbar.lib.tabular.ImportRefused`,
    422) naming each line and column (:mod:`busbar.programmes.action_import`). Owners are told."""
    access = access_of(actor)
    refuse(permissions.can_import_actions(access, programme.pk))
    parsed = action_import.parse(programme=programme, filename=filename, content=content, access=access)
    at = _now(now)
    name = (filename or "upload")[:100]
    created = []
    entries = []
    for row in parsed.rows:
        item = Action.objects.create(
            programme=programme,
            group=row.group,
            meeting=row.meeting,
            sequence=row.sequence,
            reference=row.reference,
            raised_on=row.raised_on,
            description=row.description,
            owner_organisation=row.owner_organisation,
            owner_label=row.owner_label,
            due_date=row.due_date,
            status=row.status,
            latest_update=row.latest_update,
            recommended_at=at if row.status == ActionStatus.RECOMMEND_CLOSED else None,
            updated_at=at,
        )
        if row.owner_people:
            item.owner_people.set(row.owner_people)
        if row.raid_items:
            item.raid_items.set(row.raid_items)
        if row.latest_update or row.status != ActionStatus.OPEN:
            ActionUpdate.objects.create(
                action=item,
                at=at,
                author=actor.user,
                author_label=f"Imported from {name}, line {row.line}"[:200],
                text=row.latest_update,
                status_to=row.status if row.status != ActionStatus.OPEN else "",
            )
        created.append(item)
        entries.append(
            Entry(
                action="programmes.action.import",
                obj=item,
                owner_id=row.owner_organisation.pk if row.owner_organisation else None,
                changes={"reference": [None, item.reference], "status": [None, item.status]},
                note=f"Imported from {name}, line {row.line}",
            )
        )
    record_many(actor=actor, entries=entries)
    journal(
        actor,
        programme,
        "action.import",
        changes={"rows": [None, len(created)]},
        note=f"Imported from {name}",
    )
    for item in created:
        _on_commit_notify(item.pk, f"{item.reference}: an action for you — {item.description}", actor)
    return ImportResult(
        rows=len(parsed.rows), created=[i.reference for i in created], ignored_columns=parsed.ignored_columns
    )
