"""Chasing non-responders: each participant asked that has not submitted is told (inbox and email, one
message per person), recorded as a chase, at most once a (London) day; only the office chases, and only
an open assessment."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.programmes import heatmap
from busbar.programmes.actions import readiness as actions
from busbar.programmes.models import Chase
from busbar.programmes.tests.conftest import actor_for
from busbar.records.models import Notification

MORNING = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def test_chase_tells_each_non_responder_once_a_day(
    gov, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    office = actor_for(gov.office)
    pending = heatmap.non_responders(gov.ra5)
    assert gov.world.org_b in pending and gov.world.org_a not in pending  # Alpha has submitted
    with django_capture_on_commit_callbacks(execute=True):
        n = actions.chase(actor=office, assessment=gov.ra5, now=MORNING)
    assert n == len(pending)
    assert set(Chase.objects.filter(assessment=gov.ra5).values_list("organisation_id", flat=True)) == {
        o.pk for o in pending
    }
    told = Notification.objects.filter(title__contains="your response is awaited")
    recipients = set(told.values_list("recipient_id", flat=True))
    assert gov.bravo.pk in recipients and gov.prog.si.pk in recipients
    assert gov.alpha.pk not in recipients and gov.office.pk not in recipients
    assert all(len(m.to) == 1 for m in mailoutbox) and {m.to[0] for m in mailoutbox} >= {gov.bravo.email}
    assert gov.alpha.email not in {m.to[0] for m in mailoutbox}
    # Later the same (London) day: refused, nothing sent.
    with pytest.raises(Conflict, match="Already chased today"):
        actions.chase(actor=office, assessment=gov.ra5, now=MORNING + dt.timedelta(hours=10))
    assert Chase.objects.count() == n
    # The next day: chased again.
    again = actions.chase(actor=office, assessment=gov.ra5, now=MORNING + dt.timedelta(days=1))
    assert again == n and Chase.objects.count() == 2 * n


def test_chase_some_organisations_only(gov) -> None:
    office = actor_for(gov.office)
    assert actions.chase(actor=office, assessment=gov.ra5, organisations=[gov.world.org_b], now=MORNING) == 1
    with pytest.raises(ActionError, match="Not waiting for a response from: Alpha Energy"):
        actions.chase(actor=office, assessment=gov.ra5, organisations=[gov.world.org_a], now=MORNING)
    # Bravo is skipped today; the others are still chased.
    n = actions.chase(actor=office, assessment=gov.ra5, now=MORNING)
    assert n == len(heatmap.non_responders(gov.ra5)) - 1
    assert Chase.objects.filter(organisation=gov.world.org_b).count() == 1


def test_only_the_office_chases_an_open_assessment(gov) -> None:
    for user in (gov.alpha, gov.bravo, gov.assurer, gov.desk, gov.si):
        with pytest.raises(NotPermitted):
            actions.chase(actor=actor_for(user), assessment=gov.ra5, now=MORNING)
    actions.close_assessment(actor=actor_for(gov.office), assessment=gov.ra5)
    with pytest.raises(Conflict, match="only an open assessment is chased"):
        actions.chase(actor=actor_for(gov.office), assessment=gov.ra5, now=MORNING)
    assert not Chase.objects.exists()
