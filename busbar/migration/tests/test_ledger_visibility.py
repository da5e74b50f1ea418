"""Who sees which MPANs and loads, on the pages and in the API: a supplier its own MPANs, a DNO those in its
area, an agent those it is appointed to, the programme all, anyone else none (404); and who may upload."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.migration.actions.ledger import load_file
from busbar.migration.models import LedgerLoad, Mpan
from busbar.migration.tests.conftest import NOW, actor, mpan

pytestmark = pytest.mark.django_db

HEADER = "mpan,segment,supplier,dno,agent,event,date\n"
A1, A2, B1, B2 = mpan("10", 1), mpan("12", 2), mpan("12", 3), mpan("14", 4)


def _csv(*lines: str) -> bytes:
    return (HEADER + "".join(f"{ln}\n" for ln in lines)).encode()


@pytest.fixture
def ledger(m):
    alpha = load_file(
        actor=actor(m.si),
        organisation=m.world.org_a,
        filename="alpha.csv",
        content=_csv(
            f"{A1},smart,ALPH,10,DLTA,schedule,2027-06-01",
            f"{A2},smart,ALPH,12,,schedule,2027-06-01",
            f"{A2},smart,ALPH,12,,migrate,2027-06-15",
            f"{A2},smart,ALPH,12,,explode,2027-06-15",
        ),
        apply_valid=True,
        now=NOW,
    )
    bravo = load_file(
        actor=actor(m.world.user_b),
        organisation=m.world.org_b,
        filename="bravo.csv",
        content=_csv(
            f"{B1},smart,BRAV,12,DLTA,schedule,2027-06-01", f"{B2},advanced,BRAV,14,,schedule,2027-06-01"
        ),
        now=NOW,
    )
    return alpha, bravo


def personas(m):
    w = m.world
    everything = {A1, A2, B1, B2}
    return [
        (m.si, everything),
        (m.assurer, everything),
        (w.analyst, everything),
        (m.code_body_user, set()),
        (w.user_a, {A1, A2}),
        (w.user_b, {B1, B2}),
        (m.agent, {A1, B1}),
        (m.dno, {A1}),
        (w.resolver, set()),
    ]


def test_mpan_pages_per_persona(m, ledger, django_assert_max_num_queries) -> None:
    for user, seen in personas(m):
        client = m.client(user)
        for core in (A1, A2, B1, B2):
            response = client.get("/migration/ledger/mpans/", {"mpan": core})
            if core in seen:
                assert response.status_code == 200, (user, core)
                assert core in response.content.decode()
            else:
                assert response.status_code == 404, (user, core)
    page = m.client(m.world.user_a).get("/migration/ledger/mpans/", {"mpan": A2}).content.decode()
    assert "Migrated" in page and "None appointed" in page
    bad = m.client(m.world.user_a).get(
        "/migration/ledger/mpans/", {"mpan": A1[:12] + "0" if A1[12] != "0" else A1[:12] + "1"}
    )
    assert bad.status_code == 422 and "Check digit wrong" in bad.content.decode()
    assert m.client(None).get("/migration/ledger/mpans/", {"mpan": A1}).status_code == 302
    client = m.client(m.dno)
    with django_assert_max_num_queries(12):
        assert client.get("/migration/ledger/mpans/", {"mpan": A1}).status_code == 200


def test_mpan_api_per_persona(m, ledger) -> None:
    for user, seen in personas(m):
        client = m.client(user)
        listed = client.get("/api/v1/migration/ledger/mpans?limit=100").json()
        assert {i["mpan"] for i in listed["items"]} == seen, user
        for core in (A1, A2, B1, B2):
            response = client.get(f"/api/v1/migration/ledger/mpans/{core}")
            assert response.status_code == (200 if core in seen else 404), (user, core)
    one = m.client(m.world.user_a).get(f"/api/v1/migration/ledger/mpans/{A2}").json()
    assert one["state"] == "migrated" and [e["kind"] for e in one["events"]] == ["schedule", "migrate"]
    assert m.client(None).get("/api/v1/migration/ledger/mpans").status_code == 401
    assert m.client(None).get(f"/api/v1/migration/ledger/mpans/{A1}").status_code == 401
    si = m.client(m.si)
    assert [i["mpan"] for i in si.get("/api/v1/migration/ledger/mpans?distributor=12").json()["items"]] == [
        A2,
        B1,
    ]
    assert [i["mpan"] for i in si.get("/api/v1/migration/ledger/mpans?state=migrated").json()["items"]] == [
        A2
    ]
    supplier = f"/api/v1/migration/ledger/mpans?supplier={m.world.org_b.pk}&limit=1"
    first = si.get(supplier).json()
    assert first["items"][0]["mpan"] == B1 and first["has_more"]
    second = si.get(f"{supplier}&cursor={first['next_cursor']}").json()
    assert [i["mpan"] for i in second["items"]] == [B2] and not second["has_more"]
    assert si.get("/api/v1/migration/ledger/mpans?distributor=1x").status_code == 422
    assert si.get("/api/v1/migration/ledger/mpans/1234567890123").status_code == 422


def test_load_pages_and_api_per_persona(m, ledger) -> None:
    alpha, bravo = ledger
    w = m.world
    for user, loads in [
        (m.si, {alpha.pk, bravo.pk}),
        (m.assurer, {alpha.pk, bravo.pk}),
        (w.user_a, {alpha.pk}),
        (w.user_b, {bravo.pk}),
        (m.agent, set()),
        (m.dno, set()),
        (m.code_body_user, set()),
        (w.resolver, set()),
    ]:
        client = m.client(user)
        assert {i["id"] for i in client.get("/api/v1/migration/ledger/loads").json()["items"]} == loads, user
        home = client.get("/migration/ledger/")
        assert home.status_code == 200
        for load in (alpha, bravo):
            expected = 200 if load.pk in loads else 404
            assert client.get(f"/migration/ledger/loads/{load.pk}/").status_code == expected, user
            assert client.get(f"/migration/ledger/loads/{load.pk}/rejections.csv").status_code == expected
            assert client.get(f"/api/v1/migration/ledger/loads/{load.pk}").status_code == expected
    assert m.client(None).get("/migration/ledger/").status_code == 302
    assert m.client(None).get("/api/v1/migration/ledger/loads").status_code == 401
    page = m.client(w.user_a).get(f"/migration/ledger/loads/{alpha.pk}/").content.decode()
    assert "Unknown event" in page and "rejection report" in page
    report = m.client(w.user_a).get(f"/migration/ledger/loads/{alpha.pk}/rejections.csv")
    assert report["Content-Type"].startswith("text/csv")
    assert report.content.decode().splitlines()[1].startswith('5,event,"Unknown event')
    detail = m.client(w.user_a).get(f"/api/v1/migration/ledger/loads/{alpha.pk}").json()
    assert detail["status"] == "partial" and detail["errors"][0]["line"] == 5


def test_upload_on_the_page_per_persona(m) -> None:
    """(The pages run on today's clock: the lines are dated in the past.)"""
    w = m.world
    content = _csv(f"{A1},smart,ALPH,10,DLTA,schedule,2026-06-01")

    def post(user, org, **extra):
        upload = SimpleUploadedFile("daily.csv", content, content_type="text/csv")
        return m.client(user).post("/migration/ledger/", {"file": upload, "organisation": org.pk, **extra})

    page = m.client(w.user_a).get("/migration/ledger/").content.decode()
    assert 'enctype="multipart/form-data"' in page and "Apply valid lines" in page
    # Bravo may not load Alpha's file: Alpha is not among its choices.
    assert post(w.user_b, w.org_a).status_code == 422
    assert not LedgerLoad.objects.exists()
    assert m.client(None).post("/migration/ledger/", {}).status_code == 302
    done = post(w.user_a, w.org_a)
    assert done.status_code == 302
    load = LedgerLoad.objects.get()
    assert done["Location"] == f"/migration/ledger/loads/{load.pk}/" and load.uploaded_by == w.user_a
    # The SI chooses the organisation among all suppliers.
    si_page = m.client(m.si).get("/migration/ledger/").content.decode()
    assert "Bravo Energy" in si_page and "Alpha Energy" in si_page
    assert post(m.si, w.org_a).status_code == 302
    assert LedgerLoad.objects.order_by("-id").first().errors == []
    assert LedgerLoad.objects.order_by("-id").first().status == "unchanged"
    assert Mpan.objects.count() == 1


def test_upload_in_the_api_per_persona(m) -> None:
    w = m.world
    content = _csv(
        f"{A1},smart,ALPH,10,DLTA,schedule,2026-06-01", f"{A2},smart,ALPH,12,DLTA,migrate,2026-06-01"
    )

    def post(user, **data):
        upload = SimpleUploadedFile("daily.csv", content, content_type="text/csv")
        return m.client(user).post("/api/v1/migration/ledger/loads", {"file": upload, **data})

    assert post(None).status_code == 401
    assert post(w.user_b, organisation=w.org_a.pk).status_code == 403
    assert post(m.assurer, organisation=w.org_a.pk).status_code == 403
    assert post(w.resolver, organisation=w.org_a.pk).status_code == 403
    assert post(m.si, organisation=999999).status_code == 422
    rejected = post(w.user_a)
    assert rejected.status_code == 201
    body = rejected.json()
    assert (
        body["status"] == "rejected"
        and body["errors"][0]["line"] == 3
        and "is not scheduled" in body["errors"][0]["message"]
    )
    assert not Mpan.objects.exists()
    partial = post(w.user_a, apply_valid="true").json()
    assert (partial["status"], partial["applied"], partial["rejected"]) == ("partial", 1, 1)
    assert Mpan.objects.count() == 1
