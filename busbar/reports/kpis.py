"""The ten KPIs of the seed (D1 §10.9; digest §4.2), each defined once: its code, name, unit, which way is
better, what it is sliced by and its rule in words (``docs/kpis.md`` repeats the rules with examples).
:mod:`busbar.reports.engine` computes them; nothing else decides what a KPI means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["percent", "count", "minutes"]
Better = Literal["higher", "lower"]
#: ``service`` KPIs are measured per service (availability, changes): they have no severity;
#: ``incident`` KPIs come from the incident facts and are sliced by severity too.
Basis = Literal["service", "incident"]


@dataclass(frozen=True)
class Kpi:
    code: str
    name: str
    unit: Unit
    better: Better
    basis: Basis
    #: The seed's explanation (D1 §10.9), verbatim.
    seed: str
    #: How Busbar measures it, in one sentence.
    rule: str
    #: Incident KPIs: the month an incident counts in ("raised", "resolved" or "escalated").
    month_of: str = ""

    @property
    def by_severity(self) -> bool:
        return self.basis == "incident"

    def met(self, value, target) -> bool | None:
        """Whether ``value`` meets ``target`` (None when either is missing)."""
        if value is None or target is None:
            return None
        return value >= target if self.better == "higher" else value <= target


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "availability",
        "Service availability",
        "percent",
        "higher",
        "service",
        "Availability of Services relative to the availability agreed in SLAs and OLAs",
        "(agreed time − downtime) / agreed time, over the services' support hours; planned maintenance "
        "excluded unless the service's availability target counts it; weighted by agreed time when "
        "several services are combined.",
    ),
    Kpi(
        "interruptions",
        "Service interruptions",
        "count",
        "lower",
        "service",
        "Number of service interruptions",
        "Merged stretches of downtime (major incidents of the most severe severity and hand-set outages) "
        "that cost support time in the month.",
    ),
    Kpi(
        "interruption_minutes",
        "Average interruption duration",
        "minutes",
        "lower",
        "service",
        "Average duration of service interruptions",
        "Downtime minutes in support hours / number of interruptions.",
    ),
    Kpi(
        "major_changes",
        "Major changes",
        "count",
        "lower",
        "service",
        "Number of major changes during the period",
        "Change Notifications of type major, begun or implemented, whose actual (else planned) start is "
        "in the month; a change on several services counts once per service.",
    ),
    Kpi(
        "emergency_changes",
        "Emergency changes",
        "count",
        "lower",
        "service",
        "Number of Emergency Changes implemented",
        "Change Notifications of type emergency, begun or implemented, whose actual (else planned) start "
        "is in the month.",
    ),
    Kpi(
        "incidents",
        "Incidents",
        "count",
        "lower",
        "incident",
        "Number of incidents registered by the Service Desk by severity",
        "Incidents raised in the month (cancelled ones included: they were registered), by their current "
        "severity.",
        month_of="raised",
    ),
    Kpi(
        "escalations",
        "Escalations",
        "count",
        "lower",
        "incident",
        "Number of escalations for Incidents not resolved in the agreed resolution time",
        "Incidents whose resolution clock passed its target, counted in the month it passed (open or "
        "resolved since).",
        month_of="escalated",
    ),
    Kpi(
        "response_time",
        "Average initial response time",
        "minutes",
        "lower",
        "incident",
        "Average time taken between the time a user reports an Incident and the time that the Service "
        "Desk responds",
        "Mean working minutes of the response clock, from the report to the desk's (or provider's) first "
        "response, for incidents raised in the month that have been responded to.",
        month_of="raised",
    ),
    Kpi(
        "resolution_time",
        "Incident resolution time",
        "minutes",
        "lower",
        "incident",
        "Average time for resolving an incident, by severity",
        "Mean working minutes of the resolution clock (paused time excluded, the target's calendar), for "
        "incidents resolved in the month.",
        month_of="resolved",
    ),
    Kpi(
        "resolved_in_sla",
        "Resolved within SLA",
        "percent",
        "higher",
        "incident",
        "Rate of incidents resolved within SLA",
        "Incidents resolved in the month within their resolution target / incidents resolved in the "
        "month × 100.",
        month_of="resolved",
    ),
)

BY_CODE: dict[str, Kpi] = {k.code: k for k in KPIS}
CODES: tuple[str, ...] = tuple(BY_CODE)


def get(code: str) -> Kpi:
    """The KPI called ``code``; KeyError names the known codes."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"Unknown KPI {code!r}: one of {', '.join(CODES)}") from None
