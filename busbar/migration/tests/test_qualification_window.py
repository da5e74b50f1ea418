"""The qualification window (QM-05: at most 12 months), its code bodies, tranches (inside the window, ends
on or after starts) and capacities per code body (QM-08); entrants and agents: managers only, bad input
refused naming the field with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.migration.actions import qualification as act
from busbar.migration.models import CodeBody, Entrant, EntrantKind, QualificationWindow, TrancheCapacity
from busbar.migration.tests.conftest import NOW, actor
from busbar.testing.models import Programme, ProgrammeParty

pytestmark = pytest.mark.django_db


def _programme(m) -> Programme:
    p = Programme.objects.create(code="faster", name="Faster Switching")
    ProgrammeParty.objects.create(programme=p, organisation=m.si_org, function="si")
    return p


def test_window_at_most_twelve_months(m) -> None:
    p = _programme(m)
    kw = {"programme": p, "opens": dt.date(2025, 2, 3), "risk_cutoff": dt.date(2025, 10, 31), "now": NOW}
    with pytest.raises(ActionError) as exc:
        act.create_window(actor=actor(m.si), closes=dt.date(2026, 2, 4), **kw)
    assert exc.value.field == "closes" and "12-month" in exc.value.message
    with pytest.raises(ActionError) as exc:
        act.create_window(actor=actor(m.si), closes=dt.date(2025, 2, 2), **kw)
    assert exc.value.field == "closes"
    assert not QualificationWindow.objects.filter(programme=p).exists()
    window = act.create_window(actor=actor(m.si), closes=dt.date(2026, 2, 3), **kw)  # 12 months and a day
    assert window.closes == dt.date(2026, 2, 3)
    assert AuditEntry.objects.filter(action="migration.create_window", record_id=str(window.pk)).exists()
    with pytest.raises(ActionError) as exc:
        act.update_window(actor=actor(m.si), window=window, closes="2026-03-01")
    assert exc.value.field == "closes"


def test_window_needs_a_manager_and_bounded_input(m) -> None:
    p = _programme(m)
    good = {"programme": p, "opens": "2025-02-03", "closes": "2026-02-02", "risk_cutoff": "2025-10-31"}
    for user in (m.assurer, m.code_body_user, m.world.user_a, m.world.resolver):
        with pytest.raises(NotPermitted):
            act.create_window(actor=actor(user), **good)
    for bad, field in [
        ({"opens": "not a date"}, "opens"),
        ({"risk_cutoff": "2024-01-01"}, "risk_cutoff"),
        ({"large_portfolio": 10, "medium_portfolio": 20}, "medium_portfolio"),
        ({"large_portfolio": 10**12}, "large_portfolio"),
        ({"opens": "1890-01-01"}, "opens"),
    ]:
        with pytest.raises(ActionError) as exc:
            act.create_window(actor=actor(m.si), **{**good, **bad})
        assert exc.value.field == field, bad
    with pytest.raises(ActionError) as exc:
        act.create_window(actor=actor(m.si), **{**good, "programme": m.programme})
    assert exc.value.field == "programme"


def test_tranches_inside_the_window(m) -> None:
    si = actor(m.si)
    with pytest.raises(ActionError) as exc:
        act.add_tranche(actor=si, window=m.window, name="T4", starts="2028-01-01", ends="2028-03-01")
    assert exc.value.field == "ends"
    with pytest.raises(ActionError) as exc:
        act.add_tranche(actor=si, window=m.window, name="T4", starts="2027-05-01", ends="2027-04-01")
    assert exc.value.field == "ends"
    with pytest.raises(ActionError) as exc:
        act.add_tranche(actor=si, window=m.window, name="T4", starts="2027-01-01", ends="2027-04-01")
    assert exc.value.field == "starts"
    t = act.add_tranche(
        actor=si, window=m.window, name="T4", starts="2027-12-01", ends="2028-01-31", capacity=5
    )
    assert t.number == 4 and t.capacity == 5
    with pytest.raises(ActionError) as exc:
        act.add_tranche(
            actor=si, window=m.window, name="Dup", starts="2027-12-01", ends="2028-01-31", number=4
        )
    assert exc.value.field == "number"
    act.update_tranche(actor=si, tranche=t, ends="2028-01-15")
    t.refresh_from_db()
    assert t.ends == dt.date(2028, 1, 15)
    with pytest.raises(ActionError) as exc:
        act.update_window(actor=si, window=m.window, closes="2028-01-10")
    assert exc.value.field == "closes" and "Tranche 3" in exc.value.message
    with pytest.raises(NotPermitted):
        act.update_tranche(actor=actor(m.code_body_user), tranche=t, name="x")


def test_capacity_per_code_body(m) -> None:
    si = actor(m.si)
    t1 = m.tranches[0]
    act.set_capacity(actor=si, tranche=t1, code_body=m.code_body, max_participants=5)
    assert TrancheCapacity.objects.get(tranche=t1, code_body=m.code_body).max_participants == 5
    with pytest.raises(ActionError) as exc:
        act.set_capacity(actor=si, tranche=t1, code_body=m.code_body, max_participants=100_000)
    assert exc.value.field == "max_participants"
    act.set_capacity(actor=si, tranche=t1, code_body=m.code_body, max_participants=None)
    assert not TrancheCapacity.objects.filter(tranche=t1, code_body=m.code_body).exists()
    body = act.add_code_body(actor=si, window=m.window, organisation=m.si_org.pk, name="RECCo")
    with pytest.raises(ActionError) as exc:
        act.add_code_body(actor=si, window=m.window, organisation=m.si_org, name="again")
    assert exc.value.field == "organisation"
    act.set_capacity(actor=si, tranche=t1, code_body=body.pk, max_participants=1)
    assert CodeBody.objects.filter(window=m.window).count() == 2
    with pytest.raises(NotPermitted):
        act.set_capacity(actor=actor(m.code_body_user), tranche=t1, code_body=body, max_participants=3)


def test_entrants_and_agents(m) -> None:
    si = actor(m.si)
    e = act.add_entrant(
        actor=si,
        window=m.window,
        organisation=m.dno_org,
        kind="other",
        market_role="DNO",
        ready_on="2027-03-01",
    )
    assert e.kind == EntrantKind.OTHER and e.ready_on == dt.date(2027, 3, 1)
    with pytest.raises(ActionError) as exc:
        act.add_entrant(actor=si, window=m.window, organisation=m.dno_org, kind="other")
    assert exc.value.field == "organisation"
    with pytest.raises(ActionError) as exc:
        act.add_entrant(actor=si, window=m.window, organisation=m.si_org, kind="agent", smart=5)
    assert exc.value.field == "smart"
    with pytest.raises(ActionError) as exc:
        act.update_entrant(actor=si, entrant=m.alpha, smart=-1)
    assert exc.value.field == "smart"
    with pytest.raises(ActionError) as exc:
        act.update_entrant(actor=si, entrant=m.delta, kind="supplier")
    assert exc.value.field == "kind"  # suppliers name it as their agent
    with pytest.raises(NotPermitted):
        act.add_entrant(actor=actor(m.code_body_user), window=m.window, organisation=m.si_org, kind="other")
    # agents: kind AGENT in the same window; the supplier itself may name them
    with pytest.raises(ActionError) as exc:
        act.set_agents(actor=actor(m.world.user_a), supplier=m.alpha, agents=[m.bravo.pk])
    assert exc.value.field == "agents[0]"
    with pytest.raises(ActionError) as exc:
        act.set_agents(actor=si, supplier=m.delta, agents=[])
    assert exc.value.field == "supplier"
    act.set_agents(actor=actor(m.world.user_a), supplier=m.alpha, agents=[])
    assert not m.alpha.agents.exists()
    with pytest.raises(NotPermitted):
        act.set_agents(actor=actor(m.world.user_b), supplier=m.alpha, agents=[m.delta.pk])
    act.set_agents(actor=si, supplier=m.alpha, agents=[m.delta])
    assert list(m.alpha.agents.all()) == [m.delta]
    assert AuditEntry.objects.filter(action="migration.set_agents").count() == 2


def test_readiness_by_the_participant(m) -> None:
    a = actor(m.world.user_a)
    act.update_readiness(
        actor=a, entrant=m.alpha, ready_on="2027-04-01", systems_live_on="2027-06-01", now=NOW
    )
    m.alpha.refresh_from_db()
    assert m.alpha.ready_on == dt.date(2027, 4, 1) and m.alpha.systems_live_on == dt.date(2027, 6, 1)
    with pytest.raises(ActionError) as exc:
        act.update_readiness(actor=a, entrant=m.alpha, e2e_completed_on="2027-07-01", now=NOW)
    assert exc.value.field == "e2e_completed_on"  # in the future
    with pytest.raises(NotPermitted):
        act.update_readiness(actor=a, entrant=m.alpha, e2e_required=True, now=NOW)
    for user in (m.world.user_b, m.code_body_user, m.assurer, m.agent):
        with pytest.raises(NotPermitted):
            act.update_readiness(actor=actor(user), entrant=m.alpha, ready_on="2027-05-01", now=NOW)
    act.update_readiness(actor=actor(m.si), entrant=m.alpha, e2e_required=True, now=NOW)
    assert Entrant.objects.get(pk=m.alpha.pk).e2e_required
