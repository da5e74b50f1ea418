"""The Change Notification list and its export read a fixed number of queries whatever the number of
rows on the page (services per row prefetched, flags read from the row)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.changes.models import ChangeNotification, ChangeStatus
from busbar.changes.tests.conftest import NOW, _raise

pytestmark = pytest.mark.django_db


def _more(chg, count: int) -> None:
    for i in range(count):
        start = NOW + dt.timedelta(days=40 + i)
        change = _raise(
            chg.provider,
            chg.world.provider,
            f"Extra change {i}",
            [chg.css, chg.css_reg],
            start,
            start + dt.timedelta(hours=2),
            status=ChangeStatus.ACCEPTED if i % 2 else None,
        )
        ChangeNotification.objects.filter(pk=change.pk).update(is_late=bool(i % 3), conflict_count=i % 2)


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["desk", "provider", "alpha"])
def test_the_list_reads_a_constant_number_of_queries(chg, persona, django_assert_max_num_queries) -> None:
    user = getattr(chg, persona)
    client = chg.client(user)
    client.get("/changes/")  # session and caches warm
    url = "/changes/?status=all&sort=-start"
    few = _count(client, url)
    _more(chg, 12)
    many = _count(client, url)
    assert many == few
    with django_assert_max_num_queries(12):
        client.get("/changes/?status=all&q=extra&service=" + str(chg.css.pk))


def test_the_export_reads_a_constant_number_of_queries(chg) -> None:
    client = chg.client(chg.desk)
    few = _count(client, "/changes/export/?status=all&format=csv")
    _more(chg, 12)
    assert _count(client, "/changes/export/?status=all&format=csv") == few
