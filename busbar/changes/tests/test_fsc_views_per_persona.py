"""The forward schedule of change per persona: every signed-in participant sees the published changes
(accepted onwards), never drafts or notifications awaiting review; the desk and the CCG's members may
include the pending ones, drawn lighter; the anonymous are sent to sign in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from busbar.changes.tests.conftest import ChangeWorld

pytestmark = pytest.mark.django_db

JUNE = {"month": "2027-06"}
JULY = {"month": "2027-07"}


def _get(chg: ChangeWorld, who, name="fsc", **params):
    return chg.client(who).get(reverse(name), params)


@pytest.mark.parametrize("who", ["alpha", "bravo", "gas", "provider", "desk", "ops"])
def test_month_shows_published_changes_to_everyone_signed_in(chg: ChangeWorld, who: str) -> None:
    response = _get(chg, getattr(chg, who), **JUNE)
    assert response.status_code == 200
    body = response.content.decode()
    assert chg.accepted.reference in body  # Gas CDS's accepted outage on UK Link, 27 June
    assert chg.live.reference in body  # in progress now
    assert chg.draft.reference not in body  # a draft is never on the schedule, not even for its provider
    assert "June 2027" in body


def test_planned_outages_are_listed_first(chg: ChangeWorld) -> None:
    body = _get(chg, chg.alpha, **JUNE).content.decode()
    outages = body.index("Planned outages in June 2027")
    grid = body.index('class="fsc-month"')
    assert outages < body.index(chg.accepted.reference) < grid
    assert "UK Link" in body[outages:grid]


def test_participant_never_sees_pending_even_when_asking(chg: ChangeWorld) -> None:
    response = _get(chg, chg.alpha, pending="1", **JULY)
    body = response.content.decode()
    assert response.status_code == 200
    assert chg.submitted.reference not in body
    assert 'name="pending"' not in body  # not offered


@pytest.mark.parametrize("who", ["desk", "ops", "provider", "gas"])
def test_desk_and_ccg_may_include_pending_drawn_lighter(chg: ChangeWorld, who: str) -> None:
    user = getattr(chg, who)
    plain = _get(chg, user, **JULY).content.decode()
    assert 'name="pending"' in plain
    assert chg.submitted.reference not in plain
    pending = _get(chg, user, pending="1", **JULY).content.decode()
    assert chg.submitted.reference in pending
    assert "fsc-event no-outage pending" in pending
    assert chg.draft.reference not in _get(chg, user, pending="1", **JUNE).content.decode()


@pytest.mark.parametrize("name", ["fsc", "fsc_week", "fsc_list", "fsc_export"])
def test_anonymous_is_sent_to_sign_in(chg: ChangeWorld, name: str) -> None:
    response = chg.client(None).get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_week_view_draws_each_change_across_its_days(chg: ChangeWorld) -> None:
    response = _get(chg, chg.alpha, "fsc_week", week="2027-06-16")  # a Wednesday: the week of Mon 14 June
    body = response.content.decode()
    assert response.status_code == 200
    assert "14 Jun – 20 Jun 2027" in body
    assert chg.live.reference in body
    assert chg.draft.reference not in body
    assert chg.accepted.reference not in body  # the following week
    assert "?week=2027-06-21" in body.replace("&amp;", "&")


def test_list_and_export_show_published_only(chg: ChangeWorld) -> None:
    window = {"from": "2027-05-01", "to": "2027-07-31"}
    body = _get(chg, chg.bravo, "fsc_list", **window).content.decode()
    for change in (chg.done, chg.live, chg.accepted):
        assert change.reference in body
    assert chg.draft.reference not in body and chg.submitted.reference not in body
    export = _get(chg, chg.bravo, "fsc_export", format="csv", **window)
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Reference,Title,Type,Status,Provider,Services,Outage")
    assert chg.accepted.reference in text and chg.draft.reference not in text
    assert ",UK Link,yes," in text  # its services and outage, read with the rows (no query per row)
    assert "Restore the previous release" not in text  # the back-out plan is internal
    desk = b"".join(_get(chg, chg.desk, "fsc_export", pending="1", **window).streaming_content).decode()
    assert chg.submitted.reference in desk
