"""The audit journal cannot be changed or emptied."""

import pytest
from django.db import DatabaseError, connection, transaction

from busbar.audit.models import AppendOnlyError, AuditEntry
from busbar.conftest import World

pytestmark = pytest.mark.django_db


def test_no_python_update_or_delete_path(world: World) -> None:
    entry = AuditEntry.objects.first()
    entry.note = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_database_refuses_raw_update(world: World) -> None:
    entry = AuditEntry.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET note = %s WHERE id = %s", ["tampered", entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).note == ""


def test_database_refuses_raw_delete_on_postgresql(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("DELETE is blocked by trigger on PostgreSQL only (SQLite: Python layer, tested above)")
    count = AuditEntry.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.count() == count
