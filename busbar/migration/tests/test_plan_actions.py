"""The plan, window and threshold actions allowed and denied per persona, and what they write."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, IllegalTransition, NotPermitted
from busbar.migration.actions import plans as actions
from busbar.migration.models import MigrationPlan, PlanStatus, SegmentWindow, Threshold
from busbar.migration.tests.conftest import NOW, actor
from busbar.programmes.models import Milestone

pytestmark = pytest.mark.django_db
LINES = [{"day": "2027-07-05", "distributor": "10", "agent": "", "volume": 10}]
OTHERS = ("assurer", "code_body_user", "agent", "dno")


def _others(m):
    return [getattr(m, n) for n in OTHERS] + [m.world.resolver, m.world.user_b]


def test_create_and_edit_only_the_supplier_or_managers(m) -> None:
    for user in _others(m):
        with pytest.raises((NotPermitted, ActionError)):
            actions.create_plan(
                actor=actor(user), programme=m.programme, supplier=m.world.org_a, segment="smart"
            )
    plan = actions.create_plan(
        actor=actor(m.world.user_a), programme=m.programme, supplier=m.world.org_a, segment="smart", now=NOW
    )
    for user in [*_others(m), m.si]:
        with pytest.raises(NotPermitted):
            actions.set_lines(actor=actor(user), plan=plan, lines=LINES, now=NOW)
    actions.set_lines(actor=actor(m.world.user_a), plan=plan, lines=LINES, now=NOW)
    assert plan.lines.count() == 1 and plan.version == 1
    actions.set_lines(actor=actor(m.world.user_a), plan=plan, lines=LINES, now=NOW)
    plan.refresh_from_db()
    assert plan.version == 2
    actions.submit_plan(actor=actor(m.world.user_a), plan=plan, now=NOW)
    with pytest.raises(IllegalTransition):
        actions.set_lines(actor=actor(m.world.user_a), plan=plan, lines=LINES, now=NOW)
    for user in [*_others(m), m.world.user_a]:
        with pytest.raises(NotPermitted):
            actions.accept_plan(actor=actor(user), plan=plan, now=NOW)
    actions.accept_plan(actor=actor(m.si), plan=plan, now=NOW)
    # a new profile of an accepted plan goes back for review
    plan = actions.set_lines(actor=actor(m.world.user_a), plan=plan, lines=LINES, now=NOW)
    assert plan.status == PlanStatus.SUBMITTED
    assert AuditEntry.objects.filter(action__startswith="migration.plan_").count() == 6


def test_submit_needs_lines(m) -> None:
    plan = MigrationPlan.objects.create(programme=m.programme, supplier=m.world.org_a, segment="smart")
    with pytest.raises(ActionError) as refused:
        actions.submit_plan(actor=actor(m.world.user_a), plan=plan, now=NOW)
    assert refused.value.field == "lines"


def test_thresholds_only_managers_and_bounded(m) -> None:
    kwargs = {
        "programme": m.programme,
        "scope": "agent",
        "organisation": m.agent_org,
        "daily_max": 50,
        "effective_from": dt.date(2027, 7, 1),
    }
    for user in [*_others(m), m.world.user_a]:
        with pytest.raises(NotPermitted):
            actions.add_threshold(actor=actor(user), now=NOW, **kwargs)
    t = actions.add_threshold(actor=actor(m.si), now=NOW, **kwargs)
    for bad, field in (
        ({"scope": "industry", "distributor": "10"}, "distributor"),
        ({"scope": "distributor", "distributor": "99", "organisation": None}, "distributor"),
        ({"daily_max": -1}, "daily_max"),
        ({"effective_from": dt.date(2099, 1, 1)}, "effective_from"),
        ({"effective_to": dt.date(2027, 6, 1)}, "effective_to"),
        ({"segment": "gas"}, "segment"),
    ):
        with pytest.raises(ActionError) as refused:
            actions.add_threshold(actor=actor(m.si), now=NOW, **{**kwargs, **bad})
        assert refused.value.field == field, bad
    with pytest.raises(NotPermitted):
        actions.end_threshold(actor=actor(m.assurer), threshold=t, effective_to=dt.date(2027, 8, 1), now=NOW)
    actions.end_threshold(actor=actor(m.si), threshold=t, effective_to=dt.date(2027, 8, 1), now=NOW)
    assert Threshold.objects.get(pk=t.pk).effective_to == dt.date(2027, 8, 1)


def test_windows_by_hand_and_from_milestones(m) -> None:
    with pytest.raises(NotPermitted):
        actions.set_segment_window(
            actor=actor(m.world.user_a),
            programme=m.programme,
            segment="smart",
            opens="2027-04-01",
            reverse_until="2027-12-31",
            closes="2028-06-30",
            now=NOW,
        )
    with pytest.raises(ActionError) as refused:
        actions.set_segment_window(
            actor=actor(m.si),
            programme=m.programme,
            segment="smart",
            opens="2027-04-01",
            reverse_until="2029-12-31",
            closes="2028-06-30",
            now=NOW,
        )
    assert refused.value.field == "closes"
    with pytest.raises(ActionError):
        actions.sync_from_milestones(actor=actor(m.si), programme=m.programme, now=NOW)  # no milestones yet
    for code, day in (
        ("M11", dt.date(2027, 4, 1)),
        ("M12", dt.date(2027, 5, 3)),
        ("M15", dt.date(2028, 7, 31)),
    ):
        Milestone.objects.create(programme=m.programme, code=code, name=code, forecast_date=day)
    with pytest.raises(NotPermitted):
        actions.sync_from_milestones(actor=actor(m.assurer), programme=m.programme, now=NOW)
    actions.sync_from_milestones(actor=actor(m.si), programme=m.programme, now=NOW)
    w = {x.segment: x for x in SegmentWindow.objects.filter(programme=m.programme)}
    assert w["advanced"].opens == w["unmetered"].opens == dt.date(2027, 4, 1)
    assert w["smart"].opens == w["non_smart"].opens == dt.date(2027, 5, 3)
    assert w["smart"].closes == dt.date(2028, 7, 31) and w["smart"].reverse_until == dt.date(2027, 12, 31)
    assert AuditEntry.objects.filter(action="migration.segment_windows_sync").count() == 1
