"""What the change co-ordination demo sets up before any Change Notification: who acts, the Change
Co-ordination Group, the notice rules, maintenance windows, availability targets and subscriptions.

Blackout windows and every change's dates are relative to the day the demo is loaded (see ``play``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

#: The service desk analyst who records decisions between meetings and takes changes into review.
DESK = "analyst@operator.example"
#: The operator's change co-ordinator: chairs the CCG, keeps the notice rules and windows.
CHAIR = "opsmanager@operator.example"
#: The chair's deputy (the operator's second seat on the CCG).
DEPUTY = "analyst2@operator.example"

#: Each provider's person: raises its changes and is its empowered representative on the CCG.
PROVIDERS = {
    "css-provider": "resolver@cssp.example",
    "xoserve": "resolver@xoserve.example",
    "electralink": "resolver@electralink.example",
    "dcc": "resolver@dcc.example",
    "eastern-dn": "mprs@easterndn.example",
    "northern-dn": "mprs@northerndn.example",
}

#: Who answers an impact consultation for an organisation.
RESPONDERS = {
    **PROVIDERS,
    "brightwater": "supplier@brightwater.example",
    "kestrel": "supplier@kestrel.example",
    "greenfield": "supplier@greenfield.example",
    "midlands-gas": "ops@midlandsgas.example",
}

#: The supplier whose view the README walks through: subscribed to CSS by email, with a calendar feed.
SUPPLIER = "supplier@brightwater.example"

#: The services the demo needs (busbar.services.demo).
SERVICES = (
    "css-registration",
    "css-address",
    "switching-portal",
    "uk-link",
    "des",
    "mprs-eastern",
    "mprs-northern",
    "ecoes",
    "dcc-dsp",
)

WORKING = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"

#: name, min working days, provider slug, service slug, change type, outage only, source
NOTICE_RULES = [
    (
        "REC R0055: planned CSS outages",
        8,
        "css-provider",
        None,
        "",
        True,
        "REC change R0055: 8 working days' notice of a planned CSS outage",
    ),
    (
        "DCC planned maintenance (illustrative)",
        10,
        "dcc",
        None,
        "",
        False,
        "Illustrative value for the demo, not the SEC's",
    ),
    ("Default notice", 5, None, None, "", False, "Switching Operator's change co-ordination procedure"),
]

#: service slug, weekday (0 Monday), start, end (an end at or before the start runs past midnight), note
MAINTENANCE_WINDOWS = [
    ("css-registration", 6, "00:00", "06:00", "Sunday early hours"),
    ("css-address", 6, "00:00", "06:00", "Sunday early hours"),
    ("switching-portal", 5, "20:00", "06:00", "Saturday night"),
    ("uk-link", 6, "00:00", "08:00", "Sunday morning"),
    ("mprs-eastern", 5, "21:00", "01:00", "Saturday night"),
    ("mprs-northern", 5, "21:00", "01:00", "Saturday night"),
    ("ecoes", 3, "19:00", "23:00", "Thursday evening"),
    *[("dcc-dsp", day, "00:00", "04:00", "Nightly") for day in range(7)],
]

#: service slug, target %, planned maintenance counts against it, agreement
AVAILABILITY_TARGETS = [
    ("css-registration", Decimal("99.500"), False, "REC Schedule: CSS service levels"),
    ("css-address", Decimal("99.500"), False, "REC Schedule: CSS service levels"),
    ("switching-portal", Decimal("99.000"), False, "CSS portal OLA"),
    ("uk-link", Decimal("99.500"), False, "UK Link SLA"),
    ("des", Decimal("99.000"), True, "DES OLA"),
    ("mprs-eastern", Decimal("99.000"), False, "MPRS service agreement"),
    ("mprs-northern", Decimal("99.000"), False, "MPRS service agreement"),
    ("ecoes", Decimal("99.500"), False, "ECOES SLA"),
    ("dcc-dsp", Decimal("99.900"), False, "SEC example targets (illustrative)"),
]

#: email, service slug, by email
SUBSCRIPTIONS = [
    (SUPPLIER, "css-registration", True),
    (SUPPLIER, "switching-portal", True),
    (SUPPLIER, "uk-link", False),
    ("supplier@kestrel.example", "css-registration", True),
    ("supplier@kestrel.example", "mprs-eastern", False),
    ("agent@meterwise.example", "ecoes", True),
    ("agent@meterwise.example", "des", False),
    ("ops@midlandsgas.example", "uk-link", True),
    ("ops@midlandsgas.example", "des", True),
]

#: The services a market event freezes (the registration systems and what they feed).
MARKET_EVENT_SERVICES = (
    "css-registration",
    "css-address",
    "uk-link",
    "mprs-eastern",
    "mprs-northern",
    "dcc-dsp",
)


def time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)
