"""The demo MHHS programme as data: who takes part, what is tested, what went wrong.

Days are offsets from the first day of SIT Functional (a Monday six weeks before the day the demo is
loaded), so the demo always looks live. Titles and descriptions are written for this demo; they follow
the shape of the MHHS design (interfaces IF-0xx between suppliers, agents and registration services) but
quote none of it.
"""

from __future__ import annotations

from busbar.parties.models import IndustryRole as R

#: Organisations the MVC of two cohorts needs beyond the core demo's: (name, slug, roles, ids, email).
ORGANISATIONS = [
    (
        "Pennine Metering Services",
        "pennine-metering",
        [R.SUPPLIER_AGENT],
        [("mpid", "PNMS")],
        "sit@pennine.example",
    ),
    ("Solent Data Services", "solent-data", [R.SUPPLIER_AGENT], [("mpid", "SLDS")], "sit@solentdata.example"),
    (
        "Lamplight Unmetered Services",
        "lamplight-ums",
        [R.SUPPLIER_AGENT],
        [("mpid", "LMPU")],
        "ums@lamplight.example",
    ),
    ("Streetwise UMS", "streetwise-ums", [R.SUPPLIER_AGENT], [("mpid", "STWU")], "ops@streetwise.example"),
    (
        "Beacon Unmetered Data",
        "beacon-unmetered",
        [R.SUPPLIER_AGENT],
        [("mpid", "BCNU")],
        "data@beacon.example",
    ),
    (
        "Civic Lighting Data",
        "civic-lighting",
        [R.SUPPLIER_AGENT],
        [("mpid", "CVLD")],
        "sit@civiclighting.example",
    ),
    ("Keystone Assurance", "keystone-assurance", [R.PROGRAMME_OFFICE], [], "ipa@keystone.example"),
    ("MHHS Programme Office", "mhhs-pmo", [R.PROGRAMME_OFFICE], [], "pmo@mhhs-pmo.example"),
    ("MHHS Design Authority", "mhhs-da", [R.DESIGN_AUTHORITY], [], "design@mhhs-da.example"),
]

#: People added for the programme: (email, name, organisation slug, what they do). All participant users
#: (no second factor), password the demo's.
PEOPLE = [
    ("assurer@keystone.example", "Hannah Doyle", "keystone-assurance", "independent programme assurer (IPA)"),
    ("pm@mhhs-pmo.example", "Marcus Reid", "mhhs-pmo", "programme manager, SIT quality gate board"),
    ("da@mhhs-da.example", "Elaine Chu", "mhhs-da", "design authority"),
]

#: The existing demo people and what they do in the programme (printed with the report).
ROLES_OF_EXISTING = [
    ("testmanager@si.example", "SI test manager: triages, escalates, assesses gates"),
    ("supplier@brightwater.example", "Brightwater's test lead (cohort 1): records executions, raises issues"),
    ("supplier@kestrel.example", "Kestrel's test lead (cohort 1): nightly JUnit run from CI"),
    ("agent@meterwise.example", "Meterwise test lead (advanced agent, cohort 1)"),
]

#: (function, organisation slug, label) — the programme's parties.
PARTIES = [
    ("si", "systems-integrator", "MHHS Systems Integrator"),
    ("assurer", "keystone-assurance", "Independent Programme Assurance (IPA)"),
    ("programme_manager", "mhhs-pmo", "MHHS programme manager"),
    ("board", "mhhs-pmo", "SIT Quality Gate Board"),
    ("design_authority", "mhhs-da", "MHHS Design Authority"),
]

#: (code, label, min per cohort, mandatory, order) — the minimum viable cohort (TA-13, TA-14).
ROLES = [
    ("registration", "Registration service (MPRS)", 1, True, 1),
    ("supplier", "Supplier", 2, False, 2),
    ("advanced-agent", "Advanced agent (smart and advanced data/metering)", 2, False, 3),
    ("um-agent", "Unmetered (UM) agent", 2, False, 4),
    ("dtn", "Data Transfer Network (DTN)", 1, True, 5),
]

ENVIRONMENTS = [
    ("SIT-A", "Integration environment for cohort 1, with the DIP simulator and the central systems."),
    ("SIT-B", "Integration environment for cohort 2 and late entrants; same release as SIT-A."),
]

