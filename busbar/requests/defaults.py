"""Installation defaults for service requests: a priority scheme and the standard request SLA policy
(RQ-07 asks for response and resolution times for service requests; the seeds give no values, so these
are ordinary data the operator changes). Run by the data migration and by tests that flush tables."""

from __future__ import annotations

WORKING = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"
SCHEME = "Service request priorities"
POLICY = "Service requests (standard)"
#: code, label, rank, (response amount, unit), (fulfilment amount, unit) — all on working hours.
PRIORITIES = [
    ("P1", "Urgent: a participant cannot trade or switch", 1, (1, "hours"), (8, "hours")),
    ("P2", "High: needed for a dated activity", 2, (4, "hours"), (2, "working_days")),
    ("P3", "Standard", 3, (1, "working_days"), (5, "working_days")),
    ("P4", "Low: information and advice", 4, (2, "working_days"), (10, "working_days")),
]
DEFAULT_PRIORITY = "P3"


def ensure(apps=None) -> None:
    """Create the scheme, its priorities and the policy if missing (idempotent)."""
    if apps is None:
        from django.apps import apps
    Calendar = apps.get_model("services", "Calendar")
    Scheme = apps.get_model("services", "SeverityScheme")
    Severity = apps.get_model("services", "Severity")
    Policy = apps.get_model("services", "SlaPolicy")
    Target = apps.get_model("services", "SlaTarget")
    calendar, _ = Calendar.objects.get_or_create(
        name=WORKING,
        defaults={
            "kind": "working_hours",
            "weekly_hours": {str(d): [["08:00", "18:00"]] for d in range(5)},
            "bank_holidays": True,
        },
    )
    scheme, _ = Scheme.objects.get_or_create(
        name=SCHEME, defaults={"description": "How urgently a service request is fulfilled"}
    )
    policy, created = Policy.objects.get_or_create(name=POLICY, defaults={"scheme": scheme})
    if not created:
        return
    for code, label, rank, response, fulfilment in PRIORITIES:
        severity, _ = Severity.objects.get_or_create(
            scheme=scheme, code=code, defaults={"label": label, "rank": rank, "is_major": False}
        )
        for clock, (amount, unit) in (("response", response), ("resolution", fulfilment)):
            Target.objects.create(
                policy=policy, severity=severity, clock=clock, amount=amount, unit=unit, calendar=calendar
            )


def policy():
    from busbar.services.models import SlaPolicy

    ensure()
    return SlaPolicy.objects.get(name=POLICY)
