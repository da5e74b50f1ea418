"""A service set degraded or in outage by hand, and back to normal, sends a status bulletin to its
subscribers who ticked status bulletins (CH-12); planned maintenance set by hand sends none."""

from django.core import mail

from busbar.changes.models import Bulletin, BulletinKind, ServiceSubscription
from busbar.lib.actions import Actor
from busbar.records.models import Notification
from busbar.services.actions import set_service_status
from busbar.services.models import ServiceStatus, StatusPeriod


def _set(chg, status, django_capture_on_commit_callbacks, note=""):
    with django_capture_on_commit_callbacks(execute=True):
        set_service_status(actor=Actor(user=chg.ops), service=chg.css, status=status, note=note)


def test_outage_and_recovery_reach_subscribers(chg, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    _set(chg, ServiceStatus.OUTAGE, django_capture_on_commit_callbacks, note="Switch requests failing")
    bulletin = Bulletin.objects.get(kind=BulletinKind.STATUS)
    assert bulletin.title == "CSS: outage"
    assert "Switch requests failing" in bulletin.body
    assert bulletin.recipient_count == 1
    assert Notification.objects.filter(recipient=chg.alpha, title="CSS: outage").exists()
    assert not Notification.objects.filter(recipient=chg.bravo).exists()
    assert [m.to for m in mail.outbox] == [[chg.alpha.email]]
    assert StatusPeriod.objects.get(service=chg.css, ended_at__isnull=True).status == ServiceStatus.OUTAGE

    _set(chg, ServiceStatus.OPERATIONAL, django_capture_on_commit_callbacks)
    assert Bulletin.objects.filter(kind=BulletinKind.STATUS).count() == 2
    assert Bulletin.objects.latest("id").title == "CSS is back to normal"
    assert not StatusPeriod.objects.filter(service=chg.css, ended_at__isnull=True).exists()


def test_unticked_status_and_maintenance_send_nothing(chg, django_capture_on_commit_callbacks):
    ServiceSubscription.objects.filter(user=chg.alpha).update(status=False)
    _set(chg, ServiceStatus.DEGRADED, django_capture_on_commit_callbacks)
    assert Bulletin.objects.get(kind=BulletinKind.STATUS).recipient_count == 0
    _set(chg, ServiceStatus.MAINTENANCE, django_capture_on_commit_callbacks)
    # Degraded → maintenance is still a change away from degraded: announced (to nobody here).
    assert Bulletin.objects.filter(kind=BulletinKind.STATUS).count() == 2
    _set(chg, ServiceStatus.OPERATIONAL, django_capture_on_commit_callbacks)
    # Maintenance → operational: the change's own bulletins say that; no status bulletin.
    assert Bulletin.objects.filter(kind=BulletinKind.STATUS).count() == 2
