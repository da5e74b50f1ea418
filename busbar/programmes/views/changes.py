"""Pages: programme change requests — the programme's list (filters, the GV-37 metrics, CSV/XLSX export),
raising a draft (any participant, with the milestones it would move), and the CR's page: its milestone
changes (baseline now vs proposed, the shift in working days), the consultation window, the impact
assessments (the office and assurers: all of them and who has not answered; a participant: its own), the
forms :func:`busbar.programmes.api.changes.allowed_on_cr` offers, and the kernel's conversation,
attachments, links, watching and history.

Every read goes through :mod:`busbar.programmes.queries` (a programme or CR outside them is a 404); every
change through :mod:`busbar.programmes.actions.changes`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.lib import export
from busbar.lib.actions import Actor
from busbar.lib.forms import form_errors, parse_id, run_action_form
from busbar.lib.postback import post_form
from busbar.lib.svgchart import Chart, Series
from busbar.parties.models import Organisation
from busbar.programmes import cr_metrics, pages, permissions, queries
from busbar.programmes.api.changes import (
    allowed_on_cr,
    baselines_of,
    filter_crs,
    milestone_rows,
    non_responders,
    respond_organisations,
    responses_for,
)
from busbar.programmes.forms.changes import (
    LIFECYCLE,
    PAGE_FORMS,
    FilterForm,
    RaiseForm,
    edit_field_of,
    field_of,
)
from busbar.programmes.models import (
    ChangeRequest,
    Criticality,
    CrStatus,
    ImpactLevel,
    Meeting,
    Milestone,
    Position,
)
from busbar.programmes.permissions import changes as cr_permissions
from busbar.programmes.workdays import for_programme
from busbar.records import queries as record_queries
from busbar.records.models import Link
from busbar.testing.access import access_for

PAGE_SIZE = 50
#: Milestones offered on the raise form (a programme has tens).
MAX_FORM_MILESTONES = 200

#: How the CR's history reads: journal action -> words.
HISTORY = {
    "programmes.cr_raise": "raised the change request",
    "programmes.cr_edit": "edited it",
    "programmes.cr_milestone": "changed the milestones it moves",
    "programmes.cr_issue": "issued it for impact assessment",
    "programmes.cr_respond": "sent an impact assessment",
    "programmes.cr_close_responses": "closed the responses: in review",
    "programmes.cr_approve": "approved it",
    "programmes.cr_reject": "rejected it",
    "programmes.cr_reissue": "re-issued it for further impact assessment",
    "programmes.cr_hold": "put it on hold",
    "programmes.cr_resume": "took it off hold: in review",
    "programmes.cr_withdraw": "withdrew it",
    "programmes.cr_update": "posted an update",
    "programmes.cr_note": "added an internal note",
    "programme_cr.link": "changed its links",
    "programme_cr.watch": "started watching",
}
#: How a history entry's changed fields read.
FIELD_LABELS = {
    "ia_deadline": "Responses due",
    "assurance_deadline": "Assurance ends",
    "needed_by": "Decision needed by",
    "cost_or_effort": "Cost or effort",
}
VALUE_LABELS = {
    "status": dict(CrStatus.choices),
    "criticality": dict(Criticality.choices),
    "impact": dict(ImpactLevel.choices),
    "position": dict(Position.choices),
}


def _shown_value(name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    return str(VALUE_LABELS.get(name, {}).get(value, value))[:200]


def _listed(request: HttpRequest, programme):
    form = FilterForm(request.GET or None)
    qs = queries.cr_visible_to(request.user).filter(programme=programme)
    if form.is_valid():
        qs = filter_crs(qs, form.cleaned_data)
    return form, qs.select_related("programme", "raised_by").order_by("-number")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {k: v[:40] for k, v in request.GET.items() if k in ("status", "criticality", "late") and v}


COLUMNS = [
    export.Column("Ref", lambda cr: cr.display_ref),
    export.Column("Reference", lambda cr: cr.reference),
    export.Column("Title", lambda cr: cr.title),
    export.Column("Status", lambda cr: cr.get_status_display()),
    export.Column("Criticality", lambda cr: cr.get_criticality_display()),
    export.Column("Raised by", lambda cr: cr.raised_by.name),
    export.Column("Raised ({zone})", lambda cr: cr.created_at),
    export.Column("Round", lambda cr: cr.round),
    export.Column("Issued", lambda cr: cr.issued_on and cr.issued_on.isoformat()),
    export.Column("Responses due", lambda cr: cr.ia_deadline and cr.ia_deadline.isoformat()),
    export.Column("Assurance ends", lambda cr: cr.assurance_deadline and cr.assurance_deadline.isoformat()),
    export.Column("Decision needed by", lambda cr: cr.needed_by and cr.needed_by.isoformat()),
    export.Column("Decided", lambda cr: cr.decided_on and cr.decided_on.isoformat()),
    export.Column("Late", lambda cr: cr_metrics.is_late(cr)),
    export.Column("Decision note", lambda cr: cr.decision_note),
]


def _metrics_chart(m: cr_metrics.CrMetrics) -> Chart | None:
    if not m.total:
        return None
    shown = [b for b in cr_metrics.BUCKETS if b != "withdrawn"]
    return Chart(
        title="Change requests by criticality and status",
        labels=[r.label for r in m.by_criticality],
        series=[
            Series(cr_metrics.BUCKET_LABELS[b], [r.counts.get(b, 0) for r in m.by_criticality]) for b in shown
        ],
        description="How many of the programme's change requests of each criticality are approved, rejected, "
        "on hold or open (GV-37).",
        label_heading="Criticality",
        key="cr-metrics",
        height=200,
    )


@login_required
def cr_list(request: HttpRequest, programme: str) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    form, qs = _listed(request, prog)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for cr in page:
        cr.is_late = cr_metrics.is_late(cr, today)
    filters = _filters(request)
    metrics = cr_metrics.metrics(prog.pk, today=today)
    chart = _metrics_chart(metrics)
    context = {
        **pages.base_context(request, prog, "crs"),
        "page": page,
        "form": form,
        "extra_qs": urlencode(filters),
        "export_qs": urlencode(filters),
        "metrics": metrics,
        "chart_svg": chart.bars() if chart else "",
        "chart_table": chart.table() if chart else "",
        "can_raise": permissions.can_raise_cr(access_for(request.user), prog.pk) is None,
        "windows": cr_metrics.windows(prog.pk),
    }
    return render(request, "programmes/changes/list.html", context)


@login_required
def cr_export(request: HttpRequest, programme: str) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    _, qs = _listed(request, prog)
    return export.response(qs, COLUMNS, fmt=fmt, stem=f"{prog.code}-change-requests")


@login_required
def cr_new(request: HttpRequest, programme: str) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    reason = permissions.can_raise_cr(access_for(request.user), prog.pk)
    if reason:
        return pages.forbidden(request, reason)
    milestones = list(Milestone.objects.filter(programme=prog).order_by("order", "id")[:MAX_FORM_MILESTONES])
    form = RaiseForm(request.POST or None, programme=prog, milestones=milestones)
    status = 200
    if request.method == "POST":
        said, status = run_action_form(form, Actor.from_request(request), field_of=field_of)
        if said is not None:
            messages.success(request, f"{said.display_ref} is raised as a draft.")
            return redirect("programmes_cr_detail", reference=said.reference)
    context = {**pages.base_context(request, prog, "crs"), "form": form}
    return render(request, "programmes/changes/new.html", context, status=status)


# -- the CR page ---------------------------------------------------------------------------------------


def _cr_or_404(request: HttpRequest, reference: str) -> ChangeRequest:
    qs = record_queries.with_watching(queries.cr_visible_to(request.user), request.user)
    return get_object_or_404(
        qs.select_related("programme", "raised_by", "record"), reference=reference.upper()[:20]
    )


def _meetings(cr: ChangeRequest):
    newest = list(
        Meeting.objects.filter(group__programme_id=cr.programme_id)
        .order_by("-date", "-id")
        .values_list("pk", flat=True)[:50]
    )
    return Meeting.objects.filter(pk__in=newest).select_related("group").order_by("-date", "-id")


def _form_extras(request: HttpRequest, cr: ChangeRequest, verbs: list[str], respond_orgs) -> dict[str, dict]:
    extras: dict[str, dict] = {}
    if "milestone" in verbs:
        extras["milestone"] = {"milestones": Milestone.objects.filter(programme_id=cr.programme_id)}
    if "issue" in verbs:
        consultation, assurance = cr_metrics.windows(cr.programme_id)
        extras["issue"] = {"consultation": consultation, "assurance": assurance}
    if "approve" in verbs or "reject" in verbs:
        meetings = _meetings(cr)
        extras["approve"] = {"meetings": meetings, "moves_milestones": cr.milestone_changes.exists()}
        extras["reject"] = {"meetings": meetings}
    if "respond" in verbs:
        extras["respond"] = {"organisations": respond_orgs}
    if "update" in verbs:
        extras["update"] = {"may_note": "note" in verbs}
    return extras


def _respond_initial(cr: ChangeRequest, own: list) -> dict:
    current = next((r for r in own if r.round == cr.round), None)
    if current is None:
        return {}
    return {
        "organisation": current.organisation_id,
        "impact": current.impact,
        "position": current.position,
        "response": current.response,
        "cost_or_effort": current.cost_or_effort,
    }


def _panel(verb: str, form, cr: ChangeRequest) -> dict:
    return {"verb": verb, "form": form, "url": reverse("programmes_cr_action", args=[cr.reference, verb])}


def _history(request: HttpRequest, cr: ChangeRequest, works: bool, oversight: bool) -> list:
    """The CR's journal as the reader may see it (the type's timeline rules), less other organisations'
    impact assessments for those without oversight (they name the responder and its position)."""
    entries = record_queries.timeline(request.user, cr, works=works)
    mine = access_for(request.user).organisation_ids
    entries = [
        e
        for e in entries
        if oversight or e.action != "programmes.cr_respond" or e.owner_organisation_id in mine
    ][-100:]
    names = dict(
        Organisation.objects.filter(pk__in={e.actor_organisation_id for e in entries}).values_list(
            "pk", "name"
        )
    )
    for e in entries:
        e.sentence = HISTORY.get(e.action, e.action.partition(".")[2].replace("_", " "))
        e.organisation_name = names.get(e.actor_organisation_id, "")
        e.shown = [
            (
                FIELD_LABELS.get(k, k.replace("_", " ").capitalize()),
                _shown_value(k, v[0]),
                _shown_value(k, v[1]),
            )
            for k, v in (e.changes or {}).items()
            if isinstance(v, list) and len(v) == 2
        ]
    return entries


def _window(cr: ChangeRequest, today) -> dict | None:
    if not cr.issued_on:
        return None
    days = for_programme(cr.programme_id, around=[cr.issued_on, today, cr.assurance_deadline])
    left = days.between(today, cr.ia_deadline) if cr.ia_deadline and today <= cr.ia_deadline else None
    return {
        "issued_on": cr.issued_on,
        "ia_deadline": cr.ia_deadline,
        "assurance_deadline": cr.assurance_deadline,
        "consultation": days.between(cr.issued_on, cr.ia_deadline) if cr.ia_deadline else None,
        "assurance": (
            days.between(cr.ia_deadline, cr.assurance_deadline)
            if cr.ia_deadline and cr.assurance_deadline
            else None
        ),
        "left": left,
        "open": cr.status == CrStatus.IMPACT_ASSESSMENT,
        "past": cr.ia_deadline is not None and today > cr.ia_deadline,
    }


def _detail_context(request: HttpRequest, cr: ChangeRequest, bound: dict | None = None) -> dict:
    user = request.user
    access = access_for(user)
    today = timezone.localdate()
    respond_orgs = respond_organisations(access, cr)
    verbs = allowed_on_cr(access, cr, respond_orgs)
    oversight = queries.has_oversight(access, cr.programme_id)
    works = queries.cr_works_on(user, cr)
    responses = list(responses_for(user, cr))
    extras = _form_extras(request, cr, verbs, respond_orgs)
    forms = {}
    for verb in verbs:
        if verb not in PAGE_FORMS or verb == "remove-milestone":
            continue
        kwargs = extras.get(verb, {})
        if verb == "respond":
            kwargs = {**kwargs, "initial": _respond_initial(cr, responses)}
        forms[verb] = PAGE_FORMS[verb](prefix=verb, cr=cr, **kwargs)
    forms.update(bound or {})
    rows = milestone_rows(cr)
    current_round = [r for r in responses if r.round == cr.round]
    before, written = baselines_of(cr)
    entries, attachments = record_queries.conversation_visible_to(user, cr)
    missing = list(non_responders(cr)) if oversight and cr.round else []
    received = len(current_round) if oversight else None
    return {
        **pages.base_context(request, cr.programme, "crs"),
        "cr": cr,
        "today": today,
        "is_late": cr_metrics.is_late(cr, today),
        "milestone_rows": rows,
        "window": _window(cr, today),
        "windows": cr_metrics.windows(cr.programme_id),
        "responses": responses,
        "current_responses": current_round,
        "earlier_responses": [r for r in responses if r.round != cr.round],
        "non_responders": missing,
        "received": received,
        "expected": (received or 0) + len(missing) if oversight else None,
        "oversight": oversight,
        "works": works,
        "may_remove_milestone": "remove-milestone" in verbs,
        "edit_panel": forms.get("edit") and _panel("edit", forms["edit"], cr),
        "milestone_panel": forms.get("milestone") and _panel("milestone", forms["milestone"], cr),
        "respond_panel": forms.get("respond") and _panel("respond", forms["respond"], cr),
        "panels": [_panel(v, forms[v], cr) for v in LIFECYCLE if v in forms],
        "update_form": forms.get("update") and _panel("update", forms["update"], cr),
        "baseline_before": before,
        "baseline_written": written,
        "decisions": list(cr.decisions.select_related("meeting__group").order_by("decided_on", "number")),
        "entries": entries,
        "attachments": [a for a in attachments if a.entry_id is None],
        "links": record_queries.links_visible_to(user, cr),
        "may_link": works and cr_permissions.can_comment_cr(access, cr) is None,
        "link_kinds": Link.Kind.choices,
        "watch": {"reference": cr.reference, "watching": record_queries.is_watching(user, cr)},
        "timeline": _history(request, cr, works, oversight),
        "allowed": verbs,
    }


@login_required
def cr_detail(request: HttpRequest, reference: str) -> HttpResponse:
    cr = _cr_or_404(request, reference)
    return render(request, "programmes/changes/detail.html", _detail_context(request, cr))


def _refusal(request: HttpRequest, cr: ChangeRequest, verb: str) -> str | None:
    """Why the person may not use ``verb``'s form at all (403), whatever they typed."""
    access = access_for(request.user)
    if verb in ("edit", "milestone", "remove-milestone"):
        return permissions.can_edit_cr(access, cr)
    if verb == "respond":
        wanted = parse_id(request.POST.get("respond-organisation"))
        orgs = respond_organisations(access, cr)
        org_id = wanted or (orgs[0].pk if orgs else min(access.organisation_ids, default=0))
        return cr_permissions.can_respond(access, cr, org_id)
    if verb == "update":
        if request.POST.get("update-internal"):
            return cr_permissions.can_note_cr(access, cr)
        return cr_permissions.can_comment_cr(access, cr)
    return permissions.can_decide_cr(access, cr)


