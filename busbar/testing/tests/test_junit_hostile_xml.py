"""Hostile or malformed XML is refused with a 422 naming the line, and nothing is written: the billion
laughs, external entities, DTDs and broken documents, through the action and the API."""

from __future__ import annotations

import pytest

from busbar.lib.actions import ActionError
from busbar.testing.actions.executions import create_run, import_junit
from busbar.testing.models import Execution, LatestResult
from busbar.testing.tests.conftest import actor_for

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<testsuites><testcase name="SIT-F-001">&lol3;</testcase></testsuites>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuites><testcase name="SIT-F-001"><system-out>&xxe;</system-out></testcase></testsuites>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE testsuites SYSTEM "http://attacker.example/junit.dtd">
<testsuites><testcase name="SIT-F-001"/></testsuites>"""
MALFORMED = b"""<testsuites>
<testcase name="SIT-F-001">
</testsuite>"""

HOSTILE = {"billion laughs": BILLION_LAUGHS, "external entity": EXTERNAL_ENTITY, "dtd": EXTERNAL_DTD}


@pytest.mark.parametrize("name", [*HOSTILE, "malformed"])
def test_refused_with_the_line_and_nothing_written(prog, name):
    run = create_run(actor=actor_for(prog.world.user_a), participation=prog.part_a, title="CI")
    content = HOSTILE.get(name, MALFORMED)
    with pytest.raises(ActionError) as refused:
        import_junit(actor=actor_for(prog.world.user_a), run=run, content=content)
    assert refused.value.status == 422 and refused.value.field == "file"
    assert "line 3" in refused.value.message if name == "malformed" else "line 2" in refused.value.message
    assert not Execution.objects.exists() and not LatestResult.objects.exists()


def test_api_answers_422_problem_for_hostile_xml(prog):
    run = create_run(actor=actor_for(prog.world.user_a), participation=prog.part_a, title="CI")
    client = prog.client(prog.world.user_a)
    for content in (*HOSTILE.values(), MALFORMED):
        response = client.post(
            f"/api/v1/testing/runs/{run.pk}/junit", content, content_type="application/xml"
        )
        assert response.status_code == 422, response.content
        body = response.json()
        assert body["errors"][0]["field"] == "file" and "line" in body["detail"]
    assert not Execution.objects.exists()
