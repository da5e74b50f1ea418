"""Profile, notification preferences and personal API tokens."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from busbar.accounts import actions
from busbar.accounts.forms import NotificationForm, ProfileForm, TokenForm
from busbar.accounts.mfa import has_strong_factor
from busbar.accounts.queries import api_tokens_visible_to, saveable_lists, saved_filters_visible_to
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import add_action_error
from busbar.lib.registry import notification_kinds
from busbar.parties.queries import open_invitations_for, scope_for


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile_form = ProfileForm(initial={"full_name": user.full_name, "phone": user.phone})
    notify_form = NotificationForm(initial={k: user.wants(k) for k in notification_kinds()})
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "notifications":
                notify_form = NotificationForm(request.POST)
                if notify_form.is_valid():
                    actions.set_notification_preferences(
                        actor=Actor.from_request(request), user=user, preferences=notify_form.cleaned_data
                    )
                    messages.success(request, "Notification preferences saved.")
                    return redirect("profile")
            else:
                profile_form = ProfileForm(request.POST)
                if profile_form.is_valid():
                    actions.update_profile(
                        actor=Actor.from_request(request), user=user, **profile_form.cleaned_data
                    )
                    messages.success(request, "Profile saved.")
                    return redirect("profile")
        except ActionError as exc:
            add_action_error(profile_form, exc)
        status = 422
    context = {
        "profile_form": profile_form,
        "notify_form": notify_form,
        "scope": scope_for(user),
        "has_mfa": has_strong_factor(user),
        "invitations": open_invitations_for(user).order_by("-created_at", "-id")[:50],
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            expires = form.cleaned_data["expires_at"]
            expires_at = (
                timezone.make_aware(dt.datetime.combine(expires, dt.time(23, 59, 59))) if expires else None
            )
            try:
                token, raw = actions.create_api_token(
                    actor=Actor.from_request(request),
                    user=request.user,
                    name=form.cleaned_data["name"],
                    expires_at=expires_at,
                )
                created = {"token": token, "raw": raw}
                form = TokenForm()
            except ActionError as exc:
                add_action_error(form, exc)
                status = 422
        else:
            status = 422
    context = {"form": form, "created": created, "tokens": api_tokens_visible_to(request.user)[:100]}
    # The raw token is rendered in this one response only; it is never stored or shown again.
    response = render(request, "accounts/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(api_tokens_visible_to(request.user), pk=pk)
    try:
        actions.revoke_api_token(actor=Actor.from_request(request), token=token)
        messages.success(request, f"Token {token.name!r} revoked.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("tokens")


@login_required
def email_addresses(request: HttpRequest) -> HttpResponse:
    """A sign-in address is proof of who may accept invitations sent to it, so people cannot change it
    themselves; joining with another address is done by accepting an invitation sent to that address."""
    return render(request, "accounts/email_addresses.html", status=403)


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filter under a name; back to the list with that filter."""
    list_key = request.POST.get("list_key", "")[:40]
    if list_key not in saveable_lists():
        text = "list_key: Not a list that filters can be saved for"
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    query = request.POST.get("query_string", "")[: actions.MAX_FILTER_QUERY + 1]
    try:
        saved = actions.save_filter(
            actor=Actor.from_request(request),
            user=request.user,
            list_key=list_key,
            name=request.POST.get("name", "")[:200],
            query_string=query,
        )
    except ActionError as exc:
        if exc.field == "list_key":
            text = f"list_key: {exc.message}"
            return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, f"{exc.field or 'filter'}: {exc.message}" if exc.field else exc.message)
        # Back to the list with the filter re-encoded (a raw value could carry a line break into the header).
        kept = urlencode(parse_qsl(query.lstrip("?"))[:50])
        return redirect(reverse(list_key) + ("?" + kept if kept else ""))
    messages.success(request, f"Filter {saved.name!r} saved.")
    return redirect(reverse(list_key) + ("?" + saved.query_string if saved.query_string else ""))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(saved_filters_visible_to(request.user), pk=pk)
    list_key = saved.list_key
    try:
        actions.delete_filter(actor=Actor.from_request(request), saved=saved)
        messages.success(request, f"Filter {saved.name!r} deleted.")
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(list_key)
