"""Who may do what in the registers: the only place these rules live (seed 001 §9, SL-07, SL-08, SL-10).

* **The service desk** (analysts, operations managers) raises, edits, reviews and moves any risk or
  improvement, owns the operator's own items, and runs service reviews with providers.
* **A provider** communicates risks to the switching service and recommends service-quality
  improvements for its own organisation, then keeps up the ones its organisation owns: edits them,
  reviews them, mitigates its risks and carries out its improvements. Accepting or closing a risk, and
  approving, rejecting or closing an improvement, are the operator's decisions. A provider reads its own
  service reviews and completes the review actions its organisation owns.
* **Participants** do nothing here (they do not see the registers at all).

``can_<verb>(scope, …)`` answers None (allowed) or the reason; the actions refuse with it, the pages and
the API offer with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from busbar.parties.models import Organisation
    from busbar.parties.queries import Scope
    from busbar.registers.models import ReviewAction, ServiceReview

#: Risk statuses a provider may move its own risk to; the rest are the desk's decisions.
PROVIDER_RISK_TARGETS = frozenset({"open", "mitigating"})
#: Improvement statuses a provider may move its own improvement to.
PROVIDER_CSI_TARGETS = frozenset({"in_progress", "implemented"})


def is_owner(scope: Scope, item: Any) -> bool:
    """A resolver of the organisation that owns the item."""
    return item.organisation_id in scope.resolver_for


def can_raise(scope: Scope) -> str | None:
    if scope.is_desk or scope.is_resolver:
        return None
    return "Only the service desk and providers raise risks and improvements"


def can_raise_for(scope: Scope, organisation: Organisation) -> str | None:
    """The desk raises for any organisation (the operator's own items, or on a provider's behalf); a
    provider raises for its own organisation."""
    if scope.is_desk or organisation.pk in scope.resolver_for:
        return None
    return "A provider raises risks and improvements for its own organisation"


def can_edit(scope: Scope, item: Any) -> str | None:
    """Change the item's fields, review it, add updates and attachments, link it to other records."""
    if scope.is_desk or is_owner(scope, item):
        return None
    return "Only the service desk or the organisation that owns the item can change it"


def can_reassign(scope: Scope, item: Any) -> str | None:
    """Hand the item to another organisation: the desk only."""
    return None if scope.is_desk else "Only the service desk hands an item to another organisation"


def _targets(item: Any) -> frozenset[str]:
    return PROVIDER_RISK_TARGETS if item.record.kind == "risk" else PROVIDER_CSI_TARGETS


def can_move(scope: Scope, item: Any, target: str) -> str | None:
    """Move the item to ``target`` (the transition table decides whether the move exists at all)."""
    if scope.is_desk:
        return None
    if is_owner(scope, item) and target in _targets(item):
        return None
    if is_owner(scope, item):
        return "That decision is the service desk's"
    return "Only the service desk or the organisation that owns the item can change its status"


def statuses(scope: Scope, item: Any) -> list[str]:
    """The statuses ``scope`` may move ``item`` to now: the transition table's, filtered by these rules."""
    from busbar.registers.models import CSI_TRANSITIONS, RISK_TRANSITIONS

    table = RISK_TRANSITIONS if item.record.kind == "risk" else CSI_TRANSITIONS
    allowed = table.get(item.status, set())
    return [str(t) for t in sorted(allowed) if can_move(scope, item, t) is None]


def can_schedule_review(scope: Scope) -> str | None:
    return None if scope.is_desk else "Only the service desk schedules service reviews"


def can_run_review(scope: Scope, review: ServiceReview) -> str | None:
    """Record the minutes, hold or cancel the review, add its actions."""
    return None if scope.is_desk else "Only the service desk records a service review"


def can_finish_action(scope: Scope, review_action: ReviewAction) -> str | None:
    """Complete or drop a review action: the desk, or the organisation that owns the action."""
    if scope.is_desk or review_action.owner_organisation_id in scope.resolver_for:
        return None
    return "Only the service desk or the organisation that owns the action can complete it"
