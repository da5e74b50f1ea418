"""People, organisations and the programme's members; the two calendars' helpers."""

from __future__ import annotations

import datetime as dt

from busbar.parties.models import IndustryRole as R

D = dt.date


def W(days: int) -> tuple[str, int]:
    """A story day counted from TMAG #20 (plain integers count from the day the demo is loaded)."""
    return ("W", days)


#: The plan's date of the first day of SIT Functional (after Component Integration Testing ended
#: 10/04/24): the testing demo's SIT Functional start is moved onto it.
SEED_SIT_FUNCTIONAL = D(2024, 4, 15)

DOCUMENT_PREFIX = "MHHS-DEL"
CLASSIFICATION = "Public"


# -- people and organisations ------------------------------------------------------------------------------

PM = "pm@mhhs-pmo.example"
SECRETARIAT = "secretariat@mhhs-pmo.example"
PPC = "ppc@mhhs-pmo.example"
SI = "testmanager@si.example"
ASSURER = "assurer@keystone.example"
DA = "da@mhhs-da.example"
OLIVIA = "supplier@brightwater.example"
NOAH = "supplier@kestrel.example"
ISLA = "supplier@northernlights.example"
ETHAN = "supplier@greenfield.example"
GRACE = "supplier@harbour.example"
HARRY = "agent@meterwise.example"
ZARA = "agent@halfhourdata.example"
LEAH = "mhhs@riverside.example"
RORY = "mhhs@thistle.example"
VICTOR = "codes@settlementcode.example"

#: Market participants that take part in the programme's governance but not (yet) in SIT: (name, slug,
#: roles, identifiers, contact email). Made through the parties app's actions, as the testing demo does.
ORGANISATIONS = [
    (
        "Riverside Energy",
        "riverside",
        [R.ENERGY_SUPPLIER],
        [("mpid", "RVSE")],
        "mhhs@riverside.example",
    ),
    ("Thistle Power", "thistle", [R.ENERGY_SUPPLIER], [("mpid", "THSP")], "mhhs@thistle.example"),
    (
        "Copperleaf Business Energy",
        "copperleaf",
        [R.ENERGY_SUPPLIER],
        [("mpid", "CPLF")],
        "settlement@copperleaf.example",
    ),
    ("Daybreak Energy", "daybreak", [R.ENERGY_SUPPLIER], [("mpid", "DYBK")], "ops@daybreak.example"),
    (
        "Westcountry Electricity Networks",
        "westcountry-en",
        [R.DNO],
        [("mpid", "WCEN"), ("distributor_id", "22")],
        "mhhs@westcountry.example",
    ),
    (
        "Fenland Independent Networks",
        "fenland-idno",
        [R.DNO],
        [("mpid", "FNID")],
        "connections@fenland.example",
    ),
    ("Orbital Metering", "orbital-metering", [R.SUPPLIER_AGENT], [("mpid", "ORBM")], "mhhs@orbital.example"),
    (
        "Cairn Data Collection",
        "cairn-data",
        [R.SUPPLIER_AGENT],
        [("mpid", "CRND")],
        "dc@cairndata.example",
    ),
    (
        "Settlement Code Company",
        "settlement-code",
        [R.CODE_BODY],
        [],
        "codes@settlementcode.example",
    ),
    ("Retail Code Company", "retail-code", [R.CODE_BODY], [], "secretariat@retailcode.example"),
    ("Smart Code Secretariat", "smart-code", [R.CODE_BODY], [], "secretariat@smartcode.example"),
]

#: People added for governance: (email, name, organisation slug, what they do). Participant users (no
#: second factor), the demo's password.
PEOPLE = [
    (SECRETARIAT, "Tamsin Hale", "mhhs-pmo", "programme secretariat: agendas, minutes, the action log"),
    (PPC, "Owen Brady", "mhhs-pmo", "programme party coordinator (PPC): readiness assessments, chasing"),
    (LEAH, "Leah Morgan", "riverside", "Riverside Energy's MHHS lead: answers RA5, responds to CRs"),
    (RORY, "Rory Baird", "thistle", "small supplier constituency representative on TMAG and PSG"),
    (VICTOR, "Victor Osei", "settlement-code", "code body representative (CCAG, Qualification)"),
]

#: People of the earlier demos and what they do in governance (printed with the sign-ins).
ROLES_OF_EXISTING = [
    (PM, "programme office: runs TMAG, the RAID log, CRs and the plan"),
    (ASSURER, "independent programme assurer: reads everything, changes nothing"),
    (OLIVIA, "Brightwater (large supplier rep): raised CR002, owns TMAG19-05, keeps a subsidiary plan"),
    (GRACE, "Harbour: its subsidiary plan slips past M14; RA5 response in draft"),
]

#: Programme members: (organisation slug, constituency). Every SIT participant of the testing demo, the
#: central parties and the market participants above.
MEMBERS = [
    ("brightwater", "Large supplier"),
    ("kestrel", "Medium supplier"),
    ("northern-lights", "Large supplier"),
    ("greenfield", "Medium supplier"),
    ("harbour", "Small supplier"),
    ("riverside", "Large supplier"),
    ("thistle", "Small supplier"),
    ("copperleaf", "I&C supplier"),
    ("daybreak", "Small supplier"),
    ("eastern-dn", "DNO"),
    ("northern-dn", "DNO"),
    ("westcountry-en", "DNO"),
    ("fenland-idno", "iDNO"),
    ("meterwise", "Supplier agent"),
    ("halfhour-data", "Supplier agent"),
    ("pennine-metering", "Supplier agent"),
    ("solent-data", "Supplier agent"),
    ("orbital-metering", "Supplier agent"),
    ("cairn-data", "Supplier agent"),
    ("lamplight-ums", "Unmetered supplies agent"),
    ("streetwise-ums", "Unmetered supplies agent"),
    ("beacon-unmetered", "Unmetered supplies agent"),
    ("civic-lighting", "Unmetered supplies agent"),
    ("electralink", "Central party (data transfer network)"),
    ("css-provider", "Central party (registration)"),
    ("dcc", "Central party (smart metering)"),
    ("settlement-code", "Code body"),
    ("retail-code", "Code body"),
    ("smart-code", "Code body"),
]
