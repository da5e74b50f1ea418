"""Pages: a programme's RAID log (digest §5.3) — the log with a tab per type, its filters (no JavaScript),
the RAG legend under each type's table (GV-21), the likelihood × impact heat grid, the per-phase views
(GV-24) and ageing; CSV/XLSX export as filtered; raising an item; importing a spreadsheet through a
preview; and the item's page (its columns, conversation, attachments, links — the risk an issue was —,
watchers, history, and the forms the person may use).

Every read goes through :mod:`busbar.programmes.raid_lists` (visible items only: a participant reads the
public items and its own organisation's); a programme or item the person may not see is a 404; a change
they may not make is a 403 page; every change goes through :mod:`busbar.programmes.actions.raid`.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, run_action_form
from busbar.lib.postback import post_form
from busbar.lib.tabular import ImportRefused
from busbar.programmes import pages, permissions, queries, raid_import, raid_lists
from busbar.programmes.actions import raid as actions
from busbar.programmes.forms.raid import (
    ACTIVITY_LABELS,
    IMPACT_LABELS,
    PAGE_FORMS,
    STATUS_VERBS,
    TITLE_LABELS,
    FilterForm,
    ImportForm,
    ItemForm,
    field_of,
)
from busbar.programmes.models import THEMES, PlanPhase, RaidItem, RaidKind, RaidStatus
from busbar.records import queries as record_queries
from busbar.testing.access import access_for

PAGE_SIZE = 50
#: How long an uploaded file waits for its import to be confirmed.
PREVIEW_SECONDS = 30 * 60
PREVIEW_ROWS = 500


def _item_or_404(request: HttpRequest, reference: str) -> RaidItem:
    qs = record_queries.with_watching(raid_lists.items_of_all(request.user), request.user)
    return get_object_or_404(qs, reference=reference.upper()[:20])


def _url(name: str, programme, params: dict[str, str]) -> str:
    base = reverse(name, kwargs={"programme": programme.code})
    return f"{base}?{urlencode(params)}" if params else base


# -- the log ------------------------------------------------------------------------------------------------


@login_required
def raid_log(request: HttpRequest, programme: str) -> HttpResponse:
    prog = pages.programme_or_404(request, programme[:40])
    f = raid_lists.parse_filters(request.GET)
    sort = raid_lists.SORTING.valid(request.GET.get("sort"))
    base = raid_lists.items_of(request.user, prog)
    qs = raid_lists.ordered(raid_lists.filter_items(base, f), sort)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page:
        item.age = raid_lists.days_open(item, today)
    phases = list(PlanPhase.objects.filter(programme=prog).order_by("order", "start", "id"))
    owners = list(raid_import.owner_candidates(prog.pk).order_by("name"))
    themes = sorted(
        {t for t in base.order_by().values_list("theme", flat=True).distinct()[:200] if t}, key=str.lower
    )
    params = f.params()
    totals = raid_lists.totals_by_kind(raid_lists.filter_items(base, f.without("kind")))
    kind_tabs = [
        {
            "kind": "",
            "label": "All",
            "count": totals["all"]["all"],
            "url": _url("programmes_raid", prog, f.without("kind").params()),
        },
        *[
            {
                "kind": kind,
                "label": raid_lists.KIND_PLURALS[kind],
                "count": totals[kind]["all"],
                "url": _url("programmes_raid", prog, {**f.without("kind").params(), "kind": kind}),
            }
            for kind in raid_lists.KIND_ORDER
        ],
    ]
    grid_params = f.without("likelihood", "impact").params()
    grid = [
        [
            {
                "cell": cell,
                "url": _url(
                    "programmes_raid",
                    prog,
                    {**grid_params, "likelihood": str(cell.likelihood), "impact": str(cell.impact)},
                ),
                "current": f.likelihood == cell.likelihood and f.impact == cell.impact,
            }
            for cell in row
        ]
        for row in raid_lists.heat_grid(raid_lists.filter_items(base, f.without("likelihood", "impact")))
    ]
    phase_params = f.without("phase").params()
    phase_views = [
        {
            **p,
            "url": _url("programmes_raid", prog, {**phase_params, "phase": p["code"]}),
            "current": f.phase == p["code"],
        }
        for p in raid_lists.phase_counts(raid_lists.filter_items(base, f.without("phase")), phases)
    ]
    current_phase = next((p for p in phases if p.code == f.phase), None)
    access = access_for(request.user)
    legends = [
        {"kind": k, "label": RaidKind(k).label, "rows": raid_lists.legend(k)}
        for k in ((f.kind,) if f.kind else raid_lists.KIND_ORDER)
    ]
    extra = {k: v for k, v in params.items()}
    if sort:
        extra["sort"] = sort
    context = {
        **pages.base_context(request, prog, "raid"),
        "page": page,
        "filters": f,
        "form": FilterForm(request.GET or None, phases=phases, owners=owners, themes=themes),
        "headers": raid_lists.SORTING.headers(params, current=sort),
        "extra_qs": urlencode(extra),
        "export_qs": urlencode(extra),
        "kind_tabs": kind_tabs,
        "kind": f.kind,
        "kind_label": raid_lists.KIND_PLURALS.get(f.kind, "All items"),
        "seed_headers": raid_lists.SEED_HEADERS.get(f.kind),
        "totals": totals,
        "grid": grid,
        "impacts": range(1, 6),
        "phase_views": phase_views,
        "current_phase": current_phase,
        "phase_none": f.phase == "none",
        "all_phases_url": _url("programmes_raid", prog, phase_params),
        "ageing": raid_lists.ageing(raid_lists.filter_items(base, f), today),
        "legends": legends,
        "can_raise": permissions.can_raise_raid(access, prog.pk) is None,
        "can_import": permissions.can_import_raid(access, prog.pk) is None,
        "filtered": bool(params),
    }
    return render(request, "programmes/raid/log.html", context)


@login_required
def raid_export(request: HttpRequest, programme: str) -> HttpResponse:
    """The log as filtered (and sorted), as CSV or XLSX: one type under the programme's own headers."""
    prog = pages.programme_or_404(request, programme[:40])
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    f = raid_lists.parse_filters(request.GET)
    qs = raid_lists.listed(request.user, prog, f, raid_lists.SORTING.valid(request.GET.get("sort")))
    columns = raid_lists.export_columns(f.kind, timezone.localdate())
    return export.response(qs, columns, fmt=fmt, stem=f"{prog.code}-raid{'-' + f.kind if f.kind else ''}")


