"""Publication emails: one message per subscriber who may read the report, after the commit; a subscriber
who may not read it (a participant subscribed to a provider's report, another provider) gets nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from busbar.lib.actions import Actor
from busbar.reports.actions import service_reports as actions
from busbar.reports.models import ReportSubscription
from busbar.reports.tests._service_report_helpers import make_report
from busbar.reports.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def _publish(slm, report, capture):
    mail.outbox.clear()
    with capture(execute=True):
        actions.publish_report(actor=Actor(user=slm.ops), report=report, now=NOW)


def test_end_to_end_report_emails_each_subscriber_once(slm, django_capture_on_commit_callbacks) -> None:
    report = make_report(slm)
    for user in (slm.alpha, slm.bravo, slm.provider, slm.desk):
        actions.subscribe(actor=Actor(user=user), provider=None)
    ReportSubscription.objects.create(user=slm.gas, provider=slm.world.provider)  # not this report's scope
    _publish(slm, report, django_capture_on_commit_callbacks)
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.email for u in (slm.alpha, slm.bravo, slm.provider, slm.desk)
    )
    message = mail.outbox[0]
    assert "May 2027" in message.subject and "End to end" in message.subject
    assert f"/service-reports/{report.pk}/" in message.body


def test_provider_report_goes_only_to_who_may_read_it(slm, django_capture_on_commit_callbacks) -> None:
    report = make_report(slm, provider=slm.world.provider)
    actions.subscribe(actor=Actor(user=slm.provider), provider=slm.world.provider)
    actions.subscribe(actor=Actor(user=slm.desk), provider=slm.world.provider)
    # Subscriptions that should never have been made (written directly): not told.
    ReportSubscription.objects.create(user=slm.alpha, provider=slm.world.provider)
    ReportSubscription.objects.create(user=slm.gas, provider=slm.world.provider)
    _publish(slm, report, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([slm.provider.email, slm.desk.email])


def test_nothing_is_sent_before_the_commit_or_without_subscribers(
    slm, django_capture_on_commit_callbacks
) -> None:
    report = make_report(slm)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.publish_report(actor=Actor(user=slm.ops), report=report, now=NOW)
    assert mail.outbox == [] and len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert mail.outbox == []
