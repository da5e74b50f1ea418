"""Pages for canned responses: the list of one's organisation's responses with a form to add one, editing and
deleting. For the desk and providers (permissions.can_manage_canned); everyone else is refused."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error
from busbar.lib.markdown import plain_text
from busbar.parties import actions
from busbar.parties.forms import CannedResponseForm
from busbar.parties.queries import canned_organisations, canned_visible_to

PAGE_SIZE = 50


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "core/forbidden.html", status=403)


def _status(exc: ActionError) -> int:
    return 403 if isinstance(exc, NotPermitted) else getattr(exc, "status", 422)


@login_required
def canned_list(request: HttpRequest) -> HttpResponse:
    organisations = canned_organisations(request.user)
    if not organisations:
        return _forbidden(request)
    form = CannedResponseForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                canned = actions.create_canned_response(
                    actor=Actor.from_request(request),
                    organisation=data["organisation"],
                    title=data["title"],
                    body=data["body"],
                )
            except ActionError as exc:
                add_action_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, f"Canned response “{canned.title}” added.")
                return redirect("canned_list")
    qs = canned_visible_to(request.user).order_by("organisation__name", "title", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for canned in page.object_list:
        canned.preview = plain_text(canned.body)
    context = {"page": page, "form": form, "several": len(organisations) > 1}
    return render(request, "parties/canned_list.html", context, status=status)


@login_required
def canned_edit(request: HttpRequest, pk: int) -> HttpResponse:
    canned = get_object_or_404(canned_visible_to(request.user), pk=pk)
    organisations = [canned.organisation]
    initial = {"organisation": canned.organisation_id, "title": canned.title, "body": canned.body}
    form = CannedResponseForm(request.POST or None, initial=initial, organisations=organisations)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.update_canned_response(
                    actor=Actor.from_request(request),
                    canned=canned,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except ActionError as exc:
                add_action_error(form, exc)
                status = _status(exc)
            else:
                messages.success(request, f"Canned response “{form.cleaned_data['title']}” saved.")
                return redirect("canned_list")
    return render(request, "parties/canned_edit.html", {"canned": canned, "form": form}, status=status)


@login_required
@require_POST
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    canned = get_object_or_404(canned_visible_to(request.user), pk=pk)
    try:
        actions.delete_canned_response(actor=Actor.from_request(request), canned=canned)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Canned response “{canned.title}” deleted.")
    return redirect("canned_list")
