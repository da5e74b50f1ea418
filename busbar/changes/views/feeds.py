"""Calendar feeds of the forward schedule of change (CH-09): a person's secret feed URL, read by their
calendar client without a session (so no cookie, no CSRF: GET only).

- ``/changes/feed/<token>/schedule.ics``: every published change the token's owner may see
  (:func:`busbar.changes.queries.fsc`), ``?service=`` (a service's address, its components included) and
  ``?provider=`` (an organisation's id) to narrow it;
- ``/changes/feed/<token>/services/<slug>.ics``: one service and its components.

The window is bounded: :data:`DAYS_BACK` days back to :data:`DAYS_ON` days on, at most :data:`MAX_EVENTS`
events (the soonest). Each answer carries an ETag (its version: the audience, the filters, how many changes
it holds and when they last changed); a client sending it back gets 304, and a body already written for that
version is served from the cache. Changes cancelled after they were accepted stay in the feed as
``CANCELLED`` for those who may still see them, so clients drop the event.

A revoked or unknown token, a user no longer active, and a service the owner may not see (inactive
services are seen by the central roles only) are all a 404 with a short plain-text body: the URL tells
nothing to whoever holds a dead one.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from busbar.changes import ical, queries, tokens
from busbar.changes.models import PUBLISHED, CcgDecision, CcgOutcome, ChangeStatus
from busbar.changes.views.schedule import SERVICES, schedule_queryset, with_components
from busbar.lib.forms import parse_id
from busbar.parties.queries import scope_for
from busbar.services.queries import services_visible_to

DAYS_BACK = 90
DAYS_ON = 400
MAX_EVENTS = 5000
#: A feed's body is kept this long under its version (a new version is a new key, so nothing stale is served;
#: the version changes with the data and with the day).
FEED_CACHE_SECONDS = 24 * 3600
#: A secret longer than this is not one of ours (never hashed).
MAX_TOKEN = 128
TEXT = "text/plain; charset=utf-8"
#: Feed statuses: the published, and the cancelled (shown as CANCELLED when they had been accepted).
STATUSES = PUBLISHED | {ChangeStatus.CANCELLED}
ACCEPTING = (CcgOutcome.ACCEPT, CcgOutcome.ACCEPT_WITH_CONDITIONS, CcgOutcome.RESCHEDULE)


def _now() -> dt.datetime:
    """Now (the tests move it)."""
    return timezone.now()


def _not_found(text: str = "No such feed.") -> HttpResponse:
    response = HttpResponse(text + "\n", status=404, content_type=TEXT)
    response["Cache-Control"] = "no-store"
    return response


def _bad(text: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=400, content_type=TEXT)
    response["Cache-Control"] = "no-store"
    return response


def _owner(token: str):
    if not token or len(token) > MAX_TOKEN:
        return None
    user = tokens.user_for(token)
    if user is None or not user.is_active:
        return None
    return user


def _visible_services(user) -> list:
    return list(
        services_visible_to(user).select_related(None).only("id", "slug", "name", "parent_id", "is_active")
    )


def _version(user, qs, *, name: str, now: dt.datetime, service_ids, provider_id) -> str:
    """What the feed's body depends on, as a short hash: who sees it (the same for everyone of the same
    scope), the filters, the window's day (its edges move a day at a time for the cache), and how many
    changes it holds and when the latest changed (one aggregate query). Every change to a change, its
    reschedule included, bumps its ``updated_at``."""
    scope = scope_for(user)
    audience = (
        "central" if scope.is_central else (sorted(scope.organisation_ids), queries.is_ccg_member(user))
    )
    figures = qs.aggregate(
        n=Count("id", distinct=True), latest=Max("updated_at"), decided=Max("decisions__id")
    )
    key = repr((audience, name, service_ids, provider_id, timezone.localdate(now), figures))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _feed(
    user,
    *,
    name: str,
    service_ids: list[int] | None,
    provider_id: int | None,
    request: HttpRequest | None = None,
) -> HttpResponse:
    now = _now()
    qs = schedule_queryset(
        user,
        start=now - dt.timedelta(days=DAYS_BACK),
        end=now + dt.timedelta(days=DAYS_ON),
        service_ids=service_ids,
        provider_id=provider_id,
        statuses=STATUSES,
    )
    accepted = CcgDecision.objects.filter(change_id=OuterRef("pk"), outcome__in=ACCEPTING)
    qs = qs.exclude(Q(status=ChangeStatus.CANCELLED) & ~Exists(accepted))
    version = _version(user, qs, name=name, now=now, service_ids=service_ids, provider_id=provider_id)
    etag = f'"{version}"'
    if request is not None and etag in request.headers.get("If-None-Match", ""):
        # The calendar client already holds this body.
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    cache_key = f"changes:feed:{version}"
    body = cache.get(cache_key)
    if body is None:
        changes = list(ical.with_sequence(qs).prefetch_related(SERVICES)[:MAX_EVENTS])
        body = ical.calendar(
            changes,
            name=name,
            description="Accepted changes and planned outages from the forward schedule of change",
        )
        cache.set(cache_key, body, FEED_CACHE_SECONDS)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    filename = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name.lower())[:60]
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def schedule_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = _owner(token)
    if user is None:
        return _not_found()
    service_ids = provider_id = None
    name = "Busbar: forward schedule of change"
    slug = request.GET.get("service", "").strip()
    if slug:
        services = _visible_services(user)
        service = next((s for s in services if s.slug == slug[:60]), None)
        if service is None:
            return _not_found("service: no such service.")
        service_ids = with_components(services, service)
        name = f"Busbar: {service.name} changes"
    provider = request.GET.get("provider", "").strip()
    if provider:
        provider_id = parse_id(provider)
        if provider_id is None:
            return _bad("provider: give an organisation's id")
    return _feed(user, name=name, service_ids=service_ids, provider_id=provider_id, request=request)


@require_safe
def service_feed(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    user = _owner(token)
    if user is None:
        return _not_found()
    services = _visible_services(user)
    service = next((s for s in services if s.slug == slug), None)
    if service is None:
        return _not_found("No such service.")
    return _feed(
        user,
        name=f"Busbar: {service.name} changes",
        service_ids=with_components(services, service),
        provider_id=None,
        request=request,
    )


urlpatterns = [
    path("changes/feed/<str:token>/schedule.ics", schedule_feed, name="fsc_feed"),
    path("changes/feed/<str:token>/services/<slug:slug>.ics", service_feed, name="fsc_service_feed"),
]
