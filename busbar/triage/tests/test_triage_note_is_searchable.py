"""The transcript a triage run records on an incident (an internal note added by the triage app, not by
the incidents app) is searchable at once by those who work the incident, and by nobody else: the kernel
tells the incident's search index of every entry, whichever app adds it."""

import pytest

from busbar.triage import actions
from busbar.triage.tests.conftest import actor_for, answers, raise_for, script_for

pytestmark = pytest.mark.django_db


def _refs(client, q: str) -> list[str]:
    response = client.get(f"/api/v1/incidents?q={q}")
    assert response.status_code == 200, response.content
    return [i["reference"] for i in response.json()["items"]]


def test_the_transcript_finds_the_incident_for_the_desk_only(world, catalogue) -> None:
    script = script_for(world, catalogue)
    incident = raise_for(world, catalogue)
    assert _refs(world.client(world.analyst), "zeppelin") == []
    actions.run_script(
        actor=actor_for(world.analyst),
        incident=incident,
        script=script,
        answers=answers(script, "No"),
        note="Caller mentioned the zeppelin gateway",
    )
    assert _refs(world.client(world.analyst), "zeppelin") == [incident.reference]
    assert _refs(world.client(world.user_a), "zeppelin") == []  # the raiser sees the incident, not the note
