"""Every change to problems: one transaction each, refused by busbar.problems.permissions, journalled,
notifications queued on commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_of
from busbar.problems import permissions, tasks
from busbar.problems.models import TRANSITIONS, Problem, RootCauseCategory, Status
from busbar.records import steps
from busbar.records.models import Entry, Link
from busbar.records.registry import get as record_type
from busbar.services.models import Service


def _lock(problem: Problem) -> Problem:
    return (
        Problem.objects.select_for_update(of=("self",)).select_related("record", "service").get(pk=problem.pk)
    )


def _journal(actor: Actor, problem: Problem, what: str, changes: dict | None = None, note: str = "") -> None:
    journal(
        actor=actor.acting_for(problem.owner_id),
        action=f"problem.{what}",
        obj=problem,
        owner=problem.owner,
        changes=changes,
        note=note,
    )


def _still(problem: Problem, *, open_only: bool) -> None:
    """Refuse (409) work on a problem that is no longer open (``open_only``) or has ended."""
    ended = not problem.is_open if open_only else problem.status in (Status.CLOSED, Status.CANCELLED)
    if ended:
        raise Conflict(f"{problem.reference} is {problem.get_status_display().lower()}", field="status")


def _status(problem: Problem, target: str) -> dict:
    current = problem.status
    check_transition(TRANSITIONS, current, target, what=f"Problem {problem.reference}")
    problem.status = target
    return {"status": [current, target]}


def _save(problem: Problem, fields: Iterable[str], now: dt.datetime) -> None:
    problem.updated_at = now
    problem.save(update_fields=sorted({*fields, "updated_at"}))


def _visible_incidents(actor: Actor, references: Iterable[str]) -> list:
    """The incidents named, each one the actor may see; any other is refused as "not found"."""
    incident_type = record_type("incident")
    found = []
    for index, reference in enumerate(references):
        obj = incident_type.visible_to(actor.user).filter(reference=str(reference).strip().upper()).first()
        if obj is None:
            raise ActionError(f"No incident {reference}", field=f"incidents[{index}]")
        found.append(obj)
    return found


def _link_incidents(actor: Actor, problem: Problem, incidents: list) -> list[str]:
    linked = []
    for incident in incidents:
        if Link.objects.filter(
            source=incident.record, target=problem.record, kind=Link.Kind.CAUSED_BY
        ).exists():
            continue
        steps.link(incident.record, problem.record, Link.Kind.CAUSED_BY, actor=actor)
        linked.append(incident.reference)
    return linked


@action
def raise_problem(
    *,
    actor: Actor,
    service: Service,
    summary: str,
    description: str,
    owner: Organisation | None = None,
    incidents: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> Problem:
    """Record a problem on ``service``, owned by the provider that runs it unless the desk names another,
    linked to the recurring ``incidents`` (references) it explains."""
    now = now or timezone.now()
    scope = scope_of(actor)
    refuse(permissions.can_raise(scope))
    owner = owner or service.provider
    if owner is None or not owner.is_provider:
        raise ActionError(f"{owner or 'No one'} is not a service provider", field="owner")
    refuse(permissions.can_raise_for(scope, owner), field="owner")
    # A person in several organisations raises for the owning provider when they are one of its members.
    actor = actor.acting_for(owner)
    if not service.is_active:
        raise ActionError(f"{service} is not an active service", field="service")
    summary, description = summary.strip(), description.strip()
    if not summary:
        raise ActionError("Give the problem a summary", field="summary")
    if not description:
        raise ActionError("Describe the problem", field="description")
    check_text(summary, field="summary", limit=SHORT_TEXT)
    check_text(description, field="description")
    linked_incidents = _visible_incidents(actor, incidents)
    kernel = steps.new_record("problem", created_at=now)
    problem = Problem.objects.create(
        record=kernel,
        reference=kernel.reference,
        service=service,
        summary=summary,
        description=description,
        owner=owner,
        raised_by=actor.user,
        raised_by_organisation=actor.organisation,
        created_at=now,
        updated_at=now,
    )
    linked = _link_incidents(actor, problem, linked_incidents)
    _journal(
        actor,
        problem,
        "raise",
        {
            "service": [None, str(service)],
            "summary": [None, summary],
            "owner": [None, str(owner)],
            **({"incidents": [None, ", ".join(linked)]} if linked else {}),
        },
    )
    event = tasks.event_data(problem, "raised")
    transaction.on_commit(lambda: tasks.notify_problem.enqueue(problem.pk, "raised", event))
    return problem


@action
def start_investigation(
    *, actor: Actor, problem: Problem, note: str = "", now: dt.datetime | None = None
) -> Problem:
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_work(scope_of(actor), problem))
    changes = _status(problem, Status.INVESTIGATING)
    if note.strip():
        steps.add_entry(problem.record, actor=actor, body=note, internal=False, now=now, field="note")
    _save(problem, ["status"], now)
    _journal(actor, problem, "investigate", changes, note=note.strip()[:500])
    return problem


@action
def record_root_cause(
    *, actor: Actor, problem: Problem, category: str, root_cause: str, now: dt.datetime | None = None
) -> Problem:
    """The cause found (or the best understanding so far), for those who work the problem."""
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_work(scope_of(actor), problem))
    _still(problem, open_only=True)
    if category not in RootCauseCategory.values:
        raise ActionError(f"Unknown root-cause category {category!r}", field="category")
    root_cause = root_cause.strip()
    if not root_cause:
        raise ActionError("Describe the root cause", field="root_cause")
    check_text(root_cause, field="root_cause")
    changes = {}
    if category != problem.root_cause_category:
        changes["root_cause_category"] = [problem.root_cause_category, category]
    if root_cause != problem.root_cause:
        changes["root_cause"] = [problem.root_cause[:200] or None, root_cause[:200]]
    if not changes:
        raise ActionError("Nothing to change", field="root_cause")
    problem.root_cause_category, problem.root_cause = category, root_cause
    if problem.status == Status.NEW:
        changes.update(_status(problem, Status.INVESTIGATING))
    _save(problem, ["root_cause_category", "root_cause", "status"], now)
    _journal(actor, problem, "root_cause", changes)
    return problem


@action
def mark_known(*, actor: Actor, problem: Problem, workaround: str, now: dt.datetime | None = None) -> Problem:
    """Flag a known problem with its workaround: shown at once to anyone raising an incident on the service,
    and sent to the raisers of its linked incidents (PM-03, PM-04)."""
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_work(scope_of(actor), problem))
    _still(problem, open_only=True)
    workaround = workaround.strip()
    if not workaround:
        raise ActionError("Describe the workaround participants can use", field="workaround")
    check_text(workaround, field="workaround")
    if problem.is_known and workaround == problem.workaround:
        raise ActionError(
            f"{problem.reference} is already a known problem with this workaround", field="workaround"
        )
    changes: dict = {"workaround": [problem.workaround[:200] or None, workaround[:200]]}
    first_time = not problem.is_known
    if first_time:
        changes["is_known"] = [False, True]
        problem.is_known, problem.known_since = True, now
    problem.workaround = workaround
    if problem.status in (Status.NEW, Status.INVESTIGATING):
        changes.update(_status(problem, Status.KNOWN_PROBLEM))
    _save(problem, ["is_known", "known_since", "workaround", "status"], now)
    _journal(actor, problem, "known", changes)
    event = tasks.event_data(problem, "workaround")
    transaction.on_commit(lambda: tasks.notify_problem.enqueue(problem.pk, "workaround", event))
    return problem


@action
def record_fix(
    *,
    actor: Actor,
    problem: Problem,
    fix: str,
    implemented: bool,
    implemented_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Problem:
    """The fix of the cause: planned (the problem waits on it: "fix in change") or implemented."""
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_work(scope_of(actor), problem))
    _still(problem, open_only=True)
    fix = fix.strip()
    if not fix:
        raise ActionError("Describe the fix", field="fix")
    check_text(fix, field="fix")
    at = (implemented_at or now) if implemented else None
    if at is not None and at > now + dt.timedelta(minutes=5):
        raise ActionError("A fix cannot have been implemented in the future", field="implemented_at")
    changes: dict = {
        "fix": [problem.fix[:200] or None, fix[:200]],
        "fix_implemented_at": [problem.fix_implemented_at, at],
    }
    problem.fix, problem.fix_implemented_at = fix, at
    if not implemented and problem.status != Status.FIX_IN_CHANGE:
        changes.update(_status(problem, Status.FIX_IN_CHANGE))
    elif implemented and problem.status == Status.NEW:
        changes.update(_status(problem, Status.INVESTIGATING))  # a cause fixed has been investigated
    _save(problem, ["fix", "fix_implemented_at", "status"], now)
    _journal(actor, problem, "fix", changes)
    return problem


@action
def resolve_problem(
    *, actor: Actor, problem: Problem, note: str = "", now: dt.datetime | None = None
) -> Problem:
    """Resolved once the fix is implemented (§8.13); the raisers of linked incidents are told normal service
    has resumed."""
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_work(scope_of(actor), problem))
    if problem.fix_implemented_at is None:
        raise Conflict(
            f"{problem.reference} has no implemented fix: record the fix once it is in place, then resolve",
            field="fix",
        )
    changes = _status(problem, Status.RESOLVED)
    problem.resolved_at = now
    if note.strip():
        steps.add_entry(problem.record, actor=actor, body=note, internal=False, now=now, field="note")
    _save(problem, ["status", "resolved_at"], now)
    _journal(actor, problem, "resolve", changes, note=note.strip()[:500])
    event = tasks.event_data(problem, "resolved")
    transaction.on_commit(lambda: tasks.notify_problem.enqueue(problem.pk, "resolved", event))
    return problem


@action
def reopen_problem(*, actor: Actor, problem: Problem, reason: str, now: dt.datetime | None = None) -> Problem:
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_work(scope_of(actor), problem))
    if not reason.strip():
        raise ActionError("Say why it is reopened", field="reason")
    changes = _status(problem, Status.INVESTIGATING)
    problem.resolved_at = None
    steps.add_entry(problem.record, actor=actor, body=f"Reopened: {reason.strip()}", internal=False, now=now)
    _save(problem, ["status", "resolved_at"], now)
    _journal(actor, problem, "reopen", changes, note=reason.strip()[:500])
    return problem


@action
def close_problem(*, actor: Actor, problem: Problem, now: dt.datetime | None = None) -> Problem:
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_close(scope_of(actor), problem))
    changes = _status(problem, Status.CLOSED)
    if problem.fix_implemented_at is None:  # resolved problems have one; kept as the rule's own guard
        raise Conflict(f"{problem.reference} closes only once its fix is implemented", field="fix")
    problem.closed_at = now
    _save(problem, ["status", "closed_at"], now)
    _journal(actor, problem, "close", changes)
    return problem


@action
def cancel_problem(*, actor: Actor, problem: Problem, reason: str, now: dt.datetime | None = None) -> Problem:
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_cancel(scope_of(actor), problem))
    if not reason.strip():
        raise ActionError("Say why it is cancelled", field="reason")
    changes = _status(problem, Status.CANCELLED)
    problem.closed_at = now
    _save(problem, ["status", "closed_at"], now)
    _journal(actor, problem, "cancel", changes, note=reason.strip()[:500])
    return problem


@action
def set_published(
    *, actor: Actor, problem: Problem, published: bool, now: dt.datetime | None = None
) -> Problem:
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_publish(scope_of(actor), problem))
    if problem.is_published == published:
        raise ActionError(
            f"{problem.reference} is already {'published' if published else 'not published'}",
            field="published",
        )
    changes = {"is_published": [problem.is_published, published]}
    problem.is_published = published
    _save(problem, ["is_published"], now)
    _journal(actor, problem, "publish", changes)
    return problem


@action
def link_incidents(
    *, actor: Actor, problem: Problem, incidents: Iterable[str], now: dt.datetime | None = None
) -> list[str]:
    """Link recurring incidents (by reference, each one the actor may see) to the problem they share."""
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_work(scope_of(actor), problem))
    _still(problem, open_only=False)
    references = list(incidents)
    if not references:
        raise ActionError("Name at least one incident", field="incidents")
    if len(references) > 100:
        raise ActionError("Link at most 100 incidents at a time", field="incidents")
    linked = _link_incidents(actor, problem, _visible_incidents(actor, references))
    if not linked:
        raise Conflict("Those incidents are already linked to this problem", field="incidents")
    _save(problem, [], now)
    _journal(actor, problem, "link", {"incidents": [None, ", ".join(linked)]})
    return linked


@action
def add_update(
    *, actor: Actor, problem: Problem, body: str, internal: bool = False, now: dt.datetime | None = None
) -> Entry:
    now = now or timezone.now()
    problem = _lock(problem)
    refuse(permissions.can_work(scope_of(actor), problem))
    _still(problem, open_only=False)
    entry = steps.add_entry(problem.record, actor=actor, body=body, internal=internal, now=now)
    _save(problem, [], now)
    _journal(
        actor,
        problem,
        "note" if internal else "update",
        {"update": [None, "internal note" if internal else "public update"]},
    )
    if not internal:
        event = tasks.event_data(problem, "updated")
        transaction.on_commit(lambda: tasks.notify_problem.enqueue(problem.pk, "updated", event))
    return entry
