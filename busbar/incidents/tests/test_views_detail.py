"""The incident page: who sees it, which forms each party is offered, and how refusals are shown."""

from __future__ import annotations

import pytest

from busbar.incidents import actions
from busbar.incidents.models import Incident, Status
from busbar.incidents.tests.conftest import actor_for, raise_for

pytestmark = pytest.mark.django_db


def act(client, incident: Incident, verb: str, **fields: object):
    return client.post(
        f"/incidents/{incident.reference}/{verb}/", {f"{verb}-{k}": v for k, v in fields.items()}
    )


def url(incident: Incident) -> str:
    return f"/incidents/{incident.reference}/"


def forms_on(response) -> set[str]:
    """The verbs whose forms the page offers."""
    import re

    return set(re.findall(r'action="/incidents/INC\d+/([a-z-]+)/"', response.content.decode()))


def test_who_sees_the_incident_page(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    assert world.client(world.user_a).get(url(incident)).status_code == 200
    assert world.client(world.analyst).get(url(incident)).status_code == 200
    assert world.client(world.platform_admin).get(url(incident)).status_code == 200
    # Another participant and an unassigned provider: not found, never "forbidden".
    assert world.client(world.user_b).get(url(incident)).status_code == 404
    assert world.client(world.resolver).get(url(incident)).status_code == 404
    assert world.client(world.analyst).get("/incidents/INC9999999/").status_code == 404
    anonymous = world.client(None).get(url(incident))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    # Once assigned, the provider sees it.
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    assert world.client(world.resolver).get(url(incident)).status_code == 200


def test_forms_offered_follow_role_and_status(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    desk = forms_on(world.client(world.analyst).get(url(incident)))
    assert {
        "triage",
        "assign",
        "start",
        "pending",
        "resolve",
        "cancel",
        "reply",
        "link",
        "major-declare",
    } <= desk
    provider = forms_on(world.client(world.resolver).get(url(incident)))
    assert {"assign", "start", "pending", "resolve", "reply"} <= provider
    assert not provider & {"triage", "link", "major-declare", "cancel", "close"}
    participant = forms_on(world.client(world.user_a).get(url(incident)))
    assert participant == {"reply", "cancel"}
    assert forms_on(world.client(world.platform_admin).get(url(incident))) == set()

    actions.resolve_incident(actor=actor_for(world.resolver), incident=incident, resolution="Fixed")
    assert forms_on(world.client(world.user_a).get(url(incident))) == {"reply", "close", "reopen"}
    assert "resolve" not in forms_on(world.client(world.resolver).get(url(incident)))


def test_a_published_incident_is_seen_by_every_participant_without_its_private_details(
    world, catalogue
) -> None:
    incident = raise_for(world, catalogue, contact_name="Jo at Alpha, 07700 900123")
    actions.triage_incident(actor=actor_for(world.analyst), incident=incident, is_published=True)
    page = world.client(world.user_b).get(url(incident))
    assert page.status_code == 200
    text = page.content.decode()
    assert incident.summary in text and "Service-affecting" in text
    # B may read it but is not a party to it: no forms, no contact details, no history.
    assert forms_on(page) == set()
    assert "07700 900123" not in text and 'id="timeline"' not in text
    assert act(world.client(world.user_b), incident, "reply", body="Us too").status_code == 403


def test_internal_notes_are_hidden_from_the_participant(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    desk = world.client(world.analyst)
    act(desk, incident, "assign", provider=world.provider.pk)
    assert (
        act(desk, incident, "reply", body="Provider suspects our gateway config", internal="on").status_code
        == 302
    )
    assert act(desk, incident, "reply", body="We are looking into it").status_code == 302
    act(
        world.client(world.resolver),
        incident,
        "pending",
        awaiting="provider",
        note="Waiting on the vendor patch",
    )

    participant = world.client(world.user_a).get(url(incident)).content.decode()
    assert "We are looking into it" in participant
    assert "Provider suspects our gateway config" not in participant
    assert "Waiting on the vendor patch" not in participant  # nor in the history's notes
    assert "internal note" not in participant.lower()
    for user in (world.analyst, world.resolver):
        page = world.client(user).get(url(incident)).content.decode()
        assert "Provider suspects our gateway config" in page and "Waiting on the vendor patch" in page


def test_a_participant_cannot_write_an_internal_note(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    page = world.client(world.user_a).get(url(incident)).content.decode()
    assert 'name="reply-internal"' not in page
    # Posting the field anyway is refused (never quietly posted in public): see
    # test_participant_internal_flag_is_refused.py.
    assert (
        act(world.client(world.user_a), incident, "reply", body="Any news?", internal="on").status_code == 403
    )
    assert not incident.record.entries.exists()


def test_actions_outside_the_role_are_refused_and_change_nothing(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    sev2 = catalogue.severities["2"].pk
    response = act(
        world.client(world.user_a),
        incident,
        "triage",
        severity=sev2,
        service=catalogue.service.pk,
        impact="single",
    )
    assert response.status_code == 403
    assert "Only the service desk can triage" in response.content.decode()
    response = act(world.client(world.user_a), incident, "resolve", resolution="It fixed itself")
    assert response.status_code == 403
    # Someone who cannot see the incident gets a 404 whatever they post.
    assert act(world.client(world.user_b), incident, "cancel", reason="Not ours").status_code == 404
    assert act(world.client(world.resolver), incident, "start").status_code == 404
    incident.refresh_from_db()
    assert incident.severity.code == "3" and incident.status == Status.NEW
    assert world.client(world.analyst).post(f"/incidents/{incident.reference}/explode/").status_code == 404
    # Reloading a form's address shows the page with the form (no 405: test_form_addresses_answer_get).
    again = world.client(world.analyst).get(f"/incidents/{incident.reference}/triage/")
    assert again.status_code == 302 and again["Location"] == f"/incidents/{incident.reference}/#do-triage"


def test_an_action_refusal_is_shown_on_the_field_it_names_with_422(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    desk = world.client(world.analyst)
    response = act(desk, incident, "pending", awaiting="participant", note="")
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="id_pending-note_error"' in text and "Tell the participant what you need from them" in text
    # A form that does not validate is shown the same way, and nothing was written.
    response = act(desk, incident, "resolve", resolution="")
    assert response.status_code == 422 and 'id="id_resolve-resolution_error"' in response.content.decode()
    # Triage that changes nothing is refused by the action.
    response = act(
        desk, incident, "triage", severity=incident.severity_id, service=catalogue.service.pk, impact="single"
    )
    assert response.status_code == 422 and "Nothing to change" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.NEW and not incident.record.entries.exists()


def test_resolved_incidents_go_back_to_work_only_by_reopening(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.resolve_incident(actor=actor_for(world.analyst), incident=incident, resolution="Fixed")
    response = act(world.client(world.analyst), incident, "start")
    assert response.status_code == 409 and "reopen it instead" in response.content.decode()
    assert act(world.client(world.user_a), incident, "reopen", reason="").status_code == 422
    assert act(world.client(world.user_a), incident, "reopen", reason="Still failing").status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS
    assert "Reopened: Still failing" in world.client(world.user_a).get(url(incident)).content.decode()


def test_cancel_by_the_participant(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    assert act(world.client(world.user_a), incident, "cancel", reason="Raised in error").status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.CANCELLED
    page = world.client(world.user_a).get(url(incident))
    assert forms_on(page) == set() and "Cancelled" in page.content.decode()


def test_links_both_ways_and_only_to_visible_incidents(world, catalogue) -> None:
    first = raise_for(world, catalogue, summary="Gateway down")
    second = raise_for(world, catalogue, summary="Gateway unreachable")
    of_b = raise_for(world, catalogue, user=world.user_b, summary="Bravo's own problem")
    desk = world.client(world.analyst)
    assert act(desk, second, "link", kind="duplicate_of", target=first.reference.lower()).status_code == 302
    assert act(desk, second, "link", kind="related_to", target=of_b.reference).status_code == 302
    response = act(desk, second, "link", kind="related_to", target="INC7654321")
    assert response.status_code == 422 and "No incident INC7654321" in response.content.decode()
    response = act(desk, second, "link", kind="duplicate_of", target=first.reference)
    assert response.status_code == 409 and "already duplicate of" in response.content.decode()

    assert f'Duplicate of <a href="/incidents/{first.reference}/">' in desk.get(url(second)).content.decode()
    assert (
        f'Duplicated by <a href="/incidents/{second.reference}/">{second.reference}</a>'
        in desk.get(url(first)).content.decode()
    )
    # A sees the link between its own incidents, but not the one to B's incident.
    page = world.client(world.user_a).get(url(second)).content.decode()
    assert first.reference in page and of_b.reference not in page and "Bravo's own problem" not in page
    # Only the desk links incidents.
    assert (
        act(world.client(world.user_a), first, "link", kind="related_to", target=second.reference).status_code
        == 403
    )


def test_times_are_shown_in_uk_time(world, catalogue) -> None:
    import datetime as dt

    summer = dt.datetime(2025, 7, 1, 8, 30, tzinfo=dt.UTC)
    incident = raise_for(world, catalogue, now=summer)
    page = world.client(world.user_a).get(url(incident)).content.decode()
    assert "Tue 1 Jul 2025, 09:30" in page  # BST


def test_no_post_to_any_form_by_anyone_fails_with_a_server_error(world, catalogue) -> None:
    from busbar.incidents.forms import PAGE_FORMS

    incident = raise_for(world, catalogue, severity="1")
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    junk = {
        "severity": "x",
        "service": "0",
        "impact": "?",
        "provider": "abc",
        "assignee": "-1",
        "awaiting": "moon",
        "minutes": "-5",
        "manager": "999999",
        "kind": "eats",
        "target": "INC",
        "trigger": "panic",
    }
    # The desk is offered every form: nonsense in each. The participant is offered few: each other one, empty.
    for user, data in ((world.analyst, junk), (world.user_a, {})):
        client = world.client(user)
        for verb in PAGE_FORMS:
            status = act(client, incident, verb, **data).status_code
            assert status in (302, 403, 404, 422), (user, verb, status)


def test_each_form_refuses_a_party_it_is_not_for(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="1")
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    refused = [
        ("assign", world.user_a, {"provider": world.provider.pk}, 403),
        # The provider picks only its own people: someone else is not even a valid choice.
        ("assign", world.resolver, {"provider": world.provider.pk, "assignee": world.analyst.pk}, 422),
        ("start", world.user_a, {}, 403),
        ("pending", world.user_a, {"awaiting": "provider", "note": "x"}, 403),
        ("cancel", world.resolver, {"reason": "Not ours"}, 403),
        ("link", world.resolver, {"kind": "related_to", "target": incident.reference}, 403),
        ("major-declare", world.resolver, {"trigger": "bcdr"}, 403),
        ("major-manager", world.user_a, {"manager": world.analyst.pk}, 403),
        ("major-interval", world.resolver, {"minutes": 30}, 403),
        ("major-communicate", world.resolver, {"subject": "Hi", "body": "Hello"}, 403),
        ("major-review", world.user_a, {"cause": "a", "actions": "b", "lessons": "c"}, 403),
    ]
    for verb, user, data, status in refused:
        response = act(world.client(user), incident, verb, **data)
        assert response.status_code == status, (verb, user, response.status_code)
        text = response.content.decode()
        assert 'class="msg msg-error"' in text or 'class="field-error"' in text
    incident.refresh_from_db()
    assert incident.status == Status.ASSIGNED and incident.assignee is None
    assert incident.major.update_interval_minutes == 60 and not incident.major.communications.exists()
