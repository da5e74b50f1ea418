"""Bulletins reach the subscribers of the change's services who ticked that kind: each in the inbox and,
by email if they chose it and have not switched "change.bulletin" off, one message each; others not."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from busbar.changes import actions, bulletins
from busbar.changes.models import (
    Bulletin,
    BulletinKind,
    ChangeNotification,
    ChangeStatus,
    ServiceSubscription,
)
from busbar.changes.tests.conftest import NOW
from busbar.conftest import make_user
from busbar.lib.actions import Actor, action
from busbar.parties.models import MembershipRole
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db


def _complete_live(chg, capture):
    mail.outbox.clear()
    with capture(execute=True):
        actions.complete_change(
            actor=Actor(user=chg.provider), change=chg.live, now=NOW + dt.timedelta(minutes=30)
        )
    return Bulletin.objects.get(change=chg.live, kind=BulletinKind.COMPLETED)


def test_subscriber_gets_inbox_and_one_email(chg, django_capture_on_commit_callbacks):
    bulletin = _complete_live(chg, django_capture_on_commit_callbacks)
    assert bulletin.recipient_count == 1 and list(bulletin.services.all()) == [chg.css]
    inbox = Notification.objects.get(recipient=chg.alpha, kind=Notification.Kind.BULLETIN)
    assert inbox.record_id == chg.live.record_id and inbox.title == bulletin.title
    assert inbox.url == f"/changes/{chg.live.reference}/"
    to_alpha = [m for m in mail.outbox if m.to == [chg.alpha.email]]
    assert len(to_alpha) == 1 and chg.live.reference in to_alpha[0].subject
    assert "Completed" in to_alpha[0].subject and "UK time" in to_alpha[0].body
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert not Notification.objects.filter(recipient=chg.bravo).exists()
    assert not [m for m in mail.outbox if chg.bravo.email in m.to]


def test_preferences_and_kinds(chg, django_capture_on_commit_callbacks):
    admin = chg.world.admin_a
    ServiceSubscription.objects.create(user=admin, service=chg.css_reg, by_email=True)
    admin.notification_preferences = {"change.bulletin": False}
    admin.save(update_fields=["notification_preferences"])
    ServiceSubscription.objects.create(user=chg.bravo, service=chg.css, by_email=False)
    ServiceSubscription.objects.create(user=chg.gas, service=chg.css, completed=False)
    ServiceSubscription.objects.filter(user=chg.alpha).update(by_email=True)
    chg.live.service_rows.model.objects.create(
        change=chg.live,
        service=chg.css_reg,
        planned_start=chg.live.planned_start,
        planned_end=chg.live.planned_end,
        status=chg.live.status,
    )
    bulletin = _complete_live(chg, django_capture_on_commit_callbacks)
    told = set(Notification.objects.filter(kind="bulletin").values_list("recipient_id", flat=True))
    assert told == {chg.alpha.pk, admin.pk, chg.bravo.pk}  # gas ticked off completions
    assert bulletin.recipient_count == 3
    emailed = sorted(m.to[0] for m in mail.outbox)
    assert emailed == [chg.alpha.email]  # admin switched bulletins off; bravo chose the portal only


def test_one_of_each_for_several_services(chg, django_capture_on_commit_callbacks):
    ServiceSubscription.objects.create(user=chg.alpha, service=chg.uk_link)

    @action
    def status_bulletin(*, actor):
        from busbar.audit.journal import record

        record(actor=actor, action="change.test", obj=chg.css, owner=None)
        return bulletins.send(
            kind=BulletinKind.STATUS,
            services=[chg.css, chg.uk_link],
            title="CSS and UK Link degraded",
            body="Slow responses",
            now=NOW,
        )

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        bulletin = status_bulletin(actor=Actor.system())
    assert bulletin.recipient_count == 1
    assert Notification.objects.filter(recipient=chg.alpha, record=None).count() == 1
    assert [m.to for m in mail.outbox] == [[chg.alpha.email]]
    assert mail.outbox[0].subject == "CSS and UK Link degraded"


def test_no_bulletin_for_a_change_without_outage(chg, django_capture_on_commit_callbacks):
    change = actions.submit_change(actor=Actor(user=chg.provider), change=chg.draft, now=NOW)
    chg.draft.__class__.objects.filter(pk=change.pk).update(is_outage=False, status="accepted")
    change.refresh_from_db()
    actions.start_change(actor=Actor(user=chg.provider), change=change, now=NOW)
    assert not Bulletin.objects.filter(change=change).exists()


def test_cancelling_a_published_outage_is_announced(chg, django_capture_on_commit_callbacks):
    ChangeNotification.objects.filter(pk=chg.draft.pk).update(status=ChangeStatus.ACCEPTED)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_change(
            actor=Actor(user=chg.provider), change=chg.draft, reason="Vendor patch withdrawn", now=NOW
        )
        actions.cancel_change(actor=Actor(user=chg.provider), change=chg.submitted, reason="Not needed")
    bulletin = Bulletin.objects.get(kind=BulletinKind.CANCELLED)
    assert bulletin.change_id == chg.draft.pk and "Vendor patch withdrawn" in bulletin.body
    # Participants no longer read a cancelled change: the inbox item leads to the bulletins page.
    inbox = Notification.objects.get(recipient=chg.alpha)
    assert inbox.record is None and inbox.url == "/changes/bulletins/"
    assert [m.to for m in mail.outbox] == [[chg.alpha.email]]
    assert "/changes/bulletins/" in mail.outbox[0].body
    assert not Bulletin.objects.filter(change=chg.submitted).exists()  # never published


def test_queries_do_not_grow_with_subscribers(chg, django_capture_on_commit_callbacks):
    def announce():
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False),
            transaction.atomic(),
        ):
            actions.start_change(actor=Actor(user=chg.gas), change=chg.accepted, now=NOW)
            transaction.set_rollback(True)
        return len(queries)

    ServiceSubscription.objects.create(user=chg.bravo, service=chg.uk_link)
    one = announce()
    for n in range(6):
        user = make_user(chg.world.org_b, f"watcher{n}@bravo.example", MembershipRole.PARTICIPANT)
        ServiceSubscription.objects.create(user=user, service=chg.uk_link)
    assert announce() <= one
