"""The migration demo as data: who qualifies where, what each supplier holds and plans, the thresholds and
the cleanse work. Days are offsets from the day the demo loads (``T``), so the demo always looks live.

Volumes are for the full demo ledger of 2,000,000 MPANs; a smaller ledger (``BUSBAR_DEMO_MPANS``) scales
every portfolio, plan and threshold by the same factor."""

from __future__ import annotations

from busbar.migration.models import EntrantKind, PlanStatus, QualificationStatus, Segment
from busbar.parties.models import IndustryRole as R

#: The full demo ledger: MPANs (the five suppliers' portfolios add up to this).
FULL = 2_000_000
DEFAULT_MPANS = FULL
MIN_MPANS, MAX_MPANS = 1_000, 30_000_000

SI = "testmanager@si.example"
ASSURER = "assurer@keystone.example"

#: Code bodies (QM-03, QM-08): (name as an organisation, slug, code body name, person, person's name).
CODE_BODIES = [
    ("Elexon", "elexon", "Elexon (BSC)", "qualification@elexon.example", "Nadia Brooks"),
    ("RECCo", "recco", "RECCo (REC)", "qualification@recco.example", "Iain McLeod"),
    ("SECAS", "secas", "SECAS (SEC)", "qualification@secas.example", "Priya Nair"),
]

#: Organisations the demo needs that an earlier demo may not have made (the testing demo's agents).
AGENT_ORGANISATIONS = [
    ("Pennine Metering Services", "pennine-metering", [R.SUPPLIER_AGENT], [("mpid", "PNMS")]),
    ("Solent Data Services", "solent-data", [R.SUPPLIER_AGENT], [("mpid", "SLDS")]),
    ("Lamplight Unmetered Services", "lamplight-ums", [R.SUPPLIER_AGENT], [("mpid", "LMPU")]),
    ("Streetwise UMS", "streetwise-ums", [R.SUPPLIER_AGENT], [("mpid", "STWU")]),
    ("Beacon Unmetered Data", "beacon-unmetered", [R.SUPPLIER_AGENT], [("mpid", "BCNU")]),
]

#: The qualification window: opens 230 days ago, 12 months long; tranches (number, first day, last day —
#: None: the window's last day) and each code body's capacity in it (slug -> participants).
WINDOW_OPENS = -230
RISK_CUTOFF = 45  # the end of tranche 2: a supplier qualifying in tranche 3 finishes after it (R525)
TRANCHES = [
    (1, -230, -111, 4, {"elexon": 2, "recco": 1, "secas": 1}),
    (2, -110, 45, 0, {"elexon": 4, "recco": 2, "secas": 2}),
    (3, 46, None, 0, {"elexon": 4, "recco": 2, "secas": 2}),
]

S, A, N, U = Segment.SMART, Segment.ADVANCED, Segment.NON_SMART, Segment.UNMETERED
Q = QualificationStatus

#: The five suppliers: slug -> portfolio per segment (full demo), who their agents are per segment
#: ({segment: [(agent slug, share)]}), how far their actual migration keeps to plan (past days only).
SUPPLIERS = {
    # The large supplier representative: an early adopter, live since M11, a little behind plan.
    "brightwater": {
        "portfolio": {S: 300_000, N: 140_000, A: 25_000, U: 15_000},
        "agents": {
            S: [("meterwise", 1.0)],
            N: [("meterwise", 1.0)],
            A: [("meterwise", 1.0)],
            U: [("lamplight-ums", 1.0)],
        },
        "pace": 0.96,
    },
    # An industrial and commercial supplier (many Advanced MPANs), exempt through SIT, well behind plan.
    "kestrel": {
        "portfolio": {S: 110_000, N: 70_000, A: 75_000, U: 5_000},
        "agents": {
            S: [("halfhour-data", 1.0)],
            N: [("halfhour-data", 1.0)],
            A: [("halfhour-data", 1.0)],
            U: [("streetwise-ums", 1.0)],
        },
        "pace": 0.84,
    },
    # A smart-first challenger, qualified in tranche 2, migrating for three weeks.
    "northern-lights": {
        "portfolio": {S: 150_000, N: 15_000, A: 3_000, U: 2_000},
        "agents": {
            S: [("solent-data", 1.0)],
            N: [("solent-data", 1.0)],
            A: [("solent-data", 1.0)],
            U: [("beacon-unmetered", 1.0)],
        },
        "pace": 1.0,
    },
    # A small rural supplier with many old non-smart meters, still qualifying.
    "greenfield": {
        "portfolio": {S: 25_000, N: 58_000, A: 2_000, U: 5_000},
        "agents": {
            S: [("pennine-metering", 1.0)],
            N: [("pennine-metering", 1.0)],
            A: [("pennine-metering", 1.0)],
            U: [("beacon-unmetered", 1.0)],
        },
        "pace": 1.0,
    },
    # The large portfolio that is ready late (R525): a million MPANs, not yet qualified.
    "harbour": {
        "portfolio": {S: 640_000, N: 330_000, A: 18_000, U: 12_000},
        "agents": {
            S: [("solent-data", 0.6), ("meterwise", 0.4)],
            N: [("solent-data", 0.6), ("meterwise", 0.4)],
            A: [("meterwise", 1.0)],
            U: [("streetwise-ums", 1.0)],
        },
        "pace": 1.0,
    },
}

