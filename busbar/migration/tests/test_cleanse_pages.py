"""The cleanse pages and API per persona: readers see every item, an organisation its own, others nothing;
forms only for those allowed; the CSV upload shows each error line; bounded queries on the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.migration.actions import cleanse as actions
from busbar.migration.common import today
from busbar.migration.models import CleanseReading
from busbar.migration.tests.conftest import actor

pytestmark = pytest.mark.django_db


def _items(m):
    category = actions.create_category(actor=actor(m.si), programme=m.programme, name="Addresses")
    a = actions.create_item(
        actor=actor(m.si),
        category=category,
        organisation=m.world.org_a,
        baseline=1000,
        on=today() - dt.timedelta(days=20),
    )
    b = actions.create_item(actor=actor(m.si), category=category, organisation=m.world.org_b, baseline=80)
    actions.set_target(actor=actor(m.si), item=a, by_date=today() + dt.timedelta(days=20), outstanding_max=0)
    return category, a, b


def test_list_per_persona(m) -> None:
    _c, a, b = _items(m)
    for user in (m.si, m.assurer, m.world.analyst):
        page = m.client(user).get("/migration/cleanse/").content.decode()
        assert f"/migration/cleanse/{a.pk}/" in page and f"/migration/cleanse/{b.pk}/" in page
    page = m.client(m.world.user_a).get("/migration/cleanse/").content.decode()
    assert f"/migration/cleanse/{a.pk}/" in page and f"/migration/cleanse/{b.pk}/" not in page
    assert 'id="do-item"' in page and 'id="do-upload"' not in page and 'id="do-category"' not in page
    page = m.client(m.si).get("/migration/cleanse/").content.decode()
    assert 'id="do-upload"' in page and 'id="do-category"' in page and "<svg" in page
    page = m.client(m.world.resolver).get("/migration/cleanse/").content.decode()
    assert f"/migration/cleanse/{a.pk}/" not in page
    assert m.client(None).get("/migration/cleanse/").status_code == 302


def test_item_page_per_persona(m) -> None:
    _c, a, _b = _items(m)
    url = f"/migration/cleanse/{a.pk}/"
    page = m.client(m.world.user_a).get(url).content.decode()
    assert 'id="do-report"' in page and 'id="do-target"' not in page
    page = m.client(m.si).get(url).content.decode()
    assert 'id="do-report"' in page and 'id="do-target"' in page
    page = m.client(m.assurer).get(url).content.decode()
    assert 'id="do-report"' not in page and "1000" in page
    for user in (m.world.user_b, m.world.resolver, m.dno, m.agent, m.code_body_user):
        assert m.client(user).get(url).status_code == 404, user
    r = m.client(m.world.user_a).post(
        url + "report/", {"report-outstanding": "400", "report-on": today().isoformat()}
    )
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.outstanding == 400
    r = m.client(m.world.user_a).post(
        url + "target/",
        {"target-by_date": (today() + dt.timedelta(days=60)).isoformat(), "target-outstanding_max": "0"},
    )
    assert r.status_code == 403
    r = m.client(m.assurer).post(
        url + "report/", {"report-outstanding": "1", "report-on": today().isoformat()}
    )
    assert r.status_code == 403
    r = m.client(m.world.user_b).post(
        url + "report/", {"report-outstanding": "1", "report-on": today().isoformat()}
    )
    assert r.status_code == 404
    r = m.client(m.world.user_a).post(
        url + "report/", {"report-outstanding": "-1", "report-on": today().isoformat()}
    )
    assert r.status_code == 422


def test_upload_page_lists_errors_and_loads_nothing(m) -> None:
    _c, a, _b = _items(m)
    bad = (
        "organisation,category,date,outstanding\n"
        f"{m.world.org_a.name},Addresses,{today()},10\nX,Addresses,{today()},1\n"
    )

    r = m.client(m.si).post(
        "/migration/cleanse/upload/",
        {
            "upload-programme": m.programme.pk,
            "upload-file": SimpleUploadedFile("r.csv", bad.encode(), "text/csv"),
        },
    )
    assert r.status_code == 422
    assert "No organisation" in r.content.decode() and '<th scope="row">3</th>' in r.content.decode()
    assert CleanseReading.objects.filter(item=a).count() == 1
    r = m.client(m.world.user_a).post(
        "/migration/cleanse/upload/",
        {
            "upload-programme": m.programme.pk,
            "upload-file": SimpleUploadedFile("r.csv", bad.encode(), "text/csv"),
        },
    )
    assert r.status_code == 403


def test_list_queries_bounded_and_export(m, django_assert_max_num_queries) -> None:
    category = actions.create_category(actor=actor(m.si), programme=m.programme, name="Meters")
    orgs = [m.world.org_a, m.world.org_b, m.agent_org, m.dno_org, m.si_org, m.code_body_org]
    for org in orgs:
        item = actions.create_item(actor=actor(m.si), category=category, organisation=org, baseline=100)
        actions.set_target(
            actor=actor(m.si), item=item, by_date=today() + dt.timedelta(days=5), outstanding_max=0
        )
    client = m.client(m.si)
    client.get("/migration/cleanse/")
    with django_assert_max_num_queries(20):
        r = client.get("/migration/cleanse/")
    assert r.status_code == 200 and r.content.decode().count('class="chart" role="img"') == len(orgs)
    r = m.client(m.world.user_a).get("/migration/cleanse/export/")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Participant,Category,Baseline")
    assert len(text.strip().splitlines()) == 2 and m.world.org_a.name in text


def test_api(m) -> None:
    category, a, b = _items(m)
    listed = m.client(m.world.user_a).get("/api/v1/migration/cleanse").json()
    assert [i["id"] for i in listed["items"]] == [a.pk]
    assert listed["items"][0]["next_target"]["outstanding_max"] == 0
    assert m.client(m.assurer).get("/api/v1/migration/cleanse").json()["count"] == 2
    assert m.client(m.world.resolver).get("/api/v1/migration/cleanse").json()["count"] == 0
    assert m.client(m.world.user_b).get(f"/api/v1/migration/cleanse/{a.pk}").status_code == 404
    r = m.client(m.world.user_a).post(
        f"/api/v1/migration/cleanse/{a.pk}/readings",
        {"outstanding": 10, "on": today().isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["outstanding"] == 10 and r.json()["on_track"] is True
    r = m.client(m.world.user_a).post(
        f"/api/v1/migration/cleanse/{a.pk}/targets",
        {"by_date": (today() + dt.timedelta(days=60)).isoformat(), "outstanding_max": 0},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = m.client(m.si).post(
        f"/api/v1/migration/cleanse/{a.pk}/targets",
        {"by_date": (today() + dt.timedelta(days=60)).isoformat(), "outstanding_max": -1},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = m.client(m.si).post(
        f"/api/v1/migration/cleanse/{a.pk}/targets",
        {"by_date": (today() + dt.timedelta(days=60)).isoformat(), "outstanding_max": 3},
        content_type="application/json",
    )
    assert r.status_code == 201 and len(r.json()["targets"]) == 2
    r = m.client(m.agent).post(
        "/api/v1/migration/cleanse",
        {"category": category.pk, "organisation": m.agent_org.pk, "baseline": 7},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["baseline"] == 7
    r = m.client(m.agent).post(
        "/api/v1/migration/cleanse",
        {"category": category.pk, "organisation": m.world.org_a.pk, "baseline": 7},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = m.client(m.world.user_a).post(
        "/api/v1/migration/cleanse/categories",
        {"programme": m.programme.pk, "name": "X"},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = m.client(m.si).post(
        "/api/v1/migration/cleanse/categories",
        {"programme": m.programme.pk, "name": "X"},
        content_type="application/json",
    )
    assert r.status_code == 201
