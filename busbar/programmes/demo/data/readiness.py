"""Readiness assessment RA5 (open, eight participants' answers) and the drafts after it."""

from __future__ import annotations

from busbar.programmes.demo.data.common import (
    ETHAN,
    GRACE,
    HARRY,
    ISLA,
    LEAH,
    NOAH,
    OLIVIA,
    ZARA,
    D,
)

# -- readiness assessment RA5 --------------------------------------------------------------------------------

RA5 = ("RA5", "Design & Build Checkpoint 2", D(2024, 5, 8), D(2024, 8, 7))
RA5_DESCRIPTION = (
    "The second design and build checkpoint: every participant's view of its readiness for its next test "
    "stage and for migration. Answer for your organisation; give evidence where asked. The programme scores "
    "each answer and follows up amber and red ones."
)
#: Later assessments prepared as drafts: (code, name, opens, closes (plan dates), milestone, questions as
#: :data:`RA5_QUESTIONS`).
RA_LATER = [
    (
        "RA6",
        "Start of Qualification",
        D(2024, 10, 14),
        D(2025, 1, 13),
        "CP4",
        [
            (
                "Testing",
                "Is your PIT complete, with its completion report approved?",
                "yes_no",
                True,
                "Non-SIT participants: the PIT that is the entry condition of Qualification.",
            ),
            ("Qualification", "Which Qualification tranche do you ask for, and why?", "text", False, ""),
            (
                "Onboarding",
                "How confident are you of completing DIP onboarding before your tranche?",
                "rag",
                False,
                "",
            ),
        ],
    ),
    (
        "RA7",
        "Start of Migration",
        D(2025, 4, 16),
        D(2025, 7, 16),
        "M11",
        [
            ("Migration", "Is your migration plan approved by your board?", "yes_no", True, ""),
            ("Migration", "When will your first MPANs be ready to migrate?", "date", False, ""),
            (
                "Data",
                "How far has your data cleansing gone?",
                "rag",
                True,
                "Give your latest data quality report.",
            ),
        ],
    ),
]

#: (area, text, answer kind, evidence required, guidance)
RA5_QUESTIONS = [
    (
        "Design",
        "Have you assessed the impact of the latest design release, including the interim release changes, "
        "on "
        "your systems and processes?",
        "yes_no",
        False,
        "Yes only if the assessment is complete and signed off.",
    ),
    (
        "Build",
        "How confident are you that the build of your core systems will be complete for your next test "
        "stage?",
        "rag",
        False,
        "Green: on plan. Amber: recoverable slippage. Red: at risk without help.",
    ),
    (
        "Testing",
        "What is the status of your Pre-Integration Testing?",
        "rag",
        True,
        "Give your PIT completion report, or your PIT plan if not complete.",
    ),
    ("Testing", "When do you plan to enter SIT or Qualification testing?", "date", False, ""),
    ("Data", "Have you started cleansing the data of the MPANs you will migrate?", "yes_no", False, ""),
    (
        "Resources",
        "Do you have the people and budget you need to reach M14?",
        "rag",
        False,
        "Include third parties and vendors you depend on.",
    ),
    (
        "Migration",
        "Which Qualification tranche and segments do you expect, and what are your main migration risks?",
        "text",
        False,
        "",
    ),
    (
        "Business change",
        "How ready are your business processes and operational teams for the new arrangements?",
        "rag",
        True,
        "Describe your business change plan and where it stands.",
    ),
]

