"""Attachment downloads check the incident's visibility and the attachment's internal flag."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from busbar.incidents import actions
from busbar.incidents.tests.conftest import actor_for, raise_for

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


def download(client, incident, attachment):
    return client.get(f"/incidents/{incident.reference}/attachments/{attachment.pk}/")


def test_the_raising_party_and_the_desk_download_it_another_party_cannot(world, catalogue) -> None:
    incident = raise_for(world, catalogue, attachments=[("errors.csv", "text/csv", b"mpan,code\n1,E0001\n")])
    attachment = incident.record.attachments.get()
    for user in (world.user_a, world.analyst):
        response = download(world.client(user), incident, attachment)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"mpan,code\n1,E0001\n"
        assert response["Content-Type"] == "text/csv"
        assert (
            response["Content-Disposition"].startswith("attachment;")
            and "errors.csv" in response["Content-Disposition"]
        )
    # Participant B and the not-yet-assigned provider: not found.
    assert download(world.client(world.user_b), incident, attachment).status_code == 404
    assert download(world.client(world.resolver), incident, attachment).status_code == 404
    # Through another (visible) incident's address: still not found.
    of_b = raise_for(world, catalogue, user=world.user_b)
    assert download(world.client(world.user_b), of_b, attachment).status_code == 404
    assert download(world.client(None), incident, attachment).status_code == 302


def test_an_internal_attachment_is_only_for_the_desk_and_the_provider(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    actions.assign_incident(actor=actor_for(world.analyst), incident=incident, provider=world.provider)
    response = world.client(world.resolver).post(
        f"/incidents/{incident.reference}/reply/",
        {
            "reply-body": "Trace from our side",
            "reply-internal": "on",
            "reply-attachments": SimpleUploadedFile("trace.txt", b"secret trace", content_type="text/plain"),
        },
    )
    assert response.status_code == 302
    attachment = incident.record.attachments.get()
    assert attachment.is_internal
    assert download(world.client(world.analyst), incident, attachment).status_code == 200
    assert download(world.client(world.resolver), incident, attachment).status_code == 200
    assert download(world.client(world.user_a), incident, attachment).status_code == 404
    assert (
        "trace.txt"
        not in world.client(world.user_a).get(f"/incidents/{incident.reference}/").content.decode()
    )


def test_a_reply_with_a_refused_file_adds_nothing(world, catalogue) -> None:
    incident = raise_for(world, catalogue)
    response = world.client(world.user_a).post(
        f"/incidents/{incident.reference}/reply/",
        {
            "reply-body": "See attached",
            "reply-attachments": SimpleUploadedFile("run.sh", b"#!/bin/sh", content_type="application/x-sh"),
        },
    )
    assert response.status_code == 422 and 'id="id_reply-attachments_error"' in response.content.decode()
    assert not incident.record.entries.exists() and not incident.record.attachments.exists()
