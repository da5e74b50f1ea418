"""Qualification (QM-02…QM-05, QM-08, QM-13): the programme's qualification window, its code bodies,
tranches and their capacities, the entrants (participants needing qualification, or exempt through SIT),
their agents and readiness, the SIT exemption and its written confirmation's reference, the moves
through qualification and go-live.

Who may: the migration managers keep everything (``permissions.can_manage_qualification``); an entrant's
code body moves it through qualification (``can_progress_entrant``); the participant itself states its
readiness and, for a supplier, its agents (``can_update_readiness``). Each action is one transaction with
one journal entry ("migration.<verb>"); bad input is an ActionError naming the field, with nothing
written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Max
from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, action, check_transition, refuse
from busbar.lib.forms import parse_id
from busbar.lib.limits import check_text
from busbar.migration import common, permissions
from busbar.migration.eligibility import eligibility
from busbar.migration.models import (
    QUALIFICATION_TRANSITIONS,
    CodeBody,
    Entrant,
    EntrantKind,
    QualificationStatus,
    QualificationWindow,
    Tranche,
    TrancheCapacity,
)
from busbar.migration.queries import viewer_of

#: Not given: leave the field as it is.
UNSET: Any = object()
#: The most tranches in a window, participants in a tranche, agents of a supplier.
MAX_TRANCHE_NUMBER = 99
MAX_PARTICIPANTS = 1000
MAX_AGENTS = 50
NAME_MAX = 80
CODE_BODY_NAME_MAX = 120
ROLE_MAX = 80
NOTES_MAX = 2000


# Helpers ------------------------------------------------------------------------------------------------


def _anniversary(day: dt.date) -> dt.date:
    """The same date a year later (29 February: 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _check_window_dates(opens: dt.date, closes: dt.date) -> None:
    if closes < opens:
        raise ActionError("The window closes before it opens", field="closes")
    if closes > _anniversary(opens):
        raise ActionError(
            "All qualification happens within a 12-month window (QM-05): close it by "
            f"{_anniversary(opens):%-d %b %Y}",
            field="closes",
        )


def _organisation(value: Any, *, field: str) -> Any:
    from busbar.parties.models import Organisation

    if isinstance(value, Organisation):
        return value
    pk = parse_id(value)
    org = Organisation.objects.filter(pk=pk).first() if pk else None
    if org is None:
        raise ActionError("No such organisation", field=field)
    return org


def _phase(programme_id: int, value: Any) -> Any:
    from busbar.testing.models import Phase

    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, Phase) else parse_id(value)
    phase = Phase.objects.filter(pk=pk, programme_id=programme_id).first() if pk else None
    if phase is None:
        raise ActionError("Choose a phase of this programme", field="sit_phase")
    return phase


def _code_body(window: Any, value: Any) -> Any:
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, CodeBody) else parse_id(value)
    body = CodeBody.objects.filter(pk=pk, window=window).first() if pk else None
    if body is None:
        raise ActionError("Choose a code body of this window", field="code_body")
    return body


def _kind(value: Any) -> str:
    if value not in EntrantKind.values:
        raise ActionError(f"Choose one of: {', '.join(EntrantKind.values)}", field="kind")
    return str(value)


def _small(value: Any, *, field: str, maximum: int) -> int:
    number = common.check_volume(value, field=field)
    if number > maximum:
        raise ActionError(f"Give a number from 0 to {maximum:,}", field=field)
    return number


def _not_future(day: dt.date | None, today: dt.date, *, field: str) -> dt.date | None:
    if day is not None and day > today:
        raise ActionError("That date is in the future", field=field)
    return day


def _lock(entrant: Any) -> Any:
    return (
        Entrant.objects.select_for_update(of=("self",))
        .select_related("window", "organisation")
        .get(pk=entrant.pk)
    )


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for key, value in values.items():
        old = getattr(obj, key)
        if old != value:
            changes[key] = [old, value]
            setattr(obj, key, value)
    return changes


