"""The kernel's steps run only inside a record type's @action, which journals and holds the transaction."""

import datetime as dt

import pytest

from busbar.incidents.tests.conftest import actor_for, raise_for
from busbar.records import steps

pytestmark = pytest.mark.django_db


def test_a_step_outside_an_action_is_refused(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(RuntimeError, match="only inside an @action"):
        steps.add_entry(
            incident.record, actor=actor_for(world.analyst), body="sneaky", internal=False, now=now
        )
    with pytest.raises(RuntimeError, match="only inside an @action"):
        steps.log_clock(incident.record, "pause", now)
    with pytest.raises(RuntimeError, match="only inside an @action"):
        steps.new_record("incident")
    assert not incident.record.entries.filter(body="sneaky").exists()
