"""What every programme-governance page shares: finding the programme (404 for those who may not see
it), the 403 page, and the programme's tabs.

Each area's page shows the tabs with::

    {% include "programmes/_tabs.html" with tabs=tabs current="raid" %}

where ``tabs`` is ``programme_tabs(programme)`` and ``current`` one of :data:`KEYS`.
"""

from __future__ import annotations

from typing import NamedTuple

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from busbar.programmes import queries
from busbar.testing.models import Programme


class Tab(NamedTuple):
    label: str
    url: str
    key: str


TABS: list[tuple[str, str, str]] = [
    ("dashboard", "Dashboard", "programmes_dashboard"),
    ("plan", "Plan", "programmes_plan"),
    ("raid", "RAID", "programmes_raid"),
    ("actions", "Actions", "programmes_actions"),
    ("meetings", "Groups & meetings", "programmes_groups"),
    ("decisions", "Decisions", "programmes_decisions"),
    ("crs", "Change requests", "programmes_crs"),
    ("readiness", "Readiness", "programmes_assessments"),
]
KEYS = [key for key, *_ in TABS]


def programme_tabs(programme: Programme) -> list[Tab]:
    found = []
    for key, label, name in TABS:
        try:
            found.append(Tab(label, reverse(name, kwargs={"programme": programme.code}), key))
        except NoReverseMatch:
            continue
    return found


def programme_or_404(request: HttpRequest, code: str) -> Programme:
    """The programme with address ``code`` if the person sees it; 404 otherwise (an outsider cannot tell
    a programme they may not see from one that does not exist)."""
    programme = queries.programmes_visible_to(request.user).filter(code=code).first()
    if programme is None:
        raise Http404("No such programme")
    return programme


def forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


def base_context(request: HttpRequest, programme: Programme, current: str) -> dict:
    """The context every programme page starts from: the programme, its tabs, whether the person is the
    office (offers editing) or reads in full."""
    return {
        "programme": programme,
        "tabs": programme_tabs(programme),
        "current_tab": current,
        "is_office": queries.is_office(request.user, programme.pk),
        "has_oversight": queries.has_oversight(request.user, programme.pk),
    }
