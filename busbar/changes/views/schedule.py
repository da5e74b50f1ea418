"""Pages: the forward schedule of change (FSC, CH-08, CH-09) — the published Change Notifications of every
provider the viewer may see (:func:`busbar.changes.queries.fsc`) as a month calendar, a week chart and a
list, filtered by service (its components included) and provider, with the planned outages shown first,
and exported as CSV or XLSX.

- **Month**: a Monday-first grid of the month in UK time; each change is a bar across the days it spans
  (cut at the week's edges, marked as continuing), outages and changes without an outage styled apart,
  emergency and major changes badged. At most :data:`MAX_LANES` bars a week; the rest are counted, with a
  link to the week.
- **Week**: one row per change, its bar across the days of the week, with its times.
- **List**: a bounded window (``?from=&to=``, at most :data:`MAX_WINDOW_DAYS` days), paged.
- Those who review changes (the desk and the CCG's members) may tick **include pending**: submitted and
  under-review notifications drawn lighter.

Every window is bounded and validated: a bad ``month``, ``week``, ``from``, ``to``, ``service`` or
``provider`` is a 400 naming it. A page reads the changes in one query and their services in a second,
whatever their number (the filter choices are one more).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from busbar.changes import pages, queries
from busbar.changes.models import (
    AWAITING_REVIEW,
    PUBLISHED,
    ChangeNotification,
    ChangeService,
)
from busbar.lib import export
from busbar.lib.forms import parse_id
from busbar.lib.limits import EARLIEST_DATE, LATEST_DATE
from busbar.parties.queries import scope_for
from busbar.services.models import Service
from busbar.services.queries import services_visible_to

#: Bars drawn at most in one week of the month view (the rest are counted and linked to the week).
MAX_LANES = 6
#: Changes read at most for one month or week view (beyond, the page says so and points to the filters).
MAX_CHANGES = 2000
#: The longest window of the list and the export.
MAX_WINDOW_DAYS = 400
#: The list's default window: from today, this many days.
DEFAULT_LIST_DAYS = 90
LIST_PAGE_SIZE = 100
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
TEXT = "text/plain; charset=utf-8"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _now() -> dt.datetime:
    """Now (the tests move it)."""
    return timezone.now()


class BadParam(Exception):
    """A query parameter that cannot be read: a 400 naming it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


def bad_request(request: HttpRequest, exc: BadParam) -> HttpResponse:
    return render(request, "400.html", {"message": str(exc)}, status=400)


# Windows in UK time -----------------------------------------------------------------------------------------


def zone() -> dt.tzinfo:
    return timezone.get_current_timezone()


def today() -> dt.date:
    return timezone.localtime(_now(), zone()).date()


def midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in UK time (an aware time)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone())


def local_days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """The first and last UK dates a window occupies (a window ending at midnight ends the day before)."""
    first = timezone.localtime(start, zone()).date()
    last = timezone.localtime(end - dt.timedelta(microseconds=1), zone()).date()
    return first, max(first, last)


def parse_month(value: str | None) -> dt.date:
    """The first day of ``YYYY-MM`` (default: this month)."""
    if not value:
        return today().replace(day=1)
    match = _MONTH.fullmatch(value.strip())
    if match is None:
        raise BadParam("month", "give the month as YYYY-MM, e.g. 2027-06")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or not EARLIEST_DATE.year <= year < LATEST_DATE.year:
        raise BadParam("month", "that month is out of range")
    return dt.date(year, month, 1)


