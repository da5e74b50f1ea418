"""Template context: the navigation a person sees, by role."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from busbar.parties.queries import scope_for


def navigation(request: HttpRequest) -> dict:
    scope = scope_for(getattr(request, "user", None))
    if not scope.is_authenticated:
        return {"nav": [], "scope": scope}
    items = [("Home", reverse("home"))]
    items.append(("Incidents", reverse("incident_list")))
    if scope.is_desk:
        items.append(("Major incidents", reverse("major_list")))
    items.append(("Service status", reverse("service_status")))
    if scope.is_central:
        items.append(("Services & SLAs", reverse("service_list")))
    items.append(("Organisations", reverse("organisation_list")))
    if scope.is_central or scope.admin_of:
        items.append(("Audit journal", reverse("audit_list")))
    items.append(("API", "/api/v1/docs"))
    current = request.path
    nav = [
        {"label": label, "url": url, "current": url == current or (url != "/" and current.startswith(url))}
        for label, url in items
    ]
    return {"nav": nav, "scope": scope, "incident_home": SimpleLazyObject(lambda: _incident_home(request))}


def _incident_home(request: HttpRequest) -> dict:
    """The incident panels of the home pages; only computed (queried) when a home page reads them."""
    from busbar.incidents.views import home_panels

    return home_panels(request)
