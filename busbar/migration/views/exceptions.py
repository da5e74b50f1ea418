"""The migration exception queue (``/migration/exceptions/``): the exceptions the viewer may see, filtered by
kind, status, supplier and distributor, with the counts per kind, paginated (keys first, the count bounded)
and exported as CSV; an exception's page (``/migration/exceptions/<reference>/``) with the MPANs the viewer
may see, the kernel conversation, attachments, links, watch and history, and the forms its viewer may
use. Visibility is :func:`busbar.migration.queries.exceptions_visible_to` (404 otherwise)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from busbar.audit.queries import timeline_for
from busbar.lib import export
from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm, MultipleFileField, files_for_action, form_errors, run_action_form
from busbar.lib.keyset import count_or_estimate
from busbar.lib.limits import TEXT_MAX
from busbar.lib.postback import post_form
from busbar.migration import permissions, queries
from busbar.migration.actions import exceptions as actions
from busbar.migration.common import DISTRIBUTOR_IDS
from busbar.migration.models import ExceptionKind, ExceptionMpan, ExceptionStatus, MigrationException
from busbar.parties.models import Organisation
from busbar.records import queries as record_queries

PAGE_SIZE = 50
#: MPANs shown a page on an exception's page.
ITEMS_PAGE_SIZE = 100
ACTIVE = (ExceptionStatus.OPEN, ExceptionStatus.INVESTIGATING)
#: How the exception's history is redacted for those who do not work it.
TIMELINE_RULES = {
    "link_actions": frozenset({"migration_exception.link"}),
    "private_actions": frozenset({"migration.note_exception"}),
    "private_changes": frozenset({"mpans"}),
    "public_notes": frozenset({"migration.investigate_exception", "migration.reopen_exception"}),
}


# The queue ------------------------------------------------------------------------------------------------


class ExceptionFilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *ExceptionKind.choices])
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), ("active", "Open or investigating"), *ExceptionStatus.choices],
    )
    supplier = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any supplier"
    )
    distributor = forms.ChoiceField(
        required=False, label="DNO area", choices=[("", "Any area"), *((d, d) for d in DISTRIBUTOR_IDS)]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        suppliers = queries.exceptions_visible_to(user).values("supplier_id")
        self.fields["supplier"].queryset = Organisation.objects.filter(pk__in=suppliers).order_by("name")


def with_shown_mpans(qs: QuerySet, user: Any) -> QuerySet:
    """``qs`` annotated with ``shown_mpans``: the number of its MPANs the viewer may see (all for the
    programme and the supplier; a DNO those in its area, an agent those naming it), in the same query."""
    v = queries.viewer(user)
    if v.reads_all:
        return qs.annotate(shown_mpans=F("mpans"))
    mine = ExceptionMpan.objects.filter(exception_id=OuterRef("pk")).filter(
        Q(distributor__in=v.distributors) | Q(agent_id__in=v.organisation_ids)
    )
    counted = mine.order_by().values("exception_id").annotate(n=Count("pk")).values("n")
    return qs.annotate(
        shown_mpans=Case(
            When(supplier_id__in=v.organisation_ids, then=F("mpans")),
            default=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
            output_field=IntegerField(),
        )
    )


def filter_exceptions(qs: QuerySet, data: dict, *, kind: bool = True) -> QuerySet:
    """``qs`` narrowed by the (cleaned) filters; ``kind=False`` leaves the kind out (the counts per kind)."""
    if kind and data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    status = data.get("status")
    if status == "active":
        qs = qs.filter(status__in=ACTIVE)
    elif status:
        qs = qs.filter(status=status)
    if data.get("supplier") is not None:
        qs = qs.filter(supplier_id=getattr(data["supplier"], "pk", data["supplier"]))
    if data.get("distributor"):
        qs = qs.filter(
            Exists(ExceptionMpan.objects.filter(exception_id=OuterRef("pk"), distributor=data["distributor"]))
        )
    return qs


def kind_counts(qs: QuerySet) -> list[tuple[str, str, int]]:
    """(kind, label, count) for every kind, in one query."""
    counted = dict(qs.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return [(k, label, counted.get(k, 0)) for k, label in ExceptionKind.choices]


def _filtered(request: HttpRequest) -> tuple[ExceptionFilterForm, QuerySet, QuerySet, bool]:
    user = request.user
    form = ExceptionFilterForm(request.GET or None, user=user)
    valid = not request.GET or form.is_valid()
    base = queries.exceptions_visible_to(user)
    if not valid:
        base = base.none()
    data = form.cleaned_data if form.is_bound and valid else {}
    qs = filter_exceptions(base, data).order_by("-day", "-id")
    return form, qs, filter_exceptions(base, data, kind=False), valid


def _page(qs: QuerySet, user: Any, number: str | None) -> Any:
    """One page: the keys first (from the index), then those rows with the supplier and the MPANs shown."""
    paginator = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE)
    paginator.count, estimate = count_or_estimate(qs)
    page = paginator.get_page(number)
    keys = list(page.object_list)
    rows = with_shown_mpans(MigrationException.objects.filter(pk__in=keys).select_related("supplier"), user)
    by_pk = {r.pk: r for r in rows}
    page.object_list = [by_pk[pk] for pk in keys if pk in by_pk]
    page.count_is_estimate = estimate
    return page


def _query(request: HttpRequest, *, drop: tuple[str, ...] = ("page",)) -> dict[str, str]:
    return {k: v[:100] for k, v in request.GET.items() if k not in drop and v}


@login_required
def exception_list(request: HttpRequest) -> HttpResponse:
    form, qs, unkinded, valid = _filtered(request)
    page = _page(qs, request.user, request.GET.get("page"))
    query = _query(request)
    counts = [
        (k, label, n, "?" + urlencode({**_query(request, drop=("page", "kind")), "kind": k}))
        for k, label, n in kind_counts(unkinded)
    ]
    context = {
        "page": page,
        "form": form,
        "counts": counts,
        "all_kinds_url": "?" + urlencode(_query(request, drop=("page", "kind"))),
        "extra_qs": urlencode(query),
        "export_qs": urlencode(query),
    }
    return render(request, "migration/exceptions/list.html", context, status=200 if valid else 400)


COLUMNS = [
    export.Column("Reference", lambda e: e.reference),
    export.Column("Kind", lambda e: e.get_kind_display()),
    export.Column("Status", lambda e: e.get_status_display()),
    export.Column("Supplier", lambda e: e.supplier.name),
    export.Column("Day", lambda e: e.day.isoformat()),
    export.Column("MPANs", lambda e: e.shown_mpans),
    export.Column("Summary", lambda e: e.summary),
    export.Column("Raised ({zone})", lambda e: e.created_at),
    export.Column("Resolved ({zone})", lambda e: e.resolved_at),
]


@login_required
def exception_export(request: HttpRequest) -> HttpResponse:
    form, qs, _unkinded, valid = _filtered(request)
    if not valid:
        text = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    rows = with_shown_mpans(qs.select_related("supplier"), request.user)
    return export.response(rows, COLUMNS, fmt="csv", stem="migration-exceptions")


# One exception --------------------------------------------------------------------------------------------


class _ExceptionForm(ActionForm):
    def __init__(self, *args: Any, exception: MigrationException, **kwargs: Any) -> None:
        self.exception = exception
        super().__init__(*args, **kwargs)


class UpdateForm(_ExceptionForm):
    title = "Add an update"
    button = "Add update"
    help = (
        "Read by everyone who sees this exception (the supplier, the DNOs and agents of its MPANs, "
        "the programme)."
    )
    body = forms.CharField(label="Update", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    attachments = MultipleFileField(label="Attach files")
    internal = False

    def submit(self, actor: Any) -> str:
        files = files_for_action(self.cleaned_data["attachments"])
        func = actions.add_note if self.internal else actions.add_update
        func(actor=actor, exception=self.exception, body=self.cleaned_data["body"], attachments=files)
        return "Internal note added." if self.internal else "Update added."


class NoteForm(UpdateForm):
    title = "Add an internal note"
    button = "Add note"
    help = "Read only by those who work the exception: the supplier and the programme's migration managers."
    internal = True


class InvestigateForm(_ExceptionForm):
    title = "Investigate"
    button = "Start investigating"
    help = "Say the exception is being looked into (the note, if any, is a public update)."
    note = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Any) -> str:
        actions.investigate(actor=actor, exception=self.exception, note=self.cleaned_data["note"])
        return f"{self.exception.reference} is being investigated."


class ResolveForm(_ExceptionForm):
    title = "Resolve"
    button = "Resolve"
    help = "How the MPANs were put right (required)."
    resolution = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def submit(self, actor: Any) -> str:
        actions.resolve(actor=actor, exception=self.exception, resolution=self.cleaned_data["resolution"])
        return f"{self.exception.reference} resolved."


class ReopenForm(_ExceptionForm):
    title = "Reopen"
    button = "Reopen"
    danger = True
    help = "Why it is not put right after all (required; a public update)."
    note = forms.CharField(label="Reason", max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Any) -> str:
        actions.reopen(actor=actor, exception=self.exception, note=self.cleaned_data["note"])
        return f"{self.exception.reference} reopened."


PAGE_FORMS: dict[str, type[_ExceptionForm]] = {
    "update": UpdateForm,
    "note": NoteForm,
    "investigate": InvestigateForm,
    "resolve": ResolveForm,
    "reopen": ReopenForm,
}


def available(user: Any, exception: MigrationException) -> list[str]:
    """What ``user`` may do to ``exception`` now (the page's forms and the API's ``allowed_actions``)."""
    v = queries.viewer(user)
    verbs: list[str] = []
    if permissions.can_work_exception(v, exception) is None:
        verbs += ["update", "note"]
        if exception.status == ExceptionStatus.OPEN:
            verbs.append("investigate")
        if exception.status in ACTIVE:
            verbs.append("resolve")
    if (
        exception.status == ExceptionStatus.RESOLVED
        and permissions.can_reopen_exception(v, exception) is None
    ):
        verbs.append("reopen")
    return verbs


def _exception_or_404(request: HttpRequest, reference: str) -> MigrationException:
    qs = record_queries.with_watching(queries.exceptions_visible_to(request.user), request.user)
    return get_object_or_404(qs.select_related("load"), reference=reference.upper()[:20])


def timeline(user: Any, exception: MigrationException, *, works: bool) -> list:
    entries = list(timeline_for(exception).select_related("actor")[:100])
    return record_queries.redact_timeline(user, entries, works=works, **TIMELINE_RULES)


def _detail_context(request: HttpRequest, exception: MigrationException, bound: dict | None = None) -> dict:
    user = request.user
    verbs = available(user, exception)
    forms_ = {v: PAGE_FORMS[v](prefix=v, exception=exception) for v in verbs}
    forms_.update(bound or {})
    works = queries.works_on_exception(user, exception)
    items = (
        queries.exception_items_visible_to(user, exception)
        .select_related("agent")
        .order_by("core", "on", "pk")
    )
    items_page = Paginator(items, ITEMS_PAGE_SIZE).get_page(request.GET.get("mpans"))
    entries, attachments = record_queries.conversation_visible_to(user, exception)

    def panel(v: str) -> dict:
        url = reverse("migration_exception_action", args=[exception.reference, v])
        return {"verb": v, "form": forms_[v], "url": url}

    return {
        "exception": exception,
        "works": works,
        "full_view": queries.viewer(user).reads_all
        or exception.supplier_id in queries.viewer(user).organisation_ids,
        "items_page": items_page,
        "entries": entries,
        "attachments": [a for a in attachments if a.entry_id is None],
        "links": record_queries.links_visible_to(user, exception),
        "can_link": works,
        "panels": [panel(v) for v in ("investigate", "resolve", "reopen") if v in forms_],
        "update_form": panel("update") if "update" in forms_ else None,
        "note_form": panel("note") if "note" in forms_ else None,
        "watch": {"reference": exception.reference, "watching": record_queries.is_watching(user, exception)},
        "timeline": timeline(user, exception, works=works),
    }


@login_required
def exception_detail(request: HttpRequest, reference: str) -> HttpResponse:
    exception = _exception_or_404(request, reference)
    return render(request, "migration/exceptions/detail.html", _detail_context(request, exception))


@login_required
@post_form(lambda reference, verb: reverse("migration_exception_detail", args=[reference]) + f"#do-{verb}")
def exception_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    exception = _exception_or_404(request, reference)
    form = PAGE_FORMS[verb](request.POST, request.FILES, prefix=verb, exception=exception)
    message, status = run_action_form(form, _actor(request))
    if message is not None:
        messages.success(request, message)
        return redirect("migration_exception_detail", exception.reference)
    exception = _exception_or_404(request, reference)
    if verb in available(request.user, exception):
        context = _detail_context(request, exception, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, exception)
    return render(request, "migration/exceptions/detail.html", context, status=status)


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


@login_required
def exception_attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    exception = _exception_or_404(request, reference)
    attachment = get_object_or_404(record_queries.attachments_visible_to(request.user, exception), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )


urlpatterns = [
    path("migration/exceptions/", exception_list, name="migration_exceptions"),
    path("migration/exceptions/export/", exception_export, name="migration_exceptions_export"),
    path("migration/exceptions/<str:reference>/", exception_detail, name="migration_exception_detail"),
    path(
        "migration/exceptions/<str:reference>/attachments/<int:pk>/",
        exception_attachment,
        name="migration_exception_attachment",
    ),
    path(
        "migration/exceptions/<str:reference>/<slug:verb>/",
        exception_action,
        name="migration_exception_action",
    ),
]
