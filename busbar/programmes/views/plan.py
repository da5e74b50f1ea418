"""Pages of the programme plan (digest §5.1–5.2): the baseline-vs-forecast table with the Gantt-style
timeline, every baseline and their comparison, one milestone with its history, tasks, phases, members,
participants' subsidiary plans and the governance settings; the plan table's CSV/XLSX export.

Everyone who sees the programme reads the plan (an outsider gets 404); the programme office changes it
(others get 403); a participant keeps its own subsidiary plan, read only by it, the office and assurers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse

from busbar.lib import export
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, parse_id, run_action_form
from busbar.lib.postback import post_form
from busbar.parties.models import Organisation
from busbar.programmes import gantt, pages, permissions, plan_view, queries
from busbar.programmes.actions import plan as actions
from busbar.programmes.forms.plan import (
    FirstBaselineForm,
    MemberForm,
    MilestoneEditForm,
    MilestoneForm,
    PartyMilestoneForm,
    PhaseEditForm,
    PhaseForm,
    SettingsForm,
    SubsidiaryPlanForm,
    TaskEditForm,
    TaskForm,
    participant_organisations,
)
from busbar.programmes.models import (
    Baseline,
    GovernanceSettings,
    Member,
    Milestone,
    MilestoneChange,
    PartyMilestone,
    PlanPhase,
    SubsidiaryPlan,
    Task,
)
from busbar.testing.access import access_for
from busbar.testing.models import Programme

PAGE_SIZE = 50
#: Tasks drawn on the plan's timeline at most (the tasks page lists every one).
GANTT_TASKS = 150


def _url(name: str, **kwargs: object) -> str:
    """The address of another area's page, or "" while that area has none."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _plan_url(programme: Programme, name: str = "programmes_plan", **kwargs: object) -> str:
    return reverse(name, kwargs={"programme": programme.code, **kwargs})


def _context(request: HttpRequest, programme: Programme, **extra: object) -> dict:
    context = pages.base_context(request, programme, "plan")
    context.update(extra)
    return context


def _refused(request: HttpRequest, reason: str | None) -> HttpResponse:
    return pages.forbidden(request, reason or "You cannot do that here")


def _panel(verb: str, form, url: str) -> dict:
    return {"verb": verb, "form": form, "url": url}


def _post(request: HttpRequest, form, reason: str | None):
    """Run ``form`` after ``reason`` (why not, or None): (redirect response or None, status)."""
    if reason is not None:
        return _refused(request, reason), 403
    said, status = run_action_form(form, Actor.from_request(request))
    if said is not None:
        messages.success(request, said)
        return redirect(getattr(form, "redirect_to", "") or request.get_full_path()), 302
    return None, status


def _baseline_number(request: HttpRequest) -> int | None:
    number = parse_id(request.GET.get("baseline"))
    return number if number is not None and number <= 32_767 else None


# -- the plan -------------------------------------------------------------------------------------------


def plan_gantt(table: plan_view.PlanTable, phases: list[PlanPhase], tasks: list[Task]) -> gantt.Gantt:
    """The plan's timeline: a lane per phase with its tasks and milestones, then what is in no phase."""
    programme = table.programme
    lanes: dict[int | None, gantt.Lane] = {}
    for phase in phases:
        lanes[phase.pk] = gantt.Lane(
            band=gantt.Band(
                label=phase.name,
                start=phase.start,
                end=phase.end,
                rag=phase.rag,
                href=_plan_url(programme, "programmes_plan_phase", code=phase.code),
            )
        )
    loose = gantt.Lane(band=None)
    for task in tasks:
        who = task.responsible_label or (task.responsible.name if task.responsible else "")
        detail = f"{task.duration_days}{'?' if task.duration_uncertain else ''} working days"
        if who:
            detail += f", {who}"
        lanes.get(task.phase_id, loose).bars.append(
            gantt.Bar(label=f"{task.ref} {task.name}", start=task.start, finish=task.finish, detail=detail)
        )
    for row in table.rows:
        m = row.milestone
        lanes.get(m.phase_id, loose).diamonds.append(
            gantt.Diamond(
                code=m.code,
                name=m.name,
                date=row.actual_date or row.forecast_date,
                baseline=row.current_baseline_date,
                compared=row.baseline_date if table.comparing_earlier else None,
                rag=m.rag,
                done=bool(row.actual_date),
                warning=row.warning,
                href=_plan_url(programme, "programmes_milestone", code=m.code),
                control_point=m.kind == "control_point",
            )
        )
    compared = table.compared
    return gantt.Gantt(
        title=f"{programme.name} plan timeline",
        lanes=[*lanes.values(), loose],
        today=table.today,
        compared_label=f"Baseline {compared.number}" if table.comparing_earlier and compared else "",
    )


