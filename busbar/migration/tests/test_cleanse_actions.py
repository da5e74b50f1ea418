"""Cleanse actions: categories and targets by the managers; items and readings by the organisation itself or
the managers; one reading a day (a second replaces it); bad input names the field."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.migration.actions import cleanse as actions
from busbar.migration.models import CleanseReading, CleanseTarget
from busbar.migration.tests.conftest import NOW, TODAY, actor

pytestmark = pytest.mark.django_db


def _category(m, name="Missing agent appointments"):
    return actions.create_category(actor=actor(m.si), programme=m.programme, name=name)


def test_categories_by_managers_only(m) -> None:
    made = _category(m)
    assert made.programme == m.programme
    with pytest.raises(Conflict):
        _category(m, name="missing agent APPOINTMENTS")
    for user in (m.assurer, m.world.user_a, m.code_body_user, m.dno):
        with pytest.raises(NotPermitted):
            actions.create_category(actor=actor(user), programme=m.programme, name="Addresses")
    with pytest.raises(ActionError) as bad:
        actions.create_category(actor=actor(m.si), programme=m.programme, name=" ")
    assert bad.value.field == "name"


def test_items_by_the_organisation_or_managers(m) -> None:
    category = _category(m)
    item = actions.create_item(
        actor=actor(m.world.user_a), category=category, organisation=m.world.org_a, baseline=1200, now=NOW
    )
    assert (item.baseline, item.outstanding, item.updated_on) == (1200, 1200, TODAY)
    assert CleanseReading.objects.get(item=item).outstanding == 1200
    with pytest.raises(NotPermitted):
        actions.create_item(
            actor=actor(m.world.user_a), category=category, organisation=m.world.org_b, baseline=5
        )
    with pytest.raises(NotPermitted):
        actions.create_item(actor=actor(m.assurer), category=category, organisation=m.world.org_b, baseline=5)
    bravo = actions.create_item(
        actor=actor(m.si), category=category, organisation=m.world.org_b, baseline=5, now=NOW
    )
    assert bravo.organisation == m.world.org_b
    with pytest.raises(Conflict):
        actions.create_item(
            actor=actor(m.si), category=category, organisation=m.world.org_b, baseline=5, now=NOW
        )
    with pytest.raises(ActionError) as bad:
        actions.create_item(
            actor=actor(m.si), category=category, organisation=m.agent_org, baseline=-1, now=NOW
        )
    assert bad.value.field == "baseline"


def test_readings_replace_the_same_day_and_item_follows_latest(m) -> None:
    item = actions.create_item(
        actor=actor(m.world.user_a),
        category=_category(m),
        organisation=m.world.org_a,
        baseline=1000,
        on=TODAY - dt.timedelta(days=10),
        now=NOW,
    )
    actions.report_outstanding(actor=actor(m.world.user_a), item=item, outstanding=800, on=TODAY, now=NOW)
    actions.report_outstanding(actor=actor(m.world.user_a), item=item, outstanding=750, on=TODAY, now=NOW)
    item.refresh_from_db()
    assert (item.outstanding, item.updated_on) == (750, TODAY)
    assert CleanseReading.objects.filter(item=item, on=TODAY).count() == 1
    actions.report_outstanding(
        actor=actor(m.si), item=item, outstanding=900, on=TODAY - dt.timedelta(days=5), now=NOW
    )
    item.refresh_from_db()
    assert item.outstanding == 750  # an older reading corrects the history only
    assert CleanseReading.objects.filter(item=item).count() == 3
    for user in (m.world.user_b, m.assurer, m.dno, m.agent):
        with pytest.raises(NotPermitted):
            actions.report_outstanding(actor=actor(user), item=item, outstanding=1, on=TODAY, now=NOW)
    with pytest.raises(ActionError) as future:
        actions.report_outstanding(
            actor=actor(m.world.user_a), item=item, outstanding=1, on=TODAY + dt.timedelta(days=1), now=NOW
        )
    assert future.value.field == "on"
    with pytest.raises(ActionError) as big:
        actions.report_outstanding(
            actor=actor(m.world.user_a), item=item, outstanding=10**12, on=TODAY, now=NOW
        )
    assert big.value.field == "outstanding"


def test_targets_by_managers_only(m) -> None:
    item = actions.create_item(
        actor=actor(m.world.user_a), category=_category(m), organisation=m.world.org_a, baseline=100, now=NOW
    )
    by = dt.date(2027, 12, 31)
    target = actions.set_target(actor=actor(m.si), item=item, by_date=by, outstanding_max=10)
    again = actions.set_target(actor=actor(m.si), item=item, by_date=by, outstanding_max=5)
    assert again.pk == target.pk and CleanseTarget.objects.get(pk=target.pk).outstanding_max == 5
    for user in (m.world.user_a, m.assurer, m.dno):
        with pytest.raises(NotPermitted):
            actions.set_target(actor=actor(user), item=item, by_date=by, outstanding_max=1)
        with pytest.raises(NotPermitted):
            actions.remove_target(actor=actor(user), target=target)
    with pytest.raises(ActionError) as bad:
        actions.set_target(actor=actor(m.si), item=item, by_date="31/12/2027", outstanding_max=1)
    assert bad.value.field == "by_date"
    actions.remove_target(actor=actor(m.si), target=target)
    assert not CleanseTarget.objects.filter(item=item).exists()
    with pytest.raises(Conflict):
        actions.remove_target(actor=actor(m.si), target=target)
