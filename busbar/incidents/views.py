"""The incident screens: list and queues, raise, the incident page with its actions, major incidents.

Reads go through queries.py (a record outside ``visible_to`` is a 404); every change is one call of the
matching action in actions.py, whose refusal is shown on the form field it names.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from busbar.accounts.queries import saved_filters
from busbar.incidents import actions, lists, permissions, queries, sla
from busbar.incidents.actions.bulk import MAX_BULK
from busbar.incidents.forms import (
    PAGE_FORMS,
    BulkForm,
    FilterForm,
    PageForm,
    RaiseForm,
    bulk_severities,
    files_for_action,
    provider_organisations,
)
from busbar.incidents.major_confirmation import opens_major, told_on_raise
from busbar.incidents.models import Incident, MajorIncident
from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, parse_id, run_action_form
from busbar.lib.keyset import count_or_estimate
from busbar.lib.limits import SHORT_TEXT, TEXT_MAX
from busbar.lib.listing import Sorting
from busbar.lib.postback import post_form
from busbar.parties.canned_picker import picker as canned_picker
from busbar.parties.queries import Scope, scope_for
from busbar.records import queries as record_queries
from busbar.records import registry as record_registry
from busbar.services.queries import services_visible_to

if TYPE_CHECKING:
    from busbar.accounts.models import User

PAGE_SIZE = 50
SOON = dt.timedelta(hours=2)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "core/forbidden.html", status=403)


def _show_error(form: Form, exc: ActionError) -> None:
    """The action's refusal on the field it names; ``attachments[2]`` is shown on ``attachments``."""
    if exc.field and exc.field.startswith("attachments[") and "attachments" in form.fields:
        exc = copy.copy(exc)
        exc.field = "attachments"
    add_action_error(form, exc)


def _form_field(name: str) -> str:
    """An action's ``attachments[2]`` is the form's ``attachments``."""
    return "attachments" if name.startswith("attachments[") else name


def _error_status(exc: ActionError) -> int:
    return 403 if isinstance(exc, NotPermitted) else 422


# SLA clocks as shown ----------


def duration(td: dt.timedelta) -> str:
    """A working-time span for people: "45 min", "3 h 10 min", "4 d 2 h"."""
    minutes = round(abs(td).total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days >= 2:
        parts.append(f"{days} d")
    else:
        hours += days * 24
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)


STATUS_LABELS = {
    "met": "Met",
    "breached": "Breached",
    "paused": "Paused",
    "warning": "Warning",
    "running": "Running",
}
STATUS_BADGES = {"met": "ok", "breached": "bad", "paused": "warn", "warning": "warn", "running": ""}


@dataclass(frozen=True)
class ClockView:
    """One SLA clock, worded for the page."""

    name: str
    label: str
    target: str
    calendar: str
    status: str
    status_label: str
    badge: str
    elapsed: str
    remaining: str
    overdue: bool
    due_at: dt.datetime | None
    stopped_at: dt.datetime | None
    breached_at: dt.datetime | None
    percent: int
    bar: int

    @classmethod
    def of(cls, clock: sla.Clock) -> ClockView:
        s = clock.state
        overdue = s.remaining < dt.timedelta(0)
        if overdue:
            remaining = f"overdue by {duration(s.remaining)}"
        elif s.stopped:
            remaining = f"met with {duration(s.remaining)} to spare"
        else:
            remaining = f"{duration(s.remaining)} left"
        percent = int(round(s.percent))
        return cls(
            name=clock.name,
            label=clock.name.capitalize(),
            target=clock.target_label,
            calendar=clock.calendar_name,
            status=clock.status,
            status_label=STATUS_LABELS[clock.status],
            badge=STATUS_BADGES[clock.status],
            elapsed=duration(s.elapsed),
            remaining=remaining,
            overdue=overdue,
            due_at=s.due_at,
            stopped_at=s.stopped_at,
            breached_at=s.breached_at,
            percent=percent,
            bar=max(0, min(100, percent)),
        )