@login_required
def programmes_plan(request: HttpRequest, programme: str) -> HttpResponse:
    """Baseline vs forecast: each milestone's baseline, forecast and actual dates, the delta in working
    days, RAG and rationale, predecessor warnings, slips from and to subsidiary plans, and the timeline.
    ``?baseline=N`` compares with an earlier baseline. The office adds milestones here (POST)."""
    the_programme = pages.programme_or_404(request, programme)
    access = access_for(request.user)
    can_manage = permissions.can_manage_plan(access, the_programme.pk)
    form, status = None, 200
    if request.method == "POST":
        form = MilestoneForm(request.POST, prefix="milestone", programme=the_programme)
        done, status = _post(request, form, can_manage)
        if done is not None:
            return done
    elif can_manage is None:
        form = MilestoneForm(prefix="milestone", programme=the_programme)
    table = plan_view.plan_table(the_programme, access, baseline_number=_baseline_number(request))
    phases = list(PlanPhase.objects.filter(programme=the_programme).select_related("test_phase"))
    tasks = list(
        Task.objects.filter(programme=the_programme)
        .select_related("responsible")
        .order_by("start", "order", "pk")[:GANTT_TASKS]
    )
    chart = plan_gantt(table, phases, tasks)
    context = _context(
        request,
        the_programme,
        table=table,
        phases=phases,
        chart_svg=chart.svg(),
        chart_table=chart.table(caption="The timeline as a table"),
        task_count=Task.objects.filter(programme=the_programme).count(),
        gantt_tasks=GANTT_TASKS,
        panel=form and _panel("milestone", form, request.path),
        can_manage=can_manage is None,
        can_baseline=can_manage is None and not table.baselines,
    )
    return render(request, "programmes/plan/plan.html", context, status=status)


