"""One rule for naming who works an incident (queries.resolver_shown / party_shown): participants see the
provider organisation — in the details panel, the conversation, the history, the API and the emails —
never the resolver's name or address, unless BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS is on; the desk and
the provider see both."""

import pytest
from django.core import mail
from django.test import override_settings

from busbar.conftest import World, make_user
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.parties.models import MembershipRole

pytestmark = pytest.mark.django_db
NAME, EMAIL = "Rosa Quill", "rosa.quill@provider.example"


@pytest.fixture
def worked(world: World, catalogue, django_capture_on_commit_callbacks) -> Incident:
    """A's incident, published, assigned to Rosa Quill at the provider, who started it and replied (the
    reply's emails sent)."""
    rosa = make_user(world.provider, EMAIL, MembershipRole.RESOLVER, name=NAME)
    incident = raise_for(world, catalogue, summary="Switch requests rejected")
    desk = actor_for(world.analyst)
    actions.triage_incident(actor=desk, incident=incident, is_published=True)
    actions.assign_incident(actor=desk, incident=incident, assignee=rosa)
    actions.start_work(actor=actor_for(rosa), incident=incident, note="Looking at the gateway.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_update(actor=actor_for(rosa), incident=incident, body="Worker pool scaled out.")
    return Incident.objects.get(pk=incident.pk)


def _page(world: World, user, incident: Incident) -> str:
    response = world.client(user).get(f"/incidents/{incident.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def _api(world: World, user, incident: Incident) -> tuple[dict, str]:
    c = world.client(user)
    detail = c.get(f"/api/v1/incidents/{incident.reference}")
    assert detail.status_code == 200
    texts = [detail.content.decode()]
    for path in ("updates", "timeline"):
        extra = c.get(f"/api/v1/incidents/{incident.reference}/{path}")
        texts.append(extra.content.decode() if extra.status_code == 200 else "")
    texts.append(c.get("/api/v1/incidents").content.decode())
    return detail.json(), "\n".join(texts)


@pytest.mark.parametrize("who", ["user_a", "user_b"])
def test_participants_see_the_provider_organisation_only(world: World, worked: Incident, who: str) -> None:
    user = getattr(world, who)
    page = _page(world, user, worked)
    assert "<dt>Provider</dt><dd>CSS Provider</dd>" in page
    assert "<dt>Assignee</dt>" not in page
    assert "Worker pool scaled out." in page and "<strong>CSS Provider</strong>" in page
    assert NAME not in page and EMAIL not in page and "rosa.quill" not in page
    body, text = _api(world, user, worked)
    assert body["provider"]["id"] == world.provider.pk and body["provider"]["name"] == "CSS Provider"
    assert body["assignee"] is None
    reply = next(u for u in body["updates"] if u["body"] == "Worker pool scaled out.")
    assert reply["author_label"] == "CSS Provider"
    assert NAME not in text and EMAIL not in text and "rosa.quill" not in text


def test_the_raisers_history_names_the_provider_for_its_people(world: World, worked: Incident) -> None:
    page = _page(world, world.user_a, worked)
    assert 'id="timeline"' in page and "<strong>CSS Provider</strong>" in page
    items = world.client(world.user_a).get(f"/api/v1/incidents/{worked.reference}/timeline").json()["items"]
    started = [e for e in items if e["action"] == "incident.start"]
    assert started and started[0]["actor_label"] == "CSS Provider"
    assert all(e["actor_label"] != NAME for e in items)
    # The desk's own people keep their names.
    assert any(e["actor_label"] == world.analyst.display_name for e in items)


@pytest.mark.parametrize("who", ["analyst", "resolver"])
def test_the_desk_and_the_provider_see_the_person_and_the_provider(
    world: World, worked: Incident, who: str
) -> None:
    user = getattr(world, who)
    page = _page(world, user, worked)
    assert "<dt>Provider</dt><dd>CSS Provider</dd>" in page and f"<dt>Assignee</dt><dd>{NAME}</dd>" in page
    assert f"<strong>{NAME}</strong>" in page
    body, text = _api(world, user, worked)
    assert body["provider"]["id"] == world.provider.pk and body["assignee"]["name"] == NAME
    items = world.client(user).get(f"/api/v1/incidents/{worked.reference}/timeline").json()["items"]
    assert any(e["actor_label"] == NAME for e in items)


def test_the_update_email_to_participants_names_the_provider(world: World, worked: Incident) -> None:
    to_a = [m for m in mail.outbox if m.to == [world.user_a.email]]
    assert to_a, [m.to for m in mail.outbox]
    assert all(NAME not in m.body and EMAIL not in m.body for m in to_a)
    assert any("CSS Provider wrote:" in m.body for m in to_a)


@override_settings(BUSBAR_SHOW_RESOLVERS_TO_PARTICIPANTS=True)
def test_with_the_setting_on_participants_see_the_person(
    world: World,
    worked: Incident,
    django_capture_on_commit_callbacks,
) -> None:
    page = _page(world, world.user_a, worked)
    assert f"<dt>Assignee</dt><dd>{NAME}</dd>" in page and f"<strong>{NAME}</strong>" in page
    body, _ = _api(world, world.user_a, worked)
    assert body["assignee"]["name"] == NAME and body["provider"]["id"] == world.provider.pk
    items = world.client(world.user_a).get(f"/api/v1/incidents/{worked.reference}/timeline").json()["items"]
    assert any(e["actor_label"] == NAME for e in items)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_update(actor=actor_for(worked.assignee), incident=worked, body="Fixed, monitoring.")
    to_a = [m for m in mail.outbox if m.to == [world.user_a.email]]
    assert to_a and f"{NAME} wrote:" in to_a[0].body


def test_a_mention_by_the_resolver_does_not_name_them_to_the_participant(
    world: World, worked: Incident
) -> None:
    from busbar.records.models import Notification

    rosa = worked.assignee
    actions.add_update(actor=actor_for(rosa), incident=worked, body="@user can you retry a switch?")
    (note,) = Notification.objects.filter(recipient=world.user_a, kind="mention")
    assert note.title == f"You were mentioned on {worked.reference}: Switch requests rejected"
    assert NAME not in note.title and EMAIL not in note.title and "rosa" not in note.title.lower()
    page = world.client(world.user_a).get("/inbox/").content.decode()
    assert f"You were mentioned on {worked.reference}" in page and NAME not in page


def test_a_watcher_of_another_organisation_reads_participant_in_the_update_email(
    world: World, catalogue, django_capture_on_commit_callbacks
) -> None:
    from busbar.records.actions import watch

    ada = make_user(
        world.org_a, "ada.lovelace@alpha.example", MembershipRole.PARTICIPANT, name="Ada Lovelace"
    )
    incident = raise_for(world, catalogue, user=ada, summary="Switch requests rejected")
    desk = actor_for(world.analyst)
    actions.triage_incident(actor=desk, incident=incident, is_published=True)
    actions.assign_incident(actor=desk, incident=incident, provider=world.provider)
    watch(actor=actor_for(world.user_b), obj=incident)
    watch(actor=actor_for(world.admin_a), obj=incident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_update(actor=actor_for(ada), incident=incident, body="Still failing at 10:00.")
    to_b = [m for m in mail.outbox if m.to == [world.user_b.email]]
    assert len(to_b) == 1 and "Still failing at 10:00." in to_b[0].body
    assert "Participant wrote:" in to_b[0].body
    assert "Ada Lovelace" not in to_b[0].body and "ada.lovelace" not in to_b[0].body
    assert "Alpha Energy" not in to_b[0].body
    # Alpha's own people, who follow it, still read who wrote; one message per recipient.
    to_admin = [m for m in mail.outbox if m.to == [world.admin_a.email]]
    assert len(to_admin) == 1 and "Ada Lovelace wrote:" in to_admin[0].body
    assert all(len(m.to) == 1 for m in mail.outbox)
