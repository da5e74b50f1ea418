"""Who may do what to a problem: the only place these rules live (seed 001 §9 roles, PM-06/PM-07).

The service desk records every problem and the switching operations team co-ordinates them; a provider
reports problems on the services it runs and investigates its own. ``can_<verb>(scope, problem)`` answers
None (allowed) or the reason; the actions refuse with it, the pages and the API offer with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from busbar.parties.models import Organisation
    from busbar.parties.queries import Scope
    from busbar.problems.models import Problem


def is_owner(scope: Scope, problem: Problem) -> bool:
    """A resolver of the provider that owns the problem."""
    return problem.owner_id in scope.resolver_for


def is_worker(scope: Scope, problem: Problem) -> bool:
    return scope.is_desk or is_owner(scope, problem)


def can_raise(scope: Scope) -> str | None:
    if scope.is_desk or scope.is_resolver:
        return None
    return "Only the service desk and providers record problems"


def can_raise_for(scope: Scope, owner: Organisation) -> str | None:
    """The desk names any provider as owner; a provider raises problems it owns."""
    if scope.is_desk or owner.pk in scope.resolver_for:
        return None
    return "A provider records problems on the services it runs; the desk can name another provider"


def can_work(scope: Scope, problem: Problem) -> str | None:
    """Investigate, record the root cause and the fix, mark known, resolve, link incidents, update."""
    if is_worker(scope, problem):
        return None
    return "Only the service desk or the provider that owns the problem can do that"


def can_close(scope: Scope, problem: Problem) -> str | None:
    return None if scope.is_desk else "Only the service desk closes problems"


def can_cancel(scope: Scope, problem: Problem) -> str | None:
    return None if scope.is_desk else "Only the service desk cancels problems"


def can_publish(scope: Scope, problem: Problem) -> str | None:
    return None if scope.is_desk else "Only the service desk publishes problems to every participant"


def available(scope: Scope, problem: Problem) -> list[str]:
    """What ``scope`` is offered on ``problem`` now: these rules, in the states the transition table
    allows."""
    from busbar.problems.models import OPEN_STATUSES, TRANSITIONS, Status

    allowed = TRANSITIONS.get(problem.status, set())
    is_open = problem.status in OPEN_STATUSES
    offers = [
        ("investigate", Status.INVESTIGATING in allowed and problem.status != Status.RESOLVED, can_work),
        ("root-cause", is_open, can_work),
        ("known", is_open, can_work),
        ("fix", is_open, can_work),
        ("resolve", Status.RESOLVED in allowed, can_work),
        ("reopen", problem.status == Status.RESOLVED, can_work),
        ("close", Status.CLOSED in allowed, can_close),
        ("cancel", Status.CANCELLED in allowed, can_cancel),
        ("publish", is_open, can_publish),
        ("link", problem.status not in (Status.CLOSED, Status.CANCELLED), can_work),
        ("update", problem.status not in (Status.CLOSED, Status.CANCELLED), can_work),
    ]
    return [verb for verb, state_allows, check in offers if state_allows and check(scope, problem) is None]
