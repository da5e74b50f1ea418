"""Who may do what to an incident: the only place these rules live.

Each ``can_<verb>(scope, incident)`` answers None (allowed) or the reason it is refused. The actions
refuse with them (:func:`refuse`), the incident page and the API offer only what they allow. The state of
the incident (open, resolved, the transition table) is the actions' and the transition table's concern;
these say *who*. ``scope`` is the caller's :class:`~busbar.parties.queries.Scope`; the system (scans,
monitoring) acts with :data:`~busbar.parties.queries.SYSTEM`, which has the desk's powers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.lib.actions import refuse

__all__ = ["refuse"]

if TYPE_CHECKING:
    from busbar.incidents.models import Incident
    from busbar.parties.models import Organisation
    from busbar.parties.queries import Scope


# Relations -------------------------------------------------------------------------------------------------


def is_desk(scope: Scope) -> bool:
    return scope.is_desk


def is_provider(scope: Scope, incident: Incident) -> bool:
    """A resolver of the provider the incident is assigned to."""
    return incident.provider_id is not None and incident.provider_id in scope.resolver_for


def is_raiser(scope: Scope, incident: Incident) -> bool:
    """A member of the organisation that raised it."""
    return incident.organisation_id in scope.organisation_ids


def is_worker(scope: Scope, incident: Incident) -> bool:
    """Works it: the desk or the assigned provider's resolvers."""
    return is_desk(scope) or is_provider(scope, incident)


# The rules -------------------------------------------------------------------------------------------------


def can_raise_for(scope: Scope, organisation: Organisation) -> str | None:
    if scope.is_desk or organisation.pk in scope.organisation_ids:
        return None
    return "You can only raise incidents for your own organisation"


def can_name_affected(scope: Scope) -> str | None:
    return None if scope.is_desk else "Only the service desk can name affected organisations"


def can_act_in_bulk(scope: Scope) -> str | None:
    """Bulk actions on many incidents at once (assign, severity, note): the service desk only. Each
    incident's own change is still checked by its action (``can_assign``, ``can_triage``, …)."""
    return None if scope.is_desk else "Only the service desk acts on many incidents at once"


def can_triage(scope: Scope, incident: Incident) -> str | None:
    return None if is_desk(scope) else "Only the service desk can triage incidents"


def can_assign(scope: Scope, incident: Incident, provider: Organisation | None = None) -> str | None:
    """The desk assigns to any provider; the assigned provider only chooses the person within itself."""
    if is_desk(scope):
        return None
    if is_provider(scope, incident) and (provider is None or provider.pk == incident.provider_id):
        return None
    return "Only the service desk can assign incidents to a provider"


def _worker(scope: Scope, incident: Incident, what: str) -> str | None:
    if is_worker(scope, incident):
        return None
    return f"Only the service desk or the assigned provider can {what}"


def can_start(scope: Scope, incident: Incident) -> str | None:
    return _worker(scope, incident, "start work")


def can_set_pending(scope: Scope, incident: Incident) -> str | None:
    return _worker(scope, incident, "put incidents on hold")


def can_resolve(scope: Scope, incident: Incident) -> str | None:
    return _worker(scope, incident, "resolve incidents")


def _desk_or_raiser(scope: Scope, incident: Incident, what: str) -> str | None:
    if is_desk(scope) or is_raiser(scope, incident):
        return None
    return f"Only the service desk or the raising organisation can {what} an incident"


def can_close(scope: Scope, incident: Incident) -> str | None:
    return _desk_or_raiser(scope, incident, "close")


def can_reopen(scope: Scope, incident: Incident) -> str | None:
    return _desk_or_raiser(scope, incident, "reopen")


def can_cancel(scope: Scope, incident: Incident) -> str | None:
    return _desk_or_raiser(scope, incident, "cancel")


def can_update(scope: Scope, incident: Incident) -> str | None:
    """A public update: whoever works it and the raising organisation."""
    if is_worker(scope, incident) or is_raiser(scope, incident):
        return None
    return "You cannot update this incident"


