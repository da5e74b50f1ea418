"""The demand pages for each persona: the list shows what each may see (the filer its own, a provider only
notified notices on its services, the desk all), the page of an unseen notice is a 404, the forms are
offered by the permissions only, filing works without JavaScript, the trends page is the desk's and the
tolerances form the operations managers'."""

import datetime as dt

import pytest
from django.core import mail

from busbar.demand import actions
from busbar.demand.models import DemandNotice, DemandStatus, DemandTolerance
from busbar.demand.tests.conftest import NOW, actor


def _notified(d):
    return actions.notify_providers(actor=actor(d.world.analyst), notice=d.notice, now=NOW)


def test_list_per_persona(d, django_assert_max_num_queries) -> None:
    w = d.world
    _notified(d)
    seen = {}
    for name, user in {
        "user_a": w.user_a,
        "user_b": w.user_b,
        "analyst": w.analyst,
        "resolver": w.resolver,
        "gas": d.gas,
        "elec": d.elec,
    }.items():
        with django_assert_max_num_queries(30):
            body = d.client(user).get("/demand/").content.decode()
        seen[name] = {r for r in (d.notice.reference, d.notice_b.reference) if r in body}
    assert seen["user_a"] == {d.notice.reference}
    assert seen["user_b"] == {d.notice_b.reference}
    assert seen["analyst"] == {d.notice.reference, d.notice_b.reference}
    assert seen["resolver"] == {d.notice.reference}  # notified, a line on CSS
    assert seen["gas"] == {d.notice.reference}
    assert seen["elec"] == set()  # MPRS's notice not notified; Alpha's not on MPRS
    assert d.client(None).get("/demand/").status_code == 302


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_rows(d) -> None:
    c = d.client(d.world.analyst)
    c.get("/demand/")
    few = _count(c, "/demand/?above=yes&status=filed")
    for i in range(15):
        actions.file_notice(
            actor=actor(d.world.user_a),
            title=f"Wave {i}",
            starts_on=dt.date(2027, 7, 1),
            ends_on=dt.date(2027, 7, 3),
            lines=[{"service": d.css, "normal_per_day": 10, "expected_per_day": 100}],
            now=NOW,
        )
    assert _count(c, "/demand/?above=yes&status=filed") == few
    assert c.get("/demand/?above=yes").content.decode().count("Above tolerance") >= 16


def test_list_filters(d) -> None:
    c = d.client(d.world.analyst)
    assert d.notice.reference not in c.get(f"/demand/?service={d.mprs.pk}").content.decode()
    assert d.notice_b.reference in c.get(f"/demand/?service={d.mprs.pk}").content.decode()
    body = c.get("/demand/?above=yes").content.decode()
    assert d.notice.reference in body and d.notice_b.reference not in body
    assert c.get("/demand/?status=nonsense").status_code == 400


def test_detail_per_persona(d) -> None:
    w = d.world
    url = f"/demand/{d.notice.reference}/"
    assert d.client(w.user_a).get(url).status_code == 200
    assert d.client(w.analyst).get(url).status_code == 200
    for user in (w.user_b, w.resolver, d.gas, d.elec):
        assert d.client(user).get(url).status_code == 404  # not notified yet
    _notified(d)
    body = d.client(d.gas).get(url).content.decode()
    assert "UK Link" in body and "10500" in body and ">CSS<" not in body  # only its own service's line
    assert "Save the analysis" not in body and "Withdraw" not in body
    assert d.client(d.elec).get(url).status_code == 404
    assert d.client(w.user_b).get(url).status_code == 404


def test_forms_offered_by_permissions(d) -> None:
    url = f"/demand/{d.notice.reference}/"
    desk = d.client(d.world.analyst).get(url).content.decode()
    for button in ("Save the analysis", "Send the bulletin", "Add note"):
        assert button in desk
    assert "Withdraw" not in desk and "Send the response" not in desk
    filer = d.client(d.world.user_a).get(url).content.decode()
    assert "Withdraw" in filer and f"/demand/{d.notice.reference}/edit/" in filer
    assert (
        "Save the analysis" not in filer and "Send the bulletin" not in filer and "Internal note" not in filer
    )
    assert "<svg" in filer and "Above tolerance" in filer


def test_filing_through_the_page_without_javascript(d, frozen, django_capture_on_commit_callbacks) -> None:
    c = d.client(d.world.user_a)
    assert c.get("/demand/new/").status_code == 200
    mail.outbox.clear()
    data = {
        "organisation": d.world.org_a.pk,
        "title": "Winter campaign",
        "reason": "marketing",
        "starts_on": "2027-07-05",
        "ends_on": "2027-07-09",
        "line_0_service": d.css.pk,
        "line_0_normal": "1000",
        "line_0_expected": "5000",
        "line_2_service": d.uk_link.pk,
        "line_2_normal": "100",
        "line_2_expected": "100",
    }
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/demand/new/", data)
    assert r.status_code == 302
    notice = DemandNotice.objects.get(title="Winter campaign")
    assert notice.above_tolerance and notice.lines.count() == 2
    assert {m.to[0] for m in mail.outbox} == {d.world.analyst.email, d.world.ops.email}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": "2027-07-01"}, "ends_on"),
        ({"line_1_service": "99999", "line_1_normal": "1", "line_1_expected": "2"}, "line_1_service"),
        ({"line_1_service": "{css}", "line_1_normal": "1", "line_1_expected": "2"}, "line_1_service"),
        ({"line_0_expected": "10000001"}, "line_0_expected"),
        ({"line_0_service": ""}, "line_0_service"),
    ],
)
def test_bad_filing_on_the_page_names_the_field(d, frozen, changes, field) -> None:
    data = {
        "organisation": d.world.org_a.pk,
        "title": "Bad",
        "reason": "marketing",
        "starts_on": "2027-07-05",
        "ends_on": "2027-07-09",
        "line_0_service": d.css.pk,
        "line_0_normal": "1000",
        "line_0_expected": "5000",
    }
    data.update({k: v.replace("{css}", str(d.css.pk)) for k, v in changes.items()})
    if field == "line_0_service":
        data.pop("line_0_normal"), data.pop("line_0_expected")
    before = DemandNotice.objects.count()
    r = d.client(d.world.user_a).post("/demand/new/", data)
    assert r.status_code == 422
    assert field in r.context["form"].errors
    assert DemandNotice.objects.count() == before


