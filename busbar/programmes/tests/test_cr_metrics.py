"""The GV-37 change-request metrics: % approved / rejected / on hold / open, by criticality, % late, average
days to decision, responses received against expected per round — in a constant number of queries."""

from __future__ import annotations

import datetime as dt

from busbar.programmes import cr_metrics
from busbar.programmes.actions import changes as actions
from busbar.programmes.tests.conftest import actor_for

UTC = dt.UTC


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def _cr(gov, title: str, criticality: str, raised: dt.date, needed_by: dt.date | None = None):
    return actions.raise_cr(
        actor=actor_for(gov.alpha),
        programme=gov.programme,
        title=title,
        description=title,
        criticality=criticality,
        needed_by=needed_by,
        now=_at(raised),
    )


def _to_review(gov, cr, day: dt.date):
    office = actor_for(gov.office)
    actions.issue_for_assessment(actor=office, cr=cr, now=_at(day))
    actions.close_responses(actor=office, cr=cr, now=_at(day))
    return cr


def _portfolio(gov):
    """CR001 (fixture, medium, issued, needed by 15 Jan 2027) plus:
    CR002 high, approved 20 days after raising, after its needed-by date (late);
    CR003 low, rejected 10 days after raising, on time;
    CR004 medium, on hold; CR005 high, a draft still open past its needed-by date (late)."""
    office = actor_for(gov.office)
    cr2 = _to_review(
        gov, _cr(gov, "Two", "high", dt.date(2026, 12, 1), dt.date(2026, 12, 15)), dt.date(2026, 12, 2)
    )
    actions.approve_cr(actor=office, cr=cr2, now=_at(dt.date(2026, 12, 21)))
    cr3 = _to_review(
        gov, _cr(gov, "Three", "low", dt.date(2026, 12, 1), dt.date(2027, 1, 31)), dt.date(2026, 12, 2)
    )
    actions.reject_cr(actor=office, cr=cr3, note="No", now=_at(dt.date(2026, 12, 11)))
    cr4 = _to_review(gov, _cr(gov, "Four", "medium", dt.date(2026, 12, 1)), dt.date(2026, 12, 2))
    actions.hold_cr(actor=office, cr=cr4, now=_at(dt.date(2026, 12, 3)))
    _cr(gov, "Five", "high", dt.date(2026, 12, 1), dt.date(2027, 1, 10))


def test_the_figures(gov) -> None:
    _portfolio(gov)
    m = cr_metrics.metrics(gov.programme.pk, today=dt.date(2027, 2, 1))
    assert m.total == 5
    assert {k: m.counts.get(k, 0) for k in cr_metrics.BUCKETS} == {
        "approved": 1,
        "rejected": 1,
        "on_hold": 1,
        "open": 2,
        "withdrawn": 0,
    }
    assert m.percentages == {
        "approved": 20.0,
        "rejected": 20.0,
        "on_hold": 20.0,
        "open": 40.0,
        "withdrawn": 0.0,
    }
    by = {r.criticality: r for r in m.by_criticality}
    assert (by["high"].total, by["high"].share, by["high"].counts["approved"], by["high"].counts["open"]) == (
        2,
        40.0,
        1,
        1,
    )
    assert (by["medium"].total, by["medium"].counts["on_hold"], by["low"].counts["rejected"]) == (2, 1, 1)
    # Late: CR002 decided after its date, CR005 open past it, CR001 open past 15 Jan 2027.
    assert (m.late, m.late_percent) == (3, 60.0)
    assert (by["high"].late, by["medium"].late, by["low"].late) == (2, 1, 0)
    assert m.decided == 2 and m.average_days_to_decision == 15.0  # (20 + 10) / 2
    rounds = {(r.display_ref, r.round): r for r in m.rounds}
    assert (rounds[("CR001", 1)].received, rounds[("CR001", 1)].expected) == (1, 5)
    assert rounds[("CR002", 1)].received == 0 and ("CR005", 1) not in rounds
    assert cr_metrics.is_late(gov.cr1, dt.date(2027, 1, 16)) and not cr_metrics.is_late(
        gov.cr1, dt.date(2027, 1, 15)
    )


def test_constant_queries_and_who_reads_them(gov, django_assert_num_queries) -> None:
    with django_assert_num_queries(5):
        cr_metrics.metrics(gov.programme.pk)
    _portfolio(gov)
    with django_assert_num_queries(5):
        cr_metrics.metrics(gov.programme.pk)
    url = f"/api/v1/programmes/{gov.programme.code}/change-requests/metrics"
    for user in (gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk):
        response = gov.client(user).get(url)
        assert response.status_code == 200, user
        body = response.json()
        assert body["total"] == 5 and body["counts"]["approved"] == 1 and body["expected_respondents"] == 5
    assert gov.client(gov.outsider).get(url).status_code == 404
    page = gov.client(gov.bravo).get(f"/programmes/{gov.programme.code}/change-requests/").content.decode()
    assert (
        "Change-request metrics" in page
        and "20.0%" in page
        and "Impact-assessment responses per round" in page
    )
    late = (
        gov.client(gov.office)
        .get(f"/programmes/{gov.programme.code}/change-requests/?late=yes")
        .content.decode()
    )
    row = '<th scope="row"><a href="/programmes/change-requests/{}/">{}</a></th>'
    refs = dict(gov.programme.change_requests.values_list("number", "reference"))
    assert row.format(refs[2], "CR002") in late and row.format(refs[3], "CR003") not in late