@login_required
@post_form(lambda reference, verb: reverse("programmes_cr_detail", args=[reference]) + f"#do-{verb}")
def cr_action(request: HttpRequest, reference: str, verb: str) -> HttpResponse:
    if verb not in PAGE_FORMS:
        raise Http404("No such action")
    cr = _cr_or_404(request, reference)
    reason = _refusal(request, cr, verb)
    if reason:
        return pages.forbidden(request, reason)
    access = access_for(request.user)
    respond_orgs = respond_organisations(access, cr)
    extras = _form_extras(request, cr, [verb, "note"] if verb == "update" else [verb], respond_orgs)
    if verb == "update":
        extras["update"]["may_note"] = cr_permissions.can_note_cr(access, cr) is None
    if verb == "respond":
        extras["respond"] = {"organisations": respond_orgs}
    form = PAGE_FORMS[verb](request.POST, request.FILES, prefix=verb, cr=cr, **extras.get(verb, {}))
    mapper = edit_field_of if verb == "edit" else field_of
    said, status = run_action_form(form, Actor.from_request(request), field_of=mapper)
    if said is not None:
        messages.success(request, said)
        return redirect("programmes_cr_detail", reference=cr.reference)
    cr = _cr_or_404(request, reference)
    if verb in allowed_on_cr(access, cr) and verb != "remove-milestone":
        context = _detail_context(request, cr, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _detail_context(request, cr)
    return render(request, "programmes/changes/detail.html", context, status=status)


@login_required
def cr_attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """A file of the CR, through its visibility (internal ones to those who work it)."""
    cr = get_object_or_404(queries.cr_visible_to(request.user), reference=reference.upper()[:20])
    attachment = get_object_or_404(record_queries.attachments_visible_to(request.user, cr), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("programmes/change-requests/<str:reference>/", cr_detail, name="programmes_cr_detail"),
    path(
        "programmes/change-requests/<str:reference>/attachments/<int:pk>/",
        cr_attachment,
        name="programmes_cr_attachment",
    ),
    path("programmes/change-requests/<str:reference>/<slug:verb>/", cr_action, name="programmes_cr_action"),
    path("programmes/<slug:programme>/change-requests/", cr_list, name="programmes_crs"),
    path("programmes/<slug:programme>/change-requests/new/", cr_new, name="programmes_cr_new"),
    path("programmes/<slug:programme>/change-requests/export/", cr_export, name="programmes_crs_export"),
]