def test_filing_page_denied_to_people_who_may_not_file(d, world) -> None:
    from busbar.conftest import make_org, make_user
    from busbar.parties.models import IndustryRole, MembershipRole

    shipper = make_org("Only Shipper", [IndustryRole.GAS_SHIPPER])
    person = make_user(shipper, "p@shipper.example", MembershipRole.PARTICIPANT)
    assert d.client(person).get("/demand/new/").status_code == 403
    assert d.client(person).post("/demand/new/", {"title": "x"}).status_code == 403
    assert d.client(d.world.resolver).get("/demand/new/").status_code == 200  # a provider files too


def test_edit_page_for_the_filer_only_while_editable(d, frozen) -> None:
    url = f"/demand/{d.notice.reference}/edit/"
    assert d.client(d.world.admin_a).get(url).status_code == 200
    assert d.client(d.world.analyst).get(url).status_code == 403
    assert d.client(d.world.user_b).get(url).status_code == 404
    r = d.client(d.world.user_a).post(
        url,
        {
            "title": "Summer tariff campaign",
            "reason": "marketing",
            "starts_on": "2027-06-21",
            "ends_on": "2027-06-27",
            "line_0_service": d.css.pk,
            "line_0_normal": "1000",
            "line_0_expected": "1100",
        },
    )
    assert r.status_code == 302
    d.notice.refresh_from_db()
    assert d.notice.above_tolerance is False and d.notice.lines.count() == 1
    actions.start_analysis(actor=actor(d.world.analyst), notice=d.notice, analysis="Fine", now=NOW)
    actions.notify_providers(actor=actor(d.world.analyst), notice=d.notice, now=NOW)
    assert d.client(d.world.user_a).get(url).status_code == 403


def test_action_forms_post_and_refuse(d, frozen) -> None:
    ref = d.notice.reference
    r = d.client(d.world.analyst).post(f"/demand/{ref}/analyse/", {"analyse-analysis": "Peaks on Monday"})
    assert r.status_code == 302
    d.notice.refresh_from_db()
    assert d.notice.status == DemandStatus.UNDER_ANALYSIS and d.notice.analysis == "Peaks on Monday"
    r = d.client(d.world.user_a).post(f"/demand/{ref}/analyse/", {"analyse-analysis": "Mine"})
    assert r.status_code == 403
    assert (
        d.client(d.world.user_b).post(f"/demand/{ref}/analyse/", {"analyse-analysis": "x"}).status_code == 404
    )
    r = d.client(d.world.analyst).post(f"/demand/{ref}/mitigation/", {"mitigation-text": ""})
    assert r.status_code == 422
    r = d.client(d.world.analyst).post(
        f"/demand/{ref}/mitigation/", {"mitigation-text": "Spread over 10 days"}
    )
    assert r.status_code == 302
    r = d.client(d.world.user_a).post(f"/demand/{ref}/respond/", {"respond-response": "We will"})
    assert r.status_code == 302
    d.notice.refresh_from_db()
    assert d.notice.filer_response == "We will"
    assert d.client(d.world.analyst).get(f"/demand/{ref}/respond/").status_code == 302  # GET: the page
    assert d.client(d.world.analyst).post(f"/demand/{ref}/nonsense/", {}).status_code == 404


def test_trends_page_is_the_desks(d, frozen, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(30):
        r = d.client(d.world.analyst).get("/demand/trends/")
    assert r.status_code == 200 and "<svg" in r.content.decode() and "CSS" in r.content.decode()
    assert d.client(d.world.analyst).get(f"/demand/trends/?service={d.css.pk}&weeks=8").status_code == 200
    assert d.client(d.world.analyst).get("/demand/trends/?weeks=1000").status_code == 400
    for user in (d.world.user_a, d.world.resolver):
        assert d.client(user).get("/demand/trends/").status_code == 403


def test_tolerances_page(d, frozen) -> None:
    url = "/demand/tolerances/"
    body = d.client(d.world.user_a).get(url).content.decode()
    assert "+20%" in body and "Save the tolerance" not in body
    assert "Save the tolerance" in d.client(d.world.ops).get(url).content.decode()
    data = {"service": d.mprs.pk, "effective_from": "2027-08-01", "tolerance_percent": "15"}
    assert d.client(d.world.analyst).post(url, data).status_code == 403
    assert d.client(d.world.user_a).post(url, data).status_code == 403
    assert d.client(d.world.ops).post(url, data).status_code == 302
    assert DemandTolerance.objects.filter(service=d.mprs, effective_from=dt.date(2027, 8, 1)).exists()
    bad = {**data, "tolerance_percent": "5000"}
    r = d.client(d.world.ops).post(url, bad)
    assert r.status_code == 422 and "tolerance_percent" in r.context["form"].errors
    assert d.client(None).get(url).status_code == 302