def _entrant_values(window: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """The entrant fields a manager keeps, checked (only those given)."""
    out: dict[str, Any] = {}
    if "kind" in fields:
        out["kind"] = _kind(fields["kind"])
    if "market_role" in fields:
        out["market_role"] = check_text(
            str(fields["market_role"] or "").strip(), field="market_role", limit=ROLE_MAX
        )
    if "code_body" in fields:
        out["code_body"] = _code_body(window, fields["code_body"])
    for key in ("smart", "non_smart", "advanced", "unmetered"):
        if key in fields:
            out[key] = common.check_volume(fields[key] or 0, field=key)
    if "ready_on" in fields:
        out["ready_on"] = common.check_day(fields["ready_on"], field="ready_on", required=False)
    if "e2e_required" in fields:
        out["e2e_required"] = bool(fields["e2e_required"])
    if "notes" in fields:
        out["notes"] = check_text(str(fields["notes"] or "").strip(), field="notes", limit=NOTES_MAX)
    return out


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not UNSET}


def _owner(entrant: Any) -> Any:
    return entrant.organisation


# The window ---------------------------------------------------------------------------------------------


@action
def create_window(
    *,
    actor: Actor,
    programme: Any,
    opens: Any,
    closes: Any,
    risk_cutoff: Any,
    sit_phase: Any = None,
    large_portfolio: Any = 1_000_000,
    medium_portfolio: Any = 100_000,
    now: dt.datetime | None = None,
) -> QualificationWindow:
    """Open the programme's qualification window (one per programme; at most 12 months — QM-05)."""
    refuse(permissions.can_create_window(viewer_of(actor), programme))
    if QualificationWindow.objects.filter(programme=programme).exists():
        raise ActionError("The programme already has a qualification window", field="programme")
    opens = common.check_day(opens, field="opens")
    closes = common.check_day(closes, field="closes")
    _check_window_dates(opens, closes)
    risk_cutoff = common.check_day(risk_cutoff, field="risk_cutoff")
    if risk_cutoff < opens:
        raise ActionError("The risk cut-off is before the window opens", field="risk_cutoff")
    large = common.check_volume(large_portfolio, field="large_portfolio", minimum=1)
    medium = common.check_volume(medium_portfolio, field="medium_portfolio", minimum=1)
    if medium > large:
        raise ActionError("A medium portfolio is smaller than a large one", field="medium_portfolio")
    window = QualificationWindow.objects.create(
        programme=programme,
        opens=opens,
        closes=closes,
        risk_cutoff=risk_cutoff,
        sit_phase=_phase(programme.pk, sit_phase),
        large_portfolio=large,
        medium_portfolio=medium,
        updated_at=now or timezone.now(),
    )
    journal(
        actor=actor,
        action="migration.create_window",
        obj=window,
        owner=None,
        changes={
            "opens": [None, opens],
            "closes": [None, closes],
            "risk_cutoff": [None, risk_cutoff],
            "sit_phase": [None, window.sit_phase_id],
        },
    )
    return window


