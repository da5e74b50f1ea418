"""The migration plan pages (QM-18, QM-22):

* ``/migration/plans/`` — the plans the person sees (status, version, MPANs, first and last day, breaches)
  and, for the managers, the thresholds in force; a form to start a plan;
* ``/migration/plans/<id>/`` — MPANs per day (paged), over-threshold days flagged (which cap, by how much,
  tomorrow called out), and the forms the person may use: upload lines (CSV), generate lines, submit,
  accept / return, re-profile with a preview of the moves;
* ``/migration/thresholds/`` — the thresholds and segment windows; managers add and end thresholds, set
  windows or take them from the milestones;
* ``/migration/breaches/`` — every over-threshold day the person may see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error
from busbar.lib.postback import post_form
from busbar.migration import common, permissions, plan_import, queries, thresholds
from busbar.migration.actions import plans as actions
from busbar.migration.actions.cutover import record_cutover
from busbar.migration.models import PLAN_TRANSITIONS, PlanStatus, Segment, ThresholdScope
from busbar.migration.reprofile import propose_reprofile
from busbar.parties.models import IndustryRole, Organisation

PAGE_SIZE = 50
DAYS_PAGE = 62
MOVES_SHOWN = 60
DATE = forms.DateInput(attrs={"type": "date"})
DISTRIBUTOR_CHOICES = [(d, d) for d in common.DISTRIBUTOR_IDS]


# Forms (shape only: the rules are the actions') ------------------------------------------------------------


class PlanCreateForm(forms.Form):
    segment = forms.ChoiceField(choices=Segment.choices)
    supplier = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, manager: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if manager:
            self.fields["supplier"].queryset = _suppliers()
            self.fields["supplier"].help_text = "Blank: your own organisation"
        else:
            del self.fields["supplier"]


def _suppliers() -> Any:
    return Organisation.objects.filter(is_active=True, roles__role=IndustryRole.ENERGY_SUPPLIER).order_by(
        "name"
    )


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV with columns day, distributor, agent (MPID, optional), volume")


class GenerateForm(forms.Form):
    total = forms.IntegerField(min_value=1, max_value=common.MAX_VOLUME, label="MPANs")
    start = forms.DateField(widget=DATE, label="First day")
    end = forms.DateField(widget=DATE, label="Last day")
    shares = forms.CharField(
        required=False,
        max_length=300,
        help_text="Distributor ID : share, e.g. 10:30, 12:20 (blank: every distributor by its size)",
    )
    agent = forms.CharField(required=False, max_length=8, label="Agent MPID")


class ReturnForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class EmptyForm(forms.Form):
    pass


class ThresholdForm(forms.Form):
    scope = forms.ChoiceField(choices=ThresholdScope.choices)
    segment = forms.ChoiceField(choices=[("", "All segments"), *Segment.choices], required=False)
    distributor = forms.ChoiceField(
        choices=[("", "— (every distributor, for a distributor cap)"), *DISTRIBUTOR_CHOICES], required=False
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        help_text="The agent or supplier (blank: every one without its own cap)",
    )
    daily_max = forms.IntegerField(min_value=0, max_value=common.MAX_VOLUME, label="MPANs a day at most")
    effective_from = forms.DateField(widget=DATE)
    effective_to = forms.DateField(widget=DATE, required=False, help_text="Blank: open")
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).order_by("name")


class EndThresholdForm(forms.Form):
    threshold = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    effective_to = forms.DateField(widget=DATE, label="Last day in force")


class CutoverForm(forms.Form):
    segment = forms.ChoiceField(choices=Segment.choices)


class WindowForm(forms.Form):
    segment = forms.ChoiceField(choices=Segment.choices)
    opens = forms.DateField(widget=DATE, label="Opens (M11/M12)")
    reverse_until = forms.DateField(widget=DATE, label="Reverse migration until (M14)")
    closes = forms.DateField(widget=DATE, label="Closes (M15)")


# Helpers -------------------------------------------------------------------------------------------------


def _status_for(exc: ActionError) -> int:
    return 403 if isinstance(exc, NotPermitted) else exc.status


def _plans(user: Any) -> Any:
    return (
        queries.plans_visible_to(user)
        .annotate(total_mpans=Sum("lines__volume"), first_day=Min("lines__day"), last_day=Max("lines__day"))
        .order_by("supplier__name", "segment", "pk")
    )


def _plan_or_404(request: HttpRequest, plan_id: int) -> Any:
    if not 1 <= plan_id < 2**63:
        raise Http404("No such plan")
    return get_object_or_404(_plans(request.user), pk=plan_id)


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


# The plan list -------------------------------------------------------------------------------------------


@login_required
def migration_plans(request: HttpRequest) -> HttpResponse:
    v = queries.viewer(request.user)
    programme = common.migration_programme()
    manager = programme is not None and v.manages_programme(programme.pk)
    can_create = programme is not None and (
        manager or _suppliers().filter(pk__in=v.organisation_ids).exists()
    )
    form = PlanCreateForm(manager=manager) if can_create else None
    status = 200
    if request.method == "POST":
        if not can_create:
            return _forbidden(request, permissions.NOT_YOURS)
        form = PlanCreateForm(request.POST, manager=manager)
        status = 422
        if form.is_valid():
            supplier = form.cleaned_data.get("supplier") or v.scope.primary_organisation
            try:
                if supplier is None:
                    raise ActionError("Choose the supplier", field="supplier")
                plan = actions.create_plan(
                    actor=Actor.from_request(request),
                    programme=programme,
                    supplier=supplier,
                    segment=form.cleaned_data["segment"],
                    note=form.cleaned_data.get("note") or "",
                )
            except ActionError as exc:
                add_action_error(form, exc)
                status = _status_for(exc)
            else:
                messages.success(request, f"Plan started: {plan}.")
                return redirect("migration_plan", plan.pk)
    page = Paginator(_plans(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    plans = list(page.object_list)
    counts: dict[int, int | None] = {}
    by_programme: dict[int, list] = {}
    for p in plans:
        if p.status in thresholds.COUNTED:
            by_programme.setdefault(p.programme_id, []).append(p)
    for programme_id, items in by_programme.items():
        found = thresholds.visible_breaches(request.user, thresholds.check(programme_id), programme_id)
        counts.update(thresholds.involvement(found, items))
    rows = [{"plan": p, "breaches": counts.get(p.pk)} for p in plans]
    in_force = []
    if manager:
        in_force = thresholds.thresholds_in_force(programme.pk, common.today())
    context = {
        "page": page,
        "rows": rows,
        "form": form,
        "manager": manager,
        "in_force": in_force,
        "today": common.today(),
    }
    return render(request, "migration/plans/list.html", context, status=status)


# One plan ------------------------------------------------------------------------------------------------

VERBS = ("upload", "generate", "submit", "accept", "return", "reprofile")


def _offered(v: Any, plan: Any) -> set[str]:
    out = set()
    if permissions.can_edit_plan(v, plan) is None and plan.status in actions.EDITABLE:
        out |= {"upload", "generate"}
    if permissions.can_submit_plan(v, plan) is None and PlanStatus.SUBMITTED in PLAN_TRANSITIONS.get(
        plan.status, ()
    ):
        out.add("submit")
    if permissions.can_review_plan(v, plan) is None and plan.status == PlanStatus.SUBMITTED:
        out |= {"accept", "return"}
    if permissions.can_reprofile(v, plan) is None:
        out.add("reprofile")
    return out


def _form_for(verb: str, data: Any = None, files: Any = None) -> forms.Form:
    if verb == "upload":
        return UploadForm(data, files, prefix=verb)
    if verb == "generate":
        return GenerateForm(data, prefix=verb)
    if verb == "return":
        return ReturnForm(data, prefix=verb)
    return EmptyForm(data, prefix=verb)


def _plan_context(request: HttpRequest, plan: Any, bound: dict | None = None, errors: Any = None) -> dict:
    v = queries.viewer(request.user)
    today = common.today()
    tomorrow = today + dt.timedelta(days=1)
    offered = _offered(v, plan)
    found = thresholds.visible_breaches(request.user, thresholds.check_plan(plan), plan.programme_id)
    by_day: dict[dt.date, list] = {}
    for b in found:
        by_day.setdefault(b.day, []).append(b)
    days_qs = (
        plan.lines.order_by("day")
        .values("day")
        .annotate(mpans=Sum("volume"), distributors=Count("distributor", distinct=True))
    )
    days = Paginator(days_qs, DAYS_PAGE).get_page(request.GET.get("page"))
    day_rows = [{**row, "breaches": by_day.get(row["day"], [])} for row in days.object_list]
    forms_ = {verb: _form_for(verb) for verb in offered}
    forms_.update(bound or {})
    proposal = None
    if "reprofile" in offered and found:
        try:
            proposal = propose_reprofile(plan, today=today)
        except ActionError:
            proposal = None
    window = common.segment_windows(plan.programme_id).get(plan.segment)
    agent_names = {}
    if proposal is not None and proposal.moves:
        ids = {m.agent_id for m in proposal.moves[:MOVES_SHOWN] if m.agent_id}
        agent_names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        "plan": plan,
        "window": window,
        "page": days,
        "day_rows": day_rows,
        "breaches": found,
        "tomorrow": tomorrow,
        "tomorrow_breaches": by_day.get(tomorrow, []),
        "forms": forms_,
        "offered": offered,
        "proposal": proposal,
        "moves": proposal.moves[:MOVES_SHOWN] if proposal else [],
        "agent_names": agent_names,
        "line_errors": errors,
        "max_lines": plan_import.MAX_LINES,
    }


@login_required
def migration_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan_or_404(request, plan_id)
    return render(request, "migration/plans/detail.html", _plan_context(request, plan))


def _run_verb(request: HttpRequest, plan: Any, verb: str, form: forms.Form) -> str:
    actor = Actor.from_request(request)
    data = form.cleaned_data
    if verb == "upload":
        content = data["file"].read(plan_import.MAX_BYTES + 1)
        rows = plan_import.read_csv(content)
        actions.set_lines(actor=actor, plan=plan, lines=rows, source="csv")
        return f"Lines uploaded: {len(rows):,} rows read."
    if verb == "generate":
        window = common.segment_windows(plan.programme_id).get(plan.segment)
        rows = plan_import.generate(
            total=data["total"],
            start=data["start"],
            end=data["end"],
            shares=plan_import.parse_shares(data.get("shares") or ""),
            window=window,
        )
        agent = (data.get("agent") or "").strip()
        for row in rows:
            row["agent"] = agent
        actions.set_lines(actor=actor, plan=plan, lines=rows, source="generator")
        return f"{data['total']:,} MPANs spread over {len(rows):,} lines."
    if verb == "submit":
        actions.submit_plan(actor=actor, plan=plan)
        return "Plan submitted for review."
    if verb == "accept":
        actions.accept_plan(actor=actor, plan=plan)
        return "Plan accepted."
    if verb == "return":
        actions.return_plan(actor=actor, plan=plan, reason=data["reason"])
        return "Plan returned to the supplier."
    proposal = actions.reprofile(actor=actor, plan=plan)
    left = f"; {proposal.remaining:,} fit nowhere and stay" if proposal.remaining else ""
    return f"Re-profiled: {proposal.moved:,} MPANs moved in {len(proposal.moves):,} moves{left}."


@login_required
@post_form(lambda plan_id, verb: reverse("migration_plan", args=[plan_id]) + f"#do-{verb}")
def migration_plan_action(request: HttpRequest, plan_id: int, verb: str) -> HttpResponse:
    if verb not in VERBS:
        raise Http404("No such action")
    plan = _plan_or_404(request, plan_id)
    form = _form_for(verb, request.POST, request.FILES)
    status, errors = 422, None
    if form.is_valid():
        try:
            message = _run_verb(request, plan, verb, form)
        except plan_import.LineErrors as exc:
            errors = exc
            add_action_error(form, exc)
            status = exc.status
        except ActionError as exc:
            field = {"start": "start", "end": "end", "total": "total", "shares": "shares"}.get(
                exc.field or ""
            )
            if field and field in form.fields:
                form.add_error(field, exc.message)
            else:
                form.add_error(None, exc.message)
            status = _status_for(exc)
        else:
            messages.success(request, message)
            return redirect("migration_plan", plan.pk)
    plan = _plan_or_404(request, plan_id)
    if verb not in _offered(queries.viewer(request.user), plan):
        messages.error(request, "; ".join(str(e) for e in form.non_field_errors()) or "Not offered")
        return render(request, "migration/plans/detail.html", _plan_context(request, plan), status=status)
    context = _plan_context(request, plan, bound={verb: form}, errors=errors)
    return render(request, "migration/plans/detail.html", context, status=status)


# Thresholds and windows ------------------------------------------------------------------------------------


def _thresholds_context(request: HttpRequest, bound: dict | None = None) -> dict:
    v = queries.viewer(request.user)
    programme = common.migration_programme()
    keeps = programme is not None and permissions.can_keep_thresholds(v, programme) is None
    qs = queries.thresholds_visible_to(request.user).order_by(
        "scope", "distributor", "organisation__name", "segment", "-effective_from", "pk"
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = common.today()
    in_force_ids = (
        {t.pk for t in thresholds.thresholds_in_force(programme.pk, today)}
        if programme is not None
        else set()
    )
    windows = list(queries.segment_windows_visible_to(request.user).filter(programme=programme))
    cutovers = {
        (c.segment, c.day): c for c in queries.cutovers_visible_to(request.user).filter(programme=programme)
    }
    totals = queries.cutover_totals(request.user, [c.pk for c in cutovers.values()])
    window_rows = []
    for w in windows:
        taken = cutovers.get((w.segment, w.closes))
        window_rows.append(
            {
                "window": w,
                "cutover": taken,
                "totals": totals.get(taken.pk) if taken else None,
                "due": taken is None and w.closes < today,
            }
        )
    forms_: dict[str, Any] = {}
    if keeps:
        forms_ = {
            "add": ThresholdForm(prefix="add"),
            "window": WindowForm(prefix="window"),
            "sync": EmptyForm(),
        }
    forms_.update(bound or {})
    return {
        "page": page,
        "keeps": keeps,
        "forms": forms_,
        "in_force_ids": in_force_ids,
        "windows": window_rows,
        "programme": programme,
        "today": today,
    }


@login_required
def migration_thresholds(request: HttpRequest) -> HttpResponse:
    return render(request, "migration/plans/thresholds.html", _thresholds_context(request))


@login_required
@post_form(lambda verb: reverse("migration_thresholds"))
def migration_thresholds_action(request: HttpRequest, verb: str) -> HttpResponse:
    forms_by_verb = {
        "add": ThresholdForm,
        "end": EndThresholdForm,
        "window": WindowForm,
        "sync": EmptyForm,
        "cutover": CutoverForm,
    }
    if verb not in forms_by_verb:
        raise Http404("No such action")
    programme = common.migration_programme()
    v = queries.viewer(request.user)
    if programme is None or permissions.can_keep_thresholds(v, programme) is not None:
        return _forbidden(request, permissions.NOT_MANAGER)
    form = forms_by_verb[verb](request.POST, prefix=None if verb in ("end", "sync", "cutover") else verb)
    status = 422
    if form.is_valid():
        actor = Actor.from_request(request)
        d = form.cleaned_data
        try:
            if verb == "add":
                actions.add_threshold(actor=actor, programme=programme, **d)
                message = "Threshold added."
            elif verb == "end":
                threshold = queries.thresholds_visible_to(request.user).filter(pk=d["threshold"]).first()
                if threshold is None:
                    raise Http404("No such threshold")
                actions.end_threshold(actor=actor, threshold=threshold, effective_to=d["effective_to"])
                message = f"Threshold ends on {d['effective_to']:%d %b %Y}."
            elif verb == "window":
                actions.set_segment_window(actor=actor, programme=programme, **d)
                message = "Segment window saved."
            elif verb == "cutover":
                taken = record_cutover(actor=actor, programme=programme, segment=d["segment"])
                message = (
                    f"{taken.get_segment_display()} cut-over recorded: {taken.in_flight:,} MPANs in flight, "
                    f"{taken.not_migrated:,} not migrated."
                )
            else:
                actions.sync_from_milestones(actor=actor, programme=programme)
                message = "Segment windows taken from the milestones."
        except ActionError as exc:
            add_action_error(form, exc)
            status = _status_for(exc)
        else:
            messages.success(request, message)
            return redirect("migration_thresholds")
    if verb in ("end", "cutover"):
        for error in [*form.non_field_errors(), *[e for es in form.errors.values() for e in es]]:
            messages.error(request, error)
        bound = {}
    else:
        bound = {verb: form}
    return render(
        request, "migration/plans/thresholds.html", _thresholds_context(request, bound=bound), status=status
    )


# Breaches ----------------------------------------------------------------------------------------------


@login_required
def migration_breaches(request: HttpRequest) -> HttpResponse:
    programme = common.migration_programme()
    found: list = []
    if programme is not None:
        found = thresholds.visible_breaches(request.user, thresholds.check(programme.pk), programme.pk)
    today = common.today()
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "today": today,
        "tomorrow": today + dt.timedelta(days=1),
        "count": len(found),
        "upcoming": sum(1 for b in found if b.day > today),
    }
    return render(request, "migration/plans/breaches.html", context)


urlpatterns = [
    path("migration/plans/", migration_plans, name="migration_plans"),
    path("migration/plans/<int:plan_id>/", migration_plan, name="migration_plan"),
    path("migration/plans/<int:plan_id>/<slug:verb>/", migration_plan_action, name="migration_plan_action"),
    path("migration/thresholds/", migration_thresholds, name="migration_thresholds"),
    path(
        "migration/thresholds/<slug:verb>/", migration_thresholds_action, name="migration_thresholds_action"
    ),
    path("migration/breaches/", migration_breaches, name="migration_breaches"),
]
