"""The incremental daily aggregates equal a full recount of the ledger after several loads, including a
reverse migration and a re-migration."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.migration import aggregates
from busbar.migration.actions.ledger import load_file
from busbar.migration.models import DailyProgress, Mpan
from busbar.migration.tests.conftest import NOW, actor, mpan

pytestmark = pytest.mark.django_db

HEADER = "mpan,segment,supplier,dno,agent,event,date\n"


def load(m, *lines: str, user=None, org=None):
    return load_file(
        actor=actor(user or m.world.user_a),
        organisation=org or m.world.org_a,
        filename="daily.csv",
        content=(HEADER + "".join(f"{ln}\n" for ln in lines)).encode(),
        now=NOW,
    )


def test_incremental_aggregates_equal_the_recount(m) -> None:
    a1, a2, a3 = mpan("10", 1), mpan("10", 2), mpan("12", 3)
    load(
        m,
        f"{a1},smart,ALPH,10,DLTA,schedule,2027-06-01",
        f"{a2},smart,ALPH,10,DLTA,schedule,2027-06-01",
        f"{a3},advanced,ALPH,12,,schedule,2027-06-01",
    )
    load(
        m,
        f"{a1},smart,ALPH,10,DLTA,migrate,2027-06-02",
        f"{a2},smart,ALPH,10,DLTA,fail,2027-06-02",
        f"{a3},advanced,ALPH,12,DLTA,migrate,2027-06-02",
    )
    load(m, f"{a1},smart,ALPH,10,DLTA,reverse,2027-06-05", f"{a2},smart,ALPH,10,DLTA,migrate,2027-06-05")
    load(
        m,
        f"{a1},smart,ALPH,10,DLTA,schedule,2027-06-08",
        f"{a1},smart,ALPH,10,DLTA,migrate,2027-06-09",
    )
    # Bravo's own file, loaded by the SI on its behalf.
    load(m, f"{mpan('10', 9)},unmetered,BRAV,10,DLTA,schedule,2027-06-09", user=m.si, org=m.world.org_b)
    assert Mpan.objects.get(core=int(a1)).state == "remigrated"
    assert Mpan.objects.get(core=int(a2)).failures == 1
    stored = aggregates.stored()
    assert stored == aggregates.recount() and aggregates.differences() == []
    alpha = m.world.org_a.pk
    assert stored[(dt.date(2027, 6, 9), "smart", alpha, "10")] == {
        "scheduled": 0,
        "migrated": 1,
        "remigrated": 1,
        "failed": 0,
        "reversed": 0,
    }
    assert stored[(dt.date(2027, 6, 2), "advanced", alpha, "12")]["migrated"] == 1
    assert stored[(dt.date(2027, 6, 5), "smart", alpha, "10")]["reversed"] == 1
    assert (dt.date(2027, 6, 9), "unmetered", m.world.org_b.pk, "10") in stored


def test_a_wrong_stored_count_shows_as_a_difference(m) -> None:
    load(m, f"{mpan('10', 1)},smart,ALPH,10,DLTA,schedule,2027-06-01")
    DailyProgress.objects.update(scheduled=5)
    [(key, stored, recounted)] = aggregates.differences()
    assert key[1:] == ("smart", m.world.org_a.pk, "10")
    assert (stored["scheduled"], recounted["scheduled"]) == (5, 1)
