"""The bulletin: every active resolver of every provider of a service on the notice receives an inbox entry
and an email of its own (one recipient per message), told of its own services' lines only; unaffected
providers and other suppliers receive nothing. Sending it again after a change sends an updated bulletin.
The filer hears of a mitigation request; the desk of the filer's response."""

from django.core import mail

from busbar.conftest import make_user
from busbar.demand import actions
from busbar.demand.models import DemandStatus
from busbar.demand.tests.conftest import NOW, actor
from busbar.parties.models import MembershipRole
from busbar.records.models import Notification


def test_bulletin_reaches_each_affected_provider_only(d, django_capture_on_commit_callbacks) -> None:
    second = make_user(d.gas_org, "second@gascds.example", MembershipRole.RESOLVER)
    participant_at_gas = make_user(d.gas_org, "viewer@gascds.example", MembershipRole.PARTICIPANT)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notice = actions.notify_providers(actor=actor(d.world.analyst), notice=d.notice, now=NOW)
    assert notice.status == DemandStatus.PROVIDERS_NOTIFIED and notice.providers_notified_at == NOW
    assert all(len(m.to) == 1 for m in mail.outbox)
    emailed = sorted(m.to[0] for m in mail.outbox)
    assert emailed == sorted([d.world.resolver.email, d.gas.email, second.email])
    by = {m.to[0]: m for m in mail.outbox}
    gas_mail = by[d.gas.email].body
    assert "UK Link: 10500 a day" in gas_mail and "CSS" not in gas_mail
    css_mail = by[d.world.resolver.email].body
    assert "CSS: 1500 a day (normal 1000), above tolerance" in css_mail and "UK Link" not in css_mail
    assert by[d.gas.email].subject.endswith(f"Demand bulletin: {notice.reference} Summer tariff campaign")
    inbox = Notification.objects.filter(record=notice.record, kind=Notification.Kind.BULLETIN)
    assert {n.recipient_id for n in inbox} == {d.world.resolver.pk, d.gas.pk, second.pk}
    for outsider in (d.elec, d.world.user_b, participant_at_gas, d.world.user_a):
        assert outsider.email not in emailed
        assert not inbox.filter(recipient=outsider).exists()


def test_an_updated_bulletin_after_a_change(d, django_capture_on_commit_callbacks) -> None:
    desk = actor(d.world.analyst)
    actions.notify_providers(actor=desk, notice=d.notice, now=NOW)
    actions.request_mitigation(actor=desk, notice=d.notice, text="Spread it over 10 days", now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify_providers(actor=desk, notice=d.notice, note="Now spread over 10 days", now=NOW)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert set(subjects) == {d.world.resolver.email, d.gas.email}
    assert all("Updated demand bulletin" in s for s in subjects.values())
    assert all("Now spread over 10 days" in m.body and "replaces the bulletin" in m.body for m in mail.outbox)


def test_a_person_who_switched_bulletins_off_gets_the_inbox_entry_only(
    d, django_capture_on_commit_callbacks
) -> None:
    d.gas.notification_preferences = {"demand.bulletin": False}
    d.gas.save(update_fields=["notification_preferences"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify_providers(actor=actor(d.world.analyst), notice=d.notice, now=NOW)
    assert d.gas.email not in [m.to[0] for m in mail.outbox]
    assert Notification.objects.filter(record=d.notice.record, recipient=d.gas).exists()


def test_mitigation_tells_the_filer_and_the_response_tells_the_desk(
    d, django_capture_on_commit_callbacks
) -> None:
    desk = actor(d.world.analyst)
    actions.start_analysis(actor=desk, notice=d.notice, analysis="Too much on CSS on Monday", now=NOW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_mitigation(actor=desk, notice=d.notice, text="Spread over 10 days", now=NOW)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([d.world.user_a.email, d.world.admin_a.email])
    assert all("Spread over 10 days" in m.body for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.respond(actor=actor(d.world.user_a), notice=d.notice, response="We will stagger it", now=NOW)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([d.world.analyst.email, d.world.ops.email])
    assert all("We will stagger it" in m.body for m in mail.outbox)