@action
def update_window(
    *,
    actor: Actor,
    window: Any,
    opens: Any = UNSET,
    closes: Any = UNSET,
    risk_cutoff: Any = UNSET,
    sit_phase: Any = UNSET,
    large_portfolio: Any = UNSET,
    medium_portfolio: Any = UNSET,
    now: dt.datetime | None = None,
) -> QualificationWindow:
    """Change the window's dates, SIT phase, risk cut-off or portfolio sizes (its tranches must still fit)."""
    refuse(permissions.can_manage_qualification(viewer_of(actor), window))
    window = QualificationWindow.objects.select_for_update(of=("self",)).get(pk=window.pk)
    values: dict[str, Any] = {}
    if opens is not UNSET:
        values["opens"] = common.check_day(opens, field="opens")
    if closes is not UNSET:
        values["closes"] = common.check_day(closes, field="closes")
    new_opens, new_closes = values.get("opens", window.opens), values.get("closes", window.closes)
    _check_window_dates(new_opens, new_closes)
    if risk_cutoff is not UNSET:
        values["risk_cutoff"] = common.check_day(risk_cutoff, field="risk_cutoff")
    if values.get("risk_cutoff", window.risk_cutoff) < new_opens:
        raise ActionError("The risk cut-off is before the window opens", field="risk_cutoff")
    if sit_phase is not UNSET:
        values["sit_phase"] = _phase(window.programme_id, sit_phase)
    if large_portfolio is not UNSET:
        values["large_portfolio"] = common.check_volume(large_portfolio, field="large_portfolio", minimum=1)
    if medium_portfolio is not UNSET:
        values["medium_portfolio"] = common.check_volume(
            medium_portfolio, field="medium_portfolio", minimum=1
        )
    if values.get("medium_portfolio", window.medium_portfolio) > values.get(
        "large_portfolio", window.large_portfolio
    ):
        raise ActionError("A medium portfolio is smaller than a large one", field="medium_portfolio")
    outside = window.tranches.exclude(starts__gte=new_opens, ends__lte=new_closes).order_by("number").first()
    if outside is not None:
        raise ActionError(
            f"{outside.name} ({outside.starts:%-d %b %Y} – {outside.ends:%-d %b %Y}) would fall outside "
            "the window",
            field="opens" if outside.starts < new_opens else "closes",
        )
    changes = _apply(window, values)
    if "sit_phase" in changes:
        changes["sit_phase"] = [
            getattr(changes["sit_phase"][0], "pk", None),
            getattr(window.sit_phase, "pk", None),
        ]
    if not changes:
        raise ActionError("Nothing to change", field="opens")
    window.updated_at = now or timezone.now()
    window.save()
    journal(actor=actor, action="migration.update_window", obj=window, owner=None, changes=changes)
    return window


@action
def add_code_body(*, actor: Actor, window: Any, organisation: Any, name: str) -> CodeBody:
    """Name an organisation as a code body managing qualification in the window (QM-03)."""
    refuse(permissions.can_manage_qualification(viewer_of(actor), window))
    org = _organisation(organisation, field="organisation")
    name = check_text(str(name or "").strip(), field="name", limit=CODE_BODY_NAME_MAX)
    if not name:
        raise ActionError("Give the code body's name", field="name")
    if CodeBody.objects.filter(window=window, organisation=org).exists():
        raise ActionError(f"{org.name} is already a code body of this window", field="organisation")
    body = CodeBody.objects.create(window=window, organisation=org, name=name)
    journal(
        actor=actor,
        action="migration.add_code_body",
        obj=body,
        owner=None,
        changes={"organisation": [None, org.name], "name": [None, name]},
    )
    return body


# Tranches -----------------------------------------------------------------------------------------------


def _tranche_dates(window: Any, starts: dt.date, ends: dt.date) -> None:
    if ends < starts:
        raise ActionError("The tranche ends before it starts", field="ends")
    if starts < window.opens:
        raise ActionError(f"The window opens on {window.opens:%-d %b %Y}", field="starts")
    if ends > window.closes:
        raise ActionError(f"The window closes on {window.closes:%-d %b %Y}", field="ends")


