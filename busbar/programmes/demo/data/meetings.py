"""Meetings before and after TMAG #20, their agendas, minutes, actions and decisions."""

from __future__ import annotations

from busbar.programmes.demo.data.common import OLIVIA, PM, PPC, SECRETARIAT, SI, W

# -- meetings ----------------------------------------------------------------------------------------------

#: Meetings before TMAG #20, in date order: (group, number, day, extraordinary, document number or "",
#: standing items left out, topics [(title, objective, type, lead, minutes)], minutes). All held;
#: TMAG #18's minutes are approved at #19, PSG #31's at #32. TMAG topics go in before the summary.
HELD_MEETINGS = [
    (
        "PSG",
        31,
        W(-120),
        False,
        "",
        (),
        [
            (
                "CR001 Qualification window",
                "Recommend CR001 to the SRO after its impact assessment",
                "decision",
                "Programme (Marcus Reid)",
                20,
            ),
        ],
        "**Change requests.** The steering group reviewed the impact assessment of CR001 (Qualification "
        "window) and recommended it; the SRO approved it at the meeting, the regulator having agreed the "
        "move of M14.\n\n"
        "**Risks.** The group discussed the DCC release and SEC MP162; the programme keeps tracking it here.",
    ),
    (
        "TMAG",
        18,
        W(-35),
        False,
        "1102",
        (),
        [
            (
                "SIT approach proposal",
                "Agree how PIT evidence is given for each stage of SIT",
                "decision",
                "SI (Ben Foster)",
                15,
            ),
            (
                "Release Management and Configuration Approach",
                "Approve version 0.4",
                "decision",
                "SI (Ben Foster)",
                10,
            ),
            (
                "Qualification Approach and Plan",
                "Approve version 0.2",
                "decision",
                "Programme (QWG lead)",
                10,
            ),
            (
                "IPA Test Assurance for period P1",
                "Scope and terms of reference of the first testing assurance period",
                "information",
                "IPA (Hannah Doyle)",
                10,
            ),
        ],
        "**Minutes and actions.** Minutes of TMAG #17 approved. Open actions reviewed by exception.\n\n"
        "**SIT approach.** The programme set out options for phasing SIT; members agreed that PIT evidence "
        "is "
        "phased for each stage of SIT.\n\n"
        "**Release Management and Configuration Approach.** Approved at version 0.4.\n\n"
        "**Qualification Approach and Plan.** Approved at version 0.2; the code bodies' roles are agreed.\n\n"
        "**Qualification tranches.** A member asked how tranches are allocated and whether participants in "
        "late tranches can still migrate before M15 (action TMAG18-01).\n\n"
        "**IPA.** The IPA outlined the scope of its first testing assurance period (P1).",
    ),
    (
        "DAG",
        42,
        W(-28),
        False,
        "",
        (),
        [
            (
                "CR002 Large portfolio migration",
                "Review the first round of impact assessments",
                "decision",
                "Design Authority (Elaine Chu)",
                30,
            ),
            ("Interim release", "Change-marked design artefacts", "information", "Design Authority", 15),
        ],
        "**CR002.** The group discussed the first-round impact assessments of CR002 and asked the programme "
        "to "
        "amend it with the large supplier constituency's evidence and re-issue it for a further round before "
        "it returns for a recommendation.\n\n"
        "**Interim release.** Change-marked design artefacts issued; an assurance forum is planned before "
        "the "
        "next DAG.",
    ),
    (
        "CCAG",
        27,
        W(-24),
        False,
        "",
        (),
        [
            (
                "Code drafting tranche 1",
                "Accept the code drafting working group's recommendation",
                "decision",
                "Programme (Code lead)",
                20,
            ),
            (
                "Code change process map",
                "Accept the revised map",
                "decision",
                "Programme (Code lead)",
                10,
            ),
        ],
        "**Code drafting tranche 1.** The group accepted the code drafting working group's recommendation "
        "that "
        "tranche 1 is approved for publication, subject to change control.\n\n"
        "**Code change process map.** A revised map for external code changes that depend on the MHHS design "
        "was accepted; early dialogue and flexibility agreed.",
    ),
    (
        "TMAG",
        19,
        W(-21),
        True,
        "1140",
        ("Programme updates", "Working group report"),
        [
            (
                "Migration, Cutover and Data Strategy",
                "Approve version 1.0",
                "decision",
                "Programme (Migration lead)",
                30,
            ),
            (
                "Overarching Test Data Approach and Plan",
                "Review the comments received and agree the route to approval",
                "discussion",
                "SI (Ben Foster)",
                15,
            ),
        ],
        "Extraordinary meeting.\n\n"
        "**Minutes.** Minutes of TMAG #18 approved.\n\n"
        "**Migration, Cutover and Data Strategy.** Approved, subject to the open comments being addressed "
        "(decision recorded with conditions).\n\n"
        "**Overarching Test Data Approach and Plan.** Comments remain; the programme will respond and then "
        "ask "
        "constituency representatives for offline approval (TMAG19-03).\n\n"
        "**Qualification tranches.** Members asked that the risk on tranche allocation be public "
        "(TMAG19-01).",
    ),
    (
        "PSG",
        32,
        W(-14),
        False,
        "",
        (),
        [
            (
                "Customer segment reverse migration exclusion",
                "SRO decision on the MWG recommendation",
                "decision",
                "Programme (Migration lead)",
                15,
            ),
            (
                "Fast-track implementation process",
                "SRO decision on the process",
                "decision",
                "Design Authority",
                10,
            ),
        ],
        "**Minutes.** Minutes of PSG #31 approved.\n\n"
        "**Customer segment reverse migration exclusion.** The SRO approved the recommendation developed "
        "with "
        "MWG: complex sites and shared SVA sites are excluded from reverse migration.\n\n"
        "**Fast-track implementation.** The SRO approved a fast-track process for design updates that keeps "
        "participants' right to review and object.\n\n"
        "**Dashboard.** SIT Functional cohort 2 is amber; CR002 is in its second impact assessment round.",
    ),
]
#: (meeting whose minutes, meeting approving them)
MINUTES_APPROVED = [("TMAG18", "TMAG19"), ("PSG31", "PSG32")]