#: SIT Functional: (org slug, role, cohort number or None for a central party serving both, environment).
SIT_PARTICIPANTS = [
    ("eastern-dn", "registration", 1, "SIT-A"),
    ("brightwater", "supplier", 1, "SIT-A"),
    ("kestrel", "supplier", 1, "SIT-A"),
    ("meterwise", "advanced-agent", 1, "SIT-A"),
    ("halfhour-data", "advanced-agent", 1, "SIT-A"),
    ("lamplight-ums", "um-agent", 1, "SIT-A"),
    ("streetwise-ums", "um-agent", 1, "SIT-A"),
    ("electralink", "dtn", None, "SIT-A"),
    ("northern-dn", "registration", 2, "SIT-B"),
    ("northern-lights", "supplier", 2, "SIT-B"),
    ("greenfield", "supplier", 2, "SIT-B"),
    ("pennine-metering", "advanced-agent", 2, "SIT-B"),
    ("solent-data", "advanced-agent", 2, "SIT-B"),
    ("beacon-unmetered", "um-agent", 2, "SIT-B"),
    ("civic-lighting", "um-agent", 2, "SIT-B"),
    # Not ready on day 1: enters within the 30-day grace period (TA-10), voluntary, cohort 2.
    ("harbour", "supplier", 2, "SIT-B"),
]
GRACE_ENTRANT = "harbour"
GRACE_ENTRY_DAY = 11

#: How far each SIT participant has got: (first day, last first-attempt day, share of its scenarios run).
PACE = {1: (0, 27, 1.0), 2: (7, 41, 0.62)}
PACE_BY_ORG = {"harbour": (GRACE_ENTRY_DAY + 2, 41, 0.3), "electralink": (2, 20, 1.0)}

#: Pairings (supplier, agent) at the start; one re-arranged on day 21 (TA-15: fastest with fastest).
PAIRINGS = [
    ("brightwater", "meterwise"),
    ("kestrel", "halfhour-data"),
    ("brightwater", "lamplight-ums"),
    ("kestrel", "streetwise-ums"),
    ("northern-lights", "pennine-metering"),
    ("greenfield", "solent-data"),
    ("northern-lights", "beacon-unmetered"),
    ("greenfield", "civic-lighting"),
    ("harbour", "solent-data"),
]
REARRANGE = (
    ("northern-lights", "pennine-metering"),
    "solent-data",
    21,
    "Progress review after three weeks: Northern Lights and Solent are the fastest in cohort 2, so they "
    "are paired (fastest with fastest); Pennine runs its agent-only scenarios until its CT fix lands.",
)

