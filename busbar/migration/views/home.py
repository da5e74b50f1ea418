"""The migration home page (``/migration/``, ``migration_home``): what the person is in qualification and
migration (migration manager, reader, code body, supplier, agent, DNO) and the panels and links that apply:

* suppliers and agents: their tranche and qualification status (``queries.entrants_visible_to``);
* the programme, suppliers and DNOs: the headline progress figures (industry, own or the area's, from
  :mod:`busbar.migration.progress`: the daily aggregates only) and the next threshold breaches
  (:func:`busbar.migration.thresholds.check`, narrowed to what the person may see);
* anyone who sees exceptions: how many are open;
* links to the pages of the other parts, each only where its URL exists and the person may use it.

A person with nothing here gets a short explanation (200), not an error.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse

from busbar.migration import common, progress, queries
from busbar.migration.models import EntrantKind

#: Breaches looked for from today over this many days, and at most this many shown.
BREACH_DAYS = 14
MAX_BREACHES = 8

#: Pages of the other parts of the app (url name, label); each decides itself what the person sees there.
OTHER_PAGES: tuple[tuple[str, str], ...] = (
    ("migration_plans", "Migration plans"),
    ("migration_thresholds", "Thresholds"),
    ("migration_breaches", "Threshold breaches"),
    ("migration_ledger", "Daily files (ledger)"),
    ("migration_exceptions", "Exceptions"),
    ("migration_cleanse", "Data cleanse"),
)


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _window_links(user: Any, v: queries.Viewer) -> list[tuple[str, str]]:
    """Per qualification window the person sees (one query): its page, the go-live eligibility and, for the
    programme's readers and the window's code bodies, the tranche allocation."""
    links = []
    for window in queries.windows_visible_to(user).order_by("programme__code")[:10]:
        code, name = window.programme.code, window.programme.name
        for url_name, label, allowed in (
            ("migration_qualification", "Qualification", True),
            ("migration_eligibility", "Go-live eligibility", True),
            (
                "migration_allocation",
                "Tranche allocation",
                v.reads_programme(window.programme_id) or v.is_code_body_of(window.pk),
            ),
        ):
            href = _url(url_name, code) if allowed else None
            if href:
                links.append((href, f"{label}: {name}"))
    return links


def _roles(v: queries.Viewer, own: list[Any]) -> list[str]:
    roles = []
    if v.manages_any:
        roles.append("Migration manager")
    elif v.reads_all:
        roles.append("Programme reader")
    if v.code_bodies:
        roles.append("Code body")
    kinds = {e.kind for e in own}
    if EntrantKind.SUPPLIER in kinds:
        roles.append("Supplier")
    if EntrantKind.AGENT in kinds:
        roles.append("Supplier agent")
    if EntrantKind.OTHER in kinds:
        roles.append("Participant")
    if v.distributors:
        roles.append(f"Distribution network operator (area {', '.join(sorted(v.distributors))})")
    return roles


def _breaches(user: Any, programme: Any, today: dt.date) -> list[Any]:
    """The next threshold breaches the person may see (:func:`busbar.migration.thresholds.visible_breaches`:
    the programme all; a DNO its area's; a supplier those its plans are in; an agent those naming it)."""
    from busbar.migration import thresholds

    if programme is None:
        return []
    found = thresholds.check(programme.pk, start=today, end=today + dt.timedelta(days=BREACH_DAYS - 1))
    found = thresholds.visible_breaches(user, found, programme.pk)
    return sorted(found, key=lambda b: b.sort_key())[:MAX_BREACHES]


@login_required
def migration_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    v = queries.viewer(user)
    own = list(
        queries.entrants_visible_to(user)
        .filter(organisation_id__in=list(v.organisation_ids))
        .order_by("organisation__name", "kind")
    )
    roles = _roles(v, own)
    sees_progress = progress.sees_progress(user)
    headline = None
    programme = None
    breaches: list[Any] = []
    today = common.today()
    if sees_progress:
        headline = progress.industry(user, today=today)
        programme = headline.programme
        breaches = _breaches(user, programme, today)
    exceptions = progress.open_exception_count(user) if (v.reads_all or v.organisation_ids) else 0
    links = []
    if sees_progress:
        links.append((reverse("migration_progress"), "Migration progress"))
    if progress.sees_distributor_load(v):
        links.append((reverse("migration_distributor_load"), "Distributor load"))
    if v.reads_all or any(e.kind == EntrantKind.SUPPLIER for e in own):
        links.append((reverse("migration_readiness"), "Readiness to M14"))
    if progress.sees_at_risk(v):
        links.append((reverse("migration_at_risk"), "At-risk participants"))
    anything = bool(roles or own or sees_progress or exceptions)
    if anything:
        links = _window_links(user, v) + links
        for name, label in OTHER_PAGES:
            href = _url(name)
            if href:
                links.append((href, label))
    context = {
        "roles": roles,
        "own": own,
        "headline": headline,
        "breaches": breaches,
        "breach_days": BREACH_DAYS,
        "exceptions": exceptions,
        "exceptions_url": _url("migration_exceptions"),
        "links": links,
        "anything": anything,
        "today": today,
    }
    return render(request, "migration/home.html", context)


urlpatterns = [path("migration/", migration_home, name="migration_home")]
