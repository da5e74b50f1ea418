"""A provider without portal use replies by email; the reply is threaded onto the incident."""

import pytest
from django.core import mail

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import ActionError
from busbar.records.models import Entry as Update

pytestmark = pytest.mark.django_db


def _assigned_with_email(world, catalogue, django_capture_on_commit_callbacks, *, portal=True):
    from busbar.lib.actions import Actor
    from busbar.parties.actions import set_membership_active, update_organisation

    update_organisation(
        actor=Actor.system(), organisation=world.provider, contact_email="ops@provider.example"
    )
    incident = raise_for(world, catalogue)
    if not portal:
        # The provider does not use the portal: nobody there has an active membership.
        set_membership_active(actor=Actor.system(), membership=world.resolver.memberships.get(), active=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    return incident


def _reply(to_message, sender: str, body: str, message_id: str = "<reply-1@provider.example>") -> bytes:
    return (
        f"From: Provider Ops <{sender}>\r\n"
        f"To: desk@busbar.example\r\n"
        f"Subject: RE: {to_message.subject}\r\n"
        f"Message-ID: {message_id}\r\n"
        f"In-Reply-To: {to_message.extra_headers['Message-ID']}\r\n"
        f"References: {to_message.extra_headers['Message-ID']}\r\n"
        f"Date: Mon, 1 Jun 2026 10:00:00 +0100\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n\r\nOn Mon, 1 Jun 2026 at 09:00, Busbar <desk@busbar.example> wrote:\r\n> old text\r\n"
    ).encode()


def test_assignment_email_then_reply_is_threaded(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    incident = _assigned_with_email(world, catalogue, django_capture_on_commit_callbacks)
    sent = [m for m in mail.outbox if incident.reference in m.subject]
    assert sent and sent[0].to == ["resolver@provider.example"]
    assert sent[0].extra_headers["Message-ID"].startswith(f"<{incident.reference}.")
    update = actions.receive_email(
        raw=_reply(sent[0], "resolver@provider.example", "Fixed the queue, please retest.")
    )
    assert update.record == incident.record and update.channel == "email"
    assert update.body == "Fixed the queue, please retest."  # quoted history removed
    assert update.author == world.resolver
    incident.refresh_from_db()
    assert incident.responded_at is not None


def test_replayed_message_is_refused(world, catalogue, django_capture_on_commit_callbacks) -> None:
    incident = _assigned_with_email(world, catalogue, django_capture_on_commit_callbacks)
    sent = next(m for m in mail.outbox if incident.reference in m.subject)
    raw = _reply(sent, "resolver@provider.example", "Done.")
    actions.receive_email(raw=raw)
    with pytest.raises(ActionError, match="already received"):
        actions.receive_email(raw=raw)
    assert Update.objects.filter(record=incident.record).count() == 1


def test_stranger_cannot_update_by_email(world, catalogue, django_capture_on_commit_callbacks) -> None:
    incident = _assigned_with_email(world, catalogue, django_capture_on_commit_callbacks)
    sent = next(m for m in mail.outbox if incident.reference in m.subject)
    with pytest.raises(ActionError, match="may not update"):
        actions.receive_email(raw=_reply(sent, "user@bravo.example", "I am B"))
    with pytest.raises(ActionError, match="not a Busbar user"):
        actions.receive_email(raw=_reply(sent, "nobody@nowhere.example", "hi"))
    assert not Update.objects.filter(record=incident.record).exists()


def test_auto_reply_and_garbage_are_refused(world, catalogue, django_capture_on_commit_callbacks) -> None:
    incident = _assigned_with_email(world, catalogue, django_capture_on_commit_callbacks)
    sent = next(m for m in mail.outbox if incident.reference in m.subject)
    auto = _reply(sent, "resolver@provider.example", "I am out of the office").replace(
        b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:"
    )
    with pytest.raises(ActionError, match="Automatic replies"):
        actions.receive_email(raw=auto)
    with pytest.raises(ActionError):
        actions.receive_email(raw=b"")


def test_reply_threads_by_subject_tag_alone(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    raw = (
        f"From: user@alpha.example\r\nTo: desk@busbar.example\r\nSubject: Re: [{incident.reference}] help\r\n"
        "Message-ID: <a1@alpha.example>\r\n\r\nStill failing at 10:05.\r\n"
    ).encode()
    update = actions.receive_email(raw=raw)
    assert update.record == incident.record and update.author == world.user_a


def test_provider_without_portal_gets_email_and_replies_from_its_mailbox(
    world,
    catalogue,
    django_capture_on_commit_callbacks,
) -> None:
    incident = _assigned_with_email(world, catalogue, django_capture_on_commit_callbacks, portal=False)
    sent = next(m for m in mail.outbox if incident.reference in m.subject)
    assert sent.to == ["ops@provider.example"]
    assert incident.reference in sent.body and "Reply to this email" in sent.body
    update = actions.receive_email(
        raw=_reply(sent, "ops@provider.example", "Restarted the matcher; monitoring.")
    )
    assert update.record == incident.record and update.author is None
    assert update.author_organisation == world.provider and "CSS Provider" in update.author_label
    assert not update.is_internal