def parse_day(name: str, value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    text = value.strip()
    try:
        if _DAY.fullmatch(text) is None:
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadParam(name, "give the date as YYYY-MM-DD, e.g. 2027-06-14") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE - dt.timedelta(days=7):
        raise BadParam(name, "that date is out of range")
    return day


def parse_week(value: str | None) -> dt.date:
    """The Monday of the week holding ``YYYY-MM-DD`` (default: this week)."""
    day = parse_day("week", value, today())
    return day - dt.timedelta(days=day.weekday())


def parse_range(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """``?from=&to=`` (dates, inclusive; default today and 90 days on), at most MAX_WINDOW_DAYS long."""
    start = parse_day("from", request.GET.get("from"), today())
    end = parse_day("to", request.GET.get("to"), start + dt.timedelta(days=DEFAULT_LIST_DAYS))
    if end < start:
        raise BadParam("to", "the end date must be on or after the start date")
    if (end - start).days + 1 > MAX_WINDOW_DAYS:
        raise BadParam("to", f"a window can be at most {MAX_WINDOW_DAYS} days long")
    return start, end


def add_months(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# Filters ----------------------------------------------------------------------------------------------------


@dataclass
class Filters:
    """The service and provider filters, read against the services the viewer may see (one query)."""

    services: list[Service]
    service: Service | None = None
    #: The service and its components (and theirs).
    service_ids: list[int] | None = None
    provider_id: int | None = None
    pending: bool = False
    may_pend: bool = False
    providers: list = field(default_factory=list)

    def params(self, **extra: str) -> str:
        """The filters as a query string (with ``extra``), for links that keep them."""
        values = {
            "service": self.service.slug if self.service else "",
            "provider": str(self.provider_id or ""),
            "pending": "1" if self.pending else "",
            **extra,
        }
        return urlencode({k: v for k, v in values.items() if v})


def with_components(services: list[Service], root: Service) -> list[int]:
    """``root`` and every service under it (components of components too), among ``services``."""
    children: dict[int, list[int]] = {}
    for s in services:
        if s.parent_id is not None:
            children.setdefault(s.parent_id, []).append(s.pk)
    found, stack = [], [root.pk]
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.append(pk)
        stack.extend(children.get(pk, ()))
    return found


def may_include_pending(user) -> bool:
    """The desk and the CCG's members review what is pending: they may see it on the schedule."""
    scope = scope_for(user)
    return scope.is_central or queries.is_ccg_member(user)


def read_filters(request: HttpRequest) -> Filters:
    services = list(services_visible_to(request.user).order_by("name", "id"))
    providers = sorted({s.provider for s in services}, key=lambda o: (o.name, o.pk))
    found = Filters(services=services, providers=providers, may_pend=may_include_pending(request.user))
    slug = request.GET.get("service", "").strip()
    if slug:
        service = next((s for s in services if s.slug == slug[:60]), None)
        if service is None:
            raise BadParam("service", "no such service")
        found.service = service
        found.service_ids = with_components(services, service)
    provider = request.GET.get("provider", "").strip()
    if provider:
        provider_id = parse_id(provider)
        if provider_id is None or provider_id not in {o.pk for o in providers}:
            raise BadParam("provider", "no such provider")
        found.provider_id = provider_id
    found.pending = found.may_pend and request.GET.get("pending", "") in ("1", "on", "true")
    return found


# The changes ------------------------------------------------------------------------------------------------

#: The services of each change (one query for a page's changes, names only).
SERVICES = Prefetch(
    "services", queryset=Service.objects.only("id", "name", "slug", "parent_id").order_by("name")
)


def schedule_queryset(
    user,
    *,
    start: dt.datetime,
    end: dt.datetime,
    service_ids: list[int] | None = None,
    provider_id: int | None = None,
    pending: bool = False,
    statuses: frozenset[str] | None = None,
) -> QuerySet[ChangeNotification]:
    """The changes on the schedule overlapping ``start``–``end`` that ``user`` may see: published (and,
    with ``pending``, awaiting review), on any of ``service_ids`` (when given), of ``provider_id``."""
    if statuses is not None:
        qs = queries.visible_to(user).filter(status__in=statuses)
    elif pending:
        qs = queries.visible_to(user).filter(status__in=PUBLISHED | AWAITING_REVIEW)
    else:
        qs = queries.fsc(user)
    qs = qs.filter(planned_start__lt=end, planned_end__gt=start)
    if service_ids is not None:
        rows = ChangeService.objects.filter(change_id=OuterRef("pk"), service_id__in=service_ids)
        qs = qs.filter(Exists(rows))
    if provider_id is not None:
        qs = qs.filter(provider_id=provider_id)
    return qs.order_by("planned_start", "id")


#: The columns the schedule's pages read of each change.
SHOWN_FIELDS = (
    "id",
    "reference",
    "title",
    "change_type",
    "status",
    "is_outage",
    "planned_start",
    "planned_end",
    "provider__id",
    "provider__name",
)


def _list_url_for_month(first: dt.date, following: dt.date, request: HttpRequest) -> str:
    """The list view of the same month with the same filters (where every outage of it is listed)."""
    params = request.GET.copy()
    params.pop("month", None)
    params["from"] = first.isoformat()
    params["to"] = (following - dt.timedelta(days=1)).isoformat()
    return f"{reverse('fsc_list')}?{params.urlencode()}"


def _read(request: HttpRequest, filters: Filters, start: dt.datetime, end: dt.datetime) -> tuple[list, bool]:
    qs = schedule_queryset(
        request.user,
        start=start,
        end=end,
        service_ids=filters.service_ids,
        provider_id=filters.provider_id,
        pending=filters.pending,
    ).prefetch_related(SERVICES)
    # Only what a bar and an outage line show (the change's text fields are long and never drawn here).
    qs = qs.select_related(None).select_related("provider").only(*SHOWN_FIELDS)
    changes = list(qs[: MAX_CHANGES + 1])
    for change in changes:
        change.pending = change.status in AWAITING_REVIEW
        change.first_day, change.last_day = local_days(change.planned_start, change.planned_end)
    return changes[:MAX_CHANGES], len(changes) > MAX_CHANGES


# Laying bars out on days ------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One cell of a row of seven days: a gap, or a change's bar ``span`` days wide."""

    span: int
    change: ChangeNotification | None = None
    before: bool = False  # the change began before this row's first day
    after: bool = False  # it goes on after this row's last day


@dataclass
class Day:
    date: dt.date
    in_month: bool
    is_today: bool


@dataclass
class Week:
    monday: dt.date
    days: list[Day]
    lanes: list[list[Cell]]
    hidden: int = 0


def _columns(change: ChangeNotification, monday: dt.date) -> tuple[int, int, bool, bool] | None:
    """The first and last column (0–6) of ``change`` in the week from ``monday``, or None if outside."""
    sunday = monday + dt.timedelta(days=6)
    if change.last_day < monday or change.first_day > sunday:
        return None
    first = max(change.first_day, monday)
    last = min(change.last_day, sunday)
    return (first - monday).days, (last - monday).days, change.first_day < monday, change.last_day > sunday


def row_cells(bars: list[tuple[int, int, bool, bool, ChangeNotification]]) -> list[Cell]:
    """A row of seven days holding ``bars`` (not overlapping, sorted by column)."""
    cells, col = [], 0
    for first, last, before, after, change in bars:
        if first > col:
            cells.append(Cell(first - col))
        cells.append(Cell(last - first + 1, change, before, after))
        col = last + 1
    if col < 7:
        cells.append(Cell(7 - col))
    return cells


def lay_out_week(monday: dt.date, changes: list, *, month: int | None, max_lanes: int) -> Week:
    """The week's bars packed into as few rows (lanes) as they fit, longest first among equal starts."""
    this_day = today()
    days = [
        Day(d, month is None or d.month == month, d == this_day)
        for d in (monday + dt.timedelta(days=i) for i in range(7))
    ]
    placed: list[tuple[int, int, bool, bool, ChangeNotification]] = []
    for change in changes:
        cols = _columns(change, monday)
        if cols is not None:
            placed.append((*cols, change))
    placed.sort(key=lambda p: (p[0], p[0] - p[1], p[4].planned_start, p[4].pk))
    lanes: list[list] = []
    ends: list[int] = []
    hidden = 0
    for bar in placed:
        for i, end in enumerate(ends):
            if bar[0] > end:
                lanes[i].append(bar)
                ends[i] = bar[1]
                break
        else:
            if len(lanes) < max_lanes:
                lanes.append([bar])
                ends.append(bar[1])
            else:
                hidden += 1
    return Week(monday, days, [row_cells(lane) for lane in lanes], hidden)


def month_weeks(first: dt.date, changes: list) -> list[Week]:
    """The weeks (Monday first) covering the month of ``first``, each with its bars."""
    monday = first - dt.timedelta(days=first.weekday())
    following = add_months(first, 1)
    weeks = []
    while monday < following:
        weeks.append(lay_out_week(monday, changes, month=first.month, max_lanes=MAX_LANES))
        monday += dt.timedelta(days=7)
    return weeks


def week_rows(monday: dt.date, changes: list) -> list[tuple[ChangeNotification, list[Cell]]]:
    """One row per change in the week from ``monday``: the change and its cells."""
    rows = []
    for change in changes:
        cols = _columns(change, monday)
        if cols is not None:
            rows.append((change, row_cells([(*cols, change)])))
    return rows


# Pages ------------------------------------------------------------------------------------------------------


def _base(request: HttpRequest, filters: Filters, view: str, **params: str) -> dict:
    """What every schedule page shows: the views, the filters (``keep``: the window's own parameters,
    kept when filtering) and the export of what is shown."""
    return {
        **pages.base_context(request, "schedule"),
        "filters": filters,
        "view": view,
        "views": [
            ("month", "Month", reverse("fsc")),
            ("week", "Week", reverse("fsc_week")),
            ("list", "List", reverse("fsc_list")),
        ],
        "keep": list(params.items()),
        "filter_query": filters.params(),
        "export_query": filters.params(**params),
        "weekdays": WEEKDAYS,
        "max_days": MAX_WINDOW_DAYS,
    }


#: The month view lists at most this many planned outages above the calendar (the list view has them all).
MAX_OUTAGES_LISTED = 25


def _outages(changes: list) -> list:
    return [c for c in changes if c.is_outage]


@login_required
@require_GET
def month_view(request: HttpRequest) -> HttpResponse:
    try:
        first = parse_month(request.GET.get("month"))
        filters = read_filters(request)
    except BadParam as exc:
        return bad_request(request, exc)
    grid_start = first - dt.timedelta(days=first.weekday())
    following = add_months(first, 1)
    grid_end = following + dt.timedelta(days=(7 - following.weekday()) % 7)
    changes, cut = _read(request, filters, midnight(grid_start), midnight(grid_end))
    in_month = [c for c in changes if c.last_day >= first and c.first_day < following]
    previous = add_months(first, -1)
    context = _base(request, filters, "month", month=f"{first:%Y-%m}")
    context.update(
        {
            "first": first,
            "weeks": month_weeks(first, changes),
            "outages": _outages(in_month)[:MAX_OUTAGES_LISTED],
            "outages_total": sum(1 for c in in_month if c.is_outage),
            "outages_more_url": _list_url_for_month(first, following, request),
            "count": len(in_month),
            "cut": cut,
            "month_param": f"{first:%Y-%m}",
            "month_label": f"{first:%B %Y}",
            "this_month": f"{today():%Y-%m}",
            "previous_label": f"{previous:%B}",
            "next_label": f"{following:%B}",
            "previous_query": filters.params(month=f"{previous:%Y-%m}"),
            "next_query": filters.params(month=f"{following:%Y-%m}"),
            "this_query": filters.params(month=f"{today():%Y-%m}"),
            "list_query": filters.params(
                **{"from": first.isoformat(), "to": (following - dt.timedelta(days=1)).isoformat()}
            ),
        }
    )
    return render(request, "changes/schedule/month.html", context)


@login_required
@require_GET
def week_view(request: HttpRequest) -> HttpResponse:
    try:
        monday = parse_week(request.GET.get("week"))
        filters = read_filters(request)
    except BadParam as exc:
        return bad_request(request, exc)
    sunday = monday + dt.timedelta(days=6)
    changes, cut = _read(request, filters, midnight(monday), midnight(monday + dt.timedelta(days=7)))
    this_day = today()
    this_week = this_day - dt.timedelta(days=this_day.weekday())
    context = _base(request, filters, "week", week=monday.isoformat())
    context.update(
        {
            "monday": monday,
            "sunday": sunday,
            "days": [Day(d, True, d == this_day) for d in (monday + dt.timedelta(days=i) for i in range(7))],
            "rows": week_rows(monday, changes),
            "outages": _outages(changes),
            "cut": cut,
            "this_week": this_week.isoformat(),
            "previous_query": filters.params(week=(monday - dt.timedelta(days=7)).isoformat()),
            "next_query": filters.params(week=(monday + dt.timedelta(days=7)).isoformat()),
            "this_query": filters.params(week=this_week.isoformat()),
            "month_query": filters.params(month=f"{monday:%Y-%m}"),
        }
    )
    return render(request, "changes/schedule/week.html", context)


def _listed(request: HttpRequest) -> tuple[Filters, dt.date, dt.date, QuerySet]:
    filters = read_filters(request)
    start, end = parse_range(request)
    qs = schedule_queryset(
        request.user,
        start=midnight(start),
        end=midnight(end + dt.timedelta(days=1)),
        service_ids=filters.service_ids,
        provider_id=filters.provider_id,
        pending=filters.pending,
    )
    return filters, start, end, qs


@login_required
@require_GET
def list_view(request: HttpRequest) -> HttpResponse:
    try:
        filters, start, end, qs = _listed(request)
    except BadParam as exc:
        return bad_request(request, exc)
    page = Paginator(qs.prefetch_related(SERVICES), LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    for change in page.object_list:
        change.pending = change.status in AWAITING_REVIEW
    window = {"from": start.isoformat(), "to": end.isoformat()}
    context = _base(request, filters, "list", **window)
    length = (end - start).days + 1
    context.update(
        {
            "page": page,
            "start": start,
            "end": end,
            "extra_qs": filters.params(**window),
            "previous_query": filters.params(
                **{
                    "from": (start - dt.timedelta(days=length)).isoformat(),
                    "to": (start - dt.timedelta(days=1)).isoformat(),
                }
            ),
            "next_query": filters.params(
                **{
                    "from": (end + dt.timedelta(days=1)).isoformat(),
                    "to": (end + dt.timedelta(days=length)).isoformat(),
                }
            ),
        }
    )
    return render(request, "changes/schedule/list.html", context)


def _services_text(change: ChangeNotification) -> str:
    return ", ".join(s.name for s in change.services.all())


COLUMNS = [
    export.Column("Reference", lambda c: c.reference),
    export.Column("Title", lambda c: c.title),
    export.Column("Type", lambda c: c.get_change_type_display()),
    export.Column("Status", lambda c: c.get_status_display()),
    export.Column("Provider", lambda c: c.provider.name),
    export.Column("Services", _services_text),
    export.Column("Outage", lambda c: c.is_outage),
    export.Column("Planned start ({zone})", lambda c: c.planned_start),
    export.Column("Planned end ({zone})", lambda c: c.planned_end),
    export.Column("Actual start ({zone})", lambda c: c.actual_start),
    export.Column("Actual end ({zone})", lambda c: c.actual_end),
    export.Column("Expected impact", lambda c: c.expected_impact),
]


def _export_window(request: HttpRequest) -> tuple[dt.date, dt.date] | None:
    """The month or week shown, when the export was asked for one (else the list's ``from``/``to``)."""
    if request.GET.get("month"):
        first = parse_month(request.GET.get("month"))
        return first, add_months(first, 1) - dt.timedelta(days=1)
    if request.GET.get("week"):
        monday = parse_week(request.GET.get("week"))
        return monday, monday + dt.timedelta(days=6)
    return None


@login_required
@require_GET
def export_view(request: HttpRequest) -> HttpResponse:
    """The schedule as filtered (the month, the week or the list's window), as CSV or XLSX."""
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    try:
        window = _export_window(request)
        if window is None:
            filters, start, end, qs = _listed(request)
        else:
            start, end = window
            filters = read_filters(request)
            qs = schedule_queryset(
                request.user,
                start=midnight(start),
                end=midnight(end + dt.timedelta(days=1)),
                service_ids=filters.service_ids,
                provider_id=filters.provider_id,
                pending=filters.pending,
            )
    except BadParam as exc:
        return HttpResponse(str(exc), status=400, content_type=TEXT)
    qs = qs.prefetch_related(SERVICES)
    return export.response(qs, COLUMNS, fmt=fmt, stem=f"schedule-of-change-{start:%Y%m%d}-{end:%Y%m%d}")


urlpatterns = [
    path("changes/schedule/", month_view, name="fsc"),
    path("changes/schedule/week/", week_view, name="fsc_week"),
    path("changes/schedule/list/", list_view, name="fsc_list"),
    path("changes/schedule/export/", export_view, name="fsc_export"),
]