#: Requirements, imported through a CSV built in memory: (code, title, source).
REQUIREMENTS = [
    (
        "DES-REG-01",
        "A supplier asks for its service providers to be appointed through the registration "
        "service when it registers an MPAN",
        "E2E design, registration and appointment",
    ),
    (
        "DES-REG-02",
        "A service provider answers every appointment request, accepting it or rejecting it with a reason",
        "E2E design, registration and appointment",
    ),
    (
        "DES-REG-03",
        "The registration service tells every affected party when an appointment starts or ends",
        "E2E design, registration and appointment",
    ),
    (
        "DES-REG-04",
        "On a change of supplier the gaining and the losing supplier are both notified",
        "E2E design, registration and appointment",
    ),
    (
        "DES-REG-05",
        "A change of energisation status reaches every appointed service provider",
        "E2E design, registration and appointment",
    ),
    (
        "DES-REG-06",
        "Related import and export MPANs stay linked at the registration service",
        "E2E design, registration and appointment",
    ),
    (
        "DES-REG-07",
        "An appointment request left unanswered produces a reminder",
        "E2E design, registration and appointment",
    ),
    (
        "DES-REG-08",
        "Meter technical details are held by the registration service and kept current by "
        "the metering service",
        "E2E design, registration and appointment",
    ),
    (
        "DES-CON-01",
        "Data services send half-hourly consumption per MPAN in UTC settlement periods",
        "E2E design, consumption data",
    ),
    (
        "DES-CON-02",
        "Every consumption value carries a quality flag; an estimate carries its reason",
        "E2E design, consumption data",
    ),
    ("DES-CON-03", "Clock-change days are sent as 48 UTC periods", "E2E design, consumption data"),
    (
        "DES-CON-04",
        "Unmetered data services calculate half-hourly consumption from the inventory",
        "E2E design, consumption data",
    ),
    ("DES-CON-05", "Smart and advanced register readings reach the supplier", "E2E design, consumption data"),
    (
        "DES-CON-06",
        "A message that fails validation is rejected naming the failing item",
        "E2E design, consumption data",
    ),
    (
        "DES-CON-07",
        "A supplier can ask for historic consumption to be sent again",
        "E2E design, consumption data",
    ),
    (
        "DES-CON-08",
        "A supplier can ask for consumption to be amended and gets an answer",
        "E2E design, consumption data",
    ),
    ("DES-CON-09", "Missing consumption is defaulted and the supplier told", "E2E design, consumption data"),
    (
        "DES-CON-10",
        "Customer direct contracts for unmetered supplies are advised and acknowledged",
        "E2E design, consumption data",
    ),
    (
        "DES-SET-01",
        "Load shapes are published per settlement day as period and total data",
        "E2E design, settlement",
    ),
    (
        "DES-SET-02",
        "Settlement uses the last valid consumption received before the data deadline",
        "E2E design, settlement",
    ),
    (
        "DES-SET-03",
        "Suppliers receive the consumption settlement calculated for their MPANs",
        "E2E design, settlement",
    ),
    (
        "DES-SET-04",
        "Participants are told when a downloadable settlement asset is published",
        "E2E design, settlement",
    ),
    (
        "DES-DIP-01",
        "Every message travels in the DIP envelope with a unique sender reference",
        "DIP interface specification",
    ),
    (
        "DES-DIP-02",
        "Messages are routed to the right participant by its DIP participant ID",
        "DIP interface specification",
    ),
    (
        "DES-TRN-01",
        "Legacy data flows keep moving over the DTN for MPANs not yet migrated",
        "Transition design",
    ),
]

S, A, U, G, D = "supplier", "advanced-agent", "um-agent", "registration", "dtn"

