"""The home pages' change panel: the planned outages in progress or starting in the next 14 days that the
person may see, and for the desk the notifications awaiting the CCG's review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from busbar.changes import home
from busbar.changes.models import ChangeStatus
from busbar.changes.tests.conftest import NOW, ChangeWorld, _raise

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _home_now(monkeypatch) -> None:
    monkeypatch.setattr(home, "_now", lambda: NOW)


def _panel(chg: ChangeWorld, user) -> str:
    body = chg.client(user).get(reverse("home")).content.decode()
    start = body.index('aria-labelledby="chg-home-title"')
    return body[start : body.index("</section>", start)]


@pytest.mark.parametrize("who", ["alpha", "provider", "desk"])
def test_the_next_fortnights_outages(chg: ChangeWorld, who: str) -> None:
    later = _raise(
        chg.gas,
        chg.gas_org,
        "Portal upgrade in three weeks",
        [chg.portal],
        NOW + dt.timedelta(days=21),
        NOW + dt.timedelta(days=21, hours=1),
        status=ChangeStatus.ACCEPTED,
    )
    panel = _panel(chg, getattr(chg, who))
    assert chg.live.reference in panel and "In progress" in panel
    assert chg.accepted.reference in panel
    assert later.reference not in panel
    assert chg.draft.reference not in panel  # a draft, even the provider's own


def test_the_desk_sees_what_awaits_review_and_others_do_not(chg: ChangeWorld) -> None:
    desk = _panel(chg, chg.desk)
    assert "Awaiting the CCG" in desk and chg.submitted.reference in desk
    for who in (chg.alpha, chg.provider):
        panel = _panel(chg, who)
        assert "Awaiting the CCG" not in panel and chg.submitted.reference not in panel


def test_the_panel_is_a_few_queries(chg: ChangeWorld, rf, django_assert_max_num_queries) -> None:
    request = rf.get("/")
    request.user = chg.desk
    with django_assert_max_num_queries(4):  # the scope, the outages and their services, the awaiting
        panel = home.upcoming(request, "desk")
    assert [c.reference for c in panel["outages"]] == [chg.live.reference, chg.accepted.reference]
    assert [c.reference for c in panel["awaiting"]] == [chg.submitted.reference]
