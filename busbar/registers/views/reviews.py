"""Service review pages (SL-10): the list (by provider and status), scheduling one, its page with the
agenda, minutes and action log, and the forms of whoever may run it or finish its actions."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error, form_errors, run_action_form
from busbar.lib.postback import post_form
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.registers import permissions, queries
from busbar.registers.forms import (
    CancelReviewForm,
    FinishActionForm,
    MinutesForm,
    ReviewActionForm,
    ScheduleReviewForm,
)
from busbar.registers.models import ReviewAction, ServiceReview

PAGE_SIZE = 50
VERBS = {"minutes": MinutesForm, "cancel": CancelReviewForm, "action": ReviewActionForm}


class ReviewFilterForm(forms.Form):
    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any provider"
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ServiceReview.Status.choices])
    open_actions = forms.BooleanField(required=False, label="With open actions")

    def __init__(self, *args, visible, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organisation.objects.filter(
            pk__in=visible.order_by().values("provider_id")
        ).order_by("name")


@login_required
def service_review_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    visible = queries.reviews_visible_to(request.user)
    if not queries.reads_registers(request.user):
        raise Http404("No service reviews")
    form = ReviewFilterForm(request.GET or None, visible=visible)
    qs, status = visible, 200
    if request.GET and not form.is_valid():
        qs, status = visible.none(), 400
    elif request.GET:
        d = form.cleaned_data
        if d["provider"] is not None:
            qs = qs.filter(provider=d["provider"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["open_actions"]:
            qs = qs.filter(actions__status=ReviewAction.Status.OPEN).distinct()
    qs = queries.with_action_counts(qs).order_by("-held_on", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    extra = {k: v[:200] for k, v in request.GET.items() if k != "page" and v}
    context = {
        "page": page,
        "form": form,
        "extra_qs": urlencode(extra),
        "can_schedule": permissions.can_schedule_review(scope) is None,
    }
    return render(request, "registers/review_list.html", context, status=status)


@login_required
def service_review_new(request: HttpRequest) -> HttpResponse:
    reason = permissions.can_schedule_review(scope_for(request.user))
    if reason:
        return render(request, "core/forbidden.html", {"reason": reason}, status=403)
    form = ScheduleReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                review = form.submit(Actor.from_request(request))
            except ActionError as exc:
                add_action_error(form, exc)
                status = 403 if isinstance(exc, NotPermitted) else exc.status
            else:
                messages.success(request, "Service review scheduled.")
                return redirect("service_review_detail", pk=review.pk)
    return render(request, "registers/review_form.html", {"form": form}, status=status)


def _review_or_404(request: HttpRequest, pk: int) -> ServiceReview:
    return get_object_or_404(queries.reviews_visible_to(request.user), pk=pk)


def _context(request: HttpRequest, review: ServiceReview, bound: dict | None = None) -> dict:
    scope = scope_for(request.user)
    runs = permissions.can_run_review(scope, review) is None
    verbs = []
    if runs and review.status != ServiceReview.Status.CANCELLED:
        verbs = ["minutes", "action"] + (["cancel"] if review.status == ServiceReview.Status.PLANNED else [])
    built = {}
    for v in verbs:
        kwargs = {"actor_orgs": scope.organisation_ids} if v == "action" else {}
        built[v] = VERBS[v](prefix=v, review=review, **kwargs)
    built.update(bound or {})
    log = list(
        review.actions.select_related("owner_organisation", "owner", "improvement").order_by("due_on", "id")
    )
    for a in log:
        a.can_finish = (
            a.status == ReviewAction.Status.OPEN and permissions.can_finish_action(scope, a) is None
        )
        a.is_late = (
            a.status == ReviewAction.Status.OPEN and a.due_on is not None and a.due_on < timezone.localdate()
        )

    def panel(v):
        return {
            "verb": v,
            "form": built[v],
            "url": reverse("service_review_action", args=[review.pk, v]),
        }

    return {
        "review": review,
        "log": log,
        "panels": [panel(v) for v in verbs if v in built],
        "history": queries.review_history(review),
    }


@login_required
def service_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review_or_404(request, pk)
    return render(request, "registers/review_detail.html", _context(request, review))


@login_required
@post_form(lambda pk, verb: reverse("service_review_detail", args=[pk]) + f"#do-{verb}")
def service_review_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    if verb not in VERBS:
        raise Http404("No such action")
    review = _review_or_404(request, pk)
    scope = scope_for(request.user)
    kwargs = {"actor_orgs": scope.organisation_ids} if verb == "action" else {}
    form = VERBS[verb](request.POST, prefix=verb, review=review, **kwargs)
    message, status = run_action_form(form, Actor.from_request(request))
    if message is not None:
        messages.success(request, message)
        return redirect("service_review_detail", pk=review.pk)
    review = _review_or_404(request, pk)
    if permissions.can_run_review(scope, review) is None:
        context = _context(request, review, bound={verb: form})
    else:
        for error in form_errors(form):
            messages.error(request, error)
        context = _context(request, review)
    return render(request, "registers/review_detail.html", context, status=status)


@login_required
@post_form(lambda pk, action_id, verb: reverse("service_review_detail", args=[pk]) + "#actions")
def review_action_finish(request: HttpRequest, pk: int, action_id: int, verb: str) -> HttpResponse:
    if verb not in ("done", "drop"):
        raise Http404("No such action")
    review = _review_or_404(request, pk)
    review_action = get_object_or_404(
        ReviewAction.objects.select_related("review"), pk=action_id, review=review
    )
    form = FinishActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(form_errors(form)))
        return redirect(reverse("service_review_detail", args=[pk]) + "#actions")
    try:
        messages.success(request, form.submit(Actor.from_request(request), review_action, verb))
    except ActionError as exc:
        messages.error(request, exc.message)
        status = 403 if isinstance(exc, NotPermitted) else exc.status
        return render(request, "registers/review_detail.html", _context(request, review), status=status)
    return redirect(reverse("service_review_detail", args=[pk]) + "#actions")


urlpatterns = [
    path("service-reviews/", service_review_list, name="service_review_list"),
    path("service-reviews/new/", service_review_new, name="service_review_new"),
    path("service-reviews/<int:pk>/", service_review_detail, name="service_review_detail"),
    path(
        "service-reviews/<int:pk>/actions/<int:action_id>/<slug:verb>/",
        review_action_finish,
        name="service_review_action_finish",
    ),
    path("service-reviews/<int:pk>/<slug:verb>/", service_review_action, name="service_review_action"),
]
