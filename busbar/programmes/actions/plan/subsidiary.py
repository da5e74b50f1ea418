"""Participants' subsidiary plans (GV-02) and their milestones, each linked to the programme milestone it
must be met before: one forecast after it is a slip both plans show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from busbar.audit.journal import diff, snapshot
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.lib.limits import text_max
from busbar.parties.models import Organisation
from busbar.programmes import permissions
from busbar.programmes.actions.common import check_date, clean_text, journal
from busbar.programmes.actions.plan._common import (
    KEEP,
    _actual,
    _given,
    _now,
    _order,
    _participant,
    _rag,
    _same_programme,
    _unique,
)
from busbar.programmes.models import Milestone, PartyMilestone, SubsidiaryPlan
from busbar.testing.access import access_of
from busbar.testing.models import Programme

PLAN_NAME_MAX = SubsidiaryPlan._meta.get_field("name").max_length
PARTY_MILESTONE_NAME_MAX = PartyMilestone._meta.get_field("name").max_length
PARTY_MILESTONE_FIELDS = (
    "name",
    "programme_milestone",
    "planned_date",
    "forecast_date",
    "actual_date",
    "rag",
    "notes",
    "order",
)


def _touch(plan: SubsidiaryPlan, now: dt.datetime) -> None:
    SubsidiaryPlan.objects.filter(pk=plan.pk).update(updated_at=now)
    plan.updated_at = now


@action
def create_subsidiary_plan(
    *,
    actor: Actor,
    programme: Programme,
    organisation: Organisation,
    name: str,
    now: dt.datetime | None = None,
) -> SubsidiaryPlan:
    """A participant's own plan, subsidiary to the programme plan (GV-02): one per organisation."""
    refuse(permissions.can_keep_subsidiary_plan(access_of(actor), programme.pk, organisation.pk))
    actor = actor.acting_for(organisation)
    now = _now(now)
    name = clean_text(name, field="name", limit=PLAN_NAME_MAX, what="The name")
    _participant(organisation, programme.pk, field="organisation")
    plan = _unique(
        lambda: SubsidiaryPlan.objects.create(
            programme=programme, organisation=organisation, name=name, updated_at=now
        ),
        message=f"{organisation} already has a plan in {programme.name}",
        field="organisation",
    )
    journal(actor, plan, "plan.subsidiary.create", changes={"name": [None, name]}, owner=organisation)
    return plan


@action
def rename_subsidiary_plan(
    *, actor: Actor, plan: SubsidiaryPlan, name: str, now: dt.datetime | None = None
) -> SubsidiaryPlan:
    refuse(permissions.can_keep_subsidiary_plan(access_of(actor), plan.programme_id, plan.organisation_id))
    name = clean_text(name, field="name", limit=PLAN_NAME_MAX, what="The name")
    before = plan.name
    plan.name = name
    plan.updated_at = _now(now)
    plan.save(update_fields=["name", "updated_at"])
    journal(actor, plan, "plan.subsidiary.rename", changes={"name": [before, name]}, owner=plan.organisation)
    return plan


def _party_values(plan: SubsidiaryPlan, fields: dict[str, Any], *, now: dt.datetime) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = clean_text(
            fields["name"], field="name", limit=PARTY_MILESTONE_NAME_MAX, what="The name"
        )
    if "programme_milestone" in fields:
        linked = fields["programme_milestone"]
        if linked is not None and not isinstance(linked, Milestone):
            raise ActionError("Choose a milestone of the programme plan", field="programme_milestone")
        _same_programme(linked, plan.programme_id, field="programme_milestone", what="Milestone")
        out["programme_milestone"] = linked
    if "planned_date" in fields:
        out["planned_date"] = check_date(fields["planned_date"], field="planned_date", required=True)
    if "forecast_date" in fields:
        out["forecast_date"] = check_date(fields["forecast_date"], field="forecast_date")
    if "actual_date" in fields:
        out["actual_date"] = _actual(fields["actual_date"], now=now)
    if "rag" in fields:
        out["rag"] = _rag(fields["rag"])
    if "notes" in fields:
        out["notes"] = clean_text(
            fields["notes"], field="notes", limit=text_max(), what="The notes", required=False
        )
    if "order" in fields:
        out["order"] = _order(fields["order"])
    return out


