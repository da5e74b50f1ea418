"""The plan pages per persona: the list (own plans for a supplier, all for the programme, nothing for the
rest), a plan's page (404 for those who may not see it; forms only as permissions allow; over-threshold
days flagged, tomorrow called out; the re-profile preview), thresholds and breaches; bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.migration import common
from busbar.migration.models import MigrationPlan, PlanLine, PlanStatus, Threshold

pytestmark = pytest.mark.django_db
DAY = dt.date(2027, 7, 6)


def _plan(m, org, status=PlanStatus.SUBMITTED, segment="smart", lines=()) -> MigrationPlan:
    plan = MigrationPlan.objects.create(programme=m.programme, supplier=org, segment=segment, status=status)
    PlanLine.objects.bulk_create(
        [PlanLine(plan=plan, day=d, distributor=dist, volume=v) for d, dist, v in lines]
    )
    return plan


@pytest.fixture
def plans(m):
    alpha = _plan(m, m.world.org_a, lines=[(DAY, "10", 3_000)])
    bravo = _plan(m, m.world.org_b, status=PlanStatus.DRAFT, lines=[(DAY, "11", 100)])
    return alpha, bravo


def test_list_per_persona(m, plans) -> None:
    alpha, bravo = plans
    url = "/migration/plans/"
    for user, sees in (
        (m.si, {alpha, bravo}),
        (m.assurer, {alpha, bravo}),
        (m.world.analyst, {alpha, bravo}),
        (m.world.user_a, {alpha}),
        (m.world.user_b, {bravo}),
        (m.agent, set()),
        (m.dno, set()),
        (m.code_body_user, set()),
        (m.world.resolver, set()),
    ):
        body = m.client(user).get(url).content.decode()
        for plan in (alpha, bravo):
            assert (f'href="/migration/plans/{plan.pk}/"' in body) == (plan in sees), (user, plan)
    assert m.client(None).get(url).status_code == 302
    si_page = m.client(m.si).get(url).content.decode()
    assert "Thresholds in force today" in si_page and "Start a plan" in si_page
    assert "Thresholds in force today" not in m.client(m.world.user_a).get(url).content.decode()


def test_list_queries_are_bounded(m, django_assert_max_num_queries) -> None:
    for org in (m.world.org_a, m.world.org_b):
        for segment in ("smart", "non_smart", "advanced", "unmetered"):
            _plan(m, org, segment=segment, lines=[(DAY, "10", 700), (DAY, "11", 10)])
    client = m.client(m.si)
    client.get("/migration/plans/")  # the session's first page warms what every page reads once
    with django_assert_max_num_queries(16):
        body = client.get("/migration/plans/").content.decode()
    assert (
        body.count('href="/migration/plans/') == 8 and body.count('class="badge bad">1<') == 8
    )  # distributor 10: 5,600 > 4,000
    alpha = m.client(m.world.user_a)
    alpha.get("/migration/plans/")
    with django_assert_max_num_queries(18):
        assert alpha.get("/migration/plans/").content.decode().count("badge bad") == 4


def test_create_from_the_list(m) -> None:
    response = m.client(m.world.user_a).post("/migration/plans/", {"segment": "advanced"})
    plan = MigrationPlan.objects.get(supplier=m.world.org_a, segment="advanced")
    assert response.status_code == 302 and response["Location"] == f"/migration/plans/{plan.pk}/"
    again = m.client(m.world.user_a).post("/migration/plans/", {"segment": "advanced"})
    assert again.status_code == 409 and MigrationPlan.objects.filter(segment="advanced").count() == 1
    response = m.client(m.si).post("/migration/plans/", {"segment": "smart", "supplier": m.world.org_b.pk})
    assert response.status_code == 302 and MigrationPlan.objects.filter(supplier=m.world.org_b).exists()
    assert m.client(m.world.resolver).post("/migration/plans/", {"segment": "smart"}).status_code == 403
    assert m.client(m.agent).post("/migration/plans/", {"segment": "smart"}).status_code == 403
    assert "Start a plan" not in m.client(m.dno).get("/migration/plans/").content.decode()


def test_detail_per_persona_and_forms(m, plans) -> None:
    alpha, bravo = plans
    url = f"/migration/plans/{alpha.pk}/"
    for user in (m.world.user_b, m.agent, m.dno, m.code_body_user, m.world.resolver):
        assert m.client(user).get(url).status_code == 404, user
    assert m.client(None).get(url).status_code == 302
    mine = m.client(m.world.user_a).get(url).content.decode()
    # submitted: it waits for the review
    assert 'id="do-upload"' not in mine and 'id="do-accept"' not in mine and 'id="do-reprofile"' not in mine
    si = m.client(m.si).get(url).content.decode()
    assert 'id="do-accept"' in si and 'id="do-return"' in si and 'id="do-reprofile"' in si
    assert 'id="do-upload"' not in si
    assessor = m.client(m.assurer).get(url).content.decode()
    assert "do-" not in assessor.replace("do-not", "")
    draft = m.client(m.world.user_b).get(f"/migration/plans/{bravo.pk}/").content.decode()
    assert 'id="do-submit"' in draft and 'id="do-upload"' in draft and 'id="do-generate"' in draft


def test_flags_tomorrow_and_preview(m, plans) -> None:
    alpha, _ = plans
    tomorrow = common.today() + dt.timedelta(days=1)
    Threshold.objects.create(
        programme=m.programme,
        scope="industry",
        daily_max=50,
        effective_from=tomorrow - dt.timedelta(days=400),
    )
    window = m.programme.segment_windows.get(segment="smart")
    window.opens = tomorrow - dt.timedelta(days=30)
    window.save()
    PlanLine.objects.create(plan=alpha, day=tomorrow, distributor="12", volume=80)
    body = m.client(m.si).get(f"/migration/plans/{alpha.pk}/").content.decode()
    assert 'id="tomorrow"' in body and "over by 30" in body and "FLAGGED" in body
    assert "Re-profile the plan" in body
    response = m.client(m.si).post(f"/migration/plans/{alpha.pk}/reprofile/")
    assert response.status_code == 302
    alpha.refresh_from_db()
    assert alpha.version == 2
    assert sum(alpha.lines.values_list("volume", flat=True)) == 3_080


def test_upload_all_or_nothing_and_denied(m, plans) -> None:
    _, bravo = plans
    url = f"/migration/plans/{bravo.pk}/upload/"
    bad = b"day,distributor,agent,volume\n2027-07-07,10,,5\n2027-07-08,99,,5\n2029-01-01,10,NOPE,x\n"
    response = m.client(m.world.user_b).post(url, {"upload-file": SimpleUploadedFile("p.csv", bad)})
    body = response.content.decode()
    assert response.status_code == 422 and "Line 3, distributor" in body and "Line 4, agent" in body
    assert list(bravo.lines.values_list("volume", flat=True)) == [100]
    good = b"day,distributor,agent,volume\n2027-07-07,10,DLTA,5\n2027-07-08,12,,7\n"
    assert (
        m.client(m.world.user_a).post(url, {"upload-file": SimpleUploadedFile("p.csv", good)}).status_code
        == 404
    )
    assert m.client(m.si).post(url, {"upload-file": SimpleUploadedFile("p.csv", good)}).status_code == 403
    response = m.client(m.world.user_b).post(url, {"upload-file": SimpleUploadedFile("p.csv", good)})
    assert response.status_code == 302 and sorted(bravo.lines.values_list("volume", flat=True)) == [5, 7]
    assert bravo.lines.get(volume=5).agent == m.agent_org


def test_generate_submit_accept_return(m, plans) -> None:
    _, bravo = plans
    base = f"/migration/plans/{bravo.pk}"
    data = {
        "generate-total": 1000,
        "generate-start": "2027-07-05",
        "generate-end": "2027-07-09",
        "generate-shares": "10:3, 12:1",
    }
    assert m.client(m.world.user_b).post(f"{base}/generate/", data).status_code == 302
    assert sum(bravo.lines.values_list("volume", flat=True)) == 1000 and bravo.lines.count() == 10
    assert (
        bravo.lines.filter(distributor="10").aggregate(n=__import__("django").db.models.Sum("volume"))["n"]
        == 750
    )
    assert m.client(m.world.user_b).post(f"{base}/accept/").status_code == 403
    assert m.client(m.world.user_b).post(f"{base}/submit/").status_code == 302
    assert m.client(m.world.user_b).post(f"{base}/submit/").status_code == 409
    assert m.client(m.assurer).post(f"{base}/accept/").status_code == 403
    assert m.client(m.si).post(f"{base}/return/", {"return-reason": ""}).status_code == 422
    assert m.client(m.si).post(f"{base}/return/", {"return-reason": "Too steep in July"}).status_code == 302
    bravo.refresh_from_db()
    assert bravo.status == PlanStatus.RETURNED and bravo.note == "Too steep in July"


def test_thresholds_page_per_persona(m) -> None:
    url = "/migration/thresholds/"
    si = m.client(m.si).get(url).content.decode()
    assert 'id="do-add"' in si and "Segment windows" in si
    for user in (m.assurer, m.world.user_a, m.dno, m.agent):
        body = m.client(user).get(url).content.decode()
        assert 'id="do-add"' not in body and ("10,000" in body or "10000" in body)
    data = {
        "add-scope": "distributor",
        "add-distributor": "12",
        "add-daily_max": 900,
        "add-effective_from": "2027-05-01",
    }
    assert m.client(m.world.user_a).post(f"{url}add/", data).status_code == 403
    assert m.client(m.assurer).post(f"{url}add/", data).status_code == 403
    assert m.client(m.si).post(f"{url}add/", data).status_code == 302
    t = Threshold.objects.get(distributor="12")
    assert (
        m.client(m.si).post(f"{url}end/", {"threshold": t.pk, "effective_to": "2027-04-01"}).status_code
        == 422
    )
    assert (
        m.client(m.si).post(f"{url}end/", {"threshold": t.pk, "effective_to": "2027-09-30"}).status_code
        == 302
    )
    t.refresh_from_db()
    assert t.effective_to == dt.date(2027, 9, 30)
    window = {
        "window-segment": "smart",
        "window-opens": "2027-04-01",
        "window-reverse_until": "2027-12-31",
        "window-closes": "2028-06-30",
    }
    assert m.client(m.world.user_a).post(f"{url}window/", window).status_code == 403
    assert m.client(m.si).post(f"{url}window/", window).status_code == 302
    assert m.programme.segment_windows.get(segment="smart").opens == dt.date(2027, 4, 1)
    assert m.client(None).get(url).status_code == 302


def test_breaches_page_per_persona(m, plans) -> None:
    bravo2 = _plan(m, m.world.org_b, segment="non_smart", lines=[(DAY, "10", 2_000)])
    assert bravo2
    url = "/migration/breaches/"
    for user, sees in (
        (m.si, True),
        (m.assurer, True),
        (m.world.user_a, True),
        (m.world.user_b, True),
        (m.dno, True),
        (m.agent, False),
        (m.code_body_user, False),
        (m.world.resolver, False),
    ):
        body = m.client(user).get(url).content.decode()
        assert ("Per distributor (DNO) daily cap 10" in body) == sees, user
    assert m.client(None).get(url).status_code == 302
