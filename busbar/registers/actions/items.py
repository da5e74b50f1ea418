"""Risks (SL-08) and improvements (SL-07): raise, update, move through the status table, review, link,
converse. One transaction each, refused by busbar.registers.permissions, journalled as ``risk.*`` or
``improvement.*``.

The two registers share one shape (a kernel record, an owning organisation and person, likelihood ×
impact, services, KPIs, a review date); the public actions are thin and name their type, the work is in
the private functions taking the model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, Conflict, action, check_transition, refuse
from busbar.parties.queries import scope_of
from busbar.records import steps as record_steps
from busbar.records.models import Entry, Link
from busbar.registers import permissions
from busbar.registers import steps as s
from busbar.registers.models import CSI_TRANSITIONS, RISK_TRANSITIONS, CsiStatus, Improvement, Risk

#: The fields an update may change, per type (organisation: the desk only).
RISK_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "likelihood",
        "impact",
        "mitigations",
        "residual_likelihood",
        "residual_impact",
        "services",
        "kpis",
        "review_by",
        "owner",
        "organisation",
    }
)
IMPROVEMENT_FIELDS = frozenset(
    {
        "title",
        "description",
        "source",
        "likelihood",
        "impact",
        "benefits",
        "outcome",
        "target_date",
        "services",
        "kpis",
        "review_by",
        "owner",
        "organisation",
    }
)
_TEXTS = ("description", "mitigations", "benefits", "outcome")
_SCORES = ("likelihood", "impact")
_RESIDUAL = ("residual_likelihood", "residual_impact")


def _kind(model: type) -> str:
    return "risk" if model is Risk else "improvement"


def _apply(actor: Actor, item: Any, fields: Mapping[str, Any], *, now: dt.datetime, new: bool) -> dict:
    """Check and set ``fields`` on ``item`` (unsaved); the services are returned under ``_services`` and
    the changes as the journal keeps them."""
    model = type(item)
    allowed = RISK_FIELDS if model is Risk else IMPROVEMENT_FIELDS
    for name in fields:
        if name not in allowed:
            raise ActionError(f"{name} cannot be changed here", field=name)
    changes: dict[str, list] = {}
    old_score = item.score

    def put(name: str, value: Any) -> None:
        old = getattr(item, name)
        if (new and value not in (None, "", [])) or (not new and old != value):
            changes[name] = [None if new else s.shown(old), s.shown(value)]
        setattr(item, name, value)

    if "title" in fields:
        put("title", s.check_title(fields["title"]))
    for name in _TEXTS:
        if name in fields:
            put(name, s.check_body(fields[name] or "", field=name))
    for name in _SCORES:
        if name in fields:
            put(name, s.check_score(fields[name], field=name))
    for name in _RESIDUAL:
        if name in fields:
            put(name, s.check_score(fields[name], field=name, required=False))
    if "category" in fields:
        if fields["category"] not in Risk.Category.values:
            raise ActionError(f"No category {str(fields['category'])[:40]!r}", field="category")
        put("category", fields["category"])
    if "source" in fields:
        if fields["source"] not in Improvement.Source.values:
            raise ActionError(f"No source {str(fields['source'])[:40]!r}", field="source")
        put("source", fields["source"])
    for name in ("review_by", "target_date"):
        if name in fields:
            put(name, s.check_day(fields[name], field=name, now=now))
    if "kpis" in fields:
        put("kpis", s.check_kpis(fields["kpis"]))
    if "organisation" in fields and fields["organisation"] is not None:
        organisation = fields["organisation"]
        if not new and organisation.pk != item.organisation_id:
            refuse(permissions.can_reassign(scope_of(actor), item), field="organisation")
        if not organisation.is_active:
            raise ActionError(f"{organisation} is not active", field="organisation")
        put("organisation", organisation)
        if not new and "owner" not in fields and item.owner_id is not None:
            put("owner", None)  # the person belonged to the organisation that no longer owns it
    if "owner" in fields:
        put("owner", s.check_owner(fields["owner"], item.organisation))
    item.score = item.likelihood * item.impact
    if model is Risk:
        s.check_residual(item)
    services = None
    if "services" in fields:
        services = s.services_named(actor.user, fields["services"])
        before = [] if new else sorted(str(x) for x in item.services.all())
        after = sorted(str(x) for x in services)
        if before != after:
            changes["services"] = [", ".join(before) or None, ", ".join(after) or None]
    if "likelihood" in changes or "impact" in changes:
        changes.setdefault("score", [None if new else old_score, item.score])
    return {"changes": changes, "services": services}


def _raise(
    model: type,
    *,
    actor: Actor,
    organisation: Any,
    fields: dict,
    problems: Sequence[str],
    now: dt.datetime | None,
) -> Any:
    now = now or timezone.now()
    scope = scope_of(actor)
    refuse(permissions.can_raise(scope))
    organisation = organisation or actor.organisation
    if organisation is None:
        raise ActionError("Name the organisation that owns it", field="organisation")
    refuse(permissions.can_raise_for(scope, organisation), field="organisation")
    actor = actor.acting_for(organisation)
    kind = _kind(model)
    item = model(organisation=organisation, raised_by=actor.user, created_at=now, updated_at=now)
    fields = {"likelihood": 3, "impact": 3, **fields, "organisation": organisation}
    result = _apply(actor, item, fields, now=now, new=True)
    found = _problems(actor, problems)
    item.record = record_steps.new_record(kind, created_at=now)
    item.reference = item.record.reference
    item.save()
    if result["services"] is not None:
        item.services.set(result["services"])
    linked = [_link(actor, item, p) for p in found]
    changes = result["changes"]
    if linked:
        changes["problems"] = [None, ", ".join(linked)]
    s.write_journal(actor, item, f"{kind}.raise", changes)
    return item


def _update(
    model: type, *, actor: Actor, item: Any, fields: Mapping[str, Any], now: dt.datetime | None
) -> Any:
    now = now or timezone.now()
    item = s.lock(model, item.pk)
    refuse(permissions.can_edit(scope_of(actor), item))
    if not fields:
        raise ActionError("Nothing to change", field="fields")
    result = _apply(actor, item, fields, now=now, new=False)
    if not result["changes"]:
        raise ActionError("Nothing to change: the values given are the item's own", field=next(iter(fields)))
    item.updated_at = now
    item.save()
    if result["services"] is not None:
        item.services.set(result["services"])
    s.write_journal(actor, item, f"{_kind(model)}.update", result["changes"])
    return item


def _move(
    model: type,
    *,
    actor: Actor,
    item: Any,
    status: str,
    note: str,
    outcome: str | None,
    now: dt.datetime | None,
) -> Any:
    now = now or timezone.now()
    item = s.lock(model, item.pk)
    scope = scope_of(actor)
    table = RISK_TRANSITIONS if model is Risk else CSI_TRANSITIONS
    refuse(permissions.can_edit(scope, item))
    check_transition(table, item.status, status, what=f"{item.reference}")
    refuse(permissions.can_move(scope, item, status), field="status")
    changes: dict[str, list] = {"status": [item.status, status]}
    if model is Improvement:
        if outcome is not None and outcome.strip():
            outcome = s.check_body(outcome, field="outcome")
            if outcome != item.outcome:
                changes["outcome"] = [s.shown(item.outcome), s.shown(outcome)]
            item.outcome = outcome
        if status == CsiStatus.CLOSED and not item.outcome.strip():
            raise ActionError("Say what the improvement achieved before closing it", field="outcome")
    note = s.check_body(note or "", field="note")
    item.status = status
    item.updated_at = now
    item.save()
    if note:
        record_steps.add_entry(item.record, actor=actor, body=note, internal=False, now=now, field="note")
    s.write_journal(actor, item, f"{_kind(model)}.status", changes, note=note)
    return item


def _review(
    model: type, *, actor: Actor, item: Any, next_review_by: dt.date, note: str, now: dt.datetime | None
) -> Any:
    now = now or timezone.now()
    item = s.lock(model, item.pk)
    refuse(permissions.can_edit(scope_of(actor), item))
    if next_review_by is None:
        raise ActionError("Give the date of the next review", field="next_review_by")
    next_review_by = s.check_day(next_review_by, field="next_review_by", now=now)
    if next_review_by <= s.today(now):
        raise ActionError("The next review is after today", field="next_review_by")
    note = s.check_body(note or "", field="note")
    changes = {
        "last_reviewed_at": [item.last_reviewed_at, now],
        "review_by": [item.review_by, next_review_by],
    }
    item.last_reviewed_at, item.review_by, item.updated_at = now, next_review_by, now
    item.save(update_fields=["last_reviewed_at", "review_by", "updated_at"])
    if note:
        record_steps.add_entry(item.record, actor=actor, body=note, internal=False, now=now, field="note")
    s.write_journal(actor, item, f"{_kind(model)}.review", changes, note=note)
    return item


def _problems(actor: Actor, references: Iterable[str]) -> list:
    """The problems named, each one the actor may see; any other is "not found" on ``problems[i]``."""
    from busbar.records.registry import get as record_type

    references = list(references or ())
    if len(references) > 50:
        raise ActionError("Link at most 50 problems at a time", field="problems")
    found = []
    problem_type = record_type("problem")
    for index, reference in enumerate(references):
        obj = (
            problem_type.visible_to(actor.user).filter(reference=str(reference).strip().upper()[:20]).first()
        )
        if obj is None:
            raise ActionError(f"No problem {str(reference)[:20]}", field=f"problems[{index}]")
        found.append(obj)
    return found


def _link(actor: Actor, item: Any, problem: Any) -> str:
    record_steps.link(item.record, problem.record, Link.Kind.RELATED_TO, actor=actor)
    return problem.reference


def _link_problems(
    model: type, *, actor: Actor, item: Any, problems: Sequence[str], now: dt.datetime | None
) -> list[str]:
    now = now or timezone.now()
    item = s.lock(model, item.pk)
    refuse(permissions.can_edit(scope_of(actor), item))
    found = _problems(actor, problems)
    if not found:
        raise ActionError("Name at least one problem", field="problems")
    linked = []
    for problem in found:
        if Link.objects.filter(source=item.record, target=problem.record, kind=Link.Kind.RELATED_TO).exists():
            continue
        linked.append(_link(actor, item, problem))
    if not linked:
        raise Conflict("Those problems are already linked", field="problems")
    item.updated_at = now
    item.save(update_fields=["updated_at"])
    s.write_journal(actor, item, f"{_kind(model)}.link", {"problems": [None, ", ".join(linked)]})
    return linked


def _add_update(
    model: type,
    *,
    actor: Actor,
    item: Any,
    body: str,
    internal: bool,
    attachments: Sequence[tuple[str, str, bytes]],
    now: dt.datetime | None,
) -> Entry:
    now = now or timezone.now()
    item = s.lock(model, item.pk)
    refuse(permissions.can_edit(scope_of(actor), item))
    if len(attachments) > 10:
        raise ActionError("Attach at most 10 files at a time", field="attachments")
    entry = record_steps.add_entry(item.record, actor=actor, body=body, internal=internal, now=now)
    files = record_steps.add_attachments(item.record, entry, attachments, actor=actor, internal=internal)
    item.updated_at = now
    item.save(update_fields=["updated_at"])
    change = {"update": [None, "internal note" if internal else "update"]}
    if files:
        change["attachments"] = [None, ", ".join(f.filename for f in files)]
    s.write_journal(actor, item, f"{_kind(model)}.{'note' if internal else 'update'}", change)
    return entry


# Risks -------------------------------------------------------------------------------------------------


@action
def raise_risk(
    *,
    actor: Actor,
    title: str,
    likelihood: int,
    impact: int,
    description: str = "",
    category: str = Risk.Category.AVAILABILITY,
    mitigations: str = "",
    residual_likelihood: int | None = None,
    residual_impact: int | None = None,
    organisation: Any = None,
    owner: Any = None,
    services: Iterable[Any] = (),
    kpis: Iterable[str] = (),
    review_by: dt.date | None = None,
    problems: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Risk:
    """Record a risk to the switching service, owned by ``organisation`` (default: the actor's own; a
    provider communicates risks for its own organisation), scored likelihood × impact."""
    fields = {
        "title": title,
        "description": description,
        "category": category,
        "likelihood": likelihood,
        "impact": impact,
        "mitigations": mitigations,
        "residual_likelihood": residual_likelihood,
        "residual_impact": residual_impact,
        "services": list(services),
        "kpis": list(kpis),
        "review_by": review_by,
        "owner": owner,
    }
    return _raise(Risk, actor=actor, organisation=organisation, fields=fields, problems=problems, now=now)


@action
def update_risk(
    *, actor: Actor, risk: Risk, fields: Mapping[str, Any], now: dt.datetime | None = None
) -> Risk:
    """Change any of :data:`RISK_FIELDS`; the score is likelihood × impact again."""
    return _update(Risk, actor=actor, item=risk, fields=fields, now=now)


@action
def change_risk_status(
    *, actor: Actor, risk: Risk, status: str, note: str = "", now: dt.datetime | None = None
) -> Risk:
    """Move the risk as RISK_TRANSITIONS allows (409 otherwise): mitigating, accepted, closed, reopened."""
    return _move(Risk, actor=actor, item=risk, status=status, note=note, outcome=None, now=now)


@action
def review_risk(
    *, actor: Actor, risk: Risk, next_review_by: dt.date, note: str = "", now: dt.datetime | None = None
) -> Risk:
    """Record that the risk was reviewed now, and when it is next due."""
    return _review(Risk, actor=actor, item=risk, next_review_by=next_review_by, note=note, now=now)


@action
def link_risk_problems(
    *, actor: Actor, risk: Risk, problems: Sequence[str], now: dt.datetime | None = None
) -> list[str]:
    return _link_problems(Risk, actor=actor, item=risk, problems=problems, now=now)


@action
def add_risk_update(
    *,
    actor: Actor,
    risk: Risk,
    body: str,
    internal: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Entry:
    return _add_update(
        Risk, actor=actor, item=risk, body=body, internal=internal, attachments=attachments, now=now
    )


# Improvements ------------------------------------------------------------------------------------------


@action
def raise_improvement(
    *,
    actor: Actor,
    title: str,
    likelihood: int = 3,
    impact: int = 3,
    description: str = "",
    source: str | None = None,
    benefits: str = "",
    target_date: dt.date | None = None,
    organisation: Any = None,
    owner: Any = None,
    services: Iterable[Any] = (),
    kpis: Iterable[str] = (),
    review_by: dt.date | None = None,
    problems: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> Improvement:
    """Record an improvement opportunity (a provider's recommendation for its own organisation, or the
    operator's), scored likelihood of success × impact of the benefit."""
    if source is None:
        source = Improvement.Source.KPI_REPORT if scope_of(actor).is_desk else Improvement.Source.PROVIDER
    fields = {
        "title": title,
        "description": description,
        "source": source,
        "likelihood": likelihood,
        "impact": impact,
        "benefits": benefits,
        "target_date": target_date,
        "services": list(services),
        "kpis": list(kpis),
        "review_by": review_by,
        "owner": owner,
    }
    return _raise(
        Improvement, actor=actor, organisation=organisation, fields=fields, problems=problems, now=now
    )


@action
def update_improvement(
    *, actor: Actor, improvement: Improvement, fields: Mapping[str, Any], now: dt.datetime | None = None
) -> Improvement:
    return _update(Improvement, actor=actor, item=improvement, fields=fields, now=now)


@action
def change_improvement_status(
    *,
    actor: Actor,
    improvement: Improvement,
    status: str,
    note: str = "",
    outcome: str | None = None,
    now: dt.datetime | None = None,
) -> Improvement:
    """Move the improvement as CSI_TRANSITIONS allows (409 otherwise); closing needs its outcome."""
    return _move(
        Improvement, actor=actor, item=improvement, status=status, note=note, outcome=outcome, now=now
    )


@action
def review_improvement(
    *,
    actor: Actor,
    improvement: Improvement,
    next_review_by: dt.date,
    note: str = "",
    now: dt.datetime | None = None,
) -> Improvement:
    return _review(
        Improvement, actor=actor, item=improvement, next_review_by=next_review_by, note=note, now=now
    )


@action
def link_improvement_problems(
    *, actor: Actor, improvement: Improvement, problems: Sequence[str], now: dt.datetime | None = None
) -> list[str]:
    return _link_problems(Improvement, actor=actor, item=improvement, problems=problems, now=now)


@action
def add_improvement_update(
    *,
    actor: Actor,
    improvement: Improvement,
    body: str,
    internal: bool = False,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    now: dt.datetime | None = None,
) -> Entry:
    return _add_update(
        Improvement,
        actor=actor,
        item=improvement,
        body=body,
        internal=internal,
        attachments=attachments,
        now=now,
    )
