"""Forecasts (RQ-25): a supplier submits its rolling monthly forecast of 4G hubs by region and variant,
from the form, the API or a CSV file. Each submission is kept (history) and replaces the supplier's current
cells of the months it may still change; a bad line refuses the whole submission, every bad line named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import timezone

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.orders import permissions, rules
from busbar.orders.models import Forecast, ForecastSubmission
from busbar.parties.queries import scope_of


def _submit(
    actor: Actor, supplier: Any, lines: Sequence[Mapping[str, Any]], note: str, now: dt.datetime | None
) -> ForecastSubmission:
    now = now or timezone.now()
    if supplier is None:
        supplier = actor.organisation
    if supplier is None:
        raise ActionError("Name the supplier", field="supplier")
    refuse(permissions.can_forecast(scope_of(actor), supplier), field="supplier")
    actor = actor.acting_for(supplier)
    note = check_text((note or "").strip(), field="note", limit=SHORT_TEXT)
    today = timezone.localdate(now)
    oms = rules.settings()
    cells = rules.clean_lines(lines, supplier=supplier, today=today, oms=oms)
    months = rules.horizon(today, oms)
    frozen = set(months[: oms.freeze_months])
    submission = ForecastSubmission.objects.create(
        supplier=supplier,
        submitted_by=actor.user,
        submitted_at=now,
        first_month=months[0],
        lines=[
            {
                "month": c.month.isoformat(),
                "region": c.region,
                "variant": c.variant.code,
                "quantity": c.quantity,
            }
            for c in cells
        ],
        note=note,
    )
    # The submission is the supplier's forecast of every month it may still change: cells it leaves out
    # there are withdrawn; frozen months keep what they had, gaining only cells not yet forecast.
    current = {
        (f.month, f.region, f.variant_id): f
        for f in Forecast.objects.select_for_update().filter(supplier=supplier, month__in=months)
    }
    given = {(c.month, c.region, c.variant.pk): c for c in cells}
    changed = added = removed = 0
    for key, cell in given.items():
        existing = current.get(key)
        if existing is None:
            Forecast.objects.create(
                supplier=supplier,
                month=cell.month,
                region=cell.region,
                variant=cell.variant,
                quantity=cell.quantity,
                submission=submission,
                updated_at=now,
            )
            added += 1
        elif existing.quantity != cell.quantity or existing.submission_id != submission.pk:
            changed += existing.quantity != cell.quantity
            existing.quantity, existing.submission, existing.updated_at = cell.quantity, submission, now
            existing.save(update_fields=["quantity", "submission", "updated_at"])
    stale = [f.pk for key, f in current.items() if key not in given and f.month not in frozen]
    if stale:
        removed = Forecast.objects.filter(pk__in=stale).delete()[0]
    journal(
        actor=actor,
        action="hub_forecast.submit",
        obj=submission,
        owner=supplier,
        changes={
            "lines": [None, len(cells)],
            "cells_added": [None, added],
            "cells_changed": [None, changed],
            "cells_withdrawn": [None, removed],
        },
        note=note,
    )
    return submission


@action
def submit_forecast(
    *,
    actor: Actor,
    lines: Sequence[Mapping[str, Any]],
    supplier: Any = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ForecastSubmission:
    """Submit ``supplier``'s rolling forecast: ``lines`` of month (``2027-08``), region, variant (code)
    and quantity (0–1,000,000). Refused whole, every bad line named, when any line is bad."""
    return _submit(actor, supplier, lines, note, now)


@action
def upload_forecast(
    *,
    actor: Actor,
    content: bytes,
    supplier: Any = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ForecastSubmission:
    """Submit a forecast from a CSV file (header ``month,region,variant,quantity``): all or nothing, each
    bad line named by its line number in the file."""
    if supplier is None:
        supplier = actor.organisation
    if supplier is not None:
        refuse(permissions.can_forecast(scope_of(actor), supplier), field="supplier")
    return _submit(actor, supplier, rules.read_csv(content), note, now)
