"""@mentions in incident updates notify only people who may see the incident (for an internal note: who
works it); a participant reaches only their own organisation and the service desk; any other mention is
"not notified: cannot see this incident" to the writer, the same words whether or not the person exists."""

import pytest

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(world, catalogue):
    made = raise_for(world, catalogue)  # raised by participant A
    return actions.assign_incident(actor=actor_for(world.analyst), incident=made, provider=world.provider)


def _say(world, incident, who, body, internal=False):
    return actions.add_update(
        actor=actor_for(getattr(world, who)), incident=incident, body=body, internal=internal
    )


def _inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="mention"))


def test_the_desk_mentions_the_raiser_and_the_provider(world, incident) -> None:
    update = _say(world, incident, "analyst", "@user and @[resolver]: please check the logs.")
    assert update.mentions.not_notified == []
    assert {u.pk for u in update.mentions.notified} == {world.user_a.pk, world.resolver.pk}
    (note,) = _inbox(world.user_a)
    assert note.record_id == incident.record_id and incident.reference in note.title
    assert note.url.endswith(f"/incidents/{incident.reference}/#update-{update.pk}")
    assert _inbox(world.user_b) == []  # "@user" is also Bravo's address, but Bravo cannot see the incident


def test_an_internal_note_reaches_only_those_who_work_it(world, incident) -> None:
    update = _say(world, incident, "analyst", "Ask @user, and @resolver knows", internal=True)
    assert [u.pk for u in update.mentions.notified] == [world.resolver.pk]
    assert update.mentions.not_notified == [("user", "cannot see this RECORD")]
    assert update.mentions.note("incident") == "Not notified: @user (cannot see this incident)."
    assert _inbox(world.user_a) == []


def test_a_participant_reaches_own_organisation_and_the_desk_only(world, incident) -> None:
    update = _say(world, incident, "user_a", "@admin @analyst @resolver @nobody-at-all please")
    assert {u.pk for u in update.mentions.notified} == {world.admin_a.pk, world.analyst.pk}
    # The provider's resolver exists and sees the incident; a made-up name does not: the same words.
    assert update.mentions.not_notified == [
        ("resolver", "cannot see this RECORD"),
        ("nobody-at-all", "cannot see this RECORD"),
    ]
    assert _inbox(world.resolver) == []


def test_a_participant_of_another_organisation_reaches_nobody_of_the_raiser(world, catalogue) -> None:
    # Raised for Bravo, affecting Alpha too: Alpha's people see it.
    made = raise_for(world, catalogue, organisation=world.org_b, affected=[world.org_a])
    update = _say(world, made, "user_b", "Same here. @admin @[user]")
    # Alpha's people see the incident, but they are not Bravo's; "@[user]" is the writer's own name.
    assert update.mentions.notified == []
    assert update.mentions.not_notified == [("admin", "cannot see this RECORD")]
    assert _inbox(world.admin_a) == [] and _inbox(world.user_a) == []


def test_mentioning_yourself_or_an_email_address_notifies_nobody(world, incident) -> None:
    update = _say(world, incident, "analyst", "Wrote to user@alpha.example; @analyst noted. `@resolver`")
    assert update.mentions.notified == [] and update.mentions.not_notified == []
    assert Notification.objects.filter(kind="mention").count() == 0


