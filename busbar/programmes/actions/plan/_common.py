"""What the plan actions share: the checks of codes, RAGs, orders, dates and organisations, the unique-clash
savepoint and ``KEEP`` (an update's "leave this field"). No actions here: every public function of an
actions module must be an ``@action``, so the helpers are private."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from busbar.lib.actions import ActionError, Conflict
from busbar.parties.models import Organisation
from busbar.programmes import queries
from busbar.programmes.actions.common import check_date, clean_text
from busbar.programmes.models import Rag

#: A milestone code or task ref: used in addresses (``/plan/milestones/M14/``), so letters, digits, . _ -
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: ``order`` fields are small positive integers.
ORDER_MAX = 32_767
RE_BASELINE = "Only an approved change request re-baselines a milestone"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _code(value: Any, *, field: str, limit: int, what: str) -> str:
    text = clean_text(value, field=field, limit=limit, what=what)
    if not CODE_RE.match(text):
        raise ActionError(f"{what} uses letters, digits, '.', '_' and '-' only (e.g. M14)", field=field)
    return text


def _rag(value: Any, *, field: str = "rag") -> str:
    value = "" if value is None else str(value)
    if value not in Rag.values:
        raise ActionError(f"RAG is one of {', '.join(v or '(not rated)' for v in Rag.values)}", field=field)
    return value


def _order(value: Any, *, field: str = "order") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ORDER_MAX:
        raise ActionError(f"The order is a whole number from 0 to {ORDER_MAX}", field=field)
    return value


def _bool(value: Any, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise ActionError("Give yes or no (true or false)", field=field)
    return value


def _same_programme(obj: Any, programme_id: int, *, field: str, what: str) -> None:
    if obj is not None and obj.programme_id != programme_id:
        raise ActionError(f"{what} {obj} belongs to another programme", field=field)


def _participant(organisation: Organisation | None, programme_id: int, *, field: str) -> None:
    """``organisation`` takes part in the programme (members, test participants, function holders)."""
    if organisation is None:
        return
    if not organisation.is_active:
        raise ActionError(f"{organisation} is not active", field=field)
    if not Organisation.objects.filter(
        pk=organisation.pk, pk__in=queries.participant_organisation_ids(programme_id)
    ).exists():
        raise ActionError(f"{organisation} does not take part in this programme", field=field)


def _actual(value: dt.date | None, *, now: dt.datetime, field: str = "actual_date") -> dt.date | None:
    value = check_date(value, field=field)
    if value is not None and value > timezone.localdate(now):
        raise ActionError("An actual date cannot be in the future: give a forecast instead", field=field)
    return value


def _unique(create, *, message: str, field: str):
    """``create()`` in a savepoint; a unique clash is a conflict (409) naming ``field``."""
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        raise Conflict(message, field=field) from None


class _Keep:
    """The default of an update's fields: leave the field as it is (None is a value: it clears a date)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def _given(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not KEEP}
