"""Links between records show their other end only to those who may see it; a reference names a record of
any type only for those who may see it."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.incidents import actions
from busbar.incidents.queries import timeline_visible_to
from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records.queries import find_visible, links_visible_to

pytestmark = pytest.mark.django_db


def test_the_other_end_is_shown_only_to_who_may_see_it(world, catalogue) -> None:
    mine = raise_for(world, catalogue, summary="A's")
    theirs = raise_for(world, catalogue, user=world.user_b, summary="B's secret")
    actions.link_incidents(actor=actor_for(world.analyst), source=mine, target=theirs, kind="related_to")
    desk = links_visible_to(world.analyst, mine)
    assert [(s.label, s.other.reference, s.title) for s in desk] == [
        ("Related to", theirs.reference, "B's secret")
    ]
    assert [(s.label, s.other.reference) for s in links_visible_to(world.analyst, theirs)] == [
        ("Related to", mine.reference)
    ]
    assert links_visible_to(world.user_a, mine) == []
    # The journal entry naming B's incident is left out of A's timeline.
    assert AuditEntry.objects.filter(action="incident.link").count() == 1
    assert not [e for e in timeline_visible_to(world.user_a, mine) if e.action == "incident.link"]
    assert [e for e in timeline_visible_to(world.analyst, mine) if e.action == "incident.link"]


def test_a_reference_finds_a_record_only_for_who_may_see_it(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    assert find_visible(world.user_a, incident.reference.lower()) == incident
    assert find_visible(world.analyst, incident.reference) == incident
    assert find_visible(world.user_b, incident.reference) is None
    assert find_visible(world.user_a, "KB0000001") is None  # no such type yet
    assert find_visible(world.user_a, "nonsense") is None


def test_the_inverse_of_a_link_reads_from_the_other_side(world, catalogue) -> None:
    first, second = raise_for(world, catalogue), raise_for(world, catalogue)
    actions.link_incidents(actor=actor_for(world.analyst), source=second, target=first, kind="duplicate_of")
    assert [s.label for s in links_visible_to(world.analyst, second)] == ["Duplicate of"]
    assert [s.label for s in links_visible_to(world.analyst, first)] == ["Duplicated by"]
