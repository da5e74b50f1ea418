"""The canned-response picker of a record page's update form (any record type's).

Without JavaScript the picker is a GET of the page with ``?canned=<id>``: the page comes back with the
response in the form's text box. With HTMX the same GET also sends what is already typed (the text box's
own name, e.g. ``reply-body``) and only the text box is swapped, the response added after the text.
Only the responses of the viewer's own organisations are offered or inserted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from busbar.lib.forms import parse_id
from busbar.lib.limits import text_max
from busbar.parties.models import CannedResponse
from busbar.parties.queries import canned_visible_to

#: The most responses offered in the picker (the rest are on the canned responses page).
MAX_OFFERED = 200


@dataclass
class Picker:
    options: list[CannedResponse] = field(default_factory=list)
    chosen: int | None = None
    #: The id of the text box the picker fills.
    target: str = ""


def picker(request: HttpRequest, form: Any, *, field_name: str = "body") -> Picker | None:
    """The picker for ``form`` (an unbound update form, or None), pre-filling its text box when the page was
    asked for with ``?canned=<id>``. None when the viewer keeps no canned responses or there is no form."""
    if form is None:
        return None
    options = list(canned_visible_to(request.user).order_by("title", "id")[:MAX_OFFERED])
    if not options:
        return None
    bound_field = form[field_name]
    result = Picker(options=options, target=bound_field.auto_id)
    wanted = parse_id(request.GET.get("canned"))
    chosen = next((c for c in options if c.pk == wanted), None)
    if chosen is not None and not form.is_bound:
        typed = request.GET.get(bound_field.html_name, "")[: text_max()].rstrip()
        form.initial[field_name] = f"{typed}\n\n{chosen.body}" if typed else chosen.body
        result.chosen = chosen.pk
    return result