def clock_views(incident: Incident, now: dt.datetime | None = None) -> list[ClockView]:
    return [ClockView.of(c) for c in sla.clocks_for(incident, now)]


@dataclass(frozen=True)
class RowSla:
    """The one-cell SLA summary of a list row."""

    label: str
    badge: str
    due_at: dt.datetime | None = None


def row_sla(incident: Incident, now: dt.datetime) -> RowSla:
    """The row's SLA cell from the record's stored SLA columns (kept equal to the clocks' derivation by
    every action and the scan), so a list reads no clock events. A due time already passed reads as
    breached before the scan records the breach; a warning shows once the scan has raised it."""
    record = incident.record
    running = [d for d in (record.response_due_at, record.resolution_due_at) if d is not None]
    if record.response_breached or record.resolution_breached or any(d < now for d in running):
        return RowSla("Breached", "bad", min(running) if running else None)
    if running:
        warned = (
            record.response_due_at is not None
            and record.sla_notified & sla.NOTICE_BITS[("response", "warning")]
        ) or (
            record.resolution_due_at is not None
            and record.sla_notified & sla.NOTICE_BITS[("resolution", "warning")]
        )
        return RowSla("Warning" if warned else "Due", "warn" if warned else "", min(running))
    if record.sla_paused:
        return RowSla("Paused", "warn")
    if incident.is_open:
        return RowSla("—", "")  # open with no clock running: its service has no target for it
    return RowSla("Met", "ok")


# Who may do what on the page ----------


@dataclass(frozen=True)
class Role:
    """The viewer's relation to one incident, for the page's wording (busbar.incidents.permissions decides
    what is offered, and the actions decide again)."""

    scope: Scope
    desk: bool
    provider: bool
    raiser: bool
    internal: bool
    central: bool

    @classmethod
    def of(cls, scope: Scope, incident: Incident) -> Role:
        return cls(
            scope=scope,
            desk=permissions.is_desk(scope),
            provider=permissions.is_provider(scope, incident),
            raiser=permissions.is_raiser(scope, incident),
            internal=queries.in_audience(scope, queries.INTERNAL, incident),
            central=scope.is_central,
        )

    @property
    def worker(self) -> bool:
        return self.desk or self.provider

    @property
    def follows(self) -> bool:
        """Takes part (raised it, works it, or is central) rather than only seeing it published."""
        return self.raiser or self.internal


def available_verbs(role: Role, incident: Incident) -> list[str]:
    return permissions.available(role.scope, incident)


def _major_of(incident: Incident) -> MajorIncident | None:
    try:
        return incident.major
    except MajorIncident.DoesNotExist:
        return None


# The forms of the incident page ----------

#: Shown in the "Actions" area, in this order; reply, link and the major-incident forms have their own place.
STATUS_VERBS = [
    "triage",
    "assign",
    "start",
    "pending",
    "resolve",
    "close",
    "reopen",
    "cancel",
    "affected-too",
    "major-declare",
]
MAJOR_VERBS = ["major-communicate", "major-interval", "major-manager", "major-review"]


def _make_form(
    verb: str, request: HttpRequest, incident: Incident, role: Role, bound: bool = False
) -> PageForm:
    kw: dict = {
        "prefix": verb,
        "incident": incident,
        "user": request.user,
        "desk": role.desk,
        "worker": role.worker,
    }
    if bound:
        kw.update(data=request.POST, files=request.FILES)
    return PAGE_FORMS[verb](**kw)


# Reading ----------


def _incident_or_404(request: HttpRequest, reference: str) -> Incident:
    qs = sla.with_clock_data(queries.visible_to(request.user)).select_related(
        "raised_by", "major", "major__manager", "service__provider"
    )
    qs = record_queries.with_watching(qs, request.user)
    return get_object_or_404(qs, reference=reference)


def _timeline(user, incident: Incident) -> list | None:
    """The audit timeline of the page: the same rule as the API's (queries.timeline_visible_to)."""
    return queries.timeline_visible_to(user, incident)


