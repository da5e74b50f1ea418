"""Late returns: submitted after the due time is flagged late; a due return past its time is chased (the
provider's resolvers and administrators emailed, one message each) once per ``chase_every_days``; the
provider is told when a return opens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from busbar.lib.actions import Actor, Conflict
from busbar.reports.actions import returns as actions
from busbar.reports.models import KpiReturn
from busbar.reports.tasks import returns as tasks
from busbar.reports.tests.conftest import WORKING
from busbar.reports.tests.test_return_helpers import DUE, KPIS, ON_TIME, OPENED, open_may
from busbar.services.models import Calendar

pytestmark = pytest.mark.django_db
UTC = dt.UTC
LINES = [("row 1", {"kpi": "incidents", "value": "4"})]


def _submit(slm, r, when):
    return actions.submit_return(actor=Actor(user=slm.provider), kpi_return=r, lines=LINES, now=when)


def test_late_flag(slm) -> None:
    css, gas = open_may(slm)
    assert not _submit(slm, css, ON_TIME).is_late
    late = actions.submit_return(
        actor=Actor(user=slm.gas), kpi_return=gas, lines=LINES, now=DUE + dt.timedelta(minutes=1)
    )
    assert late.is_late
    listed = slm.client(slm.desk).get("/kpi-returns/").content.decode()
    assert listed.count('badge bad">Late') == 1


def test_opening_emails_the_provider_once_each(slm, django_capture_on_commit_callbacks) -> None:
    mail.outbox.clear()
    with pytest.raises(KpiReturn.DoesNotExist):
        KpiReturn.objects.get(provider=slm.world.provider)
    actions.set_schedule(
        actor=Actor(user=slm.desk),
        provider=slm.world.provider,
        kpis=KPIS,
        calendar=Calendar.objects.get(name=WORKING),
        now=OPENED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.open_and_chase.call(OPENED.isoformat())
    assert result == {"opened": 1, "chased": 0}
    sent = [m for m in mail.outbox if "KPI return" in m.subject]
    assert [m.to for m in sent] == [[slm.provider.email]]
    assert "is due" in sent[0].subject and "Mon 7 Jun 2027, 18:00" in sent[0].body
    assert tasks.open_and_chase.call(OPENED.isoformat()) == {"opened": 0, "chased": 0}


def test_chased_once_per_interval(slm, django_capture_on_commit_callbacks) -> None:
    css, gas = open_may(slm)
    _submit(slm, css, ON_TIME)  # CSS Provider on time: never chased
    mail.outbox.clear()
    assert tasks.open_and_chase.call(DUE.isoformat()) == {"opened": 0, "chased": 0}  # not late yet
    first = DUE + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.open_and_chase.call(first.isoformat()) == {"opened": 0, "chased": 1}
    gas.refresh_from_db()
    assert (gas.chase_count, gas.chased_at, gas.is_late) == (1, first, True)
    chased = [m for m in mail.outbox if "late" in m.subject]
    assert [m.to for m in chased] == [[slm.gas.email]]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.open_and_chase.call((first + dt.timedelta(days=1)).isoformat())["chased"] == 0
    with pytest.raises(Conflict):
        actions.chase(kpi_return=gas, now=first + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.open_and_chase.call((first + dt.timedelta(days=2)).isoformat())["chased"] == 1
    gas.refresh_from_db()
    assert gas.chase_count == 2
    assert len([m for m in mail.outbox if "late" in m.subject]) == 2
    css.refresh_from_db()
    assert css.chase_count == 0
    # Submitted after chasing: it stays late.
    again = actions.submit_return(
        actor=Actor(user=slm.gas), kpi_return=gas, lines=LINES, now=first + dt.timedelta(days=3)
    )
    assert again.is_late