#: Working groups' meetings (GV-49): (group, last number, its day, its topics, next day, its topics). The
#: last is held; the next, planned, gives the "next meeting's agenda items" of TMAG #20's matrix.
WG_MEETINGS = [
    (
        "DWG",
        23,
        W(-20),
        [
            "Feedback on the Overarching Test Data Approach and Plan",
            "Export MPAN flags in the SIT-B data cut",
        ],
        W(8),
        ["Data Generator settings for SIT Migration"],
    ),
    (
        "MWG",
        31,
        W(-13),
        [
            "Migration thresholds and migration profile",
            "Data Cleanse Plan",
            "Large portfolio durations (CR002)",
        ],
        W(9),
        ["Tranche allocation and the migration profile"],
    ),
    ("EWG", 19, W(-14), ["Release management updates", "SIT-A reset schedule"], W(6), ["TBC"]),
    (
        "QWG",
        17,
        W(-22),
        [
            "Data cut for organisations with several MPIDs",
            "Qualification test data",
            "Placing reliance policy",
        ],
        W(7),
        ["Tranche allocation principles"],
    ),
    (
        "SITWG",
        26,
        W(-20),
        ["SIT phasing", "PIT guidance", "SIT participation", "Cohort 2 recovery plan"],
        W(21),
        ["SIT Migration Test Approach and Plan: comments (extraordinary, a week before TMAG)"],
    ),
    (
        "NFTWG",
        12,
        W(-30),
        ["DIP non-functional requirements", "Phased SIT / PIT entry option"],
        W(13),
        ["PIT requirements", "Verification of end-to-end non-functional requirements"],
    ),
]

#: Working group reports in TMAG #20's pack (GV-49): group, upcoming deliverables, summary of the last
#: meeting, escalations.
WG_REPORTS = [
    (
        "DWG",
        "Overarching Test Data Approach and Plan (to TMAG after offline approval)\nCorrected SIT-B data cut",
        "Reviewed the feedback on the Overarching Test Data Approach and Plan; agreed how export MPANs are "
        "flagged in the SIT-B data cut.",
        "None",
    ),
    (
        "MWG",
        "Data Cleanse Plan (next TMAG)\nMigration plan on a page (TMAG19-02)",
        "Discussed migration thresholds and the migration profile, the draft Data Cleanse Plan and the large "
        "supplier constituency's evidence on migration durations.",
        "None",
    ),
    (
        "EWG",
        "Environments Approach and Plan (final version to the next TMAG)",
        "Release management updates; SIT-A resets moved to 02:00 so that nightly runs are not interrupted.",
        "None",
    ),
    (
        "QWG",
        "Qualification Test Approach and Plan v1.0\nPlacing reliance policy",
        "Data cut for organisations with several MPIDs; Qualification test data; the placing reliance policy "
        "(high-level process for non-SIT participants).",
        "None",
    ),
    (
        "SITWG",
        "SIT Migration Test Approach and Plan (this TMAG)\nSIT Operational test scenarios",
        "SIT phasing options, PIT guidance, SIT participation and the cohort 2 recovery plan.",
        "None",
    ),
    (
        "NFTWG",
        "Verification of end-to-end non-functional requirements",
        "DIP non-functional requirements; the phased SIT / PIT entry option.",
        "None",
    ),
]

