"""Grace-period entry (TA-10): a participant not ready on day 1 enters a started phase until
``phase.grace_until`` (status GRACE; on the first day itself: ENTERED); later it is refused naming the last
day; a phase without a grace period, or not in progress, refuses late entry."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from busbar.lib.actions import Conflict, IllegalTransition, NotPermitted
from busbar.testing.actions import setup as actions
from busbar.testing.models import EntryStatus
from busbar.testing.tests.conftest import actor_for
from busbar.testing.tests.setup_fixtures import SIT_START, planned_phase, si

pytestmark = pytest.mark.django_db


def _late(prog, grace_days=30):
    phase = planned_phase(prog, grace_days=grace_days)
    bravo = phase.participations.get(organisation=prog.world.org_b)
    actions.start_phase(actor=si(prog), phase=phase, on=SIT_START, not_ready=[bravo])
    return phase, bravo


def test_entry_within_the_grace_period_is_in_grace(prog):
    phase, bravo = _late(prog)
    assert phase.grace_until == dt.date(2026, 10, 7)
    entered = actions.enter_phase(actor=si(prog), participation=bravo, on=dt.date(2026, 10, 7))
    assert entered.status == EntryStatus.GRACE and entered.entered_on == dt.date(2026, 10, 7)
    with pytest.raises(IllegalTransition):
        actions.enter_phase(actor=si(prog), participation=bravo, on=dt.date(2026, 10, 7))


def test_entry_on_the_first_day_is_plain_entry(prog):
    _, bravo = _late(prog)
    assert (
        actions.enter_phase(actor=si(prog), participation=bravo, on=SIT_START).status == EntryStatus.ENTERED
    )


def test_entry_after_the_grace_period_is_refused_naming_the_last_day(prog):
    _, bravo = _late(prog)
    with pytest.raises(Conflict) as refused:
        actions.enter_phase(actor=si(prog), participation=bravo, on=dt.date(2026, 10, 8))
    assert "ended on 7 Oct 2026 (its last day)" in refused.value.message
    bravo.refresh_from_db()
    assert bravo.status == EntryStatus.PLANNED


def test_a_phase_without_grace_refuses_late_entry(prog):
    _, bravo = _late(prog, grace_days=0)
    with pytest.raises(Conflict) as refused:
        actions.enter_phase(actor=si(prog), participation=bravo, on=dt.date(2026, 9, 8))
    assert "no grace period" in refused.value.message


def test_a_planned_phase_is_not_entered_late(prog):
    phase = planned_phase(prog)
    alpha = phase.participations.get(organisation=prog.world.org_a)
    with pytest.raises(Conflict):
        actions.enter_phase(actor=si(prog), participation=alpha, on=SIT_START)


def test_only_the_si_lets_a_participant_in(prog):
    _, bravo = _late(prog)
    for user in (prog.world.user_b, prog.assurer, prog.world.analyst):
        with pytest.raises(NotPermitted):
            actions.enter_phase(actor=actor_for(user), participation=bravo, on=dt.date(2026, 9, 20))


def test_the_api_and_the_page_enter_within_grace_and_refuse_after(prog):
    phase, bravo = _late(prog)
    client = prog.world.client(prog.si)
    url = f"/api/v1/testing/participations/{bravo.pk}/enter"
    late = client.post(url, data=json.dumps({"on": "2026-10-09"}), content_type="application/json")
    assert late.status_code == 409 and "7 Oct 2026" in late.json()["detail"]
    bad = client.post(url, data=json.dumps({"on": "not a day"}), content_type="application/json")
    assert bad.status_code == 422
    denied = prog.world.client(prog.world.user_b).post(
        url, data=json.dumps({"on": "2026-09-20"}), content_type="application/json"
    )
    assert denied.status_code == 403
    page = f"/testing/{prog.programme.code}/{phase.code}/participants/?form=enter"
    done = client.post(page, {"enter-participation": bravo.pk, "enter-on": "2026-09-20"})
    assert done.status_code == 302
    bravo.refresh_from_db()
    assert bravo.status == EntryStatus.GRACE
    shown = client.get(f"/testing/{prog.programme.code}/{phase.code}/").content.decode()
    assert "late entry until Wed 7 Oct 2026" in shown
