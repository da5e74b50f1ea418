"""Every change to a programme's RAID log (digest §5.3, GV-19…GV-27): raising an item (numbered R1, R2, …
per programme), editing its columns, updates on its conversation, closing and reopening, making it public
or private (GV-23), converting a risk into the issue it became (GV-25) and importing a spreadsheet, all
or nothing.

Each is one ``@action``: refused with :mod:`busbar.programmes.permissions`, status changes through
``RAID_TRANSITIONS`` (409), journalled (``programmes.raid.<verb>``), the owner organisation's people told
in their inbox once the change commits. The columns are checked by
:func:`busbar.programmes.raid_import.check_fields`, the one place their rules live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from busbar.audit.journal import Entry as JournalEntry
from busbar.audit.journal import record_many
from busbar.lib.actions import ActionError, Actor, IllegalTransition, action, check_transition, refuse
from busbar.parties.models import Membership, Organisation
from busbar.programmes import permissions, raid_import
from busbar.programmes.actions.common import clean_text, journal
from busbar.programmes.models import RAID_TRANSITIONS, RaidItem, RaidKind, RaidStatus
from busbar.records import steps
from busbar.records.inbox import Delivery, deliver_many
from busbar.records.models import Entry, Link, Notification, Watcher
from busbar.testing.access import access_of
from busbar.testing.models import Programme

S = RaidStatus
#: What a new issue takes over from the risk it was (GV-25).
CARRIED = (
    "description",
    "theme",
    "phase",
    "activities",
    "impact_text",
    "impact_level",
    "external_ref",
    "likelihood",
    "impact_score",
    "rag",
    "owner_organisation",
    "owner_label",
    "owner_user",
    "is_public",
)


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _lock_programme(programme_id: int) -> None:
    """Hold the programme's row until the transaction ends: its RAID numbers are given one at a time."""
    Programme.objects.select_for_update().filter(pk=programme_id).values_list("pk", flat=True).first()


def _next_number(programme_id: int) -> int:
    _lock_programme(programme_id)
    return (RaidItem.objects.filter(programme_id=programme_id).aggregate(n=Max("number"))["n"] or 0) + 1


def _lock(item: RaidItem) -> RaidItem:
    return (
        RaidItem.objects.select_for_update(of=("self",))
        .select_related("record", "programme", "owner_organisation", "phase")
        .get(pk=item.pk)
    )


def _plain(value: Any) -> Any:
    if value is None or value == "":
        return None
    if hasattr(value, "code") and hasattr(value, "programme_id"):  # a phase or a milestone
        return value.code
    if isinstance(value, Organisation):
        return value.name
    if hasattr(value, "display_name"):
        return value.display_name
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _path(item: RaidItem) -> str:
    return reverse("programmes_raid_detail", kwargs={"reference": item.reference})


def _people_of(organisation_ids: Sequence[int]) -> list:
    ids = [i for i in organisation_ids if i]
    if not ids:
        return []
    members = Membership.objects.filter(is_active=True, organisation__is_active=True, organisation_id__in=ids)
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")
    )


def _tell_owners(actor: Actor, items: Sequence[RaidItem]) -> None:
    """Once the change commits: the people of each item's owner organisation are told it is theirs
    (an inbox notice; whoever made the change is not told)."""
    wanted = [
        (i.pk, i.record_id, i.reference, i.display_ref, i.title, i.owner_organisation_id) for i in items
    ]
    wanted = [w for w in wanted if w[5]]
    if not wanted:
        return
    acting = actor.user.pk if actor.user is not None else None

    def send() -> None:
        people: dict[int, list] = {}
        for org_id in {w[5] for w in wanted}:
            people[org_id] = [u for u in _people_of([org_id]) if u.pk != acting]
        records = {
            r.pk: r for r in RaidItem.objects.filter(pk__in=[w[0] for w in wanted]).select_related("record")
        }
        deliveries = [
            Delivery(
                recipients=people[org_id],
                kind=Notification.Kind.ASSIGNMENT,
                record=records[pk].record,
                title=f"{ref} ({reference}) is your organisation's: {title}",
                url=reverse("programmes_raid_detail", kwargs={"reference": reference}),
            )
            for pk, _record, reference, ref, title, org_id in wanted
            if people.get(org_id) and pk in records
        ]
        if deliveries:
            deliver_many(deliveries)

    transaction.on_commit(send)