#: Actions (GV-28…GV-33): (meeting "TMAG18", description, owner slug, owner label, owner emails, due day,
#: [RAID keys], [(day, status or None, update text)], ratified at "TMAG19" or None).
ACTIONS = [
    (
        "TMAG18",
        "Programme to review the RAID risk on how Qualification tranches are allocated and whether "
        "suppliers in "
        "later tranches can still complete migration, and share the risk with TMAG members.",
        "mhhs-pmo",
        "Programme",
        [PM],
        W(0),
        ["late-tranches"],
        [
            (
                -5,
                "recommend_closed",
                "{late-tranches} is open in the programme RAID log: participants qualified late may not have "
                "enough time to migrate between M14 and M15. Shared with members in this pack.",
            )
        ],
        None,
    ),
    (
        "TMAG18",
        "Programme to answer the code body representative's question on DIP onboarding during the testing "
        "phase.",
        "mhhs-pmo",
        "Programme",
        [PM, SECRETARIAT],
        W(0),
        [],
        [
            (
                -11,
                "recommend_closed",
                "Answered by email; section 4 of the onboarding guide now covers testing.",
            )
        ],
        None,
    ),
    (
        "TMAG18",
        "Constituency representatives to ask their constituents whether a TMAG pre-meeting webinar would "
        "help "
        "them.",
        None,
        "TMAG members",
        [],
        W(-21),
        [],
        [
            (
                W(-23),
                "recommend_closed",
                "One response asked for a webinar; the programme assumes little appetite.",
            )
        ],
        "TMAG19",
    ),
    (
        "TMAG19",
        "Programme to make the RAID risk on the allocation of Qualification tranches public.",
        "mhhs-pmo",
        "Programme",
        [PPC, PM],
        W(0),
        ["large-portfolios"],
        [
            (
                W(-18),
                "recommend_closed",
                "{large-portfolios} is open in the programme RAID log: suppliers with large MPAN portfolios "
                "could land in late tranches under first come, first served and not migrate before M15. It "
                "is "
                "now public to every participant.",
            )
        ],
        None,
    ),
    (
        "TMAG19",
        "Programme to produce a plan on a page for the Migration deliverables, including lower-level "
        "artefacts.",
        "mhhs-pmo",
        "Programme",
        [PM],
        W(0),
        [],
        [
            (
                -7,
                None,
                "Dates are still being consolidated in the Data Cleanse Plan; the plan on a page follows "
                "once they "
                "are confirmed.",
            )
        ],
        None,
    ),
    (
        "TMAG19",
        "Programme to respond to participants' comments on the Overarching Test Data Approach and Plan, "
        "then ask "
        "constituency representatives for offline approval.",
        "systems-integrator",
        "SI",
        [SI],
        W(0),
        ["test-data-comments"],
        [
            (
                -10,
                "ongoing",
                "Responses to comments issued by the PPC team. Checking that no further comments have come "
                "in.",
            ),
            (
                -4,
                None,
                "Offline approval not sought yet while the document is revised ({test-data-comments}).",
            ),
        ],
        None,
    ),
    (
        "TMAG19",
        "Programme to produce a plan on a page for the Test Data deliverables, including lower-level "
        "artefacts.",
        "systems-integrator",
        "SI",
        [SI],
        W(0),
        [],
        [(-3, None, "Verbal update at TMAG #20.")],
        None,
    ),
    (
        "TMAG19",
        "Large supplier representative to share the constituency's evidence on migration durations for large "
        "portfolios with MWG.",
        "brightwater",
        "",
        [OLIVIA],
        W(14),
        ["large-portfolios"],
        [],
        None,
    ),
]