@action
def add_tranche(
    *,
    actor: Actor,
    window: Any,
    name: str,
    starts: Any,
    ends: Any,
    capacity: Any = 0,
    number: Any = None,
) -> Tranche:
    """Add a tranche inside the window (``capacity`` 0: only the code bodies' limits)."""
    refuse(permissions.can_manage_qualification(viewer_of(actor), window))
    window = QualificationWindow.objects.select_for_update(of=("self",)).get(pk=window.pk)
    name = check_text(str(name or "").strip(), field="name", limit=NAME_MAX)
    if not name:
        raise ActionError("Give the tranche a name", field="name")
    starts = common.check_day(starts, field="starts")
    ends = common.check_day(ends, field="ends")
    _tranche_dates(window, starts, ends)
    capacity = _small(capacity or 0, field="capacity", maximum=MAX_PARTICIPANTS)
    if number in (None, ""):
        number = (window.tranches.aggregate(n=Max("number"))["n"] or 0) + 1
    number = _small(number, field="number", maximum=MAX_TRANCHE_NUMBER)
    if number < 1:
        raise ActionError(f"Give a number from 1 to {MAX_TRANCHE_NUMBER}", field="number")
    if window.tranches.filter(number=number).exists():
        raise ActionError(f"Tranche number {number} is taken", field="number")
    tranche = Tranche.objects.create(
        window=window, number=number, name=name, starts=starts, ends=ends, capacity=capacity
    )
    journal(
        actor=actor,
        action="migration.add_tranche",
        obj=tranche,
        owner=None,
        changes={
            "number": [None, number],
            "name": [None, name],
            "starts": [None, starts],
            "ends": [None, ends],
            "capacity": [None, capacity],
        },
    )
    return tranche


@action
def update_tranche(
    *,
    actor: Actor,
    tranche: Any,
    name: Any = UNSET,
    starts: Any = UNSET,
    ends: Any = UNSET,
    capacity: Any = UNSET,
) -> Tranche:
    """Change a tranche's name, dates (inside the window) or overall capacity."""
    tranche = Tranche.objects.select_for_update(of=("self",)).select_related("window").get(pk=tranche.pk)
    refuse(permissions.can_manage_qualification(viewer_of(actor), tranche.window))
    values: dict[str, Any] = {}
    if name is not UNSET:
        values["name"] = check_text(str(name or "").strip(), field="name", limit=NAME_MAX)
        if not values["name"]:
            raise ActionError("Give the tranche a name", field="name")
    if starts is not UNSET:
        values["starts"] = common.check_day(starts, field="starts")
    if ends is not UNSET:
        values["ends"] = common.check_day(ends, field="ends")
    _tranche_dates(tranche.window, values.get("starts", tranche.starts), values.get("ends", tranche.ends))
    if capacity is not UNSET:
        values["capacity"] = _small(capacity or 0, field="capacity", maximum=MAX_PARTICIPANTS)
    changes = _apply(tranche, values)
    if not changes:
        raise ActionError("Nothing to change", field="name")
    tranche.save()
    journal(actor=actor, action="migration.update_tranche", obj=tranche, owner=None, changes=changes)
    return tranche


@action
def set_capacity(
    *, actor: Actor, tranche: Any, code_body: Any, max_participants: Any
) -> TrancheCapacity | None:
    """How many participants ``code_body`` takes through qualification in ``tranche`` (QM-08); None
    removes its limit (unlimited)."""
    tranche = Tranche.objects.select_related("window").get(pk=tranche.pk)
    refuse(permissions.can_manage_qualification(viewer_of(actor), tranche.window))
    body = _code_body(tranche.window, code_body)
    if body is None:
        raise ActionError("Choose a code body of this window", field="code_body")
    row = (
        TrancheCapacity.objects.select_for_update(of=("self",))
        .filter(tranche=tranche, code_body=body)
        .first()
    )
    old = row.max_participants if row else None
    if max_participants in (None, ""):
        if row is None:
            raise ActionError(f"{body.name} has no limit in {tranche.name}", field="max_participants")
        row.delete()
        journal(
            actor=actor,
            action="migration.set_capacity",
            obj=tranche,
            owner=None,
            changes={f"capacity of {body.name}": [old, None]},
        )
        return None
    limit = _small(max_participants, field="max_participants", maximum=MAX_PARTICIPANTS)
    if row is None:
        row = TrancheCapacity.objects.create(tranche=tranche, code_body=body, max_participants=limit)
    elif old == limit:
        raise ActionError("That is the limit already", field="max_participants")
    else:
        row.max_participants = limit
        row.save(update_fields=["max_participants"])
    journal(
        actor=actor,
        action="migration.set_capacity",
        obj=tranche,
        owner=None,
        changes={f"capacity of {body.name}": [old, limit]},
    )
    return row


