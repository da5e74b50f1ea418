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
    current = request.path
    top: list[dict] = []
    groups: dict[str, list[dict]] = {}
    for entry in registry.nav_entries():
        if not entry.show(scope):
            continue
        url = entry.url if entry.url.startswith("/") else reverse(entry.url)
        link = {
            "label": entry.label,
            "url": url,
            "current": url == current or (url != "/" and current.startswith(url)),
        }
        (groups.setdefault(entry.group, []) if entry.group else top).append(link)
    nav = top
    for key, label in registry.NAV_GROUPS:
        links = groups.get(key, [])
        if len(links) == 1:
            nav.append(links[0])  # a menu of one is just a link
        elif links:
            nav.append({"label": label, "children": links, "current": any(x["current"] for x in links)})
    # Called by the template only where the bell is drawn (whole pages), counted once per request.
    return {"nav": nav, "scope": scope, "inbox_unread": lambda: unread_count(request)}
