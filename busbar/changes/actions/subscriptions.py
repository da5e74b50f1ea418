"""Following services (CH-10, CH-12) and the secret calendar-feed URLs: each person subscribes to the
services they may see, chooses which bulletins and whether by email, and keeps their own feed tokens."""

from __future__ import annotations

from django.utils import timezone

from busbar.audit.journal import record
from busbar.changes import permissions, tokens
from busbar.changes.models import FeedToken, ServiceSubscription
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.parties.queries import scope_for, scope_of
from busbar.services.models import Service

__all__ = ["subscribe", "unsubscribe", "create_feed_token", "revoke_feed_token"]

#: At most this many services followed by one person, and live feed tokens held.
MAX_SUBSCRIPTIONS = 500
MAX_FEED_TOKENS = 10
PREFERENCES = ("by_email", "planned", "started", "completed", "overrun", "status")


class NotFound(ActionError):
    """Something that is not the actor's, answered as if it did not exist (404)."""

    status = 404
    title = "Not found"


def _owner(user):
    return scope_for(user).primary_organisation


def _visible_service(actor: Actor, service: Service) -> Service:
    from busbar.services.queries import services_visible_to

    if not isinstance(service, Service) or not services_visible_to(actor.user).filter(pk=service.pk).exists():
        raise ActionError("No such service, or you may not see it", field="service")
    return service


@action
def subscribe(
    *,
    actor: Actor,
    service: Service,
    by_email: bool = True,
    planned: bool = True,
    started: bool = True,
    completed: bool = True,
    overrun: bool = True,
    status: bool = True,
) -> ServiceSubscription:
    """Follow ``service``'s bulletins (or change which, and how, when already following it)."""
    refuse(permissions.can_subscribe(scope_of(actor)))
    service = _visible_service(actor, service)
    wanted = {
        "by_email": bool(by_email),
        "planned": bool(planned),
        "started": bool(started),
        "completed": bool(completed),
        "overrun": bool(overrun),
        "status": bool(status),
    }
    current = ServiceSubscription.objects.select_for_update().filter(user=actor.user, service=service).first()
    if current is None:
        if ServiceSubscription.objects.filter(user=actor.user).count() >= MAX_SUBSCRIPTIONS:
            raise Conflict(f"You follow {MAX_SUBSCRIPTIONS} services already", field="service")
        current = ServiceSubscription.objects.create(user=actor.user, service=service, **wanted)
        what, changes = "subscription.create", {k: [None, v] for k, v in wanted.items()}
    else:
        changes = {k: [getattr(current, k), v] for k, v in wanted.items() if getattr(current, k) != v}
        for name, value in wanted.items():
            setattr(current, name, value)
        current.save(update_fields=list(wanted))
        what = "subscription.update"
    record(
        actor=actor, action=what, obj=current, owner=_owner(actor.user), changes=changes, note=service.name
    )
    return current


@action
def unsubscribe(*, actor: Actor, service: Service) -> ServiceSubscription:
    """Stop following ``service``."""
    refuse(permissions.can_subscribe(scope_of(actor)))
    current = (
        ServiceSubscription.objects.select_for_update()
        .filter(user=actor.user, service_id=getattr(service, "pk", None))
        .first()
    )
    if current is None:
        raise ActionError("You do not follow that service", field="service")
    record(
        actor=actor,
        action="subscription.delete",
        obj=current,
        owner=_owner(actor.user),
        note=str(service),
    )
    current.delete()
    return current


@action
def create_feed_token(*, actor: Actor) -> tuple[FeedToken, str]:
    """A new secret calendar-feed URL for the actor: the token, and its secret (shown once, never
    stored)."""
    refuse(permissions.can_subscribe(scope_of(actor)))
    live = FeedToken.objects.filter(user=actor.user, revoked_at__isnull=True)
    if live.count() >= MAX_FEED_TOKENS:
        raise Conflict(f"You have {MAX_FEED_TOKENS} feed addresses already; revoke one first", field="token")
    secret = tokens.new_secret()
    token = FeedToken.objects.create(
        user=actor.user, token_hash=tokens.hash_secret(secret), prefix=secret[:8]
    )
    record(
        actor=actor,
        action="feed_token.create",
        obj=token,
        owner=_owner(actor.user),
        changes={"prefix": [None, token.prefix]},
    )
    return token, secret


@action
def revoke_feed_token(*, actor: Actor, token: FeedToken) -> FeedToken:
    """End a feed URL: only its owner can (anyone else is told there is no such token)."""
    refuse(permissions.can_subscribe(scope_of(actor)))
    token = (
        FeedToken.objects.select_for_update().filter(pk=getattr(token, "pk", None), user=actor.user).first()
    )
    if token is None:
        raise NotFound("No such feed address", field="token")
    if token.revoked_at is not None:
        raise Conflict("That feed address is already revoked", field="token")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        actor=actor,
        action="feed_token.revoke",
        obj=token,
        owner=_owner(actor.user),
        changes={"revoked_at": [None, token.revoked_at]},
    )
    return token
