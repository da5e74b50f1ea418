"""Cohorts, participations (mandatory or voluntary, TA-14), entry within the grace period (TA-10),
withdrawal, and supplier–agent pairings re-arranged with their history kept (TA-15)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.lib.limits import check_text
from busbar.parties.models import Organisation
from busbar.testing import permissions
from busbar.testing.access import access_of
from busbar.testing.actions.setup._common import (
    ENTRY_TRANSITIONS,
    _day,
    _line,
    _log,
    _refuse_broken,
    _today,
)
from busbar.testing.models import (
    Cohort,
    EntryStatus,
    Pairing,
    ParticipantRole,
    Participation,
    Phase,
    PhaseStatus,
)

# -- cohorts and participations -----------------------------------------------------------------------


@action
def create_cohort(*, actor: Actor, phase: Phase, name: str, order: int = 0) -> Cohort:
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    name = _line(name, "name", limit=80)
    if not 0 <= int(order) <= 1000:
        raise ActionError("The order is between 0 and 1000", field="order")
    if Cohort.objects.filter(phase=phase, name=name).exists():
        raise Conflict(f"{phase.name} already has a cohort {name}", field="name")
    cohort = Cohort.objects.create(phase=phase, name=name, order=order)
    _log(actor, "cohort.create", cohort, owner=phase.owner, changes={"name": [None, name]})
    return cohort


def _cohort_of(phase: Phase, cohort: Cohort | None) -> Cohort | None:
    if cohort is not None and cohort.phase_id != phase.pk:
        raise ActionError(f"{cohort} is not a cohort of {phase.name}", field="cohort")
    return cohort


@action
def add_participation(
    *,
    actor: Actor,
    phase: Phase,
    organisation: Organisation,
    role: ParticipantRole,
    cohort: Cohort | None = None,
    mandatory: bool | None = None,
    notes: str = "",
) -> Participation:
    """``organisation`` takes part in ``phase`` as ``role``, in ``cohort`` (None: none yet, or a central
    party serving every cohort); ``mandatory`` None takes the role's default (TA-14)."""
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    if role.programme_id != phase.programme_id:
        raise ActionError(f"{role} is not a participant role of {phase.programme}", field="role")
    if not organisation.is_active:
        raise ActionError(f"{organisation} is not active", field="organisation")
    cohort = _cohort_of(phase, cohort)
    check_text(notes, field="notes")
    if Participation.objects.filter(phase=phase, organisation=organisation, role=role).exists():
        raise Conflict(f"{organisation} already takes part in {phase.name} as {role}", field="organisation")
    participation = Participation.objects.create(
        phase=phase,
        organisation=organisation,
        role=role,
        cohort=cohort,
        mandatory=role.mandatory if mandatory is None else mandatory,
        notes=notes.strip(),
    )
    _log(
        actor,
        "participation.add",
        participation,
        owner=organisation,
        changes={
            "phase": [None, phase.name],
            "role": [None, role.label],
            "cohort": [None, str(cohort or "")],
            "mandatory": [None, participation.mandatory],
        },
    )
    return participation


def _lock_participation(participation: Participation) -> Participation:
    return (
        Participation.objects.select_for_update(of=("self",))
        .select_related("phase", "phase__programme", "organisation", "role", "cohort")
        .get(pk=participation.pk)
    )


@action
def move_to_cohort(*, actor: Actor, participation: Participation, cohort: Cohort | None) -> Participation:
    """Move a participant to another cohort (None: out of every cohort). In a started phase, refused if the
    cohort it leaves would break the composition rule."""
    participation = _lock_participation(participation)
    phase = participation.phase
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    cohort = _cohort_of(phase, cohort)
    if participation.status == EntryStatus.WITHDRAWN:
        raise Conflict(f"{participation.organisation} has withdrawn from {phase.name}", field="status")
    if participation.cohort_id == (cohort.pk if cohort else None):
        raise ActionError(f"{participation.organisation} is already there", field="cohort")

    def change(rows: list[Participation]) -> None:
        for row in rows:
            if row.pk == participation.pk:
                row.cohort_id = cohort.pk if cohort else None

    _refuse_broken(
        phase, change, f"Moving {participation.organisation} out of {participation.cohort or 'no cohort'}"
    )
    before = str(participation.cohort or "")
    participation.cohort = cohort
    participation.save(update_fields=["cohort"])
    _log(
        actor,
        "participation.move",
        participation,
        owner=participation.organisation,
        changes={"cohort": [before, str(cohort or "")]},
    )
    return participation


