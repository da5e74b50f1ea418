"""One rule decides what is offered: the API's ``allowed_actions`` and the page's forms agree, per persona,
and the actions refuse what is not offered."""

import pytest

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import NotPermitted

pytestmark = pytest.mark.django_db


def _offered(world, user, incident):
    return set(world.client(user).get(f"/api/v1/incidents/{incident.reference}").json()["allowed_actions"])


def _page_forms(world, user, incident) -> set[str]:
    page = world.client(user).get(f"/incidents/{incident.reference}/").content.decode()
    return {
        verb
        for verb in (
            "triage",
            "assign",
            "start",
            "pending",
            "resolve",
            "close",
            "reopen",
            "cancel",
            "reply",
            "link",
        )
        if f'id="do-{verb}"' in page
    }


def test_each_persona_is_offered_what_it_may_do(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident)
    desk = _offered(world, world.analyst, incident)
    assert {"triage", "assign", "start", "resolve", "link", "reply", "major-declare"} <= desk
    resolver = _offered(world, world.resolver, incident)
    assert {"assign", "start", "resolve", "reply"} <= resolver and not {"triage", "link"} & resolver
    raiser = _offered(world, world.user_a, incident)
    assert raiser == {"cancel", "reply"}
    for user, offered in ((world.analyst, desk), (world.resolver, resolver), (world.user_a, raiser)):
        assert _page_forms(world, user, incident) == offered & {
            "triage",
            "assign",
            "start",
            "pending",
            "resolve",
            "close",
            "reopen",
            "cancel",
            "reply",
            "link",
        }
    with pytest.raises(NotPermitted):
        actions.triage_incident(actor=actor_for(world.resolver), incident=incident, impact="market")
    with pytest.raises(NotPermitted):
        actions.start_work(actor=actor_for(world.user_a), incident=incident)
