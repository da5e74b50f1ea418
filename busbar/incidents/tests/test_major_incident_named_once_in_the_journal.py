"""The journal says "opened major incident INC…", not "opened major incident Major incident INC…": a major
incident's label is its incident's reference, the noun comes from the action."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.audit.templatetags.audit import audit_sentence
from busbar.incidents.tests.conftest import raise_for

pytestmark = pytest.mark.django_db


def test_the_entry_reads_once(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="1")
    entry = AuditEntry.objects.get(action="major_incident.open")
    assert entry.record_label == incident.reference
    sentence = f"{audit_sentence(entry.action)} {entry.record_label}"
    assert sentence == f"opened major incident {incident.reference}"


def test_the_desk_home_and_the_audit_journal_say_it_once(world, catalogue) -> None:
    incident = raise_for(world, catalogue, severity="1")
    for path in ("/", "/audit/"):
        page = world.client(world.ops).get(path).content.decode()
        assert "Major incident INC" not in page and "major incident Major incident" not in page
    page = world.client(world.ops).get("/audit/").content.decode()
    assert incident.reference in page
    # A participant's view of the incident's history says it once too.
    page = world.client(world.user_a).get(f"/incidents/{incident.reference}/").content.decode()
    assert "Major incident INC" not in page
