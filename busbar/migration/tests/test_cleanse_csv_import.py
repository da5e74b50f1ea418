"""A CSV of cleanse readings loads all or nothing: any line in error refuses the file with each error and
its line number; a good file creates missing items and records the readings."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import ActionError, NotPermitted
from busbar.migration.actions import cleanse as actions
from busbar.migration.models import CleanseItem, CleanseReading
from busbar.migration.tests.conftest import NOW, actor

pytestmark = pytest.mark.django_db


def _setup(m):
    category = actions.create_category(actor=actor(m.si), programme=m.programme, name="Addresses")
    item = actions.create_item(
        actor=actor(m.si),
        category=category,
        organisation=m.world.org_a,
        baseline=500,
        on=dt.date(2027, 6, 1),
        now=NOW,
    )
    return category, item


def test_errors_refuse_the_whole_file(m) -> None:
    _category, item = _setup(m)
    content = (
        "organisation,category,date,outstanding\n"
        f"{m.world.org_a.name},Addresses,2027-06-10,400\n"
        "Nobody Ltd,Addresses,2027-06-10,1\n"
        f"{m.world.org_a.name},Unknown,2027-06-10,1\n"
        f"{m.world.org_a.name},Addresses,10/06/2027,x\n"
        f"{m.world.org_a.name},Addresses,2027-06-10,300\n"
        f"{m.world.org_a.name},Addresses,2030-01-01,3\n"
    ).encode()
    with pytest.raises(actions.ReadingsRefused) as refused:
        actions.import_readings(actor=actor(m.si), programme=m.programme, content=content, now=NOW)
    got = [(e.line, e.field) for e in refused.value.errors]
    assert got == [
        (3, "organisation"),
        (4, "category"),
        (5, "date"),
        (5, "outstanding"),
        (6, "date"),
        (7, "date"),
    ]
    assert refused.value.status == 422 and refused.value.field == "file"
    assert CleanseReading.objects.filter(item=item).count() == 1  # nothing loaded
    item.refresh_from_db()
    assert item.outstanding == 500


def test_good_file_loads_and_creates_items(m) -> None:
    _category, item = _setup(m)
    content = (
        "Organisation,Category,Date,Outstanding,Baseline\n"
        f"{m.world.org_a.name},addresses,2027-06-10,400,\n"
        f"{m.world.org_a.name},Addresses,2027-06-12,350,\n"
        "DLTA,Addresses,2027-06-12,20,25\n"
    ).encode("utf-8-sig")
    done = actions.import_readings(actor=actor(m.si), programme=m.programme, content=content, now=NOW)
    assert done == {"lines": 3, "readings": 3, "items_created": 1}
    item.refresh_from_db()
    assert item.outstanding == 350
    delta = CleanseItem.objects.get(organisation=m.agent_org)
    assert (delta.baseline, delta.outstanding) == (25, 20)


def test_only_managers_and_bad_files(m) -> None:
    _setup(m)
    ok = b"organisation,category,date,outstanding\n"
    for user in (m.world.user_a, m.assurer):
        with pytest.raises(NotPermitted):
            actions.import_readings(actor=actor(user), programme=m.programme, content=ok, now=NOW)
    for content, needle in (
        (b"", "empty"),
        (b"organisation,date\nA,2027-01-01\n", "lacks category"),
        (ok, "no readings"),
        (b"\xff\xfe\x00bad", "UTF-8"),
    ):
        with pytest.raises(ActionError) as bad:
            actions.import_readings(actor=actor(m.si), programme=m.programme, content=content, now=NOW)
        assert needle in bad.value.message and bad.value.field == "file"
