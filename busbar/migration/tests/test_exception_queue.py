"""The exception queue page: filters, counts per kind, pagination with bounded queries, CSV export."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.lib.actions import Actor
from busbar.migration.actions import exceptions as actions
from busbar.migration.models import ExceptionKind
from busbar.migration.tests.conftest import NOW, TODAY, mpan

pytestmark = pytest.mark.django_db


def _many(m, n: int) -> list:
    made = []
    for i in range(n):
        kind = ExceptionKind.FAILED if i % 3 else ExceptionKind.NO_AGENT
        area = "10" if i % 2 else "12"
        made.append(
            actions.record_exception(
                actor=Actor.system(),
                kind=kind,
                supplier=m.world.org_a,
                day=TODAY - dt.timedelta(days=i),
                mpans=[{"core": int(mpan(area, 100 + i)), "agent_id": m.agent_org.pk}],
                now=NOW,
            )
        )
    return made


def test_counts_filters_and_pages(m, django_assert_max_num_queries) -> None:
    made = _many(m, 60)
    client = m.client(m.si)
    client.get("/migration/exceptions/")  # warm the session
    with django_assert_max_num_queries(16):
        r = client.get("/migration/exceptions/")
    page = r.content.decode()
    assert r.status_code == 200
    assert made[0].reference in page and made[59].reference not in page  # 50 a page, newest first
    assert "Page 1 of 2" in page
    assert made[59].reference in client.get("/migration/exceptions/?page=2").content.decode()
    failed = sum(1 for i in range(60) if i % 3)
    assert f'<span class="badge">{failed}</span>' in page
    r = client.get("/migration/exceptions/?kind=no_agent")
    assert made[0].reference in r.content.decode() and made[1].reference not in r.content.decode()
    r = client.get("/migration/exceptions/?distributor=12&kind=no_agent")
    assert made[0].reference in r.content.decode() and made[3].reference not in r.content.decode()
    assert client.get("/migration/exceptions/?kind=bogus").status_code == 400


def test_dno_queue_bounded_queries(m, django_assert_max_num_queries) -> None:
    _many(m, 30)
    client = m.client(m.dno)
    client.get("/migration/exceptions/")
    with django_assert_max_num_queries(16):
        r = client.get("/migration/exceptions/")
    assert r.status_code == 200
    assert r.content.decode().count("/migration/exceptions/MEX") == 15  # only area 10


def test_csv_export(m) -> None:
    made = _many(m, 4)
    r = m.client(m.assurer).get("/migration/exceptions/export/?kind=failed")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Reference,Kind,Status,Supplier")
    assert len(lines) == 1 + sum(1 for i in range(4) if i % 3)
    assert made[1].reference in text and made[0].reference not in text
    r = m.client(m.world.user_b).get("/migration/exceptions/export/")
    assert b"".join(r.streaming_content).decode("utf-8-sig").strip().count("\n") == 0
    assert m.client(m.si).get("/migration/exceptions/export/?kind=x").status_code == 400
    assert m.client(None).get("/migration/exceptions/export/").status_code == 302
