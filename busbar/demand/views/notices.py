"""The demand notice pages: the list (``/demand/``), filing (``/demand/new/``), the notice's page with its
lines and tolerance verdicts, the analysis, the bulletin, mitigation and compliance, the conversation, the
history and the forms its viewer may use (``/demand/<reference>/``), editing, and the forms' addresses."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from busbar.demand import charts, permissions, queries
from busbar.demand.forms import PAGE_FORMS, NoticeFilterForm, NoticeForm
from busbar.demand.models import DemandLine, DemandStatus
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, run_action_form
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.records import queries as record_queries

PAGE_SIZE = 50
OPEN = [
    DemandStatus.FILED,
    DemandStatus.UNDER_ANALYSIS,
    DemandStatus.PROVIDERS_NOTIFIED,
    DemandStatus.MITIGATION_REQUESTED,
]


def filtered(user: Any, form: NoticeFilterForm) -> Any:
    """The notices ``user`` sees, narrowed by the valid ``form``, newest first, with the lines they may
    read."""
    qs = queries.visible_to(user)
    d = form.cleaned_data if form.is_bound else {}
    status = d.get("status")
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status:
        qs = qs.filter(status=status)
    if d.get("service") is not None:
        qs = qs.filter(Exists(DemandLine.objects.filter(notice_id=OuterRef("pk"), service=d["service"])))
    if d.get("above") == "yes":
        qs = qs.filter(above_tolerance=True)
    elif d.get("above") == "no":
        qs = qs.filter(above_tolerance=False)
    lines = queries.lines_visible_to(user).order_by("id")
    return qs.prefetch_related(Prefetch("lines", queryset=lines)).order_by("-created_at", "-id")


@login_required
def demand_list(request: HttpRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET or None)
    valid = not request.GET or form.is_valid()
    qs = filtered(request.user, form) if valid else queries.visible_to(request.user).none()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v[:200] for k, v in request.GET.items() if k != "page" and v}
    context = {
        "page": page,
        "form": form,
        "extra_qs": urlencode(query),
        "can_file": permissions.can_file(scope_for(request.user)) is None,
        "is_desk": scope_for(request.user).is_desk,
    }
    return render(request, "demand/list.html", context, status=200 if valid else 400)


def _notice_or_404(request: HttpRequest, reference: str) -> Any:
    qs = record_queries.with_watching(queries.visible_to(request.user), request.user)
    return get_object_or_404(qs, reference=reference.upper()[:20])


def _detail_context(request: HttpRequest, notice: Any, bound: dict | None = None) -> dict:
    user, scope = request.user, scope_for(request.user)
    verbs = permissions.available(scope, notice)
    forms = {v: PAGE_FORMS[v](prefix=v, notice=notice) for v in verbs if v in PAGE_FORMS}
    forms.update(bound or {})
    works = queries.works_on(user, notice)
    lines = list(queries.lines_visible_to(user).filter(notice=notice).order_by("id"))
    judged = charts.verdicts(notice, lines)
    drawn = charts.notice_chart(notice, judged)
    entries, _attachments = record_queries.conversation_visible_to(user, notice)

    def panel(v: str) -> dict:
        return {"verb": v, "form": forms[v], "url": reverse("demand_action", args=[notice.reference, v])}

    order = ("analyse", "notify", "mitigation", "respond", "compliance", "close", "reopen", "withdraw")
    return {
        "notice": notice,
        "works": works,
        "judged": judged,
        "chart_svg": drawn[0] if drawn else None,
        "chart_table": drawn[1] if drawn else None,
        "entries": entries,
        "panels": [panel(v) for v in order if v in forms],
        "update_form": panel("update") if "update" in forms else None,
        "note_form": panel("note") if "note" in forms else None,
        "can_edit": "edit" in verbs,
        "is_provider_view": not works and not permissions.is_filer(scope, notice),
        "watch": {"reference": notice.reference, "watching": record_queries.is_watching(user, notice)},
        "timeline": record_queries.timeline(user, notice, works=works),
    }


@login_required
def demand_detail(request: HttpRequest, reference: str) -> HttpResponse:
    notice = _notice_or_404(request, reference)
    return render(request, "demand/detail.html", _detail_context(request, notice))


@login_required
@post_form(lambda reference, verb: reverse("demand_detail", args=[reference]) + f"#do-{verb}")
def demand_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    notice = _notice_or_404(request, reference)
    form = PAGE_FORMS[verb](request.POST, prefix=verb, notice=notice)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect("demand_detail", notice.reference)
    notice = _notice_or_404(request, reference)
    if verb in permissions.available(scope_for(request.user), notice):
        context = _detail_context(request, notice, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, notice)
    return render(request, "demand/detail.html", context, status=status)


@login_required
def demand_form(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    scope = scope_for(request.user)
    notice = None
    if reference is not None:
        notice = _notice_or_404(request, reference)
        reason = permissions.can_edit(scope, notice)
        if reason is None and notice.status not in permissions.EDITABLE:
            reason = f"{notice.reference} is {notice.get_status_display().lower()}: it can no longer change"
    else:
        reason = permissions.can_file(scope)
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    form = NoticeForm(request.POST or None, scope=scope, notice=notice)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                done = form.submit(Actor.from_request(request))
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, f"{done.reference} {'saved' if notice else 'filed'}.")
                return redirect("demand_detail", done.reference)
    return render(request, "demand/form.html", {"form": form, "notice": notice}, status=status)


urlpatterns = [
    path("demand/", demand_list, name="demand_list"),
    path("demand/new/", demand_form, name="demand_new"),
    path("demand/<str:reference>/", demand_detail, name="demand_detail"),
    path("demand/<str:reference>/edit/", demand_form, name="demand_edit"),
    path("demand/<str:reference>/<slug:verb>/", demand_action, name="demand_action"),
]
