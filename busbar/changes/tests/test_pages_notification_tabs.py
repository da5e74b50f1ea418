"""The change area's tabs: each offered only to those who may open it."""

import pytest

pytestmark = pytest.mark.django_db


def _tabs(client) -> list[str]:
    response = client.get("/changes/")
    assert response.status_code == 200
    return [t.key for t in response.context["tabs"]]


def test_tabs_per_persona(chg) -> None:
    everyone = ["bulletins", "subscriptions"]
    assert _tabs(chg.client(chg.alpha)) == [
        "notifications",
        "schedule",
        "consultations",
        *everyone,
        "settings",
    ]
    # A CCG member reads the CCG's pages.
    assert _tabs(chg.client(chg.gas)) == [
        "notifications",
        "schedule",
        "ccg",
        "consultations",
        *everyone,
        "settings",
    ]
    for desk in (chg.desk, chg.ops):
        assert _tabs(chg.client(desk)) == [
            "notifications",
            "schedule",
            "ccg",
            "consultations",
            *everyone,
            "reports",
            "settings",
        ]
    page = chg.client(chg.alpha).get("/changes/").content.decode()
    assert 'href="/changes/schedule/"' in page and 'href="/changes/ccg/"' not in page
