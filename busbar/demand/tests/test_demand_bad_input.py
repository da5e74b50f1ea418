"""Bad input to the demand actions is refused with a 4xx naming the field, and nothing is written: the
period (end before start, longer than a year, more than two years ahead, more than seven days past), the
lines (none, too many, an unknown or inactive service, a service twice, volumes out of bounds or not whole
numbers), the reason and the title."""

import datetime as dt

import pytest

from busbar.demand import actions
from busbar.demand.models import DemandNotice
from busbar.demand.tests.conftest import NOW, actor, line
from busbar.lib.actions import ActionError
from busbar.records.models import Record


def _file(d, **change):
    args = {
        "title": "Campaign",
        "starts_on": dt.date(2027, 7, 1),
        "ends_on": dt.date(2027, 7, 5),
        "lines": [line(d.css, 100, 200)],
        "reason": "marketing",
        **change,
    }
    return actions.file_notice(actor=actor(d.world.user_a), now=NOW, **args)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": dt.date(2027, 6, 30)}, "ends_on"),
        ({"ends_on": dt.date(2028, 7, 1)}, "ends_on"),  # 367 days
        ({"starts_on": dt.date(2029, 7, 1), "ends_on": dt.date(2029, 7, 2)}, "starts_on"),
        ({"starts_on": dt.date(2027, 6, 8), "ends_on": dt.date(2027, 6, 20)}, "starts_on"),  # 8 days ago
        ({"starts_on": "2027-13-01"}, "starts_on"),
        ({"lines": []}, "lines"),
        ({"lines": [{"service": "css", "normal_per_day": 1, "expected_per_day": 1}] * 21}, "lines"),
        ({"lines": [{"service": "nope", "normal_per_day": 1, "expected_per_day": 1}]}, "lines[0].service"),
        ({"lines": [{"service": 987654, "normal_per_day": 1, "expected_per_day": 1}]}, "lines[0].service"),
        ({"lines": [{"normal_per_day": 1, "expected_per_day": 1}]}, "lines[0].service"),
        ({"lines": "css"}, "lines[0]"),
        ("dup", "lines[1].service"),
        ("big", "lines[0].expected_per_day"),
        ("negative", "lines[0].normal_per_day"),
        ("fraction", "lines[0].expected_per_day"),
        ("bool", "lines[0].normal_per_day"),
        ({"reason": "whim"}, "reason"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_refused_naming_the_field_and_nothing_written(d, change, field) -> None:
    if change == "dup":
        change = {"lines": [line(d.css, 1, 2), line(d.uk_link, 1, 2), line(d.css, 1, 3)]}
        field = "lines[2].service"
    elif change == "big":
        change = {"lines": [line(d.css, 1, 10_000_001)]}
    elif change == "negative":
        change = {"lines": [line(d.css, -1, 10)]}
    elif change == "fraction":
        change = {"lines": [line(d.css, 1, 2.5)]}
    elif change == "bool":
        change = {"lines": [line(d.css, True, 2)]}
    notices, records = DemandNotice.objects.count(), Record.objects.count()
    with pytest.raises(ActionError) as exc:
        _file(d, **change)
    assert exc.value.field == field
    assert 400 <= exc.value.status < 500
    assert (DemandNotice.objects.count(), Record.objects.count()) == (notices, records)


def test_an_inactive_service_is_unknown(d) -> None:
    d.mprs.is_active = False
    d.mprs.save(update_fields=["is_active"])
    with pytest.raises(ActionError) as exc:
        _file(d, lines=[line(d.mprs, 1, 2)])
    assert exc.value.field == "lines[0].service"


def test_bounds_that_are_allowed(d) -> None:
    ok = _file(
        d,
        starts_on=dt.date(2027, 6, 9),  # seven days ago
        ends_on=dt.date(2028, 6, 8),  # 366 days
        lines=[line(d.css, 0, 10_000_000)],
    )
    assert ok.above_tolerance  # a normal of 0: anything expected is above the percentage
    assert _file(d, starts_on=dt.date(2029, 6, 16), ends_on=dt.date(2029, 6, 16)).pk


def test_update_refuses_bad_input_and_keeps_the_lines(d) -> None:
    before = list(d.notice.lines.values_list("service_id", "expected_per_day"))
    with pytest.raises(ActionError) as exc:
        actions.update_notice(
            actor=actor(d.world.user_a),
            notice=d.notice,
            fields={"lines": [line(d.css, 1, 2), line(d.css, 1, 2)]},
            now=NOW,
        )
    assert exc.value.field == "lines[1].service"
    with pytest.raises(ActionError) as exc:
        actions.update_notice(actor=actor(d.world.user_a), notice=d.notice, fields={"owner": 1}, now=NOW)
    assert exc.value.field == "owner"
    with pytest.raises(ActionError) as exc:
        actions.update_notice(
            actor=actor(d.world.user_a), notice=d.notice, fields={"ends_on": dt.date(2027, 6, 1)}, now=NOW
        )
    assert exc.value.field == "ends_on"
    assert list(d.notice.lines.values_list("service_id", "expected_per_day")) == before
