"""The incident page's reply form offers the viewer's own organisation's canned responses; ``?canned=<id>``
(a plain GET, no JavaScript) pre-fills the text box, after what was typed when that is sent too (HTMX)."""

import pytest

from busbar.incidents import actions as incident_actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import Actor
from busbar.parties import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world, catalogue):
    incident = raise_for(world, catalogue)
    incident_actions.assign_incident(
        actor=actor_for(world.analyst), incident=incident, provider=world.provider
    )
    desk = actions.create_canned_response(
        actor=Actor.system(), organisation=world.operator, title="Need logs", body="Please send the logs."
    )
    provider = actions.create_canned_response(
        actor=Actor.system(), organisation=world.provider, title="Fix deployed", body="A fix is deployed."
    )
    return incident, desk, provider


def _textarea(html: str) -> str:
    start = html.index('name="reply-body"')
    return html[html.index(">", start) + 1 : html.index("</textarea>", start)].strip()


def test_the_desk_picks_its_own_response(world, setup) -> None:
    incident, desk, provider = setup
    client = world.client(world.analyst)
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert 'name="canned"' in page and "Need logs" in page and "Fix deployed" not in page
    filled = client.get(f"/incidents/{incident.reference}/?canned={desk.pk}").content.decode()
    assert _textarea(filled) == "Please send the logs."
    typed = client.get(
        f"/incidents/{incident.reference}/", {"canned": desk.pk, "reply-body": "Hello,"}
    ).content.decode()
    assert _textarea(typed) == "Hello,\n\nPlease send the logs."


def test_another_organisations_response_is_not_inserted(world, setup) -> None:
    incident, desk, provider = setup
    page = world.client(world.analyst).get(f"/incidents/{incident.reference}/?canned={provider.pk}")
    assert page.status_code == 200 and _textarea(page.content.decode()) == ""
    mine = world.client(world.resolver).get(f"/incidents/{incident.reference}/?canned={provider.pk}")
    assert _textarea(mine.content.decode()) == "A fix is deployed."


@pytest.mark.parametrize("bad", ["abc", "-1", "99999999999999999999999", ""])
def test_bad_ids_are_ignored(world, setup, bad) -> None:
    incident, desk, provider = setup
    page = world.client(world.analyst).get(f"/incidents/{incident.reference}/?canned={bad}")
    assert page.status_code == 200 and _textarea(page.content.decode()) == ""


def test_participants_get_no_picker(world, setup) -> None:
    incident, desk, provider = setup
    page = world.client(world.user_a).get(f"/incidents/{incident.reference}/?canned={desk.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="canned"' not in html and "Please send the logs." not in html
    assert (
        world.client(world.user_b).get(f"/incidents/{incident.reference}/?canned={desk.pk}").status_code
        == 404
    )