def test_the_page_tells_the_writer_who_was_not_notified(world, incident) -> None:
    response = world.client(world.user_a).post(
        f"/incidents/{incident.reference}/reply/", {"reply-body": "@analyst @resolver help"}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Update added. Not notified: @resolver (cannot see this incident)." in text
    assert len(_inbox(world.analyst)) == 1


def test_anonymous_and_outsiders_cannot_post_mentions(world, incident) -> None:
    assert (
        world.client(None)
        .post(f"/incidents/{incident.reference}/reply/", {"reply-body": "@analyst"})
        .status_code
        == 302
    )
    assert (
        world.client(world.user_b)
        .post(f"/incidents/{incident.reference}/reply/", {"reply-body": "@analyst"})
        .status_code
        == 404
    )
    assert _inbox(world.analyst) == []


@pytest.fixture
def published(world, catalogue):
    """A's incident, published to everyone (everyone sees it), worked by the provider."""
    made = raise_for(world, catalogue)
    desk = actor_for(world.analyst)
    actions.triage_incident(actor=desk, incident=made, is_published=True)
    return actions.assign_incident(actor=desk, incident=made, provider=world.provider)


def test_the_provider_reaches_the_parties_the_desk_and_its_own_only(world, published) -> None:
    from busbar.conftest import make_user
    from busbar.parties.models import MembershipRole

    pat = make_user(world.provider, "pat.hale@provider.example", MembershipRole.RESOLVER, name="Pat Hale")
    update = _say(world, published, "resolver", "@admin @analyst @[Pat Hale] @[user] and @nobody-at-all")
    # "@[user]" names Alpha's and Bravo's participants; both see the published incident, but only Alpha
    # raised it: Bravo's is not reached (and the name is not "ambiguous" to the provider).
    assert {u.pk for u in update.mentions.notified} == {
        world.admin_a.pk,
        world.analyst.pk,
        world.user_a.pk,
        pat.pk,
    }
    assert update.mentions.not_notified == [("nobody-at-all", "cannot see this RECORD")]
    assert _inbox(world.user_b) == []


def test_a_provider_cannot_tell_who_exists_from_the_note(world, published) -> None:
    from busbar.conftest import make_user
    from busbar.parties.models import MembershipRole

    make_user(world.org_b, "bee.stone@bravo.example", MembershipRole.PARTICIPANT, name="Bee Stone")
    make_user(world.org_a, "jo.dee@alpha.example", MembershipRole.PARTICIPANT, name="Jo Dee")
    make_user(world.org_a, "jo.dee2@alpha.example", MembershipRole.PARTICIPANT, name="Jo Dee")
    update = _say(world, published, "resolver", "@[Bee Stone] @[Nobody Here] @[Jo Dee]")
    assert update.mentions.notified == []
    # Exists and sees it (published) but is no party; exists nowhere; names two people: the same words.
    assert update.mentions.not_notified == [
        ("Bee Stone", "cannot see this RECORD"),
        ("Nobody Here", "cannot see this RECORD"),
        ("Jo Dee", "cannot see this RECORD"),
    ]
    assert update.mentions.note("incident") == (
        "Not notified: @Bee Stone (cannot see this incident); @Nobody Here (cannot see this incident); "
        "@Jo Dee (cannot see this incident)."
    )
    # The desk, which sees everyone, is told the name is ambiguous.
    desk = _say(world, published, "analyst", "@[Jo Dee]")
    assert desk.mentions.not_notified == [("Jo Dee", "names more than one person: write @[Full Name]")]


def _queries_for_mentions(world, incident, body) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from busbar.records.mentions import notify
    from busbar.records.models import Entry

    entry = Entry(record=incident.record, body=body, pk=1)
    with CaptureQueriesContext(connection) as captured:
        outcome = notify(entry=entry, record=incident.record, author=world.analyst, internal=False)
    return len(captured), outcome


def test_mentioning_ten_people_costs_as_few_queries_as_two(
    world, catalogue, django_assert_max_num_queries
) -> None:
    from busbar.conftest import make_user
    from busbar.parties.models import MembershipRole

    made = raise_for(world, catalogue, affected=[world.org_b])
    incident = actions.assign_incident(actor=actor_for(world.analyst), incident=made, provider=world.provider)
    names = []
    for i in range(10):
        org = world.org_a if i % 2 else world.org_b
        names.append(make_user(org, f"p{i}@{org.pk}.example", MembershipRole.PARTICIPANT, name=f"P{i}"))
    few, outcome = _queries_for_mentions(world, incident, "@[P0] @[P1]")
    assert len(outcome.notified) == 2
    many, outcome = _queries_for_mentions(world, incident, " ".join(f"@[P{i}]" for i in range(10)))
    assert {u.pk for u in outcome.notified} == {u.pk for u in names}
    assert many == few, (few, many)
    assert few <= 8, few
    with django_assert_max_num_queries(few):
        _queries_for_mentions(world, incident, " ".join(f"@p{i}" for i in range(10)))
