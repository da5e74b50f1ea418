"""Who may do what with the request catalogue and requests: the only place these rules live (RQ-03,
RQ-05, RQ-09, RQ-10; seed 001 §9 and §13.37).

* **The operator keeps the catalogue**: operations managers and platform administrators define, change,
  retire and restore items (their fields, approvals, tasks, SLA). Everyone signed in reads the items of
  their audience.
* **Raising**: a person raises a request for an organisation they belong to, from an item of their
  audience (``queries.items_for``); an administrators-only item (access management) only for an
  organisation they administer. The desk raises on anyone's behalf (a phone call). Nobody raises from a
  redirect item: it creates nothing.
* **Approving**: a pending approval is decided by the people it names: the requester's organisation's
  administrators (``org_admin``), the operator's operations managers (``operator``: "Switching Operations
  authorise access"), a provider's resolvers (``provider``). **Nobody approves their own request.**
* **Tasks**: a task is worked (started, assigned, completed, with a note) by the organisation it is
  assigned to: the desk's tasks by any desk analyst or operations manager, a provider's by its resolvers.
  The desk may reassign a task to another organisation.
* **The request**: the requester and their organisation's administrators cancel it while it is open, and
  answer when it waits on them; the desk cancels, puts it to waiting on the requester, closes and
  reopens. Those who see a request add public updates and attachments; those who work it
  (``queries.works_on``) add internal notes.

``can_<verb>(scope, …)`` answers None (allowed) or the reason; actions refuse with it, the pages and the
API offer with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from busbar.parties.queries import Scope


def can_manage_catalogue(scope: Scope) -> str | None:
    if scope.is_operations or scope.is_platform_admin:
        return None
    return "Only the operator's operations managers keep the request catalogue"


def can_raise(scope: Scope, item: Any, organisation: Any, *, may_ask: bool) -> str | None:
    """``may_ask``: the item is among ``queries.items_for`` the person (their audience)."""
    if item.kind == "redirect":
        return "This item explains where to go instead; it does not raise a request"
    if not item.is_active:
        return "This item is no longer offered"
    if scope.is_desk:
        return None
    if not may_ask:
        return "This item is not offered to your organisation"
    if organisation.pk not in scope.organisation_ids:
        return "You can only raise requests for an organisation you belong to"
    if item.admins_only and organisation.pk not in scope.admin_of:
        return "Only an organisation administrator can ask for this"
    return None


def can_decide(scope: Scope, approval: Any, request: Any) -> str | None:
    """Approve or reject ``approval`` of ``request``."""
    if approval.status != "pending":
        return "This approval is not waiting for a decision"
    if scope.user_id is not None and request.requester_id == scope.user_id:
        return "You cannot approve your own request"
    kind = approval.approver
    if kind == "org_admin" and approval.organisation_id in scope.admin_of:
        return None
    if kind == "operator" and scope.is_operations:
        return None
    if kind == "provider" and approval.organisation_id in scope.resolver_for:
        return None
    return f"This approval is for {approval.get_approver_display().lower()}"


def can_work_task(scope: Scope, task: Any) -> str | None:
    """Start, assign within the organisation, complete or add a note to ``task``."""
    if task.status not in ("open",):
        return "This task is not open"
    if task.organisation_id in scope.resolver_for:
        return None
    if scope.is_desk and task.organisation_id in scope.organisation_ids:
        return None
    return "Only the organisation the task is assigned to works it"


def can_reassign_task(scope: Scope, task: Any) -> str | None:
    if task.status in ("done", "cancelled"):
        return "This task is finished"
    return None if scope.is_desk else "Only the service desk hands a task to another organisation"


def _requester_side(scope: Scope, request: Any) -> bool:
    return request.requester_id == scope.user_id or request.organisation_id in scope.admin_of


def can_cancel(scope: Scope, request: Any) -> str | None:
    if not request.is_open:
        return "The request is no longer open"
    if scope.is_desk or _requester_side(scope, request):
        return None
    return "Only the requester, their organisation's administrators or the service desk cancel a request"


def can_answer(scope: Scope, request: Any) -> str | None:
    """Reply to a request waiting on the requester (resumes it)."""
    if request.status != "waiting_on_requester":
        return "The request is not waiting on the requester"
    if _requester_side(scope, request) or request.organisation_id in scope.organisation_ids:
        return None
    return "Only the requesting organisation answers"


def can_wait_on_requester(scope: Scope, request: Any) -> str | None:
    if request.status != "in_fulfilment":
        return "Only a request in fulfilment can wait on the requester"
    return None if scope.is_desk else "Only the service desk puts a request to waiting on the requester"


def can_close(scope: Scope, request: Any) -> str | None:
    if request.status not in ("fulfilled", "rejected", "cancelled"):
        return "Only a fulfilled, rejected or cancelled request is closed"
    if scope.is_desk or _requester_side(scope, request):
        return None
    return "Only the requester or the service desk closes a request"


def can_reopen(scope: Scope, request: Any) -> str | None:
    """A fulfilled request that was not what was asked for goes back to fulfilment."""
    if request.status != "fulfilled":
        return "Only a fulfilled request is reopened"
    if scope.is_desk or _requester_side(scope, request):
        return None
    return "Only the requester or the service desk reopens a request"


def can_add_update(scope: Scope, request: Any, *, visible: bool) -> str | None:
    """``visible``: the request is in ``queries.visible_to`` for this person."""
    if request.status == "closed":
        return "The request is closed"
    return None if visible else "You cannot see this request"


def can_add_note(scope: Scope, request: Any, *, works: bool) -> str | None:
    return None if works else "Only those who work the request add internal notes"