# -- raising ------------------------------------------------------------------------------------------------


@login_required
def raid_new(request: HttpRequest, programme: str) -> HttpResponse:
    """Raise an item: choose its type (``?kind=``), then fill in that type's columns."""
    prog = pages.programme_or_404(request, programme[:40])
    reason = permissions.can_raise_raid(access_for(request.user), prog.pk)
    if reason:
        return pages.forbidden(request, reason)
    kind = (request.POST.get("kind") or request.GET.get("kind") or "")[:20]
    context = {**pages.base_context(request, prog, "raid"), "kinds": raid_lists.KIND_ORDER, "themes": THEMES}
    if kind not in RaidKind.values:
        context["choices"] = [
            {"kind": k, "label": RaidKind(k).label, "url": _url("programmes_raid_new", prog, {"kind": k})}
            for k in raid_lists.KIND_ORDER
        ]
        return render(request, "programmes/raid/new.html", context)
    form = ItemForm(request.POST or None, programme=prog, kind=kind)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                item = form.submit(Actor.from_request(request))
            except ActionError as exc:
                if exc.field:
                    exc.field = field_of(exc.field)
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, f"{item.display_ref} raised.")
                return redirect("programmes_raid_detail", reference=item.reference)
    context.update({"form": form, "kind": kind, "kind_label": RaidKind(kind).label})
    return render(request, "programmes/raid/new.html", context, status=status)


# -- import -------------------------------------------------------------------------------------------------


