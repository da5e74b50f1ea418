"""Programmes, their parties, participant roles (the cohort rule, TA-13/14), environments and phases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.lib.limits import NAME_TEXT, bound_date, check_text
from busbar.parties.models import Organisation
from busbar.testing import cohorts as rules
from busbar.testing import permissions
from busbar.testing.access import access_of
from busbar.testing.actions.setup._common import (
    MAX_GRACE_DAYS,
    _code,
    _line,
    _lock_phase,
    _log,
    _today,
)
from busbar.testing.models import (
    PHASE_TRANSITIONS,
    Cohort,
    EntryStatus,
    Environment,
    ExitRule,
    ParticipantRole,
    Participation,
    Phase,
    PhaseKind,
    PhaseStatus,
    Programme,
    ProgrammeFunction,
    ProgrammeParty,
)

# -- programmes, parties, roles, environments ---------------------------------------------------------


@action
def create_programme(*, actor: Actor, code: str, name: str, description: str = "") -> Programme:
    """A new test programme (platform administrators), e.g. ``mhhs`` "MHHS"."""
    refuse(permissions.can_create_programme(access_of(actor)))
    code, name = _code(code), _line(name, "name", limit=NAME_TEXT)
    check_text(description, field="description")
    if Programme.objects.filter(code=code).exists():
        raise Conflict(f"A programme with the code {code} exists", field="code")
    if Programme.objects.filter(name=name).exists():
        raise Conflict(f"A programme named {name} exists", field="name")
    programme = Programme.objects.create(code=code, name=name, description=description.strip())
    _log(actor, "programme.create", programme, changes={"code": [None, code], "name": [None, name]})
    return programme


@action
def update_programme(
    *,
    actor: Actor,
    programme: Programme,
    name: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> Programme:
    refuse(permissions.can_manage_programme(access_of(actor), programme))
    changes = {}
    if name is not None and name.strip() != programme.name:
        name = _line(name, "name", limit=NAME_TEXT)
        if Programme.objects.filter(name=name).exclude(pk=programme.pk).exists():
            raise Conflict(f"A programme named {name} exists", field="name")
        changes["name"] = [programme.name, name]
        programme.name = name
    if description is not None and description.strip() != programme.description:
        check_text(description, field="description")
        changes["description"] = [programme.description, description.strip()]
        programme.description = description.strip()
    if is_active is not None and is_active != programme.is_active:
        changes["is_active"] = [programme.is_active, is_active]
        programme.is_active = is_active
    if not changes:
        raise ActionError("Nothing to change", field="name")
    programme.save()
    _log(actor, "programme.update", programme, changes=changes)
    return programme


@action
def name_party(
    *, actor: Actor, programme: Programme, organisation: Organisation, function: str, label: str = ""
) -> ProgrammeParty:
    """Say that ``organisation`` is the programme's SI, an assurer, its programme manager, design authority
    or an approval board (``label``: the body's own name, e.g. "SIT Quality Gate Board")."""
    refuse(permissions.can_name_parties(access_of(actor), programme))
    if function not in ProgrammeFunction.values:
        raise ActionError(f"{function!r} is not a function in a programme", field="function")
    if not organisation.is_active:
        raise ActionError(f"{organisation} is not active", field="organisation")
    label = _line(label, "label", limit=120, required=False)
    if ProgrammeParty.objects.filter(
        programme=programme, organisation=organisation, function=function
    ).exists():
        raise Conflict(f"{organisation} already holds that function in {programme}", field="organisation")
    party = ProgrammeParty.objects.create(
        programme=programme, organisation=organisation, function=function, label=label
    )
    _log(actor, "party.name", party, owner=organisation, changes={"function": [None, function]})
    return party


@action
def remove_party(*, actor: Actor, party: ProgrammeParty, reason: str = "") -> ProgrammeParty:
    refuse(permissions.can_name_parties(access_of(actor), party.programme))
    check_text(reason, field="reason")
    _log(
        actor,
        "party.remove",
        party,
        owner=party.organisation,
        changes={"function": [party.function, None]},
        note=reason.strip(),
    )
    party.delete()
    return party


@action
def add_participant_role(
    *,
    actor: Actor,
    programme: Programme,
    code: str,
    label: str,
    min_per_cohort: int = 0,
    mandatory: bool = False,
    order: int = 0,
) -> ParticipantRole:
    """A kind of participant and its place in the cohort-composition rule (TA-13): at least
    ``min_per_cohort`` in every cohort; ``mandatory``: central parties, mandatory participants (TA-14)."""
    refuse(permissions.can_manage_programme(access_of(actor), programme))
    code, label = _code(code), _line(label, "label", limit=120)
    if not 0 <= int(min_per_cohort) <= 50:
        raise ActionError("The minimum per cohort is between 0 and 50", field="min_per_cohort")
    if not 0 <= int(order) <= 1000:
        raise ActionError("The order is between 0 and 1000", field="order")
    if ParticipantRole.objects.filter(programme=programme, code=code).exists():
        raise Conflict(f"{programme} already has the participant role {code}", field="code")
    role = ParticipantRole.objects.create(
        programme=programme,
        code=code,
        label=label,
        min_per_cohort=min_per_cohort,
        mandatory=mandatory,
        order=order,
    )
    _log(
        actor,
        "role.add",
        role,
        changes={
            "label": [None, label],
            "min_per_cohort": [None, min_per_cohort],
            "mandatory": [None, mandatory],
        },
    )
    return role


@action
def update_participant_role(
    *,
    actor: Actor,
    role: ParticipantRole,
    label: str | None = None,
    min_per_cohort: int | None = None,
    mandatory: bool | None = None,
    order: int | None = None,
) -> ParticipantRole:
    """Change a role's label, its minimum per cohort (the rule is configurable per programme), whether it is
    mandatory by default, or its order."""
    refuse(permissions.can_manage_programme(access_of(actor), role.programme))
    changes = {}
    if label is not None:
        label = _line(label, "label", limit=120)
    if min_per_cohort is not None and not 0 <= int(min_per_cohort) <= 50:
        raise ActionError("The minimum per cohort is between 0 and 50", field="min_per_cohort")
    if order is not None and not 0 <= int(order) <= 1000:
        raise ActionError("The order is between 0 and 1000", field="order")
    for name, value in (
        ("label", label),
        ("min_per_cohort", min_per_cohort),
        ("mandatory", mandatory),
        ("order", order),
    ):
        if value is not None and getattr(role, name) != value:
            changes[name] = [getattr(role, name), value]
            setattr(role, name, value)
    if not changes:
        raise ActionError("Nothing to change", field="label")
    role.save()
    _log(actor, "role.update", role, changes=changes)
    return role


@action
def add_environment(*, actor: Actor, programme: Programme, name: str, description: str = "") -> Environment:
    refuse(permissions.can_manage_programme(access_of(actor), programme))
    name = _line(name, "name", limit=80)
    check_text(description, field="description")
    if Environment.objects.filter(programme=programme, name=name).exists():
        raise Conflict(f"{programme} already has an environment {name}", field="name")
    environment = Environment.objects.create(programme=programme, name=name, description=description.strip())
    _log(actor, "environment.add", environment, changes={"name": [None, name]})
    return environment


# -- phases ----------------------------------------------------------------------------------------------


def _threshold(value) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ActionError("The pass threshold is a percentage", field="pass_threshold") from None
    if not number.is_finite() or not Decimal(0) < number <= Decimal(100):
        raise ActionError("The pass threshold is a percentage above 0, at most 100", field="pass_threshold")
    return number.quantize(Decimal("0.01"))


def _environments(programme: Programme, environments: Iterable[Environment]) -> list[Environment]:
    found = list(environments)
    if len(found) > 50:
        raise ActionError("At most 50 environments", field="environments")
    for index, environment in enumerate(found):
        if environment.programme_id != programme.pk:
            raise ActionError(
                f"{environment} is not an environment of {programme}", field=f"environments[{index}]"
            )
    return found


def _window(start: dt.date, end: dt.date) -> None:
    for name, value in (("planned_start", start), ("planned_end", end)):
        try:
            bound_date(value)
        except (ValueError, TypeError):
            raise ActionError("Give a date between 1970 and 2199", field=name) from None
    if end < start:
        raise ActionError("The planned end is before the planned start", field="planned_end")


@action
def create_phase(
    *,
    actor: Actor,
    programme: Programme,
    code: str,
    name: str,
    kind: str,
    planned_start: dt.date,
    planned_end: dt.date,
    owner: Organisation,
    environments: Iterable[Environment] = (),
    exit_rule: str = ExitRule.ONE_COHORT,
    grace_days: int = 0,
    pass_threshold=95,
    order: int = 0,
    description: str = "",
) -> Phase:
    """A test phase or stage (PIT, CIT, SIT Functional…) with its planned window, environments, owner (the
    SI for integration phases), exit rule (TA-09), grace days (TA-10) and pass threshold."""
    refuse(permissions.can_manage_programme(access_of(actor), programme))
    code, name = _code(code), _line(name, "name")
    if kind not in PhaseKind.values:
        raise ActionError(f"{kind!r} is not a kind of phase", field="kind")
    if exit_rule not in ExitRule.values:
        raise ActionError(f"{exit_rule!r} is not an exit rule", field="exit_rule")
    _window(planned_start, planned_end)
    if not 0 <= int(grace_days) <= MAX_GRACE_DAYS:
        raise ActionError(f"Grace days are between 0 and {MAX_GRACE_DAYS}", field="grace_days")
    if not 0 <= int(order) <= 1000:
        raise ActionError("The order is between 0 and 1000", field="order")
    threshold = _threshold(pass_threshold)
    if not owner.is_active:
        raise ActionError(f"{owner} is not active", field="owner")
    check_text(description, field="description")
    chosen = _environments(programme, environments)
    if Phase.objects.filter(programme=programme, code=code).exists():
        raise Conflict(f"{programme} already has a phase {code}", field="code")
    phase = Phase.objects.create(
        programme=programme,
        code=code,
        name=name,
        kind=kind,
        planned_start=planned_start,
        planned_end=planned_end,
        owner=owner,
        exit_rule=exit_rule,
        grace_days=grace_days,
        pass_threshold=threshold,
        order=order,
        description=description.strip(),
    )
    phase.environments.set(chosen)
    _log(
        actor,
        "phase.create",
        phase,
        owner=owner,
        changes={
            "name": [None, name],
            "kind": [None, kind],
            "window": [None, f"{planned_start} – {planned_end}"],
            "environments": [None, [str(e) for e in chosen]],
            "grace_days": [None, grace_days],
            "pass_threshold": [None, threshold],
            "exit_rule": [None, exit_rule],
        },
    )
    return phase


@action
def update_phase(
    *,
    actor: Actor,
    phase: Phase,
    name: str | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    owner: Organisation | None = None,
    environments: Iterable[Environment] | None = None,
    exit_rule: str | None = None,
    grace_days: int | None = None,
    pass_threshold=None,
    description: str | None = None,
) -> Phase:
    """Change what is planned of a phase (not its status: :func:`start_phase`, :func:`close_phase`)."""
    phase = _lock_phase(phase)
    refuse(permissions.can_manage_phase(access_of(actor), phase))
    before = {
        "name": phase.name,
        "planned_start": phase.planned_start,
        "planned_end": phase.planned_end,
        "owner": phase.owner,
        "exit_rule": phase.exit_rule,
        "grace_days": phase.grace_days,
        "pass_threshold": phase.pass_threshold,
        "description": phase.description,
    }
    if name is not None:
        phase.name = _line(name, "name")
    if planned_start is not None:
        phase.planned_start = planned_start
    if planned_end is not None:
        phase.planned_end = planned_end
    _window(phase.planned_start, phase.planned_end)
    if owner is not None:
        if not owner.is_active:
            raise ActionError(f"{owner} is not active", field="owner")
        phase.owner = owner
    if exit_rule is not None:
        if exit_rule not in ExitRule.values:
            raise ActionError(f"{exit_rule!r} is not an exit rule", field="exit_rule")
        phase.exit_rule = exit_rule
    if grace_days is not None:
        if not 0 <= int(grace_days) <= MAX_GRACE_DAYS:
            raise ActionError(f"Grace days are between 0 and {MAX_GRACE_DAYS}", field="grace_days")
        phase.grace_days = grace_days
    if pass_threshold is not None:
        phase.pass_threshold = _threshold(pass_threshold)
    if description is not None:
        phase.description = check_text(description.strip(), field="description")
    changes = {k: [v, getattr(phase, k)] for k, v in before.items() if getattr(phase, k) != v}
    if environments is not None:
        chosen = _environments(phase.programme, environments)
        old = sorted(str(e) for e in phase.environments.all())
        if sorted(str(e) for e in chosen) != old:
            phase.environments.set(chosen)
            changes["environments"] = [old, sorted(str(e) for e in chosen)]
    if not changes:
        raise ActionError("Nothing to change", field="name")
    phase.save()
    _log(actor, "phase.update", phase, owner=phase.owner, changes=changes)
    return phase


@action
def start_phase(
    *, actor: Actor, phase: Phase, on: dt.date | None = None, not_ready: Iterable[Participation] = ()
) -> Phase:
    """Start the phase on ``on`` (default today): refused, naming every cohort and what it lacks, while a
    cohort breaks the composition rule (TA-13). Planned participations enter, except those ``not_ready``
    (they may enter later, within the grace period, TA-10)."""
    phase = _lock_phase(phase)
    access = access_of(actor)
    # Who first (403), then the status table (409: a closed phase neither starts nor closes again).
    refuse(permissions.can_manage_programme(access, phase.programme))
    check_transition(PHASE_TRANSITIONS, phase.status, PhaseStatus.IN_PROGRESS, what=f"Phase {phase.name}")
    refuse(permissions.can_manage_phase(access, phase))
    on = on or _today()
    participations = list(Participation.objects.filter(phase=phase).select_related("role", "organisation"))
    cohorts = list(Cohort.objects.filter(phase=phase))
    composition = rules.phase_composition(phase, participations=participations, cohorts=cohorts)
    failing = [f"{c.name} {', '.join(composition[c.pk])}" for c in cohorts if composition[c.pk]]
    if failing:
        raise Conflict(
            f"{phase.name} cannot start: the cohort-composition rule is not met. " + "; ".join(failing) + ".",
            field="cohort",
        )
    if (
        not cohorts
        and ParticipantRole.objects.filter(programme_id=phase.programme_id, min_per_cohort__gt=0).exists()
    ):
        raise Conflict(
            f"{phase.name} cannot start: it has no cohort to meet the composition rule", field="cohort"
        )
    resumed = phase.status == PhaseStatus.EXITED
    before = phase.status
    phase.status = PhaseStatus.IN_PROGRESS
    if not resumed:
        phase.actual_start = on
    phase.save(update_fields=["status", "actual_start"])
    waiting = {p.pk for p in not_ready}
    entered = []
    if not resumed:
        for participation in participations:
            if participation.status == EntryStatus.PLANNED and participation.pk not in waiting:
                participation.status, participation.entered_on = EntryStatus.ENTERED, on
                entered.append(participation)
        Participation.objects.bulk_update(entered, ["status", "entered_on"])
    _log(
        actor,
        "phase.start",
        phase,
        owner=phase.owner,
        changes={
            "status": [before, PhaseStatus.IN_PROGRESS],
            "actual_start": [None, on],
            "entered": [None, [str(p) for p in entered]],
        },
    )
    return phase


@action
def close_phase(*, actor: Actor, phase: Phase, on: dt.date | None = None, note: str = "") -> Phase:
    phase = _lock_phase(phase)
    access = access_of(actor)
    # Who first (403), then the status table (409: a closed phase neither starts nor closes again).
    refuse(permissions.can_manage_programme(access, phase.programme))
    check_transition(PHASE_TRANSITIONS, phase.status, PhaseStatus.CLOSED, what=f"Phase {phase.name}")
    refuse(permissions.can_manage_phase(access, phase))
    check_text(note, field="note")
    before = phase.status
    phase.status = PhaseStatus.CLOSED
    phase.actual_end = phase.actual_end or on or _today()
    phase.save(update_fields=["status", "actual_end"])
    _log(
        actor,
        "phase.close",
        phase,
        owner=phase.owner,
        changes={"status": [before, PhaseStatus.CLOSED], "actual_end": [None, phase.actual_end]},
        note=note,
    )
    return phase
