"""The incident badges as tags: the same markup as ``_severity.html``, ``_status.html`` and
``_row_sla.html``, without a template include per row (a queue page renders 50 rows of three)."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

_STATUS_BADGE = {
    "resolved": " ok",
    "closed": " ok",
    "new": " bad",
    "pending_participant": " warn",
    "pending_provider": " warn",
}


@register.simple_tag
def severity_badge(incident) -> SafeString:
    severity = incident.severity
    return format_html(
        '<span class="badge{}" title="{}">Sev {}</span>',
        " bad" if severity.is_major else "",
        severity.label,
        severity.code,
    )


@register.simple_tag
def status_badge(incident) -> SafeString:
    return format_html(
        '<span class="badge{}">{}</span>',
        _STATUS_BADGE.get(incident.status, ""),
        incident.get_status_display(),
    )


@register.simple_tag
def sla_badge(row_sla) -> SafeString:
    badge = format_html('<span class="badge {}">{}</span>', row_sla.badge, row_sla.label)
    if row_sla.due_at is None:
        return badge
    local = timezone.localtime(row_sla.due_at)
    return format_html(
        '{} <time datetime="{}">{}</time>',
        badge,
        date_format(local, "c"),
        date_format(local, "D j M H:i"),
    )
