"""Who may do what with Change Notifications, the CCG, notice rules, windows, subscriptions and feeds:
the only place these rules live (D1 §9 Operational Change Management: CH-01…CH-03).

- Providers raise, edit (draft or more information), submit, cancel, implement and report their own
  changes; the desk records them on a provider's behalf (CH-02).
- The operator (the desk: analysts and operations managers) runs the CCG: reviews, decisions,
  consultations, meetings, members, post-implementation reviews (CH-03).
- Notice rules, maintenance and blackout windows and availability targets are catalogue data: those who
  change the catalogue change them.
- Consulted organisations answer their own consultation.
- Every signed-in person subscribes to the services they see and keeps their own feed tokens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.changes.models import EDITABLE, ENDED, TRANSITIONS, ChangeStatus, ChangeType

if TYPE_CHECKING:
    from busbar.changes.models import ChangeNotification, Consultation
    from busbar.parties.models import Organisation
    from busbar.parties.queries import Scope


def is_provider_of(scope: Scope, change: ChangeNotification) -> bool:
    """A resolver (or organisation administrator) of the change's provider."""
    return change.provider_id in scope.resolver_for or change.provider_id in scope.admin_of


def is_worker(scope: Scope, change: ChangeNotification) -> bool:
    return scope.is_desk or is_provider_of(scope, change)


def can_raise(scope: Scope) -> str | None:
    if scope.is_desk or scope.is_resolver:
        return None
    return "Only providers and the service desk record Change Notifications"


def can_raise_for(scope: Scope, provider: Organisation) -> str | None:
    """The desk records a notification for any provider; a provider raises its own."""
    if scope.is_desk or provider.pk in scope.resolver_for or provider.pk in scope.admin_of:
        return None
    return "A provider raises Change Notifications for itself; the service desk can record one for a provider"


def can_edit(scope: Scope, change: ChangeNotification) -> str | None:
    if not is_worker(scope, change):
        return "Only the provider or the service desk can change this notification"
    if change.status not in EDITABLE:
        return "Only a draft, or one sent back for more information, can be edited; ask the CCG to reschedule"
    return None


def can_submit(scope: Scope, change: ChangeNotification) -> str | None:
    return None if is_worker(scope, change) else "Only the provider or the service desk submits it"


def can_cancel(scope: Scope, change: ChangeNotification) -> str | None:
    return None if is_worker(scope, change) else "Only the provider or the service desk cancels it"


def can_decide(scope: Scope, change: ChangeNotification | None = None) -> str | None:
    """CCG decisions (accept, with conditions, reschedule, reject, more information) and taking a change
    into review: the operator's change co-ordination (the desk)."""
    return None if scope.is_desk else "Only Switching Operations records the CCG's decisions"


def can_implement(scope: Scope, change: ChangeNotification) -> str | None:
    """Start, complete, fail, back out: the provider doing the work, or the desk for it."""
    return (
        None
        if is_worker(scope, change)
        else "Only the provider or the service desk reports the implementation"
    )


def can_review(scope: Scope, change: ChangeNotification) -> str | None:
    """The post-implementation review and closing as reviewed (CH-04: Switching Operations evaluates
    major changes after implementation)."""
    return None if scope.is_desk else "Only Switching Operations reviews implemented changes"


def can_consult(scope: Scope, change: ChangeNotification) -> str | None:
    return None if scope.is_desk else "Only Switching Operations asks for impact assessments"


def can_respond(scope: Scope, consultation: Consultation) -> str | None:
    if consultation.organisation_id in scope.organisation_ids:
        return None
    return "Only the organisation consulted answers for it"


def can_update(scope: Scope, change: ChangeNotification) -> str | None:
    """Add to the conversation (and attach files)."""
    if change.status in ENDED and change.status != ChangeStatus.REVIEWED:
        return "The notification has ended"
    return None if is_worker(scope, change) else "Only the provider or the service desk can do that"


def can_manage_ccg(scope: Scope) -> str | None:
    """Members, meetings, agendas and minutes."""
    return None if scope.is_desk else "Only Switching Operations arranges Change Co-ordination Group meetings"


def can_manage_rules(scope: Scope) -> str | None:
    """Notice rules, maintenance and blackout windows, availability targets."""
    if scope.is_platform_admin or scope.is_operations:
        return None
    return "Only platform administrators and operations managers change notice rules and windows"


def can_subscribe(scope: Scope) -> str | None:
    return None if scope.is_authenticated else "Sign in to subscribe"


def can_report(scope: Scope) -> str | None:
    """Change-notification reports (CH-03): the desk; a provider reads its own through the lists."""
    return None if scope.is_central else "Only Switching Operations reads change reports"


def available(scope: Scope, change: ChangeNotification) -> list[str]:
    """What ``scope`` is offered on ``change`` now: these rules, in the states the table allows."""
    allowed = TRANSITIONS.get(change.status, set())
    s = ChangeStatus
    offers = [
        ("edit", change.status in EDITABLE, can_edit),
        ("submit", s.SUBMITTED in allowed, can_submit),
        ("take-review", change.status == s.SUBMITTED, can_decide),
        ("decide", change.status in (s.SUBMITTED, s.UNDER_REVIEW), can_decide),
        ("reschedule", change.status == s.ACCEPTED, can_decide),
        ("consult", change.status in (s.SUBMITTED, s.UNDER_REVIEW, s.MORE_INFO, s.ACCEPTED), can_consult),
        ("start", s.IN_PROGRESS in allowed, can_implement),
        ("complete", s.COMPLETED in allowed, can_implement),
        ("fail", s.FAILED in allowed, can_implement),
        ("back-out", s.BACKED_OUT in allowed, can_implement),
        (
            "pir",
            change.change_type == ChangeType.MAJOR and change.status in (s.COMPLETED, s.FAILED, s.BACKED_OUT),
            can_review,
        ),
        (
            "retrospective",
            change.change_type == ChangeType.EMERGENCY and change.retrospective_review_due,
            can_decide,
        ),
        ("review", s.REVIEWED in allowed, can_review),
        ("cancel", s.CANCELLED in allowed, can_cancel),
        ("update", change.status not in ENDED, can_update),
        ("link", change.status not in ENDED, can_update),
    ]
    return [verb for verb, state_allows, check in offers if state_allows and check(scope, change) is None]
