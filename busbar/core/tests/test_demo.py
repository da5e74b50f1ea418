"""The whole demo data set loads, and loading it twice changes nothing."""

import pytest

from busbar.audit.models import AuditEntry
from busbar.core.demo import load_demo
from busbar.incidents.models import Incident, MajorIncident

pytestmark = pytest.mark.django_db


def test_demo_loads_every_part_and_is_idempotent() -> None:
    report = load_demo()
    assert "busbar-demo-2026" in report and "analyst@operator.example" in report
    statuses = set(Incident.objects.values_list("status", flat=True))
    assert statuses >= {
        "new",
        "assigned",
        "in_progress",
        "pending_participant",
        "pending_provider",
        "resolved",
        "closed",
        "cancelled",
    }
    assert MajorIncident.objects.filter(state="active").count() == 1
    assert Incident.objects.filter(record__resolution_breached=True).exists()
    entries = AuditEntry.objects.count()
    again = load_demo()
    assert "already present" in again
    assert AuditEntry.objects.count() == entries