@action
def set_mandatory(*, actor: Actor, participation: Participation, mandatory: bool) -> Participation:
    """Say whether a participant's taking part is mandatory or voluntary (TA-14, TA-18)."""
    participation = _lock_participation(participation)
    refuse(permissions.can_manage_phase(access_of(actor), participation.phase))
    if participation.mandatory == mandatory:
        raise ActionError("Nothing to change", field="mandatory")
    participation.mandatory = mandatory
    participation.save(update_fields=["mandatory"])
    _log(
        actor,
        "participation.mandatory",
        participation,
        owner=participation.organisation,
        changes={"mandatory": [not mandatory, mandatory]},
    )
    return participation


@action
def enter_phase(*, actor: Actor, participation: Participation, on: dt.date | None = None) -> Participation:
    """A participant not ready on day 1 enters a started phase: on its first day it has ENTERED, after it
    and until ``phase.grace_until`` it enters in its GRACE period (TA-10); later it is refused, naming the
    last day."""
    participation = _lock_participation(participation)
    phase = participation.phase
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    on = on or _today()
    if phase.status != PhaseStatus.IN_PROGRESS:
        raise Conflict(
            f"{phase.name} is {phase.get_status_display().lower()}: participants enter a phase in progress "
            "(those planned enter when it starts)",
            field="status",
        )
    started = phase.actual_start or phase.planned_start
    if on < started:
        raise ActionError(f"{phase.name} started on {_day(started)}; enter on or after it", field="on")
    if on == started:
        target = EntryStatus.ENTERED
    else:
        last = phase.grace_until
        if last is None:
            raise Conflict(
                f"{phase.name} started on {_day(started)} and has no grace period: late entry is refused",
                field="on",
            )
        if on > last:
            raise Conflict(
                f"The grace period of {phase.name} ended on {_day(last)} (its last day): "
                "late entry is refused",
                field="on",
            )
        target = EntryStatus.GRACE
    check_transition(
        ENTRY_TRANSITIONS, participation.status, target, what=f"{participation.organisation}'s entry"
    )
    before = participation.status
    participation.status, participation.entered_on = target, on
    participation.save(update_fields=["status", "entered_on"])
    _log(
        actor,
        "participation.enter",
        participation,
        owner=participation.organisation,
        changes={"status": [before, target], "entered_on": [None, on]},
    )
    return participation


@action
def withdraw(*, actor: Actor, participation: Participation, reason: str) -> Participation:
    """A participant leaves the phase (its results stay; its current pairings end with the reason). In a
    started phase, refused if its cohort would break the composition rule."""
    participation = _lock_participation(participation)
    phase = participation.phase
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    reason = _line(reason, "reason", limit=500)
    check_transition(
        ENTRY_TRANSITIONS,
        participation.status,
        EntryStatus.WITHDRAWN,
        what=f"{participation.organisation}'s entry",
    )

    def change(rows: list[Participation]) -> None:
        for row in rows:
            if row.pk == participation.pk:
                row.status = EntryStatus.WITHDRAWN

    _refuse_broken(phase, change, f"Withdrawing {participation.organisation}")
    before = participation.status
    participation.status = EntryStatus.WITHDRAWN
    participation.save(update_fields=["status"])
    now = timezone.now()
    ended = list(
        Pairing.objects.filter(phase=phase, ended_at__isnull=True).filter(
            Q(supplier=participation) | Q(agent=participation)
        )
    )
    for pairing in ended:
        pairing.ended_at, pairing.ended_reason = now, f"{participation.organisation} withdrew: {reason}"[:500]
    Pairing.objects.bulk_update(ended, ["ended_at", "ended_reason"])
    _log(
        actor,
        "participation.withdraw",
        participation,
        owner=participation.organisation,
        changes={"status": [before, EntryStatus.WITHDRAWN], "pairings_ended": [None, len(ended)]},
        note=reason,
    )
    return participation


# -- pairings --------------------------------------------------------------------------------------------


