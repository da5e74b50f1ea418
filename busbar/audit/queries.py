"""Reads of the audit journal through the visibility rule."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from busbar.audit.models import AuditEntry
from busbar.parties.queries import scope_for


def entries_visible_to(user) -> QuerySet[AuditEntry]:  # noqa: ANN001
    scope = scope_for(user)
    qs = AuditEntry.objects.select_related("record_type")
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    return qs.filter(owner_organisation_id__in=scope.organisation_ids)


def timeline_for(obj: Model) -> QuerySet[AuditEntry]:
    """Every entry about ``obj``. The caller has already proved the viewer may see ``obj``."""
    return AuditEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), record_id=str(obj.pk)
    ).order_by("at", "id")
