"""The desk's demand analysis (``/demand/trends/``): per service and per week, the demand notices covering
the week and the incidents raised, as SVG charts with their tables (no JavaScript)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from busbar.demand import charts, permissions
from busbar.demand.forms import TrendForm
from busbar.parties.queries import scope_for


@login_required
def demand_trends(request: HttpRequest) -> HttpResponse:
    reason = permissions.can_see_trends(scope_for(request.user))
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    form = TrendForm(request.GET or None)
    status = 200
    weeks, services = charts.DEFAULT_WEEKS, None
    if request.GET:
        if form.is_valid():
            weeks = form.cleaned_data.get("weeks") or charts.DEFAULT_WEEKS
            if form.cleaned_data.get("service") is not None:
                services = [form.cleaned_data["service"]]
        else:
            status = 400
    found = charts.trends(services=services, weeks=weeks)
    context = {"form": form, "trends": found, "drawn": found.drawn(), "weeks": weeks}
    return render(request, "demand/trends.html", context, status=status)


urlpatterns = [path("demand/trends/", demand_trends, name="demand_trends")]
