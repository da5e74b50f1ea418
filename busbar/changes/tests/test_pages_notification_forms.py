"""Raising and editing a Change Notification on its pages: a provider for itself, the desk for any
provider; times typed in UK time and stored in UTC; bad input refused on the field at fault with nothing
lost and nothing written; "Save draft" and "Submit"."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from busbar.changes.models import ChangeNotification, ChangeStatus

pytestmark = pytest.mark.django_db

#: A Tuesday well ahead (British Summer Time), so any notice rule is met.
DAY = (timezone.now() + dt.timedelta(days=120)).date()


def _form(chg, **extra) -> dict:
    data = {
        "title": "CSS index rebuild",
        "change_type": "normal",
        "services": [str(chg.css.pk)],
        "planned_start": f"{DAY:%Y-%m-%d}T02:00",
        "planned_end": f"{DAY:%Y-%m-%d}T04:30",
        "is_outage": "yes",
        "expected_impact": "Switch requests queue",
        "backout_plan": "Restore the old index",
        "risk": "low",
        "team": "CSS DBA",
        "emergency_reason": "",
        "description": "Rebuild the registration index",
        "intent": "draft",
    }
    data.update(extra)
    return data


def test_the_provider_saves_a_draft_in_uk_time(chg) -> None:
    client = chg.client(chg.provider)
    page = client.get("/changes/new/").content.decode()
    assert "CSS Registration" in page and "UK Link" not in page  # only what it runs, as a tree
    assert "Save draft" in page and "Submit to the CCG" in page
    response = client.post("/changes/new/", _form(chg))
    change = ChangeNotification.objects.get(title="CSS index rebuild")
    assert response.status_code == 302 and response["Location"] == f"/changes/{change.reference}/"
    assert change.status == ChangeStatus.DRAFT and change.provider == chg.world.provider
    assert change.is_outage and change.team == "CSS DBA" and list(change.services.all()) == [chg.css]
    typed = dt.datetime.combine(DAY, dt.time(2, 0), tzinfo=ZoneInfo("Europe/London"))
    assert change.planned_start == typed and change.planned_start.utcoffset() == dt.timedelta(0)
    assert change.planned_end == dt.datetime.combine(DAY, dt.time(4, 30), tzinfo=ZoneInfo("Europe/London"))
    assert not change.recorded_by_desk


def test_bad_input_names_the_field_and_keeps_what_was_typed(chg) -> None:
    client = chg.client(chg.provider)
    before = ChangeNotification.objects.count()
    end_first = client.post("/changes/new/", _form(chg, planned_end=f"{DAY:%Y-%m-%d}T01:00"))
    assert end_first.status_code == 422
    assert "planned_end" in end_first.context["form"].errors
    body = end_first.content.decode()
    assert "The end must be after the start" in body and "Rebuild the registration index" in body
    assert 'value="CSS index rebuild"' in body
    not_ours = client.post("/changes/new/", _form(chg, services=[str(chg.uk_link.pk)]))
    assert not_ours.status_code == 422 and "services" in not_ours.context["form"].errors
    no_title = client.post("/changes/new/", _form(chg, title=""))
    assert no_title.status_code == 422 and "title" in no_title.context["form"].errors
    bad_time = client.post("/changes/new/", _form(chg, planned_start="tomorrow"))
    assert bad_time.status_code == 422 and "planned_start" in bad_time.context["form"].errors
    no_services = client.post("/changes/new/", _form(chg, services=[]))
    assert no_services.status_code == 422 and "services" in no_services.context["form"].errors
    too_long = client.post(
        "/changes/new/", _form(chg, planned_end=f"{DAY + dt.timedelta(days=400):%Y-%m-%d}T01:00")
    )
    assert too_long.status_code == 422 and "planned_end" in too_long.context["form"].errors
    assert ChangeNotification.objects.count() == before


def test_submit_from_the_form(chg) -> None:
    client = chg.client(chg.provider)
    response = client.post("/changes/new/", _form(chg, intent="submit"))
    change = ChangeNotification.objects.get(title="CSS index rebuild")
    assert response.status_code == 302 and change.status == ChangeStatus.SUBMITTED
    assert change.submitted_at is not None and change.notice_given is not None


def test_an_emergency_without_its_reason_is_not_submitted_and_nothing_is_written(chg) -> None:
    before = ChangeNotification.objects.count()
    response = chg.client(chg.provider).post(
        "/changes/new/", _form(chg, change_type="emergency", intent="submit")
    )
    assert response.status_code == 422 and "emergency_reason" in response.context["form"].errors
    assert ChangeNotification.objects.count() == before
    saved = chg.client(chg.provider).post(
        "/changes/new/",
        _form(
            chg, change_type="emergency", intent="submit", emergency_reason="Certificate expired overnight"
        ),
    )
    assert saved.status_code == 302
    assert ChangeNotification.objects.get(title="CSS index rebuild").status == ChangeStatus.SUBMITTED


def test_the_desk_records_one_for_a_provider(chg) -> None:
    client = chg.client(chg.desk)
    page = client.get("/changes/new/").content.decode()
    assert "Gas CDS" in page and "CSS Provider" in page and "Choose the provider" in page
    # The desk's tree follows the provider chosen (HTMX asks for the services fragment).
    fragment = client.get(
        f"/changes/new/?provider={chg.gas_org.pk}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="services-field"
    ).content.decode()
    assert "UK Link" in fragment and "CSS Registration" not in fragment and "<html" not in fragment
    wrong = client.post("/changes/new/", _form(chg, provider=str(chg.gas_org.pk), services=[str(chg.css.pk)]))
    assert wrong.status_code == 422 and "services" in wrong.context["form"].errors
    response = client.post(
        "/changes/new/", _form(chg, provider=str(chg.gas_org.pk), services=[str(chg.uk_link.pk)])
    )
    change = ChangeNotification.objects.get(title="CSS index rebuild")
    assert response.status_code == 302 and change.provider == chg.gas_org and change.recorded_by_desk
    missing = client.post("/changes/new/", _form(chg, title="Another"))
    assert missing.status_code == 422 and "provider" in missing.context["form"].errors


def test_a_provider_cannot_raise_for_another(chg) -> None:
    before = ChangeNotification.objects.count()
    response = chg.client(chg.provider).post(
        "/changes/new/", _form(chg, provider=str(chg.gas_org.pk), services=[str(chg.uk_link.pk)])
    )
    # The provider is fixed to its own: the UK Link service is refused as not one it runs.
    assert response.status_code == 422 and "services" in response.context["form"].errors
    assert ChangeNotification.objects.count() == before


def test_participants_cannot_raise_or_edit(chg) -> None:
    alpha = chg.client(chg.alpha)
    assert alpha.get("/changes/new/").status_code == 403
    assert alpha.post("/changes/new/", _form(chg)).status_code == 403
    assert alpha.get(f"/changes/{chg.accepted.reference}/edit/").status_code == 403
    assert alpha.post(f"/changes/{chg.accepted.reference}/edit/", _form(chg)).status_code == 403
    assert chg.client(chg.gas).get(f"/changes/{chg.draft.reference}/edit/").status_code == 404


def test_the_provider_edits_its_draft_then_submits(chg) -> None:
    client = chg.client(chg.provider)
    url = f"/changes/{chg.draft.reference}/edit/"
    page = client.get(url).content.decode()
    assert 'value="CSS database patching"' in page and "checked" in page
    bad = client.post(url, _form(chg, title="Renamed", planned_start="", intent="draft"))
    assert bad.status_code == 422 and "planned_start" in bad.context["form"].errors
    assert ChangeNotification.objects.get(pk=chg.draft.pk).title == "CSS database patching"
    saved = client.post(url, _form(chg, title="Renamed"))
    assert saved.status_code == 302
    change = ChangeNotification.objects.get(pk=chg.draft.pk)
    assert change.title == "Renamed" and change.status == ChangeStatus.DRAFT
    submitted = client.post(url, _form(chg, title="Renamed", intent="submit"))
    assert submitted.status_code == 302
    assert ChangeNotification.objects.get(pk=chg.draft.pk).status == ChangeStatus.SUBMITTED
    # Submitted: no longer editable (ask the CCG to reschedule).
    assert client.get(url).status_code == 409