#: SIT Functional scenarios: (code, interface, title, roles, requirement codes, mandatory).
SCENARIOS = [
    (
        "SF-REG-01",
        "IF-031",
        "Supplier asks for a data service to be appointed on a new registration",
        (S, A),
        ("DES-REG-01", "DES-DIP-01"),
        True,
    ),
    (
        "SF-REG-02",
        "IF-032",
        "Data service accepts an appointment request; the supplier gets the answer",
        (S, A),
        ("DES-REG-02",),
        True,
    ),
    (
        "SF-REG-03",
        "IF-032",
        "Data service rejects an appointment request with a reason code",
        (S, A),
        ("DES-REG-02",),
        True,
    ),
    (
        "SF-REG-04",
        "IF-033",
        "Registration service asks a metering service to take an appointment",
        (G, A),
        ("DES-REG-01", "DES-DIP-02"),
        True,
    ),
    (
        "SF-REG-05",
        "IF-034",
        "Metering service answers the registration service's appointment request",
        (G, A),
        ("DES-REG-02",),
        True,
    ),
    (
        "SF-REG-06",
        "IF-035",
        "Appointment answer for an unmetered supply reaches the supplier",
        (S, U),
        ("DES-REG-02",),
        True,
    ),
    (
        "SF-REG-07",
        "IF-036",
        "New service provider is told of its appointment",
        (G, A, U),
        ("DES-REG-03",),
        True,
    ),
    (
        "SF-REG-08",
        "IF-037",
        "Outgoing service provider is told its appointment has ended",
        (G, A),
        ("DES-REG-03",),
        True,
    ),
    (
        "SF-REG-09",
        "IF-001",
        "Change of supplier: gaining and losing suppliers are both notified",
        (G, S),
        ("DES-REG-04",),
        True,
    ),
    (
        "SF-REG-10",
        "IF-002",
        "Supplier updates registration data items (domestic premises indicator)",
        (S, G),
        ("DES-REG-03",),
        True,
    ),
    (
        "SF-REG-11",
        "IF-003",
        "Registration service confirms a data service's de-appointment",
        (G, A),
        ("DES-REG-03",),
        True,
    ),
    (
        "SF-REG-12",
        "IF-007",
        "Supplier asks for a change of energisation status",
        (S, G),
        ("DES-REG-05",),
        True,
    ),
    (
        "SF-REG-13",
        "IF-008",
        "Registration service tells appointed agents of an energisation change",
        (G, A),
        ("DES-REG-05",),
        True,
    ),
    (
        "SF-REG-14",
        "IF-009",
        "Losing supplier is told of a de-registration after a switch",
        (G, S),
        ("DES-REG-04",),
        True,
    ),
    (
        "SF-REG-15",
        "IF-019",
        "Supplier links an export MPAN to its import MPAN",
        (S, G),
        ("DES-REG-06",),
        True,
    ),
    (
        "SF-REG-16",
        "IF-043",
        "Change of connection type (whole current to CT) is notified",
        (G, A),
        ("DES-REG-08",),
        True,
    ),
    (
        "SF-REG-17",
        "IF-045",
        "Reminder sent when an appointment request stays unanswered",
        (G, S),
        ("DES-REG-07",),
        True,
    ),
    (
        "SF-REG-18",
        "IF-006",
        "Metering service updates meter technical details at registration",
        (A, G),
        ("DES-REG-08",),
        True,
    ),
    (
        "SF-CON-01",
        "IF-021",
        "Smart data service sends a day of half-hourly import consumption",
        (A, S),
        ("DES-CON-01", "DES-DIP-01"),
        True,
    ),
    (
        "SF-CON-02",
        "IF-021",
        "Export consumption (AE) for an export MPAN is sent and accepted",
        (A, S),
        ("DES-CON-01", "DES-REG-06"),
        True,
    ),
    (
        "SF-CON-03",
        "IF-021",
        "Estimated periods carry a quality flag and an estimation reason",
        (A, S),
        ("DES-CON-02",),
        True,
    ),
    (
        "SF-CON-04",
        "IF-021",
        "Spring clock-change day: 46 local periods sent as 48 UTC periods",
        (A, S),
        ("DES-CON-03",),
        True,
    ),
    (
        "SF-CON-05",
        "IF-021",
        "UM data service sends calculated consumption for a street-lighting inventory",
        (U, S),
        ("DES-CON-04", "DES-CON-01"),
        True,
    ),
    (
        "SF-CON-06",
        "IF-041",
        "Smart meter register readings reach the supplier",
        (A, S),
        ("DES-CON-05",),
        True,
    ),
    (
        "SF-CON-07",
        "IF-041",
        "An estimated reading is replaced by an actual one",
        (A, S),
        ("DES-CON-05", "DES-CON-02"),
        True,
    ),
    (
        "SF-CON-08",
        "IF-013",
        "Supplier is told of consumption defaulted for missing periods",
        (S,),
        ("DES-CON-09",),
        True,
    ),
    (
        "SF-CON-09",
        "IF-014",
        "Consumption failing validation is rejected naming the failing item",
        (A,),
        ("DES-CON-06",),
        True,
    ),
    (
        "SF-CON-10",
        "IF-015",
        "Supplier asks for historic consumption of an advanced site to be replayed",
        (S, A),
        ("DES-CON-07",),
        True,
    ),
    (
        "SF-CON-11",
        "IF-016",
        "Data service replays the requested consumption, marked as a replay",
        (A, S),
        ("DES-CON-07",),
        True,
    ),
    (
        "SF-CON-12",
        "IF-027",
        "Supplier asks for consumption to be amended after a customer dispute",
        (S, A),
        ("DES-CON-08",),
        True,
    ),
    (
        "SF-CON-13",
        "IF-028",
        "Data service answers the amendment request and re-sends amended data",
        (A, S),
        ("DES-CON-08",),
        True,
    ),
    (
        "SF-CON-14",
        "IF-024",
        "Supplier advises the data service of a customer-reported problem",
        (S, A),
        ("DES-CON-08",),
        True,
    ),
    (
        "SF-CON-15",
        "IF-038",
        "Supplier advises a customer direct contract for an unmetered supply",
        (S, U),
        ("DES-CON-10",),
        True,
    ),
    (
        "SF-CON-16",
        "IF-039",
        "UM agent acknowledges a direct contract advisory",
        (U, S),
        ("DES-CON-10",),
        True,
    ),
    (
        "SF-CON-17",
        "IF-004",
        "Comms hub details reach the data service after an installation",
        (S, A),
        ("DES-REG-08",),
        True,
    ),
    (
        "SF-SET-01",
        "IF-022",
        "Load shape period data published for a settlement day",
        (S, U),
        ("DES-SET-01",),
        True,
    ),
    (
        "SF-SET-02",
        "IF-023",
        "Load shape totals published and agree with the period data",
        (S, U),
        ("DES-SET-01",),
        True,
    ),
    (
        "SF-SET-03",
        "IF-040",
        "Supplier receives the consumption settlement calculated for its MPANs",
        (S,),
        ("DES-SET-03",),
        True,
    ),
    (
        "SF-SET-04",
        "IF-021",
        "Settlement takes the last valid consumption sent before the data deadline",
        (A, U),
        ("DES-SET-02",),
        True,
    ),
    (
        "SF-SET-05",
        "IF-047",
        "Participants are told a downloadable settlement asset is published",
        (S, A, U),
        ("DES-SET-04",),
        True,
    ),
    (
        "SF-DTN-01",
        "DTN",
        "Legacy appointment flow for an unmigrated MPAN still travels over the DTN",
        (D, S),
        ("DES-TRN-01",),
        True,
    ),
    (
        "SF-DTN-02",
        "DTN",
        "A migrated MPAN's last legacy flow reaches the new agent over the DTN",
        (D, A),
        ("DES-TRN-01",),
        True,
    ),
    (
        "SF-DTN-03",
        "DTN",
        "After a DTN gateway failover, queued flows are delivered in order",
        (D,),
        ("DES-TRN-01",),
        False,
    ),
    ("SF-DTN-04", "DTN", "DTN acknowledges a migrated flow to its sender", (D,), ("DES-TRN-01",), True),
]