def _conversation(user, incident: Incident) -> tuple[list, list]:
    """The updates shown, each with ``shown_label`` and ``shown_organisation`` as the viewer may see them,
    and the attachments not on an update (two queries in all)."""
    updates, attachments = record_queries.conversation_visible_to(user, incident)
    for u in updates:
        u.shown_label, u.shown_organisation = queries.author_shown(user, incident, u)
    return updates, [a for a in attachments if a.entry_id is None]


def _suggestions(user, incident: Incident) -> list:
    """Known problems on the incident's service, not yet linked to it, while it is open."""
    if not incident.is_open:
        return []
    return record_registry.suggestions("incident", user, service=incident.service, obj=incident)


def _panel(verb: str, form: PageForm, incident: Incident) -> dict:
    return {"verb": verb, "form": form, "url": reverse("incident_action", args=[incident.reference, verb])}


def _detail_context(
    request: HttpRequest, incident: Incident, bound: dict[str, PageForm] | None = None
) -> dict:
    user = request.user
    scope = scope_for(user)
    role = Role.of(scope, incident)
    now = timezone.now()
    verbs = available_verbs(role, incident)
    forms = {verb: _make_form(verb, request, incident, role) for verb in verbs}
    forms.update(bound or {})
    major = _major_of(incident)
    updates, attachments = _conversation(user, incident)
    return {
        "incident": incident,
        "role": role,
        "clocks": clock_views(incident, now),
        "now": now,
        "updates": updates,
        "attachments": attachments,
        "links": record_queries.links_visible_to(user, incident),
        "watch": {"reference": incident.reference, "watching": record_queries.is_watching(user, incident)},
        "suggestions": _suggestions(user, incident),
        # Parts of the page other apps contribute (e.g. triage scripts for the desk).
        "page_panels": record_registry.page_panels("incident", request, incident),
        "reply_form": forms.get("reply") and _panel("reply", forms["reply"], incident),
        # Canned responses of the viewer's organisation (desk, provider), inserted with ?canned=<id>.
        "canned_picker": canned_picker(request, None if bound and "reply" in bound else forms.get("reply")),
        "link_form": forms.get("link") and _panel("link", forms["link"], incident),
        "panels": [_panel(v, forms[v], incident) for v in STATUS_VERBS if v in forms],
        "major": major,
        "major_overdue": bool(major and major.next_update_due_at and major.next_update_due_at < now),
        "communications": list(major.communications.select_related("sent_by")) if major else [],
        "major_panels": [_panel(v, forms[v], incident) for v in MAJOR_VERBS if v in forms],
        "timeline": _timeline(user, incident) if role.follows else None,
        # Provider organisation for everyone; the person only as queries.resolver_shown allows.
        "resolver": queries.resolver_shown(user, incident),
    }


@login_required
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident_or_404(request, reference)
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


def _repost(form: Form) -> list[tuple[str, str]]:
    """What was posted for ``form``'s fields (not its ``confirm``): the confirmation page posts it again."""
    names = {form.add_prefix(name) for name in form.fields} - {form.add_prefix("confirm")}
    return [(name, value) for name in form.data if name in names for value in form.data.getlist(name)]


@login_required
@post_form(lambda reference, verb: reverse("incident_detail", args=[reference]) + f"#do-{verb}")
def incident_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    """Every form of the incident page posts here: one action call, or the page again with the error."""
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    incident = _incident_or_404(request, reference)
    if verb.startswith("major-") and verb != "major-declare" and _major_of(incident) is None:
        raise Http404("Not a major incident")
    role = Role.of(scope_for(request.user), incident)
    form = _make_form(verb, request, incident, role, bound=True)
    if (
        hasattr(type(form), "needs_confirmation")
        and verb in available_verbs(role, incident)
        and form.is_valid()
        and form.needs_confirmation
    ):
        # A change that cannot be taken back (opening a major incident — declaring it, or a major severity at
        # triage — publishes it to every participant): first who will be told, and a button that confirms.
        return render(
            request,
            "incidents/confirm_action.html",
            {
                "incident": incident,
                "form": form,
                "verb": verb,
                "summary": form.confirmation(),
                "repost": _repost(form),
            },
        )
    message, status = run_action_form(form, Actor.from_request(request), field_of=_form_field)
    if message is not None:
        messages.success(request, message)
        return redirect("incident_detail", reference=incident.reference)
    # Nothing was written (the action's transaction rolled back): show the page as it stands, with the form
    # and its errors if the page offers that form to this person, else the refusal as a message.
    incident = _incident_or_404(request, reference)
    if verb in available_verbs(Role.of(scope_for(request.user), incident), incident):
        context = _detail_context(request, incident, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, incident)
    return render(request, "incidents/incident_detail.html", context, status=status)


