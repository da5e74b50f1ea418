"""An outage still in progress past its planned end is announced as overrunning once: the scan marks it,
journals it and sends the "overrun" bulletin; scanning again sends nothing."""

import datetime as dt

import pytest
from django.core import mail

from busbar.audit.models import AuditEntry
from busbar.changes import actions, tasks
from busbar.changes.models import Bulletin, BulletinKind, ChangeNotification
from busbar.changes.tests.conftest import NOW
from busbar.lib.actions import Actor, Conflict
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db

LATE = NOW + dt.timedelta(hours=3)  # the live change was planned to end at NOW + 2 h


def test_not_yet_due(chg):
    assert tasks.check_overruns.call(NOW.isoformat()) == 0
    assert not Bulletin.objects.filter(kind=BulletinKind.OVERRUN).exists()


def test_overrun_announced_once(chg, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.check_overruns.call(LATE.isoformat()) == 1
    change = ChangeNotification.objects.get(pk=chg.live.pk)
    assert change.overrun_notified_at == LATE
    bulletin = Bulletin.objects.get(kind=BulletinKind.OVERRUN)
    assert bulletin.change == change and bulletin.recipient_count == 1
    assert "Overrunning" in bulletin.title
    assert AuditEntry.objects.filter(action="change.overrun", record_id=str(change.pk)).count() == 1
    assert Notification.objects.filter(recipient=chg.alpha, kind="bulletin").count() == 1
    assert [m.to for m in mail.outbox] == [[chg.alpha.email]]
    # Again, later: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.check_overruns.call((LATE + dt.timedelta(hours=1)).isoformat()) == 0
    with pytest.raises(Conflict):
        actions.check_overruns(actor=Actor.system(), now=LATE + dt.timedelta(hours=2))
    assert Bulletin.objects.filter(kind=BulletinKind.OVERRUN).count() == 1
    assert len(mail.outbox) == 1


def test_completed_changes_do_not_overrun(chg):
    actions.complete_change(actor=Actor(user=chg.provider), change=chg.live, now=NOW)
    assert tasks.check_overruns.call(LATE.isoformat()) == 0
