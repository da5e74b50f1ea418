"""Pages: a phase's quality gates (with the export of their criteria) and one gate — its checklist with
what blocks it, the SI's assessments with evidence, the board's decision form, the decision history with
the criteria as they stood, and the conditions tracked to closure (digest §6.2)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.lib import export
from busbar.lib.actions import Actor
from busbar.lib.forms import run_action_form
from busbar.lib.postback import post_form
from busbar.testing import criteria, permissions, queries
from busbar.testing.access import access_for
from busbar.testing.api.gates import allowed_on_gate, evidence_response
from busbar.testing.forms.gates import (
    AssessForm,
    CloseConditionForm,
    CriterionForm,
    DecisionForm,
    GateForm,
)
from busbar.testing.models import ConditionStatus, Gate, GateKind, GateStatus, Phase
from busbar.testing.tabs import phase_tabs


def _phase_or_404(request: HttpRequest, programme: str, phase: str) -> Phase:
    found = queries.phases_visible_to(request.user).filter(programme__code=programme, code=phase).first()
    if found is None:
        raise Http404("No such phase")
    return found


def _gate_or_404(request: HttpRequest, pk: int) -> Gate:
    return get_object_or_404(queries.gates_visible_to(request.user).select_related("phase__owner"), pk=pk)


class _Rows:
    """Evaluated criteria as the export reads them (``iterator``): a phase has tens of criteria."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def iterator(self, chunk_size: int = 1000):
        return iter(self.rows)


COLUMNS = [
    export.Column("Gate", lambda r: r[0].name),
    export.Column("Kind", lambda r: r[0].get_kind_display()),
    export.Column("Gate status", lambda r: r[0].get_status_display()),
    export.Column("Order", lambda r: r[1].criterion.order),
    export.Column("Criterion", lambda r: r[1].criterion.text),
    export.Column("Mandatory", lambda r: r[1].criterion.mandatory),
    export.Column("Automatic", lambda r: r[1].automatic),
    export.Column("Status", lambda r: r[1].status_label),
    export.Column("Blocking", lambda r: r[1].blocking),
    export.Column("Detail", lambda r: r[1].detail),
    export.Column("Evidence files", lambda r: r[1].evidence_count),
    export.Column("Assessed ({zone})", lambda r: r[1].criterion.assessed_at),
]


