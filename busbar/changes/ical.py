"""The forward schedule of change as an iCalendar feed (RFC 5545), written with the ``icalendar`` package.

One ``VEVENT`` per Change Notification:

- ``UID`` ``<reference>@<site host>``: stable for the change's life, so a calendar client updates the event
  when the change moves and removes it when it is cancelled;
- ``DTSTAMP`` and ``LAST-MODIFIED``: when the change was last updated (a feed has no ``METHOD``, so the
  two are the same, RFC 5545 §3.8.7.2), so the feed reads the same until something changes;
- ``DTSTART``/``DTEND``: the planned window, in UTC;
- ``SUMMARY`` ``[Outage] CSS: title (CHG0000012)``; ``DESCRIPTION`` with the type, status, provider,
  services, window in UK time, expected impact and the page's address; ``URL`` the change's page;
- ``STATUS`` ``CONFIRMED`` (``CANCELLED`` once cancelled); ``SEQUENCE`` the number of times the CCG
  rescheduled it (one more once cancelled); ``TRANSP`` ``TRANSPARENT`` (a change does not make the
  subscriber busy); ``CATEGORIES`` the type, and ``Outage``.

Only what every reader of a published change may see goes in (never the provider's internal fields).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from busbar.changes.models import CcgDecision, CcgOutcome, ChangeNotification, ChangeStatus

PRODID = "-//Busbar//Forward schedule of change//EN"
#: How often a client should read the feed again (RFC 7986 REFRESH-INTERVAL, and the older X- names).
REFRESH = dt.timedelta(hours=1)
#: Shown at most in the summary; more are counted.
SUMMARY_SERVICES = 3
#: The longest description text kept from a change's own words.
TEXT_LIMIT = 2000


def host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "busbar"


def uid(change: ChangeNotification) -> str:
    return f"{change.reference}@{host()}"


def change_url(change: ChangeNotification) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("change_detail", args=[change.reference])


def with_sequence(qs: QuerySet[ChangeNotification]) -> QuerySet[ChangeNotification]:
    """``qs`` with ``reschedules``: how many times the CCG moved each change (a subquery, no join)."""
    moved = (
        CcgDecision.objects.filter(change_id=OuterRef("pk"), outcome=CcgOutcome.RESCHEDULE)
        .order_by()
        .values("change_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(reschedules=Coalesce(Subquery(moved, output_field=IntegerField()), Value(0)))


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%a %d %b %Y %H:%M}"


def _services(change: ChangeNotification) -> list[str]:
    return [s.name for s in change.services.all()]


def summary(change: ChangeNotification) -> str:
    names = _services(change)
    shown = ", ".join(names[:SUMMARY_SERVICES])
    if len(names) > SUMMARY_SERVICES:
        shown += f" +{len(names) - SUMMARY_SERVICES}"
    prefix = "[Outage] " if change.is_outage else ""
    if change.status == ChangeStatus.CANCELLED:
        prefix = "[Cancelled] " + prefix
    return f"{prefix}{shown}: {change.title} ({change.reference})"


def description(change: ChangeNotification) -> str:
    lines = [
        f"{change.get_change_type_display()} change, {change.get_status_display().lower()}"
        + (" - the service is unavailable during the window" if change.is_outage else " - no outage"),
        f"Provider: {change.provider.name}",
        f"Services: {', '.join(_services(change))}",
        f"Planned (UK time): {_local(change.planned_start)} to {_local(change.planned_end)}",
    ]
    if change.actual_start:
        end = f" to {_local(change.actual_end)}" if change.actual_end else ""
        lines.append(f"Actual (UK time): {_local(change.actual_start)}{end}")
    if change.expected_impact:
        lines += ["", "Expected impact:", change.expected_impact[:TEXT_LIMIT]]
    if change.description:
        lines += ["", change.description[:TEXT_LIMIT]]
    lines += ["", change_url(change)]
    return "\n".join(lines)


def event(change: ChangeNotification) -> Event:
    """The change as a VEVENT (``change`` read with :func:`with_sequence` and its services)."""
    cancelled = change.status == ChangeStatus.CANCELLED
    modified = _utc(change.updated_at)
    ev = Event()
    ev.add("uid", uid(change))
    ev.add("dtstamp", modified)
    ev.add("last-modified", modified)
    ev.add("created", _utc(change.created_at))
    ev.add("dtstart", _utc(change.planned_start))
    ev.add("dtend", _utc(change.planned_end))
    ev.add("summary", summary(change))
    ev.add("description", description(change))
    ev.add("url", change_url(change))
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    ev.add("sequence", getattr(change, "reschedules", 0) + (1 if cancelled else 0))
    ev.add("transp", "TRANSPARENT")
    ev.add("class", "PUBLIC")
    categories = [change.get_change_type_display()] + (["Outage"] if change.is_outage else [])
    ev.add("categories", categories)
    return ev


def london() -> Timezone:
    """UK time as a VTIMEZONE (the rule in force since 1996: BST from 01:00 UTC on the last Sunday in March
    to 01:00 UTC on the last Sunday in October). Events are in UTC; it names the zone people read them in,
    and keeps an empty feed valid (RFC 5545 wants at least one component)."""
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("tzoffsetfrom", dt.timedelta(0))
    summer.add("tzoffsetto", dt.timedelta(hours=1))
    summer.add("dtstart", dt.datetime(1996, 3, 31, 1, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("tzoffsetfrom", dt.timedelta(hours=1))
    winter.add("tzoffsetto", dt.timedelta(0))
    winter.add("dtstart", dt.datetime(1996, 10, 27, 2, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    zone = Timezone()
    zone.add("tzid", "Europe/London")
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def calendar(changes: Iterable[ChangeNotification], *, name: str, description: str = "") -> bytes:
    """The feed: the calendar's properties, UK time, then each change's event. CRLF lines folded at 75
    octets (by ``icalendar``)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    if description:
        cal.add("description", description)
        cal.add("x-wr-caldesc", description)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    cal.add("x-wr-timezone", "Europe/London")
    cal.add_component(london())
    for change in changes:
        cal.add_component(event(change))
    return cal.to_ical()