@login_required
def attachment_download(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    incident = get_object_or_404(queries.visible_to(request.user), reference=reference)
    attachment = get_object_or_404(queries.attachments_visible_to(request.user, incident), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )


# Raising ----------


def _raise_form(request: HttpRequest, *args: object, **kwargs: object) -> RaiseForm:
    scope = scope_for(request.user)
    return RaiseForm(
        *args,
        services=services_visible_to(request.user),
        desk=scope.is_desk,
        own_organisations=[m.organisation for m in scope.memberships],
        **kwargs,
    )


@login_required
def severity_field(request: HttpRequest) -> HttpResponse:
    """The raise form's severity levels for the service chosen (``?service=<id>``): the HTMX refresh when
    the service changes. A service the person may not raise against offers no levels."""
    form = _raise_form(request, initial={"service": request.GET.get("service", "")})
    return render(request, "incidents/_severity_field.html", {"form": form})


@login_required
def incident_create(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if request.method == "POST" and request.POST.get("refresh") == "severity":
        # Without JavaScript: show the chosen service's severities, keeping what was typed (not files).
        form = _raise_form(request, initial=request.POST.dict())
        return render(
            request,
            "incidents/incident_form.html",
            {"form": form, "desk": scope.is_desk, "suggestions": [], "obj": None},
        )
    form = _raise_form(request, request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            if not data["confirm"] and opens_major(severity=data["severity"], desk=scope.is_desk):
                # The desk's major severity opens a major incident, published to every participant: first
                # who will be told, and a button that confirms.
                organisation = data.get("organisation") or Actor.from_request(request).organisation
                return render(
                    request,
                    "incidents/confirm_raise.html",
                    {
                        "form": form,
                        "summary": told_on_raise(organisation=organisation, impact=data["impact"]),
                        "repost": _repost(form),
                        "had_files": bool(data["attachments"]),
                    },
                )
            try:
                incident = actions.raise_incident(
                    actor=Actor.from_request(request),
                    service=data["service"],
                    summary=data["summary"],
                    description=data["description"],
                    severity=data["severity"],
                    impact=data["impact"],
                    organisation=data.get("organisation"),
                    contact_name=data.get("contact_name", ""),
                    channel=data.get("channel") or None,
                    attachments=files_for_action(data["attachments"]),
                )
            except ActionError as exc:
                _show_error(form, exc)
                status = _error_status(exc)
            else:
                messages.success(request, f"{incident.reference} raised. The service desk has been told.")
                return redirect("incident_detail", reference=incident.reference)
    # Known problems on the chosen service and articles matching the summary: also without JavaScript,
    # once posted.
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    service, text = data.get("service"), data.get("summary", "")
    suggestions = (
        record_registry.suggestions("incident", request.user, service=service, text=text)
        if service or text
        else []
    )
    return render(
        request,
        "incidents/incident_form.html",
        {"form": form, "desk": scope.is_desk, "suggestions": suggestions, "obj": None},
        status=status,
    )


# The list and the queues ----------


@dataclass
class Queue:
    key: str
    label: str
    count: int | None = None
    url: str = ""


@dataclass
class ListView:
    """Which queues a viewer has and which is the default."""

    queues: list[Queue] = field(default_factory=list)
    default: str = "all"
    bulk: bool = False
    internal: bool = False


def _list_view(scope: Scope) -> ListView:
    if scope.is_central:
        return ListView(
            queues=[
                Queue("open", "All open"),
                Queue("unassigned", "Unassigned"),
                Queue("soon", "Breaching soon"),
                Queue("breached", "Breached"),
                Queue("providers", "By provider"),
                Queue("all", "Everything"),
            ],
            default="open",
            bulk=scope.is_desk,
            internal=True,
        )
    if scope.is_resolver:
        return ListView(
            queues=[Queue("mine", "Our queue"), Queue("all", "All we can see")], default="mine", internal=True
        )
    return ListView(
        queues=[
            Queue("ours", "Our incidents"),
            Queue("published", "Service-affecting"),
            Queue("all", "All we can see"),
        ],
        default="ours",
    )


def _ours_q(scope: Scope) -> Q:
    """Raised by the viewer's organisation, or listing it as affected."""
    affected = Incident.affected.through.objects.filter(
        incident_id=OuterRef("pk"), organisation_id__in=scope.organisation_ids
    )
    return Q(organisation_id__in=scope.organisation_ids) | Q(Exists(affected))


def _queue_q(key: str, scope: Scope) -> Q:
    """The one definition of each queue, as a condition (the rows and the tab counts both use it)."""
    if key == "open":
        return queries.OPEN_Q
    if key == "unassigned":
        return queries.OPEN_Q & Q(provider__isnull=True)
    if key == "soon":
        return queries.breaching_soon_q(SOON)
    if key == "breached":
        return queries.OPEN_Q & queries.BREACHED_Q
    if key == "mine":
        return queries.OPEN_Q & Q(provider_id__in=scope.resolver_for)
    if key == "ours":
        return _ours_q(scope)
    if key == "published":
        return queries.OPEN_Q & Q(is_published=True)
    return Q()


#: Queues whose incidents are all open: their counts read only the open incidents (the status index).
_OPEN_QUEUES = {"open", "unassigned", "soon", "breached", "mine", "published"}


def _apply_queue(qs: QuerySet[Incident], key: str, scope: Scope) -> QuerySet[Incident]:
    return qs.filter(_queue_q(key, scope))


def _order(qs: QuerySet[Incident], key: str) -> QuerySet[Incident]:
    if key in ("soon", "breached", "mine"):
        from django.db.models import F

        return qs.order_by(F("record__resolution_due_at").asc(nulls_last=True), "-created_at", "-id")
    return qs.order_by("-created_at", "-id")


def _filtered(qs: QuerySet[Incident], form: FilterForm, user: User) -> QuerySet[Incident]:
    status = form.value("status")
    if status == "open":
        qs = queries.open_incidents(qs)
    elif status:
        qs = qs.filter(status=status)
    for name in ("severity", "service"):
        value = form.value(name)
        if value is not None:
            qs = qs.filter(**{name: value})
    provider = form.value("provider")
    if provider is not None:
        qs = queries.filter_on_field(qs, user, "provider", provider=provider)
    if form.value("published"):
        qs = qs.filter(is_published=True)
    text = form.value("q") or ""
    return queries.search(qs, text, user) if text else qs


def _counts(qs: QuerySet[Incident], view: ListView, scope: Scope) -> None:
    """The count on each queue tab except 'all' and 'providers': one query for all of them (conditional
    counts over the visible incidents; over the open ones only when every counted queue is of open
    incidents, as the desk's are, so the status index bounds the scan by the open work, not the history).
    """
    counted = [q for q in view.queues if q.key not in ("all", "providers")]
    if not counted:
        return
    if all(q.key in _OPEN_QUEUES for q in counted):
        qs = qs.filter(queries.OPEN_Q)
    totals = qs.aggregate(**{f"n_{q.key}": Count("pk", filter=_queue_q(q.key, scope)) for q in counted})
    for queue in counted:
        queue.count = totals[f"n_{queue.key}"]


def _provider_counts(qs: QuerySet[Incident]) -> list[dict]:
    horizon = timezone.now() + SOON
    return list(
        queries.open_incidents(qs)
        .values("provider_id", "provider__name")
        .annotate(
            total=Count("pk"),
            breached=Count(
                "pk", filter=Q(record__resolution_breached=True) | Q(record__response_breached=True)
            ),
            soon=Count(
                "pk",
                filter=(
                    Q(record__resolution_due_at__lte=horizon, record__resolution_breached=False)
                    | Q(record__response_due_at__lte=horizon, record__response_breached=False)
                ),
            ),
        )
        .order_by("provider__name")
    )


@dataclass
class ListQuery:
    """What one request to the incident list asks for: the viewer's queues, the queue, the filters, the
    sort, and the rows (visible to the viewer, filtered and ordered), for the page and for its export."""

    view: ListView
    queue: str
    form: FilterForm
    base: QuerySet[Incident]
    sort: str | None
    sorting: Sorting
    providers: list | None
    severities: list
    filters: dict[str, str]

    @property
    def text(self) -> str:
        return str(self.form.value("q") or "").strip()

    @property
    def ranked(self) -> bool:
        """A search with no column sort: best first (the typed reference, then by relevance)."""
        return bool(self.text) and self.sort is None

    def rows(self, scope: Scope, user: User) -> QuerySet[Incident]:
        qs = _filtered(_apply_queue(self.base, self.queue, scope), self.form, user)
        return self.sorting.apply(qs, self.sort) if self.sort else _order(qs, self.queue)


def _list_query(request: HttpRequest, scope: Scope, params: QueryDict | None = None) -> ListQuery:
    """The list as ``params`` (default: the request's query) asks for it."""
    user = request.user
    params = request.GET if params is None else params
    view = _list_view(scope)
    keys = [q.key for q in view.queues]
    queue = params.get("queue") or view.default
    if queue not in keys:
        queue = view.default
    if params.get("published") == "1" and "queue" not in params:
        queue = "all"  # /incidents/?published=1 shows every published incident the viewer can see
    providers = list(provider_organisations()) if view.internal else None  # one read for both forms
    severities = list(bulk_severities())  # one read for the filter and the bulk form
    form = FilterForm(
        params,
        services=services_visible_to(user),
        show_provider=view.internal,
        providers=providers,
        severities=severities,
    )
    sorting = lists.sorting_for(scope)
    filters = {k: v[:SHORT_TEXT] for k, v in params.items() if k not in ("page", "queue", "format") and v}
    return ListQuery(
        view=view,
        queue=queue,
        form=form,
        base=queries.visible_to(user),
        sort=sorting.valid(params.get("sort")),
        sorting=sorting,
        providers=providers,
        severities=severities,
        filters=filters,
    )


class _RankedRows:
    """A ranked search's keys as the paginator's object list: a page loads just its own rows."""

    def __init__(self, pks: list[int]) -> None:
        self.pks = pks

    def __len__(self) -> int:
        return len(self.pks)

    def __getitem__(self, index: slice) -> list[Incident]:
        keys = self.pks[index]
        found = {i.pk: i for i in Incident.objects.filter(pk__in=keys).select_related(*_ROW_RELATIONS)}
        return [found[pk] for pk in keys if pk in found]


_ROW_RELATIONS = ("record", "service", "severity", "organisation", "provider", "assignee")


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    scope = scope_for(user)
    lq = _list_query(request, scope)
    view, queue, form, base, filters = lq.view, lq.queue, lq.form, lq.base, lq.filters
    providers = lq.providers
    _counts(base, view, scope)
    for q in view.queues:
        q.url = "?" + urlencode({"queue": q.key, **filters})
    context: dict = {"view": view, "queue": queue, "form": form, "q": "", "now": timezone.now()}
    if queue == "providers":
        context["providers"] = _provider_counts(_filtered(base, form, user))
        page = None
    else:
        qs = lq.rows(scope, user)
        if lq.ranked:
            from busbar.incidents import search

            hits, capped = search.ranked_hits(qs, lq.text)
            paginator = Paginator(_RankedRows(hits), PAGE_SIZE)
            estimate = capped
        else:
            paginator = Paginator(qs, PAGE_SIZE)
            # The tab already counted this queue; otherwise exact when cheap, else an estimate said as such.
            narrowed = {k for k in filters if k != "sort"}
            known = None if narrowed else next((q.count for q in view.queues if q.key == queue), None)
            paginator.count, estimate = (known, False) if known is not None else count_or_estimate(qs)
        page = paginator.get_page(request.GET.get("page"))
        page.count_is_estimate = estimate
        now = timezone.now()
        page.object_list = [(i, row_sla(i, now)) for i in page.object_list]
        for i, _ in page.object_list:
            # Who raised it, its provider and assignee: for central roles, and a provider on its own rows.
            i.shows_parties = queries.sees_internal(user, i)
    context["page"] = page
    context["extra_qs"] = urlencode({"queue": queue, **filters})
    context["export_qs"] = urlencode({"queue": queue, **filters})
    context["headers"] = lq.sorting.headers({"queue": queue, **filters}, current=lq.sort)
    context["sort"] = lq.sort
    context["bulk"] = (
        BulkForm(auto_id="bulk_%s", providers=providers, severities=lq.severities) if view.bulk else None
    )
    context["bulk_form"] = context["bulk"]
    context["bulk_max"] = MAX_BULK
    context["here"] = request.get_full_path()
    context["saved_filters"] = saved_filters(user, LIST_KEY)
    context["list_key"] = LIST_KEY
    context["filter_query"] = urlencode({"queue": queue, **filters})
    if request.htmx and request.htmx.target == "rows":
        context["oob_tools"] = True  # the saved filters' and exports' links follow the new filter
        return render(request, "incidents/_list_rows.html", context)
    return render(request, "incidents/incident_list.html", context)


#: The key of the incident list among saved filters.
LIST_KEY = "incident_list"


@login_required
def incident_export(request: HttpRequest) -> HttpResponse:
    """The list as filtered and sorted, as CSV or XLSX (``?format=``): the viewer's rows, the viewer's
    fields (:mod:`busbar.incidents.lists`), streamed in constant memory."""
    scope = scope_for(request.user)
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    lq = _list_query(request, scope)
    if lq.queue == "providers":
        lq.queue = "open"
    rows = lists.export_rows(lq.rows(scope, request.user))
    return export.response(rows, lists.export_columns(scope), fmt=fmt, stem="incidents")


def _back(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        back = ""
    return back or reverse("incident_list")


#: What each bulk action says it did, and did not.
_BULK_SAID = {
    "assign": ("Assigned to {target}", "Not assigned"),
    "severity": ("Severity set to {target}", "Not changed"),
    "note": ("Note added to", "No note added to"),
}


def _bulk_targets(request: HttpRequest, scope: Scope) -> tuple[list[Incident], int] | str:
    """The incidents a bulk request names and how many named ones were not found; or what is wrong.

    Ticked rows (``incident``), or with ``select_all`` every incident matching the list's filter
    (``filter``: the list's query string, read exactly as the list reads it), at most ``MAX_BULK``."""
    visible = queries.visible_to(request.user)
    if request.POST.get("select_all"):
        params = QueryDict(request.POST.get("filter", "")[:2000])
        rows = _list_query(request, scope, params).rows(scope, request.user).order_by()
        pks = list(rows.values_list("pk", flat=True)[: MAX_BULK + 1])
        if len(pks) > MAX_BULK:
            return f"More than {MAX_BULK:,} incidents match this filter: narrow it to act on them at once."
        return list(visible.filter(pk__in=pks).order_by("reference")), 0
    ids = {pk for pk in map(parse_id, request.POST.getlist("incident")[: MAX_BULK + 1]) if pk is not None}
    if not ids:
        return "Tick the incidents to change."
    if len(ids) > MAX_BULK:
        return f"At most {MAX_BULK:,} incidents at once."
    incidents = list(visible.filter(pk__in=ids).order_by("reference"))
    return incidents, len(ids) - len(incidents)


@login_required
@require_POST
def bulk_action(request: HttpRequest, verb: str | None = None) -> HttpResponse:
    """One bulk action (assign, severity, note) on the ticked incidents or on all matching the filter:
    one action call (``actions.bulk_*``, one transaction); refused incidents are skipped and reported."""
    scope = scope_for(request.user)
    back = _back(request)
    if permissions.can_act_in_bulk(scope) is not None:
        return _forbidden(request)
    form = BulkForm(request.POST)
    verb = verb or request.POST.get("bulk_action", "")
    if verb not in _BULK_SAID:
        messages.error(request, "Choose the action to take.")
        return redirect(back)
    targets = _bulk_targets(request, scope)
    if isinstance(targets, str):
        messages.error(request, targets if verb != "assign" else targets.replace("change", "assign"))
        return redirect(back)
    incidents, missing = targets
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    actor = Actor.from_request(request)
    target = ""
    try:
        if verb == "assign":
            provider = data.get("provider")
            if provider is None:
                messages.error(request, "Choose the provider to assign them to.")
                return redirect(back)
            target = str(provider)
            result = actions.bulk_assign(actor=actor, incidents=incidents, provider=provider)
        elif verb == "severity":
            severity = data.get("severity")
            if severity is None:
                messages.error(request, "Choose the severity to set.")
                return redirect(back)
            target = f"{severity.code} {severity.label}"
            result = actions.bulk_set_severity(actor=actor, incidents=incidents, severity=severity)
        else:
            result = actions.bulk_add_note(
                actor=actor,
                incidents=incidents,
                body=request.POST.get("body", "")[: TEXT_MAX + 1],
                internal=not data.get("public"),
            )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        done_said, refused_said = _BULK_SAID[verb]
        messages.success(request, f"{done_said.format(target=target)}: {', '.join(result.done)}.")
        if result.refused:
            refused = "; ".join(f"{ref} ({reason})" for ref, reason in result.refused)
            messages.error(request, f"{refused_said}: {refused}.")
    if missing:
        messages.error(request, f"{missing} incident{'s' if missing != 1 else ''} not found.")
    return redirect(back)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked incidents to one provider (the bulk action ``assign``)."""
    return bulk_action(request, verb="assign")


# Major incidents ----------


@login_required
def major_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    qs = (
        queries.majors_visible_to(request.user)
        .select_related("incident__severity", "incident__service")
        .annotate(
            rank=Case(
                When(state=MajorIncident.State.ACTIVE, then=Value(0)),
                When(state=MajorIncident.State.REVIEW, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            sent=Count("communications"),
        )
        .order_by("rank", "-opened_at", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "incidents/major_list.html", {"page": page, "now": now})


# Home panels (read by busbar.core.context for the home pages) ----------


def home_panels(request: HttpRequest, kind: str) -> dict:
    """What the home page of the viewer's ``kind`` (desk, provider, participant) shows about incidents."""
    user = request.user
    scope = scope_for(user)
    base = queries.visible_to(user)
    now = timezone.now()
    if kind == "desk":
        keys = ("unassigned", "soon", "breached", "open")
        totals = base.filter(queries.OPEN_Q).aggregate(
            **{k: Count("pk", filter=_queue_q(k, scope)) for k in keys}
        )
        return {
            **totals,
            "majors": queries.majors_visible_to(user).filter(state=MajorIncident.State.ACTIVE).count(),
        }
    if kind == "provider":
        mine = queries.open_incidents(base.filter(provider_id__in=scope.resolver_for))
        rows = _order(mine, "mine")[:10]
        return {"queue": [(i, row_sla(i, now)) for i in rows], "queue_count": mine.count()}
    ours = queries.open_incidents(base.filter(_ours_q(scope)))
    published = queries.open_incidents(base.filter(is_published=True)).order_by("-created_at", "-id")
    return {
        "ours": list(ours.order_by("-created_at", "-id")[:10]),
        "ours_count": ours.count(),
        "published": list(published[:10]),
    }
