"""Template context: the navigation a person sees, by role, from the entries the apps registered
(:mod:`busbar.lib.registry`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from busbar.lib import registry
from busbar.parties.queries import scope_for
from busbar.records.inbox import unread_count


def navigation(request: HttpRequest) -> dict:
    scope = scope_for(getattr(request, "user", None))
    if not scope.is_authenticated:
        return {"nav": [], "scope": scope}
    items = [
        (entry.label, entry.url if entry.url.startswith("/") else reverse(entry.url))
        for entry in registry.nav_entries()
        if entry.show(scope)
    ]
    current = request.path
    nav = [
        {"label": label, "url": url, "current": url == current or (url != "/" and current.startswith(url))}
        for label, url in items
    ]
    # Called by the template only where the bell is drawn (whole pages), counted once per request.
    return {"nav": nav, "scope": scope, "inbox_unread": lambda: unread_count(request)}
