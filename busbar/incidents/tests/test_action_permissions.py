"""Who may do what to an incident, whatever the channel."""

import re

import pytest

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import ActionError, NotPermitted

pytestmark = pytest.mark.django_db


def test_participant_raises_only_for_own_organisation(world, catalogue) -> None:
    with pytest.raises(NotPermitted):
        raise_for(world, catalogue, organisation=world.org_b)
    incident = raise_for(world, catalogue)
    assert incident.organisation == world.org_a and incident.reference == incident.record.reference
    assert re.fullmatch(r"INC\d{7}", incident.reference)
    assert incident.channel == "portal"


def test_desk_raises_on_behalf_by_phone(world, catalogue) -> None:
    incident = raise_for(
        world, catalogue, user=world.analyst, organisation=world.org_b, contact_name="Caller"
    )
    assert incident.organisation == world.org_b and incident.channel == "phone"


@pytest.mark.parametrize("who", ["user_a", "user_b", "resolver", "admin_a"])
def test_only_desk_triages_and_assigns(world, catalogue, who: str) -> None:
    incident = raise_for(world, catalogue)
    actor = actor_for(getattr(world, who))
    with pytest.raises(NotPermitted):
        actions.triage_incident(actor=actor, incident=incident, severity=catalogue.severities["2"])
    with pytest.raises(NotPermitted):
        actions.assign_incident(actor=actor, incident=incident, provider=world.provider)


def test_provider_works_only_assigned_incidents(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    with pytest.raises(NotPermitted):
        actions.start_work(actor=actor_for(world.resolver), incident=incident)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    assert actions.start_work(actor=actor_for(world.resolver), incident=incident).status == "in_progress"
    with pytest.raises(NotPermitted):
        actions.start_work(actor=actor_for(world.user_b), incident=incident)


def test_internal_notes_only_for_workers(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    with pytest.raises(NotPermitted):
        actions.add_update(actor=actor_for(world.user_a), incident=incident, body="x", internal=True)
    with pytest.raises(NotPermitted):
        actions.add_update(actor=actor_for(world.user_b), incident=incident, body="x")
    note = actions.add_update(
        actor=actor_for(world.analyst), incident=incident, body="call them", internal=True
    )
    assert note.is_internal


def test_attachment_limits(world, catalogue, settings) -> None:
    settings.BUSBAR_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ActionError) as too_big:
        raise_for(world, catalogue, attachments=[("log.txt", "text/plain", b"x" * 2048)])
    assert too_big.value.field == "attachments[0]"
    with pytest.raises(ActionError, match="not accepted"):
        raise_for(world, catalogue, attachments=[("run.exe", "application/x-msdownload", b"MZ")])
    from busbar.incidents.models import Incident

    assert not Incident.objects.exists()  # nothing half-written
    ok = raise_for(world, catalogue, attachments=[("log.txt", "text/plain", b"hello")])
    assert ok.record.attachments.get().size == 5


def test_links(world, catalogue) -> None:
    first, second = raise_for(world, catalogue), raise_for(world, catalogue)
    desk = actor_for(world.analyst)
    link = actions.link_incidents(actor=desk, source=second, target=first, kind="duplicate_of")
    assert link.source == second.record and link.target == first.record
    with pytest.raises(ActionError):
        actions.link_incidents(actor=desk, source=second, target=first, kind="duplicate_of")
    with pytest.raises(ActionError):
        actions.link_incidents(actor=desk, source=first, target=first, kind="caused_by")
    with pytest.raises(NotPermitted):
        actions.link_incidents(actor=actor_for(world.user_a), source=first, target=second, kind="caused_by")