@login_required
def testing_gates(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    """The phase's entry and exit gates: status, how many criteria block, open conditions; the SI adds
    gates; ``?format=csv|xlsx`` exports every criterion of every gate as it stands."""
    the_phase = _phase_or_404(request, programme, phase)
    access = access_for(request.user)
    gates = list(
        queries.gates_visible_to(request.user).filter(phase=the_phase).order_by("kind", "planned_date", "id")
    )
    states = criteria.evaluate_gates(gates, access)
    fmt = request.GET.get("format")
    if fmt:
        if fmt not in export.FORMATS:
            return HttpResponse(
                "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
            )
        rows = [(g, s) for g in gates for s in states[g.pk]]
        return export.response(_Rows(rows), COLUMNS, fmt=fmt, stem=f"{the_phase.code}-gate-criteria")
    conditions: dict[int, list] = {g.pk: [] for g in gates}
    for c in (
        queries.conditions_visible_to(request.user)
        .filter(gate__in=gates, status=ConditionStatus.OPEN)
        .order_by("due_on", "id")
    ):
        conditions[c.gate_id].append(c)
    can_add = permissions.can_manage_phase(access, the_phase) is None
    form, status = None, 200
    if can_add:
        form = GateForm(prefix="gate", phase=the_phase)
    if request.method == "POST":
        if not can_add:
            reason = permissions.can_manage_phase(access, the_phase)
            return render(request, "core/forbidden.html", {"reason": reason}, status=403)
        form = GateForm(request.POST, prefix="gate", phase=the_phase)
        said, status = run_action_form(form, Actor.from_request(request))
        if said is not None:
            messages.success(request, said)
            return redirect(form.redirect_to)
    rows = []
    today = timezone.localdate()
    for g in gates:
        rows.append(
            {
                "gate": g,
                "criteria": len(states[g.pk]),
                "blocking": [s for s in states[g.pk] if s.blocking],
                "conditions": conditions[g.pk],
                "overdue": sum(1 for c in conditions[g.pk] if c.due_on and c.due_on < today),
            }
        )
    context = {
        "programme": the_phase.programme,
        "phase": the_phase,
        "tabs": phase_tabs(the_phase),
        "rows": rows,
        "panel": form and {"verb": "gate", "form": form, "url": request.path},
        "today": today,
    }
    return render(request, "testing/gates/list.html", context, status=status)


def _gate_context(request: HttpRequest, gate: Gate, bound: dict | None = None) -> dict:
    bound = bound or {}
    access = access_for(request.user)
    states = criteria.evaluate_gate(gate, access)
    allowed = allowed_on_gate(access, gate)
    evidence: dict[int, list] = {}
    for e in (
        queries.evidence_visible_to(request.user).filter(criterion__gate=gate).order_by("created_at", "id")
    ):
        evidence.setdefault(e.criterion_id, []).append(e)
    rows = []
    for s in states:
        form = None
        if "assess" in allowed:
            form = bound.get(f"assess-{s.criterion.pk}") or AssessForm(criterion=s.criterion)
        rows.append({"state": s, "evidence": evidence.get(s.criterion.pk, []), "form": form})
    conditions = list(
        queries.conditions_visible_to(request.user)
        .filter(gate=gate)
        .select_related("closed_by", "decision")
        .order_by("status", "due_on", "id")
    )
    condition_rows = []
    for c in conditions:
        close = None
        if c.status == ConditionStatus.OPEN and permissions.can_close_condition(access, c) is None:
            close = bound.get(f"close-{c.pk}") or CloseConditionForm(condition=c)
        condition_rows.append({"condition": c, "form": close})
    decisions = list(
        gate.decisions.select_related("decided_by", "decided_by_organisation").order_by("-decided_at", "-id")
    )
    for d in decisions:
        # The criteria as they stood, as this reader may see them (stored with the full detail).
        d.shown_criteria = criteria.snapshot_for(d.criteria, access, gate.phase.programme_id)
    decide = None
    if "decide" in allowed:
        decide = {
            "verb": "decide",
            "form": bound.get("decide") or DecisionForm(prefix="decide", gate=gate),
            "url": reverse("testing_gate_decide", args=[gate.pk]),
        }
    add = None
    if "add-criterion" in allowed:
        add = {
            "verb": "criterion",
            "form": bound.get("criterion") or CriterionForm(prefix="criterion", gate=gate),
            "url": reverse("testing_gate_criterion", args=[gate.pk]),
        }
    blocking = [s for s in states if s.blocking]
    exited = gate.kind == GateKind.EXIT and gate.status in (GateStatus.GO, GateStatus.GO_WITH_CONDITIONS)
    return {
        "gate": gate,
        "phase": gate.phase,
        "programme": gate.phase.programme,
        "tabs": phase_tabs(gate.phase),
        "rows": rows,
        "blocking": blocking,
        "missing": criteria.without_evidence(states),
        "conditions": condition_rows,
        "open_conditions": [c for c in conditions if c.status == ConditionStatus.OPEN],
        "decisions": decisions,
        "decide": decide,
        "add": add,
        "post_phase": criteria.post_phase_participants(gate.phase) if exited else [],
        "today": timezone.localdate(),
        "decide_reason": None if decide else permissions.can_decide_gate(access, gate),
    }


@login_required
def testing_gate(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate_or_404(request, pk)
    return render(request, "testing/gates/detail.html", _gate_context(request, gate))


def _back(pk: int, anchor: str = "") -> str:
    return reverse("testing_gate", args=[pk]) + anchor


def _run(request: HttpRequest, gate: Gate, key: str, form, anchor: str, field_of=None) -> HttpResponse:
    said, status = run_action_form(form, Actor.from_request(request), field_of=field_of)
    if said is not None:
        messages.success(request, said)
        return redirect(_back(gate.pk, anchor))
    gate = _gate_or_404(request, gate.pk)
    return render(
        request, "testing/gates/detail.html", _gate_context(request, gate, {key: form}), status=status
    )


def _refused(request: HttpRequest, reason: str | None) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason or "You cannot do that here"}, status=403)


