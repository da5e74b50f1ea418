"""The report pages per persona (allowed, filtered or 404), the migration profile chart with M14/M15 marked,
the CSV and XLSX exports holding the same numbers as the figures, bad input as a 400 naming the field,
and page query counts bounded and constant in the days and suppliers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.conftest import make_org
from busbar.migration import progress
from busbar.migration.models import DailyProgress, Entrant, EntrantKind, QualificationStatus
from busbar.migration.tests.conftest import M11, TODAY
from busbar.migration.tests.test_report_progress import _alpha_world, frozen, make_plan  # noqa: F401
from busbar.parties.models import IndustryRole

pytestmark = pytest.mark.django_db

PROGRESS = "/migration/reports/progress/"
LOAD = "/migration/reports/distributors/"
READINESS = "/migration/reports/readiness/"
AT_RISK = "/migration/reports/at-risk/"


def _status(m, user, url):
    return m.client(user).get(url).status_code


def test_pages_per_persona(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    w = m.world
    expected = {
        PROGRESS: {"si", "assurer", "analyst", "user_a", "user_b", "dno"},
        LOAD: {"si", "assurer", "analyst", "dno"},
        READINESS: {"si", "assurer", "analyst", "user_a", "user_b"},
        AT_RISK: {"si", "assurer", "analyst"},
    }
    people = {
        "si": m.si,
        "assurer": m.assurer,
        "analyst": w.analyst,
        "code_body": m.code_body_user,
        "user_a": w.user_a,
        "user_b": w.user_b,
        "agent": m.agent,
        "dno": m.dno,
        "resolver": w.resolver,
    }
    for url, allowed in expected.items():
        for name, user in people.items():
            assert _status(m, user, url) == (200 if name in allowed else 404), (url, name)
        assert _status(m, None, url) == 302


def test_progress_page_shows_the_figures_and_the_profile(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    body = m.client(m.si).get(PROGRESS).content.decode()
    assert "3,800" in body and "3,020" in body and "680,000" in body
    assert body.count("<svg") >= 3  # cumulative, per week, and each segment with figures
    assert 'class="chart-marker"' in body and ">M14<" in body and ">M15<" in body
    assert "Bravo Energy" in body  # the supplier selector


def test_supplier_sees_its_own_only(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    w = m.world
    own = m.client(w.user_a).get(PROGRESS).content.decode()
    assert "2,950" in own and "Bravo Energy" not in own
    assert _status(m, w.user_a, f"{PROGRESS}?supplier={w.org_a.pk}") == 200
    assert _status(m, w.user_a, f"{PROGRESS}?supplier={w.org_b.pk}") == 404
    assert _status(m, w.user_a, f"{PROGRESS}?supplier={w.org_b.pk}&format=csv") == 404
    assert _status(m, w.user_a, f"{PROGRESS}?supplier=abc") == 404
    bravo = m.client(m.si).get(f"{PROGRESS}?supplier={w.org_b.pk}").content.decode()
    assert "Migration progress: Bravo Energy" in bravo
    readiness = m.client(w.user_a).get(READINESS).content.decode()
    assert "Alpha Energy" in readiness and "Bravo Energy" not in readiness


def test_dno_sees_its_area(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    body = m.client(m.dno).get(PROGRESS).content.decode()
    assert "distributor area 10" in body and "3,300" in body and "2,620" in body
    load = m.client(m.dno).get(f"{LOAD}?from={M11}&to={M11 + dt.timedelta(days=3)}").content.decode()
    assert "10 Eastern" in load and "12 London" not in load
    everyone = m.client(m.si).get(f"{LOAD}?from={M11}&to={M11 + dt.timedelta(days=3)}").content.decode()
    assert "10 Eastern" in everyone and "12 London" in everyone


def test_bad_input_is_a_400_naming_the_field(m, frozen) -> None:  # noqa: F811
    c = m.client(m.si)
    r = c.get(f"{PROGRESS}?segment=gas")
    assert r.status_code == 400 and "segment" in r.content.decode()
    r = c.get(f"{LOAD}?from=2027-06-20&to=2027-06-10")
    assert r.status_code == 400 and 'id="id_to_error"' in r.content.decode()
    assert c.get(f"{LOAD}?from=yesterday").status_code == 400
    assert c.get(f"{LOAD}?from=2027-06-20&to=2027-06-10&format=csv").status_code == 400
    for url in (PROGRESS, LOAD, READINESS, AT_RISK):
        assert c.get(f"{url}?format=pdf").status_code == 400


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _xlsx(response) -> list[dict]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=False)) for row in rows[1:]]


def test_exports_hold_the_same_numbers(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    rep = progress.industry(m.si, today=TODAY)
    c = m.client(m.si)
    for fmt, read in (("csv", _csv), ("xlsx", _xlsx)):
        r = c.get(f"{PROGRESS}?format={fmt}")
        assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
        rows = read(r)
        assert len(rows) == len(rep.days)
        by_day = {row["Day"]: row for row in rows}
        d2 = by_day[(M11 + dt.timedelta(days=1)).isoformat()]
        assert int(d2["Planned"]) == 2500 and int(d2["Migrated, net"]) == 1920
        assert int(d2["Reverse-migrated"]) == 100 and int(d2["Planned, cumulative"]) == 3500
        assert int(d2["Smart planned"]) == 2500
        assert int(rows[-1]["Migrated net, cumulative"]) == rep.actual == 3020
    own = _csv(m.client(m.world.user_a).get(f"{PROGRESS}?format=csv"))
    assert int(own[-1]["Migrated net, cumulative"]) == 2950
    load = _csv(c.get(f"{LOAD}?from={M11}&to={M11 + dt.timedelta(days=1)}&format=csv"))
    eastern = [r for r in load if r["Distributor"] == "10"]
    assert [int(r["Planned"]) for r in eastern] == [1000, 2000]
    assert [r["Cap"] for r in eastern] == ["4000", "4000"]
    readiness = _csv(c.get(f"{READINESS}?format=csv"))
    assert {r["Supplier"]: int(r["Migrated, net"]) for r in readiness} == {
        "Alpha Energy": 2950,
        "Bravo Energy": 70,
    }
    Entrant.objects.filter(pk=m.bravo.pk).update(status=QualificationStatus.ALLOCATED, tranche=m.tranches[2])
    risk = _xlsx(c.get(f"{AT_RISK}?format=xlsx"))
    bravo = next(r for r in risk if r["Participant"] == "Bravo Energy")
    assert "late_tranche" in bravo["Reasons"]
    assert _status(m, m.world.user_a, f"{AT_RISK}?format=csv") == 404


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_bounded_and_constant(m, frozen, django_assert_max_num_queries) -> None:  # noqa: F811
    _alpha_world(m)
    c = m.client(m.si)
    urls = (PROGRESS, f"{PROGRESS}?supplier={m.world.org_a.pk}", LOAD, READINESS, AT_RISK, "/migration/")
    before = {url: _count(c, url) for url in urls}
    for i in range(5):
        org = make_org(f"Supplier {i}", [IndustryRole.ENERGY_SUPPLIER])
        Entrant.objects.create(window=m.window, organisation=org, kind=EntrantKind.SUPPLIER, smart=100)
        make_plan(
            m, org, "smart", [(TODAY + dt.timedelta(days=d), "1" + str(d % 10), 100) for d in range(30)]
        )
        DailyProgress.objects.bulk_create(
            DailyProgress(
                day=M11 + dt.timedelta(days=d), segment="smart", supplier=org, distributor="11", migrated=1
            )
            for d in range(90)
        )
    after = {url: _count(c, url) for url in urls}
    assert after == before
    for url in urls:
        with django_assert_max_num_queries(25):
            c.get(url)
