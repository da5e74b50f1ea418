"""Submitting a forecast: the horizon, frozen months, bounds, replacing the current cells while keeping
every submission, the CSV upload (all or nothing, each bad line named by its line number), and who may."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.audit.models import AuditEntry
from busbar.lib.actions import ActionError, NotPermitted
from busbar.orders import actions, rules
from busbar.orders.models import Forecast, ForecastSubmission
from busbar.orders.tests.conftest import NOW, OmsWorld, actor

pytestmark = pytest.mark.django_db


def submit(o: OmsWorld, lines, user=None, **kw):
    return actions.submit_forecast(actor=actor(user or o.world.user_a), lines=lines, now=NOW, **kw)


def line(month="2027-08", region="north", variant="4g-single-int", quantity=960):
    return {"month": month, "region": region, "variant": variant, "quantity": quantity}


def cells(o: OmsWorld, supplier=None) -> dict:
    return {
        (f.month.strftime("%Y-%m"), f.region, f.variant.code): f.quantity
        for f in Forecast.objects.filter(supplier=supplier or o.world.org_a).select_related("variant")
    }


def test_a_submission_sets_the_cells_and_is_kept_with_its_lines(o: OmsWorld) -> None:
    done = submit(o, [line(), line(region="south", quantity=480)], note="First cut")
    assert cells(o) == {
        ("2027-08", "north", "4g-single-int"): 960,
        ("2027-08", "south", "4g-single-int"): 480,
    }
    assert done.first_month == dt.date(2027, 7, 1) and done.submitted_by == o.world.user_a
    assert done.lines[0] == {
        "month": "2027-08-01",
        "region": "north",
        "variant": "4g-single-int",
        "quantity": 960,
    }
    entry = AuditEntry.objects.get(action="hub_forecast.submit")
    assert entry.owner_organisation == o.world.org_a and entry.changes["cells_added"] == [None, 2]


def test_a_new_submission_replaces_the_open_months_and_keeps_the_history(o: OmsWorld) -> None:
    submit(o, [line(month="2027-07", quantity=96), line(), line(month="2027-09", quantity=100)])
    # July is frozen (next month, freeze 1): it keeps 96 though left out; September left out is withdrawn.
    submit(o, [line(month="2027-07", quantity=96), line(quantity=1200), line(month="2027-10", quantity=50)])
    assert cells(o) == {
        ("2027-07", "north", "4g-single-int"): 96,
        ("2027-08", "north", "4g-single-int"): 1200,
        ("2027-10", "north", "4g-single-int"): 50,
    }
    assert ForecastSubmission.objects.filter(supplier=o.world.org_a).count() == 2
    first, second = ForecastSubmission.objects.filter(supplier=o.world.org_a).order_by("id")
    assert [x["quantity"] for x in first.lines] == [96, 960, 100]
    assert Forecast.objects.get(supplier=o.world.org_a, month=dt.date(2027, 8, 1)).submission == second


def test_a_frozen_month_cannot_change_once_forecast_but_may_be_added(o: OmsWorld) -> None:
    submit(o, [line(month="2027-07", quantity=96)])
    with pytest.raises(rules.LineErrors) as exc:
        submit(o, [line(month="2027-07", quantity=144), line()])
    assert exc.value.errors[0][0] == "lines[0]" and "frozen at 96" in exc.value.errors[0][1]
    assert exc.value.field == "lines[0]"
    assert cells(o) == {("2027-07", "north", "4g-single-int"): 96}  # nothing of the second saved
    submit(o, [line(month="2027-07", region="south", quantity=48)])  # a new cell in July is fine
    assert cells(o)[("2027-07", "south", "4g-single-int")] == 48


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (line(month="2027-06"), "outside the forecast horizon 2027-07 to 2027-12"),
        (line(month="2028-01"), "outside the forecast horizon"),
        (line(month="June"), "not a month"),
        (line(region="east"), "region 'east'"),
        (line(variant="s2-cs-int"), "not orderable"),
        (line(variant="nope"), "unknown"),
        (line(quantity=-1), "from 0 to 1,000,000"),
        (line(quantity=1_000_001), "from 0 to 1,000,000"),
        (line(quantity=True), "not a whole number"),
    ],
)
def test_bad_lines_are_refused_naming_the_line(o: OmsWorld, bad: dict, words: str) -> None:
    with pytest.raises(rules.LineErrors) as exc:
        submit(o, [line(region="south"), bad])
    assert exc.value.status == 422
    assert exc.value.errors[0][0] == "lines[1]" and words in exc.value.errors[0][1]
    assert not Forecast.objects.exists() and not ForecastSubmission.objects.exists()


def test_bounds_zero_and_a_million_are_accepted_and_duplicates_refused(o: OmsWorld) -> None:
    submit(o, [line(quantity=0), line(region="south", quantity=1_000_000)])
    assert cells(o)[("2027-08", "north", "4g-single-int")] == 0
    with pytest.raises(rules.LineErrors) as exc:
        submit(o, [line(), line(region="North")])
    assert "already given on lines[0]" in exc.value.errors[0][1]
    with pytest.raises(ActionError) as exc:
        submit(o, [])
    assert exc.value.field == "lines"


def test_csv_upload_is_all_or_nothing_and_names_every_bad_line(o: OmsWorld) -> None:
    content = (
        b"month,region,variant,quantity\n"
        b"2027-08,north,4g-single-int,960\n"
        b"2027-08,mars,4g-single-int,960\n"
        b"\n"
        b"2027-09,south,4g-single-int,lots\n"
        b"2027-09,central,4g-dual-int,480\n"
    )
    with pytest.raises(rules.LineErrors) as exc:
        actions.upload_forecast(actor=actor(o.world.user_a), content=content, now=NOW)
    assert [label for label, _ in exc.value.errors] == ["Line 3", "Line 5"]
    assert "Line 3: region 'mars'" in exc.value.message and "Line 5: quantity 'lots'" in exc.value.message
    assert not Forecast.objects.exists() and not ForecastSubmission.objects.exists()
    good = content.replace(b"mars", b"Central").replace(b"lots", b'"1,200"')
    done = actions.upload_forecast(actor=actor(o.world.user_a), content=good, now=NOW)
    assert len(done.lines) == 4
    assert cells(o)[("2027-09", "south", "4g-single-int")] == 1200


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"month,region,quantity\n2027-08,north,5\n", "missing variant"),
        (b"month,region,variant,quantity\n", "no forecast lines"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_forecast_csv_is_refused_on_file(
    o: OmsWorld, content: bytes, words: str
) -> None:
    with pytest.raises(ActionError) as exc:
        actions.upload_forecast(actor=actor(o.world.user_a), content=content, now=NOW)
    assert exc.value.field == "file" and words in exc.value.message


def test_only_a_supplier_forecasts_and_only_for_itself(o: OmsWorld) -> None:
    w = o.world
    with pytest.raises(NotPermitted):
        submit(o, [line()], user=w.user_b, supplier=w.org_a)
    for user in (o.dcc, w.resolver, w.analyst):
        with pytest.raises(NotPermitted):
            submit(o, [line()], user=user)
    with pytest.raises(NotPermitted):
        actions.upload_forecast(actor=actor(w.user_b), supplier=w.org_a, content=b"x", now=NOW)
    submit(o, [line()], user=w.user_b)
    assert cells(o, w.org_b) and not cells(o)