def _preview_key(request: HttpRequest, programme, token: str) -> str:
    return f"programmes:raid-import:{request.user.pk}:{programme.pk}:{token}"


@login_required
def raid_import_page(request: HttpRequest, programme: str) -> HttpResponse:
    """Upload a spreadsheet; see what it would create (or every fault, by line and column); confirm.
    Nothing is written until the confirmation, and then only if the whole file is still valid."""
    prog = pages.programme_or_404(request, programme[:40])
    access = access_for(request.user)
    reason = permissions.can_import_raid(access, prog.pk)
    if reason:
        return pages.forbidden(request, reason)
    context = {
        **pages.base_context(request, prog, "raid"),
        "header": raid_import.TEMPLATE_HEADER,
        "template_csv": _url("programmes_raid_template", prog, {"format": "csv"}),
        "template_xlsx": _url("programmes_raid_template", prog, {"format": "xlsx"}),
    }
    status = 200
    form = ImportForm()
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"][:64]
        stored = cache.get(_preview_key(request, prog, token))
        if stored is None:
            messages.error(request, "The preview has expired: upload the file again.")
            return redirect("programmes_raid_import", programme=prog.code)
        name, content = stored
        try:
            result = actions.import_items(
                actor=Actor.from_request(request), programme=prog, filename=name, content=content
            )
        except ImportRefused as exc:
            context.update({"faults": exc.faults, "filename": name})
            status = 422
        else:
            cache.delete(_preview_key(request, prog, token))
            messages.success(request, f"{len(result.created)} RAID items imported from {name}.")
            return redirect("programmes_raid", programme=prog.code)
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name, content = (upload.name or "raid.csv")[:200], upload.read()
            try:
                plan = raid_import.parse(prog, name, content, today=timezone.localdate())
            except ImportRefused as exc:
                context.update({"faults": exc.faults, "filename": name})
            else:
                token = secrets.token_urlsafe(24)
                cache.set(_preview_key(request, prog, token), (name, content), PREVIEW_SECONDS)
                status = 200
                context.update(
                    {
                        "plan": plan,
                        "rows": plan.items[:PREVIEW_ROWS],
                        "more": max(len(plan.items) - PREVIEW_ROWS, 0),
                        "token": token,
                        "filename": name,
                    }
                )
    context["form"] = form
    return render(request, "programmes/raid/import.html", context, status=status)


@login_required
def raid_template(request: HttpRequest, programme: str) -> HttpResponse:
    """The import's template (CSV or XLSX): its columns and one example row per type."""
    prog = pages.programme_or_404(request, programme[:40])
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    return raid_lists.template_response(prog, fmt)


# -- the item page ------------------------------------------------------------------------------------------


def _panel(verb: str, form, item: RaidItem) -> dict:
    return {"verb": verb, "form": form, "url": reverse("programmes_raid_action", args=[item.reference, verb])}


def _facts(item: RaidItem) -> list[tuple[str, object]]:
    """The item's own columns as the programme's slides head them (GV-20)."""
    k = item.kind
    rows: list[tuple[str, object]] = [("Theme", item.theme or "—")]
    rows.append((ACTIVITY_LABELS[k], item.activities or "—"))
    if k in IMPACT_LABELS:
        rows.append((IMPACT_LABELS[k], item.impact_text or "—"))
        rows.append(("Impact", item.get_impact_level_display() if item.impact_level else "—"))
    if k == RaidKind.ASSUMPTION:
        rows.append(("Assumption uncertainty", item.get_uncertainty_display() if item.uncertainty else "—"))
    if k == RaidKind.DEPENDENCY:
        rows.append(
            (
                "Impacting milestone or activity",
                raid_lists.milestone_or_activity(item.impacting_milestone, item.impacting_activity) or "—",
            )
        )
        rows.append(
            (
                "Impacted milestone or activity",
                raid_lists.milestone_or_activity(item.impacted_milestone, item.impacted_activity) or "—",
            )
        )
        rows.append(("Manageable?", item.get_manageable_display() if item.manageable else "—"))
    return rows


