"""The incident list sorts by a clicked column header (``?sort=name`` / ``?sort=-name``), only by the
columns in its whitelist (a participant cannot order by who raised or works an incident), with a total
order (the id breaks ties) that the pager keeps."""

import datetime as dt

import pytest

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.keyset import Key
from busbar.lib.listing import Sort, Sorting

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _refs(response) -> list[str]:
    assert response.status_code == 200
    return [i.reference for i, _ in response.context["page"].object_list]


@pytest.fixture
def made(world, catalogue):
    desk = actor_for(world.analyst)
    made = [
        raise_for(world, catalogue, summary="Charlie", severity="4", now=T0),
        raise_for(world, catalogue, summary="Alpha", severity="2", now=T0 + dt.timedelta(hours=1)),
        raise_for(world, catalogue, summary="Bravo", severity="3", now=T0 + dt.timedelta(hours=2)),
    ]
    actions.assign_incident(actor=desk, incident=made[0], provider=world.provider)
    return made


def test_sorts_by_each_whitelisted_column_both_ways(world, made) -> None:
    client = world.client(world.analyst)
    by_summary = [m.reference for m in sorted(made, key=lambda m: m.summary)]
    assert _refs(client.get("/incidents/?queue=all&sort=summary")) == by_summary
    assert _refs(client.get("/incidents/?queue=all&sort=-summary")) == by_summary[::-1]
    by_severity = [made[1].reference, made[2].reference, made[0].reference]  # rank 2, 3, 4
    assert _refs(client.get("/incidents/?queue=all&sort=severity")) == by_severity
    assert _refs(client.get("/incidents/?queue=all&sort=created")) == [m.reference for m in made]
    # Due times: the most urgent first, and in either direction an incident without one stays last.
    cancelled = made[2]
    actions.cancel_incident(actor=actor_for(world.analyst), incident=cancelled, reason="Duplicate")
    for m in made:
        m.record.refresh_from_db()
    timed = sorted((m for m in made if m.record.resolution_due_at), key=lambda m: m.record.resolution_due_at)
    untimed = [m.reference for m in made if not m.record.resolution_due_at]
    assert untimed == [cancelled.reference]
    assert _refs(client.get("/incidents/?queue=all&sort=sla_due")) == [m.reference for m in timed] + untimed
    assert (
        _refs(client.get("/incidents/?queue=all&sort=-sla_due"))
        == [m.reference for m in timed[::-1]] + untimed
    )
    assert _refs(client.get("/incidents/?queue=all&sort=provider"))[0] == made[0].reference


def test_headers_link_to_the_sort_and_say_which_is_applied(world, made) -> None:
    page = world.client(world.analyst).get("/incidents/?queue=all&status=open&sort=severity")
    html = page.content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?queue=all&amp;status=open&amp;sort=-severity"' in html  # clicking again reverses
    assert 'href="?queue=all&amp;status=open&amp;sort=summary"' in html
    assert page.context["extra_qs"] == "queue=all&status=open&sort=severity"  # the pager keeps it


def test_an_unknown_or_hidden_column_is_ignored(world, made) -> None:
    newest_first = [m.reference for m in made[::-1]]
    client = world.client(world.user_a)
    for sort in ("organisation", "-provider", "record__resolution_due_at", "x" * 500, "-"):
        assert _refs(client.get("/incidents/", {"queue": "all", "sort": sort})) == newest_first, sort
    html = client.get("/incidents/?queue=all").content.decode()
    assert "sort=organisation" not in html and "sort=provider" not in html
    assert 'href="?queue=all&amp;sort=summary"' in html


def test_ties_are_broken_by_id_so_pages_never_repeat(world, catalogue, monkeypatch) -> None:
    from busbar.incidents import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    same = [raise_for(world, catalogue, summary="Same", now=T0) for _ in range(5)]
    client = world.client(world.analyst)
    seen = []
    for number in (1, 2, 3):
        seen += _refs(client.get(f"/incidents/?queue=all&sort=summary&page={number}"))
    assert seen == [i.reference for i in sorted(same, key=lambda i: -i.pk)]


def test_sorting_keys_feed_keyset_pages() -> None:
    sorting = Sorting([Sort("due", "Due", (Key("due_at", nulls_last=True),))], tie=(Key("id"),))
    assert sorting.keys("-due") == [Key("due_at", descending=True, nulls_last=True), Key("id")]
    assert sorting.keys("nope") is None and sorting.valid("-due") == "-due"


def test_a_provider_cannot_sort_by_the_raiser_it_may_not_read(world, made) -> None:
    """A provider sees other parties' published incidents with their raiser hidden: sorting by the raiser
    would order those rows by a name it may not read. The provider column it may sort by."""
    client = world.client(world.resolver)
    default = _refs(client.get("/incidents/", {"queue": "all"}))
    assert _refs(client.get("/incidents/", {"queue": "all", "sort": "organisation"})) == default
    html = client.get("/incidents/?queue=all").content.decode()
    assert "sort=organisation" not in html and "sort=provider" in html