#: Migration plans: supplier -> (first day, last day) per segment group ("early": Advanced and Unmetered
#: from M11, "late": Smart and Non-smart from M12; a number: days from today; "M11"/"M12"/"M15" a
#: milestone plus days), the status and the version of the plan.
PLANS = {
    "brightwater": {
        "early": (("M11", 0), 100),
        "late": (("M12", 0), 110),
        "status": PlanStatus.ACCEPTED,
        "version": 2,
    },
    "kestrel": {
        "early": (("M11", 7), 90),
        "late": (("M12", 7), 140),
        "status": PlanStatus.ACCEPTED,
        "version": 1,
    },
    "northern-lights": {"early": -20, "late": -20, "end": 200, "status": PlanStatus.ACCEPTED, "version": 1},
    "greenfield": {"early": 60, "late": 60, "end": 260, "status": PlanStatus.SUBMITTED, "version": 1},
    "harbour": {"early": 150, "late": 150, "end": ("M15", 0), "status": PlanStatus.SUBMITTED, "version": 1},
}

#: Segment windows relative to today when the programme's plan has no milestones that fit a migration in
#: progress: M11 (Advanced and Unmetered open), M12 (Smart and Non-smart open), M14, M15.
M11, M12, M14, M15 = -183, -153, 120, 300
#: The Unmetered segment's reverse migration closed early (UMS inventories migrate as one block), so a
#: reverse of an Unmetered MPAN today is refused and opens a "reverse migration after M14" exception.
UNMETERED_REVERSE_UNTIL = -14
#: ...and its window closed six days ago: UMS inventories migrate as one block, early. Its cut-over is
#: taken by the demo (the worker's scan would take it the day after): the MPANs still scheduled then are
#: in flight at cut-over; the Unmetered MPANs of the late suppliers (plans after the close) not migrated.
UNMETERED_CLOSES = -6

