"""Requirements (imported from CSV/XLSX, all or nothing), scenarios specified by the SI (TA-22) and their
versioned scripts (editing writes the next version)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.db.models import Max

from busbar.audit.journal import Entry, record_many
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import check_text
from busbar.testing import imports, permissions
from busbar.testing.access import access_of
from busbar.testing.actions.setup._common import (
    MAX_LINKS,
    MAX_STEPS,
    STEP_TEXT,
    _line,
    _log,
    _not_closed,
)
from busbar.testing.models import (
    ParticipantRole,
    Phase,
    Programme,
    Requirement,
    Scenario,
    ScriptVersion,
)

# -- requirements ---------------------------------------------------------------------------------------


@action
def import_requirements(*, actor: Actor, programme: Programme, filename: str, content: bytes) -> dict:
    """Create or update the programme's requirements from a CSV or XLSX file, all or nothing: a fault
    anywhere refuses the file (:class:`busbar.testing.imports.ImportRefused`, 422) naming each line and
    column. Returns ``{"created", "updated", "unchanged", "rows", "updated_codes", "ignored_columns"}``."""
    refuse(permissions.can_specify(access_of(actor), programme))
    parsed = imports.parse(filename, content)
    existing = {
        r.code: r
        for r in Requirement.objects.filter(
            programme=programme, code__in=[row["code"] for row in parsed.rows]
        )
    }
    created, updated, entries = [], [], []
    fields = ("title", "description", "source")
    for row in parsed.rows:
        current = existing.get(row["code"])
        if current is None:
            created.append(
                Requirement(
                    programme=programme,
                    code=row["code"],
                    title=row["title"],
                    description=row.get("description", ""),
                    source=row.get("source", ""),
                )
            )
            continue
        changes = {}
        for name in fields:
            if name in row and getattr(current, name) != row[name]:
                changes[name] = [getattr(current, name), row[name]]
                setattr(current, name, row[name])
        if changes:
            updated.append(current)
            entries.append(
                Entry(
                    action="testing.requirement.update",
                    obj=current,
                    owner_id=None,
                    changes=changes,
                    note=f"Imported from {filename[:100]}, line {row['line']}",
                )
            )
    Requirement.objects.bulk_create(created, batch_size=500)
    Requirement.objects.bulk_update(updated, fields, batch_size=500)
    if created and created[0].pk is None:  # databases that do not return ids from a bulk insert
        created = list(Requirement.objects.filter(programme=programme, code__in=[r.code for r in created]))
    entries += [
        Entry(
            action="testing.requirement.create",
            obj=r,
            owner_id=None,
            changes={"code": [None, r.code], "title": [None, r.title]},
            note=f"Imported from {filename[:100]}",
        )
        for r in created
    ]
    summary = {
        "rows": len(parsed.rows),
        "created": len(created),
        "updated": len(updated),
        "unchanged": len(parsed.rows) - len(created) - len(updated),
        "updated_codes": [r.code for r in updated][:100],
        "ignored_columns": parsed.ignored_columns,
    }
    record_many(actor=actor, entries=entries)
    _log(
        actor,
        "requirements.import",
        programme,
        changes={k: [None, summary[k]] for k in ("rows", "created", "updated", "unchanged")},
        note=f"Imported from {filename[:100]}",
    )
    return summary


# -- scenarios and scripts ------------------------------------------------------------------------------


def _steps(steps: Sequence) -> list[dict]:
    if not isinstance(steps, list | tuple):
        raise ActionError("The steps are a list of {action, expected}", field="steps")
    if not steps:
        raise ActionError("Give the script at least one step", field="steps")
    if len(steps) > MAX_STEPS:
        raise ActionError(f"At most {MAX_STEPS} steps", field="steps")
    clean = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or set(step) - {"action", "expected"}:
            raise ActionError("Each step is {action, expected}", field=f"steps[{index}]")
        action_text = str(step.get("action") or "").strip()
        expected = str(step.get("expected") or "").strip()
        if not action_text:
            raise ActionError(f"Step {index + 1} has no action", field=f"steps[{index}].action")
        check_text(action_text, field=f"steps[{index}].action", limit=STEP_TEXT)
        check_text(expected, field=f"steps[{index}].expected", limit=STEP_TEXT)
        clean.append({"action": action_text, "expected": expected})
    return clean


def _requirements(programme: Programme, codes: Iterable[str]) -> list[Requirement]:
    wanted = [str(c).strip() for c in codes if str(c).strip()]
    if len(wanted) > MAX_LINKS:
        raise ActionError(f"At most {MAX_LINKS} requirements", field="requirements")
    found = {r.code: r for r in Requirement.objects.filter(programme=programme, code__in=wanted)}
    for index, code in enumerate(wanted):
        if code not in found:
            raise ActionError(f"{programme} has no requirement {code[:40]}", field=f"requirements[{index}]")
    return list(dict.fromkeys(found[c] for c in wanted))


def _roles(programme: Programme, codes: Iterable[str]) -> list[ParticipantRole]:
    wanted = [str(c).strip() for c in codes if str(c).strip()]
    if len(wanted) > 50:
        raise ActionError("At most 50 roles", field="roles")
    found = {r.code: r for r in ParticipantRole.objects.filter(programme=programme, code__in=wanted)}
    for index, code in enumerate(wanted):
        if code not in found:
            raise ActionError(f"{programme} has no participant role {code[:40]}", field=f"roles[{index}]")
    return list(dict.fromkeys(found[c] for c in wanted))


#: A scenario's code: it is part of the scenario's address and JUnit test cases name it.
SCENARIO_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _scenario_code(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ActionError("Give the scenario a code", field="code")
    if len(value) > 40 or not SCENARIO_CODE.match(value):
        raise ActionError(f"{value[:40]!r} is not a code (letters, digits, . _ -; at most 40)", field="code")
    return value


@action
def create_scenario(
    *,
    actor: Actor,
    phase: Phase,
    code: str,
    title: str,
    interface: str = "",
    description: str = "",
    mandatory: bool = True,
    requirements: Iterable[str] = (),
    roles: Iterable[str] = (),
    steps: Sequence = (),
    preconditions: str = "",
) -> Scenario:
    """A scenario specified by the SI (TA-22), traced to requirements (codes), run by the participant roles
    named (codes; none: every participant), with its script version 1."""
    programme = phase.programme
    refuse(permissions.can_specify(access_of(actor), programme))
    _not_closed(phase)
    code, title = _scenario_code(code), _line(title, "title", limit=300)
    interface = _line(interface, "interface", limit=40, required=False)
    check_text(description, field="description")
    check_text(preconditions, field="preconditions")
    clean_steps = _steps(list(steps))
    linked, runs = _requirements(programme, requirements), _roles(programme, roles)
    if Scenario.objects.filter(phase__programme=programme, code=code).exists():
        raise Conflict(f"{programme} already has a scenario {code}", field="code")
    scenario = Scenario.objects.create(
        phase=phase,
        code=code,
        title=title,
        interface=interface,
        description=description.strip(),
        mandatory=mandatory,
    )
    scenario.requirements.set(linked)
    scenario.roles.set(runs)
    version = ScriptVersion.objects.create(
        scenario=scenario,
        version=1,
        steps=clean_steps,
        preconditions=preconditions.strip(),
        created_by=actor.user,
        change_note="First version",
    )
    scenario.current_version = version
    scenario.save(update_fields=["current_version"])
    _log(
        actor,
        "scenario.create",
        scenario,
        owner=phase.owner,
        changes={
            "title": [None, title],
            "interface": [None, interface],
            "mandatory": [None, mandatory],
            "requirements": [None, [r.code for r in linked]],
            "roles": [None, [r.code for r in runs]],
            "steps": [None, len(clean_steps)],
        },
    )
    return scenario


@action
def update_scenario(
    *,
    actor: Actor,
    scenario: Scenario,
    title: str | None = None,
    interface: str | None = None,
    description: str | None = None,
    mandatory: bool | None = None,
    requirements: Iterable[str] | None = None,
    roles: Iterable[str] | None = None,
    is_active: bool | None = None,
) -> Scenario:
    """Change what a scenario is (not its script: :func:`edit_script` writes a new version)."""
    scenario = (
        Scenario.objects.select_for_update(of=("self",))
        .select_related("phase__programme")
        .get(pk=scenario.pk)
    )
    programme = scenario.phase.programme
    refuse(permissions.can_specify(access_of(actor), programme))
    _not_closed(scenario.phase)
    changes = {}
    for name, value, limit in (("title", title, 300), ("interface", interface, 40)):
        if value is not None:
            value = _line(value, name, limit=limit, required=name == "title")
            if value != getattr(scenario, name):
                changes[name] = [getattr(scenario, name), value]
                setattr(scenario, name, value)
    if description is not None and description.strip() != scenario.description:
        check_text(description, field="description")
        changes["description"] = [scenario.description, description.strip()]
        scenario.description = description.strip()
    for name, value in (("mandatory", mandatory), ("is_active", is_active)):
        if value is not None and value != getattr(scenario, name):
            changes[name] = [getattr(scenario, name), value]
            setattr(scenario, name, value)
    if requirements is not None:
        linked = _requirements(programme, requirements)
        old = sorted(scenario.requirements.values_list("code", flat=True))
        if sorted(r.code for r in linked) != old:
            scenario.requirements.set(linked)
            changes["requirements"] = [old, sorted(r.code for r in linked)]
    if roles is not None:
        runs = _roles(programme, roles)
        old = sorted(scenario.roles.values_list("code", flat=True))
        if sorted(r.code for r in runs) != old:
            scenario.roles.set(runs)
            changes["roles"] = [old, sorted(r.code for r in runs)]
    if not changes:
        raise ActionError("Nothing to change", field="title")
    scenario.save()
    _log(actor, "scenario.update", scenario, owner=scenario.phase.owner, changes=changes)
    return scenario


@action
def edit_script(
    *, actor: Actor, scenario: Scenario, steps: Sequence, preconditions: str = "", change_note: str = ""
) -> ScriptVersion:
    """Write the scenario's script as its next version (earlier versions stay as they were, and the
    executions that ran them keep pointing at them: the Kiwi rule)."""
    scenario = (
        Scenario.objects.select_for_update(of=("self",))
        .select_related("phase__programme", "current_version")
        .get(pk=scenario.pk)
    )
    refuse(permissions.can_specify(access_of(actor), scenario.phase.programme))
    _not_closed(scenario.phase)
    clean_steps = _steps(list(steps))
    check_text(preconditions, field="preconditions")
    change_note = _line(change_note, "change_note", limit=300, required=False)
    current = scenario.current_version
    if (
        current is not None
        and current.steps == clean_steps
        and current.preconditions == preconditions.strip()
    ):
        raise ActionError(
            f"The script is the same as version {current.version}: nothing to save", field="steps"
        )
    number = (scenario.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = ScriptVersion.objects.create(
        scenario=scenario,
        version=number,
        steps=clean_steps,
        preconditions=preconditions.strip(),
        change_note=change_note,
        created_by=actor.user,
    )
    scenario.current_version = version
    scenario.save(update_fields=["current_version"])
    _log(
        actor,
        "script.edit",
        version,
        owner=scenario.phase.owner,
        changes={
            "version": [current.version if current else None, number],
            "steps": [len(current.steps) if current else None, len(clean_steps)],
        },
        note=change_note,
    )
    return version
