"""Show journal entries in words a person reads, not field dumps."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

VERBS = {
    "create": "created",
    "update": "changed",
    "activate": "reactivated",
    "deactivate": "deactivated",
    "role": "changed the role of",
    "raise": "raised",
    "triage": "triaged",
    "assign": "assigned",
    "start": "started work on",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "reopened",
    "cancel": "cancelled",
    "note": "added an internal note to",
    "link": "linked",
    "revoke": "revoked",
    "preferences": "changed notification preferences of",
    "open": "opened",
    "communication": "sent a bulletin for",
    "review": "recorded the review of",
    "reminder": "reminded about",
    "sla_warning": "SLA warning on",
    "sla_breach": "SLA breach on",
    "accept": "accepted",
    "decline": "declined",
    "expire": "expired",
}
NOUNS = {
    "organisation": "organisation",
    "membership": "membership",
    "user": "account",
    "api_token": "API token",
    "incident": "incident",
    "major_incident": "major incident",
    "invitation": "invitation",
}


@register.filter
def audit_sentence(action: str) -> str:
    """``membership.role`` → "changed the role of membership"."""
    noun, _, verb = action.partition(".")
    if verb.startswith("pending_"):
        return f"put on hold (awaiting {verb.removeprefix('pending_')})"
    return f"{VERBS.get(verb, verb.replace('_', ' '))} {NOUNS.get(noun, noun.replace('_', ' '))}".strip()


@register.filter
def audit_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(audit_value(v) for v in value)
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and "T" in text[:11]:  # ISO timestamp
        from django.utils import timezone
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(text)
        if parsed is not None:
            return f"{timezone.localtime(parsed):%d %b %Y %H:%M}"
    return text if len(text) <= 200 else text[:197] + "…"


@register.filter
def field_label(name: str) -> str:
    return name.replace("_", " ").capitalize()
