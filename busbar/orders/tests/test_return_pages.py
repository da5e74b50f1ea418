"""The hub return pages per persona: the list (constant queries, serial search, filters), raising by CSV
or pasted lines (every bad line shown, nothing imported), a return's page and its stage forms, export."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.orders.models import HubReturn, HubReturnStatus
from busbar.orders.tests.conftest import OmsWorld
from busbar.orders.tests.test_return_flow import csv_text, raise_for, serial, working_day

pytestmark = pytest.mark.django_db
LIST = "/hubs/returns/"


def form(**extra) -> dict:
    return {
        "supplier": "",
        "collection_address": "1 Meter Street\nLeeds",
        "postcode": "LS1 4AP",
        "collection_date": working_day().isoformat(),
        "contact": "Sam, 0113 000 0000",
        **extra,
    }


def test_supplier_uploads_a_csv_and_is_taken_to_the_return(o: OmsWorld):
    client = o.client(o.world.user_a)
    assert client.get(f"{LIST}new/").status_code == 200
    upload = SimpleUploadedFile("hubs.csv", ("\ufeff" + csv_text(300)).encode(), content_type="text/csv")
    made = client.post(f"{LIST}new/", form(supplier=o.world.org_a.pk, file=upload))
    assert made.status_code == 302, made.content.decode()[:2000]
    hr = HubReturn.objects.get()
    assert made["Location"] == f"{LIST}{hr.reference}/" and hr.hub_count == 300
    page = client.get(made["Location"])
    assert page.status_code == 200 and b"00-1B-C5-0C-00-00-00-00" in page.content
    assert b"Cancel return" in page.content and b"Mark collected" not in page.content
    exported = client.get(f"{LIST}{hr.reference}/export/?format=csv")
    assert b"".join(exported.streaming_content).count(b"\n") == 301


def test_pasted_lines_with_every_bad_line_shown_and_nothing_imported(o: OmsWorld):
    lines = f"{serial(1)},s2-cs-int,F01\nnope,s2-cs-int,F01\n{serial(1)},s2-cs-int,F77\n"
    refused = o.client(o.world.user_a).post(f"{LIST}new/", form(supplier=o.world.org_a.pk, lines=lines))
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "line 2, serial" in text and "line 3, serial" in text and "line 3, fault" in text
    assert "Nothing was imported" in text and HubReturn.objects.count() == 0
    weekend = o.client(o.world.user_a).post(
        f"{LIST}new/",
        form(supplier=o.world.org_a.pk, lines=f"{serial(1)},s2-cs-int,F01", postcode="NOT A CODE"),
    )
    assert weekend.status_code == 422 and b"UK postcode" in weekend.content


@pytest.mark.parametrize("who", ["dcc", "resolver", "analyst"])
def test_only_suppliers_raise(o: OmsWorld, who):
    user = o.dcc if who == "dcc" else getattr(o.world, who)
    assert o.client(user).get(f"{LIST}new/").status_code == 403


def test_visibility_of_pages_and_serial_search(o: OmsWorld):
    hr = raise_for(o, count=2)
    detail = f"{LIST}{hr.reference}/"
    bravo = o.client(o.world.user_b)
    assert bravo.get(detail).status_code == 404
    assert bravo.get(f"{detail}export/?format=csv").status_code == 404
    assert bravo.post(f"{detail}cancel/", {}).status_code == 404
    listed = bravo.get(LIST)
    assert listed.status_code == 200 and hr.reference.encode() not in listed.content
    searched = bravo.get(f"{LIST}?serial={serial(1)}")
    assert searched.status_code == 200 and hr.reference.encode() not in searched.content
    assert o.client(o.world.resolver).get(LIST).status_code == 404
    assert o.client(None).get(LIST).status_code == 302
    mine = o.client(o.world.user_a).get(f"{LIST}?serial={serial(1).lower()}")
    assert mine.status_code == 302 and mine["Location"] == detail
    for user in (o.dcc, o.world.analyst):
        assert hr.reference.encode() in o.client(user).get(LIST).content
        assert o.client(user).get(f"{LIST}?serial={serial(0)}")["Location"] == detail


def test_dcc_moves_the_return_through_its_stages_on_the_page(o: OmsWorld):
    hr = raise_for(o, count=2)
    url = f"{LIST}{hr.reference}/"
    dcc, supplier = o.client(o.dcc), o.client(o.world.user_a)
    assert b"Mark collected" in dcc.get(url).content
    assert supplier.post(f"{url}collected/", {"collected-note": ""}).status_code == 403
    assert dcc.post(f"{url}collected/", {"collected-note": "Van 3"}).status_code == 302
    assert dcc.post(f"{url}received/", {"received-note": ""}).status_code == 302
    bad = dcc.post(
        f"{url}test_results/", {"test_results-lines": f"{serial(0)},credited,\n{serial(7)},credited,"}
    )
    assert bad.status_code == 422 and b"line 2, serial" in bad.content
    good = dcc.post(
        f"{url}test_results/", {"test_results-lines": f"{serial(0)},credited,\n{serial(1)},credited,"}
    )
    assert good.status_code == 302
    assert dcc.post(f"{url}credit/", {"credit-note": "Credit note CN-1"}).status_code == 302
    hr.refresh_from_db()
    assert hr.status == HubReturnStatus.CREDITED and hr.credited_count == 2
    page = supplier.get(url)
    assert b"Credit note CN-1" in page.content and b"Credited" in page.content


def test_list_filters_and_query_count_is_constant(o: OmsWorld, django_assert_max_num_queries):
    for i in range(3):
        raise_for(o, count=1, start=100 + i)
    client = o.client(o.dcc)
    client.get(LIST)
    with django_assert_max_num_queries(14) as few:
        assert client.get(LIST).status_code == 200
    for i in range(27):
        raise_for(o, count=1, start=200 + i, prefix=0x00AA0000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(LIST)
    assert page.content.count(b"RTN") >= 30
    assert client.get(f"{LIST}?status=collected").content.count(b"/hubs/returns/RTN") == 0
    assert client.get(f"{LIST}?supplier={o.world.org_b.pk}").content.count(b"/hubs/returns/RTN") == 0
    assert client.get(f"{LIST}?created_from=notadate").status_code == 400