#: Answers of eight participants: (organisation slug, author email, submitted?, day (from W), answers
#: [(value, comment)] per question, scores [(question number, RAG, note)], overall (RAG, comment) or None).
RA5_RESPONSES = [
    (
        "brightwater",
        OLIVIA,
        True,
        -16,
        [
            ("yes", "Impact assessment IA-0412 signed off by our design authority."),
            ("green", ""),
            ("green", "PIT completion report v1.2 approved by the SI; evidence pack PIT-BW-07."),
            ("{plan:2024-04-15}", "In SIT Functional, cohort 1."),
            ("yes", "Cleansing started on the advanced portfolio; smart follows."),
            ("amber", "Migration tooling depends on a vendor release (our private RAID risk)."),
            ("Tranche 1 (exempt through SIT); all four segments. Main risk: time to migrate 1.9m MPANs.", ""),
            ("amber", "Business change plan v3: process design done, training plan in draft."),
        ],
        [
            (1, "green", ""),
            (2, "green", ""),
            (3, "green", "PIT report checked against the exit criteria"),
            (4, "green", ""),
            (5, "green", ""),
            (6, "amber", "Vendor dependency: see the private RAID risk"),
            (7, "amber", "Large portfolio: follow CR002"),
            (8, "amber", "Training plan still draft"),
        ],
        ("amber", "On track for SIT; business change and vendor dependency to watch."),
    ),
    (
        "kestrel",
        NOAH,
        True,
        -15,
        [
            ("yes", ""),
            ("green", "Nightly regression from CI."),
            ("green", "PIT completion report approved; JUnit exports attached to SIT executions."),
            ("{plan:2024-04-15}", "In SIT Functional, cohort 1."),
            ("yes", ""),
            ("green", ""),
            ("Tranche 1 (exempt through SIT); smart and non-smart.", ""),
            ("amber", "Process redesign forecast a month late; see our subsidiary plan."),
        ],
        [
            (1, "green", ""),
            (2, "green", ""),
            (3, "green", ""),
            (4, "green", ""),
            (5, "green", ""),
            (6, "green", ""),
            (7, "green", ""),
            (8, "amber", "Business change a month late"),
        ],
        ("green", ""),
    ),
    (
        "northern-lights",
        ISLA,
        True,
        -12,
        [
            ("yes", ""),
            ("amber", "Settlement engine build two sprints behind."),
            ("green", "PIT report approved."),
            ("{plan:2024-04-22}", "Cohort 2."),
            ("no", "Starts after SIT Functional."),
            ("amber", ""),
            ("Tranche 1; all segments. Risk: cohort 2 delay compresses our migration preparation.", ""),
            ("amber", ""),
        ],
        [(2, "amber", "Two sprints behind"), (5, "red", "No cleansing yet")],
        None,
    ),
    (
        "greenfield",
        ETHAN,
        True,
        -11,
        [
            ("yes", ""),
            ("green", ""),
            ("green", "PIT evidence pack GF-PIT-3."),
            ("{plan:2024-04-22}", ""),
            ("yes", ""),
            ("green", ""),
            ("Tranche 1; advanced and smart.", ""),
            ("green", "Operational readiness reviewed by our internal audit in May."),
        ],
        [
            (1, "green", ""),
            (2, "green", ""),
            (3, "green", ""),
            (4, "green", ""),
            (5, "green", ""),
            (6, "green", ""),
            (7, "green", ""),
            (8, "green", ""),
        ],
        None,
    ),
    (
        "riverside",
        LEAH,
        True,
        -9,
        [
            ("yes", ""),
            ("amber", "Core systems vendor delivering in three drops; drop 2 late."),
            ("amber", "PIT plan attached; execution starts next month."),
            ("{plan:2025-02-03}", "Qualification, expected tranche 2."),
            ("yes", "Data quality baseline done on 2.3m MPANs."),
            ("amber", ""),
            ("Tranche 2 or 3; all segments. Main risk: a late tranche for a large portfolio (CR002).", ""),
            ("amber", ""),
        ],
        [(3, "amber", "PIT not started"), (7, "amber", "Large portfolio in a late tranche")],
        None,
    ),
    (
        "meterwise",
        HARRY,
        True,
        -8,
        [
            ("yes", ""),
            ("green", ""),
            ("green", "PIT complete; report approved."),
            ("{plan:2024-04-15}", ""),
            ("yes", ""),
            ("green", ""),
            ("Agent: follows our suppliers' tranches.", ""),
            ("green", ""),
        ],
        [
            (1, "green", ""),
            (2, "green", ""),
            (3, "green", ""),
            (4, "green", ""),
            (5, "green", ""),
            (6, "green", ""),
            (7, "green", ""),
            (8, "green", ""),
        ],
        None,
    ),
    (
        "halfhour-data",
        ZARA,
        True,
        -6,
        [
            ("yes", ""),
            ("green", ""),
            ("amber", "PIT report approved with one exception on clock-change days."),
            ("{plan:2024-04-15}", ""),
            ("yes", ""),
            ("amber", "Recruiting two testers."),
            ("Agent: follows our suppliers' tranches.", ""),
            ("amber", ""),
        ],
        [],
        None,
    ),
    (
        "harbour",
        GRACE,
        False,
        -3,
        [
            ("yes", ""),
            ("red", "Vendor release moved five weeks."),
            ("amber", "PIT complete late; report approved."),
            ("{plan:2024-04-26}", "Entered SIT in the grace period."),
            ("no", ""),
            ("red", "Recovery options with the PPC."),
            ("", ""),
            ("", ""),
        ],
        [],
        None,
    ),
]
#: When the PPC chased those who had not responded (story day).
RA5_CHASE = -5