@action
def add_party_milestone(
    *,
    actor: Actor,
    plan: SubsidiaryPlan,
    name: str,
    planned_date: dt.date,
    programme_milestone: Milestone | None = None,
    forecast_date: dt.date | None = None,
    actual_date: dt.date | None = None,
    rag: str = "",
    notes: str = "",
    order: int = 0,
    now: dt.datetime | None = None,
) -> PartyMilestone:
    """A milestone of a participant's plan, linked to the programme milestone it must be met before: if it
    is forecast after it, both plans show the slip."""
    refuse(permissions.can_keep_subsidiary_plan(access_of(actor), plan.programme_id, plan.organisation_id))
    actor = actor.acting_for(plan.organisation_id)
    now = _now(now)
    values = _party_values(
        plan,
        {
            "name": name,
            "planned_date": planned_date,
            "programme_milestone": programme_milestone,
            "forecast_date": forecast_date,
            "actual_date": actual_date,
            "rag": rag,
            "notes": notes,
            "order": order,
        },
        now=now,
    )
    milestone = PartyMilestone.objects.create(plan=plan, **values)
    _touch(plan, now)
    journal(
        actor,
        milestone,
        "plan.subsidiary.milestone.add",
        changes=diff({}, snapshot(milestone, PARTY_MILESTONE_FIELDS)),
        owner=plan.organisation,
    )
    return milestone


@action
def update_party_milestone(
    *,
    actor: Actor,
    milestone: PartyMilestone,
    name: Any = KEEP,
    programme_milestone: Any = KEEP,
    planned_date: Any = KEEP,
    forecast_date: Any = KEEP,
    actual_date: Any = KEEP,
    rag: Any = KEEP,
    notes: Any = KEEP,
    order: Any = KEEP,
    now: dt.datetime | None = None,
) -> PartyMilestone:
    """Change a participant's milestone: name, link, planned / forecast / actual dates, RAG, notes, order
    (each kept unless given)."""
    plan = milestone.plan
    refuse(permissions.can_keep_subsidiary_plan(access_of(actor), plan.programme_id, plan.organisation_id))
    actor = actor.acting_for(plan.organisation_id)
    fields = _given(
        name=name,
        programme_milestone=programme_milestone,
        planned_date=planned_date,
        forecast_date=forecast_date,
        actual_date=actual_date,
        rag=rag,
        notes=notes,
        order=order,
    )
    now = _now(now)
    milestone = PartyMilestone.objects.select_for_update().get(pk=milestone.pk)
    values = _party_values(plan, fields, now=now)
    before = snapshot(milestone, PARTY_MILESTONE_FIELDS)
    for key, value in values.items():
        setattr(milestone, key, value)
    changes = diff(before, snapshot(milestone, PARTY_MILESTONE_FIELDS))
    if changes:
        milestone.save()
        _touch(plan, now)
        journal(
            actor, milestone, "plan.subsidiary.milestone.update", changes=changes, owner=plan.organisation
        )
    else:
        journal(
            actor,
            milestone,
            "plan.subsidiary.milestone.update",
            note="Nothing changed",
            owner=plan.organisation,
        )
    return milestone


@action
def remove_party_milestone(
    *, actor: Actor, milestone: PartyMilestone, now: dt.datetime | None = None
) -> PartyMilestone:
    plan = milestone.plan
    refuse(permissions.can_keep_subsidiary_plan(access_of(actor), plan.programme_id, plan.organisation_id))
    actor = actor.acting_for(plan.organisation_id)
    journal(
        actor,
        milestone,
        "plan.subsidiary.milestone.remove",
        changes=diff(snapshot(milestone, ("name", "planned_date", "forecast_date")), {}),
        owner=plan.organisation,
    )
    milestone.delete()
    _touch(plan, _now(now))
    return milestone
