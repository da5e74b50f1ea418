"""Who may do what with service level management: the only place these rules live.

- The operator's desk (analysts and operations managers) keeps the SLAs and OLAs, generates, annotates
  and publishes monthly reports, sets return schedules and accepts providers' returns.
- Publishing a report is the operations manager's (it goes to stakeholders).
- A provider submits its own KPI returns.
- Anyone who may read a report may subscribe to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.reports.models import ReturnStatus, ServiceReportStatus

if TYPE_CHECKING:
    from busbar.parties.queries import Scope
    from busbar.reports.models import KpiReturn, ServiceReport


def can_manage_agreements(scope: Scope) -> str | None:
    return None if scope.is_desk else "Only the service desk keeps SLAs and OLAs"


def can_generate_report(scope: Scope) -> str | None:
    return None if scope.is_desk else "Only the service desk generates service reports"


def can_edit_report(scope: Scope, report: ServiceReport) -> str | None:
    if not scope.is_desk:
        return "Only the service desk writes a report's commentary"
    if report.status == ServiceReportStatus.PUBLISHED:
        return None  # the transition table refuses (409): a published report never changes
    return None


def can_publish_report(scope: Scope, report: ServiceReport) -> str | None:
    if not scope.is_operations:
        return "Only an operations manager publishes a service report"
    return None


def can_manage_schedules(scope: Scope) -> str | None:
    return None if scope.is_desk else "Only the service desk sets KPI return schedules"


def can_submit_return(scope: Scope, kpi_return: KpiReturn) -> str | None:
    pid = kpi_return.provider_id
    if pid in scope.resolver_for or pid in scope.admin_of:
        return None
    return "Only the provider itself submits its KPI return"


def can_accept_return(scope: Scope, kpi_return: KpiReturn) -> str | None:
    if not scope.is_desk:
        return "Only the service desk accepts KPI returns"
    if kpi_return.status != ReturnStatus.SUBMITTED:
        return None  # the transition table refuses (409)
    return None