def _tell_watchers(actor: Actor, item: RaidItem, title: str) -> None:
    acting = actor.user.pk if actor.user is not None else None
    record_id, path = item.record_id, _path(item)

    def send() -> None:
        people = [
            w.user
            for w in Watcher.objects.filter(record_id=record_id).select_related("user")
            if w.user.is_active and w.user.pk != acting
        ]
        if people:
            record = RaidItem.objects.select_related("record").get(record_id=record_id).record
            deliver_many(
                [
                    Delivery(
                        recipients=people,
                        kind=Notification.Kind.BULLETIN,
                        record=record,
                        title=title,
                        url=path,
                    )
                ]
            )

    transaction.on_commit(send)


def _status(item: RaidItem, target: str) -> dict:
    current = item.status
    check_transition(RAID_TRANSITIONS, current, target, what=f"RAID item {item.display_ref}")
    item.status = target
    return {"status": [str(current), str(target)]}


def _save(item: RaidItem, fields: Sequence[str], now: dt.datetime) -> None:
    item.updated_at = now
    item.save(update_fields=sorted({*fields, "updated_at"}))


def _journal(actor: Actor, item: RaidItem, verb: str, changes: dict | None = None, note: str = "") -> None:
    journal(actor, item, f"raid.{verb}", changes=changes, note=note, owner=item.owner_organisation)


def _create(
    *, programme: Programme, number: int, kind: str, fields: dict, now: dt.datetime, converted_from=None
) -> RaidItem:
    kernel = steps.new_record("raid_item", created_at=now)
    item = RaidItem(
        record=kernel,
        reference=kernel.reference,
        programme=programme,
        number=number,
        kind=kind,
        converted_from=converted_from,
        created_at=now,
        updated_at=now,
        **fields,
    )
    item.exposure = raid_import.exposure(item.likelihood, item.impact_score)
    item.save()
    return item


# -- raising and editing --------------------------------------------------------------------------------


