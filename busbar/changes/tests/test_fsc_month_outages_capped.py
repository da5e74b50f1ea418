"""The month view lists at most MAX_OUTAGES_LISTED planned outages above the calendar, then links to the
list view of the same month (same filters), which lists them all."""

import pytest
from django.urls import reverse

from busbar.changes.views import schedule

pytestmark = pytest.mark.django_db


def test_outage_card_is_capped_with_a_link_to_the_month_list(chg, monkeypatch):
    monkeypatch.setattr(schedule, "MAX_OUTAGES_LISTED", 1)
    client = chg.client(chg.alpha)
    body = client.get(reverse("fsc"), {"month": "2027-06", "provider": ""}).content.decode()
    card = body[body.index("Planned outages in June 2027") : body.index('class="fsc-month"')]
    # June has two published outages: the live CSS change (16 June) and Gas CDS's UK Link release (27 June).
    assert chg.live.reference in card
    assert chg.accepted.reference not in card
    assert "All 2 planned outages of the month" in card
    link = reverse("fsc_list") + "?provider=&amp;from=2027-06-01&amp;to=2027-06-30"
    assert link in card
    listed = client.get(reverse("fsc_list"), {"from": "2027-06-01", "to": "2027-06-30"}).content.decode()
    assert chg.live.reference in listed and chg.accepted.reference in listed


def test_under_the_cap_no_link(chg):
    body = chg.client(chg.alpha).get(reverse("fsc"), {"month": "2027-06"}).content.decode()
    assert "planned outages of the month" not in body
