"""The demand tolerances (``/demand/tolerances/``): every signed-in person reads them (the operator's demand
policy); operations managers set one from an effective date with the form on the same page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from busbar.demand import permissions
from busbar.demand.forms import ToleranceForm
from busbar.demand.models import DemandTolerance
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error
from busbar.parties.queries import scope_for

PAGE_SIZE = 100


@login_required
def demand_tolerances(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    reason = permissions.can_read_tolerances(scope)
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    keeps = permissions.can_keep_tolerances(scope) is None
    status = 200
    form = None
    if request.method == "POST":
        reason = permissions.can_keep_tolerances(scope)
        if reason:
            return render(request, "core/forbidden.html", {"reason": reason}, status=403)
        form = ToleranceForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                done = form.submit(Actor.from_request(request))
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(
                    request, f"Tolerance for {done.service.name} from {done.effective_from:%d %b %Y} saved."
                )
                return redirect("demand_tolerances")
    elif keeps:
        form = ToleranceForm()
    qs = DemandTolerance.objects.select_related("service").order_by("service__name", "-effective_from")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demand/tolerances.html", {"page": page, "form": form}, status=status)


urlpatterns = [path("demand/tolerances/", demand_tolerances, name="demand_tolerances")]
