"""Bulk actions from the desk's list (assign, change severity, add a note) on ticked incidents or on
every incident matching the filter: the desk only; each incident through its own action and checks, in
one transaction; refused incidents skipped and reported (all refused: nothing changes, the first named);
at most MAX_BULK at once."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.incidents import actions
from busbar.incidents.actions import bulk
from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.lib.actions import ActionError, NotPermitted
from busbar.records.models import Entry

pytestmark = pytest.mark.django_db


def _said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_desk_changes_severity_of_the_ticked_and_hears_what_was_refused(world, catalogue) -> None:
    first, second, closed = (raise_for(world, catalogue) for _ in range(3))
    actions.cancel_incident(actor=actor_for(world.analyst), incident=closed, reason="Duplicate")
    response = world.client(world.analyst).post(
        "/incidents/bulk/",
        {
            "bulk_action": "severity",
            "severity": catalogue.severities["2"].pk,
            "incident": [first.pk, second.pk, closed.pk],
        },
        follow=True,
    )
    said = _said(response)
    assert said[0].startswith("Severity set to 2 ") and said[0].endswith(
        f": {first.reference}, {second.reference}."
    )
    assert said[1].startswith(f"Not changed: {closed.reference} (")
    assert set(Incident.objects.filter(severity__code="2").values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_desk_adds_a_note_to_all_matching_the_filter(world, catalogue) -> None:
    matching = [raise_for(world, catalogue, summary=f"Gateway {k}") for k in range(3)]
    other = raise_for(world, catalogue, summary="Portal login")
    response = world.client(world.analyst).post(
        "/incidents/bulk/",
        {
            "bulk_action": "note",
            "body": "Linked to the gateway fault",
            "select_all": "1",
            "filter": "queue=all&q=gateway",
        },
        follow=True,
    )
    assert _said(response) == ["Note added to: " + ", ".join(sorted(i.reference for i in matching)) + "."]
    notes = Entry.objects.filter(body="Linked to the gateway fault")
    assert notes.count() == 3 and all(n.is_internal for n in notes)
    assert not notes.filter(record=other.record).exists()


def test_desk_assigns_all_matching_and_a_public_update_is_public(world, catalogue) -> None:
    incidents = [raise_for(world, catalogue) for _ in range(2)]
    client = world.client(world.analyst)
    client.post(
        "/incidents/bulk/",
        {
            "bulk_action": "assign",
            "provider": world.provider.pk,
            "select_all": "1",
            "filter": "queue=unassigned",
        },
    )
    assert all(Incident.objects.get(pk=i.pk).provider_id == world.provider.pk for i in incidents)
    client.post(
        "/incidents/bulk/",
        {"bulk_action": "note", "body": "Fixed soon", "public": "on", "incident": [incidents[0].pk]},
    )
    assert Entry.objects.get(body="Fixed soon").is_internal is False


def test_no_one_but_the_desk_acts_in_bulk(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    data = {"bulk_action": "note", "body": "Hello", "incident": [incident.pk]}
    for user in (world.user_a, world.user_b, world.admin_a, world.resolver, world.platform_admin):
        client = world.client(user)
        assert client.post("/incidents/bulk/", data).status_code == 403
        assert (
            client.post("/incidents/bulk/", {**data, "select_all": "1", "filter": "queue=all"}).status_code
            == 403
        )
        assert 'action="/incidents/bulk/"' not in client.get("/incidents/").content.decode()
        with pytest.raises(NotPermitted):
            actions.bulk_add_note(actor=actor_for(user), incidents=[incident], body="Hello")
    assert world.client(None).post("/incidents/bulk/", data).status_code == 302
    assert world.client(world.analyst).get("/incidents/bulk/").status_code == 405
    assert not Entry.objects.filter(body="Hello").exists()
    assert 'action="/incidents/bulk/"' in world.client(world.analyst).get("/incidents/").content.decode()


def test_all_refused_changes_nothing_and_names_the_first(world, catalogue) -> None:
    done = [raise_for(world, catalogue) for _ in range(2)]
    for incident in done:
        actions.cancel_incident(actor=actor_for(world.analyst), incident=incident, reason="Duplicate")
    before = AuditEntry.objects.count()
    with pytest.raises(ActionError) as refused:
        actions.bulk_set_severity(
            actor=actor_for(world.analyst), incidents=done, severity=catalogue.severities["2"]
        )
    assert refused.value.message.startswith(f"Nothing changed: {done[0].reference} was refused: ")
    assert refused.value.message.endswith("(and 1 more refused)")
    assert AuditEntry.objects.count() == before


def test_bounded_and_major_severities_one_at_a_time(world, catalogue, monkeypatch) -> None:
    incidents = [raise_for(world, catalogue) for _ in range(3)]
    desk = actor_for(world.analyst)
    with pytest.raises(ActionError, match="major incident"):
        actions.bulk_set_severity(actor=desk, incidents=incidents, severity=catalogue.severities["1"])
    with pytest.raises(ActionError, match="Write the note"):
        actions.bulk_add_note(actor=desk, incidents=incidents, body="  ")
    with pytest.raises(ActionError, match="Tick"):
        actions.bulk_add_note(actor=desk, incidents=[], body="x")
    monkeypatch.setattr(bulk, "MAX_BULK", 2)
    with pytest.raises(ActionError, match="at most 2 at once") as refused:
        actions.bulk_add_note(actor=desk, incidents=incidents, body="x")
    assert refused.value.field == "incident"
    from busbar.incidents import views

    monkeypatch.setattr(views, "MAX_BULK", 2)
    response = world.client(world.analyst).post(
        "/incidents/bulk/",
        {"bulk_action": "note", "body": "x", "select_all": "1", "filter": "queue=all"},
        follow=True,
    )
    assert _said(response) == ["More than 2 incidents match this filter: narrow it to act on them at once."]
    assert not Entry.objects.filter(body="x").exists()


def test_select_all_never_reaches_an_incident_the_filter_hides(world, catalogue) -> None:
    kept = raise_for(world, catalogue, summary="Gateway down")
    raise_for(world, catalogue, summary="Portal slow")
    world.client(world.analyst).post(
        "/incidents/bulk/",
        {
            "bulk_action": "note",
            "body": "Only gateway",
            "select_all": "1",
            "filter": "queue=all&q=gateway&sort=-nope",
        },
    )
    assert list(Entry.objects.filter(body="Only gateway").values_list("record_id", flat=True)) == [
        kept.record_id
    ]


def test_the_operations_manager_is_desk_too(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = world.client(world.ops).post(
        "/incidents/bulk/",
        {"bulk_action": "note", "body": "Ops note", "incident": [incident.pk]},
        follow=True,
    )
    assert _said(response) == [f"Note added to: {incident.reference}."]
