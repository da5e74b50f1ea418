"""The demo's SLAs and OLAs: one end-to-end switching SLA, one SLA per key service and one OLA per provider,
with targets for the KPIs, in force since before the thirteen months of history. Made through the
agreement actions by the operations manager."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from busbar.reports.actions import agreements as agreement_actions
from busbar.reports.models import Agreement

E2E_NAME = "Switching service end to end (REC)"

#: (kpi, severity code or "", value)
E2E_TARGETS = [
    ("availability", "", "99.5"),
    ("interruptions", "", "2"),
    ("interruption_minutes", "", "120"),
    ("major_changes", "", "3"),
    ("emergency_changes", "", "2"),
    ("escalations", "", "8"),
    ("response_time", "", "30"),
    ("response_time", "2", "20"),
    ("resolution_time", "1", "240"),
    ("resolution_time", "2", "1440"),
    ("resolution_time", "3", "4320"),
    ("resolved_in_sla", "", "92"),
]
#: slug: (name, availability target)
SERVICE_SLAS = {
    "css-registration": ("CSS registration service SLA", "99.7"),
    "uk-link": ("UK Link SLA", "99.5"),
    "mprs-eastern": ("MPRS (Eastern) SLA", "99.0"),
    "mprs-northern": ("MPRS (Northern) SLA", "99.0"),
    "ecoes": ("ECOES SLA", "99.0"),
    "dcc-dsp": ("DCC DSP SLA", "99.5"),
}
SERVICE_TARGETS = [("interruptions", "", "1"), ("escalations", "", "3"), ("resolved_in_sla", "", "90")]
#: provider slug: OLA name
OLAS = {
    "css-provider": "OLA: CSS Registration Services",
    "xoserve": "OLA: Xoserve (UK Link and DES)",
    "eastern-dn": "OLA: Eastern Distribution Networks (MPRS)",
    "northern-dn": "OLA: Northern Distribution Networks (MPRS)",
    "electralink": "OLA: ElectraLink (ECOES)",
    "dcc": "OLA: DCC (Data Service Provider)",
}
OLA_TARGETS = [
    ("availability", "", "99.5"),
    ("escalations", "", "4"),
    ("resolution_time", "1", "240"),
    ("resolution_time", "2", "720"),
    ("resolution_time", "3", "2880"),
    ("resolved_in_sla", "", "90"),
    ("resolved_in_sla", "2", "90"),
]


def _targets(actor, agreement: Agreement, targets, now: dt.datetime) -> None:
    for kpi, code, value in targets:
        agreement_actions.add_target(
            actor=actor, agreement=agreement, kpi=kpi, value=Decimal(value), severity_code=code, now=now
        )


def load(ctx, actor, services: dict, starts_on: dt.date, now: dt.datetime) -> int:
    """The agreements; returns how many were made (none when the end-to-end SLA exists already)."""
    if Agreement.objects.filter(name=E2E_NAME).exists():
        return 0
    made = 0
    e2e = agreement_actions.create_agreement(
        actor=actor,
        kind="sla",
        name=E2E_NAME,
        starts_on=starts_on,
        notes="The switching arrangements as participants experience them: every service, every provider, "
        "from the participant's report to the resolution. Targets from the REC service definition "
        "(illustrative values).",
        now=now,
    )
    _targets(actor, e2e, E2E_TARGETS, now)
    made += 1
    for slug, (name, availability) in SERVICE_SLAS.items():
        service = services.get(slug)
        if service is None:
            continue
        sla = agreement_actions.create_agreement(
            actor=actor,
            kind="sla",
            name=name,
            service=service,
            starts_on=starts_on,
            notes=f"Service levels of {service.name} towards participants.",
            now=now,
        )
        targets = [("availability", "", availability), *SERVICE_TARGETS]
        if slug != "dcc-dsp":  # DCC DSP runs on the SEC categories: no REC severity targets
            targets.append(("resolution_time", "2", "1440"))
        _targets(actor, sla, targets, now)
        made += 1
    for slug, name in OLAS.items():
        provider = ctx.orgs.get(slug)
        if provider is None:
            continue
        ola = agreement_actions.create_agreement(
            actor=actor,
            kind="ola",
            name=name,
            provider=provider,
            starts_on=starts_on,
            notes=f"What {provider.name} undertakes to the switching operator for the services it runs: "
            "resolution times per severity from the handover, availability and escalations.",
            now=now,
        )
        _targets(actor, ola, OLA_TARGETS, now)
        made += 1
    return made
