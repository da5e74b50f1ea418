"""The qualification pages (QM-02…QM-05, QM-08, QM-13).

* ``/migration/qualification/<programme>/`` (``migration_qualification``): the window, its tranches with
  dates, capacities per code body and their entrants, and the entrants (status, tranche, portfolio,
  readiness, agents, go-live eligibility). The programme's readers and the window's code bodies; the
  migration managers keep everything with the forms here (and open the window when there is none). A
  supplier or agent is sent to its own entrant page; anyone else: 404.
* ``…/entrants/<id>/`` (``migration_entrant``): one entrant — tranche, status, eligibility with the missing
  steps, readiness and agents (the participant itself or the managers), the moves through qualification
  (its code body or the managers), the SIT exemption and go-live (the managers), the exemption letter.
* ``…/entrants/<id>/exemption.pdf`` (``migration_exemption_pdf``): the written SIT-exemption confirmation,
  for the entrant's organisation and the programme's readers.
* ``…/eligibility/`` (``migration_eligibility``): per supplier, eligible or not and the missing steps (the
  readers and code bodies every supplier, a supplier itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, parse_id
from busbar.migration import common, exemption, permissions, queries
from busbar.migration.actions import qualification as act
from busbar.migration.eligibility import agents_prefetch, eligibility, eligibility_for
from busbar.migration.models import (
    QUALIFICATION_TRANSITIONS,
    CodeBody,
    Entrant,
    EntrantKind,
    QualificationStatus,
    Tranche,
    TrancheCapacity,
)

PAGE_SIZE = 50
DATE = forms.DateInput(attrs={"type": "date"})
VOLUME = {"min_value": 0, "max_value": common.MAX_VOLUME, "required": False}


# Forms --------------------------------------------------------------------------------------------------


class WindowForm(forms.Form):
    opens = forms.DateField(widget=DATE)
    closes = forms.DateField(widget=DATE, help_text="At most 12 months after it opens (QM-05)")
    risk_cutoff = forms.DateField(
        widget=DATE,
        label="Risk cut-off",
        help_text="Suppliers in tranches ending after it risk migrating late",
    )
    sit_phase = forms.ModelChoiceField(
        queryset=None, required=False, label="SIT phase", help_text="Completing it exempts from qualification"
    )
    large_portfolio = forms.IntegerField(min_value=1, max_value=common.MAX_VOLUME, initial=1_000_000)
    medium_portfolio = forms.IntegerField(min_value=1, max_value=common.MAX_VOLUME, initial=100_000)

    def __init__(self, *args: Any, programme: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from busbar.testing.models import Phase

        self.fields["sit_phase"].queryset = Phase.objects.filter(programme=programme).order_by("order", "pk")


class TrancheForm(forms.Form):
    name = forms.CharField(max_length=act.NAME_MAX)
    starts = forms.DateField(widget=DATE)
    ends = forms.DateField(widget=DATE)
    capacity = forms.IntegerField(
        min_value=0,
        max_value=act.MAX_PARTICIPANTS,
        initial=0,
        required=False,
        help_text="0 or blank: only the code bodies' limits",
    )


class TrancheEditForm(TrancheForm):
    tranche = forms.ModelChoiceField(queryset=Tranche.objects.none(), widget=forms.HiddenInput)


class CapacityForm(forms.Form):
    tranche = forms.ModelChoiceField(queryset=Tranche.objects.none())
    code_body = forms.ModelChoiceField(queryset=CodeBody.objects.none())
    max_participants = forms.IntegerField(
        min_value=0, max_value=act.MAX_PARTICIPANTS, required=False, help_text="Blank: no limit"
    )


class CodeBodyForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None)
    name = forms.CharField(max_length=act.CODE_BODY_NAME_MAX, help_text="e.g. Elexon (BSC)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from busbar.parties.models import Organisation

        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).order_by("name")


class EntrantForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None)
    kind = forms.ChoiceField(choices=EntrantKind.choices)
    market_role = forms.CharField(max_length=act.ROLE_MAX, required=False)
    code_body = forms.ModelChoiceField(queryset=CodeBody.objects.none(), required=False)
    smart = forms.IntegerField(initial=0, **VOLUME)
    non_smart = forms.IntegerField(initial=0, label="Non-smart", **VOLUME)
    advanced = forms.IntegerField(initial=0, **VOLUME)
    unmetered = forms.IntegerField(initial=0, **VOLUME)
    ready_on = forms.DateField(widget=DATE, required=False, label="Ready to qualify on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from busbar.parties.models import Organisation

        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).order_by("name")


class EntrantEditForm(forms.Form):
    kind = forms.ChoiceField(choices=EntrantKind.choices)
    market_role = forms.CharField(max_length=act.ROLE_MAX, required=False)
    code_body = forms.ModelChoiceField(queryset=CodeBody.objects.none(), required=False)
    smart = forms.IntegerField(**VOLUME)
    non_smart = forms.IntegerField(label="Non-smart", **VOLUME)
    advanced = forms.IntegerField(**VOLUME)
    unmetered = forms.IntegerField(**VOLUME)
    e2e_required = forms.BooleanField(required=False, label="E2E sandbox testing required")
    sit_completed_on = forms.DateField(
        widget=DATE, required=False, label="Completed SIT on", help_text="When SIT is not followed in Busbar"
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=act.NOTES_MAX, required=False
    )


class ReadinessForm(forms.Form):
    ready_on = forms.DateField(widget=DATE, required=False, label="Ready to qualify on")
    systems_live_on = forms.DateField(widget=DATE, required=False, label="New systems live on")
    e2e_completed_on = forms.DateField(widget=DATE, required=False, label="E2E sandbox testing completed on")


class AgentsForm(forms.Form):
    agents = forms.ModelMultipleChoiceField(
        queryset=Entrant.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )


class StatusForm(forms.Form):
    to = forms.ChoiceField(
        choices=[
            ("qualifying", "Start qualification"),
            ("qualified", "Qualified"),
            ("withdrawn", "Withdraw"),
            ("needs", "Needs qualification again"),
            ("live", "Live"),
        ]
    )
    on = forms.DateField(widget=DATE, required=False, label="On")


# Shared -------------------------------------------------------------------------------------------------


def _programme(code: str) -> Any:
    from busbar.testing.models import Programme

    if len(code) > 40:
        raise Http404
    programme = Programme.objects.filter(code=code).first()
    if programme is None:
        raise Http404
    return programme


def _window(request: HttpRequest, code: str) -> Any:
    window = queries.windows_visible_to(request.user).filter(programme__code=code).first()
    if window is None:
        raise Http404
    return window


def _role(v: Any, window: Any) -> str:
    """ "reader" (the programme's readers), "code_body", or "participant"."""
    if v.reads_programme(window.programme_id):
        return "reader"
    if v.is_code_body_of(window.pk):
        return "code_body"
    return "participant"


def _run(
    request: HttpRequest, form: forms.Form, call: Callable[[Actor, dict], str]
) -> tuple[str | None, int]:
    """Validate and run; (message, 200) or (None, status) with the errors on the form."""
    if not form.is_valid():
        return None, 422
    try:
        return call(Actor.from_request(request), form.cleaned_data), 200
    except ActionError as exc:
        add_action_error(form, exc)
        return None, 403 if isinstance(exc, NotPermitted) else exc.status


def _entrants(window: Any, user: Any) -> Any:
    return (
        queries.entrants_visible_to(user)
        .filter(window=window)
        .prefetch_related(agents_prefetch())
        .order_by("organisation__name", "kind", "pk")
    )


# The window page ----------------------------------------------------------------------------------------


@login_required
def migration_qualification(request: HttpRequest, code: str) -> HttpResponse:
    v = queries.viewer(request.user)
    window = queries.windows_visible_to(request.user).filter(programme__code=code).first()
    if window is None:
        programme = _programme(code)
        if permissions.can_create_window(v, programme) is not None:
            raise Http404
        return _create_window(request, programme)
    role = _role(v, window)
    if role == "participant":
        own = queries.entrants_visible_to(request.user).filter(window=window).order_by("kind", "pk").first()
        if own is None:
            raise Http404
        return redirect("migration_entrant", code=code, entrant_id=own.pk)
    manages = permissions.can_manage_qualification(v, window) is None
    bound: dict[str, forms.Form] = {}
    status = 200
    if request.method == "POST":
        if not manages:
            return render(request, "core/forbidden.html", {"reason": permissions.NOT_MANAGER}, status=403)
        name = request.POST.get("form", "")
        handler = _WINDOW_FORMS.get(name)
        if handler is None:
            return HttpResponse("Unknown form", status=400)
        form = handler[0](request, window)
        done, status = _run(request, form, lambda actor, d: handler[1](actor, window, d))
        if done:
            messages.success(request, done)
            return redirect("migration_qualification", code=code)
        bound[name] = form
    tranches = list(
        Tranche.objects.filter(window=window)
        .prefetch_related(
            Prefetch("capacities", queryset=TrancheCapacity.objects.select_related("code_body")),
            Prefetch(
                "entrants",
                queryset=Entrant.objects.select_related("organisation").order_by("organisation__name"),
            ),
        )
        .order_by("number")
    )
    for t in tranches:
        used: dict[int | None, int] = {}
        for e in t.entrants.all():
            used[e.code_body_id] = used.get(e.code_body_id, 0) + 1
        t.rows = [
            {"body": c.code_body, "max": c.max_participants, "used": used.get(c.code_body_id, 0)}
            for c in t.capacities.all()
        ]
        t.taken = sum(used.values())
    bodies = list(CodeBody.objects.filter(window=window).select_related("organisation"))
    page = Paginator(_entrants(window, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    verdicts = eligibility_for(page.object_list)
    rows = [{"e": e, "elig": verdicts[e.pk]} for e in page.object_list]
    managed = v.code_bodies.get(window.pk, frozenset())
    context = {
        "window": window,
        "programme": window.programme,
        "tranches": tranches,
        "bodies": bodies,
        "page": page,
        "rows": rows,
        "manages": manages,
        "role": role,
        "managed": managed,
        "forms": _window_forms(request, window, bound) if manages else {},
    }
    return render(request, "migration/qualification/window.html", context, status=status)


def _create_window(request: HttpRequest, programme: Any) -> HttpResponse:
    status = 200
    form = WindowForm(request.POST or None, programme=programme)
    if request.method == "POST":

        def call(actor: Actor, d: dict) -> str:
            act.create_window(actor=actor, programme=programme, **d)
            return "Qualification window opened."

        done, status = _run(request, form, call)
        if done:
            messages.success(request, done)
            return redirect("migration_qualification", code=programme.code)
    return render(
        request,
        "migration/qualification/window_new.html",
        {"programme": programme, "form": form},
        status=status,
    )


def _tranches_of(window: Any) -> Any:
    return Tranche.objects.filter(window=window).order_by("number")


def _bodies_of(window: Any) -> Any:
    return CodeBody.objects.filter(window=window).order_by("name")


def _make_window(request: HttpRequest, window: Any) -> forms.Form:
    return WindowForm(request.POST, programme=window.programme)


def _make_tranche(request: HttpRequest, window: Any) -> forms.Form:
    return TrancheForm(request.POST)


def _make_tranche_edit(request: HttpRequest, window: Any) -> forms.Form:
    form = TrancheEditForm(request.POST)
    form.fields["tranche"].queryset = _tranches_of(window)
    return form


def _make_capacity(request: HttpRequest, window: Any) -> forms.Form:
    form = CapacityForm(request.POST)
    form.fields["tranche"].queryset = _tranches_of(window)
    form.fields["code_body"].queryset = _bodies_of(window)
    return form


def _make_code_body(request: HttpRequest, window: Any) -> forms.Form:
    return CodeBodyForm(request.POST)


def _make_entrant(request: HttpRequest, window: Any) -> forms.Form:
    form = EntrantForm(request.POST)
    form.fields["code_body"].queryset = _bodies_of(window)
    return form


def _do_window(actor: Actor, window: Any, d: dict) -> str:
    act.update_window(actor=actor, window=window, **d)
    return "Window saved."


def _do_tranche(actor: Actor, window: Any, d: dict) -> str:
    t = act.add_tranche(actor=actor, window=window, **d)
    return f"{t.name} added."


def _do_tranche_edit(actor: Actor, window: Any, d: dict) -> str:
    t = act.update_tranche(actor=actor, **d)
    return f"{t.name} saved."


def _do_capacity(actor: Actor, window: Any, d: dict) -> str:
    act.set_capacity(actor=actor, **d)
    return f"Capacity of {d['code_body'].name} in {d['tranche'].name} saved."


def _do_code_body(actor: Actor, window: Any, d: dict) -> str:
    body = act.add_code_body(actor=actor, window=window, **d)
    return f"{body.name} added as a code body."


def _do_entrant(actor: Actor, window: Any, d: dict) -> str:
    e = act.add_entrant(actor=actor, window=window, **d)
    return f"{e} added."


_WINDOW_FORMS: dict[str, tuple[Callable, Callable]] = {
    "window": (_make_window, _do_window),
    "tranche": (_make_tranche, _do_tranche),
    "tranche_edit": (_make_tranche_edit, _do_tranche_edit),
    "capacity": (_make_capacity, _do_capacity),
    "code_body": (_make_code_body, _do_code_body),
    "entrant": (_make_entrant, _do_entrant),
}


def _window_forms(request: HttpRequest, window: Any, bound: dict[str, forms.Form]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["window"] = bound.get("window") or WindowForm(
        programme=window.programme,
        initial={
            "opens": window.opens,
            "closes": window.closes,
            "risk_cutoff": window.risk_cutoff,
            "sit_phase": window.sit_phase_id,
            "large_portfolio": window.large_portfolio,
            "medium_portfolio": window.medium_portfolio,
        },
    )
    out["tranche"] = bound.get("tranche") or TrancheForm()
    capacity = bound.get("capacity") or CapacityForm()
    capacity.fields["tranche"].queryset = _tranches_of(window)
    capacity.fields["code_body"].queryset = _bodies_of(window)
    out["capacity"] = capacity
    out["code_body"] = bound.get("code_body") or CodeBodyForm()
    entrant = bound.get("entrant") or EntrantForm()
    entrant.fields["code_body"].queryset = _bodies_of(window)
    out["entrant"] = entrant
    out["tranche_edit"] = bound.get("tranche_edit")
    return out


# An entrant's page --------------------------------------------------------------------------------------


def _entrant(request: HttpRequest, code: str, entrant_id: int) -> Any:
    if parse_id(entrant_id) is None:
        raise Http404
    entrant = (
        queries.entrants_visible_to(request.user)
        .filter(window__programme__code=code, pk=entrant_id)
        .select_related("window__programme", "window__sit_phase")
        .prefetch_related(agents_prefetch())
        .first()
    )
    if entrant is None:
        raise Http404
    return entrant


_STATUS_TARGETS = {
    "qualifying": QualificationStatus.QUALIFYING,
    "qualified": QualificationStatus.QUALIFIED,
    "withdrawn": QualificationStatus.WITHDRAWN,
    "needs": QualificationStatus.NEEDS,
    "live": QualificationStatus.LIVE,
}


def change_status(*, actor: Actor, entrant: Any, to: str, on: Any = None) -> Entrant:
    """Run the action for a status change named as the API and the page name it."""
    if to == "qualifying":
        return act.start_qualification(actor=actor, entrant=entrant)
    if to == "qualified":
        return act.qualify(actor=actor, entrant=entrant, qualified_on=on)
    if to == "withdrawn":
        return act.withdraw(actor=actor, entrant=entrant)
    if to == "needs":
        return act.reinstate(actor=actor, entrant=entrant)
    if to == "live":
        return act.mark_live(actor=actor, entrant=entrant, live_on=on)
    raise ActionError("Choose qualifying, qualified, withdrawn, needs or live", field="to")


def entrant_permissions(v: Any, entrant: Any) -> dict[str, Any]:
    """What ``v`` may do on ``entrant``'s page (and in the API's ``allowed_actions``)."""
    manages = permissions.can_manage_qualification(v, entrant.window) is None
    progresses = permissions.can_progress_entrant(v, entrant) is None
    allowed = QUALIFICATION_TRANSITIONS.get(entrant.status, set())
    moves = []
    if progresses:
        moves = [
            name
            for name, target in _STATUS_TARGETS.items()
            if target in allowed and target != QualificationStatus.LIVE
        ]
    if QualificationStatus.LIVE in allowed and permissions.can_mark_live(v, entrant) is None:
        moves.append("live")
    return {
        "manages": manages,
        "readiness": permissions.can_update_readiness(v, entrant) is None,
        "moves": moves,
        "exempt": manages and QualificationStatus.EXEMPT in allowed,
        "letter": exemption.has_letter(entrant)
        and (entrant.organisation_id in v.organisation_ids or v.reads_programme(entrant.window.programme_id)),
    }


@login_required
def migration_entrant(request: HttpRequest, code: str, entrant_id: int) -> HttpResponse:
    entrant = _entrant(request, code, entrant_id)
    v = queries.viewer(request.user)
    may = entrant_permissions(v, entrant)
    bound: dict[str, forms.Form] = {}
    status = 200
    if request.method == "POST":
        name = request.POST.get("form", "")
        form, call = _entrant_form(request, entrant, name, may)
        if form is None:
            if name not in _ENTRANT_FORM_NAMES:
                return HttpResponse("Unknown form", status=400)
            reason = "You may not make that change to this entrant"
            return render(request, "core/forbidden.html", {"reason": reason}, status=403)
        done, status = _run(request, form, call)
        if done:
            messages.success(request, done)
            return redirect("migration_entrant", code=code, entrant_id=entrant.pk)
        bound[name] = form
    context = {
        "entrant": entrant,
        "window": entrant.window,
        "programme": entrant.window.programme,
        "elig": eligibility(entrant),
        "may": may,
        "forms": _entrant_forms(entrant, may, bound),
        "role": _role(v, entrant.window),
    }
    return render(request, "migration/qualification/entrant.html", context, status=status)


_ENTRANT_FORM_NAMES = ("edit", "readiness", "agents", "status", "exemption")


def _agents_choices(entrant: Any) -> Any:
    return Entrant.objects.filter(window_id=entrant.window_id, kind=EntrantKind.AGENT).select_related(
        "organisation"
    )


def _entrant_form(request: HttpRequest, entrant: Any, name: str, may: dict) -> tuple[Any, Any]:
    if name == "edit" and may["manages"]:
        form = EntrantEditForm(request.POST)
        form.fields["code_body"].queryset = _bodies_of(entrant.window)

        def call(actor: Actor, d: dict) -> str:
            act.update_entrant(actor=actor, entrant=entrant, **d)
            return "Entrant saved."

        return form, call
    if name == "readiness" and may["readiness"]:
        form = ReadinessForm(request.POST)

        def call(actor: Actor, d: dict) -> str:
            if entrant.kind != EntrantKind.SUPPLIER:
                d.pop("systems_live_on", None)
            act.update_readiness(actor=actor, entrant=entrant, **d)
            return "Readiness saved."

        return form, call
    if name == "agents" and may["readiness"] and entrant.kind == EntrantKind.SUPPLIER:
        form = AgentsForm(request.POST)
        form.fields["agents"].queryset = _agents_choices(entrant)

        def call(actor: Actor, d: dict) -> str:
            act.set_agents(actor=actor, supplier=entrant, agents=list(d["agents"]))
            return "Agents saved."

        return form, call
    if name == "status" and may["moves"]:
        form = StatusForm(request.POST)

        def call(actor: Actor, d: dict) -> str:
            done = change_status(actor=actor, entrant=entrant, to=d["to"], on=d.get("on"))
            return f"Status: {done.get_status_display()}."

        return form, call
    if name == "exemption" and may["manages"]:
        form = forms.Form(request.POST)

        def call(actor: Actor, d: dict) -> str:
            done = act.confirm_exemption(actor=actor, entrant=entrant)
            return f"SIT exemption confirmed: {done.exemption_reference}."

        return form, call
    return None, None


def _entrant_forms(entrant: Any, may: dict, bound: dict[str, forms.Form]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if may["manages"]:
        form = bound.get("edit") or EntrantEditForm(
            initial={
                "kind": entrant.kind,
                "market_role": entrant.market_role,
                "code_body": entrant.code_body_id,
                "smart": entrant.smart,
                "non_smart": entrant.non_smart,
                "advanced": entrant.advanced,
                "unmetered": entrant.unmetered,
                "e2e_required": entrant.e2e_required,
                "sit_completed_on": entrant.sit_completed_on,
                "notes": entrant.notes,
            }
        )
        form.fields["code_body"].queryset = _bodies_of(entrant.window)
        out["edit"] = form
    if may["readiness"]:
        form = bound.get("readiness") or ReadinessForm(
            initial={
                "ready_on": entrant.ready_on,
                "systems_live_on": entrant.systems_live_on,
                "e2e_completed_on": entrant.e2e_completed_on,
            }
        )
        if entrant.kind != EntrantKind.SUPPLIER:
            form.fields.pop("systems_live_on", None)
        out["readiness"] = form
        if entrant.kind == EntrantKind.SUPPLIER:
            agents = bound.get("agents") or AgentsForm(
                initial={"agents": [a.pk for a in entrant.agents.all()]}
            )
            agents.fields["agents"].queryset = _agents_choices(entrant)
            out["agents"] = agents
    out["status"] = bound.get("status")
    out["exemption"] = bound.get("exemption")
    return out


@login_required
def migration_exemption_pdf(request: HttpRequest, code: str, entrant_id: int) -> HttpResponse:
    entrant = _entrant(request, code, entrant_id)
    v = queries.viewer(request.user)
    if not entrant_permissions(v, entrant)["letter"]:
        raise Http404
    response = HttpResponse(exemption.render_letter(entrant), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exemption.letter_filename(entrant)}"'
    return response


# Eligibility --------------------------------------------------------------------------------------------


@login_required
def migration_eligibility(request: HttpRequest, code: str) -> HttpResponse:
    window = _window(request, code)
    qs = _entrants(window, request.user).filter(kind=EntrantKind.SUPPLIER)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    verdicts = eligibility_for(page.object_list)
    rows = [verdicts[e.pk] for e in page.object_list]
    context = {
        "window": window,
        "programme": window.programme,
        "page": page,
        "rows": rows,
        "role": _role(queries.viewer(request.user), window),
    }
    return render(request, "migration/qualification/eligibility.html", context)


def entrant_url(entrant: Any) -> str:
    return reverse(
        "migration_entrant", kwargs={"code": entrant.window.programme.code, "entrant_id": entrant.pk}
    )


urlpatterns = [
    path("migration/qualification/<slug:code>/", migration_qualification, name="migration_qualification"),
    path(
        "migration/qualification/<slug:code>/eligibility/",
        migration_eligibility,
        name="migration_eligibility",
    ),
    path(
        "migration/qualification/<slug:code>/entrants/<int:entrant_id>/",
        migration_entrant,
        name="migration_entrant",
    ),
    path(
        "migration/qualification/<slug:code>/entrants/<int:entrant_id>/exemption.pdf",
        migration_exemption_pdf,
        name="migration_exemption_pdf",
    ),
]
