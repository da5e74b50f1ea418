"""What every programme-governance action shares: the journal entry, text and date bounds (imported by
the actions through ``actions.common``, which holds no function of its own: every public function of an
actions module must be an ``@action``).

Each action module (plan, raid, meetings, changes, readiness) is a set of ``@action`` functions taking
keyword arguments only: one transaction, refused with :mod:`busbar.programmes.permissions`, journalled
here, side effects (notices) queued ``on_commit``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from busbar.audit.journal import record as _record
from busbar.lib.actions import ActionError, Actor
from busbar.lib.limits import clean_text  # noqa: F401 (re-exported to the actions)
from busbar.programmes.workdays import FIRST_YEAR, LAST_YEAR


def journal(
    actor: Actor,
    obj: Any,
    what: str,
    *,
    changes: dict | None = None,
    note: str = "",
    owner: Any = None,
) -> None:
    """One journal entry ``programmes.<what>`` for ``obj`` (``owner``: the organisation it belongs to,
    when it has one)."""
    _record(actor=actor, action=f"programmes.{what}", obj=obj, owner=owner, changes=changes, note=note[:500])


def check_date(value: dt.date | None, *, field: str, required: bool = False) -> dt.date | None:
    """A date within the years plans may use (2000–2100)."""
    if value is None:
        if required:
            raise ActionError("A date is required", field=field)
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not (FIRST_YEAR <= value.year <= LAST_YEAR):
        raise ActionError(f"Use a date between {FIRST_YEAR} and {LAST_YEAR}", field=field)
    return value
