"""Demo records for services (see busbar.core.demo): the central switching services and their SLAs.

Made through the catalogue actions as the system actor. Every record is looked up by slug or name first,
so loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.services import actions
from busbar.services.actions import TargetSpec
from busbar.services.models import Calendar, Service, SeverityScheme, SlaPolicy

ALWAYS = "24x7"
WORKING = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"
OFFICE = "Provider office hours (Mon-Fri 09:00-17:30)"

SEC_SCHEME = "SEC incident categories"
SEC_POLICY = "SEC example targets (illustrative)"
SEC_DESCRIPTION = (
    "EXAMPLE ONLY: five incident categories in the style of the Smart Energy Code, to show that a scheme "
    "other than the REC's is configuration, not code. The categories' wording and the targets of the "
    f"'{SEC_POLICY}' policy are illustrative, not the contractual SEC values."
)
#: code, label, major, (response amount, unit, calendar), (resolution amount, unit, calendar)
SEC_CATEGORIES = [
    ("1", "Category 1: widespread loss of smart metering services", True,
     (30, "minutes", ALWAYS), (4, "hours", ALWAYS)),
    ("2", "Category 2: loss of a critical function for many users", False,
     (1, "hours", ALWAYS), (8, "hours", ALWAYS)),
    ("3", "Category 3: loss or degradation of service for one user", False,
     (2, "hours", ALWAYS), (24, "hours", ALWAYS)),
    ("4", "Category 4: minor degradation with a workaround", False,
     (4, "hours", WORKING), (3, "working_days", WORKING)),
    ("5", "Category 5: query or cosmetic issue", False,
     (1, "working_days", WORKING), (10, "working_days", WORKING)),
]  # fmt: skip

#: slug, name, provider slug, support calendar, parent slug, depends on (slugs), description, status
SERVICES = [
    ("css-address", "CSS address service", "css-provider", ALWAYS, None, [],
     "The address and metering point reference data CSS matches switch requests against.", "operational"),
    ("css-registration", "CSS registration service", "css-provider", ALWAYS, None, ["css-address"],
     "The Central Switching Service: validates, secures and confirms switches for electricity and gas.",
     "operational"),
    ("switching-portal", "Switching portal", "css-provider", WORKING, "css-registration", [],
     "The CSS web portal for participants: switch enquiries, reports and manual interventions.",
     "operational"),
    ("uk-link", "UK Link", "xoserve", ALWAYS, None, ["css-registration"],
     "Gas registration (a central data service): receives secured and confirmed gas switches from CSS.",
     "operational"),
    ("des", "DES", "xoserve", WORKING, None, ["uk-link"],
     "Data Enquiry Service: participants' read-only enquiries on UK Link supply point data.", "maintenance"),
    ("mprs-eastern", "MPRS (Eastern Distribution Networks)", "eastern-dn", OFFICE, None,
     ["css-registration"], "Electricity registration for the Eastern area: receives switches from CSS.",
     "operational"),
    ("mprs-northern", "MPRS (Northern Distribution Networks)", "northern-dn", OFFICE, None,
     ["css-registration"], "Electricity registration for the Northern area: receives switches from CSS.",
     "operational"),
    ("ecoes", "ECOES", "electralink", WORKING, None, ["mprs-eastern", "mprs-northern"],
     "Electricity enquiry service, fed by every MPRS.", "operational"),
    ("dcc-dsp", "DCC DSP", "dcc", ALWAYS, None, ["css-registration"],
     "DCC Data Service Provider: told of switches by CSS so smart meters follow the new supplier. Measured "
     "on the example SEC incident categories.", "operational"),
]  # fmt: skip

#: Why a demo service is not operational (shown beside its status on the board).
STATUS_NOTES = {
    "des": "Release 24.3 is being installed: enquiries are unavailable until 06:00. UK Link is unaffected.",
}


def _calendars(ctx) -> dict[str, Calendar]:
    calendars = {c.name: c for c in Calendar.objects.filter(name__in=[ALWAYS, WORKING, OFFICE])}
    if ALWAYS not in calendars:
        calendars[ALWAYS] = actions.create_calendar(actor=ctx.actor, name=ALWAYS, kind="24x7")
    if WORKING not in calendars:
        calendars[WORKING] = actions.create_calendar(
            actor=ctx.actor,
            name=WORKING,
            kind="working_hours",
            weekly_hours={str(d): [["08:00", "18:00"]] for d in range(5)},
            bank_holidays=True,
        )
    if OFFICE not in calendars:
        office = actions.create_calendar(
            actor=ctx.actor,
            name=OFFICE,
            kind="working_hours",
            weekly_hours={str(d): [["09:00", "17:30"]] for d in range(5)},
            bank_holidays=True,
        )
        # The offices close between Christmas and New Year (beyond the bank holidays), this year or next.
        today = timezone.localdate()
        year = today.year if today < dt.date(today.year, 12, 29) else today.year + 1
        for day in (29, 30, 31):
            actions.add_closure(
                actor=ctx.actor,
                calendar=office,
                date=dt.date(year, 12, day),
                reason="Office closed for Christmas",
            )
        calendars[OFFICE] = office
    return calendars


def _sec_policy(ctx, calendars: dict[str, Calendar]) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(name=SEC_POLICY).first()
    if policy is not None:
        return policy
    scheme = SeverityScheme.objects.filter(name=SEC_SCHEME).first()
    if scheme is None:
        scheme = actions.create_severity_scheme(
            actor=ctx.actor,
            name=SEC_SCHEME,
            description=SEC_DESCRIPTION,
            severities=[
                {"code": c, "label": label, "is_major": major} for c, label, major, _, _ in SEC_CATEGORIES
            ],
        )
    severities = {s.code: s for s in scheme.severities.all()}
    targets = [
        TargetSpec(severity=severities[code], clock=clock, amount=amount, unit=unit, calendar=calendars[cal])
        for code, _, _, response, resolution in SEC_CATEGORIES
        if code in severities
        for clock, (amount, unit, cal) in (("response", response), ("resolution", resolution))
    ]
    return actions.create_sla_policy(
        actor=ctx.actor, name=SEC_POLICY, scheme=scheme, warning_ratio="0.75", targets=targets
    )


def load(ctx) -> None:
    """Add the demo catalogue; safe to run twice."""
    calendars = _calendars(ctx)
    sec = _sec_policy(ctx, calendars)
    existing = {s.slug: s for s in Service.objects.all()}
    added = 0
    for slug, name, provider, calendar, parent, depends_on, description, status in SERVICES:
        if slug in existing:
            continue
        same_name = Service.objects.filter(name=name).first()
        if same_name is not None:
            existing[slug] = same_name
            continue
        existing[slug] = actions.create_service(
            actor=ctx.actor,
            name=name,
            slug=slug,
            provider=ctx.orgs[provider],
            calendar=calendars[calendar],
            parent=existing.get(parent) if parent else None,
            depends_on=[existing[d] for d in depends_on if existing.get(d)],
            description=description,
            sla_policy=sec if slug == "dcc-dsp" else None,
            status=status,
        )
        if slug in STATUS_NOTES:
            actions.set_service_status(
                actor=ctx.actor, service=existing[slug], status=status, note=STATUS_NOTES[slug]
            )
        added += 1
    if added:
        ctx.lines.append(
            f"Service catalogue: {added} demo services added; see /status/, /services/ and /sla-policies/."
        )