# Entrants -----------------------------------------------------------------------------------------------


@action
def add_entrant(
    *,
    actor: Actor,
    window: Any,
    organisation: Any,
    kind: Any,
    market_role: str = "",
    code_body: Any = None,
    smart: Any = 0,
    non_smart: Any = 0,
    advanced: Any = 0,
    unmetered: Any = 0,
    ready_on: Any = None,
    e2e_required: bool = False,
    notes: str = "",
    now: dt.datetime | None = None,
) -> Entrant:
    """Add a participant needing qualification to the window."""
    refuse(permissions.can_manage_qualification(viewer_of(actor), window))
    org = _organisation(organisation, field="organisation")
    values = _entrant_values(
        window,
        {
            "kind": kind,
            "market_role": market_role,
            "code_body": code_body,
            "smart": smart,
            "non_smart": non_smart,
            "advanced": advanced,
            "unmetered": unmetered,
            "ready_on": ready_on,
            "e2e_required": e2e_required,
            "notes": notes,
        },
    )
    if values["kind"] != EntrantKind.SUPPLIER and any(
        values[k] for k in ("smart", "non_smart", "advanced", "unmetered")
    ):
        raise ActionError("Only a supplier has a portfolio of MPANs", field="smart")
    if Entrant.objects.filter(window=window, organisation=org, kind=values["kind"]).exists():
        raise ActionError(f"{org.name} is already an entrant of this kind", field="organisation")
    now = now or timezone.now()
    entrant = Entrant.objects.create(
        window=window, organisation=org, created_at=now, updated_at=now, **values
    )
    journal(
        actor=actor,
        action="migration.add_entrant",
        obj=entrant,
        owner=org,
        changes={
            "kind": [None, entrant.kind],
            "code_body": [None, getattr(entrant.code_body, "name", None)],
            "portfolio": [None, entrant.portfolio],
            "ready_on": [None, entrant.ready_on],
        },
    )
    return entrant


@action
def update_entrant(
    *,
    actor: Actor,
    entrant: Any,
    kind: Any = UNSET,
    market_role: Any = UNSET,
    code_body: Any = UNSET,
    smart: Any = UNSET,
    non_smart: Any = UNSET,
    advanced: Any = UNSET,
    unmetered: Any = UNSET,
    ready_on: Any = UNSET,
    e2e_required: Any = UNSET,
    sit_completed_on: Any = UNSET,
    notes: Any = UNSET,
    now: dt.datetime | None = None,
) -> Entrant:
    """Change an entrant (the managers): kind, market role, code body, portfolio, readiness, whether E2E
    sandbox testing is required, the date it completed SIT (when the SIT phase is not in Busbar)."""
    entrant = _lock(entrant)
    refuse(permissions.can_manage_qualification(viewer_of(actor), entrant.window))
    now = now or timezone.now()
    values = _entrant_values(
        entrant.window,
        _given(
            kind=kind,
            market_role=market_role,
            code_body=code_body,
            smart=smart,
            non_smart=non_smart,
            advanced=advanced,
            unmetered=unmetered,
            ready_on=ready_on,
            e2e_required=e2e_required,
            notes=notes,
        ),
    )
    if sit_completed_on is not UNSET:
        day = common.check_day(sit_completed_on, field="sit_completed_on", required=False)
        values["sit_completed_on"] = _not_future(day, common.today(now), field="sit_completed_on")
    new_kind = values.get("kind", entrant.kind)
    if new_kind != entrant.kind:
        if entrant.kind == EntrantKind.AGENT and entrant.suppliers.exists():
            raise ActionError("Suppliers name it as their agent: take it off them first", field="kind")
        if entrant.kind == EntrantKind.SUPPLIER and entrant.agents.exists():
            raise ActionError("It names agents: take them off first", field="kind")
        if Entrant.objects.filter(
            window=entrant.window, organisation=entrant.organisation, kind=new_kind
        ).exists():
            raise ActionError(f"{entrant.organisation.name} is already an entrant of that kind", field="kind")
    if new_kind != EntrantKind.SUPPLIER and any(
        values.get(k, getattr(entrant, k)) for k in ("smart", "non_smart", "advanced", "unmetered")
    ):
        raise ActionError("Only a supplier has a portfolio of MPANs", field="smart")
    changes = _apply(entrant, values)
    if "code_body" in changes:
        changes["code_body"] = [
            getattr(changes["code_body"][0], "name", None),
            getattr(entrant.code_body, "name", None),
        ]
    if not changes:
        raise ActionError("Nothing to change", field="kind")
    entrant.updated_at = now
    entrant.save()
    journal(
        actor=actor, action="migration.update_entrant", obj=entrant, owner=_owner(entrant), changes=changes
    )
    return entrant