#: Decisions (GV-34): (meeting "TMAG18", agenda item title or None, title, outcome, decided by, document,
#: version, summary, conditions [(text, owner slug, due day, met day or None)]).
DECISIONS = [
    (
        "TMAG18",
        "Release Management and Configuration Approach",
        "Release Management and Configuration Approach",
        "approved",
        "TMAG",
        "Release Management and Configuration Approach",
        "0.4",
        "Approved as circulated.",
        [],
    ),
    (
        "TMAG18",
        "Qualification Approach and Plan",
        "Qualification Approach and Plan",
        "approved",
        "TMAG",
        "Qualification Approach and Plan",
        "0.2",
        "First version approved; it goes to each code body's performance assurance board next.",
        [],
    ),
    (
        "TMAG18",
        "SIT approach proposal",
        "Phasing of PIT evidence for SIT",
        "approved",
        "TMAG",
        "",
        "",
        "PIT evidence is phased for each stage of SIT rather than given once at SIT entry.",
        [],
    ),
    (
        "DAG42",
        "CR002 Large portfolio migration",
        "CR002 to be amended and re-issued for impact assessment",
        "deferred",
        "DAG",
        "",
        "",
        "Amend CR002 with the large supplier constituency's evidence and re-issue it to participants for a "
        "further round before it returns to DAG.",
        [],
    ),
    (
        "CCAG27",
        "Code drafting tranche 1",
        "Code drafting tranche 1",
        "approved",
        "CCAG",
        "Code drafting tranche 1 artefacts",
        "1.0",
        "Approved for publication and subject to change control; published on the collaboration base.",
        [],
    ),
    (
        "TMAG19",
        "Migration, Cutover and Data Strategy",
        "Migration, Cutover and Data Strategy",
        "approved_with_conditions",
        "TMAG",
        "Migration, Cutover and Data Strategy",
        "1.0",
        "Approved at the extraordinary TMAG, subject to the open comments being addressed.",
        [
            ("Address the open participant comments and publish the responses", "mhhs-pmo", W(0), None),
            ("Confirm the migration profile assumptions with MWG", "mhhs-pmo", W(-7), -3),
        ],
    ),
    (
        "PSG32",
        "Customer segment reverse migration exclusion",
        "Customer segment reverse migration exclusion",
        "approved",
        "Programme SRO",
        "",
        "",
        "Complex sites and shared SVA sites are excluded from reverse migration; consumer impact is thought "
        "minimal and the excluded sites migrate after M14.",
        [],
    ),
    (
        "PSG32",
        "Fast-track implementation process",
        "Fast-track implementation process",
        "approved",
        "Programme SRO",
        "Fast Track Implementation Group terms of reference",
        "1.0",
        "Design updates can be released faster while participants keep the right to review, input and "
        "object.",
        [],
    ),
]

#: TMAG #20 (planned, W): its document number, the objective of a standing item it words its own way, and
#: its topics between the standing items (GV-46, GV-47): (title, objective, type, lead, minutes). Each item's
#: time slot follows from the durations (10:00 onwards; 0 minutes: taken as read).
TMAG20_DOCUMENT = "1187"
TMAG20_OBJECTIVES = {
    "Minutes and actions": "Approve the minutes of TMAG #18 and the extraordinary TMAG #19. Update on open "
    "actions, closing where appropriate",
}
TMAG20_TOPICS = [
    (
        "SIT Migration Test Approach and Plan",
        "Approve version 1.0 of the SIT Migration Test Approach and Plan after its 10-day consultation and "
        "5-day assurance period",
        "decision",
        "SI (Ben Foster)",
        15,
    ),
    (
        "SIT Operational test scenarios",
        "Verbal update on the SIT Operational test scenarios",
        "information",
        "SI (Ben Foster)",
        5,
    ),
    (
        "Overarching Test Data Approach and Plan",
        "Update on responses to comments and the route to approval",
        "information",
        "SI (Ben Foster)",
        5,
    ),
    (
        "Data Cleanse Plan",
        "Review the draft Data Cleanse Plan before it is issued for consultation",
        "discussion",
        "Programme (Migration lead)",
        10,
    ),
    (
        "Qualification update",
        "Tranche allocation principles and the placing reliance policy",
        "information",
        "Programme (QWG lead)",
        5,
    ),
    (
        "IPA Test Assurance for period P1",
        "Interim update on the independent test assurance of period P1",
        "information",
        "IPA (Hannah Doyle)",
        10,
    ),
]

#: Later TMAGs for the agenda roadmap (GV-47): (weeks after #20, topics [(title, objective, type)]).
ROADMAP = [
    (
        4,
        [
            ("Data Cleanse Plan", "Approve the Data Cleanse Plan", "decision"),
            ("Environments Approach and Plan", "Approve the final version", "decision"),
            ("SIT Functional exit approach", "Discuss the exit criteria for cohort 2", "discussion"),
        ],
    ),
    (
        8,
        [
            ("SIT Migration readiness", "Readiness of SIT-B for migration testing", "information"),
            ("Qualification tranche allocation", "Agree the tranche allocation principles", "decision"),
        ],
    ),
]
