"""The request lists page keys first: every request appears exactly once across the pages, in the list's
order (newest first, or by fulfilment due), the count is said, and a page past the end shows the last."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from busbar.requests.tests._lifecycle import raise_info
from busbar.requests.tests.conftest import NOW
from busbar.requests.views.requests import PAGE_SIZE

pytestmark = pytest.mark.django_db

REF = re.compile(r'href="/requests/(REQ\d+)/"')


def refs(page: str) -> list[str]:
    return REF.findall(page)


def test_pages_cover_every_request_once_in_order(r) -> None:
    raised = [
        raise_info(r, now=NOW + dt.timedelta(minutes=i), question=f"Question {i}").reference
        for i in range(PAGE_SIZE + 5)
    ]
    client = r.client(r.world.analyst)
    first = client.get("/requests/?tab=queue").content.decode()
    second = client.get("/requests/?tab=queue&page=2").content.decode()
    assert refs(first) == raised[::-1][:PAGE_SIZE]
    assert refs(second) == raised[::-1][PAGE_SIZE:]
    assert f"{PAGE_SIZE + 5} in all" in first and "about" not in first
    # Past the end: the last page, not an error.
    assert refs(client.get("/requests/?tab=queue&page=99").content.decode()) == refs(second)
    # Oldest first pages the other way round, the supplier's own tab too.
    mine = r.client(r.world.user_a)
    oldest = mine.get("/requests/?tab=mine&sort=created").content.decode()
    assert refs(oldest) == raised[:PAGE_SIZE]
    by_due = [
        *refs(client.get("/requests/?tab=queue&sort=sla_due").content.decode()),
        *refs(client.get("/requests/?tab=queue&sort=sla_due&page=2").content.decode()),
    ]
    assert sorted(by_due) == sorted(raised) and len(set(by_due)) == len(raised)
    # Raised a minute apart on one item: fulfilment falls due in the same order.
    assert by_due == raised