class _Rows:
    """Computed rows as :func:`busbar.lib.export.response` reads them (``iterator``)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def iterator(self, chunk_size: int = 1000):
        return iter(self.rows)


PLAN_COLUMNS = [
    export.Column("Milestone", lambda r: r.milestone.code),
    export.Column("Name", lambda r: r.milestone.name),
    export.Column("Kind", lambda r: r.milestone.get_kind_display()),
    export.Column("Phase", lambda r: r.milestone.phase.name if r.milestone.phase else ""),
    export.Column("Predecessor", lambda r: r.milestone.predecessor.code if r.milestone.predecessor else ""),
    export.Column("Regulatory", lambda r: r.milestone.regulatory),
    export.Column("Baseline date", lambda r: r.baseline_date),
    export.Column("Current baseline date", lambda r: r.current_baseline_date),
    export.Column("Forecast date", lambda r: r.forecast_date),
    export.Column("Actual date", lambda r: r.actual_date),
    export.Column("Delta (working days)", lambda r: r.delta),
    export.Column("RAG", lambda r: r.milestone.get_rag_display() if r.milestone.rag else ""),
    export.Column("Rationale", lambda r: r.milestone.rationale),
    export.Column("Warning", lambda r: r.warning),
    export.Column("Participants forecast after", lambda r: r.late_participants),
]


@login_required
def programmes_plan_export(request: HttpRequest, programme: str) -> HttpResponse:
    """The plan table (``?baseline=N`` as the page) as CSV or XLSX."""
    the_programme = pages.programme_or_404(request, programme)
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    table = plan_view.plan_table(
        the_programme, access_for(request.user), baseline_number=_baseline_number(request)
    )
    stem = f"{the_programme.code}-plan"
    if table.compared is not None:
        stem += f"-baseline-{table.compared.number}"
    return export.response(_Rows(table.rows), PLAN_COLUMNS, fmt=fmt, stem=stem)


# -- baselines ------------------------------------------------------------------------------------------


@login_required
def programmes_baselines(request: HttpRequest, programme: str) -> HttpResponse:
    """Every baseline of the plan (none is ever changed) and ``?a=&b=`` the comparison of two. The office
    sets the first baseline here (POST), once."""
    the_programme = pages.programme_or_404(request, programme)
    access = access_for(request.user)
    baselines = list(
        Baseline.objects.filter(programme=the_programme)
        .select_related("change_request", "approved_by")
        .order_by("number")
    )
    milestones = list(Milestone.objects.filter(programme=the_programme).order_by("order", "code"))
    reason = permissions.can_set_first_baseline(access, the_programme.pk)
    form, status = None, 200
    if request.method == "POST":
        form = FirstBaselineForm(request.POST, prefix="first", programme=the_programme, milestones=milestones)
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None and not baselines:
        form = FirstBaselineForm(prefix="first", programme=the_programme, milestones=milestones)
    by_number = {b.number: b for b in baselines}
    a, b = (
        by_number.get(parse_id(request.GET.get("a")) or 0),
        by_number.get(parse_id(request.GET.get("b")) or 0),
    )
    if (a is None or b is None) and len(baselines) >= 2 and not request.GET.get("a"):
        a, b = baselines[-2], baselines[-1]
    comparison = plan_view.compare_baselines(the_programme, a, b) if a and b else None
    counts = {}
    if baselines:
        counts = dict(
            Baseline.objects.filter(programme=the_programme)
            .annotate(n=Count("dates"))
            .values_list("number", "n")
        )
    for baseline in baselines:
        baseline.milestone_count = counts.get(baseline.number, 0)
        cr = baseline.change_request
        baseline.cr_url = _url("programmes_cr_detail", reference=cr.reference) if cr else ""
    cr_url = ""
    if comparison and comparison.written_by:
        cr_url = _url("programmes_cr_detail", reference=comparison.written_by.reference)
    context = _context(
        request,
        the_programme,
        baselines=baselines,
        comparison=comparison,
        cr_url=cr_url,
        a=a,
        b=b,
        panel=form and _panel("first-baseline", form, request.path),
        can_baseline=reason is None and not baselines,
    )
    return render(request, "programmes/plan/baselines.html", context, status=status)


# -- one milestone --------------------------------------------------------------------------------------


def _milestone_or_404(request: HttpRequest, programme: Programme, code: str) -> Milestone:
    found = (
        queries.in_visible_programme(Milestone.objects.filter(programme=programme, code=code), request.user)
        .select_related("phase", "predecessor")
        .first()
    )
    if found is None:
        raise Http404("No such milestone")
    return found


@login_required
def programmes_milestone(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    """One milestone: its dates, delta and RAG, its date in every baseline (and the change request that
    moved it), pending change requests, tasks leading to it, successors, linked RAID items and the
    participants' milestones linked to it. The office updates it here (POST); never its baseline."""
    the_programme = pages.programme_or_404(request, programme)
    milestone = _milestone_or_404(request, the_programme, code)
    access = access_for(request.user)
    reason = permissions.can_manage_plan(access, the_programme.pk)
    form, status = None, 200
    if request.method == "POST":
        if reason is not None:
            return _refused(request, reason)
        form = MilestoneEditForm(request.POST, prefix="edit", programme=the_programme, milestone=milestone)
        posted = form.posted_baseline()
        if posted is not None:
            form.is_valid()
            try:
                actions.update_milestone(
                    actor=Actor.from_request(request), milestone=milestone, baseline_date=posted
                )
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
        else:
            said, status = run_action_form(form, Actor.from_request(request))
            if said is not None:
                messages.success(request, said)
                return redirect(_plan_url(the_programme, "programmes_milestone", code=milestone.code))
    elif reason is None:
        form = MilestoneEditForm(prefix="edit", programme=the_programme, milestone=milestone)
    table = plan_view.plan_table(the_programme, access)
    row = next(r for r in table.rows if r.milestone.pk == milestone.pk)
    history = plan_view.milestone_history(milestone)
    for h in history:
        cr = h.baseline.change_request
        h.cr_url = _url("programmes_cr_detail", reference=cr.reference) if cr else ""
    pending = list(
        MilestoneChange.objects.filter(
            milestone=milestone, change_request__in=queries.cr_visible_to(request.user)
        )
        .select_related("change_request")
        .order_by("-change_request__number")[:20]
    )
    for change in pending:
        change.url = _url("programmes_cr_detail", reference=change.change_request.reference)
    raid = list(
        queries.raid_visible_to(request.user)
        .filter(programme=the_programme)
        .filter(Q(impacting_milestone=milestone) | Q(impacted_milestone=milestone))
        .order_by("number")[:50]
    )
    for item in raid:
        item.url = _url("programmes_raid_detail", reference=item.reference)
    linked = list(
        PartyMilestone.objects.filter(
            programme_milestone=milestone,
            plan__in=queries.subsidiary_plans_visible_to(request.user).filter(programme=the_programme),
        )
        .select_related("plan__organisation")
        .order_by("plan__organisation__name", "planned_date")[:100]
    )
    context = _context(
        request,
        the_programme,
        milestone=milestone,
        row=row,
        history=history,
        pending=pending,
        raid=raid,
        linked=linked,
        successors=list(Milestone.objects.filter(predecessor=milestone).order_by("order", "code")),
        tasks=list(
            Task.objects.filter(milestone=milestone).select_related("responsible").order_by("start")[:50]
        ),
        panel=form and _panel("edit", form, request.path),
    )
    return render(request, "programmes/plan/milestone.html", context, status=status)


