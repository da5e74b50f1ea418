"""The contract every state-changing function in an ``actions.py`` module follows.

An action is a keyword-only function decorated with :func:`action`. The decorator

* runs the function in one database transaction;
* registers it, so a test can prove every public function of every ``actions.py`` is an action;
* refuses to return unless the function wrote at least one audit journal entry — an action that forgets
  the journal fails loudly in every test that calls it, rather than silently losing history.

Side effects (email, notifications) are queued by the action with ``transaction.on_commit`` so they only
happen once the change is durable.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.db import models, transaction

if TYPE_CHECKING:
    from busbar.accounts.models import User
    from busbar.parties.models import Organisation

P = ParamSpec("P")
R = TypeVar("R")

REGISTRY: dict[str, Callable[..., Any]] = {}
_journal_writes: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "journal_writes", default=None
)


class Channel(models.TextChoices):
    """How a change reached Busbar; recorded on every journal entry."""

    WEB = "web", "Web"
    API = "api", "API"
    EMAIL = "email", "Email"
    SYSTEM = "system", "System"


@dataclass(frozen=True)
class Actor:
    """Who is acting, for which organisation, through which channel."""

    user: User | None
    organisation: Organisation | None = None
    channel: str = Channel.WEB
    #: Who acted when it was not a Busbar user, e.g. a provider's shared mailbox replying by email.
    name: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls(user=None, organisation=None, channel=Channel.SYSTEM)

    @classmethod
    def from_request(cls, request: Any, channel: str = Channel.WEB) -> Actor:
        """The signed-in user, acting for their primary organisation (as the parties app decides) until an
        action says for which organisation they act on its record (:meth:`acting_for`)."""
        return cls(user=request.user, organisation=_organisation_of(request.user), channel=channel)

    def acting_for(self, *organisations: Any) -> Actor:
        """This person acting for the organisation they hold on a record: the first of ``organisations``
        (Organisation objects or ids, in the record's order: e.g. the raising organisation, then the
        provider) that they are a member of, keeping the current one if it is among them. Unchanged when
        no user acts or they belong to none of them (the service desk acts for its own organisation).

        A member of Alpha and Bravo who raises for Bravo, or answers Bravo's incident, is journalled as
        Bravo, and Bravo's rules (who is told of a participant's reply) apply to what they write.
        """
        if self.user is None:
            return self
        wanted = [o if isinstance(o, int) else o.pk for o in organisations if o is not None]
        if self.organisation is not None and self.organisation.pk in wanted:
            return self
        held = {org.pk: org for org in _organisations_held(self.user)}
        for pk in wanted:
            if pk in held:
                return replace(self, organisation=held[pk])
        return self

    @property
    def label(self) -> str:
        if self.user is None:
            return self.name or "Busbar (system)"
        return self.user.display_name


def _no_organisation(user: Any) -> None:
    return None


#: Which organisation a user acts for; set by the parties app (``set_organisation_resolver``).
_organisation_of: Callable[[Any], Any] = _no_organisation


def _no_organisations(user: Any) -> list[Any]:
    return []


#: The organisations a user is an active member of; set by the parties app (``set_organisation_resolver``).
_organisations_held: Callable[[Any], list[Any]] = _no_organisations


def set_organisation_resolver(
    resolver: Callable[[Any], Any], held: Callable[[Any], list[Any]] | None = None
) -> None:
    """``resolver(user)``: the organisation a user acts for by default; ``held(user)``: every organisation
    they may act for (:meth:`Actor.acting_for` chooses among them)."""
    global _organisation_of, _organisations_held  # set once, at start-up
    _organisation_of = resolver
    if held is not None:
        _organisations_held = held


class ActionError(Exception):
    """A request to change state that the rules refuse. ``field`` names the input at fault, if any."""

    status = 422
    title = "The change was refused"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class IllegalTransition(ActionError):
    status = 409
    title = "That status change is not allowed"


class NotPermitted(ActionError):
    status = 403
    title = "You are not allowed to do that"


def refuse(reason: str | None, *, field: str | None = None) -> None:
    """Raise :class:`NotPermitted` with ``reason`` unless it is None: how actions apply their app's
    ``permissions.can_<verb>`` answers."""
    if reason is not None:
        raise NotPermitted(reason, field=field)


class Conflict(ActionError):
    status = 409
    title = "The record conflicts with an existing one"


class AuditMissing(AssertionError):
    """An action returned without writing to the audit journal."""


def require_action(what: str) -> None:
    """Refuse to run ``what`` outside an ``@action`` (steps that leave the journal and the transaction
    to the action calling them)."""
    if _journal_writes.get() is None:
        raise RuntimeError(f"{what} runs only inside an @action")


def note_journal_write() -> None:
    writes = _journal_writes.get()
    if writes is not None:
        writes[0] += 1


def action(func: Callable[P, R]) -> Callable[P, R]:
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if args:
            raise TypeError(f"{name} takes keyword arguments only")
        outer = _journal_writes.get()
        counter = [0]
        token = _journal_writes.set(counter)
        try:
            with transaction.atomic():
                result = func(**kwargs)
                if counter[0] == 0:
                    raise AuditMissing(f"action {name} changed state without writing the audit journal")
        finally:
            _journal_writes.reset(token)
        if outer is not None:
            outer[0] += counter[0]
        return result

    wrapper.is_action = True  # type: ignore[attr-defined]
    REGISTRY[name] = wrapper
    return wrapper


def check_transition(table: dict[str, set[str]], current: str, target: str, *, what: str) -> None:
    """Raise :class:`IllegalTransition` unless ``current → target`` is in ``table``."""
    allowed = table.get(current, set())
    if target not in allowed:
        current, target = str(getattr(current, "value", current)), str(getattr(target, "value", target))
        choices = ", ".join(sorted(str(getattr(a, "value", a)) for a in allowed)) or "none"
        raise IllegalTransition(
            f"{what} cannot go from {current!r} to {target!r} (allowed from {current!r}: {choices})",
            field="status",
        )
