"""Pages: the decision log (filters, export, recording a decision) and one decision with its conditions."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from busbar.lib import export
from busbar.lib.forms import run_action_form
from busbar.lib.postback import post_form
from busbar.programmes import pages, permissions, queries
from busbar.programmes.forms.meetings import (
    CloseConditionForm,
    DecisionFilterForm,
    DecisionForm,
)
from busbar.programmes.models import (
    Decision,
    DecisionConditionStatus,
    Group,
)
from busbar.programmes.permissions import meetings as meeting_rules
from busbar.programmes.views.meetings.common import (
    PAGE_SIZE,
    _actor,
    _decision_or_404,
    _md,
    meeting_url,
)
from busbar.testing.access import access_for
from busbar.testing.models import Programme


def _filtered_decisions(request: HttpRequest, prog: Programme) -> tuple[DecisionFilterForm, QuerySet, dict]:
    groups = [(g.code, g.code) for g in Group.objects.filter(programme=prog).order_by("code")]
    form = DecisionFilterForm(request.GET or None, groups=groups)
    qs = (
        queries.in_visible_programme(Decision.objects.filter(programme=prog), request.user)
        .select_related("meeting", "meeting__group", "change_request")
        .annotate(
            open_conditions=Count("conditions", filter=Q(conditions__status=DecisionConditionStatus.OPEN)),
            condition_count=Count("conditions"),
        )
    )
    if form.is_valid():
        d = form.cleaned_data
        if d["outcome"]:
            qs = qs.filter(outcome=d["outcome"])
        if d["group"]:
            qs = qs.filter(meeting__group__code=d["group"])
        if d["open_conditions"]:
            qs = qs.filter(open_conditions__gt=0)
        if d["q"]:
            q = d["q"].strip()
            qs = qs.filter(Q(title__icontains=q) | Q(document_title__icontains=q) | Q(summary__icontains=q))
    filters = {k: v[:200] for k, v in request.GET.items() if k not in ("page", "format") and v}
    return form, qs.order_by("-decided_on", "-number"), filters


DECISION_COLUMNS = [
    export.Column("Ref", lambda d: d.display_ref),
    export.Column("Date", lambda d: d.decided_on.isoformat()),
    export.Column("Decision", lambda d: d.title),
    export.Column("Outcome", lambda d: d.get_outcome_display()),
    export.Column("Decided by", lambda d: d.decided_by),
    export.Column("Meeting", lambda d: str(d.meeting) if d.meeting_id else ""),
    export.Column("Document", lambda d: d.document_title),
    export.Column("Version", lambda d: d.document_version),
    export.Column("Change request", lambda d: d.change_request.display_ref if d.change_request_id else ""),
    export.Column("Open conditions", lambda d: d.open_conditions),
    export.Column("Conditions", lambda d: d.condition_count),
    export.Column("Summary", lambda d: d.summary),
]


@login_required
def programmes_decisions(request: HttpRequest, programme: str) -> HttpResponse:
    """The decision log (GV-34): outcome, the document and version decided, conditions open; the office
    records decisions made outside a meeting (the SRO's, say)."""
    prog = pages.programme_or_404(request, programme)
    access = access_for(request.user)
    may = permissions.can_record_decision(access, prog.pk) is None
    panel_form, status = (DecisionForm(prefix="decision", programme=prog) if may else None), 200
    if request.method == "POST":
        if not may:
            return pages.forbidden(request, permissions.can_record_decision(access, prog.pk))
        panel_form = DecisionForm(request.POST, prefix="decision", programme=prog)
        said, status = run_action_form(panel_form, _actor(request), field_of=panel_form.field_of)
        if said is not None:
            messages.success(request, said)
            return redirect(reverse("programmes_decisions", kwargs={"programme": prog.code}))
    form, qs, filters = _filtered_decisions(request, prog)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **pages.base_context(request, prog, "decisions"),
        "page": page,
        "form": form,
        "extra_qs": urlencode(filters),
        "export_qs": urlencode(filters),
        "panel": panel_form and {"verb": "decision", "form": panel_form, "url": request.path},
    }
    return render(request, "programmes/meetings/decisions.html", context, status=status)


@login_required
def programmes_decisions_export(request: HttpRequest, programme: str) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    _, qs, _ = _filtered_decisions(request, prog)
    return export.response(qs, DECISION_COLUMNS, fmt=fmt, stem=f"{prog.code}-decisions")


def _decision_context(
    request: HttpRequest, prog: Programme, decision: Decision, bound: dict | None = None
) -> dict:
    bound = bound or {}
    access = access_for(request.user)
    rows = []
    for c in decision.conditions.select_related("decision", "owner_organisation").order_by("id"):
        form = None
        if c.status == DecisionConditionStatus.OPEN and meeting_rules.can_close_condition(access, c) is None:
            form = bound.get(f"close-{c.pk}") or CloseConditionForm(condition=c)
        rows.append({"condition": c, "form": form})
    cr_url = None
    if decision.change_request_id:
        try:
            cr_url = reverse("programmes_cr_detail", kwargs={"reference": decision.change_request.reference})
        except NoReverseMatch:
            cr_url = None
    return {
        **pages.base_context(request, prog, "decisions"),
        "decision": decision,
        "summary_html": _md(decision.summary),
        "conditions": rows,
        "meeting_url": meeting_url(decision.meeting) if decision.meeting_id else None,
        "cr_url": cr_url,
        "today": timezone.localdate(),
    }


@login_required
def programmes_decision(request: HttpRequest, programme: str, number: int) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    decision = _decision_or_404(request, prog, number)
    return render(request, "programmes/meetings/decision.html", _decision_context(request, prog, decision))


@login_required
@post_form(
    lambda programme, number, condition: reverse(
        "programmes_decision", kwargs={"programme": programme, "number": number}
    )
)
def programmes_condition_close(request, programme: str, number: int, condition: int) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    decision = _decision_or_404(request, prog, number)
    the_condition = decision.conditions.filter(pk=condition).first()
    if the_condition is None:
        raise Http404("No such condition")
    reason = meeting_rules.can_close_condition(access_for(request.user), the_condition)
    if reason:
        return pages.forbidden(request, reason)
    form = CloseConditionForm(request.POST, condition=the_condition)
    said, status = run_action_form(form, _actor(request))
    if said is not None:
        messages.success(request, said)
        return redirect(
            reverse("programmes_decision", kwargs={"programme": prog.code, "number": decision.number})
            + "#conditions"
        )
    decision = _decision_or_404(request, prog, number)
    return render(
        request,
        "programmes/meetings/decision.html",
        _decision_context(request, prog, decision, {f"close-{condition}": form}),
        status=status,
    )