# -- phases ---------------------------------------------------------------------------------------------


@login_required
def programmes_plan_phases(request: HttpRequest, programme: str) -> HttpResponse:
    """The plan's phases with their RAG; the office adds them (POST)."""
    the_programme = pages.programme_or_404(request, programme)
    reason = permissions.can_manage_plan(access_for(request.user), the_programme.pk)
    form, status = None, 200
    if request.method == "POST":
        form = PhaseForm(request.POST, prefix="phase", programme=the_programme)
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None:
        form = PhaseForm(prefix="phase", programme=the_programme)
    phases = list(
        PlanPhase.objects.filter(programme=the_programme)
        .select_related("test_phase")
        .annotate(
            milestone_count=Count("milestones", distinct=True), task_count=Count("tasks", distinct=True)
        )
    )
    context = _context(
        request, the_programme, phases=phases, panel=form and _panel("phase", form, request.path)
    )
    return render(request, "programmes/plan/phases.html", context, status=status)


@login_required
def programmes_plan_phase(request: HttpRequest, programme: str, code: str) -> HttpResponse:
    the_programme = pages.programme_or_404(request, programme)
    phase = PlanPhase.objects.filter(programme=the_programme, code=code).select_related("test_phase").first()
    if phase is None:
        raise Http404("No such phase")
    reason = permissions.can_manage_plan(access_for(request.user), the_programme.pk)
    form, status = None, 200
    if request.method == "POST":
        form = PhaseEditForm(request.POST, prefix="phase", programme=the_programme, phase=phase)
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None:
        form = PhaseEditForm(prefix="phase", programme=the_programme, phase=phase)
    context = _context(
        request,
        the_programme,
        phase=phase,
        milestones=list(Milestone.objects.filter(phase=phase).order_by("order", "code")),
        tasks=list(Task.objects.filter(phase=phase).order_by("start", "pk")[:100]),
        panel=form and _panel("phase", form, request.path),
    )
    return render(request, "programmes/plan/phase.html", context, status=status)


# -- tasks ----------------------------------------------------------------------------------------------


