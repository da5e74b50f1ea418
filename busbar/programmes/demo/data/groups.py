"""The governance groups (GV-50) and their members; working groups under TMAG (GV-49)."""

from __future__ import annotations

# -- groups --------------------------------------------------------------------------------------------------

#: TMAG's standing items (GV-48), one a line: ``Item | Objective | Type | Lead | minutes``. Every new TMAG
#: agenda starts with them; the topics go in before the summary.
STANDING_TMAG = "\n".join(
    [
        "Welcome | | information | Chair | 5",
        "Minutes and actions | Approve minutes. Update on open actions, closing where appropriate | "
        "decision | "
        "Chair and Secretariat | 5",
        "Programme updates | Provide updates from L2/3 governance groups and wider programme activity | "
        "information | Programme (PMO) | 0",
        "Working group report | Provide updates from the DWG, MWG, EWG, QWG, SITWG and NFTWG | information | "
        "Working group leads | 0",
        "Summary and next steps | Summarise actions and decisions; date of the next TMAG and the agenda "
        "roadmap "
        "| information | Chair and Secretariat | 5",
    ]
)

#: (code, name, kind, parent, purpose, standing items, members: [(slug, role, constituency)])
GROUPS = [
    (
        "PSG",
        "Programme Steering Group",
        "steering",
        None,
        "Steers the programme for the SRO: plan, replan and baseline decisions, escalated risks and issues, "
        "change requests that move Level 1 milestones.",
        "Minutes and actions review | | decision | Chair | 10\n"
        "Programme dashboard | Progress, risks and issues | information | Programme (PMO) | 15\n"
        "Escalations from TMAG, DAG and CCAG | | discussion | Chair | 10",
        [
            ("mhhs-pmo", "Chair (SRO's office)", ""),
            ("systems-integrator", "Systems integrator", ""),
            ("keystone-assurance", "Independent assurance (observer)", ""),
            ("brightwater", "Constituency representative", "Large suppliers"),
            ("thistle", "Constituency representative", "Small suppliers"),
            ("eastern-dn", "Constituency representative", "DNOs"),
            ("meterwise", "Constituency representative", "Supplier agents"),
            ("dcc", "Constituency representative", "Central parties"),
            ("settlement-code", "Code body", "Code bodies"),
        ],
    ),
    (
        "TMAG",
        "Testing and Migration Advisory Group",
        "advisory",
        None,
        "Advises on the testing, qualification and migration approach and plans; approves their documents.",
        STANDING_TMAG,
        [
            ("mhhs-pmo", "Chair and Secretariat", ""),
            ("systems-integrator", "Testing lead", ""),
            ("keystone-assurance", "Independent assurance (IPA)", ""),
            ("brightwater", "Constituency representative", "Large suppliers"),
            ("northern-lights", "Constituency representative", "Large suppliers"),
            ("thistle", "Constituency representative", "Small suppliers"),
            ("copperleaf", "Constituency representative", "I&C suppliers"),
            ("eastern-dn", "Constituency representative", "DNOs"),
            ("fenland-idno", "Constituency representative", "iDNOs"),
            ("meterwise", "Constituency representative", "Supplier agents"),
            ("lamplight-ums", "Constituency representative", "Unmetered supplies agents"),
            ("electralink", "Constituency representative", "Central parties"),
            ("settlement-code", "Code body", "Code bodies"),
        ],
    ),
    (
        "DAG",
        "Design Advisory Group",
        "advisory",
        None,
        "Advises on the design baseline, design change requests and the design risks in the RAID log.",
        "Minutes and actions review | | decision | Chair | 10\n"
        "Design RAID review | Review the design risks in the RAID log | discussion | Design Authority | 15",
        [
            ("mhhs-da", "Chair", ""),
            ("mhhs-pmo", "Secretariat", ""),
            ("systems-integrator", "Systems integrator", ""),
            ("riverside", "Constituency representative", "Large suppliers"),
            ("daybreak", "Constituency representative", "Small suppliers"),
            ("westcountry-en", "Constituency representative", "DNOs"),
            ("halfhour-data", "Constituency representative", "Supplier agents"),
            ("css-provider", "Constituency representative", "Central parties"),
        ],
    ),
    (
        "CCAG",
        "Cross Code Advisory Group",
        "advisory",
        None,
        "Advises on code drafting and the code changes MHHS depends on (horizon scanning log).",
        "Minutes and actions review | | decision | Chair | 10\n"
        "Horizon scanning log | | information | Programme (Code lead) | 10\n"
        "Code drafting plan | | information | Programme (Code lead) | 10",
        [
            ("mhhs-pmo", "Chair and Secretariat", ""),
            ("settlement-code", "Code body", "BSC"),
            ("retail-code", "Code body", "REC"),
            ("smart-code", "Code body", "SEC"),
            ("greenfield", "Constituency representative", "Medium suppliers"),
            ("northern-dn", "Constituency representative", "DNOs"),
        ],
    ),
    (
        "DWG",
        "Data Working Group",
        "working",
        "TMAG",
        "Test data approach, data cuts and the Data Generator.",
        "",
        [
            ("systems-integrator", "Lead", ""),
            ("northern-dn", "Member", ""),
            ("kestrel", "Member", ""),
            ("solent-data", "Member", ""),
        ],
    ),
    (
        "MWG",
        "Migration Working Group",
        "working",
        "TMAG",
        "Migration approach, thresholds and profile, data cleansing, cutover.",
        "",
        [
            ("mhhs-pmo", "Lead", ""),
            ("brightwater", "Member", ""),
            ("riverside", "Member", ""),
            ("eastern-dn", "Member", ""),
            ("meterwise", "Member", ""),
        ],
    ),
    (
        "EWG",
        "Environments and Configuration Management Working Group",
        "working",
        "TMAG",
        "Test environments, release management and configuration.",
        "",
        [("systems-integrator", "Lead", ""), ("electralink", "Member", ""), ("greenfield", "Member", "")],
    ),
    (
        "QWG",
        "Qualification and E2E Sandbox Working Group",
        "working",
        "TMAG",
        "Qualification approach, tranches, placing reliance on SIT, the E2E sandbox.",
        "",
        [
            ("mhhs-pmo", "Lead", ""),
            ("settlement-code", "Member", ""),
            ("retail-code", "Member", ""),
            ("harbour", "Member", ""),
            ("thistle", "Member", ""),
        ],
    ),
    (
        "SITWG",
        "Systems Integration Test Working Group",
        "working",
        "TMAG",
        "SIT approach and plans, scenarios, phasing and participation.",
        "",
        [
            ("systems-integrator", "Lead", ""),
            ("brightwater", "Member", ""),
            ("kestrel", "Member", ""),
            ("lamplight-ums", "Member", ""),
            ("eastern-dn", "Member", ""),
        ],
    ),
    (
        "NFTWG",
        "Non-Functional Testing Working Group",
        "working",
        "TMAG",
        "Non-functional requirements and their verification end to end.",
        "",
        [("systems-integrator", "Lead", ""), ("electralink", "Member", ""), ("dcc", "Member", "")],
    ),
]