@action
def set_agents(*, actor: Actor, supplier: Any, agents: list[Any], now: dt.datetime | None = None) -> Entrant:
    """Name a supplier's agents (QM-13: it and at least one of them must qualify): agent entrants of the
    same window. The supplier itself or the managers."""
    supplier = _lock(supplier)
    refuse(permissions.can_update_readiness(viewer_of(actor), supplier))
    if supplier.kind != EntrantKind.SUPPLIER:
        raise ActionError("Only a supplier names agents", field="supplier")
    agents = list(agents or [])
    if len(agents) > MAX_AGENTS:
        raise ActionError(f"Name at most {MAX_AGENTS} agents", field="agents")
    ids: set[int] = set()
    for i, value in enumerate(agents):
        pk = value.pk if isinstance(value, Entrant) else parse_id(value)
        if pk is None:
            raise ActionError("Give agents by id", field=f"agents[{i}]")
        ids.add(pk)
    found = {
        a.pk: a
        for a in Entrant.objects.filter(
            pk__in=ids, window_id=supplier.window_id, kind=EntrantKind.AGENT
        ).select_related("organisation")
    }
    for i, value in enumerate(agents):
        pk = value.pk if isinstance(value, Entrant) else parse_id(value)
        if pk not in found:
            raise ActionError("Choose agent entrants of the same qualification window", field=f"agents[{i}]")
    before = sorted(supplier.agents.values_list("organisation__name", flat=True))
    after = sorted(a.organisation.name for a in found.values())
    if before == after and set(supplier.agents.values_list("pk", flat=True)) == ids:
        raise ActionError("Those are its agents already", field="agents")
    supplier.agents.set(list(found.values()))
    supplier.updated_at = now or timezone.now()
    supplier.save(update_fields=["updated_at"])
    journal(
        actor=actor,
        action="migration.set_agents",
        obj=supplier,
        owner=_owner(supplier),
        changes={"agents": [before, after]},
    )
    return supplier


@action
def update_readiness(
    *,
    actor: Actor,
    entrant: Any,
    ready_on: Any = UNSET,
    systems_live_on: Any = UNSET,
    e2e_completed_on: Any = UNSET,
    e2e_required: Any = UNSET,
    now: dt.datetime | None = None,
) -> Entrant:
    """The participant states when it is ready to qualify, when its new systems went live and when it
    completed E2E sandbox testing (the participant itself or the managers; only the managers say whether
    E2E testing is required)."""
    entrant = _lock(entrant)
    v = viewer_of(actor)
    refuse(permissions.can_update_readiness(v, entrant))
    now = now or timezone.now()
    today = common.today(now)
    values: dict[str, Any] = {}
    if ready_on is not UNSET:
        values["ready_on"] = common.check_day(ready_on, field="ready_on", required=False)
    if systems_live_on is not UNSET:
        values["systems_live_on"] = common.check_day(systems_live_on, field="systems_live_on", required=False)
        if values["systems_live_on"] is not None and entrant.kind != EntrantKind.SUPPLIER:
            raise ActionError("Only a supplier states its systems-live date", field="systems_live_on")
    if e2e_completed_on is not UNSET:
        day = common.check_day(e2e_completed_on, field="e2e_completed_on", required=False)
        values["e2e_completed_on"] = _not_future(day, today, field="e2e_completed_on")
    if e2e_required is not UNSET and bool(e2e_required) != entrant.e2e_required:
        refuse(permissions.can_manage_qualification(v, entrant.window), field="e2e_required")
        values["e2e_required"] = bool(e2e_required)
    changes = _apply(entrant, values)
    if not changes:
        raise ActionError("Nothing to change", field="ready_on")
    entrant.updated_at = now
    entrant.save()
    journal(
        actor=actor, action="migration.update_readiness", obj=entrant, owner=_owner(entrant), changes=changes
    )
    return entrant


