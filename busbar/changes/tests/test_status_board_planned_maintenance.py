"""While an accepted outage change is in progress its services show planned maintenance on the status
board (its components share it, its dependants are shown in planned maintenance too), linked to the
change; the board lists the outages planned in the next 14 days and the recent history (changes ended,
bulletins sent)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from busbar.changes import status_impacts
from busbar.changes.models import Bulletin, BulletinKind, ChangeNotification, ChangeStatus
from busbar.changes.queries import is_ccg_member
from busbar.changes.tests.conftest import NOW, ChangeWorld, _raise
from busbar.parties.queries import scope_for
from busbar.services import status
from busbar.services.models import Service, ServiceStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _board_now(monkeypatch) -> None:
    monkeypatch.setattr(status_impacts, "_now", lambda: NOW)


def _row(body: str, slug: str) -> str:
    start = body.index(f'<tr id="status-{slug}"')
    return body[start : body.index("</tr>", start)]


@pytest.mark.parametrize("who", ["alpha", "bravo", "provider", "gas", "desk"])
def test_the_live_outage_shows_planned_maintenance_on_css_and_its_component(
    chg: ChangeWorld, who: str
) -> None:
    response = chg.client(getattr(chg, who)).get(reverse("service_status"))
    assert response.status_code == 200
    body = response.content.decode()
    css = _row(body, "css")
    assert 'data-status="maintenance"' in css
    assert f'href="/changes/{chg.live.reference}/"' in css and "CSS firewall upgrade" in css
    assert 'data-status="maintenance"' in _row(body, "css-registration")  # a component shares it
    assert 'data-status="maintenance"' in _row(body, "uk-link")  # depends on CSS: passed on
    assert 'data-status="operational"' in _row(body, "gas-portal")


def test_the_anonymous_see_no_board(chg: ChangeWorld) -> None:
    assert chg.client(None).get(reverse("service_status")).status_code == 302
    assert status_impacts.planned_maintenance(None, [chg.css.pk]) == []


def test_only_in_progress_outage_changes_count(chg: ChangeWorld, django_assert_num_queries) -> None:
    ids = list(Service.objects.values_list("pk", flat=True))
    scope_for(chg.alpha)  # read once per request, before the board
    with django_assert_num_queries(1):
        impacts = status_impacts.planned_maintenance(chg.alpha, ids)
    assert [(i.service_id, i.status, i.reference) for i in impacts] == [
        (chg.css.pk, ServiceStatus.MAINTENANCE, chg.live.reference)
    ]
    assert impacts[0].url == f"/changes/{chg.live.reference}/" and impacts[0].counts
    # Without an outage, or once it is completed, the service is operational again.
    ChangeNotification.objects.filter(pk=chg.live.pk).update(is_outage=False)
    assert status_impacts.planned_maintenance(chg.alpha, ids) == []
    ChangeNotification.objects.filter(pk=chg.live.pk).update(is_outage=True)
    chg.live.service_rows.update(status=ChangeStatus.COMPLETED)
    assert status_impacts.planned_maintenance(chg.alpha, ids) == []
    board = status.board(chg.alpha, Service.objects.filter(is_active=True))
    assert board.get(chg.css.pk).status == ServiceStatus.OPERATIONAL


def test_an_accepted_outage_not_yet_started_is_planned_not_maintenance(chg: ChangeWorld) -> None:
    board = status.board(chg.alpha, Service.objects.filter(is_active=True))
    assert board.get(chg.uk_link.pk).own_status == ServiceStatus.OPERATIONAL  # accepted, 11 days on
    assert board.get(chg.css.pk).own_status == ServiceStatus.MAINTENANCE


def test_planned_and_recent_sections(chg: ChangeWorld) -> None:
    ended = _raise(
        chg.provider,
        chg.world.provider,
        "CSS certificate renewal",
        [chg.css],
        NOW - dt.timedelta(days=3, hours=2),
        NOW - dt.timedelta(days=3),
        status=ChangeStatus.FAILED,
    )
    ChangeNotification.objects.filter(pk=ended.pk).update(actual_end=NOW - dt.timedelta(days=3))
    later = _raise(
        chg.gas,
        chg.gas_org,
        "Portal upgrade in a month",
        [chg.portal],
        NOW + dt.timedelta(days=20),
        NOW + dt.timedelta(days=20, hours=2),
        status=ChangeStatus.ACCEPTED,
    )
    bulletin = Bulletin.objects.create(
        kind=BulletinKind.STARTED,
        change=chg.live,
        title="Started: CSS firewall upgrade",
        body="The work has begun.",
        sent_at=NOW - dt.timedelta(hours=1),
    )
    bulletin.services.set([chg.css])
    Bulletin.objects.create(
        kind=BulletinKind.STATUS,
        title="An old bulletin",
        body="Long ago",
        sent_at=NOW - dt.timedelta(days=40),
    )
    body = chg.client(chg.alpha).get(reverse("service_status")).content.decode()
    planned = body[body.index("Planned in the next 14 days") : body.index('id="recent"')]
    assert chg.accepted.reference in planned  # 11 days on, outage
    assert later.reference not in planned  # 20 days on
    assert chg.draft.reference not in body and chg.submitted.reference not in planned
    recent = body[body.index('id="recent"') :]
    assert ended.reference in recent and "Failed" in recent
    assert chg.done.reference not in recent  # ended 30 days ago
    assert "Started: CSS firewall upgrade" in recent and "An old bulletin" not in recent


def test_the_board_sections_cost_three_queries(chg: ChangeWorld, django_assert_num_queries, rf) -> None:
    request = rf.get("/status/")
    request.user = chg.alpha
    scope_for(chg.alpha)  # read once per request, before the board
    is_ccg_member(chg.alpha)
    with django_assert_num_queries(3):
        context = status_impacts.board_context(request)
    assert [c.reference for c in context["upcoming"]] == [chg.accepted.reference]
