"""The trend analysis: per service and per week, the demand notices covering the week (withdrawn ones
left out) and the incidents raised on the service, counted in a bounded number of queries whatever the
number of notices, incidents, services and weeks; the notice's own chart of expected against normal and
tolerance."""

import datetime as dt

from busbar.demand import actions, charts
from busbar.demand.tests.conftest import NOW, actor, line
from busbar.incidents.actions import raise_incident

TODAY = dt.date(2027, 6, 16)  # a Wednesday: the week from Monday 14 June


def _file(d, starts_on, ends_on, service, who=None):
    return actions.file_notice(
        actor=actor(who or d.world.user_a),
        title="Wave",
        starts_on=starts_on,
        ends_on=ends_on,
        lines=[line(service, 100, 200)],
        now=NOW,
    )


def _incident(d, service, at):
    return raise_incident(
        actor=actor(d.world.analyst),
        organisation=d.world.org_a,
        service=service,
        summary="Slow switches",
        description="Timeouts",
        now=at,
    )


def test_weeks_end_with_this_week() -> None:
    weeks = charts.week_starts(4, TODAY)
    assert weeks == [dt.date(2027, 5, 24), dt.date(2027, 5, 31), dt.date(2027, 6, 7), dt.date(2027, 6, 14)]


def test_counts_per_week(d) -> None:
    _file(d, dt.date(2027, 6, 9), dt.date(2027, 6, 15), d.css)  # covers the weeks of 7 and 14 June
    _file(d, dt.date(2027, 6, 14), dt.date(2027, 6, 14), d.css, who=d.world.user_b)  # 14 June only
    gone = _file(d, dt.date(2027, 6, 14), dt.date(2027, 6, 20), d.css)
    actions.withdraw_notice(actor=actor(d.world.user_a), notice=gone, now=NOW)
    _incident(d, d.css, dt.datetime(2027, 6, 8, 12, 0, tzinfo=dt.UTC))
    _incident(d, d.css, dt.datetime(2027, 6, 15, 9, 0, tzinfo=dt.UTC))
    _incident(d, d.css, dt.datetime(2027, 6, 13, 23, 30, tzinfo=dt.UTC))  # Monday 00:30 in London
    _incident(d, d.uk_link, dt.datetime(2027, 6, 15, 9, 0, tzinfo=dt.UTC))
    found = charts.trends(services=[d.css, d.uk_link], weeks=4, today=TODAY)
    css, uk = found.services
    assert css.notices == [0, 0, 1, 2]
    assert css.incidents == [0, 0, 1, 2]
    assert uk.notices == [0, 0, 0, 0] and uk.incidents == [0, 0, 0, 1]
    busiest = charts.trends(weeks=4, today=TODAY)
    assert [t.service.pk for t in busiest.services] == [d.css.pk, d.mprs.pk]  # by name; MPRS: Bravo's notice
    drawn = busiest.drawn()
    assert "<svg" in drawn[0]["svg"] and "Incidents raised" in drawn[0]["table"]


def test_query_count_does_not_grow(d, django_assert_max_num_queries) -> None:
    for i in range(10):
        _file(
            d,
            dt.date(2027, 6, 10) + dt.timedelta(days=i % 5),
            dt.date(2027, 6, 20),
            [d.css, d.uk_link, d.mprs][i % 3],
        )
    for i in range(10):
        _incident(d, d.css, NOW - dt.timedelta(days=3 * i))
    with django_assert_max_num_queries(4):
        found = charts.trends(weeks=104, today=TODAY)
    assert len(found.services) == 3 and len(found.weeks) == 104
    with django_assert_max_num_queries(2):
        charts.trends(services=[d.css, d.mprs], weeks=26, today=TODAY)
    assert (
        sum(found.services[0].incidents) + sum(found.services[1].incidents) + sum(found.services[2].incidents)
        == 10
    )


def test_weeks_are_bounded() -> None:
    assert len(charts.trends(services=[], weeks=10_000, today=TODAY).weeks) == charts.MAX_WEEKS
    assert len(charts.trends(services=[], weeks=0, today=TODAY).weeks) == charts.MIN_WEEKS


def test_notice_chart_shows_normal_limit_and_expected(d) -> None:
    lines = list(d.notice.lines.select_related("service"))
    judged = charts.verdicts(d.notice, lines)
    assert [v.limit for v in judged] == [1_200, 11_000]
    svg, table = charts.notice_chart(d.notice, judged)
    assert "<svg" in svg and "Tolerance limit a day" in table and "1500" in table