def _pairable(phase: Phase, participation: Participation, field: str) -> None:
    if participation.phase_id != phase.pk:
        raise ActionError(f"{participation} does not take part in {phase.name}", field=field)
    if participation.status == EntryStatus.WITHDRAWN:
        raise ActionError(f"{participation.organisation} has withdrawn from {phase.name}", field=field)


@action
def pair(
    *, actor: Actor, phase: Phase, supplier: Participation, agent: Participation, reason: str = ""
) -> Pairing:
    """Pair a supplier with an agent to test together in ``phase`` (TA-15)."""
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    _pairable(phase, supplier, "supplier")
    _pairable(phase, agent, "agent")
    if supplier.organisation_id == agent.organisation_id:
        raise ActionError("A participant is not paired with itself", field="agent")
    reason = _line(reason, "reason", limit=500, required=False)
    if Pairing.objects.filter(supplier=supplier, agent=agent, ended_at__isnull=True).exists():
        raise Conflict(f"{supplier.organisation} is already paired with {agent.organisation}", field="agent")
    pairing = Pairing.objects.create(
        phase=phase, supplier=supplier, agent=agent, reason=reason, created_by=actor.user
    )
    _log(
        actor,
        "pairing.create",
        pairing,
        owner=supplier.organisation,
        changes={"supplier": [None, str(supplier.organisation)], "agent": [None, str(agent.organisation)]},
        note=reason,
    )
    return pairing


def _lock_pairing(pairing: Pairing) -> Pairing:
    return (
        Pairing.objects.select_for_update(of=("self",))
        .select_related("phase", "phase__programme", "supplier__organisation", "agent__organisation")
        .get(pk=pairing.pk)
    )


@action
def rearrange_pairing(*, actor: Actor, pairing: Pairing, agent: Participation, reason: str) -> Pairing:
    """Pair the supplier with another agent ("fastest with the fastest", TA-15): the old pairing is ended
    with ``reason`` and kept; the new one is returned."""
    pairing = _lock_pairing(pairing)
    phase = pairing.phase
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    if pairing.ended_at is not None:
        raise Conflict(
            f"The pairing {pairing} ended on {timezone.localtime(pairing.ended_at):%-d %b %Y}",
            field="pairing",
        )
    reason = _line(reason, "reason", limit=500)
    _pairable(phase, agent, "agent")
    if agent.pk == pairing.agent_id:
        raise ActionError(
            f"{pairing.supplier.organisation} is already paired with {agent.organisation}", field="agent"
        )
    if agent.organisation_id == pairing.supplier.organisation_id:
        raise ActionError("A participant is not paired with itself", field="agent")
    if Pairing.objects.filter(supplier_id=pairing.supplier_id, agent=agent, ended_at__isnull=True).exists():
        raise Conflict(
            f"{pairing.supplier.organisation} is already paired with {agent.organisation}", field="agent"
        )
    now = timezone.now()
    pairing.ended_at, pairing.ended_reason = now, reason
    pairing.save(update_fields=["ended_at", "ended_reason"])
    new = Pairing.objects.create(
        phase=phase,
        supplier_id=pairing.supplier_id,
        agent=agent,
        started_at=now,
        reason=reason,
        created_by=actor.user,
    )
    _log(
        actor,
        "pairing.rearrange",
        new,
        owner=pairing.supplier.organisation,
        changes={
            "agent": [str(pairing.agent.organisation), str(agent.organisation)],
            "replaces": [None, pairing.pk],
        },
        note=reason,
    )
    return new


@action
def end_pairing(*, actor: Actor, pairing: Pairing, reason: str) -> Pairing:
    """End a pairing without a replacement (kept in the history)."""
    pairing = _lock_pairing(pairing)
    refuse(permissions.can_manage_phase(access_of(actor), pairing.phase))
    if pairing.ended_at is not None:
        raise Conflict("The pairing has already ended", field="pairing")
    reason = _line(reason, "reason", limit=500)
    pairing.ended_at, pairing.ended_reason = timezone.now(), reason
    pairing.save(update_fields=["ended_at", "ended_reason"])
    _log(
        actor,
        "pairing.end",
        pairing,
        owner=pairing.supplier.organisation,
        changes={"ended_at": [None, pairing.ended_at]},
        note=reason,
    )
    return pairing
