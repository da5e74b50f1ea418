"""A major-incident bulletin reaches every affected participant as one message each: no message names
another recipient (competing suppliers must not learn of each other), in its headers or its body."""

import datetime as dt

import pytest
from django.core import mail

from busbar.conftest import make_org, make_user
from busbar.incidents import actions
from busbar.incidents.models import Impact, MajorIncident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.parties.models import IndustryRole, MembershipRole

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _participants(count_per_org: int, orgs: int) -> tuple[list, list[str]]:
    made, addresses = [], []
    for o in range(orgs):
        org = make_org(f"Supplier {o}", [IndustryRole.ENERGY_SUPPLIER])
        made.append(org)
        for n in range(count_per_org):
            user = make_user(org, f"person{n}@supplier{o}.example", MembershipRole.PARTICIPANT)
            addresses.append(user.email)
    return made, addresses


def test_a_bulletin_to_twenty_participants_is_twenty_messages_of_one_recipient(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    orgs, addresses = _participants(5, 4)
    assert len(addresses) == 20
    incident = raise_for(
        world,
        catalogue,
        severity="1",
        organisation=orgs[0],
        affected=orgs[1:],
        impact=Impact.SEVERAL,
        now=T0,
    )
    major = MajorIncident.objects.get(incident=incident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        communication = actions.send_communication(
            actor=actor_for(world.analyst),
            major=major,
            subject="CSS registrations failing",
            body="Registrations are failing; we are failing over the database.",
            now=T0 + dt.timedelta(minutes=10),
        )
    assert communication.recipient_count == 20
    assert len(mail.outbox) == 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(addresses)
    for message in mail.outbox:
        assert len(message.to) == 1 and message.cc == [] and message.bcc == []
        assert message.recipients() == message.to
        raw = message.message().as_string()
        assert "CSS registrations failing" in message.subject
        others = [a for a in addresses if a != message.to[0]]
        assert not [a for a in others if a in raw], "another recipient's address is in the message"
        assert message.extra_headers["Message-ID"] not in {
            m.extra_headers["Message-ID"] for m in mail.outbox if m is not message
        }


def test_a_message_naming_several_recipients_is_split_by_the_mail_queue(
    db, django_capture_on_commit_callbacks
) -> None:
    """Whoever builds a message (a library, a future path), the queue sends one message per recipient."""
    from django.core.mail import EmailMessage

    mail.outbox.clear()
    message = EmailMessage(
        subject="Hello",
        body="Body",
        to=["a@one.example", "b@two.example"],
        cc=["c@three.example"],
        bcc=["d@four.example"],
        headers={"Message-ID": "<x.1@busbar.example>"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert message.send() == 4
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@one.example",
        "b@two.example",
        "c@three.example",
        "d@four.example",
    ]
    for sent in mail.outbox:
        assert len(sent.recipients()) == 1 and not sent.cc and not sent.bcc
        raw = sent.message().as_string()
        assert sum(a in raw for a in ("a@one", "b@two", "c@three", "d@four")) == 1
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 4


def test_a_participant_who_does_not_want_bulletins_is_not_sent_one(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    world.user_b.notification_preferences = {"major_incident.bulletin": False}
    world.user_b.save(update_fields=["notification_preferences"])
    incident = raise_for(world, catalogue, severity="1", affected=[world.org_b], now=T0)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_communication(
            actor=actor_for(world.analyst), major=incident.major, subject="Update", body="Still failing."
        )
    sent_to = [m.to[0] for m in mail.outbox]
    assert world.user_a.email in sent_to and world.user_b.email not in sent_to
    assert all(len(m.recipients()) == 1 for m in mail.outbox)
