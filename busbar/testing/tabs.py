"""The tabs at the top of every page of a phase: ``phase_tabs(phase)`` -> ``[(label, url), …]``.

Each area's page shows them with::

    {% include "testing/_phase_tabs.html" with tabs=tabs current="executions" %}

where ``tabs`` is ``phase_tabs(phase)`` (put it in the page's context) and ``current`` the key of the page's
own tab (one of :data:`KEYS`: overview, participants, scenarios, executions, runs, rtm, issues, gates,
progress, reports). A tab appears only when its page exists (``reverse()`` of its URL name succeeds), so an
area whose pages are not there yet simply has no tab. The issues tab is the programme's issues filtered to
the phase (``?phase=<code>``).
"""

from __future__ import annotations

from typing import NamedTuple

from django.urls import NoReverseMatch, reverse

from busbar.testing.models import Phase


class Tab(NamedTuple):
    """One tab: unpacks as ``(label, url)``; ``key`` is what ``current`` names."""

    label: str
    url: str
    key: str


#: (key, label, URL name, takes the phase (True) or only the programme (False), query string)
TABS: list[tuple[str, str, str, bool, str]] = [
    ("overview", "Overview", "testing_phase", True, ""),
    ("participants", "Participants", "testing_participants", True, ""),
    ("scenarios", "Scenarios", "testing_scenarios", True, ""),
    ("executions", "Executions", "testing_executions", True, ""),
    ("runs", "Runs", "testing_runs", True, ""),
    ("rtm", "Traceability", "testing_rtm", True, ""),
    ("issues", "Issues", "testing_issues", False, "?phase={phase}"),
    ("gates", "Gates", "testing_gates", True, ""),
    ("progress", "Progress", "testing_progress", True, ""),
    ("reports", "Reports", "testing_reports", True, ""),
]
KEYS = [key for key, *_ in TABS]


def phase_tabs(phase: Phase) -> list[Tab]:
    """The phase's tabs whose pages exist, in order (no query: ``phase.programme`` is read once)."""
    programme = phase.programme.code
    found = []
    for key, label, name, with_phase, query in TABS:
        kwargs = {"programme": programme, "phase": phase.code} if with_phase else {"programme": programme}
        try:
            url = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        found.append(Tab(label, url + query.format(phase=phase.code), key))
    return found
