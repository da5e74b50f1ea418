"""Every baseline stays readable and any two compare: each milestone's date in A and B, moved by N working
days, and the change request that wrote B; the plan compares with an earlier baseline (?baseline=N) in
its table, its timeline and its export."""

from __future__ import annotations

import datetime as dt

from busbar.lib.actions import Actor, action
from busbar.programmes import baselines, plan_view
from busbar.programmes.actions.common import journal
from busbar.programmes.models import Baseline, BaselineDate
from busbar.programmes.tests.conftest import actor_for

API = "/api/v1/programmes/mhhs"
PAGE = "/programmes/mhhs/plan"


@action
def approve_moves(*, actor: Actor, cr, changes: dict) -> Baseline:
    """What approving a change request does to the plan (actions.changes.approve_cr): the next baseline."""
    baseline = baselines.write_baseline(
        programme_id=cr.programme_id,
        label=f"{cr.display_ref} {cr.title}",
        changes={m.pk: d for m, d in changes.items()},
        approved_by=actor.user,
        now=dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC),
        change_request=cr,
    )
    journal(actor, baseline, "test.rebaseline")
    return baseline


def _rebaseline(gov) -> Baseline:
    # CR001 moves M14 from Wed 31 Mar 2027 to Fri 30 Apr 2027 and CP4 a week later.
    return approve_moves(
        actor=actor_for(gov.office),
        cr=gov.cr1,
        changes={gov.m14: dt.date(2027, 4, 30), gov.cp4: dt.date(2027, 4, 7)},
    )


def test_the_comparison_of_two_baselines(gov) -> None:
    second = _rebaseline(gov)
    assert second.number == 2
    comparison = plan_view.compare_baselines(gov.programme, gov.baseline1, second)
    rows = {r.milestone.code: r for r in comparison.rows}
    # 31 Mar → 30 Apr 2027: every weekday of April (Easter Monday was 29 March).
    assert rows["M14"].moved == 22 and rows["M14"].moved_text == "later by 22 working days"
    assert rows["CP4"].moved == 5
    assert rows["M10"].moved == 0 and rows["M10"].moved_text == "not moved"
    assert [r.milestone.code for r in comparison.moved] == ["CP4", "M14"]
    assert comparison.written_by == gov.cr1
    # The earlier baseline is as it was.
    assert BaselineDate.objects.get(baseline=gov.baseline1, milestone=gov.m14).date == dt.date(2027, 3, 31)

    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk):
        page = gov.client(user).get(f"{PAGE}/baselines/?a=1&b=2")
        assert page.status_code == 200
        text = page.content.decode()
        assert "Baseline 1 compared with baseline 2" in text
        assert "later by 22 working days" in text and "CR001" in text
        api = gov.client(user).get(f"{API}/baselines/compare?a=1&b=2")
        assert api.status_code == 200
        m14 = next(r for r in api.json()["rows"] if r["milestone"] == "M14")
        assert m14 == {
            "milestone": "M14",
            "name": gov.m14.name,
            "date_a": "2027-03-31",
            "date_b": "2027-04-30",
            "moved_working_days": 22,
            "change_request": "CR001",
        }
        m10 = next(r for r in api.json()["rows"] if r["milestone"] == "M10")
        assert m10["moved_working_days"] == 0 and m10["change_request"] is None
    assert gov.client(gov.outsider).get(f"{PAGE}/baselines/?a=1&b=2").status_code == 404
    assert gov.client(gov.outsider).get(f"{API}/baselines/compare?a=1&b=2").status_code == 404
    assert gov.client(gov.office).get(f"{API}/baselines/compare?a=1&b=9").status_code == 404
    listing = gov.client(gov.alpha).get(f"{API}/baselines").json()
    assert [(b["number"], b["change_request"], b["current"]) for b in listing["items"]] == [
        (1, None, False),
        (2, "CR001", True),
    ]
    one = gov.client(gov.alpha).get(f"{API}/baselines/1").json()
    assert {d["milestone"]: d["date"] for d in one["dates"]}["M14"] == "2027-03-31"


def test_the_plan_against_an_earlier_baseline(gov) -> None:
    _rebaseline(gov)
    # Against the current baseline (2): M14 forecast 7 Apr is 17 working days early.
    current = {r["code"]: r for r in gov.client(gov.alpha).get(f"{API}/milestones").json()["items"]}
    assert current["M14"]["baseline"] == 2 and current["M14"]["baseline_date"] == "2027-04-30"
    assert current["M14"]["delta_working_days"] == -17
    earlier = {
        r["code"]: r for r in gov.client(gov.alpha).get(f"{API}/milestones?baseline=1").json()["items"]
    }
    assert earlier["M14"]["baseline"] == 1 and earlier["M14"]["baseline_date"] == "2027-03-31"
    assert (
        earlier["M14"]["current_baseline_date"] == "2027-04-30" and earlier["M14"]["delta_working_days"] == 5
    )
    page = gov.client(gov.bravo).get(f"{PAGE}/?baseline=1")
    text = page.content.decode()
    assert page.status_code == 200 and "Compared with <strong>baseline 1</strong>" in text
    assert (
        "Current baseline" in text and "gantt-compared" in text and "M14 in Baseline 1: 31 Mar 2027" in text
    )
    csv = b"".join(
        gov.client(gov.assurer).get(f"{PAGE}/export/?format=csv&baseline=1").streaming_content
    ).decode()
    header, *lines = csv.strip().splitlines()
    assert "Delta (working days)" in header
    m14 = next(line for line in lines if line.startswith("M14,"))
    assert "2027-03-31" in m14 and "2027-04-30" in m14 and ",5," in m14
    history = gov.client(gov.alpha).get(f"{PAGE}/milestones/M14/").content.decode()
    assert "CR001" in history and "+22" in history


def test_a_baseline_number_that_does_not_exist_compares_with_the_current(gov) -> None:
    page = gov.client(gov.office).get(f"{PAGE}/?baseline=99")
    assert page.status_code == 200 and b"Compared with" not in page.content
    bad = gov.client(gov.office).get(f"{API}/milestones?baseline=0")
    assert bad.status_code == 422
