"""Who may do what with demand notices and tolerances: the only place these rules live (RQ-15…RQ-21).

* **A supplier** (any member of an organisation holding the energy-supplier role) or **a provider** (a
  resolver of its organisation) files a demand notice for its own organisation. The service desk may also
  record one on a supplier's or provider's behalf (RQ-15: "record demand on the Service Management System").
* **The filer's members** (people of the filing organisation) edit or withdraw the notice while it is filed
  or under analysis (the actions check the state), respond to a mitigation request and add public updates.
* **The service desk** (analysts, operations managers) analyses, notifies the affected providers (the
  bulletin), requests mitigation, records compliance, closes and reopens, adds updates and internal notes.
* **Operations managers** keep the tolerances (as data with effective dates); anyone signed in may read
  them (the operator communicates its demand management policy, RQ-18).
* **Affected providers**, once notified, read the notice (``queries.visible_to``) and change nothing.

``can_<verb>(scope, …)`` answers None (allowed) or the reason; the actions refuse with it, the pages and the
API offer with it (:func:`available`, which also applies the state rules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from busbar.parties.queries import Scope

#: The states in which the filer may still change or withdraw its notice.
EDITABLE = frozenset({"filed", "under_analysis"})
#: The states in which the desk may write or revise its analysis without a status change.
ANALYSABLE = frozenset({"filed", "under_analysis", "providers_notified", "mitigation_requested"})


def supplier_ids(scope: Scope) -> frozenset[int]:
    """The organisations of ``scope`` that hold the energy-supplier role (one query)."""
    if not scope.organisation_ids:
        return frozenset()
    from busbar.parties.models import IndustryRole, OrganisationRole

    return frozenset(
        OrganisationRole.objects.filter(
            organisation_id__in=scope.organisation_ids, role=IndustryRole.ENERGY_SUPPLIER
        ).values_list("organisation_id", flat=True)
    )


def filing_ids(scope: Scope) -> frozenset[int]:
    """The organisations ``scope`` may file for in person: its supplier organisations and those it resolves
    for."""
    return supplier_ids(scope) | frozenset(scope.resolver_for)


def _may_be_filer(organisation: Any) -> bool:
    from busbar.parties.models import PROVIDER_ROLES, IndustryRole

    roles = {r.role for r in organisation.roles.all()}
    return IndustryRole.ENERGY_SUPPLIER in roles or bool(roles & set(PROVIDER_ROLES))


def can_file(scope: Scope) -> str | None:
    """Offer the filing form at all."""
    if scope.is_desk or filing_ids(scope):
        return None
    return "Only suppliers and providers file demand notices (and the service desk on their behalf)"


def can_file_for(scope: Scope, organisation: Any) -> str | None:
    if organisation.pk in filing_ids(scope):
        return None
    if scope.is_desk:
        if _may_be_filer(organisation):
            return None
        return f"{organisation} is neither an energy supplier nor a provider"
    return "You file demand notices for your own organisation only"


def is_filer(scope: Scope, notice: Any) -> bool:
    return notice.organisation_id in scope.organisation_ids


def can_edit(scope: Scope, notice: Any) -> str | None:
    """Change the notice's period, lines, reason and text; withdraw it (while filed or under analysis)."""
    if is_filer(scope, notice):
        return None
    return "Only the organisation that filed the notice changes or withdraws it"


def can_respond(scope: Scope, notice: Any) -> str | None:
    """Answer the operator's mitigation request."""
    if is_filer(scope, notice):
        return None
    return "Only the organisation that filed the notice answers a mitigation request"


def can_add_update(scope: Scope, notice: Any) -> str | None:
    """A public update on the notice's conversation."""
    if scope.is_desk or is_filer(scope, notice):
        return None
    return "Only the service desk and the filing organisation write on a demand notice"


def can_work(scope: Scope, notice: Any = None) -> str | None:
    """Analyse, notify the providers, request mitigation, record compliance, close, reopen, internal notes."""
    if scope.is_desk:
        return None
    return "Only the service desk works demand notices"


def can_read_tolerances(scope: Scope) -> str | None:
    return None if scope.is_authenticated else "Sign in to read the demand tolerances"


def can_keep_tolerances(scope: Scope) -> str | None:
    if scope.is_operations:
        return None
    return "Only operations managers set demand tolerances"


def can_see_trends(scope: Scope) -> str | None:
    return None if scope.is_desk else "The demand trends are the service desk's"


def available(scope: Scope, notice: Any) -> list[str]:
    """The verbs ``scope`` may use on ``notice`` now: the rules above and the notice's state (the pages'
    forms and the API's ``allowed_actions``)."""
    from busbar.demand.models import DEMAND_TRANSITIONS, DemandStatus

    status = notice.status
    targets = DEMAND_TRANSITIONS.get(status, set())
    verbs: list[str] = []
    if can_edit(scope, notice) is None and status in EDITABLE:
        verbs += ["edit", "withdraw"]
    if can_respond(scope, notice) is None and status == DemandStatus.MITIGATION_REQUESTED:
        verbs.append("respond")
    if can_work(scope, notice) is None:
        if status in ANALYSABLE:
            verbs.append("analyse")
        if DemandStatus.PROVIDERS_NOTIFIED in targets:
            verbs.append("notify")
        if DemandStatus.MITIGATION_REQUESTED in targets:
            verbs.append("mitigation")
        if status != DemandStatus.WITHDRAWN and status != DemandStatus.FILED:
            verbs.append("compliance")
        if DemandStatus.CLOSED in targets:
            verbs.append("close")
        if status == DemandStatus.CLOSED:
            verbs.append("reopen")
        verbs.append("note")
    if can_add_update(scope, notice) is None and status != DemandStatus.WITHDRAWN:
        verbs.append("update")
    return verbs