def _detail_context(request: HttpRequest, item: RaidItem, bound: dict | None = None) -> dict:
    user = request.user
    access = access_for(user)
    verbs = raid_lists.allowed_actions(access, item)
    forms = {v: PAGE_FORMS[v](prefix=v, item=item) for v in verbs if v in PAGE_FORMS}
    forms.update(bound or {})
    works = queries.raid_works_on(user, item)
    entries, attachments = record_queries.conversation_visible_to(user, item)
    visible = queries.raid_visible_to(user)
    converted_to = visible.filter(converted_from_id=item.pk).first()
    converted_from = visible.filter(pk=item.converted_from_id).first() if item.converted_from_id else None
    return {
        **pages.base_context(request, item.programme, "raid"),
        "item": item,
        "title_label": TITLE_LABELS[item.kind],
        "facts": _facts(item),
        "legend": raid_lists.legend(item.kind),
        "age": raid_lists.days_open(item, timezone.localdate()),
        "works": works,
        "entries": entries,
        "attachments": [a for a in attachments if a.entry_id is None],
        "links": record_queries.links_visible_to(user, item),
        "converted_to": converted_to,
        "converted_from": converted_from,
        "panels": [_panel(v, forms[v], item) for v in STATUS_VERBS if v in forms],
        "edit_form": forms.get("edit") and _panel("edit", forms["edit"], item),
        "update_form": forms.get("update") and _panel("update", forms["update"], item),
        "link_form": permissions.can_edit_raid(access, item) is None and works,
        "watch": {"reference": item.reference, "watching": record_queries.is_watching(user, item)},
        "timeline": raid_lists.history(user, item, works=works),
        "allowed": verbs,
        "themes": THEMES,
        "is_converted": item.status == RaidStatus.CONVERTED,
    }


@login_required
def raid_detail(request: HttpRequest, reference: str) -> HttpResponse:
    item = _item_or_404(request, reference)
    return render(request, "programmes/raid/detail.html", _detail_context(request, item))


@login_required
@post_form(lambda reference, verb: reverse("programmes_raid_detail", args=[reference]) + f"#do-{verb}")
def raid_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    item = _item_or_404(request, reference)
    form = PAGE_FORMS[verb](request.POST, request.FILES, prefix=verb, item=item)
    message, status = run_action_form(form, Actor.from_request(request), field_of=field_of)
    if message is not None:
        messages.success(request, message)
        created = getattr(form, "created", None)
        return redirect("programmes_raid_detail", reference=created.reference if created else item.reference)
    item = _item_or_404(request, reference)
    if verb in raid_lists.allowed_actions(access_for(request.user), item):
        context = _detail_context(request, item, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, item)
    return render(request, "programmes/raid/detail.html", context, status=status)


@login_required
def raid_attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """A file of the item, through the item's visibility (internal ones to those who work it)."""
    item = get_object_or_404(queries.raid_visible_to(request.user), reference=reference.upper()[:20])
    attachment = get_object_or_404(record_queries.attachments_visible_to(request.user, item), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )


urlpatterns = [
    path("programmes/<slug:programme>/raid/", raid_log, name="programmes_raid"),
    path("programmes/<slug:programme>/raid/new/", raid_new, name="programmes_raid_new"),
    path("programmes/<slug:programme>/raid/import/", raid_import_page, name="programmes_raid_import"),
    path("programmes/<slug:programme>/raid/import/template/", raid_template, name="programmes_raid_template"),
    path("programmes/<slug:programme>/raid/export/", raid_export, name="programmes_raid_export"),
    path("programmes/raid/<str:reference>/", raid_detail, name="programmes_raid_detail"),
    path(
        "programmes/raid/<str:reference>/attachments/<int:pk>/",
        raid_attachment,
        name="programmes_raid_attachment",
    ),
    path("programmes/raid/<str:reference>/<slug:verb>/", raid_action, name="programmes_raid_action"),
]