@action
def raise_item(
    *,
    actor: Actor,
    programme: Programme,
    kind: str,
    title: str,
    description: str = "",
    theme: str = "",
    phase=None,
    activities: str = "",
    impact_text: str = "",
    impact_level: str = "",
    uncertainty: str = "",
    manageable: str = "",
    impacting_milestone=None,
    impacting_activity: str = "",
    impacted_milestone=None,
    impacted_activity: str = "",
    external_ref: str = "",
    likelihood: int | None = None,
    impact_score: int | None = None,
    rag: str = "",
    owner_organisation: Organisation | None = None,
    owner_label: str = "",
    owner_user=None,
    is_public: bool = False,
    raised_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> RaidItem:
    """A new risk, assumption, issue or dependency in ``programme``'s log, numbered after the highest
    (R1, R2, …); the owner organisation's people are told."""
    now = now or timezone.now()
    refuse(permissions.can_raise_raid(access_of(actor), programme.pk))
    fields = raid_import.check_fields(
        programme,
        kind,
        {
            "title": title,
            "description": description,
            "theme": theme,
            "phase": phase,
            "activities": activities,
            "impact_text": impact_text,
            "impact_level": impact_level,
            "uncertainty": uncertainty,
            "manageable": manageable,
            "impacting_milestone": impacting_milestone,
            "impacting_activity": impacting_activity,
            "impacted_milestone": impacted_milestone,
            "impacted_activity": impacted_activity,
            "external_ref": external_ref,
            "likelihood": likelihood,
            "impact_score": impact_score,
            "rag": rag,
            "owner_organisation": owner_organisation,
            "owner_label": owner_label,
            "owner_user": owner_user,
            "is_public": is_public,
            "raised_on": raised_on or _today(now),
        },
        today=_today(now),
    )
    item = _create(programme=programme, number=_next_number(programme.pk), kind=kind, fields=fields, now=now)
    changes = {"ref": [None, item.display_ref], "kind": [None, kind], "title": [None, item.title]}
    changes.update(
        {k: [None, _plain(v)] for k, v in fields.items() if k != "title" and _plain(v) not in (None, False)}
    )
    if item.exposure:
        changes["exposure"] = [None, item.exposure]
    _journal(actor, item, "raise", changes)
    _tell_owners(actor, [item])
    return item


class _Unset:
    """A column not given to :func:`edit_item` (None clears a column, so it cannot mean "unchanged")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@action
def edit_item(
    *,
    actor: Actor,
    item: RaidItem,
    kind: Any = UNSET,
    title: Any = UNSET,
    description: Any = UNSET,
    theme: Any = UNSET,
    phase: Any = UNSET,
    activities: Any = UNSET,
    impact_text: Any = UNSET,
    impact_level: Any = UNSET,
    uncertainty: Any = UNSET,
    manageable: Any = UNSET,
    impacting_milestone: Any = UNSET,
    impacting_activity: Any = UNSET,
    impacted_milestone: Any = UNSET,
    impacted_activity: Any = UNSET,
    external_ref: Any = UNSET,
    likelihood: Any = UNSET,
    impact_score: Any = UNSET,
    rag: Any = UNSET,
    owner_organisation: Any = UNSET,
    owner_label: Any = UNSET,
    owner_user: Any = UNSET,
    is_public: Any = UNSET,
    raised_on: Any = UNSET,
    now: dt.datetime | None = None,
) -> RaidItem:
    """Change any of the item's columns (the office): those given, None clearing one. Text, theme, phase,
    milestones, scores (the exposure follows), RAG, owner (who is told) and the public flag. Its type is
    fixed (a risk becomes an issue by :func:`convert_to_issue`); a converted risk is kept as it was (409)."""
    arguments = dict(locals())
    fields = {
        name: value
        for name, value in arguments.items()
        if name not in ("actor", "item", "now", "kind") and not isinstance(value, _Unset)
    }
    now = now or timezone.now()
    item = _lock(item)
    refuse(permissions.can_edit_raid(access_of(actor), item))
    if not isinstance(kind, _Unset) and kind != item.kind:
        raise ActionError("The type of an item does not change: convert a risk into an issue", field="kind")
    if item.status == S.CONVERTED:
        raise IllegalTransition(
            f"{item.display_ref} was converted into an issue: it is kept as it was", field="status"
        )
    if not fields:
        raise ActionError("Nothing to change", field="title")
    cleaned = raid_import.check_fields(item.programme, item.kind, fields, today=_today(now), current=item)
    changes: dict[str, list] = {}
    for name, value in cleaned.items():
        before = getattr(item, name)
        same = (before.pk if hasattr(before, "pk") else before) == (
            value.pk if hasattr(value, "pk") else value
        )
        if not same:
            changes[name] = [_plain(before), _plain(value)]
            setattr(item, name, value)
    if not changes:
        raise ActionError("Nothing to change: the item already reads so", field=next(iter(fields)))
    score = raid_import.exposure(item.likelihood, item.impact_score)
    if score != item.exposure:
        changes["exposure"] = [item.exposure, score]
        item.exposure = score
    _save(item, [*cleaned, "exposure"], now)
    verb = "edit"
    if "is_public" in changes:
        verb = "publish" if item.is_public else "unpublish"
    _journal(actor, item, verb, changes)
    if "owner_organisation" in changes and item.owner_organisation_id:
        _tell_owners(actor, [item])
    return item


@action
def set_public(
    *, actor: Actor, item: RaidItem, is_public: bool, reason: str = "", now: dt.datetime | None = None
) -> RaidItem:
    """Make the item public (every participant of the programme reads it) or private (the office,
    assurers and its owner only), with the reason journalled (GV-23: "This is now public")."""
    now = now or timezone.now()
    item = _lock(item)
    refuse(permissions.can_edit_raid(access_of(actor), item))
    if not isinstance(is_public, bool):
        raise ActionError("Public is yes or no", field="is_public")
    if item.status == S.CONVERTED:
        raise IllegalTransition(
            f"{item.display_ref} was converted into an issue: it is kept as it was", field="status"
        )
    reason = clean_text(reason, field="reason", limit=2000, what="The reason", required=False)
    if item.is_public == is_public:
        raise ActionError(
            f"{item.display_ref} is already {'public' if is_public else 'private'}", field="is_public"
        )
    item.is_public = is_public
    _save(item, ["is_public"], now)
    _journal(
        actor,
        item,
        "publish" if is_public else "unpublish",
        {"is_public": [not is_public, is_public]},
        reason,
    )
    return item


# -- the conversation -----------------------------------------------------------------------------------


@action
def add_update(
    *,
    actor: Actor,
    item: RaidItem,
    body: str,
    activities: str | None = None,
    internal: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Entry:
    """An update on the item's conversation (internal: read by the office, assurers and the owner only),
    with files, and optionally its planned activities rewritten: the office or the owner organisation,
    while the item is open."""
    now = now or timezone.now()
    item = _lock(item)
    refuse(permissions.can_update_raid(access_of(actor), item))
    if item.status != S.OPEN:
        raise IllegalTransition(
            f"{item.display_ref} is {item.get_status_display().lower()}: reopen it to update it",
            field="status",
        )
    actor = actor.acting_for(item.owner_organisation_id)
    changes: dict[str, list] = {"update": [None, "internal note" if internal else "update"]}
    fields: list[str] = []
    if activities is not None:
        activities = raid_import.check_fields(
            item.programme, item.kind, {"activities": activities}, today=_today(now)
        )["activities"]
        if activities != item.activities:
            changes["activities"] = [item.activities[:200] or None, activities[:200] or None]
            item.activities = activities
            fields.append("activities")
    entry = steps.add_entry(item.record, actor=actor, body=body, internal=internal, now=now)
    if attachments:
        steps.add_attachments(item.record, entry, list(attachments), actor=actor, internal=internal)
        changes["attachments"] = [None, len(attachments)]
    _save(item, fields, now)
    _journal(actor, item, "note" if internal else "update", changes)
    if not internal:
        _tell_watchers(actor, item, f"{item.display_ref} updated: {item.title}")
    return entry


# -- status ---------------------------------------------------------------------------------------------


@action
def close_item(*, actor: Actor, item: RaidItem, reason: str, now: dt.datetime | None = None) -> RaidItem:
    """Close an open item (the office), with the reason."""
    now = now or timezone.now()
    item = _lock(item)
    refuse(permissions.can_close_raid(access_of(actor), item))
    reason = clean_text(reason, field="reason", limit=5000, what="The reason")
    changes = _status(item, S.CLOSED)
    item.closed_on = _today(now)
    item.closure_reason = reason
    _save(item, ["status", "closed_on", "closure_reason"], now)
    _journal(actor, item, "close", changes, reason)
    _tell_watchers(actor, item, f"{item.display_ref} closed: {item.title}")
    return item


@action
def reopen_item(*, actor: Actor, item: RaidItem, reason: str, now: dt.datetime | None = None) -> RaidItem:
    """Reopen a closed item (the office), with the reason. A converted risk stays converted (409)."""
    now = now or timezone.now()
    item = _lock(item)
    refuse(permissions.can_close_raid(access_of(actor), item))
    reason = clean_text(reason, field="reason", limit=5000, what="The reason")
    changes = _status(item, S.OPEN)
    changes["closed_on"] = [_plain(item.closed_on), None]
    item.closed_on = None
    item.closure_reason = ""
    _save(item, ["status", "closed_on", "closure_reason"], now)
    _journal(actor, item, "reopen", changes, reason)
    _tell_watchers(actor, item, f"{item.display_ref} reopened: {item.title}")
    return item


@action
def convert_to_issue(
    *, actor: Actor, item: RaidItem, impact_text: str = "", now: dt.datetime | None = None
) -> RaidItem:
    """The risk has happened (GV-25): a new ISSUE (the next number) carrying its columns — its planned
    mitigating activities become the planned resolving ones, ``impact_text`` (or the risk's potential
    impact) the current impact — ``converted_from`` the risk, linked to it on the record kernel (the issue
    is caused by the risk), the risk's watchers following the issue; the risk becomes "converted".
    Only an open risk converts."""
    now = now or timezone.now()
    item = _lock(item)
    refuse(permissions.can_convert_raid(access_of(actor), item))
    if item.kind != RaidKind.RISK:
        raise ActionError(
            f"{item.display_ref} is {item.get_kind_display().lower()}: only a risk converts into an issue",
            field="kind",
        )
    check_transition(RAID_TRANSITIONS, item.status, S.CONVERTED, what=f"RAID item {item.display_ref}")
    carried = {name: getattr(item, name) for name in CARRIED}
    carried["title"] = item.title
    carried["raised_on"] = _today(now)
    if impact_text and impact_text.strip():
        carried["impact_text"] = impact_text
    fields = raid_import.check_fields(item.programme, RaidKind.ISSUE, carried, today=_today(now))
    issue = _create(
        programme=item.programme,
        number=_next_number(item.programme_id),
        kind=RaidKind.ISSUE,
        fields=fields,
        now=now,
        converted_from=item,
    )
    steps.link(issue.record, item.record, Link.Kind.CAUSED_BY, actor=actor)
    watchers = list(Watcher.objects.filter(record_id=item.record_id).values_list("user_id", flat=True))
    if watchers:
        Watcher.objects.bulk_create(
            [Watcher(record_id=issue.record_id, user_id=u, created_at=now) for u in watchers]
        )
    changes = _status(item, S.CONVERTED)
    item.closed_on = _today(now)
    changes["converted_to"] = [None, f"{issue.display_ref} ({issue.reference})"]
    _save(item, ["status", "closed_on"], now)
    _journal(actor, item, "convert", changes, f"Converted into the issue {issue.display_ref}")
    _journal(
        actor,
        issue,
        "raise",
        {
            "ref": [None, issue.display_ref],
            "kind": [None, RaidKind.ISSUE],
            "title": [None, issue.title],
            "converted_from": [None, f"{item.display_ref} ({item.reference})"],
        },
        f"Converted from the risk {item.display_ref}",
    )
    _tell_owners(actor, [issue])
    return issue


# -- import ---------------------------------------------------------------------------------------------


@action
def import_items(
    *, actor: Actor, programme: Programme, filename: str, content: bytes, now: dt.datetime | None = None
) -> raid_import.ImportResult:
    """Add the items of a CSV or XLSX file to ``programme``'s log, all or nothing: any fault refuses the
    whole file (:class:`busbar.lib.tabular.ImportRefused`, 422) naming each line and column, and nothing
    is written. A ``ref`` in the file is kept (R281); one already in the log is a fault (an import never
    updates). The owners' people are told."""
    now = now or timezone.now()
    refuse(permissions.can_import_raid(access_of(actor), programme.pk))
    _lock_programme(programme.pk)
    plan = raid_import.parse(programme, filename, content, today=_today(now))
    created = [
        _create(programme=programme, number=p.number, kind=p.kind, fields=p.fields, now=now)
        for p in plan.items
    ]
    name = (filename or "file")[:100]
    record_many(
        actor=actor,
        entries=[
            JournalEntry(
                action="programmes.raid.import",
                obj=item,
                owner_id=item.owner_organisation_id,
                changes={
                    "ref": [None, item.display_ref],
                    "kind": [None, item.kind],
                    "title": [None, item.title[:200]],
                    "is_public": [None, item.is_public],
                },
                note=f"Imported from {name}, line {p.line}",
            )
            for item, p in zip(created, plan.items, strict=True)
        ],
    )
    _tell_owners(actor, created)
    return raid_import.ImportResult(created=created, plan=plan)
