"""The tranche allocation pages (issue 16 item 1): ``/migration/qualification/<programme>/allocation/`` shows
the three policies side by side (per tranche: participants, MPANs, capacity used per code body; who has no
room and why; the R525 risk of large portfolios landing late), the form that commits one (the migration
managers only) and the history of decisions; ``…/allocation/decisions/<id>/`` shows a decision's frozen
result. The programme's readers and the window's code bodies see them; anyone else gets a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, parse_id
from busbar.migration import allocation, permissions, queries
from busbar.migration.actions.allocation import RATIONALE_MAX, commit_allocation
from busbar.migration.models import AllocationDecision, AllocationPolicy

DECISIONS_PAGE = 20
_DATE_KEYS = frozenset({"starts", "ends", "cutoff", "ready_on"})


class AllocationCommitForm(forms.Form):
    policy = forms.ChoiceField(
        label="Policy to commit", choices=AllocationPolicy.choices, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label="Rationale",
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Why this policy (at most {RATIONALE_MAX:,} characters); kept with the decision.",
    )


def find_window(user: Any, code: str) -> Any:
    """The window of programme ``code`` whose allocation ``user`` may see, else 404."""
    window = allocation.window_for(user, code)
    if window is None:
        raise Http404
    return window


def dated(value: Any) -> Any:
    """A proposal's plain form with its ISO dates as dates again (for the templates)."""
    if isinstance(value, dict):
        return {
            k: (dt.date.fromisoformat(v) if k in _DATE_KEYS and isinstance(v, str) else dated(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [dated(v) for v in value]
    return value


@login_required
def migration_allocation(request: HttpRequest, code: str) -> HttpResponse:
    window = find_window(request.user, code)
    v = queries.viewer(request.user)
    manages = permissions.can_manage_qualification(v, window) is None
    form = None
    status = 200
    if request.method == "POST":
        reason = permissions.can_manage_qualification(v, window)
        if reason:
            return render(request, "core/forbidden.html", {"reason": reason}, status=403)
        form = AllocationCommitForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                decision = commit_allocation(
                    actor=Actor.from_request(request),
                    window=window,
                    policy=form.cleaned_data["policy"],
                    rationale=form.cleaned_data["rationale"],
                )
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, f"Allocation committed: {decision.get_policy_display()}.")
                return redirect("migration_allocation_decision", code=code, pk=decision.pk)
    elif manages:
        form = AllocationCommitForm(initial={"policy": window.committed_policy or None})
    proposals = allocation.compare(window)
    columns = [dated(allocation.proposal_dict(p)) for p in proposals.values()]
    decisions = (
        AllocationDecision.objects.filter(window=window)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
    )
    page = Paginator(decisions, DECISIONS_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "migration/allocation/compare.html",
        {
            "window": window,
            "programme": window.programme,
            "columns": columns,
            "form": form,
            "page": page,
            "committed": window.committed_policy,
            "committed_label": (
                AllocationPolicy(window.committed_policy).label
                if window.committed_policy in AllocationPolicy.values
                else window.committed_policy
            ),
        },
        status=status,
    )


@login_required
def migration_allocation_decision(request: HttpRequest, code: str, pk: str) -> HttpResponse:
    window = find_window(request.user, code)
    number = parse_id(pk)
    if number is None:
        raise Http404
    decision = (
        queries.decisions_visible_to(request.user)
        .filter(window=window, pk=number)
        .select_related("decided_by")
        .first()
    )
    if decision is None:
        raise Http404
    result = decision.result or {}
    return render(
        request,
        "migration/allocation/decision.html",
        {
            "window": window,
            "programme": window.programme,
            "decision": decision,
            "proposal": dated(result.get("proposal") or {}),
            "risk": dated(result.get("risk") or {}),
            "compared": [
                {"policy": p, "label": AllocationPolicy(p).label, **summary}
                for p, summary in (result.get("compared") or {}).items()
                if p in AllocationPolicy.values
            ],
        },
    )


urlpatterns = [
    path(
        "migration/qualification/<slug:code>/allocation/",
        migration_allocation,
        name="migration_allocation",
    ),
    path(
        "migration/qualification/<slug:code>/allocation/decisions/<str:pk>/",
        migration_allocation_decision,
        name="migration_allocation_decision",
    ),
]