#: Entrants: (organisation slug, kind, code body slug, market role, ready (days), status, tranche number,
#: qualified (days), systems live (days), E2E required, E2E completed (days), live (days), agents, notes).
ENTRANTS = [
    (
        "brightwater",
        EntrantKind.SUPPLIER,
        "elexon",
        "Supplier",
        -235,
        Q.LIVE,
        1,
        -200,
        -190,
        False,
        None,
        -183,
        ["meterwise", "lamplight-ums"],
        "Early adopter: live at M11.",
    ),
    (
        "kestrel",
        EntrantKind.SUPPLIER,
        "elexon",
        "Supplier",
        -240,
        Q.NEEDS,
        None,
        None,
        -186,
        False,
        None,
        None,
        ["halfhour-data", "streetwise-ums"],
        "Completed SIT Functional in cohort 1: exempt from qualification.",
    ),
    (
        "northern-lights",
        EntrantKind.SUPPLIER,
        "elexon",
        "Supplier",
        -115,
        Q.QUALIFIED,
        2,
        -35,
        -22,
        True,
        -25,
        None,
        ["solent-data", "beacon-unmetered"],
        "",
    ),
    (
        "greenfield",
        EntrantKind.SUPPLIER,
        "elexon",
        "Supplier",
        -115,
        Q.QUALIFYING,
        2,
        None,
        None,
        True,
        None,
        None,
        ["pennine-metering", "beacon-unmetered"],
        "Qualification testing: two retests of the non-smart flows.",
    ),
    (
        "harbour",
        EntrantKind.SUPPLIER,
        "elexon",
        "Supplier",
        -112,
        Q.NEEDS,
        None,
        None,
        None,
        True,
        None,
        None,
        ["solent-data", "meterwise", "streetwise-ums"],
        "Ready late: its new settlement systems came in last.",
    ),
    (
        "meterwise",
        EntrantKind.AGENT,
        "recco",
        "Advanced and smart metering service (MSS)",
        -232,
        Q.QUALIFIED,
        1,
        -170,
        None,
        False,
        None,
        None,
        [],
        "",
    ),
    (
        "halfhour-data",
        EntrantKind.AGENT,
        "secas",
        "Smart data service (SDS)",
        -232,
        Q.QUALIFIED,
        1,
        -160,
        None,
        False,
        None,
        None,
        [],
        "",
    ),
    (
        "lamplight-ums",
        EntrantKind.AGENT,
        "elexon",
        "Unmetered supplies data service (UMSDS)",
        -231,
        Q.QUALIFYING,
        1,
        None,
        None,
        False,
        None,
        None,
        [],
        "Still testing: a retest of the inventory flow after a defect.",
    ),
    (
        "pennine-metering",
        EntrantKind.AGENT,
        "recco",
        "Metering service (MS)",
        -113,
        Q.QUALIFYING,
        2,
        None,
        None,
        False,
        None,
        None,
        [],
        "",
    ),
    (
        "solent-data",
        EntrantKind.AGENT,
        "secas",
        "Advanced data service (ADS)",
        -114,
        Q.QUALIFIED,
        2,
        -40,
        None,
        False,
        None,
        None,
        [],
        "",
    ),
    (
        "streetwise-ums",
        EntrantKind.AGENT,
        "elexon",
        "Unmetered supplies data service (UMSDS)",
        -140,
        Q.NEEDS,
        None,
        None,
        None,
        False,
        None,
        None,
        [],
        "",
    ),
    (
        "beacon-unmetered",
        EntrantKind.AGENT,
        "elexon",
        "Unmetered supplies data service (UMSDS)",
        -125,
        Q.NEEDS,
        None,
        None,
        None,
        False,
        None,
        None,
        [],
        "",
    ),
]
KESTREL_SIT_COMPLETED = -260
KESTREL_EXEMPTION_CONFIRMED = -225
ALLOCATED_ON = -108
ALLOCATION_RATIONALE = (
    "First come, first served for the participants not yet placed: tranche 2 is filling and the code "
    "bodies asked for no change of policy before the window's mid-point review."
)

#: Cleanse categories (QM-19, QM-26): (name, description).
CLEANSE_CATEGORIES = [
    ("Agent appointments", "MPANs whose agent appointment at the registration service is missing or wrong"),
    ("Address mismatches", "MPANs whose address differs from the ECOES record"),
    ("Meter technical details", "Meter technical details incomplete or inconsistent"),
    ("Unmetered inventories", "Unmetered inventories not reconciled with the charge codes"),
]
#: (supplier, category, baseline, outstanding now, weekly fall (share), targets ((days, outstanding max)…),
#: note). One is off track: Harbour's address mismatches barely move while the target falls.
CLEANSE = [
    ("brightwater", "Agent appointments", 12_400, 1_150, 0.16, ((30, 800), (M14, 0)), ""),
    ("brightwater", "Unmetered inventories", 620, 40, 0.2, ((14, 0),), ""),
    ("kestrel", "Meter technical details", 8_900, 2_300, 0.12, ((60, 1_000), (M14, 0)), ""),
    ("northern-lights", "Address mismatches", 3_100, 640, 0.14, ((45, 200), (M14, 0)), ""),
    ("greenfield", "Meter technical details", 4_800, 3_100, 0.05, ((90, 1_500), (M14, 0)), ""),
    (
        "harbour",
        "Address mismatches",
        41_000,
        38_600,
        0.006,
        ((14, 25_000), (60, 10_000), (M14, 0)),
        "Off track: the address matching tool is still being procured.",
    ),
    ("harbour", "Agent appointments", 22_000, 15_500, 0.03, ((60, 9_000), (M14, 0)), ""),
]

#: Demo logins printed with the summary: (email, what to try).
LOGINS = [
    (SI, "SI test manager: compare the tranching policies, commit one, thresholds, plans, exceptions"),
    (ASSURER, "assurer: reads everything, changes nothing"),
    ("qualification@elexon.example", "Elexon (BSC) code body: its entrants and tranches"),
    ("supplier@brightwater.example", "Brightwater: its tranche, plans, MPANs; upload a daily file"),
    (
        "mprs@easterndn.example",
        "Eastern DNO (distributor 10): its area's MPANs and load (cap breached tomorrow)",
    ),
    ("agent@meterwise.example", "Meterwise (agent): the MPANs it is appointed to"),
]
