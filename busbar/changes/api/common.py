"""What the change API's modules share: bounded input types, the caller as an actor, lookups that answer
"not found" (404) for what the caller may not see or a 422 naming the field for a bad reference in a body,
and running a lifecycle action with the 409 problem for a move the transition table forbids."""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Schema

from busbar.changes import queries, steps
from busbar.changes.models import (
    TRANSITIONS,
    ChangeNotification,
    ChangeRisk,
    ChangeStatus,
    ChangeType,
    ConsultationImpact,
)
from busbar.lib.actions import ActionError, Actor, IllegalTransition
from busbar.lib.forms import parse_id
from busbar.lib.problems import transition_refused
from busbar.parties.models import Organisation
from busbar.parties.queries import organisations_visible_to
from busbar.records import queries as record_queries
from busbar.services.models import Service
from busbar.services.queries import services_visible_to

# Bounded inputs ---------------------------------------------------------------------------------------------

#: A change's title (steps.TITLE_MAX).
ChgTitle = Annotated[str, Field(max_length=steps.TITLE_MAX)]
#: Free text on a change: description, impact, back-out plan, reasons, notes (steps.TEXT_MAX).
ChgText = Annotated[str, Field(max_length=steps.TEXT_MAX)]
#: The provider's team (steps.TEAM_MAX).
ChgTeam = Annotated[str, Field(max_length=steps.TEAM_MAX)]
#: A service by id or slug.
ChgServiceKey = Annotated[
    str,
    Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_-]{1,60}$", description="A service id or slug"),
]
#: A wall-clock time in Europe/London, "HH:MM".
ChgClock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", max_length=5)]
#: A CCG meeting's number in the path.
MeetingNumber = Annotated[int, Path(ge=1, le=1_000_000)]
#: A service slug in the path.
ServiceSlugPath = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_-]{1,60}$")]

ChangeTypeValue = Literal[tuple(ChangeType.values)]  # type: ignore[valid-type]
ChangeStatusValue = Literal[tuple(ChangeStatus.values)]  # type: ignore[valid-type]
ChangeRiskValue = Literal[tuple(ChangeRisk.values)]  # type: ignore[valid-type]
ImpactValue = Literal[tuple(ConsultationImpact.values)]  # type: ignore[valid-type]

#: The most services or organisations one request names.
MAX_LISTED = 50


# Shared output ----------------------------------------------------------------------------------------------


class ChgServiceRef(Schema):
    id: int
    name: str
    slug: str


def person(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.display_name}


class ChgPersonRef(Schema):
    id: int
    name: str


# Helpers ----------------------------------------------------------------------------------------------------


def actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, channel="api")


def parse_clock(value: str | None, field: str) -> dt.time | None:
    if value is None:
        return None
    hours, minutes = value.split(":")
    try:
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise ActionError("Give the time as HH:MM", field=field) from None


def service(request: HttpRequest, key: str | int, *, field: str = "service") -> Service:
    """A service the caller may see, by id or slug; a 422 naming ``field`` otherwise."""
    qs = services_visible_to(request.user)
    text = str(key)
    if text.isdigit():
        pk = parse_id(text)
        found = qs.filter(pk=pk).first() if pk is not None else None
    else:
        found = qs.filter(slug=text).first()
    if found is None:
        raise ActionError(f"No service {text}", field=field)
    return found


def services(request: HttpRequest, keys: Iterable[str | int], *, field: str = "services") -> list[Service]:
    """Services by id or slug, in the order given, in one query; a 422 naming ``field`` for one unknown."""
    keys = [str(k) for k in keys]
    if len(keys) > MAX_LISTED:
        raise ActionError(f"Name at most {MAX_LISTED} services", field=field)
    ids = {parse_id(k) for k in keys if k.isdigit()} - {None}
    slugs = {k for k in keys if not k.isdigit()}
    rows = list(services_visible_to(request.user).filter(Q(pk__in=ids) | Q(slug__in=slugs))) if keys else []
    by_key = {str(s.pk): s for s in rows} | {s.slug: s for s in rows}
    out = []
    for index, key in enumerate(keys):
        found = by_key.get(key)
        if found is None:
            raise ActionError(f"No service {key}", field=f"{field}[{index}]" if len(keys) > 1 else field)
        out.append(found)
    return out


def organisation(request: HttpRequest, pk: int, *, field: str) -> Organisation:
    found = organisations_visible_to(request.user).filter(pk=pk, is_active=True).first()
    if found is None:
        raise ActionError(f"No organisation {pk}", field=field)
    return found


def organisations(request: HttpRequest, pks: list[int], *, field: str) -> list[Organisation]:
    if len(pks) > MAX_LISTED:
        raise ActionError(f"Name at most {MAX_LISTED} organisations", field=field)
    rows = {o.pk: o for o in organisations_visible_to(request.user).filter(pk__in=pks, is_active=True)}
    out = []
    for index, pk in enumerate(pks):
        if pk not in rows:
            raise ActionError(f"No organisation {pk}", field=f"{field}[{index}]")
        out.append(rows[pk])
    return out


def visible(request: HttpRequest) -> QuerySet[ChangeNotification]:
    return queries.visible_to(request.user)


def change_or_404(request: HttpRequest, reference: str) -> ChangeNotification:
    return get_object_or_404(visible(request), reference=reference.upper())


def detail_queryset(request: HttpRequest) -> QuerySet[ChangeNotification]:
    qs = visible(request).select_related("raised_by", "notice_rule", "pir_by").prefetch_related("services")
    return record_queries.with_watching(qs, request.user)


def run(
    request: HttpRequest, change: ChangeNotification, func: Callable[..., Any], **kwargs: Any
) -> tuple[Any, HttpResponse | None]:
    """Run ``func`` (an action on ``change``) as the caller; a move the table forbids is the 409 problem with
    the change's current status and the allowed ones."""
    try:
        return func(actor=actor(request), change=change, **kwargs), None
    except IllegalTransition as exc:
        current = ChangeNotification.objects.filter(pk=change.pk).values_list("status", flat=True).get()
        return None, transition_refused(request, exc, current=current, allowed=TRANSITIONS.get(current, ()))


def window(start: dt.datetime, end: dt.datetime, *, start_field: str, end_field: str, days: int) -> None:
    """``end`` after ``start`` and at most ``days`` days on (a 422 naming the field otherwise)."""
    if end <= start:
        raise ActionError(f"{end_field} must be after {start_field}", field=end_field)
    if end - start > dt.timedelta(days=days):
        raise ActionError(f"Ask for at most {days} days at a time", field=end_field)
