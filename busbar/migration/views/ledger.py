"""The MPAN ledger pages: the daily file loads a person may see with the upload form
(``/migration/ledger/``), one load with its counts and rejected lines (``/migration/ledger/loads/<id>/``) and
its rejection report (``…/rejections.csv``), and an MPAN's state and events (``/migration/ledger/mpans/``).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from busbar.lib.actions import ActionError, Actor
from busbar.lib.export import safe_text
from busbar.lib.forms import add_action_error
from busbar.migration import common, ledger, permissions, queries
from busbar.migration.actions.ledger import load_file
from busbar.migration.models import LedgerEvent
from busbar.parties.models import IdentifierScheme, Organisation

PAGE_SIZE = 50
#: Rejected lines shown on a load's page (the report has every one kept).
ERRORS_SHOWN = 100
#: Events of one MPAN shown.
EVENTS_SHOWN = 200


def load_organisations(viewer: Any) -> Any:
    """The organisations a person may load files for: any with a market participant ID for a migration
    manager; else their own."""
    qs = Organisation.objects.filter(is_active=True).order_by("name")
    if viewer.manages_any:
        return qs.filter(identifiers__scheme=IdentifierScheme.MPID).distinct()
    return qs.filter(pk__in=viewer.organisation_ids)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Daily migration file",
        help_text="CSV (UTF-8, with the header mpan,segment,supplier,dno,agent,event,date) or Parquet; "
        f"at most {ledger.MAX_LINES:,} lines",
    )
    apply_valid = forms.BooleanField(
        required=False,
        label="Apply valid lines",
        help_text="When some lines are wrong, apply the others (an MPAN's lines after its first wrong one "
        "are rejected too). Unticked, a file with any wrong line applies nothing.",
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = load_organisations(viewer)
        self.fields["organisation"].queryset = choices
        if not viewer.manages_any:
            self.fields["organisation"].label = "For"
        self.fields["organisation"].help_text = "The organisation whose file this is"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > ledger.MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {ledger.MAX_BYTES // (1024 * 1024)} MB")
        return upload


def _can_upload(viewer: Any) -> bool:
    if viewer.manages_any:
        return True
    return any(permissions.can_load_file(viewer, org) is None for org in viewer.organisation_ids)


@login_required
def ledger_home(request: HttpRequest) -> HttpResponse:
    viewer = queries.viewer(request.user)
    form = None
    status = 200
    if _can_upload(viewer):
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES, viewer=viewer)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    done = load_file(
                        actor=Actor.from_request(request),
                        organisation=form.cleaned_data["organisation"],
                        filename=upload.name,
                        content=upload.read(ledger.MAX_BYTES + 1),
                        apply_valid=form.cleaned_data["apply_valid"],
                    )
                except ActionError as exc:
                    exc.field = exc.field if exc.field in form.fields else None
                    add_action_error(form, exc)
                    status = exc.status
                else:
                    return redirect("migration_load", load_id=done.pk)
            else:
                status = 422
        else:
            form = UploadForm(viewer=viewer)
    elif request.method == "POST":
        status = 403
    loads = queries.loads_visible_to(request.user).order_by("-created_at", "-id")
    page = Paginator(loads, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "migration/ledger/home.html",
        {"page": page, "form": form, "columns": ",".join(ledger.COLUMNS)},
        status=status,
    )


def _load_or_404(request: HttpRequest, load_id: int) -> Any:
    return get_object_or_404(queries.loads_visible_to(request.user), pk=load_id)


@login_required
def load_detail(request: HttpRequest, load_id: int) -> HttpResponse:
    load = _load_or_404(request, load_id)
    errors = load.errors[:ERRORS_SHOWN]
    return render(
        request,
        "migration/ledger/load.html",
        {"load": load, "errors": errors, "more_errors": len(load.errors) > len(errors)},
    )


@login_required
def load_rejections(request: HttpRequest, load_id: int) -> HttpResponse:
    """Every rejected line kept on the load, as CSV (line, field, message)."""
    load = _load_or_404(request, load_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "field", "message"])
    for e in load.errors:
        writer.writerow(
            [e.get("line", ""), safe_text(str(e.get("field", ""))), safe_text(str(e.get("message", "")))]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejections-{load.pk}.csv"'
    return response


@login_required
def mpan_lookup(request: HttpRequest) -> HttpResponse:
    """An MPAN's state and events, when the person may see it (a supplier its own, a DNO its area, an
    agent those it is appointed to, the programme all); else 404."""
    text = request.GET.get("mpan", "").strip()[:20]
    context: dict[str, Any] = {"text": text, "mpan": None, "problem": None, "events": []}
    status = 200
    if text:
        core = common.parse_mpan(text)
        if core is None:
            context["problem"] = common.mpan_problem(text)
            status = 422
        else:
            found = queries.mpans_visible_to(request.user).filter(core=core).first()
            if found is None:
                context["problem"] = f"No MPAN {common.format_mpan(core)} in the ledger that you may see"
                status = 404
            else:
                orgs = {
                    o.pk: o for o in Organisation.objects.filter(pk__in=[found.supplier_id, found.agent_id])
                }
                context.update(
                    mpan=found,
                    supplier=orgs.get(found.supplier_id),
                    agent=orgs.get(found.agent_id),
                    events=list(LedgerEvent.objects.filter(core=core).order_by("on", "id")[:EVENTS_SHOWN]),
                )
    return render(request, "migration/ledger/mpan.html", context, status=status)


urlpatterns = [
    path("migration/ledger/", ledger_home, name="migration_ledger"),
    path("migration/ledger/loads/<int:load_id>/", load_detail, name="migration_load"),
    path(
        "migration/ledger/loads/<int:load_id>/rejections.csv",
        load_rejections,
        name="migration_load_rejections",
    ),
    path("migration/ledger/mpans/", mpan_lookup, name="migration_mpan_lookup"),
]
