"""Each record type numbers its own references from its own sequence."""

import pytest
from django.db import transaction

from busbar.incidents.tests.conftest import raise_for
from busbar.lib.actions import ActionError
from busbar.records import registry
from busbar.records.models import Record, Sequence
from busbar.records.steps import next_number

pytestmark = pytest.mark.django_db


def test_incidents_number_on_from_their_own_sequence(world, catalogue) -> None:
    first = raise_for(world, catalogue)
    second = raise_for(world, catalogue)
    assert first.reference == first.record.reference and first.record.kind == "incident"
    assert int(second.reference[3:]) == int(first.reference[3:]) + 1
    assert Sequence.objects.get(prefix="INC").last == int(second.reference[3:])


def test_prefixes_count_separately(world) -> None:
    with transaction.atomic():
        a = next_number("TSTA")
        b = next_number("TSTA")
        c = next_number("TSTB")
    assert (b - a, c) == (1, 1)


def test_a_refused_raise_gives_its_number_back(world, catalogue) -> None:
    before = raise_for(world, catalogue)
    with pytest.raises(ActionError):
        raise_for(world, catalogue, summary="")
    after = raise_for(world, catalogue)
    assert int(after.reference[3:]) == int(before.reference[3:]) + 1
    assert Record.objects.filter(kind="incident").count() == 2


def test_references_are_read_whatever_their_case_and_padding() -> None:
    assert registry.normalise("inc12") == "INC0000012"
    assert registry.normalise(" INC0000012 ") == "INC0000012"
    assert registry.normalise("XYZ12") is None  # no such type
    assert registry.normalise("INC") is None
    assert registry.normalise("INC123456789012") is None  # more digits than a reference has
    assert registry.for_reference("INC0000001").kind == "incident"


def test_a_prefix_belongs_to_one_type() -> None:
    incident = registry.get("incident")
    other = registry.RecordType(
        kind="other",
        prefix="INC",
        label="Other",
        model="incidents.Incident",
        visible_to=incident.visible_to,
        works_on=incident.works_on,
        url_name="incident_detail",
    )
    with pytest.raises(ValueError, match="already registered"):
        registry.register(other)
    assert registry.get("incident") is incident
