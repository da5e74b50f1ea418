"""Form addresses that only take POST, without the dead end of "405 Method Not Allowed".

A form posted to its own address (``/incidents/INC…/resolve/``) shows the page again with its errors when it
is refused. Reloading that page, going back to it or opening its address from the history then asks for the
address with GET: :func:`post_form` answers that with the page showing the form (the record's page) instead
of a 405.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect


def post_form(
    page: Callable[..., str],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like ``require_POST``, but GET and HEAD are sent to ``page(**url_kwargs)``, the address of the page
    that shows the form (it applies its own visibility: nothing is revealed here)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                return HttpResponseRedirect(page(*args, **kwargs))
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