# SIT exemption (QM-04) ----------------------------------------------------------------------------------


def _sit_completed_on(entrant: Any) -> dt.date | None:
    """When the entrant completed SIT: its completed participation in the window's SIT phase, else the
    date a manager recorded; None when it has not."""
    from busbar.testing.models import EntryStatus, Participation

    if entrant.window.sit_phase_id is not None:
        done = (
            Participation.objects.filter(
                phase_id=entrant.window.sit_phase_id,
                organisation_id=entrant.organisation_id,
                status=EntryStatus.COMPLETED,
            )
            .order_by("completed_on")
            .first()
        )
        if done is not None:
            return done.completed_on or entrant.sit_completed_on or entrant.window.sit_phase.planned_end
    return entrant.sit_completed_on


def _next_reference(window: Any) -> str:
    prefix = "QEX-" + re.sub(r"[^A-Z0-9]+", "", window.programme.code.upper())[:12] + "-"
    numbers = [
        int(ref.rsplit("-", 1)[1])
        for ref in Entrant.objects.filter(window=window, exemption_reference__startswith=prefix).values_list(
            "exemption_reference", flat=True
        )
        if ref.rsplit("-", 1)[1].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


@action
def confirm_exemption(*, actor: Actor, entrant: Any, now: dt.datetime | None = None) -> Entrant:
    """Confirm that a participant that completed SIT need not complete qualification testing (QM-04): it
    becomes exempt, leaves its tranche and gets the reference of its written confirmation."""
    window = (
        QualificationWindow.objects.select_for_update(of=("self",))
        .select_related("programme", "sit_phase")
        .get(pk=entrant.window_id)
    )
    entrant = _lock(entrant)
    refuse(permissions.can_manage_qualification(viewer_of(actor), window))
    check_transition(
        QUALIFICATION_TRANSITIONS, entrant.status, QualificationStatus.EXEMPT, what="The entrant"
    )
    entrant.window = window
    completed = _sit_completed_on(entrant)
    if completed is None:
        raise ActionError(
            f"{entrant.organisation.name} has not completed SIT: only participants that completed SIT are "
            "exempt from qualification testing",
            field="sit_completed_on",
        )
    now = now or timezone.now()
    before = {"status": entrant.status, "tranche": getattr(entrant.tranche, "name", None)}
    entrant.status = QualificationStatus.EXEMPT
    entrant.sit_completed_on = completed
    entrant.tranche = None
    if not entrant.exemption_reference:
        entrant.exemption_reference = _next_reference(window)
    entrant.exemption_confirmed_at = now
    entrant.updated_at = now
    entrant.save()
    journal(
        actor=actor,
        action="migration.confirm_exemption",
        obj=entrant,
        owner=_owner(entrant),
        changes={
            "status": [before["status"], entrant.status],
            "tranche": [before["tranche"], None],
            "sit_completed_on": [None, completed],
            "exemption_reference": [None, entrant.exemption_reference],
        },
    )
    return entrant


# Through qualification ----------------------------------------------------------------------------------


def _move(
    actor: Actor, entrant: Any, target: str, verb: str, now: dt.datetime | None, prepare: Any = None
) -> Entrant:
    """Lock, check who (code body or managers) and the table, then ``prepare(entrant)`` for the fields
    that change with the status."""
    entrant = _lock(entrant)
    refuse(permissions.can_progress_entrant(viewer_of(actor), entrant))
    check_transition(QUALIFICATION_TRANSITIONS, entrant.status, target, what="The entrant")
    extra = prepare(entrant) if prepare else {}
    changes: dict[str, list[Any]] = {"status": [entrant.status, target]}
    entrant.status = target
    for key, value in extra.items():
        if getattr(entrant, key) != value:
            changes[key] = [getattr(entrant, key), value]
            setattr(entrant, key, value)
    if "tranche" in changes:
        changes["tranche"] = [getattr(changes["tranche"][0], "name", None), None]
    entrant.updated_at = now or timezone.now()
    entrant.save()
    journal(actor=actor, action=f"migration.{verb}", obj=entrant, owner=_owner(entrant), changes=changes)
    return entrant


@action
def start_qualification(*, actor: Actor, entrant: Any, now: dt.datetime | None = None) -> Entrant:
    """An allocated entrant starts qualification testing (its code body or the managers)."""

    def prepare(e: Any) -> dict[str, Any]:
        if e.tranche_id is None:
            raise ActionError("Allocate the entrant to a tranche first", field="tranche")
        return {}

    return _move(actor, entrant, QualificationStatus.QUALIFYING, "start_qualification", now, prepare)


@action
def qualify(
    *, actor: Actor, entrant: Any, qualified_on: Any = None, now: dt.datetime | None = None
) -> Entrant:
    """The entrant passed qualification (its code body or the managers; ``qualified_on`` default today)."""

    def prepare(e: Any) -> dict[str, Any]:
        today = common.today(now)
        day = common.check_day(qualified_on, field="qualified_on", required=False) or today
        return {"qualified_on": _not_future(day, today, field="qualified_on")}

    return _move(actor, entrant, QualificationStatus.QUALIFIED, "qualify", now, prepare)


@action
def withdraw(*, actor: Actor, entrant: Any, now: dt.datetime | None = None) -> Entrant:
    """The entrant leaves qualification (and its tranche)."""
    return _move(actor, entrant, QualificationStatus.WITHDRAWN, "withdraw", now, lambda e: {"tranche": None})


@action
def reinstate(*, actor: Actor, entrant: Any, now: dt.datetime | None = None) -> Entrant:
    """A withdrawn entrant (or one taken out of its tranche) needs qualification again."""
    return _move(actor, entrant, QualificationStatus.NEEDS, "reinstate", now, lambda e: {"tranche": None})


@action
def mark_live(*, actor: Actor, entrant: Any, live_on: Any = None, now: dt.datetime | None = None) -> Entrant:
    """Record that an eligible participant went live (the managers; QM-13 decides eligibility)."""
    entrant = _lock(entrant)
    refuse(permissions.can_mark_live(viewer_of(actor), entrant))
    check_transition(QUALIFICATION_TRANSITIONS, entrant.status, QualificationStatus.LIVE, what="The entrant")
    today = common.today(now)
    day = common.check_day(live_on, field="live_on", required=False) or today
    _not_future(day, today, field="live_on")
    verdict = eligibility(entrant, today=today)
    if not verdict.eligible:
        missing = "; ".join(f"{s.label} ({s.detail})" if s.detail else s.label for s in verdict.missing)
        raise ActionError(f"Not eligible to go live. Missing: {missing}", field="status")
    changes = {"status": [entrant.status, QualificationStatus.LIVE], "live_on": [entrant.live_on, day]}
    entrant.status = QualificationStatus.LIVE
    entrant.live_on = day
    entrant.updated_at = now or timezone.now()
    entrant.save()
    journal(actor=actor, action="migration.mark_live", obj=entrant, owner=_owner(entrant), changes=changes)
    return entrant
