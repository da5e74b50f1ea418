"""Opening a major incident publishes the incident to every participant and cannot be taken back. Every path
that opens one — declaring it, and a major severity set by the desk when triaging or when raising — first says
who would be told and asks to confirm: the page shows a confirmation page, the API answers 422 naming
``confirm``. The rule lives here, for all of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from busbar.incidents import recipients
from busbar.incidents.models import Incident
from busbar.lib.actions import ActionError
from busbar.parties.models import Organisation
from busbar.services.models import Severity


def opens_major(*, severity: Severity | None, incident: Incident | None = None, desk: bool = True) -> bool:
    """Whether setting ``severity`` opens a major incident: when triaging ``incident`` (unless it already is
    one), or when raising (``incident`` None) by the desk — a participant's severity is only a suggestion."""
    if severity is None or not severity.is_major:
        return False
    if incident is None:
        return desk
    return not hasattr(incident, "major")


def require_confirmation(*, confirm: bool, told: Callable[[], recipients.Declaration]) -> None:
    """Refuse, naming ``confirm`` and saying who would be told, unless ``confirm``."""
    if not confirm:
        raise ActionError(f"{told().sentence}. Send confirm: true", field="confirm")


@dataclass(frozen=True)
class _Raising:
    """What ``recipients.declaration`` reads of an incident, for one not yet raised (or not yet triaged)."""

    organisation_id: int | None
    impact: str
    affected: QuerySet


def told_on_triage(incident: Incident, *, impact: str | None = None) -> recipients.Declaration:
    """Who would be told if triaging ``incident`` (to ``impact``, if given) opened a major incident."""
    if impact is None or impact == incident.impact:
        return recipients.declaration(incident)
    triaged = _Raising(
        organisation_id=incident.organisation_id, impact=impact, affected=incident.affected.all()
    )
    return recipients.declaration(triaged)  # type: ignore[arg-type]


def told_on_raise(
    *, organisation: Organisation | None, impact: str, affected: Iterable[Organisation] = ()
) -> recipients.Declaration:
    """Who would be told if the incident being raised for ``organisation`` opened a major incident."""
    ids = [o.pk for o in affected]
    raising = _Raising(
        organisation_id=organisation.pk if organisation is not None else None,
        impact=impact,
        affected=Organisation.objects.filter(pk__in=ids),
    )
    return recipients.declaration(raising)  # type: ignore[arg-type]