@login_required
@post_form(lambda pk: _back(pk, "#decide"))
def testing_gate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate_or_404(request, pk)
    reason = permissions.can_decide_gate(access_for(request.user), gate)
    if reason:
        return _refused(request, reason)
    form = DecisionForm(request.POST, prefix="decide", gate=gate)
    return _run(request, gate, "decide", form, "#decisions", field_of=form.field_of)


@login_required
@post_form(lambda pk: _back(pk, "#add-criterion"))
def testing_gate_criterion(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate_or_404(request, pk)
    reason = permissions.can_manage_phase(access_for(request.user), gate.phase)
    if reason:
        return _refused(request, reason)
    form = CriterionForm(request.POST, prefix="criterion", gate=gate)
    return _run(request, gate, "criterion", form, "#criteria")


@login_required
@post_form(lambda pk, criterion: _back(pk, f"#criterion-{criterion}"))
def testing_gate_assess(request: HttpRequest, pk: int, criterion: int) -> HttpResponse:
    gate = _gate_or_404(request, pk)
    the_criterion = get_object_or_404(
        queries.criteria_visible_to(request.user).select_related("gate__phase"), pk=criterion, gate=gate
    )
    reason = permissions.can_assess(access_for(request.user), the_criterion)
    if reason:
        return _refused(request, reason)
    form = AssessForm(request.POST, request.FILES, criterion=the_criterion)
    return _run(request, gate, f"assess-{criterion}", form, f"#criterion-{criterion}")


@login_required
@post_form(lambda pk, condition: _back(pk, "#conditions"))
def testing_condition_close(request: HttpRequest, pk: int, condition: int) -> HttpResponse:
    gate = _gate_or_404(request, pk)
    the_condition = get_object_or_404(
        queries.conditions_visible_to(request.user).select_related("gate__phase"), pk=condition, gate=gate
    )
    reason = permissions.can_close_condition(access_for(request.user), the_condition)
    if reason:
        return _refused(request, reason)
    form = CloseConditionForm(request.POST, condition=the_condition)
    return _run(request, gate, f"close-{condition}", form, "#conditions")


@login_required
def testing_gate_evidence(request: HttpRequest, pk: int, evidence: int) -> HttpResponse:
    gate = _gate_or_404(request, pk)
    found = get_object_or_404(queries.evidence_visible_to(request.user), pk=evidence, criterion__gate=gate)
    return evidence_response(found)


urlpatterns = [
    path("testing/gates/<int:pk>/", testing_gate, name="testing_gate"),
    path("testing/gates/<int:pk>/decide/", testing_gate_decide, name="testing_gate_decide"),
    path("testing/gates/<int:pk>/criteria/", testing_gate_criterion, name="testing_gate_criterion"),
    path(
        "testing/gates/<int:pk>/criteria/<int:criterion>/assess/",
        testing_gate_assess,
        name="testing_gate_assess",
    ),
    path(
        "testing/gates/<int:pk>/conditions/<int:condition>/close/",
        testing_condition_close,
        name="testing_condition_close",
    ),
    path(
        "testing/gates/<int:pk>/evidence/<int:evidence>/", testing_gate_evidence, name="testing_gate_evidence"
    ),
    path("testing/<slug:programme>/<slug:phase>/gates/", testing_gates, name="testing_gates"),
]
