"""Reads of the audit journal through the visibility rule."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from busbar.audit.models import AuditEntry
from busbar.parties.queries import scope_for

#: Records whose history is read through their own redacted timeline, never through the journal list.
TIMELINE_ONLY = (("incidents", "incident"), ("incidents", "majorincident"))


def entries_visible_to(user) -> QuerySet[AuditEntry]:  # noqa: ANN001
    """The journal list: everything for central roles; an organisation administrator reads their own
    organisations' entries (people, tokens, organisation changes) but not incident histories, which carry
    internal detail and are read through each incident's redacted timeline; everyone else reads none."""
    scope = scope_for(user)
    qs = AuditEntry.objects.select_related("record_type")
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    if not scope.admin_of:
        return qs.none()
    hidden = Q()
    for app_label, model in TIMELINE_ONLY:
        hidden |= Q(record_type__app_label=app_label, record_type__model=model)
    return qs.filter(owner_organisation_id__in=scope.admin_of).exclude(hidden)


def timeline_for(obj: Model) -> QuerySet[AuditEntry]:
    """Every entry about ``obj``. The caller has already proved the viewer may see ``obj``."""
    return AuditEntry.objects.filter(
        record_type=ContentType.objects.get_for_model(obj, for_concrete_model=False), record_id=str(obj.pk)
    ).order_by("at", "id")
