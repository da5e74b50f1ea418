"""Every status transition, allowed and denied, through the actions."""

import datetime as dt

import pytest

from busbar.incidents import actions
from busbar.incidents.models import TRANSITIONS, Status
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import IllegalTransition

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _in_state(world, catalogue, status: str):
    """An incident brought to ``status`` through legal actions."""
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, now=T0)
    steps = {
        Status.NEW: [],
        Status.ASSIGNED: [lambda i: actions.assign_incident(actor=desk, incident=i, now=T0)],
        Status.IN_PROGRESS: [lambda i: actions.start_work(actor=desk, incident=i, now=T0)],
        Status.PENDING_PARTICIPANT: [
            lambda i: actions.set_pending(
                actor=desk, incident=i, awaiting="participant", note="logs?", now=T0
            )
        ],
        Status.PENDING_PROVIDER: [
            lambda i: actions.assign_incident(actor=desk, incident=i, now=T0),
            lambda i: actions.set_pending(actor=desk, incident=i, awaiting="provider", note="vendor", now=T0),
        ],
        Status.RESOLVED: [
            lambda i: actions.resolve_incident(actor=desk, incident=i, resolution="fixed", now=T0)
        ],
        Status.CLOSED: [
            lambda i: actions.resolve_incident(actor=desk, incident=i, resolution="fixed", now=T0),
            lambda i: actions.close_incident(actor=desk, incident=i, now=T0),
        ],
        Status.CANCELLED: [lambda i: actions.cancel_incident(actor=desk, incident=i, reason="dup", now=T0)],
    }[status]
    for step in steps:
        incident = step(incident)
    assert incident.status == status
    return incident


def _attempt(world, incident, target: str):
    desk = actor_for(world.analyst)
    later = T0 + dt.timedelta(hours=1)
    return {
        Status.ASSIGNED: lambda: actions.assign_incident(
            actor=desk,
            incident=incident,
            provider=world.operator if incident.provider_id == world.provider.pk else world.provider,
            now=later,
        ),
        Status.IN_PROGRESS: lambda: (
            actions.reopen_incident(actor=desk, incident=incident, reason="back", now=later)
            if incident.status in (Status.RESOLVED, Status.CLOSED)
            else actions.start_work(actor=desk, incident=incident, now=later)
        ),
        Status.PENDING_PARTICIPANT: lambda: actions.set_pending(
            actor=desk, incident=incident, awaiting="participant", note="?", now=later
        ),
        Status.PENDING_PROVIDER: lambda: actions.set_pending(
            actor=desk, incident=incident, awaiting="provider", note="?", now=later
        ),
        Status.RESOLVED: lambda: actions.resolve_incident(
            actor=desk, incident=incident, resolution="ok", now=later
        ),
        Status.CLOSED: lambda: actions.close_incident(actor=desk, incident=incident, now=later),
        Status.CANCELLED: lambda: actions.cancel_incident(
            actor=desk, incident=incident, reason="x", now=later
        ),
    }[target]


CASES = [(s, t) for s in Status.values for t in Status.values if t != Status.NEW]


@pytest.mark.parametrize(("current", "target"), CASES)
def test_transition_table_is_enforced(world, catalogue, current: str, target: str) -> None:
    from busbar.lib.actions import Actor
    from busbar.parties.actions import update_organisation
    from busbar.parties.models import IndustryRole

    # The operator also provides a service here, so "assign to another provider" is possible from any state.
    update_organisation(
        actor=Actor.system(),
        organisation=world.operator,
        roles=[IndustryRole.SWITCHING_OPERATOR, IndustryRole.SERVICE_DESK, IndustryRole.UK_LINK],
    )
    incident = _in_state(world, catalogue, current)
    attempt = _attempt(world, incident, target)
    if target in TRANSITIONS[current]:
        result = attempt()
        assert result.status == target
    else:
        with pytest.raises(IllegalTransition) as excinfo:
            attempt()
        assert current in excinfo.value.message
        incident.refresh_from_db()
        assert incident.status == current  # nothing changed


def test_reopen_outside_window_refused(world, catalogue, settings) -> None:
    from busbar.lib.actions import ActionError

    incident = _in_state(world, catalogue, Status.RESOLVED)
    late = T0 + dt.timedelta(days=settings.BUSBAR_REOPEN_WINDOW_DAYS, seconds=1)
    with pytest.raises(ActionError, match="within 10 days"):
        actions.reopen_incident(
            actor=actor_for(world.user_a), incident=incident, reason="still broken", now=late
        )