#: Scripts edited after they were first issued: (code, day of the new version, change note). Executions
#: before that day pin the earlier version.
EDITED = [
    ("SF-CON-01", 8, "Use the Data Generator's day file for the MPAN under test"),
    ("SF-CON-01", 22, "Check the sender reference pattern in the DIP envelope"),
    ("SF-CON-04", 10, "Clock-change date moved to the spring change in the SIT calendar"),
    ("SF-REG-03", 14, "Added the duplicate-request case pending the design authority's ruling"),
    ("SF-CON-05", 9, "Inventory of 40 street lights instead of 12"),
    ("SF-SET-04", 18, "Data deadline stated in UTC"),
    ("SF-SET-04", 30, "Re-send after the deadline must be ignored by the settlement run"),
]

#: PIT: each participant's own environment, evidenced before SIT (TA-02, TA-08).
PIT_SCENARIOS = [
    ("PIT-01", "DIP", "Connect to the DIP and exchange certificates", ("DES-DIP-01", "DES-DIP-02")),
    ("PIT-02", "DIP", "Send and receive a test message through the DIP simulator", ("DES-DIP-01",)),
    (
        "PIT-03",
        "IF-021",
        "Process Data Generator consumption files in the participant's own system",
        ("DES-CON-01",),
    ),
    ("PIT-04", "IF-031", "Own-system appointment flow end to end against the simulator", ("DES-REG-01",)),
]


def steps_for(interface: str, title: str) -> list[dict]:
    """A plausible three-step script for a scenario."""
    what = f"the {interface} message" if interface.startswith("IF-") else "the flow"
    return [
        {
            "action": f"Prepare test data for: {title.lower()}",
            "expected": "Data set loaded; MPANs known to the registration service in the environment",
        },
        {
            "action": f"Send {what} through the DIP (or the DTN for legacy flows)",
            "expected": "Accepted with an acknowledgement; sender reference unique",
        },
        {
            "action": "Check the recipient's system and the DIP message log",
            "expected": "Delivered once, within 5 minutes, and processed without error",
        },
    ]


SI = "testmanager@si.example"
PM = "pm@mhhs-pmo.example"
DA = "da@mhhs-da.example"
OLIVIA = "supplier@brightwater.example"
NOAH = "supplier@kestrel.example"
HARRY = "agent@meterwise.example"
ZARA = "agent@halfhourdata.example"
