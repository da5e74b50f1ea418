"""Pages: setting up test assurance — the testing home, a programme, its requirements, a phase's hub, its
participants (cohorts and their rule check, participations, pairings and their history) and its scenarios
with their versioned scripts.

What a person may not see is a 404 (through :mod:`busbar.testing.queries`); each page offers only the forms
:mod:`busbar.testing.permissions` allows (a form posted anyway is refused by its action: 403). Forms post
to the page itself with ``?form=<verb>``, and a success redirects back to it (no JavaScript needed).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from busbar.lib import export
from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm, parse_id, run_action_form
from busbar.testing import permissions, queries
from busbar.testing import setup_queries as reads
from busbar.testing.access import access_for
from busbar.testing.forms import setup as forms
from busbar.testing.models import Phase, Programme
from busbar.testing.scripts import diff_versions
from busbar.testing.tabs import phase_tabs

PAGE_SIZE = 50


def _programme_or_404(request: HttpRequest, code: str) -> Programme:
    programme = reads.programme_for(request.user, code)
    if programme is None:
        raise Http404("No such programme")
    return programme


def _phase_or_404(request: HttpRequest, programme: str, phase: str) -> Phase:
    found = reads.phase_for(request.user, programme, phase)
    if found is None:
        raise Http404("No such phase")
    return found


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


def _panels(
    request: HttpRequest, offered: dict[str, Callable[..., ActionForm]], bound: tuple[str, ActionForm] | None
) -> list[dict]:
    panels = []
    for verb, make in offered.items():
        form = bound[1] if bound and bound[0] == verb else make(prefix=verb)
        panels.append({"verb": verb, "form": form, "url": f"{request.path}?form={verb}"})
    return panels


def _post(
    request: HttpRequest,
    offered: dict[str, Callable[..., ActionForm]],
    every: dict[str, Callable[..., ActionForm]],
    refusal: str | None,
) -> tuple[HttpResponse | None, tuple[str, ActionForm] | None, int]:
    """Run the posted form (``?form=<verb>``): (redirect, None, 302) when done; (None, (verb, bound form),
    status) when refused; a 403 page for a form the person is not offered."""
    verb = request.GET.get("form", "")
    if verb not in every:
        return None, None, 400
    if verb not in offered:
        return _forbidden(request, refusal or "You cannot do that here"), None, 403
    form = offered[verb](request.POST, request.FILES, prefix=verb)
    said, status = run_action_form(form, Actor.from_request(request))
    if said is not None:
        messages.success(request, said)
        target = getattr(form, "redirect_to", None) or request.get_full_path().split("?")[0]
        return redirect(target), None, 302
    return None, (verb, form), status


def _page(request, template: str, context: dict, offered, every, refusal: str | None) -> HttpResponse:
    bound, status = None, 200
    if request.method == "POST":
        done, bound, status = _post(request, offered, every, refusal)
        if done is not None:
            return done
        if status == 400:
            return HttpResponse("Unknown form", status=400, content_type="text/plain; charset=utf-8")
    context["panels"] = _panels(request, offered, bound)
    return render(request, template, context, status=status)


def _export_or_none(request: HttpRequest, qs, columns, stem: str) -> HttpResponse | None:
    fmt = request.GET.get("format")
    if not fmt:
        return None
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    return export.response(qs, columns, fmt=fmt, stem=stem)


# -- home ---------------------------------------------------------------------------------------------


@login_required
def testing_home(request: HttpRequest) -> HttpResponse:
    """The programmes the person sees, each with its phases and how the person stands in it."""
    access = access_for(request.user)
    offered = {}
    if permissions.can_create_programme(access) is None:
        offered["programme"] = forms.ProgrammeForm
    context = {"programmes": reads.home_programmes(request.user)}
    return _page(
        request,
        "testing/setup/home.html",
        context,
        offered,
        {"programme": forms.ProgrammeForm},
        permissions.can_create_programme(access),
    )


# -- programme ----------------------------------------------------------------------------------------


@login_required
def testing_programme(request: HttpRequest, programme: str) -> HttpResponse:
    prog = _programme_or_404(request, programme)
    access = access_for(request.user)
    offers = reads.programme_offers(access, prog)

    def bind(cls):
        return lambda *a, **k: cls(*a, programme=prog, **k)

    every = {
        "phase": bind(forms.PhaseForm),
        "role": bind(forms.RoleForm),
        "rule": bind(forms.RoleRuleForm),
        "environment": bind(forms.EnvironmentForm),
        "party": bind(forms.PartyForm),
    }
    offered = {k: v for k, v in every.items() if ("parties" if k == "party" else "manage") in offers}
    phases = list(
        queries.phases_visible_to(request.user).filter(programme=prog).prefetch_related("environments")
    )
    participations = list(
        queries.participations_visible_to(request.user)
        .filter(phase__programme=prog)
        .order_by("organisation__name", "phase__order")
    )
    organisations: dict[int, dict] = {}
    for p in participations:
        row = organisations.setdefault(p.organisation_id, {"organisation": p.organisation, "phases": []})
        row["phases"].append(p)
    context = {
        "programme": prog,
        "phases": phases,
        "parties": reads.parties_of(prog),
        "roles": reads.roles_of(prog),
        "environments": list(prog.environments.all()),
        "taking_part": list(organisations.values()),
        "your_roles": reads.my_roles(
            access, prog, [p for p in participations if access.is_member(p.organisation_id)]
        ),
        "offers": offers,
    }
    return _page(
        request,
        "testing/setup/programme.html",
        context,
        offered,
        every,
        permissions.can_manage_programme(access, prog),
    )


# -- requirements -------------------------------------------------------------------------------------

REQUIREMENT_COLUMNS = [
    export.Column("Code", lambda r: r.code),
    export.Column("Title", lambda r: r.title),
    export.Column("Description", lambda r: r.description),
    export.Column("Source", lambda r: r.source),
]


@login_required
def testing_requirements(request: HttpRequest, programme: str) -> HttpResponse:
    prog = _programme_or_404(request, programme)
    access = access_for(request.user)
    q = request.GET.get("q", "").strip()[:200]
    qs = queries.requirements_visible_to(request.user).filter(programme=prog)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(source__icontains=q))
    qs = qs.order_by("code", "id")
    if request.method == "GET":
        exported = _export_or_none(request, qs, REQUIREMENT_COLUMNS, f"{prog.code}-requirements")
        if exported is not None:
            return exported
    every = {"import": lambda *a, **k: forms.ImportForm(*a, programme=prog, **k)}
    offered = every if permissions.can_specify(access, prog) is None else {}
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "programme": prog,
        "page": page,
        "q": q,
        "export_query": urlencode({"q": q}) if q else "",
    }
    return _page(
        request,
        "testing/setup/requirements.html",
        context,
        offered,
        every,
        permissions.can_specify(access, prog),
    )


# -- phase hub ----------------------------------------------------------------------------------------


@login_required
def testing_phase(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    found = _phase_or_404(request, programme, phase)
    access = access_for(request.user)
    offers = reads.phase_offers(access, found)

    def bind(cls):
        return lambda *a, **k: cls(*a, phase=found, **k)

    every = {"start": bind(forms.StartForm), "plan": bind(forms.PlanForm), "close": bind(forms.CloseForm)}
    offered = {k: v for k, v in every.items() if (k if k != "plan" else "manage") in offers}
    participations = reads.phase_participations(request.user, found)
    cohorts = reads.cohort_views(found, participations)
    counts = queries.scenarios_visible_to(request.user).filter(phase=found, is_active=True)
    context = {
        "programme": found.programme,
        "phase": found,
        "tabs": phase_tabs(found),
        "cohorts": cohorts,
        "environments": list(found.environments.all()),
        "scenario_count": counts.count(),
        "mandatory_count": counts.filter(mandatory=True).count(),
        "participant_count": sum(1 for p in participations if p.status != "withdrawn"),
        "your_roles": reads.my_roles(
            access, found.programme, [p for p in participations if access.is_member(p.organisation_id)]
        ),
        "offers": offers,
    }
    return _page(
        request,
        "testing/setup/phase.html",
        context,
        offered,
        every,
        permissions.can_manage_phase(access, found),
    )


# -- participants -------------------------------------------------------------------------------------

PARTICIPATION_COLUMNS = [
    export.Column("Cohort", lambda p: p.cohort.name if p.cohort else ""),
    export.Column("Organisation", lambda p: p.organisation.name),
    export.Column("Role", lambda p: p.role.label),
    export.Column("Mandatory", lambda p: p.mandatory),
    export.Column("Status", lambda p: p.get_status_display()),
    export.Column("Entered on", lambda p: p.entered_on),
    export.Column("Completed on", lambda p: p.completed_on),
]
PAIRING_COLUMNS = [
    export.Column("Supplier", lambda p: p.supplier.organisation.name),
    export.Column("Agent", lambda p: p.agent.organisation.name),
    export.Column("Agent's role", lambda p: p.agent.role.label),
    export.Column("Started", lambda p: p.started_at),
    export.Column("Reason", lambda p: p.reason),
    export.Column("Ended", lambda p: p.ended_at),
    export.Column("Why it ended", lambda p: p.ended_reason),
]


@login_required
def testing_participants(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    found = _phase_or_404(request, programme, phase)
    if request.method == "GET" and request.GET.get("format"):
        # ?format=csv|xlsx: the participations; with &list=pairings, the pairings and their history.
        if request.GET.get("list") == "pairings":
            return _export_or_none(
                request, reads.pairings_of(found), PAIRING_COLUMNS, f"{found.code}-pairings"
            )
        rows = queries.participations_visible_to(request.user).filter(phase=found)
        rows = rows.order_by("cohort__order", "cohort__name", "role__order", "organisation__name", "id")
        return _export_or_none(request, rows, PARTICIPATION_COLUMNS, f"{found.code}-participants")
    access = access_for(request.user)
    can_manage = permissions.can_manage_phase(access, found)

    def bind(cls):
        return lambda *a, **k: cls(*a, phase=found, **k)

    every = {
        "cohort": bind(forms.CohortForm),
        "participant": bind(forms.ParticipationForm),
        "move": bind(forms.MoveForm),
        "enter": bind(forms.EnterForm),
        "withdraw": bind(forms.WithdrawForm),
        "mandatory": bind(forms.MandatoryForm),
        "pair": bind(forms.PairForm),
        "rearrange": bind(forms.RearrangeForm),
        "end-pairing": bind(forms.EndPairingForm),
    }
    offered = every if can_manage is None else {}
    participations = reads.phase_participations(request.user, found)
    pairings = list(reads.pairings_of(found))
    context = {
        "programme": found.programme,
        "phase": found,
        "tabs": phase_tabs(found),
        "cohorts": reads.cohort_views(found, participations),
        "roles": reads.roles_of(found.programme),
        "current_pairings": [p for p in pairings if p.ended_at is None],
        "past_pairings": [p for p in pairings if p.ended_at is not None],
    }
    return _page(request, "testing/setup/participants.html", context, offered, every, can_manage)


# -- scenarios ----------------------------------------------------------------------------------------

SCENARIO_COLUMNS = [
    export.Column("Code", lambda s: s.code),
    export.Column("Title", lambda s: s.title),
    export.Column("Interface", lambda s: s.interface),
    export.Column("Mandatory", lambda s: s.mandatory),
    export.Column("Active", lambda s: s.is_active),
    export.Column("Requirements", lambda s: ", ".join(sorted(r.code for r in s.requirements.all()))),
    export.Column(
        "Roles", lambda s: ", ".join(sorted(r.label for r in s.roles.all())) or "Every participant"
    ),
    export.Column("Script version", lambda s: s.current_version.version if s.current_version_id else None),
]


def _scenario_filters(request: HttpRequest) -> dict[str, str]:
    mandatory = request.GET.get("mandatory", "")
    return {
        "interface": request.GET.get("interface", "").strip()[:40],
        "mandatory": mandatory if mandatory in ("yes", "no") else "",
        "q": request.GET.get("q", "").strip()[:200],
    }


@login_required
def testing_scenarios(request: HttpRequest, programme: str, phase: str) -> HttpResponse:
    found = _phase_or_404(request, programme, phase)
    access = access_for(request.user)
    filters = _scenario_filters(request)
    qs = reads.scenarios_of(request.user, found, **filters)
    if request.method == "GET" and request.GET.get("format"):
        # Exports read in chunks: prefetches are applied per chunk by iterator(chunk_size=…).
        exported = _export_or_none(
            request, qs, SCENARIO_COLUMNS, f"{found.programme.code}-{found.code}-scenarios"
        )
        if exported is not None:
            return exported
    every = {"scenario": lambda *a, **k: forms.ScenarioForm(*a, phase=found, **k)}
    offered = every if "specify" in reads.phase_offers(access, found) else {}
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = {k: v for k, v in filters.items() if v}
    context = {
        "programme": found.programme,
        "phase": found,
        "tabs": phase_tabs(found),
        "page": page,
        "filters": filters,
        "interfaces": reads.interfaces_of(request.user, found),
        "extra_qs": urlencode(shown),
        "export_query": urlencode(shown),
    }
    response = _page(
        request,
        "testing/setup/scenarios.html",
        context,
        offered,
        every,
        permissions.can_specify(access, found.programme),
    )
    return response


@login_required
def testing_scenario(request: HttpRequest, programme: str, phase: str, code: str) -> HttpResponse:
    found = _phase_or_404(request, programme, phase)
    scenario = get_object_or_404(
        queries.scenarios_visible_to(request.user).prefetch_related("requirements", "roles"),
        phase=found,
        code=code[:40],
    )
    access = access_for(request.user)
    versions = list(
        queries.script_versions_visible_to(request.user).filter(scenario=scenario).order_by("-version")
    )
    by_number = {v.version: v for v in versions}
    shown = scenario.current_version
    asked = parse_id(request.GET.get("v", ""))
    if asked in by_number:
        shown = by_number[asked]
    diff = None
    old, new = parse_id(request.GET.get("from", "")), parse_id(request.GET.get("to", ""))
    if old in by_number and new in by_number:
        diff = diff_versions(by_number[old], by_number[new])
    elif len(versions) > 1 and not asked:
        diff = diff_versions(versions[1], versions[0])  # what the newest version changed

    every = {
        "script": lambda *a, **k: forms.ScriptForm(*a, scenario=scenario, **k),
        "edit": lambda *a, **k: forms.ScenarioEditForm(*a, scenario=scenario, **k),
    }
    offered = every if "specify" in reads.phase_offers(access, found) else {}
    context = {
        "programme": found.programme,
        "phase": found,
        "tabs": phase_tabs(found),
        "scenario": scenario,
        "versions": versions,
        "shown": shown,
        "diff": diff,
    }
    return _page(
        request,
        "testing/setup/scenario.html",
        context,
        offered,
        every,
        permissions.can_specify(access, found.programme),
    )


urlpatterns = [
    path("testing/", testing_home, name="testing_home"),
    path("testing/<slug:programme>/", testing_programme, name="testing_programme"),
    path("testing/<slug:programme>/requirements/", testing_requirements, name="testing_requirements"),
    path("testing/<slug:programme>/<slug:phase>/", testing_phase, name="testing_phase"),
    path(
        "testing/<slug:programme>/<slug:phase>/participants/",
        testing_participants,
        name="testing_participants",
    ),
    path("testing/<slug:programme>/<slug:phase>/scenarios/", testing_scenarios, name="testing_scenarios"),
    path(
        "testing/<slug:programme>/<slug:phase>/scenarios/<str:code>/",
        testing_scenario,
        name="testing_scenario",
    ),
]