@login_required
def programmes_tasks(request: HttpRequest, programme: str) -> HttpResponse:
    """The plan's tasks (GV-08): ID, mode, name, start, finish, responsible, involved and duration in
    working days; ``?phase=<code>`` narrows to one phase. The office adds tasks (POST)."""
    the_programme = pages.programme_or_404(request, programme)
    reason = permissions.can_manage_plan(access_for(request.user), the_programme.pk)
    form, status = None, 200
    if request.method == "POST":
        form = TaskForm(request.POST, prefix="task", programme=the_programme)
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None:
        form = TaskForm(prefix="task", programme=the_programme)
    qs = (
        queries.in_visible_programme(Task.objects.filter(programme=the_programme), request.user)
        .select_related("phase", "milestone", "responsible")
        .prefetch_related("involved")
        .order_by("start", "order", "pk")
    )
    phase_code = (request.GET.get("phase") or "")[:40]
    if phase_code:
        qs = qs.filter(phase__code=phase_code)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(
        request,
        the_programme,
        page=page,
        phases=list(PlanPhase.objects.filter(programme=the_programme)),
        phase_code=phase_code,
        extra_qs=f"phase={phase_code}" if phase_code else "",
        panel=form and _panel("task", form, request.path),
    )
    return render(request, "programmes/plan/tasks.html", context, status=status)


def _task_or_404(request: HttpRequest, programme: Programme, ref: str) -> Task:
    found = (
        queries.in_visible_programme(Task.objects.filter(programme=programme, ref=ref), request.user)
        .select_related("phase", "milestone", "responsible")
        .first()
    )
    if found is None:
        raise Http404("No such task")
    return found


@login_required
def programmes_task(request: HttpRequest, programme: str, ref: str) -> HttpResponse:
    the_programme = pages.programme_or_404(request, programme)
    task = _task_or_404(request, the_programme, ref)
    reason = permissions.can_manage_plan(access_for(request.user), the_programme.pk)
    form, status = None, 200
    if request.method == "POST":
        form = TaskEditForm(request.POST, prefix="task", programme=the_programme, task=task)
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None:
        form = TaskEditForm(prefix="task", programme=the_programme, task=task)
    context = _context(
        request,
        the_programme,
        task=task,
        involved=list(task.involved.order_by("name")),
        panel=form and _panel("task", form, request.path),
        can_manage=reason is None,
    )
    return render(request, "programmes/plan/task.html", context, status=status)


@login_required
@post_form(lambda programme, ref: reverse("programmes_task", kwargs={"programme": programme, "ref": ref}))
def programmes_task_remove(request: HttpRequest, programme: str, ref: str) -> HttpResponse:
    the_programme = pages.programme_or_404(request, programme)
    task = _task_or_404(request, the_programme, ref)
    reason = permissions.can_manage_plan(access_for(request.user), the_programme.pk)
    if reason is not None:
        return _refused(request, reason)
    actions.remove_task(actor=Actor.from_request(request), task=task)
    messages.success(request, f"Task {task.ref} removed.")
    return redirect(_plan_url(the_programme, "programmes_tasks"))


# -- members --------------------------------------------------------------------------------------------


