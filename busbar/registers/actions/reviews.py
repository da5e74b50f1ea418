"""Service reviews with providers (SL-10): scheduled by the desk, held with minutes, cancelled; their
action log (agreed actions with an owner and due date, each optionally feeding an improvement), completed
or dropped. Journalled as ``service_review.*`` and ``review_action.*`` against the provider."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import SHORT_TEXT, check_text
from busbar.parties.queries import scope_of
from busbar.registers import permissions
from busbar.registers import steps as s
from busbar.registers.actions.items import _raise
from busbar.registers.models import Improvement, ReviewAction, ServiceReview

ACTION_TEXT = 500
ATTENDEES_TEXT = 2000


def _lock(review: ServiceReview) -> ServiceReview:
    return ServiceReview.objects.select_for_update(of=("self",)).select_related("provider").get(pk=review.pk)


def _journal(actor: Actor, obj: Any, what: str, provider: Any, changes: dict, note: str = "") -> None:
    from busbar.audit.journal import record as journal

    journal(
        actor=actor.acting_for(provider),
        action=what,
        obj=obj,
        owner=provider,
        changes=changes,
        note=note[:500],
    )


def _when(value: Any, *, field: str, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ActionError("Give the date and time with its zone", field=field)
    if value < now - s.MAX_BEHIND or value > now + s.MAX_AHEAD:
        raise ActionError("Give a time within two years back and five years ahead", field=field)
    return value


def _period(value: dt.date | None, *, now: dt.datetime) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ActionError("Give the month reviewed, e.g. 2027-05", field="period")
    first = value.replace(day=1)
    this_month = s.today(now).replace(day=1)
    if first > this_month:
        raise ActionError("The month reviewed cannot be in the future", field="period")
    if first < (this_month - s.MAX_AHEAD).replace(day=1):
        raise ActionError("Give a month within the last five years", field="period")
    return first


@action
def schedule_review(
    *,
    actor: Actor,
    provider: Any,
    title: str,
    held_on: dt.datetime,
    period: dt.date | None = None,
    agenda: str = "",
    chair: Any = None,
    attendees: str = "",
    now: dt.datetime | None = None,
) -> ServiceReview:
    """Plan a service review with ``provider`` on ``held_on``, reviewing the KPIs of ``period``."""
    now = now or timezone.now()
    refuse(permissions.can_schedule_review(scope_of(actor)))
    if provider is None or not provider.is_provider or not provider.is_active:
        raise ActionError(f"{provider or 'No one'} is not an active service provider", field="provider")
    review = ServiceReview(
        provider=provider,
        title=s.check_title(title),
        held_on=_when(held_on, field="held_on", now=now),
        period=_period(period, now=now),
        agenda=s.check_body(agenda, field="agenda"),
        chair=chair if chair is None else s.check_owner(chair, actor.organisation or provider),
        attendees=check_text((attendees or "").strip(), field="attendees", limit=ATTENDEES_TEXT),
        created_at=now,
        updated_at=now,
    )
    review.save()
    _journal(
        actor,
        review,
        "service_review.schedule",
        provider,
        {"provider": [None, str(provider)], "held_on": [None, review.held_on], "title": [None, review.title]},
    )
    return review


@action
def hold_review(
    *,
    actor: Actor,
    review: ServiceReview,
    minutes: str,
    attendees: str | None = None,
    held_on: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ServiceReview:
    """Record the minutes of the review (again, to correct them); it is held from then on."""
    now = now or timezone.now()
    review = _lock(review)
    refuse(permissions.can_run_review(scope_of(actor), review))
    if review.status == ServiceReview.Status.CANCELLED:
        raise Conflict(f"{review} was cancelled", field="status")
    minutes = s.check_body(minutes, field="minutes")
    if not minutes:
        raise ActionError("Write the minutes", field="minutes")
    changes: dict[str, list] = {}
    if held_on is not None:
        held_on = _when(held_on, field="held_on", now=now)
        if held_on > now + dt.timedelta(minutes=5):
            raise ActionError("A review is held at a time already past", field="held_on")
        if held_on != review.held_on:
            changes["held_on"] = [review.held_on, held_on]
            review.held_on = held_on
    elif review.held_on > now + dt.timedelta(minutes=5):
        raise ActionError("The review is planned for later: give the time it was held", field="held_on")
    if attendees is not None:
        attendees = check_text(attendees.strip(), field="attendees", limit=ATTENDEES_TEXT)
        if attendees != review.attendees:
            changes["attendees"] = [s.shown(review.attendees), s.shown(attendees)]
            review.attendees = attendees
    if minutes != review.minutes:
        changes["minutes"] = [s.shown(review.minutes), s.shown(minutes)]
    if review.status != ServiceReview.Status.HELD:
        changes["status"] = [review.status, ServiceReview.Status.HELD]
    if not changes:
        raise ActionError("Nothing to change", field="minutes")
    review.minutes, review.status, review.updated_at = minutes, ServiceReview.Status.HELD, now
    review.save()
    _journal(actor, review, "service_review.hold", review.provider, changes)
    return review


@action
def record_minutes(
    *,
    actor: Actor,
    review: ServiceReview,
    minutes: str,
    attendees: str | None = None,
    now: dt.datetime | None = None,
) -> ServiceReview:
    """The minutes of a review (holding it): as :func:`hold_review`, at its planned time."""
    return hold_review(actor=actor, review=review, minutes=minutes, attendees=attendees, now=now)


@action
def cancel_review(
    *, actor: Actor, review: ServiceReview, reason: str, now: dt.datetime | None = None
) -> ServiceReview:
    now = now or timezone.now()
    review = _lock(review)
    refuse(permissions.can_run_review(scope_of(actor), review))
    if review.status != ServiceReview.Status.PLANNED:
        raise Conflict(
            f"Only a planned review is cancelled; this one is {review.get_status_display().lower()}",
            field="status",
        )
    reason = s.check_body(reason, field="reason")
    if not reason:
        raise ActionError("Say why it is cancelled", field="reason")
    changes = {"status": [review.status, ServiceReview.Status.CANCELLED]}
    review.status, review.updated_at = ServiceReview.Status.CANCELLED, now
    review.save(update_fields=["status", "updated_at"])
    _journal(actor, review, "service_review.cancel", review.provider, changes, note=reason)
    return review


@action
def add_review_action(
    *,
    actor: Actor,
    review: ServiceReview,
    text: str,
    owner_organisation: Any = None,
    owner: Any = None,
    due_on: dt.date | None = None,
    improvement: Improvement | None = None,
    raise_improvement: bool = False,
    now: dt.datetime | None = None,
) -> ReviewAction:
    """An action agreed at the review, owned by the provider (default) or the operator, due on ``due_on``;
    feeding ``improvement`` (an existing one) or, with ``raise_improvement``, a new one raised from it."""
    now = now or timezone.now()
    review = _lock(review)
    refuse(permissions.can_run_review(scope_of(actor), review))
    if review.status == ServiceReview.Status.CANCELLED:
        raise Conflict(f"{review} was cancelled", field="status")
    text = (text or "").strip()
    if not text:
        raise ActionError("Say what is to be done", field="text")
    check_text(text, field="text", limit=ACTION_TEXT)
    owner_organisation = owner_organisation or review.provider
    if owner_organisation.pk != review.provider_id and owner_organisation.pk != getattr(
        actor.organisation, "pk", None
    ):
        raise ActionError("An action is owned by the provider or by the operator", field="owner_organisation")
    owner = s.check_owner(owner, owner_organisation)
    due_on = s.check_day(due_on, field="due_on", now=now, past=True)
    if improvement is not None and raise_improvement:
        raise ActionError("Link an existing improvement or raise a new one, not both", field="improvement")
    changes: dict[str, list] = {
        "text": [None, text[:200]],
        "owner_organisation": [None, str(owner_organisation)],
    }
    if improvement is None and raise_improvement:
        improvement = _raise(
            Improvement,
            actor=actor,
            organisation=owner_organisation,
            fields={
                "title": text[:SHORT_TEXT],
                "source": Improvement.Source.SERVICE_REVIEW,
                "description": f"Agreed at the service review {review.title} ({review.held_on:%d %b %Y}).",
            },
            problems=(),
            now=now,
        )
    if improvement is not None:
        changes["improvement"] = [None, improvement.reference]
    done = ReviewAction.objects.create(
        review=review,
        text=text,
        owner_organisation=owner_organisation,
        owner=owner,
        due_on=due_on,
        improvement=improvement,
        created_at=now,
    )
    _journal(actor, done, "review_action.add", review.provider, changes)
    return done


def _finish(
    actor: Actor, review_action: ReviewAction, status: str, note: str, now: dt.datetime | None
) -> ReviewAction:
    now = now or timezone.now()
    review_action = (
        ReviewAction.objects.select_for_update(of=("self",))
        .select_related("review__provider")
        .get(pk=review_action.pk)
    )
    refuse(permissions.can_finish_action(scope_of(actor), review_action))
    if review_action.status != ReviewAction.Status.OPEN:
        raise Conflict(f"The action is already {review_action.get_status_display().lower()}", field="status")
    note = s.check_body(note or "", field="note")
    if status == ReviewAction.Status.DROPPED and not note:
        raise ActionError("Say why it is dropped", field="note")
    changes = {"status": [review_action.status, status]}
    review_action.status, review_action.done_at = status, now
    review_action.save(update_fields=["status", "done_at"])
    _journal(
        actor, review_action, f"review_action.{status}", review_action.review.provider, changes, note=note
    )
    return review_action


@action
def complete_review_action(
    *, actor: Actor, review_action: ReviewAction, note: str = "", now: dt.datetime | None = None
) -> ReviewAction:
    return _finish(actor, review_action, ReviewAction.Status.DONE, note, now)


@action
def drop_review_action(
    *, actor: Actor, review_action: ReviewAction, reason: str, now: dt.datetime | None = None
) -> ReviewAction:
    return _finish(actor, review_action, ReviewAction.Status.DROPPED, reason, now)
