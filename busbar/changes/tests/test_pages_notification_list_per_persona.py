"""The Change Notification list for each persona: the desk sees every draft, a provider its own, a
participant only published changes; filters, sorting and flags; anonymous people are sent to sign in."""

import datetime as dt

import pytest

from busbar.changes.models import ChangeNotification, ChangeStatus, ChangeType
from busbar.changes.tests.conftest import NOW, _raise

pytestmark = pytest.mark.django_db


def _refs(response) -> list[str]:
    assert response.status_code == 200
    return [c.reference for c in response.context["page"].object_list]


@pytest.fixture
def gas_draft(chg):
    return _raise(
        chg.gas,
        chg.gas_org,
        "Gas Portal patch",
        [chg.portal],
        NOW + dt.timedelta(days=9),
        NOW + dt.timedelta(days=9, hours=2),
    )


def test_the_desk_sees_every_draft(chg, gas_draft) -> None:
    seen = _refs(chg.client(chg.desk).get("/changes/?status=all"))
    assert {chg.draft.reference, gas_draft.reference, chg.submitted.reference, chg.accepted.reference} <= set(
        seen
    )
    page = chg.client(chg.desk).get("/changes/").content.decode()
    assert "Change Notifications" in page and "New Change Notification" in page


def test_a_provider_sees_its_own_drafts_only(chg, gas_draft) -> None:
    seen = set(_refs(chg.client(chg.provider).get("/changes/?status=all")))
    assert chg.draft.reference in seen and gas_draft.reference not in seen
    assert chg.accepted.reference in seen  # published: every participant reads it
    gas_seen = set(_refs(chg.client(chg.gas).get("/changes/?status=all")))
    assert gas_draft.reference in gas_seen and chg.draft.reference not in gas_seen


def test_a_participant_sees_only_published_changes(chg, gas_draft) -> None:
    for user in (chg.alpha, chg.bravo):
        seen = set(_refs(chg.client(user).get("/changes/?status=all")))
        assert seen == {chg.accepted.reference, chg.live.reference, chg.done.reference}
    page = chg.client(chg.alpha).get("/changes/").content.decode()
    assert "New Change Notification" not in page and chg.draft.title not in page
    assert "With conflicts only" not in page  # conflicts are the reviewers'


def test_anonymous_is_sent_to_sign_in(chg) -> None:
    for url in ("/changes/", "/changes/export/?format=csv", "/changes/new/"):
        response = chg.client(None).get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_filters(chg, gas_draft) -> None:
    desk = chg.client(chg.desk)
    assert _refs(desk.get(f"/changes/?status=all&q={chg.live.reference.lower()}")) == [chg.live.reference]
    number = int(chg.live.reference[3:])
    assert _refs(desk.get(f"/changes/?status=all&q=chg{number}")) == [chg.live.reference]
    assert chg.live.reference in _refs(desk.get(f"/changes/?status=all&q={number}"))
    assert _refs(desk.get("/changes/?status=all&q=firewall")) == [chg.live.reference]
    assert set(_refs(desk.get(f"/changes/?status=all&provider={chg.gas_org.pk}"))) == {
        chg.accepted.reference,
        chg.done.reference,
        gas_draft.reference,
    }
    # A service takes its components with it.
    on_css = set(_refs(desk.get(f"/changes/?status=all&service={chg.css.pk}")))
    assert on_css == {chg.draft.reference, chg.live.reference, chg.submitted.reference}
    assert _refs(desk.get("/changes/?status=all&type=major")) == [chg.done.reference]
    assert _refs(desk.get("/changes/?status=in_progress")) == [chg.live.reference]
    ChangeNotification.objects.filter(pk=chg.done.pk).update(status=ChangeStatus.REVIEWED)
    assert chg.done.reference not in _refs(desk.get("/changes/"))  # open by default
    assert chg.done.reference in _refs(desk.get("/changes/?status=all"))
    ChangeNotification.objects.filter(pk=chg.submitted.pk).update(is_late=True, conflict_count=2)
    assert _refs(desk.get("/changes/?late=1")) == [chg.submitted.reference]
    assert _refs(desk.get("/changes/?conflicts=1")) == [chg.submitted.reference]
    # An invalid value filters nothing rather than failing; hostile ids never reach the database.
    for hostile in ("²", "-1", "99999999999999999999999", "abc"):
        assert desk.get(f"/changes/?provider={hostile}&service={hostile}").status_code == 200
    assert (
        desk.get("/changes/?provider=abc&service=99999999999999999999999&status=nonsense").status_code == 200
    )


def test_the_conflicts_filter_of_a_provider_covers_its_own_changes(chg) -> None:
    from busbar.changes.models import CcgMember

    CcgMember.objects.filter(user=chg.provider).update(is_active=False)
    ChangeNotification.objects.filter(pk__in=[chg.submitted.pk, chg.accepted.pk]).update(conflict_count=1)
    assert _refs(chg.client(chg.provider).get("/changes/?status=all&conflicts=1")) == [
        chg.submitted.reference
    ]
    # A participant asking anyway learns nothing: the filter is not theirs and is ignored.
    alpha = chg.client(chg.alpha)
    assert _refs(alpha.get("/changes/?status=all&conflicts=1")) == _refs(alpha.get("/changes/?status=all"))


def test_sorting_and_flags(chg) -> None:
    desk = chg.client(chg.desk)
    by_start = _refs(desk.get("/changes/?status=all"))
    assert by_start == [
        chg.done.reference,
        chg.live.reference,
        chg.draft.reference,
        chg.accepted.reference,
        chg.submitted.reference,
    ]
    assert _refs(desk.get("/changes/?status=all&sort=-start")) == list(reversed(by_start))
    titles = [c.title for c in desk.get("/changes/?status=all&sort=title").context["page"].object_list]
    assert titles == sorted(titles)
    # Outside the whitelist: the list's own order.
    assert _refs(desk.get("/changes/?status=all&sort=backout_plan")) == by_start
    # Participants cannot sort by conflicts (they do not read them).
    assert _refs(chg.client(chg.alpha).get("/changes/?status=all&sort=-conflicts")) == [
        chg.done.reference,
        chg.live.reference,
        chg.accepted.reference,
    ]
    ChangeNotification.objects.filter(pk=chg.accepted.pk).update(
        is_late=True, conflict_count=3, change_type=ChangeType.EMERGENCY
    )
    desk_page = desk.get("/changes/").content.decode()
    assert "Late" in desk_page and "3 conflicts" in desk_page and "Emergency" in desk_page
    alpha_page = chg.client(chg.alpha).get("/changes/").content.decode()
    assert "Late" in alpha_page and "3 conflicts" not in alpha_page


def test_htmx_refreshes_the_rows(chg) -> None:
    response = chg.client(chg.desk).get(
        "/changes/?status=all&q=firewall", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="rows"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and chg.live.reference in body
    assert 'hx-swap-oob="true"' in body
