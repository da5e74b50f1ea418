"""Web: calendars (week view, next 14 days, closures) and SLA policies (targets per severity)."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.audit.models import AuditEntry
from busbar.conftest import World
from busbar.services.models import Calendar, SeverityScheme, SlaPolicy, SlaTarget
from busbar.services.tests.conftest import Catalogue

pytestmark = pytest.mark.django_db


def _next_weekday(weekday: int) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)


def test_calendar_pages_for_a_participant(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.user_a)
    listing = c.get("/calendars/").content.decode()
    assert "Week view" in listing and "08:00–18:00" in listing and "00:00–24:00" in listing
    assert "New calendar" not in listing
    detail = c.get(f"/calendars/{catalogue.working.pk}/")
    html = detail.content.decode()
    assert detail.status_code == 200 and "Next 14 days" in html and len(detail.context["preview"]) == 14
    assert "Add a closure" not in html and "History" not in html
    assert c.get("/calendars/999999/").status_code == 404


def test_closures_from_the_page(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    day = _next_weekday(2)  # next Wednesday: inside the 14-day preview
    response = c.post(
        f"/calendars/{catalogue.working.pk}/closures/", {"date": day.isoformat(), "reason": "Move"}
    )
    assert response.status_code == 302
    page = c.get(f"/calendars/{catalogue.working.pk}/").content.decode()
    assert "Closed: Move" in page and "Add a closure" in page and "History" in page
    assert f"{day:%a} {day.day} {day:%b %Y}" in c.get("/calendars/").content.decode()  # upcoming closures
    twice = c.post(f"/calendars/{catalogue.working.pk}/closures/", {"date": day.isoformat()})
    assert twice.status_code == 422 and "already closed" in twice.context["closure_form"].errors["date"][0]
    closure = catalogue.working.closures.get()
    removed = c.post(f"/calendars/{catalogue.working.pk}/closures/{closure.pk}/remove/")
    assert removed.status_code == 302 and not catalogue.working.closures.exists()


def test_create_and_edit_calendar_with_the_day_at_fault(world: World) -> None:
    c = world.client(world.platform_admin)
    assert c.get("/calendars/new/").status_code == 200
    form = {
        "name": "Desk",
        "kind": "working_hours",
        "bank_holidays": "on",
        "hours_0": "08:00-12:00, 13:00-17:30",
    }
    response = c.post("/calendars/new/", form)
    assert response.status_code == 302
    cal = Calendar.objects.get(name="Desk")
    assert cal.weekly_hours == {"0": [["08:00", "12:00"], ["13:00", "17:30"]]} and cal.bank_holidays
    bad = c.post(f"/calendars/{cal.pk}/edit/", {**form, "hours_3": "18:00-09:00"})
    assert bad.status_code == 422
    assert (
        bad.context["form"].errors["hours_3"][0].startswith("Thursday: 18:00–09:00 must start before it ends")
    )
    shape = c.post(f"/calendars/{cal.pk}/edit/", {**form, "hours_4": "nine till five"})
    assert shape.status_code == 422 and "HH:MM-HH:MM" in shape.context["form"].errors["hours_4"][0]
    overlap = c.post(f"/calendars/{cal.pk}/edit/", {**form, "hours_0": "08:00-12:00, 11:00-13:00"})
    assert "overlaps" in overlap.context["form"].errors["hours_0"][0]
    always = c.post(f"/calendars/{cal.pk}/edit/", {**form, "kind": "24x7"})
    assert always.status_code == 302
    cal.refresh_from_db()
    assert cal.kind == "24x7" and cal.weekly_hours == {}
    assert AuditEntry.objects.filter(record_id=str(cal.pk), action__startswith="calendar.").count() == 2


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "resolver"])
def test_calendar_editing_is_refused_to_others(world: World, catalogue: Catalogue, who: str) -> None:
    c = world.client(getattr(world, who))
    pk = catalogue.working.pk
    assert c.get("/calendars/new/").status_code == 403
    assert c.get(f"/calendars/{pk}/edit/").status_code == 403
    assert c.post(f"/calendars/{pk}/edit/", {"name": "X", "kind": "24x7"}).status_code == 403
    assert c.post(f"/calendars/{pk}/closures/", {"date": "2026-12-29"}).status_code == 403
    assert not catalogue.working.closures.exists() and not Calendar.objects.filter(name="X").exists()


def test_policy_pages_for_a_participant(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.user_b)
    listing = c.get("/sla-policies/").content.decode()
    assert "REC default" in listing and "Default" in listing and "REC incident severities" in listing
    assert "20 minutes" in listing and "New policy" not in listing
    assert "used by 3 services" in listing
    detail = c.get(f"/sla-policies/{catalogue.default.pk}/").content.decode()
    assert "CSS registration service" in detail and "Edit targets" not in detail


def test_scheme_policy_and_targets_through_the_forms(world: World, catalogue: Catalogue) -> None:
    c = world.client(world.ops)
    lines = "\n".join(
        [
            "1 | Category 1: many users | major",
            "2 | Category 2",
            "3 | Category 3",
            "4 | Category 4",
            "5 | Category 5",
        ]
    )
    assert (
        c.post("/severity-schemes/new/", {"name": "SEC incident categories", "severities": lines}).status_code
        == 302
    )
    scheme = SeverityScheme.objects.get(name="SEC incident categories")
    assert [(s.code, s.is_major) for s in scheme.severities.all()][:2] == [("1", True), ("2", False)]
    bad = c.post("/severity-schemes/new/", {"name": "Odd", "severities": "1 | A | sometimes"})
    assert bad.status_code == 422 and "major" in bad.context["form"].errors["severities"][0]
    dup = c.post("/severity-schemes/new/", {"name": "Dup", "severities": "1 | A\n1 | B"})
    assert dup.status_code == 422 and "own code" in dup.context["form"].errors["severities"][0]

    created = c.post("/sla-policies/new/", {"name": "SEC", "scheme": scheme.pk, "warning_ratio": "0.8"})
    policy = SlaPolicy.objects.get(name="SEC")
    assert created["Location"] == f"/sla-policies/{policy.pk}/targets/"
    page = c.get(f"/sla-policies/{policy.pk}/targets/")
    assert page.status_code == 200 and len(page.context["table"]) == 5
    sev1 = scheme.severities.get(code="1")
    data = {
        f"t{sev1.pk}_response_amount": "30",
        f"t{sev1.pk}_response_unit": "minutes",
        f"t{sev1.pk}_response_calendar": catalogue.always.pk,
        f"t{sev1.pk}_resolution_amount": "4",
        f"t{sev1.pk}_resolution_unit": "hours",
        f"t{sev1.pk}_resolution_calendar": "",
    }
    missing = c.post(f"/sla-policies/{policy.pk}/targets/", data)
    assert missing.status_code == 422
    assert "calendar" in missing.context["form"].errors[f"t{sev1.pk}_resolution_calendar"][0]
    data[f"t{sev1.pk}_resolution_calendar"] = catalogue.always.pk
    assert c.post(f"/sla-policies/{policy.pk}/targets/", data).status_code == 302
    assert sorted(SlaTarget.objects.filter(policy=policy).values_list("clock", "amount")) == [
        ("resolution", 4),
        ("response", 30),
    ]
    ratio = c.post(f"/sla-policies/{policy.pk}/edit/", {"name": "SEC", "warning_ratio": "1.5"})
    assert ratio.status_code == 422 and "between" in ratio.context["form"].errors["warning_ratio"][0]
    made_default = c.post(
        f"/sla-policies/{policy.pk}/edit/", {"name": "SEC", "warning_ratio": "0.8", "is_default": "on"}
    )
    assert made_default.status_code == 302 and SlaPolicy.objects.get(is_default=True) == policy


@pytest.mark.parametrize("who", ["user_a", "admin_a", "analyst", "resolver"])
def test_policy_editing_is_refused_to_others(world: World, catalogue: Catalogue, who: str) -> None:
    c = world.client(getattr(world, who))
    pk = catalogue.default.pk
    policies_before = SlaPolicy.objects.count()
    for path in (
        "/sla-policies/new/",
        f"/sla-policies/{pk}/edit/",
        f"/sla-policies/{pk}/targets/",
        "/severity-schemes/new/",
    ):
        assert c.get(path).status_code == 403, path
        assert c.post(path, {"name": "X"}).status_code == 403, path
    assert SlaPolicy.objects.count() == policies_before and catalogue.default.targets.count() == 8
