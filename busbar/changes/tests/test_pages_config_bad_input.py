"""Bad input on the change settings' forms: a clear error on the field at fault (422), nothing written,
never a 5xx — a blackout over a year, an end before the start, a time that does not exist in UK time, a
rule for a service and a provider at once, a notice of 999 days, a maintenance window that ends when it
starts, a target over 100%, hostile ids; unknown rules, blackouts and services are 404s."""

from __future__ import annotations

from busbar.changes.models import AvailabilityTarget, BlackoutWindow, MaintenanceWindow, NoticeRule

BLACKOUT = "/changes/settings/blackouts/new/"
RULE = "/changes/settings/notice-rules/new/"
WINDOW = "/changes/settings/maintenance-windows/new/"


def _error_on(response, field: str) -> str:
    """The error shown under ``field`` (the form's own markup: ``id_<field>_error``)."""
    text = response.content.decode()
    marker = f'id="id_{field}_error"'
    assert marker in text, f"no error on {field}"
    return text.split(marker)[1].split("</p>")[0]


def test_blackout_over_a_year_names_the_end(chg) -> None:
    before = BlackoutWindow.objects.count()
    ops = chg.client(chg.ops)
    response = ops.post(
        BLACKOUT, {"name": "Too long", "starts_at": "2027-01-01T00:00", "ends_at": "2028-01-03T00:00"}
    )
    assert response.status_code == 422
    assert "at most a year" in _error_on(response, "ends_at")
    backwards = ops.post(
        BLACKOUT, {"name": "Backwards", "starts_at": "2027-02-01T00:00", "ends_at": "2027-01-01T00:00"}
    )
    assert backwards.status_code == 422 and "after the start" in _error_on(backwards, "ends_at")
    # 01:30 on the last Sunday of March does not exist in UK time (the clocks go forward).
    gap = ops.post(BLACKOUT, {"name": "Gap", "starts_at": "2027-03-28T01:30", "ends_at": "2027-03-29T00:00"})
    assert gap.status_code == 422 and _error_on(gap, "starts_at")
    garbage = ops.post(BLACKOUT, {"name": "x", "starts_at": "soon", "ends_at": "later"})
    assert garbage.status_code == 422 and _error_on(garbage, "starts_at") and _error_on(garbage, "ends_at")
    hostile = ops.post(
        BLACKOUT,
        {"name": "x", "starts_at": "2027-09-01T00:00", "ends_at": "2027-09-02T00:00", "services": ["9" * 25]},
    )
    assert hostile.status_code == 422 and _error_on(hostile, "services")
    edit = ops.post(
        f"/changes/settings/blackouts/{chg.year_end.pk}/edit/",
        {"name": "Year end", "starts_at": "2027-12-24T00:00", "ends_at": "2029-01-02T00:00"},
    )
    assert edit.status_code == 422 and "at most a year" in _error_on(edit, "ends_at")
    assert BlackoutWindow.objects.count() == before
    chg.year_end.refresh_from_db()
    assert chg.year_end.ends_at.year == 2028


def test_notice_rule_bad_input(chg) -> None:
    before = NoticeRule.objects.count()
    ops = chg.client(chg.ops)
    base = {"name": "Both", "min_working_days": "5", "calendar": chg.working.pk}
    both = ops.post(RULE, {**base, "service": chg.css.pk, "provider": chg.gas_org.pk})
    assert both.status_code == 422 and "not both" in _error_on(both, "provider")
    too_many = ops.post(RULE, {**base, "min_working_days": "999"})
    assert too_many.status_code == 422 and _error_on(too_many, "min_working_days")
    emergency = ops.post(RULE, {**base, "change_type": "emergency"})
    assert emergency.status_code == 422 and _error_on(emergency, "change_type")
    hostile = ops.post(RULE, {**base, "calendar": "1" * 30})
    assert hostile.status_code == 422 and _error_on(hostile, "calendar")
    assert NoticeRule.objects.count() == before
    assert ops.get("/changes/settings/notice-rules/99999/edit/").status_code == 404
    assert ops.get(f"/changes/settings/notice-rules/{'9' * 25}/edit/").status_code == 404
    assert ops.post("/changes/settings/notice-rules/99999/delete/").status_code == 404


def test_window_and_target_bad_input(chg) -> None:
    ops = chg.client(chg.ops)
    same = ops.post(
        WINDOW, {"service": chg.css.pk, "weekday": "2", "start_time": "02:00", "end_time": "02:00"}
    )
    assert same.status_code == 422 and _error_on(same, "end_time")
    day = ops.post(
        WINDOW, {"service": chg.css.pk, "weekday": "9", "start_time": "01:00", "end_time": "02:00"}
    )
    assert day.status_code == 422 and _error_on(day, "weekday")
    twice = ops.post(
        WINDOW, {"service": chg.css.pk, "weekday": "6", "start_time": "00:00", "end_time": "06:00"}
    )
    assert twice.status_code == 409 and "already there" in _error_on(twice, "start_time")
    assert MaintenanceWindow.objects.count() == 1
    target = "/changes/settings/availability-targets/css/"
    over = ops.post(target, {"target_percent": "100.5"})
    assert over.status_code == 422 and _error_on(over, "target_percent")
    places = ops.post(target, {"target_percent": "99.12345"})
    assert places.status_code == 422 and _error_on(places, "target_percent")
    assert str(AvailabilityTarget.objects.get(service=chg.css).target_percent) == "99.500"
    assert ops.get("/changes/settings/availability-targets/no-such-service/").status_code == 404
    assert ops.post("/changes/settings/blackouts/99999/delete/").status_code == 404
    assert ops.post("/changes/settings/maintenance-windows/99999/delete/").status_code == 404