@login_required
def programmes_members(request: HttpRequest, programme: str) -> HttpResponse:
    """The programme's member organisations and their constituencies; the office adds and removes them."""
    the_programme = pages.programme_or_404(request, programme)
    reason = permissions.can_manage_plan(access_for(request.user), the_programme.pk)
    form, status = None, 200
    if request.method == "POST":
        form = MemberForm(request.POST, prefix="member", programme=the_programme)
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None:
        form = MemberForm(prefix="member", programme=the_programme)
    qs = (
        queries.in_visible_programme(Member.objects.filter(programme=the_programme), request.user)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(
        request,
        the_programme,
        page=page,
        panel=form and _panel("member", form, request.path),
        can_manage=reason is None,
    )
    return render(request, "programmes/plan/members.html", context, status=status)


@login_required
@post_form(lambda programme, member: reverse("programmes_members", kwargs={"programme": programme}))
def programmes_member_remove(request: HttpRequest, programme: str, member: int) -> HttpResponse:
    the_programme = pages.programme_or_404(request, programme)
    found = Member.objects.filter(programme=the_programme, pk=member).select_related("organisation").first()
    if found is None:
        raise Http404("No such member")
    reason = permissions.can_manage_plan(access_for(request.user), the_programme.pk)
    if reason is not None:
        return _refused(request, reason)
    actions.remove_member(actor=Actor.from_request(request), member=found)
    messages.success(request, f"{found.organisation} is no longer a member.")
    return redirect(_plan_url(the_programme, "programmes_members"))


# -- subsidiary plans -----------------------------------------------------------------------------------


def _plan_organisations(request: HttpRequest, programme: Programme):
    """Organisations the person may start a subsidiary plan for (without one yet)."""
    access = access_for(request.user)
    taken = SubsidiaryPlan.objects.filter(programme=programme).values("organisation_id")
    candidates = participant_organisations(programme).exclude(pk__in=taken)
    if not queries.is_office(access, programme.pk):
        if access.is_central or access.is_assurer(programme.pk):
            return Organisation.objects.none()
        candidates = candidates.filter(pk__in=sorted(access.organisation_ids))
    return candidates


@login_required
def programmes_subsidiary_plans(request: HttpRequest, programme: str) -> HttpResponse:
    """The participants' plans the person reads (the office and assurers: all; a participant: its own),
    each with how many of its milestones are dated after their programme milestone."""
    the_programme = pages.programme_or_404(request, programme)
    access = access_for(request.user)
    candidates = _plan_organisations(request, the_programme)
    organisations = list(candidates)
    form, status = None, 200
    if request.method == "POST":
        posted = parse_id(request.POST.get("plan-organisation")) or 0
        reason = permissions.can_keep_subsidiary_plan(access, the_programme.pk, posted)
        form = SubsidiaryPlanForm(
            request.POST,
            prefix="plan",
            programme=the_programme,
            organisations=participant_organisations(the_programme),
        )
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif organisations:
        form = SubsidiaryPlanForm(prefix="plan", programme=the_programme, organisations=candidates)
    qs = (
        queries.subsidiary_plans_visible_to(request.user)
        .filter(programme=the_programme)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    late = plan_view.late_counts(the_programme.pk)
    sizes = dict(
        PartyMilestone.objects.filter(plan__in=[p.pk for p in page.object_list])
        .values("plan_id")
        .annotate(n=Count("pk"))
        .values_list("plan_id", "n")
    )
    for p in page.object_list:
        p.late = late.get(p.pk, 0)
        p.size = sizes.get(p.pk, 0)
    context = _context(request, the_programme, page=page, panel=form and _panel("plan", form, request.path))
    return render(request, "programmes/plan/subsidiary_plans.html", context, status=status)


def _subsidiary_or_404(request: HttpRequest, programme: Programme, organisation: int) -> SubsidiaryPlan:
    found = (
        queries.subsidiary_plans_visible_to(request.user)
        .filter(programme=programme, organisation_id=organisation)
        .select_related("organisation", "programme")
        .first()
    )
    if found is None:
        raise Http404("No such plan")
    return found


@login_required
def programmes_subsidiary_plan(request: HttpRequest, programme: str, organisation: int) -> HttpResponse:
    """A participant's plan: its milestones, each checked against the programme milestone it is linked to
    (late, or the programme milestone brought forward before it). Its organisation (or the office) adds
    milestones (POST)."""
    the_programme = pages.programme_or_404(request, programme)
    plan = _subsidiary_or_404(request, the_programme, organisation)
    reason = permissions.can_keep_subsidiary_plan(
        access_for(request.user), the_programme.pk, plan.organisation_id
    )
    form, status = None, 200
    if request.method == "POST":
        form = PartyMilestoneForm(request.POST, prefix="pm", plan=plan)
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None:
        form = PartyMilestoneForm(prefix="pm", plan=plan)
    context = _context(
        request,
        the_programme,
        plan=plan,
        party=plan_view.party_plan(plan),
        panel=form and _panel("party-milestone", form, request.path),
        can_keep=reason is None,
    )
    return render(request, "programmes/plan/subsidiary_plan.html", context, status=status)


def _party_milestone_or_404(plan: SubsidiaryPlan, pk: int) -> PartyMilestone:
    found = (
        PartyMilestone.objects.filter(plan=plan, pk=pk).select_related("plan", "programme_milestone").first()
    )
    if found is None:
        raise Http404("No such milestone")
    return found


@login_required
def programmes_party_milestone(
    request: HttpRequest, programme: str, organisation: int, milestone: int
) -> HttpResponse:
    """One of a participant's milestones: its form (the organisation or the office) and removal."""
    the_programme = pages.programme_or_404(request, programme)
    plan = _subsidiary_or_404(request, the_programme, organisation)
    found = _party_milestone_or_404(plan, milestone)
    reason = permissions.can_keep_subsidiary_plan(
        access_for(request.user), the_programme.pk, plan.organisation_id
    )
    back = _plan_url(the_programme, "programmes_subsidiary_plan", organisation=plan.organisation_id)
    if request.method == "POST" and request.POST.get("remove"):
        if reason is not None:
            return _refused(request, reason)
        actions.remove_party_milestone(actor=Actor.from_request(request), milestone=found)
        messages.success(request, f"{found.name} removed.")
        return redirect(back)
    form, status = None, 200
    if request.method == "POST":
        form = PartyMilestoneForm(request.POST, prefix="pm", plan=plan, milestone=found)
        form.redirect_to = back
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None:
        form = PartyMilestoneForm(prefix="pm", plan=plan, milestone=found)
    rows = plan_view.party_plan(plan).rows
    row = next((r for r in rows if r.milestone.pk == found.pk), None)
    context = _context(
        request,
        the_programme,
        plan=plan,
        item=found,
        row=row,
        panel=form and _panel("party-milestone", form, request.path),
        can_keep=reason is None,
    )
    return render(request, "programmes/plan/party_milestone.html", context, status=status)


# -- settings -------------------------------------------------------------------------------------------


@login_required
def programmes_plan_settings(request: HttpRequest, programme: str) -> HttpResponse:
    """The calendar working days are counted on, the pack's prefix and classification, the consultation
    windows. Everyone in the programme reads them; the office changes them."""
    the_programme = pages.programme_or_404(request, programme)
    reason = permissions.can_manage_plan(access_for(request.user), the_programme.pk)
    current = GovernanceSettings.objects.filter(programme=the_programme).select_related(
        "calendar"
    ).first() or GovernanceSettings(programme=the_programme)
    form, status = None, 200
    if request.method == "POST":
        form = SettingsForm(request.POST, prefix="settings", programme=the_programme, current=current)
        done, status = _post(request, form, reason)
        if done is not None:
            return done
    elif reason is None:
        form = SettingsForm(prefix="settings", programme=the_programme, current=current)
    context = _context(
        request, the_programme, settings=current, panel=form and _panel("settings", form, request.path)
    )
    return render(request, "programmes/plan/settings.html", context, status=status)


P = "programmes/<slug:programme>"
urlpatterns = [
    path(f"{P}/plan/", programmes_plan, name="programmes_plan"),
    path(f"{P}/plan/export/", programmes_plan_export, name="programmes_plan_export"),
    path(f"{P}/plan/baselines/", programmes_baselines, name="programmes_baselines"),
    path(f"{P}/plan/milestones/<str:code>/", programmes_milestone, name="programmes_milestone"),
    path(f"{P}/plan/phases/", programmes_plan_phases, name="programmes_plan_phases"),
    path(f"{P}/plan/phases/<slug:code>/", programmes_plan_phase, name="programmes_plan_phase"),
    path(f"{P}/plan/tasks/", programmes_tasks, name="programmes_tasks"),
    path(f"{P}/plan/tasks/<str:ref>/", programmes_task, name="programmes_task"),
    path(f"{P}/plan/tasks/<str:ref>/remove/", programmes_task_remove, name="programmes_task_remove"),
    path(f"{P}/plan/settings/", programmes_plan_settings, name="programmes_plan_settings"),
    path(f"{P}/plan/participants/", programmes_subsidiary_plans, name="programmes_subsidiary_plans"),
    path(
        f"{P}/plan/participants/<int:organisation>/",
        programmes_subsidiary_plan,
        name="programmes_subsidiary_plan",
    ),
    path(
        f"{P}/plan/participants/<int:organisation>/milestones/<int:milestone>/",
        programmes_party_milestone,
        name="programmes_party_milestone",
    ),
    path(f"{P}/members/", programmes_members, name="programmes_members"),
    path(f"{P}/members/<int:member>/remove/", programmes_member_remove, name="programmes_member_remove"),
]
