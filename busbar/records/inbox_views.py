"""The inbox page (``/inbox/``): a person's notifications, newest first, with mark read and mark all read.

Works without JavaScript (each button is a form posting back and redirecting to the page it came from); with
HTMX a "mark read" swaps the row in place and the bell's count follows.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import parse_id
from busbar.lib.postback import post_form
from busbar.records import actions
from busbar.records.inbox import inbox_of, unread_count

PAGE_SIZE = 25


def _back(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=False
    ):
        return back
    return reverse("inbox")


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    qs = inbox_of(request.user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "records/inbox.html",
        {"page": page, "unread_only": unread_only, "extra_qs": "unread=1" if unread_only else ""},
    )


@login_required
@post_form(lambda pk: reverse("inbox"))
def mark_read(request: HttpRequest, pk: str) -> HttpResponse:
    notification_id = parse_id(pk)
    notification = inbox_of(request.user).filter(pk=notification_id).first() if notification_id else None
    if notification is None:
        raise Http404("No such notification")
    try:
        actions.mark_read(actor=Actor.from_request(request), notification=notification)
    except ActionError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return render(
            request,
            "records/_inbox_row.html",
            {"n": notification, "next": _back(request), "oob_unread": unread_count(request)},
        )
    return redirect(_back(request))


@login_required
@post_form(lambda: reverse("inbox"))
def mark_all_read(request: HttpRequest) -> HttpResponse:
    try:
        changed = actions.mark_all_read(actor=Actor.from_request(request))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Marked {changed} notification{'' if changed == 1 else 's'} read."
            if changed
            else "Nothing was unread.",
        )
    return redirect(_back(request))
