"""The pages of both registers (risks SL-08, improvements SL-07), written once: the list with its filters,
heat map and exports, the item's page (details, conversation, attachments, links, watch, history, the
forms its viewer may use), raising and editing. :mod:`.risks` and :mod:`.improvements` name the type."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, run_action_form
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries
from busbar.registers import lists, permissions, queries, scoring
from busbar.registers.forms import PAGE_FORMS, ItemFilterForm, ItemForm

PAGE_SIZE = 50


@dataclass(frozen=True)
class Register:
    kind: str  # "risk" | "improvement"
    label: str
    plural: str
    path: str  # "risks"
    visible_to: Any
    lead: str

    def url(self, what: str, *args: Any) -> str:
        return reverse(f"{self.kind}_{what}", args=args)


def _today():
    return timezone.localdate()


def _filtered(request: HttpRequest, reg: Register) -> tuple[ItemFilterForm, Any, Any, bool]:
    """(form, visible queryset, filtered and ordered queryset, valid)."""
    visible = reg.visible_to(request.user)
    form = ItemFilterForm(request.GET or None, kind=reg.kind, user=request.user, visible=visible)
    if request.GET and not form.is_valid():
        return form, visible, visible.none(), False
    f = form.filters() if request.GET else lists.Filters()
    return form, visible, lists.apply(visible, reg.kind, f, user=request.user, today=_today()), True


def _query(request: HttpRequest, drop: tuple[str, ...] = ("page", "format")) -> dict[str, str]:
    return {k: v[:200] for k, v in request.GET.items() if k not in drop and v}


def item_list(request: HttpRequest, reg: Register) -> HttpResponse:
    if not queries.reads_registers(request.user):
        raise Http404("No such page")
    scope = scope_for(request.user)
    form, visible, qs, valid = _filtered(request, reg)
    page = Paginator(lists.rows(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    base = _query(request, drop=("page", "format", "likelihood", "impact"))
    current = None
    if valid and request.GET.get("likelihood") and request.GET.get("impact"):
        current = (form.cleaned_data.get("likelihood"), form.cleaned_data.get("impact"))
    # The heat map counts the filtered list, whichever of its cells is chosen.
    heat_qs = visible.none()
    if valid:
        f = form.filters() if request.GET else lists.Filters()
        unpinned = dataclasses.replace(f, likelihood=None, impact=None)
        heat_qs = lists.apply(visible, reg.kind, unpinned, user=request.user, today=_today())
    grid = scoring.heat_map(
        heat_qs,
        url_for=lambda lk, im: "?" + urlencode({**base, "likelihood": lk, "impact": im}),
        current=current,
    )
    today = _today()
    for item in page:
        item.is_overdue = lists.overdue(item, today)
        item.band = scoring.band(item.score)
    context = {
        "reg": reg,
        "page": page,
        "form": form,
        "grid": grid,
        "impacts": scoring.SCALE,
        "extra_qs": urlencode(_query(request)),
        "export_qs": urlencode(_query(request)),
        "clear_cell": "?" + urlencode(base) if current else "",
        "can_raise": permissions.can_raise(scope) is None,
    }
    return render(request, "registers/item_list.html", context, status=200 if valid else 400)


def item_export(request: HttpRequest, reg: Register) -> HttpResponse:
    if not queries.reads_registers(request.user):
        raise Http404("No such page")
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    form, _, qs, valid = _filtered(request, reg)
    if not valid:
        text = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    return export.response(lists.rows(qs), lists.COLUMNS[reg.kind], fmt=fmt, stem=reg.path)


def _item_or_404(request: HttpRequest, reg: Register, reference: str) -> Any:
    qs = record_queries.with_watching(reg.visible_to(request.user), request.user)
    return get_object_or_404(qs.select_related("raised_by"), reference=reference.upper()[:20])


def _verbs(scope: Any, item: Any) -> list[str]:
    verbs = []
    if permissions.statuses(scope, item):
        verbs.append("status")
    if permissions.can_edit(scope, item) is None:
        verbs += ["review", "link", "update"]
    return verbs


def _detail_context(request: HttpRequest, reg: Register, item: Any, bound: dict | None = None) -> dict:
    user, scope = request.user, scope_for(request.user)
    verbs = _verbs(scope, item)
    forms = {v: PAGE_FORMS[v](prefix=v, item=item, scope=scope) for v in verbs}
    forms.update(bound or {})
    works = queries.works_on(user, item)
    entries, attachments = record_queries.conversation_visible_to(user, item)
    panel = lambda v: {"verb": v, "form": forms[v], "url": reg.url("action", item.reference, v)}  # noqa: E731
    return {
        "reg": reg,
        "item": item,
        "works": works,
        "entries": entries,
        "attachments": [a for a in attachments if a.entry_id is None],
        "links": record_queries.links_visible_to(user, item),
        "services": list(item.services.all().order_by("name")),
        "kpis": [(k, scoring.KPI_LABELS.get(k, k)) for k in item.kpis or ()],
        "band": scoring.band(item.score),
        "residual": lists.residual_score(item) if reg.kind == "risk" else None,
        "residual_band": scoring.band(lists.residual_score(item)) if reg.kind == "risk" else "",
        "overdue": lists.overdue(item, _today()),
        "panels": [panel(v) for v in ("status", "review") if v in forms],
        "link_form": panel("link") if "link" in forms else None,
        "update_form": panel("update") if "update" in forms else None,
        "can_edit": permissions.can_edit(scope, item) is None,
        "review_actions": list(item.review_actions.select_related("review"))
        if reg.kind == "improvement"
        else [],
        "watch": {"reference": item.reference, "watching": record_queries.is_watching(user, item)},
        "timeline": queries.history(user, item, works=works),
    }


def item_detail(request: HttpRequest, reg: Register, reference: str) -> HttpResponse:
    item = _item_or_404(request, reg, reference)
    return render(request, "registers/item_detail.html", _detail_context(request, reg, item))


def item_action(request: HttpRequest, reg: Register, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    item = _item_or_404(request, reg, reference)
    scope = scope_for(request.user)
    form = PAGE_FORMS[verb](request.POST, request.FILES, prefix=verb, item=item, scope=scope)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect(reg.url("detail", item.reference))
    item = _item_or_404(request, reg, reference)
    if verb in _verbs(scope, item):
        context = _detail_context(request, reg, item, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, reg, item)
    return render(request, "registers/item_detail.html", context, status=status)


def _field_of(name: str) -> str:
    return name.split("[", 1)[0]


def item_form(request: HttpRequest, reg: Register, reference: str | None = None) -> HttpResponse:
    scope = scope_for(request.user)
    item = None
    if reference is not None:
        item = _item_or_404(request, reg, reference)
        reason = permissions.can_edit(scope, item)
    else:
        reason = permissions.can_raise(scope)
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    form = ItemForm(request.POST or None, kind=reg.kind, user=request.user, scope=scope, item=item)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                done = form.submit(Actor.from_request(request))
            except ActionError as exc:
                exc.field = _field_of(exc.field) if exc.field else None
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, f"{done.reference} {'saved' if item else 'recorded'}.")
                return redirect(reg.url("detail", done.reference))
    return render(
        request, "registers/item_form.html", {"reg": reg, "form": form, "item": item}, status=status
    )


def item_attachment(request: HttpRequest, reg: Register, reference: str, pk: int) -> HttpResponse:
    item = _item_or_404(request, reg, reference)
    attachment = get_object_or_404(record_queries.attachments_visible_to(request.user, item), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )


def urls(reg: Register) -> list:
    """The register's pages: ``<kind>_list``, ``_new``, ``_export``, ``_detail``, ``_edit``, ``_attachment``,
    ``_action``."""
    k, p = reg.kind, reg.path

    def bind(view: Any, *, post_only: bool = False) -> Any:
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            return view(request, reg, **kwargs)

        wrapped.__name__ = f"{k}_{view.__name__}"
        wrapped = login_required(wrapped)
        if post_only:
            wrapped = post_form(lambda reference, verb: reg.url("detail", reference) + f"#do-{verb}")(wrapped)
        return wrapped

    return [
        path(f"{p}/", bind(item_list), name=f"{k}_list"),
        path(f"{p}/new/", bind(item_form), name=f"{k}_new"),
        path(f"{p}/export/", bind(item_export), name=f"{k}_export"),
        path(f"{p}/<str:reference>/", bind(item_detail), name=f"{k}_detail"),
        path(f"{p}/<str:reference>/edit/", bind(item_form), name=f"{k}_edit"),
        path(f"{p}/<str:reference>/attachments/<int:pk>/", bind(item_attachment), name=f"{k}_attachment"),
        path(f"{p}/<str:reference>/<slug:verb>/", bind(item_action, post_only=True), name=f"{k}_action"),
    ]
