"""Checks and steps the registers' actions share (kept out of ``actions`` so every public function
there is an action): scores, services and KPIs named, owners, review dates, the journal, the row lock.

Each check raises :class:`~busbar.lib.actions.ActionError` naming the field at fault.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import parse_id
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.registers import scoring

#: How far ahead a review date, target date or service review may be set.
MAX_AHEAD = dt.timedelta(days=5 * 366)
#: How far back a service review may be recorded (one held before Busbar was used).
MAX_BEHIND = dt.timedelta(days=2 * 366)
LONDON = "Europe/London"


def today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def check_score(value: Any, *, field: str, required: bool = True) -> int | None:
    """A likelihood or impact: a whole number from 1 to 5."""
    if value is None or value == "":
        if required:
            raise ActionError("Give a score from 1 to 5", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ActionError(f"{value!r} is not a score: give a whole number from 1 to 5", field=field)
    return value


def check_title(value: str, *, field: str = "title") -> str:
    value = (value or "").strip()
    if not value:
        raise ActionError("Give it a title", field=field)
    return check_text(value, field=field, limit=SHORT_TEXT)


def check_body(value: str, *, field: str) -> str:
    return check_text((value or "").strip(), field=field)


def check_kpis(codes: Iterable[Any]) -> list[str]:
    """KPI codes, each one of the ten, once each, in the order of the KPI table."""
    codes = list(codes or ())
    if len(codes) > scoring.MAX_KPIS:
        raise ActionError(f"Name at most {scoring.MAX_KPIS} KPIs", field="kpis")
    for index, code in enumerate(codes):
        if not isinstance(code, str) or code not in scoring.KPI_CODES:
            shown = str(code)[:40]
            raise ActionError(
                f"No KPI {shown!r}: one of {', '.join(scoring.KPI_CODES)}", field=f"kpis[{index}]"
            )
    wanted = set(codes)
    return [c for c in scoring.KPI_CODES if c in wanted]


def services_named(user: Any, keys: Iterable[Any]) -> list:
    """The services named by id, slug or object, each one ``user`` may see; else 422 on ``services[i]``."""
    from busbar.services.models import Service
    from busbar.services.queries import services_visible_to

    keys = list(keys or ())
    if len(keys) > scoring.MAX_SERVICES:
        raise ActionError(f"Name at most {scoring.MAX_SERVICES} services", field="services")
    visible = services_visible_to(user)
    found: dict[int, Service] = {}
    for index, key in enumerate(keys):
        if isinstance(key, Service):
            service = visible.filter(pk=key.pk).first()
        elif (pk := parse_id(key)) is not None:
            service = visible.filter(pk=pk).first()
        elif isinstance(key, str) and 0 < len(key) <= 60:
            service = visible.filter(slug=key.strip()).first()
        else:
            service = None
        if service is None:
            raise ActionError(f"No service {str(key)[:60]!r}", field=f"services[{index}]")
        found.setdefault(service.pk, service)
    return list(found.values())


def check_owner(owner: Any, organisation: Any) -> Any:
    """The person who owns the item: an active member of the owning organisation."""
    if owner is None:
        return None
    from busbar.parties.models import Membership

    if not Membership.objects.filter(
        user_id=owner.pk, organisation_id=organisation.pk, is_active=True, user__is_active=True
    ).exists():
        raise ActionError(f"{owner} is not a member of {organisation}", field="owner")
    return owner


def check_day(value: dt.date | None, *, field: str, now: dt.datetime, past: bool = False) -> dt.date | None:
    """A review or target date: not before today (unless ``past``), at most five years ahead."""
    if value is None:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ActionError("Give a date, e.g. 2027-09-30", field=field)
    day = today(now)
    if not past and value < day:
        raise ActionError(f"{value:%d %b %Y} is in the past", field=field)
    if value > day + MAX_AHEAD:
        raise ActionError("Give a date within the next five years", field=field)
    return value


def check_residual(item: Any) -> None:
    """Residual scores come in pairs and are no worse than the scores before mitigation."""
    lk, im = item.residual_likelihood, item.residual_impact
    if (lk is None) != (im is None):
        raise ActionError(
            "Give both residual scores, or neither",
            field="residual_impact" if im is None else "residual_likelihood",
        )
    if lk is not None and lk * im > item.likelihood * item.impact:
        raise ActionError(
            f"The residual score {lk * im} is higher than the score before mitigation "
            f"{item.likelihood * item.impact}",
            field="residual_likelihood",
        )


def write_journal(actor: Actor, obj: Any, what: str, changes: dict | None = None, note: str = "") -> None:
    owner = getattr(obj, "organisation", None) or getattr(obj, "provider", None)
    journal(
        actor=actor.acting_for(owner) if owner is not None else actor,
        action=what,
        obj=obj,
        owner=owner,
        changes=changes,
        note=note[:500],
    )


def lock(model: Any, pk: int) -> Any:
    return model.objects.select_for_update(of=("self",)).select_related("record", "organisation").get(pk=pk)


def shown(value: Any) -> Any:
    """A value as the journal keeps it."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or None
    if value == "":
        return None
    return value if isinstance(value, int | dt.date | type(None)) else str(value)[:200]
