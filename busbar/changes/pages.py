"""What every change-co-ordination page shares: the area's tabs, the 403 page and the base context.

Each page of the area shows the tabs with::

    {% include "changes/_tabs.html" with tabs=tabs current=current_tab %}

where the context starts from :func:`base_context` (``tabs`` and ``current_tab``, one of :data:`KEYS`).
A tab is offered only to those who may open it: the CCG to the desk and the CCG's members, the reports to
the desk, the settings to those who manage notice rules and windows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from busbar.changes import permissions, queries
from busbar.parties.queries import scope_for


class Tab(NamedTuple):
    label: str
    url: str
    key: str


def _everyone(request: HttpRequest) -> bool:
    return True


def _sees_meetings(request: HttpRequest) -> bool:
    return scope_for(request.user).is_central or queries.is_ccg_member(request.user)


def _reads_reports(request: HttpRequest) -> bool:
    return permissions.can_report(scope_for(request.user)) is None


#: (key, label, URL name, who sees the tab).
TABS: list[tuple[str, str, str, Callable[[HttpRequest], bool]]] = [
    ("notifications", "Notifications", "change_list", _everyone),
    ("schedule", "Schedule", "fsc", _everyone),
    ("ccg", "CCG", "ccg_home", _sees_meetings),
    ("consultations", "Consultations", "my_consultations", _everyone),
    ("bulletins", "Bulletins", "bulletin_list", _everyone),
    ("subscriptions", "My subscriptions", "my_subscriptions", _everyone),
    ("reports", "Reports", "change_reports", _reads_reports),
    # The rules and windows are published so that providers can plan; only managers get the forms.
    ("settings", "Rules and windows", "change_settings", _everyone),
]
KEYS = [key for key, *_ in TABS]


def change_tabs(request: HttpRequest) -> list[Tab]:
    """The tabs ``request``'s person may open, in order."""
    return [Tab(label, reverse(name), key) for key, label, name, shown in TABS if shown(request)]


def forbidden(request: HttpRequest, reason: str, *, status: int = 403) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=status)


def base_context(request: HttpRequest, current: str) -> dict:
    """The context every page of the change area starts from: its tabs and which one is open."""
    return {"tabs": change_tabs(request), "current_tab": current}