def can_write_internal(scope: Scope, incident: Incident) -> str | None:
    if is_worker(scope, incident):
        return None
    return "Only the desk and the provider can write internal notes"


def can_link(scope: Scope, incident: Incident) -> str | None:
    return None if is_desk(scope) else "Only the service desk can link incidents"


def can_declare_major(scope: Scope, incident: Incident) -> str | None:
    return None if is_desk(scope) else "Only the service desk can declare major incidents"


def can_run_major(scope: Scope, incident: Incident) -> str | None:
    """Manager, communications, update interval and the post-incident review."""
    return None if is_desk(scope) else "Only the service desk runs major incidents"


def participant_organisations(scope: Scope) -> list[int]:
    """The organisations ``scope`` acts for as a participant (participant users and their administrators),
    oldest membership first."""
    from busbar.parties.models import MembershipRole

    roles = {MembershipRole.PARTICIPANT, MembershipRole.ORG_ADMIN}
    ids = [m.organisation_id for m in scope.memberships if m.role in roles]
    return list(dict.fromkeys(ids))


def can_join_affected(
    scope: Scope, incident: Incident, organisation: Organisation | None = None
) -> str | None:
    """The "I'm affected too" button on a published major incident: a participant of an organisation
    (``organisation``, or any of theirs) that neither raised it nor is affected yet. Not the desk or
    providers, which name affected organisations otherwise."""
    from busbar.incidents.models import Impact

    if not scope.is_authenticated:
        return "Sign in first"
    mine = participant_organisations(scope)
    if organisation is not None:
        mine = [pk for pk in mine if pk == organisation.pk]
    if not mine:
        return "Only a participant organisation's members can report it is affected"
    if incident.impact == Impact.MARKET:
        return "This incident already affects every participant"
    already = {incident.organisation_id, *incident.affected.values_list("pk", flat=True)}
    if all(pk in already for pk in mine):
        return "Your organisation is already affected"
    return None


def available(scope: Scope, incident: Incident) -> list[str]:
    """What ``scope`` is offered on ``incident`` (the page's forms, the API's ``allowed_actions``): what the
    rules above allow, in the states the transition table allows."""
    from busbar.incidents.models import OPEN_STATUSES, TRANSITIONS, MajorIncident, Status

    status = incident.status
    allowed = TRANSITIONS.get(status, set())
    is_open = status in OPEN_STATUSES
    major = getattr(incident, "major", None) if _has_major(incident) else None
    major_open = major is not None and major.state != MajorIncident.State.CLOSED

    def may(check) -> bool:
        return check(scope, incident) is None

    offers = [
        ("triage", is_open, can_triage),
        ("assign", is_open, can_assign),
        ("start", is_open and Status.IN_PROGRESS in allowed, can_start),
        (
            "pending",
            is_open and bool({Status.PENDING_PARTICIPANT, Status.PENDING_PROVIDER} & allowed),
            can_set_pending,
        ),
        ("resolve", Status.RESOLVED in allowed, can_resolve),
        ("close", status == Status.RESOLVED, can_close),
        ("reopen", status in (Status.RESOLVED, Status.CLOSED), can_reopen),
        ("cancel", Status.CANCELLED in allowed, can_cancel),
        ("reply", status != Status.CANCELLED, can_update),
        ("link", True, can_link),
        ("affected-too", major_open and incident.is_published, can_join_affected),
        ("major-declare", major is None and status != Status.CANCELLED, can_declare_major),
        ("major-manager", major is not None, can_run_major),
        ("major-communicate", major_open, can_run_major),
        ("major-interval", major_open, can_run_major),
        (
            "major-review",
            major_open and status in (Status.RESOLVED, Status.CLOSED),
            can_run_major,
        ),
    ]
    return [verb for verb, state_allows, check in offers if state_allows and may(check)]


def _has_major(incident: Incident) -> bool:
    from busbar.incidents.models import MajorIncident

    try:
        incident.major  # noqa: B018 - cached by select_related on the pages that ask
    except MajorIncident.DoesNotExist:
        return False
    return True
