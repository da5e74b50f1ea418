"""The whole life of an incident through the screens: participant raises, desk triages to severity 2 and
assigns, provider starts and resolves, participant closes. Also: awaiting the participant pauses the clock
and their reply resumes it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.audit.models import AuditEntry
from busbar.incidents.models import Incident, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


def act(client, incident: Incident, verb: str, **fields: object):
    """POST the incident page's ``verb`` form (its fields are prefixed with the verb)."""
    data = {f"{verb}-{k}": v for k, v in fields.items()}
    return client.post(f"/incidents/{incident.reference}/{verb}/", data)


def test_raise_triage_assign_resolve_close_entirely_through_views(world, catalogue) -> None:
    participant, desk, provider = (
        world.client(world.user_a),
        world.client(world.analyst),
        world.client(world.resolver),
    )

    # The participant raises it, with a log file.
    form = participant.get("/incidents/new/")
    assert (
        form.status_code == 200
        and b'name="summary"' in form.content
        and b'name="organisation"' not in form.content
    )
    response = participant.post(
        "/incidents/new/",
        {
            "service": catalogue.service.pk,
            "summary": "Switch requests rejected",
            "impact": "single",
            "description": "Every request since 09:00 fails with E0001.",
            "severity": catalogue.severities["3"].pk,
            "attachments": SimpleUploadedFile("log.txt", b"E0001 E0001", content_type="text/plain"),
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/incidents/{incident.reference}/"
    assert incident.organisation == world.org_a and incident.raised_by == world.user_a
    assert incident.record.attachments.get().filename == "log.txt"
    page = participant.get(response.url)
    assert b"Switch requests rejected" in page.content and b"log.txt" in page.content
    # Not yet assigned: the provider cannot see it at all.
    assert provider.get(response.url).status_code == 404

    # The desk triages to severity 2 and passes it to the provider.
    assert (
        act(
            desk,
            incident,
            "triage",
            severity=catalogue.severities["2"].pk,
            service=catalogue.service.pk,
            impact="several",
        ).status_code
        == 302
    )
    assert (
        act(desk, incident, "assign", provider=world.provider.pk, assignee=world.resolver.pk).status_code
        == 302
    )
    incident.refresh_from_db()
    assert incident.severity.code == "2" and incident.impact == "several"
    assert incident.status == Status.ASSIGNED and incident.provider == world.provider
    assert incident.assignee == world.resolver and incident.responded_at is not None

    # The provider sees it in its queue, starts work and resolves it.
    queue = provider.get("/incidents/")
    assert incident.reference.encode() in queue.content
    assert act(provider, incident, "start", note="Looking at the gateway").status_code == 302
    assert act(provider, incident, "resolve", resolution="Gateway certificate renewed.").status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and incident.resolution == "Gateway certificate renewed."

    # The participant sees the resolution and closes it.
    page = participant.get(f"/incidents/{incident.reference}/")
    assert (
        b"Gateway certificate renewed." in page.content
        and b'action="/incidents/%s/close/"' % (incident.reference.encode()) in page.content
    )
    response = act(participant, incident, "close")
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED and incident.closed_at is not None

    # Every step is in the journal, and the page shows it as the history.
    actions = list(
        AuditEntry.objects.filter(record_id=str(incident.pk), action__startswith="incident.")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "incident.raise",
        "incident.triage",
        "incident.assign",
        "incident.start",
        "incident.resolve",
        "incident.close",
    ]
    page = participant.get(f"/incidents/{incident.reference}/").content.decode()
    assert "triaged incident" in page and "Severity: 3 → 2" in page and "closed incident" in page
    assert '<h3>Resolution <span class="badge ok">Met</span></h3>' in page
    # Closed: nothing more to do for the participant except reopening.
    assert "/close/" not in page and "/reopen/" in page


def test_awaiting_the_participant_pauses_the_clock_and_their_reply_resumes_it(world, catalogue) -> None:
    from busbar.incidents.tests.conftest import raise_for

    incident = raise_for(world, catalogue)
    desk, participant = world.client(world.analyst), world.client(world.user_a)
    act(desk, incident, "assign", provider=world.provider.pk)
    response = act(
        world.client(world.resolver),
        incident,
        "pending",
        awaiting="participant",
        note="Please send the MPAN of one failed request.",
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.PENDING_PARTICIPANT and incident.sla_paused

    page = participant.get(f"/incidents/{incident.reference}/").content.decode()
    assert "SLA paused" in page
    assert '<h3>Resolution <span class="badge warn">Paused</span></h3>' in page
    assert "Please send the MPAN of one failed request." in page  # the request reaches the participant

    assert act(participant, incident, "reply", body="MPAN 1200012345678").status_code == 302
    incident.refresh_from_db()
    assert incident.status == Status.IN_PROGRESS and not incident.sla_paused
    page = participant.get(f"/incidents/{incident.reference}/").content.decode()
    assert "SLA paused" not in page and "MPAN 1200012345678" in page
