"""Running a script on an incident: one question at a time, the path checked, the outcome recorded as an
internal note with the article linked, the severity set and the incident raised to the provider."""

import pytest

from busbar.incidents import actions as incident_actions
from busbar.incidents.models import Status
from busbar.lib.actions import ActionError, Conflict, NotPermitted
from busbar.records.models import Entry, Link
from busbar.triage import actions
from busbar.triage.models import TriageRun
from busbar.triage.tests.conftest import actor_for, answers, raise_for, script_for

pytestmark = pytest.mark.django_db


def test_the_desk_runs_a_script_from_the_incident_page(world, catalogue) -> None:
    script = script_for(world, catalogue)
    incident = raise_for(world, catalogue, severity="4")
    desk = world.client(world.analyst)
    page = desk.get(f"/incidents/{incident.reference}/").content.decode()
    assert "Scripted triage" in page and f"/incidents/{incident.reference}/triage/{script.pk}/" in page
    first = desk.get(f"/incidents/{incident.reference}/triage/{script.pk}/").content.decode()
    assert "Is the service operational?" in first
    path = answers(script, "Yes")
    second = desk.get(f"/incidents/{incident.reference}/triage/{script.pk}/?path={path[0]}")
    assert "What do they see?" in second.content.decode()
    htmx = desk.get(
        f"/incidents/{incident.reference}/triage/{script.pk}/?path={path[0]}", HTTP_HX_REQUEST="true"
    )
    assert "<html" not in htmx.content.decode() and 'id="runner"' in htmx.content.decode()
    full = ",".join(map(str, answers(script, "Yes", "Upload timed out")))
    end = desk.get(f"/incidents/{incident.reference}/triage/{script.pk}/?path={full}").content.decode()
    assert "Outcome" in end and "Uploads time out" in end and "Record on" in end
    recorded = desk.post(
        f"/incidents/{incident.reference}/triage/{script.pk}/",
        {"path": full, "run-apply_severity": "on", "run-note": "Called them back"},
    )
    assert recorded.status_code == 302 and recorded["Location"] == f"/incidents/{incident.reference}/"
    incident.refresh_from_db()
    run = TriageRun.objects.get()
    assert incident.severity.code == "3" and run.applied[0].startswith("linked KB")
    assert [t["answer"] for t in run.transcript] == ["Yes", "Upload timed out"]
    note = Entry.objects.get(record=incident.record, is_internal=True)
    assert "Is the service operational? → Yes" in note.body and "Called them back" in note.body
    assert Link.objects.filter(
        source=incident.record, target=run.article.record, kind="documented_in"
    ).exists()
    participant = world.client(world.user_a).get(f"/incidents/{incident.reference}/").content.decode()
    assert "Scripted triage" not in participant and "Is the service operational?" not in participant


def test_raise_to_the_provider_assigns_it(world, catalogue) -> None:
    script = script_for(world, catalogue)
    incident = raise_for(world, catalogue)
    run = actions.run_script(
        actor=actor_for(world.analyst), incident=incident, script=script, answers=answers(script, "No")
    )
    incident.refresh_from_db()
    assert incident.provider == world.provider and incident.status == Status.ASSIGNED
    assert incident.severity.code == "2" and "assigned to CSS Provider" in run.applied
    other = raise_for(world, catalogue)
    kept = actions.run_script(
        actor=actor_for(world.analyst),
        incident=other,
        script=script,
        answers=answers(script, "No"),
        apply_severity=False,
        assign=False,
    )
    other.refresh_from_db()
    assert kept.applied == [] and other.provider is None and other.severity.code == "3"


def test_a_path_must_follow_the_script(world, catalogue) -> None:
    script = script_for(world, catalogue)
    incident = raise_for(world, catalogue)
    yes, timeout = answers(script, "Yes", "Upload timed out")
    no = answers(script, "No")[0]
    for path, field in (
        ([timeout], "answers[0]"),
        ([yes], "answers"),
        ([no, yes], "answers[1]"),
        ([], "answers"),
    ):
        with pytest.raises(ActionError) as refused:
            actions.run_script(actor=actor_for(world.analyst), incident=incident, script=script, answers=path)
        assert refused.value.field == field, path
    page = world.client(world.analyst).get(
        f"/incidents/{incident.reference}/triage/{script.pk}/?path={timeout}"
    )
    assert (
        page.status_code == 200
        and "Start again" in page.content.decode()
        and "Not an answer" in page.content.decode()
    )
    bad = world.client(world.analyst).get(f"/incidents/{incident.reference}/triage/{script.pk}/?path=x,%2C")
    assert bad.status_code == 404
    assert not TriageRun.objects.exists()


def test_who_may_run_and_when(world, catalogue) -> None:
    script = script_for(world, catalogue)
    incident = raise_for(world, catalogue)
    path = answers(script, "No")
    for user in (world.resolver, world.user_a):
        with pytest.raises(NotPermitted):
            actions.run_script(actor=actor_for(user), incident=incident, script=script, answers=path)
    assert (
        world.client(world.user_a).get(f"/incidents/{incident.reference}/triage/{script.pk}/").status_code
        == 403
    )
    assert (
        world.client(world.user_b).get(f"/incidents/{incident.reference}/triage/{script.pk}/").status_code
        == 404
    )
    refused = world.client(world.resolver).post(
        f"/incidents/{incident.reference}/triage/{script.pk}/", {"path": path[0]}
    )
    assert refused.status_code in (403, 404)
    actions.set_active(actor=actor_for(world.analyst), script=script, active=False)
    with pytest.raises(Conflict, match="switched off"):
        actions.run_script(actor=actor_for(world.analyst), incident=incident, script=script, answers=path)
    actions.set_active(actor=actor_for(world.analyst), script=script, active=True)
    incident_actions.cancel_incident(actor=actor_for(world.analyst), incident=incident, reason="Raised twice")
    with pytest.raises(Conflict, match="cancelled"):
        actions.run_script(actor=actor_for(world.analyst), incident=incident, script=script, answers=path)
    assert not TriageRun.objects.exists()


def test_a_script_for_another_service_is_not_offered(world, catalogue) -> None:
    from busbar.services.models import Service

    other_service = Service.objects.create(
        name="Other",
        slug="other",
        provider=world.provider,
        calendar=catalogue.calendar,
        sla_policy=catalogue.policy,
    )
    script = script_for(world, catalogue, service=other_service)
    incident = raise_for(world, catalogue)
    page = world.client(world.analyst).get(f"/incidents/{incident.reference}/").content.decode()
    assert "Scripted triage" not in page
    with pytest.raises(ActionError) as refused:
        actions.run_script(
            actor=actor_for(world.analyst), incident=incident, script=script, answers=answers(script, "No")
        )
    assert refused.value.field == "script"


def test_the_panel_costs_the_desk_two_queries_and_others_none(world, catalogue) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from busbar.records import registry

    script_for(world, catalogue)
    incident = raise_for(world, catalogue)
    counts = {}
    for user in (world.analyst, world.user_a, world.resolver):
        client = world.client(user)
        client.get(f"/incidents/{incident.reference}/")
        with CaptureQueriesContext(connection) as with_panel:
            client.get(f"/incidents/{incident.reference}/")
        saved = registry._PAGE_PANELS
        registry._PAGE_PANELS = {}
        try:
            with CaptureQueriesContext(connection) as without:
                client.get(f"/incidents/{incident.reference}/")
        finally:
            registry._PAGE_PANELS = saved
        counts[user.email] = len(with_panel.captured_queries) - len(without.captured_queries)
    assert counts == {world.analyst.email: 2, world.user_a.email: 0, world.resolver.email: 0}
