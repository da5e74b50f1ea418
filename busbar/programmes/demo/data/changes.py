"""The two programme change requests and their impact assessments."""

from __future__ import annotations

from busbar.programmes.demo.data.common import ETHAN, GRACE, ISLA, LEAH, NOAH, OLIVIA, PM, RORY, VICTOR, D, W

# -- change requests -----------------------------------------------------------------------------------------

#: (key, raiser email, title, description, reason, criticality, needed by (day), moves {code: plan date}).
CHANGE_REQUESTS = [
    (
        "cr001",
        PM,
        "Qualification window: move Control Point 4 and M14 by four weeks",
        "Extend the Qualification window by four weeks so that a third tranche can complete, moving Control "
        "Point 4 (End of Qualification) and M14 with it. No other milestone moves.",
        "The code bodies' capacity model shows three tranches fit only with four more weeks "
        "({code-capacity} in the programme RAID log).",
        "high",
        W(-110),
        {"CP4": D(2026, 4, 28), "M14": D(2026, 4, 28)},
    ),
    (
        "cr002",
        OLIVIA,
        "Large portfolio migration: move M14, M15, CP5 and M16",
        "Give suppliers with large MPAN portfolios time to qualify and migrate: M14 four weeks later, M15, "
        "Control Point 5 and M16 six weeks later.",
        "Raised for the large supplier constituency: under first come, first served, large portfolios may "
        "land "
        "in late tranches and then cannot migrate before M15.",
        "high",
        W(30),
        {"M14": D(2026, 5, 26), "M15": D(2026, 12, 11), "CP5": D(2027, 1, 25), "M16": D(2027, 2, 11)},
    ),
]

#: CR001: raised, issued, responses closed, approved at PSG #31 (story days).
CR001_DAYS = {"raise": W(-150), "issue": W(-147), "close": W(-130), "approve": W(-120)}
REGULATOR_APPROVAL = "Ofgem agreed the move of the Level 1 milestone M14 before PSG #31 (letter to the SRO)."
#: CR002: raised, issued (round 1), responses closed; re-issued after DAG #42, working days before today.
CR002_DAYS = {"raise": W(-70), "issue": W(-66), "close": W(-48)}
CR002_REISSUE_WORKING_DAYS_AGO = 7

#: Impact assessment responses: (CR key, round, organisation slug, author email, day (or working days
#: after the re-issue for round 2), impact, position, response, cost or effort).
CR_RESPONSES = [
    (
        "cr001",
        1,
        "brightwater",
        OLIVIA,
        W(-145),
        "medium",
        "support",
        "Four more weeks lets us take tranche 2 comfortably; no cost to us.",
        "",
    ),
    ("cr001", 1, "kestrel", NOAH, W(-144), "low", "support", "No impact on our plan.", ""),
    (
        "cr001",
        1,
        "northern-lights",
        ISLA,
        W(-140),
        "medium",
        "neutral",
        "We would rather keep M14 but see the capacity case.",
        "",
    ),
    ("cr001", 1, "greenfield", ETHAN, W(-139), "low", "support", "Supports the capacity case.", ""),
    (
        "cr001",
        1,
        "harbour",
        GRACE,
        W(-138),
        "high",
        "support",
        "Without the extra weeks we cannot qualify in time.",
        "Avoids an estimated 30 person-days of rework",
    ),
    (
        "cr001",
        1,
        "riverside",
        LEAH,
        W(-137),
        "medium",
        "oppose",
        "A later M14 delays the benefits for customers of early adopters.",
        "",
    ),
    (
        "cr001",
        1,
        "settlement-code",
        VICTOR,
        W(-136),
        "high",
        "support",
        "Our capacity model needs the four weeks for three tranches.",
        "Three tranches of up to 25 participants",
    ),
    (
        "cr002",
        1,
        "brightwater",
        OLIVIA,
        W(-64),
        "high",
        "support",
        "Our portfolio needs the extra time to migrate safely.",
        "Migration of 1.9m MPANs over 30 weeks",
    ),
    (
        "cr002",
        1,
        "riverside",
        LEAH,
        W(-62),
        "high",
        "support",
        "As raised: large portfolios need more time.",
        "",
    ),
    (
        "cr002",
        1,
        "kestrel",
        NOAH,
        W(-60),
        "medium",
        "oppose",
        "Moving M15 and M16 delays settlement benefits; prefer allocating tranches by portfolio size.",
        "",
    ),
    ("cr002", 1, "thistle", RORY, W(-58), "low", "neutral", "Small suppliers are unaffected either way.", ""),
    (
        "cr002",
        1,
        "eastern-dn",
        "mprs@easterndn.example",
        W(-57),
        "medium",
        "neutral",
        "Registration services would extend support for the old arrangements by six weeks.",
        "Six weeks of dual running",
    ),
    ("cr002", 1, "harbour", GRACE, W(-55), "medium", "support", "Helps our recovery plan.", ""),
    (
        "cr002",
        2,
        "brightwater",
        OLIVIA,
        1,
        "high",
        "support",
        "Amended evidence attached in our MWG submission; we support the revised dates.",
        "Migration of 1.9m MPANs over 30 weeks",
    ),
    ("cr002", 2, "riverside", LEAH, 2, "high", "support", "Support.", ""),
    (
        "cr002",
        2,
        "kestrel",
        NOAH,
        4,
        "medium",
        "oppose",
        "Still prefer tranche allocation by portfolio size to moving M15.",
        "",
    ),
]
