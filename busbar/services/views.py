"""Service catalogue pages. Reads through queries.py, writes through actions.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from busbar.audit.queries import timeline_for
from busbar.lib import slaclock
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import add_action_error, parse_id
from busbar.lib.postback import post_form
from busbar.parties.queries import organisations_visible_to, scope_for
from busbar.services import actions, permissions, status
from busbar.services.forms import (
    CalendarForm,
    ClosureForm,
    PolicyForm,
    SchemeForm,
    ServiceForm,
    ServiceStatusForm,
    TargetsForm,
)
from busbar.services.models import Calendar, CalendarClosure, Service, Severity, SlaPolicy, SlaTarget
from busbar.services.panels import board_panels_for, panels_for
from busbar.services.queries import (
    calendars_visible_to,
    policies_visible_to,
    schemes_visible_to,
    services_visible_to,
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# Opening hours, as people read them (also used by the API) ------------------------------------------------


@dataclass(frozen=True)
class DayHours:
    """One local (UK) date of a calendar: its opening hours, or why it is closed."""

    date: dt.date
    weekday: str
    hours: list[tuple[str, str]]
    note: str = ""

    @property
    def is_open(self) -> bool:
        return bool(self.hours)


def _shown_end(value: str) -> str:
    return "24:00" if value == "00:00" else value


def week_view(calendar: Calendar) -> list[tuple[str, list[tuple[str, str]]]]:
    """Monday to Sunday with each day's opening windows (an end of 24:00 is midnight)."""
    if calendar.kind == Calendar.Kind.ALWAYS:
        return [(name, [("00:00", "24:00")]) for name in WEEKDAYS]
    return [
        (name, [(a, _shown_end(b)) for a, b in calendar.weekly_hours.get(str(day), [])])
        for day, name in enumerate(WEEKDAYS)
    ]


def bank_holiday_names(years: set[int]) -> dict[dt.date, str]:
    """England & Wales bank holidays with their names (the list the SLA calendars close on)."""
    import holidays

    return dict(holidays.country_holidays("GB", subdiv="ENG", years=sorted(years)).items())


def opening_preview(calendar: Calendar, start: dt.date | None = None, days: int = 14) -> list[DayHours]:
    """The calendar's opening hours for ``days`` UK dates from ``start`` (today by default).

    Reads ``calendar.closures.all()``, so prefetch closures when previewing many calendars.
    """
    start = start or timezone.localdate()
    dates = [start + dt.timedelta(days=n) for n in range(days)]
    week = week_view(calendar)
    if calendar.kind == Calendar.Kind.ALWAYS:
        return [DayHours(d, week[d.weekday()][0], week[d.weekday()][1]) for d in dates]
    closures = {c.date: c.reason for c in calendar.closures.all()}
    holidays = bank_holiday_names({d.year for d in dates}) if calendar.bank_holidays else {}
    result = []
    for d in dates:
        name, hours = week[d.weekday()]
        if d in closures:
            result.append(DayHours(d, name, [], f"Closed: {closures[d] or 'closure'}"))
        elif d in holidays:
            result.append(DayHours(d, name, [], f"Bank holiday: {holidays[d]}"))
        elif not hours:
            result.append(DayHours(d, name, [], "Closed"))
        else:
            result.append(DayHours(d, name, hours))
    return result


# Shared ----------------------------------------------------------------------------------------------------

PAGE_SIZE = 50


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "core/forbidden.html", status=403)


def can_edit_catalogue(user: Any) -> bool:
    return permissions.can_change_catalogue(scope_for(user)) is None


def _show_error(form: forms.Form, exc: ActionError, fields: dict[str, str] | None = None) -> None:
    """Put an action's refusal on the form field it names (translating API-style names first)."""
    if exc.field and fields:
        for prefix, name in fields.items():
            if exc.field == prefix or exc.field.startswith(prefix + "."):
                exc = ActionError(exc.message, field=name)
                break
    add_action_error(form, exc)


