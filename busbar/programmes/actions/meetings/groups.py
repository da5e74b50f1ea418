"""Governance groups and their members (GV-50): PSG, TMAG, DAG, CCAG and working groups under a parent
(GV-49), with the standing items copied onto every new agenda (GV-48)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from busbar.lib.actions import (
    ActionError,
    Actor,
    Conflict,
    action,
    refuse,
)
from busbar.lib.limits import text_max
from busbar.parties.models import Organisation
from busbar.programmes import permissions
from busbar.programmes.actions.common import clean_text, journal
from busbar.programmes.actions.meetings._shared import (
    GROUP_CODE_MAX,
    _standing_rows,
)
from busbar.programmes.models import (
    Group,
    GroupKind,
    GroupMember,
)
from busbar.testing.access import access_of


def _group_code(code: str) -> str:
    import re

    code = (code or "").strip().upper()
    if not code:
        raise ActionError("Give the group a code, e.g. TMAG", field="code")
    if len(code) > GROUP_CODE_MAX or not re.fullmatch(r"[A-Z](?:[A-Z0-9]*[A-Z])?", code):
        raise ActionError(
            f"A group's code is letters (and digits inside), at most {GROUP_CODE_MAX}, ending with a letter: "
            "its actions are numbered <code><meeting>-<number>, e.g. TMAG18-01",
            field="code",
        )
    return code


def _check_parent(programme_id: int, parent: Group | None, group: Group | None = None) -> None:
    if parent is None:
        return
    if parent.programme_id != programme_id:
        raise ActionError(f"{parent.code} is a group of another programme", field="parent")
    seen = set()
    current: Group | None = parent
    while current is not None:
        if group is not None and current.pk == group.pk:
            raise ActionError(
                f"{parent.code} reports to {group.code}: it cannot be its parent", field="parent"
            )
        if current.pk in seen:
            break
        seen.add(current.pk)
        current = Group.objects.filter(pk=current.parent_id).first() if current.parent_id else None


@action
def create_group(
    *,
    actor: Actor,
    programme,
    code: str,
    name: str,
    kind: str = GroupKind.ADVISORY,
    parent: Group | None = None,
    purpose: str = "",
    standing_items: str = "",
) -> Group:
    """A governance group (PSG, TMAG, DAG, CCAG) or a working group reporting to ``parent`` (GV-49, GV-50).
    ``standing_items``: one a line, ``Item | Objective | Type | Lead | minutes``, copied onto each new
    agenda (GV-48)."""
    refuse(permissions.can_manage_groups(access_of(actor), programme.pk))
    code = _group_code(code)
    name = clean_text(name, field="name", limit=200, what="The name")
    if kind not in GroupKind.values:
        raise ActionError(f"A group is {', '.join(GroupKind.values)}", field="kind")
    _check_parent(programme.pk, parent)
    if kind == GroupKind.WORKING and parent is None:
        raise ActionError("A working group reports to a parent group (e.g. TMAG)", field="parent")
    purpose = clean_text(purpose, field="purpose", limit=text_max(), what="The purpose", required=False)
    standing = clean_text(
        standing_items, field="standing_items", limit=5000, what="The standing items", required=False
    )
    _standing_rows(standing)
    if Group.objects.filter(programme=programme, code=code).exists():
        raise Conflict(f"{programme.name} already has a group {code}", field="code")
    group = Group.objects.create(
        programme=programme,
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        purpose=purpose,
        standing_items=standing,
    )
    journal(
        actor,
        group,
        "group.create",
        changes={"code": [None, code], "name": [None, name], "kind": [None, kind], "parent": [None, parent]},
    )
    return group


GROUP_FIELDS = ("name", "kind", "parent", "purpose", "standing_items", "is_active")


@action
def update_group(*, actor: Actor, group: Group, now: dt.datetime | None = None, **fields: Any) -> Group:
    """The group's name, kind, parent, purpose, standing items or whether it is active. Its code stays:
    every action of the group carries it."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    refuse(permissions.can_manage_groups(access_of(actor), group.programme_id))
    unknown = sorted(set(fields) - set(GROUP_FIELDS))
    if unknown:
        if "code" in unknown:
            raise ActionError("A group's code does not change: its actions carry it", field="code")
        raise ActionError(f"Unknown field {unknown[0]!r}", field=unknown[0])
    changes: dict[str, list] = {}
    for name, value in fields.items():
        if name == "name":
            value = clean_text(value, field="name", limit=200, what="The name")
        elif name == "kind":
            if value not in GroupKind.values:
                raise ActionError(f"A group is {', '.join(GroupKind.values)}", field="kind")
        elif name == "parent":
            _check_parent(group.programme_id, value, group)
        elif name == "purpose":
            value = clean_text(value, field="purpose", limit=text_max(), what="The purpose", required=False)
        elif name == "standing_items":
            value = clean_text(
                value, field="standing_items", limit=5000, what="The standing items", required=False
            )
            _standing_rows(value)
        elif name == "is_active":
            value = bool(value)
        old = getattr(group, name)
        if old != value:
            changes[name] = [old, value]
            setattr(group, name, value)
    if group.kind == GroupKind.WORKING and group.parent_id is None:
        raise ActionError("A working group reports to a parent group (e.g. TMAG)", field="parent")
    if not changes:
        raise ActionError("Nothing to change", field="name")
    group.save(update_fields=list(changes))
    journal(actor, group, "group.update", changes=changes)
    return group


@action
def add_group_member(
    *, actor: Actor, group: Group, organisation: Organisation, role: str = "", constituency: str = ""
) -> GroupMember:
    """An organisation sits on the group (its members read the programme's governance)."""
    refuse(permissions.can_manage_groups(access_of(actor), group.programme_id))
    if organisation is None or not organisation.is_active:
        raise ActionError("Choose an active organisation", field="organisation")
    role = clean_text(role, field="role", limit=80, what="The role", required=False)
    constituency = clean_text(
        constituency, field="constituency", limit=120, what="The constituency", required=False
    )
    if GroupMember.objects.filter(group=group, organisation=organisation).exists():
        raise Conflict(f"{organisation.name} is already a member of {group.code}", field="organisation")
    member = GroupMember.objects.create(
        group=group, organisation=organisation, role=role, constituency=constituency
    )
    journal(
        actor,
        group,
        "group.member_add",
        changes={"member": [None, organisation.name], "role": [None, role]},
        owner=organisation,
    )
    return member


@action
def remove_group_member(*, actor: Actor, member: GroupMember) -> GroupMember:
    member = GroupMember.objects.select_related("group", "organisation").get(pk=member.pk)
    refuse(permissions.can_manage_groups(access_of(actor), member.group.programme_id))
    journal(
        actor,
        member.group,
        "group.member_remove",
        changes={"member": [member.organisation.name, None]},
        owner=member.organisation,
    )
    member.delete()
    return member
