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


def _major(world, catalogue):
    desk = actor_for(world.analyst)
    incident = raise_for(world, catalogue, severity="3", affected=[world.org_b])
    actions.triage_incident(actor=desk, incident=incident, severity=catalogue.severities["1"])
    return incident


def test_turning_off_bulletin_emails_keeps_bulletins_in_the_inbox(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    world.user_b.notification_preferences = {"major_incident.bulletin": False}
    world.user_b.save(update_fields=["notification_preferences"])
    incident = _major(world, catalogue)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_communication(
            actor=actor_for(world.analyst),
            major=incident.major,
            subject="Registrations failing",
            body="Looking.",
        )
    told = set(Notification.objects.filter(kind="bulletin").values_list("recipient_id", flat=True))
    assert told == {world.user_a.pk, world.admin_a.pk, world.user_b.pk}
    emailed = {m.to[0] for m in mail.outbox if "Registrations failing" in m.subject + m.body}
    assert world.user_a.email in emailed and world.user_b.email not in emailed


def test_a_bulletin_to_thirty_costs_the_queries_of_one_to_three(world, catalogue) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from busbar.accounts.models import User
    from busbar.conftest import make_user
    from busbar.incidents import inbox
    from busbar.parties.models import MembershipRole

    incident = _major(world, catalogue)
    for i in range(27):
        org = world.org_a if i % 2 else world.org_b
        make_user(org, f"reader{i}@{org.pk}.example", MembershipRole.PARTICIPANT)

    def cost(people) -> int:
        Notification.objects.filter(kind="bulletin").delete()
        fresh = list(User.objects.filter(pk__in=[u.pk for u in people]))  # no scope cached yet
        with CaptureQueriesContext(connection) as captured:
            inbox.bulletin(incident.major, fresh, "Registrations failing")
        assert Notification.objects.filter(kind="bulletin").count() == len(people)
        return len(captured)

    three = [world.user_a, world.admin_a, world.user_b]
    thirty = list(User.objects.filter(memberships__organisation__in=[world.org_a, world.org_b]).distinct())
    assert len(thirty) == 30
    cost(three)  # reads the incident's kernel record once
    assert cost(thirty) == cost(three) <= 5