def _day(value: dt.date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def _status(form: forms.Form) -> int:
    return 422 if form.errors else 200


@dataclass(frozen=True)
class TargetRow:
    severity: Severity
    response: SlaTarget | None
    resolution: SlaTarget | None

    @property
    def cells(self) -> list[tuple[SlaTarget | None, str]]:
        """(target, "1 working day"-style wording) for response then resolution."""
        return [
            (t, str(slaclock.Target(amount=t.amount, unit=t.unit)) if t else "")
            for t in (self.response, self.resolution)
        ]


def target_rows(policy: SlaPolicy) -> list[TargetRow]:
    """The policy's targets per severity of its scheme (uses prefetched targets and severities)."""
    targets = {(t.severity_id, t.clock): t for t in policy.targets.all()}
    return [
        TargetRow(
            s, targets.get((s.pk, SlaTarget.Clock.RESPONSE)), targets.get((s.pk, SlaTarget.Clock.RESOLUTION))
        )
        for s in policy.scheme.severities.all()
    ]


def _policies_with_targets(qs: QuerySet[SlaPolicy]) -> QuerySet[SlaPolicy]:
    return qs.prefetch_related(
        Prefetch("targets", queryset=SlaTarget.objects.select_related("calendar")),
        Prefetch("scheme__severities", queryset=Severity.objects.order_by("rank")),
    )


def _timeline(request: HttpRequest, obj: Any) -> Any:
    return timeline_for(obj).select_related("actor")[:100] if scope_for(request.user).is_central else None


# Service status -------------------------------------------------------------------------------------------


@login_required
def status_page(request: HttpRequest) -> HttpResponse:
    """Every active service with the status it is shown (its own, its live published major incidents and
    what reaches it from its parent and dependencies: :mod:`busbar.services.status`), provider, note and
    components: what participants check first."""
    services = services_visible_to(request.user).filter(is_active=True).order_by("name")
    board = status.board(request.user, services)
    context = {"board": board.rows, "affected": board.affected, "checked_at": timezone.now()}
    if request.htmx:
        return render(request, "services/_status_board.html", context)
    # Sections added by higher apps below the board (planned changes, recent history): services.panels.
    context["panels"] = board_panels_for(request)
    return render(request, "services/status.html", context)


# Services -------------------------------------------------------------------------------------------------


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    qs = services_visible_to(request.user)
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    provider = request.GET.get("provider", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q) | Q(description__icontains=q))
    if status in Service.Status.values:
        qs = qs.filter(status=status)
    if (provider_id := parse_id(provider)) is not None:
        qs = qs.filter(provider_id=provider_id)
    page = Paginator(qs.order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    providers = (
        organisations_visible_to(request.user).filter(services__isnull=False).distinct().order_by("name")
    )
    context = {
        "page": page,
        "q": q,
        "status": status,
        "provider": provider,
        "statuses": Service.Status.choices,
        "providers": providers,
        "extra_qs": urlencode({"status": status, "provider": provider}),
        "can_edit": can_edit_catalogue(request.user),
    }
    template = "services/_service_rows.html" if request.htmx else "services/service_list.html"
    return render(request, template, context)


def _visible_service(request: HttpRequest, slug: str) -> Service:
    return get_object_or_404(services_visible_to(request.user), slug=slug)


@login_required
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = _visible_service(request, slug)
    visible = services_visible_to(request.user).select_related("provider").order_by("name")
    policy = _policies_with_targets(policies_visible_to(request.user)).get(pk=service.sla_policy_id)
    can_edit = can_edit_catalogue(request.user)
    board = status.board(request.user, services_visible_to(request.user).filter(is_active=True))
    context = {
        "service": service,
        "entry": board.get(service.pk),
        "components": visible.filter(parent=service),
        "depends_on": visible.filter(dependants=service),
        "dependants": visible.filter(depends_on=service),
        "policy": policy,
        "rows": target_rows(policy),
        "can_edit": can_edit,
        "status_form": (
            ServiceStatusForm(initial={"status": service.status, "note": service.status_note})
            if can_edit
            else None
        ),
        "timeline": _timeline(request, service),
        "panels": panels_for(request, service),
    }
    return render(request, "services/service_detail.html", context)


def _service_submit(request: HttpRequest, form: ServiceForm, service: Service | None) -> Service | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    actor = Actor.from_request(request)
    common = {
        "name": data["name"],
        "slug": data["slug"],
        "description": data["description"],
        "provider": data["provider"],
        "calendar": data["calendar"],
        "parent": data["parent"],
        "depends_on": list(data["depends_on"]),
    }
    try:
        if service is None:
            return actions.create_service(actor=actor, sla_policy=data["sla_policy"], **common)
        return actions.update_service(
            actor=actor,
            service=service,
            sla_policy=data["sla_policy"] or service.sla_policy,
            is_active=data["is_active"],
            **common,
        )
    except ActionError as exc:
        _show_error(form, exc, {"depends_on": "depends_on"})
        return None


@login_required
def service_create(request: HttpRequest) -> HttpResponse:
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    form = ServiceForm(request.POST or None, user=request.user)
    if request.method == "POST":
        service = _service_submit(request, form, None)
        if service is not None:
            messages.success(request, f"{service} added to the catalogue.")
            return redirect("service_detail", slug=service.slug)
    return render(
        request, "services/service_form.html", {"form": form, "service": None}, status=_status(form)
    )


@login_required
def service_edit(request: HttpRequest, slug: str) -> HttpResponse:
    service = _visible_service(request, slug)
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    initial = {
        "name": service.name,
        "slug": service.slug,
        "description": service.description,
        "provider": service.provider_id,
        "calendar": service.calendar_id,
        "sla_policy": service.sla_policy_id,
        "parent": service.parent_id,
        "depends_on": list(service.depends_on.values_list("pk", flat=True)),
        "is_active": service.is_active,
    }
    form = ServiceForm(request.POST or None, initial=initial, user=request.user, service=service)
    if request.method == "POST":
        saved = _service_submit(request, form, service)
        if saved is not None:
            messages.success(request, f"{saved} saved.")
            return redirect("service_detail", slug=saved.slug)
    return render(
        request, "services/service_form.html", {"form": form, "service": service}, status=_status(form)
    )


@login_required
@require_POST
def service_set_status(request: HttpRequest, slug: str) -> HttpResponse:
    service = _visible_service(request, slug)
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    form = ServiceStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid status.")
        return redirect("service_detail", slug=service.slug)
    try:
        saved = actions.set_service_status(
            actor=Actor.from_request(request), service=service, **form.cleaned_data
        )
        messages.success(request, f"{saved} is now {saved.get_status_display().lower()}.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("service_detail", slug=service.slug)


# Calendars ------------------------------------------------------------------------------------------------


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    upcoming = CalendarClosure.objects.filter(date__gte=today).order_by("date")
    calendars = calendars_visible_to(request.user).prefetch_related(
        Prefetch("closures", queryset=upcoming, to_attr="upcoming")
    )
    rows = [(cal, week_view(cal)) for cal in calendars.order_by("name")]
    context = {"rows": rows, "weekdays": WEEKDAYS, "can_edit": can_edit_catalogue(request.user)}
    return render(request, "services/calendar_list.html", context)


def _visible_calendar(request: HttpRequest, pk: int) -> Calendar:
    return get_object_or_404(calendars_visible_to(request.user).prefetch_related("closures"), pk=pk)


def _calendar_context(
    request: HttpRequest, calendar: Calendar, closure_form: ClosureForm | None = None
) -> dict:
    can_edit = can_edit_catalogue(request.user)
    return {
        "calendar": calendar,
        "week": week_view(calendar),
        "preview": opening_preview(calendar),
        "closures": list(calendar.closures.all()),
        "can_edit": can_edit,
        "closure_form": (closure_form or ClosureForm()) if can_edit else None,
        "timeline": _timeline(request, calendar),
        "used_by": services_visible_to(request.user).filter(calendar=calendar).order_by("name"),
    }


@login_required
def calendar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _visible_calendar(request, pk)
    return render(request, "services/calendar_detail.html", _calendar_context(request, calendar))


def _calendar_submit(request: HttpRequest, form: CalendarForm, calendar: Calendar | None) -> Calendar | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    always = data["kind"] == Calendar.Kind.ALWAYS
    kwargs = {
        "name": data["name"],
        "kind": data["kind"],
        "weekly_hours": {} if always else form.weekly_hours(),
        "bank_holidays": False if always else data["bank_holidays"],
    }
    try:
        if calendar is None:
            return actions.create_calendar(actor=Actor.from_request(request), **kwargs)
        return actions.update_calendar(actor=Actor.from_request(request), calendar=calendar, **kwargs)
    except ActionError as exc:
        days = {f"weekly_hours.{day}": f"hours_{day}" for day in range(7)}
        _show_error(form, exc, {**days, "weekly_hours": "hours_0"})
        return None


@login_required
def calendar_create(request: HttpRequest) -> HttpResponse:
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    initial = {"kind": Calendar.Kind.WORKING_HOURS, "bank_holidays": True}
    initial.update({f"hours_{day}": "08:00-18:00" for day in range(5)})
    form = CalendarForm(request.POST or None, initial=initial)
    if request.method == "POST":
        calendar = _calendar_submit(request, form, None)
        if calendar is not None:
            messages.success(request, f"Calendar {calendar} created.")
            return redirect("calendar_detail", pk=calendar.pk)
    return render(
        request, "services/calendar_form.html", {"form": form, "calendar": None}, status=_status(form)
    )


@login_required
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _visible_calendar(request, pk)
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    form = CalendarForm(request.POST or None, initial=CalendarForm.initial_for(calendar))
    if request.method == "POST":
        saved = _calendar_submit(request, form, calendar)
        if saved is not None:
            messages.success(request, f"Calendar {saved} saved.")
            return redirect("calendar_detail", pk=saved.pk)
    context = {"form": form, "calendar": calendar}
    return render(request, "services/calendar_form.html", context, status=_status(form))


@login_required
@post_form(lambda pk: reverse("calendar_detail", args=[pk]))
def closure_add(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = _visible_calendar(request, pk)
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            closure = actions.add_closure(
                actor=Actor.from_request(request), calendar=calendar, **form.cleaned_data
            )
            messages.success(request, f"{calendar} is closed on {_day(closure.date)}.")
            return redirect("calendar_detail", pk=calendar.pk)
        except ActionError as exc:
            add_action_error(form, exc)
    calendar = _visible_calendar(request, pk)
    return render(
        request, "services/calendar_detail.html", _calendar_context(request, calendar, form), status=422
    )


@login_required
@require_POST
def closure_remove(request: HttpRequest, pk: int, closure_pk: int) -> HttpResponse:
    calendar = _visible_calendar(request, pk)
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    closure = get_object_or_404(calendar.closures.all(), pk=closure_pk)
    try:
        actions.remove_closure(actor=Actor.from_request(request), closure=closure)
        messages.success(request, f"The closure on {_day(closure.date)} is removed.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("calendar_detail", pk=calendar.pk)


# SLA policies and severity schemes ------------------------------------------------------------------------


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    policies = _policies_with_targets(policies_visible_to(request.user)).annotate(
        service_count=Count("services", distinct=True)
    )
    schemes = schemes_visible_to(request.user).prefetch_related(
        Prefetch("severities", queryset=Severity.objects.order_by("rank"))
    )
    context = {
        "policies": [(p, target_rows(p)) for p in policies.order_by("name")],
        "schemes": schemes.order_by("name"),
        "can_edit": can_edit_catalogue(request.user),
    }
    return render(request, "services/policy_list.html", context)


def _visible_policy(request: HttpRequest, pk: int) -> SlaPolicy:
    return get_object_or_404(_policies_with_targets(policies_visible_to(request.user)), pk=pk)


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _visible_policy(request, pk)
    context = {
        "policy": policy,
        "rows": target_rows(policy),
        "services": services_visible_to(request.user).filter(sla_policy=policy).order_by("name"),
        "can_edit": can_edit_catalogue(request.user),
        "timeline": _timeline(request, policy),
    }
    return render(request, "services/policy_detail.html", context)


@login_required
def policy_create(request: HttpRequest) -> HttpResponse:
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    form = PolicyForm(request.POST or None, schemes=schemes_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            policy = actions.create_sla_policy(actor=Actor.from_request(request), **form.cleaned_data)
            messages.success(request, f"Policy {policy} created. Now set its targets.")
            return redirect("sla_policy_targets", pk=policy.pk)
        except ActionError as exc:
            add_action_error(form, exc)
    return render(request, "services/policy_form.html", {"form": form, "policy": None}, status=_status(form))


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _visible_policy(request, pk)
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    initial = {"name": policy.name, "warning_ratio": policy.warning_ratio, "is_default": policy.is_default}
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_sla_policy(actor=Actor.from_request(request), policy=policy, **form.cleaned_data)
            messages.success(request, f"Policy {form.cleaned_data['name']} saved.")
            return redirect("sla_policy_detail", pk=policy.pk)
        except ActionError as exc:
            add_action_error(form, exc)
    return render(
        request, "services/policy_form.html", {"form": form, "policy": policy}, status=_status(form)
    )


@login_required
def policy_targets(request: HttpRequest, pk: int) -> HttpResponse:
    policy = _visible_policy(request, pk)
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    form = TargetsForm(request.POST or None, policy=policy, user=request.user)
    if request.method == "POST" and form.is_valid():
        specs = form.specs()
        try:
            actions.set_targets(actor=Actor.from_request(request), policy=policy, targets=specs)
            messages.success(request, f"Targets of {policy} saved.")
            return redirect("sla_policy_detail", pk=policy.pk)
        except ActionError as exc:
            names = {f"targets.{i}": f"{key}_amount" for i, key in enumerate(form.spec_keys)}
            for i, key in enumerate(form.spec_keys):
                for part in ("unit", "calendar", "amount"):
                    names[f"targets.{i}.{part}"] = f"{key}_{part}"
            field = names.get(exc.field or "")
            add_action_error(form, ActionError(exc.message, field=field))
    context = {"form": form, "policy": policy, "table": form.table()}
    return render(request, "services/policy_targets.html", context, status=_status(form))


@login_required
def scheme_create(request: HttpRequest) -> HttpResponse:
    if not can_edit_catalogue(request.user):
        return _forbidden(request)
    form = SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheme = actions.create_severity_scheme(actor=Actor.from_request(request), **form.cleaned_data)
            messages.success(request, f"Severity scheme {scheme} created. Give it an SLA policy next.")
            return redirect("sla_policy_list")
        except ActionError as exc:
            _show_error(form, exc, {"severities": "severities"})
    return render(request, "services/scheme_form.html", {"form": form}, status=_status(form))
