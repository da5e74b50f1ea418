"""Installation defaults: the REC severity scheme, two calendars and the default SLA policy (seed 001 §10.9).

Everything here is ordinary data that administrators may change afterwards.
"""

from django.db import migrations

WORKING_HOURS = {str(d): [["08:00", "18:00"]] for d in range(5)}
REC = [
    # code, label, rank, major, (response amount, unit, calendar), (resolution amount, unit, calendar)
    ("1", "Major incident: prevents a large group of participants from using live services", 1, True,
     (10, "minutes", "24x7"), (4, "hours", "24x7")),
    ("2", "Non-critical adverse impact; live service working at reduced capacity", 2, False,
     (20, "minutes", "24x7"), (24, "hours", "24x7")),
    ("3", "Adverse impact on a participant, reduced to moderate by a workaround", 3, False,
     (45, "minutes", "24x7"), (72, "hours", "24x7")),
    ("4", "Minor or minimal adverse impact", 4, False,
     (1, "working_days", "working"), (10, "working_days", "working")),
]


def forward(apps, schema_editor):  # noqa: ANN001, ANN201
    Calendar = apps.get_model("services", "Calendar")
    Scheme = apps.get_model("services", "SeverityScheme")
    Severity = apps.get_model("services", "Severity")
    Policy = apps.get_model("services", "SlaPolicy")
    Target = apps.get_model("services", "SlaTarget")
    calendars = {
        "24x7": Calendar.objects.get_or_create(name="24x7", defaults={"kind": "24x7", "bank_holidays": False})[0],
        "working": Calendar.objects.get_or_create(
            name="Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)",
            defaults={"kind": "working_hours", "weekly_hours": WORKING_HOURS, "bank_holidays": True},
        )[0],
    }
    scheme, _ = Scheme.objects.get_or_create(
        name="REC incident severities", defaults={"description": "Retail Energy Code example severities (1 most severe)"}
    )
    policy, created = Policy.objects.get_or_create(
        name="REC default", defaults={"scheme": scheme, "is_default": True}
    )
    if not created:
        return
    for code, label, rank, major, response, resolution in REC:
        severity, _ = Severity.objects.get_or_create(
            scheme=scheme, code=code, defaults={"label": label, "rank": rank, "is_major": major}
        )
        for clock, (amount, unit, cal) in (("response", response), ("resolution", resolution)):
            Target.objects.create(
                policy=policy, severity=severity, clock=clock, amount=amount, unit=unit, calendar=calendars[cal]
            )


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
