"""Pages: "My subscriptions" — the services I follow and what each tells me (CH-10, CH-12), my calendar-feed
URLs (created with a secret shown once, revoked at will) — and the bulletins sent about the services.

Every change goes through :mod:`busbar.changes.actions` (subscribe, unsubscribe, create_feed_token,
revoke_feed_token), which refuse with :mod:`busbar.changes.permissions`. A new feed's secret is shown in
the answer to the POST that made it, never stored in the session and never shown again: only its hash is
kept.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from busbar.changes import actions, pages, permissions, queries
from busbar.changes.forms.subscriptions import PREFERENCES, ServiceForm, SubscribeForm, TokenForm
from busbar.changes.models import Bulletin, BulletinKind, FeedToken, ServiceSubscription
from busbar.changes.views.schedule import BadParam, bad_request
from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.services.models import Service
from busbar.services.queries import services_visible_to

BULLETIN_PAGE_SIZE = 25
#: Feed tokens listed at most (the newest; revoked ones are kept for the record).
TOKENS_SHOWN = 20


def site_url(path_: str) -> str:
    return settings.SITE_URL.rstrip("/") + path_


def feed_urls(secret: str, services: list[Service]) -> dict:
    """The addresses a new secret opens: the whole schedule, and each service given."""
    return {
        "schedule": site_url(reverse("fsc_feed", args=[secret])),
        "services": [(s, site_url(reverse("fsc_service_feed", args=[secret, s.slug]))) for s in services],
    }


def _page(
    request: HttpRequest,
    *,
    subscribe_form: SubscribeForm | None = None,
    new_feed: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    visible = list(services_visible_to(user).filter(is_active=True).order_by("name"))
    mine = list(
        ServiceSubscription.objects.filter(user=user, service__in=[s.pk for s in visible])
        .select_related("service")
        .order_by("service__name")
    )
    followed = {s.service_id for s in mine}
    offered = [s for s in visible if s.pk not in followed]
    tokens = list(FeedToken.objects.filter(user=user).order_by("-created_at", "-id")[:TOKENS_SHOWN])
    context = {
        **pages.base_context(request, "subscriptions"),
        "subscriptions": [
            {"sub": s, "prefs": [(name, label, getattr(s, name)) for name, label, _ in PREFERENCES]}
            for s in mine
        ],
        "preferences": PREFERENCES,
        "form": subscribe_form or SubscribeForm(user=user, services=offered),
        "offered": offered,
        "tokens": tokens,
        "active_tokens": [t for t in tokens if t.revoked_at is None],
        "new_feed": new_feed,
        "feed_pattern": site_url(reverse("fsc_feed", args=["SECRET"])).replace("SECRET", "…"),
        "service_prefix": site_url(reverse("fsc_service_feed", args=["SECRET", "x"]))
        .replace("SECRET", "…")
        .removesuffix("x.ics"),
        "followed_services": [s.service for s in mine],
        "can_subscribe": permissions.can_subscribe(scope_for(user)) is None,
    }
    return render(request, "changes/subscriptions/my_subscriptions.html", context, status=status)


@login_required
@require_GET
def my_subscriptions(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _refused(request: HttpRequest, exc: ActionError, form=None) -> HttpResponse:
    status = 403 if isinstance(exc, NotPermitted) else exc.status
    if form is not None:
        add_action_error(form, exc)
        if isinstance(form, SubscribeForm):
            return _page(request, subscribe_form=form, status=status)
    messages.error(request, exc.message)
    return _page(request, status=status)


def _invalid(request: HttpRequest, form) -> HttpResponse:
    if isinstance(form, SubscribeForm):
        return _page(request, subscribe_form=form, status=422)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _page(request, status=422)


@login_required
@post_form(lambda verb: reverse("my_subscriptions"))
def subscription_act(request: HttpRequest, verb: str) -> HttpResponse:
    """POST subscribe (or change preferences) | unsubscribe | token-new | token-revoke."""
    user = request.user
    actor = Actor.from_request(request)
    if verb == "subscribe":
        form = SubscribeForm(request.POST, user=user)
        if not form.is_valid():
            return _invalid(request, form)
        service = form.cleaned_data["service"]
        existed = ServiceSubscription.objects.filter(user=user, service=service).exists()
        try:
            actions.subscribe(actor=actor, service=service, **form.preferences())
        except ActionError as exc:
            return _refused(request, exc, form)
        if existed:
            messages.success(request, f"Your subscription to {service.name} is updated.")
        else:
            messages.success(request, f"You are subscribed to {service.name}.")
        return redirect(reverse("my_subscriptions") + "#subscriptions")
    if verb == "unsubscribe":
        form = ServiceForm(request.POST, user=user)
        if not form.is_valid():
            return _invalid(request, form)
        service = form.cleaned_data["service"]
        try:
            actions.unsubscribe(actor=actor, service=service)
        except ActionError as exc:
            return _refused(request, exc)
        messages.success(request, f"You no longer follow {service.name}.")
        return redirect(reverse("my_subscriptions") + "#subscriptions")
    if verb == "token-new":
        try:
            token, secret = actions.create_feed_token(actor=actor)
        except ActionError as exc:
            return _refused(request, exc)
        followed = [
            s.service
            for s in ServiceSubscription.objects.filter(user=user, service__is_active=True)
            .select_related("service")
            .order_by("service__name")
        ]
        new_feed = {"token": token, **feed_urls(secret, followed)}
        response = _page(request, new_feed=new_feed)
        # The secret is in this page only: never kept by a cache or the browser's history.
        response["Cache-Control"] = "no-store"
        return response
    if verb == "token-revoke":
        form = TokenForm(request.POST, user=user)
        if not form.is_valid():
            return _invalid(request, form)
        token = form.cleaned_data["token"]
        try:
            actions.revoke_feed_token(actor=actor, token=token)
        except ActionError as exc:
            return _refused(request, exc)
        messages.success(request, f"Feed {token.prefix}… is revoked: its address no longer works.")
        return redirect(reverse("my_subscriptions") + "#feeds")
    raise Http404("No such action")


# Bulletins --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def bulletin_list(request: HttpRequest) -> HttpResponse:
    """The bulletins sent, newest first, paged; ``?service=`` one service's (its components too),
    ``?mine=1`` those about the services I follow, ``?kind=`` one kind."""
    user = request.user
    services = list(
        services_visible_to(user)
        .select_related(None)
        .only("id", "slug", "name", "parent_id")
        .order_by("name")
    )
    qs = queries.bulletins_visible_to(user)
    chosen = None
    slug = request.GET.get("service", "").strip()
    try:
        if slug:
            chosen = next((s for s in services if s.slug == slug[:60]), None)
            if chosen is None:
                raise BadParam("service", "no such service")
            ids = [chosen.pk] + [s.pk for s in services if s.parent_id == chosen.pk]
            qs = qs.filter(
                Exists(
                    Bulletin.services.through.objects.filter(bulletin_id=OuterRef("pk"), service_id__in=ids)
                )
            )
        kind = request.GET.get("kind", "").strip()
        if kind:
            if kind not in BulletinKind.values:
                raise BadParam("kind", f"choose one of {', '.join(BulletinKind.values)}")
            qs = qs.filter(kind=kind)
    except BadParam as exc:
        return bad_request(request, exc)
    mine = request.GET.get("mine", "") == "1"
    if mine:
        followed = ServiceSubscription.objects.filter(user=user, service_id=OuterRef("service_id"))
        rows = Bulletin.services.through.objects.filter(bulletin_id=OuterRef("pk")).filter(Exists(followed))
        qs = qs.filter(Exists(rows))
    qs = qs.select_related("change").prefetch_related(
        Prefetch("services", queryset=Service.objects.only("id", "name", "slug").order_by("name"))
    )
    page = Paginator(qs.order_by("-sent_at", "-id"), BULLETIN_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {"service": chosen.slug if chosen else "", "kind": kind, "mine": "1" if mine else ""}
    context = {
        **pages.base_context(request, "bulletins"),
        "page": page,
        "services": services,
        "chosen": chosen,
        "kind": kind,
        "kinds": BulletinKind.choices,
        "mine": mine,
        "extra_qs": urlencode({k: v for k, v in filters.items() if v}),
    }
    return render(request, "changes/subscriptions/bulletin_list.html", context)


urlpatterns = [
    path("changes/subscriptions/", my_subscriptions, name="my_subscriptions"),
    path("changes/subscriptions/<str:verb>/", subscription_act, name="subscription_act"),
    path("changes/bulletins/", bulletin_list, name="bulletin_list"),
]
