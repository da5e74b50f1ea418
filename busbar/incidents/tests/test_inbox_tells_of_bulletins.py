"""A major-incident bulletin lands in the inbox of each participant told of it, and of nobody else."""

import pytest
from django.urls import reverse

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db


def test_each_participant_told_finds_the_bulletin_in_their_inbox(world, catalogue) -> None:
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="3", affected=[world.org_b])
    actions.triage_incident(actor=desk, incident=incident, severity=catalogue.severities["1"])
    major = incident.major
    communication = actions.send_communication(
        actor=desk, major=major, subject="CSS registrations failing", body="We are investigating."
    )
    bulletins = Notification.objects.filter(kind="bulletin")
    told = set(bulletins.values_list("recipient_id", flat=True))
    assert told == {world.user_a.pk, world.admin_a.pk, world.user_b.pk}
    assert communication.recipient_count == len(told)
    assert not bulletins.filter(recipient__in=[world.resolver, world.analyst, world.ops]).exists()
    note = bulletins.get(recipient=world.user_b)
    assert note.record_id == incident.record_id
    assert note.url == reverse("incident_detail", args=[incident.reference]) + "#major"
    assert "CSS registrations failing" in note.title

    page = world.client(world.user_b).get(reverse("inbox")).content.decode()
    assert "CSS registrations failing" in page and '<span class="count">1</span>' in page
    assert (
        "CSS registrations failing" not in world.client(world.resolver).get(reverse("inbox")).content.decode()
    )
