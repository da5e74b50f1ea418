"""The programme's member organisations (market participants) and the constituencies they represent."""

from __future__ import annotations

from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.parties.models import Organisation
from busbar.programmes import permissions
from busbar.programmes.actions.common import clean_text, journal
from busbar.programmes.actions.plan._common import _unique
from busbar.programmes.models import Member
from busbar.testing.access import access_of
from busbar.testing.models import Programme

CONSTITUENCY_MAX = Member._meta.get_field("constituency").max_length


@action
def add_member(
    *, actor: Actor, programme: Programme, organisation: Organisation, constituency: str = ""
) -> Member:
    """An organisation joins the programme's governance (a market participant): it reads the plan,
    public RAID items, the action log, meetings and decisions, and answers assessments."""
    refuse(permissions.can_manage_plan(access_of(actor), programme.pk))
    if organisation is None or not organisation.is_active:
        raise ActionError("Choose an active organisation", field="organisation")
    constituency = clean_text(
        constituency, field="constituency", limit=CONSTITUENCY_MAX, what="The constituency", required=False
    )
    member = _unique(
        lambda: Member.objects.create(
            programme=programme, organisation=organisation, constituency=constituency
        ),
        message=f"{organisation} is already a member of {programme.name}",
        field="organisation",
    )
    journal(
        actor,
        member,
        "plan.member.add",
        changes={"organisation": [None, str(organisation)], "constituency": [None, constituency]},
        owner=organisation,
    )
    return member


@action
def update_member(*, actor: Actor, member: Member, constituency: str) -> Member:
    """Change the constituency a member represents (Large supplier, Agent, DNO …)."""
    refuse(permissions.can_manage_plan(access_of(actor), member.programme_id))
    constituency = clean_text(
        constituency, field="constituency", limit=CONSTITUENCY_MAX, what="The constituency", required=False
    )
    before = member.constituency
    member.constituency = constituency
    member.save(update_fields=["constituency"])
    journal(
        actor,
        member,
        "plan.member.update",
        changes={"constituency": [before, constituency]},
        owner=member.organisation,
    )
    return member


@action
def remove_member(*, actor: Actor, member: Member) -> Member:
    """The organisation is no longer a member (it may still take part through a test phase, a function or a
    group)."""
    refuse(permissions.can_manage_plan(access_of(actor), member.programme_id))
    journal(
        actor,
        member,
        "plan.member.remove",
        changes={"organisation": [str(member.organisation), None]},
        owner=member.organisation,
    )
    member.delete()
    return member
