"""Change settings per persona: every signed-in person reads the notice rules, maintenance windows,
blackouts and availability targets (published so that providers can plan); operations managers and
platform administrators manage them (list, new, edit, delete); the desk's analysts, providers and
participants get no forms, and their form pages and posts are refused with 403, nothing written.
Anonymous visitors are sent to sign in. The page keeps a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from busbar.changes.models import AvailabilityTarget, BlackoutWindow, MaintenanceWindow, NoticeRule

SETTINGS = "/changes/settings/"


def _posts(chg) -> list[tuple[str, dict]]:
    rule, window, blackout = chg.css_rule, chg.sunday_window, chg.year_end
    new_rule = {
        "name": "UK Link releases",
        "min_working_days": "10",
        "calendar": chg.working.pk,
        "service": chg.uk_link.pk,
        "change_type": "normal",
    }
    new_blackout = {"name": "Market event", "starts_at": "2027-09-01T00:00", "ends_at": "2027-09-02T00:00"}
    return [
        ("/changes/settings/notice-rules/new/", new_rule),
        (f"/changes/settings/notice-rules/{rule.pk}/edit/", {**new_rule, "name": "Renamed"}),
        (f"/changes/settings/notice-rules/{rule.pk}/delete/", {}),
        (
            "/changes/settings/maintenance-windows/new/",
            {"service": chg.uk_link.pk, "weekday": "5", "start_time": "22:00", "end_time": "02:00"},
        ),
        (f"/changes/settings/maintenance-windows/{window.pk}/delete/", {}),
        ("/changes/settings/blackouts/new/", new_blackout),
        (f"/changes/settings/blackouts/{blackout.pk}/edit/", {**new_blackout, "name": "Renamed"}),
        (f"/changes/settings/blackouts/{blackout.pk}/delete/", {}),
        ("/changes/settings/availability-targets/uk-link/", {"target_percent": "99.9"}),
    ]


def _state():
    return (
        sorted(NoticeRule.objects.values_list("name", "min_working_days")),
        sorted(MaintenanceWindow.objects.values_list("service_id", "weekday", "start_time")),
        sorted(BlackoutWindow.objects.values_list("name", "starts_at")),
        sorted(AvailabilityTarget.objects.values_list("service_id", "target_percent")),
    )


def test_everyone_signed_in_reads_the_settings(chg) -> None:
    for user in (chg.ops, chg.world.platform_admin, chg.desk, chg.provider, chg.gas, chg.alpha):
        response = chg.client(user).get(SETTINGS)
        assert response.status_code == 200, user
        text = response.content.decode()
        assert "REC R0055: planned CSS outages" in text and "8 working days" in text
        assert "Default notice" in text and "every change (default)" in text
        assert "Sunday" in text and "00:00" in text and "06:00" in text
        assert "Year end" in text and "Every service" in text
        assert "99.500%" in text and "CSS SLA" in text
    response = chg.client(None).get(SETTINGS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_forms_offered_to_managers_only(chg) -> None:
    for user in (chg.ops, chg.world.platform_admin):
        page = chg.client(user).get(SETTINGS).content.decode()
        for marker in ("New notice rule", "New maintenance window", "New blackout window", "Set<span"):
            assert marker in page, (user, marker)
        assert f"/changes/settings/notice-rules/{chg.css_rule.pk}/edit/" in page
    for user in (chg.desk, chg.provider, chg.alpha):
        page = chg.client(user).get(SETTINGS).content.decode()
        for marker in (
            "New notice rule",
            "New maintenance window",
            "New blackout window",
            "/edit/",
            "/delete/",
        ):
            assert marker not in page, (user, marker)
        assert "Operations managers and platform administrators keep these settings" in page


def test_form_pages_and_posts_refused_to_others(chg) -> None:
    before = _state()
    for user in (chg.desk, chg.provider, chg.alpha):
        client = chg.client(user)
        for url, body in _posts(chg):
            if not url.endswith("/delete/"):
                assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, body).status_code == 403, (user, url)
    assert _state() == before
    for url, body in _posts(chg):
        response = chg.client(None).post(url, body)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _state() == before
    ops = chg.client(chg.ops)
    for url, _ in _posts(chg):
        if not url.endswith("/delete/"):
            assert ops.get(url).status_code == 200, url


def test_ops_manages_notice_rules(chg) -> None:
    ops = chg.client(chg.ops)
    url, body = _posts(chg)[0]
    assert ops.post(url, body).status_code == 302
    rule = NoticeRule.objects.get(name="UK Link releases")
    assert (rule.min_working_days, rule.service, rule.change_type) == (10, chg.uk_link, "normal")
    edit = {**body, "name": "UK Link normal releases", "min_working_days": "12"}  # is_active unticked
    assert ops.post(f"/changes/settings/notice-rules/{rule.pk}/edit/", edit).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.min_working_days, rule.is_active) == ("UK Link normal releases", 12, False)
    assert "Switched off" in ops.get(SETTINGS).content.decode()
    assert ops.post(f"/changes/settings/notice-rules/{rule.pk}/delete/").status_code == 302
    assert not NoticeRule.objects.filter(pk=rule.pk).exists()
    # Deleting is a POST: a GET of the address goes back to the settings.
    response = ops.get(f"/changes/settings/notice-rules/{chg.css_rule.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert NoticeRule.objects.filter(pk=chg.css_rule.pk).exists()


def test_ops_manages_windows_blackouts_and_targets(chg) -> None:
    ops = chg.client(chg.ops)
    posts = dict(_posts(chg))
    url = "/changes/settings/maintenance-windows/new/"
    assert ops.post(url, posts[url]).status_code == 302
    window = MaintenanceWindow.objects.get(service=chg.uk_link)
    assert (window.weekday, window.start_time, window.end_time) == (5, dt.time(22), dt.time(2))
    assert "(next day)" in ops.get(SETTINGS).content.decode()
    preset = ops.get(f"{url}?service=uk-link").content.decode()
    assert f'<option value="{chg.uk_link.pk}" selected>UK Link</option>' in preset
    assert ops.post(f"/changes/settings/maintenance-windows/{window.pk}/delete/").status_code == 302
    assert not MaintenanceWindow.objects.filter(pk=window.pk).exists()

    url = "/changes/settings/blackouts/new/"
    body = {**posts[url], "services": [chg.css.pk, chg.uk_link.pk], "reason": "Market-wide event"}
    assert ops.post(url, body).status_code == 302
    blackout = BlackoutWindow.objects.get(name="Market event")
    assert blackout.starts_at == dt.datetime(2027, 8, 31, 23, 0, tzinfo=dt.UTC)  # midnight BST
    assert set(blackout.services.all()) == {chg.css, chg.uk_link}
    edit = {
        **body,
        "name": "Market event (moved)",
        "starts_at": "2027-09-02T00:00",
        "ends_at": "2027-09-03T00:00",
    }
    assert ops.post(f"/changes/settings/blackouts/{blackout.pk}/edit/", edit).status_code == 302
    blackout.refresh_from_db()
    assert blackout.name == "Market event (moved)" and blackout.ends_at == dt.datetime(
        2027, 9, 2, 23, tzinfo=dt.UTC
    )
    assert ops.post(f"/changes/settings/blackouts/{blackout.pk}/delete/").status_code == 302
    assert not BlackoutWindow.objects.filter(pk=blackout.pk).exists()

    url = "/changes/settings/availability-targets/uk-link/"
    assert (
        ops.post(
            url, {"target_percent": "99.9", "planned_counts": "on", "agreement": "UK Link OLA"}
        ).status_code
        == 302
    )
    target = AvailabilityTarget.objects.get(service=chg.uk_link)
    assert (target.target_percent, target.planned_counts, target.agreement) == (
        Decimal("99.900"),
        True,
        "UK Link OLA",
    )
    page = ops.get("/changes/settings/availability-targets/css/").content.decode()
    assert 'value="99.500"' in page and "CSS SLA" in page


def test_settings_page_keeps_a_constant_number_of_queries(chg, django_assert_max_num_queries) -> None:
    for n in range(4):
        MaintenanceWindow.objects.create(
            service=chg.uk_link, weekday=n, start_time=dt.time(1), end_time=dt.time(3)
        )
        BlackoutWindow.objects.create(
            name=f"Event {n}",
            starts_at=dt.datetime(2027, 8, 1 + n, tzinfo=dt.UTC),
            ends_at=dt.datetime(2027, 8, 2 + n, tzinfo=dt.UTC),
        ).services.set([chg.css])
    for user in (chg.ops, chg.alpha):
        client = chg.client(user)
        client.get(SETTINGS)
        with django_assert_max_num_queries(14):
            assert client.get(SETTINGS).status_code == 200
