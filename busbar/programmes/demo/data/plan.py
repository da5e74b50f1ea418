"""The plan: phases, milestones and control points, the first baseline, tasks, subsidiary plans."""

from __future__ import annotations

import datetime as dt

from busbar.programmes.demo.data.common import GRACE, NOAH, OLIVIA, D

# -- the plan ------------------------------------------------------------------------------------------------

#: (code, name, order, start, end, RAG, reason, linked test phase code)
PHASES = [
    (
        "design",
        "Design",
        1,
        D(2022, 1, 10),
        D(2022, 10, 31),
        "complete",
        "Physical design baselined (M5)",
        None,
    ),
    (
        "build-pit",
        "Build & PIT",
        2,
        D(2022, 11, 1),
        D(2025, 1, 31),
        "amber",
        "SIT participants exited PIT; non-SIT participants' build runs on into Qualification and two are "
        "behind",
        None,
    ),
    (
        "integration-testing",
        "Integration testing",
        3,
        D(2024, 2, 7),
        D(2025, 8, 6),
        "amber",
        "CIT complete; SIT Functional cohort 2 behind its glide path while the SIT-B data cut is corrected",
        "sit-functional",
    ),
    (
        "qualification",
        "Qualification",
        4,
        D(2025, 2, 3),
        D(2026, 3, 31),
        "amber",
        "Code body capacity for tranches under review; CR001 moved the end of Qualification four weeks",
        None,
    ),
    (
        "migration",
        "Migration",
        5,
        D(2025, 8, 1),
        D(2026, 10, 30),
        "amber",
        "Large portfolios in late tranches may not migrate before M15 (CR002 in impact assessment)",
        None,
    ),
    ("cutover", "Cutover", 6, D(2026, 9, 14), D(2026, 12, 31), "green", "", None),
]

MS, CP = "milestone", "control_point"

#: (code, name, kind, phase, predecessor, baseline 1 date, actual date, forecast date, RAG, rationale,
#: regulatory, order). A milestone with an actual date is complete; a forecast of None is the baseline.
MILESTONES = [
    (
        "M5",
        "Physical design baselined",
        MS,
        "design",
        None,
        D(2022, 10, 31),
        D(2022, 10, 31),
        None,
        "complete",
        "Moved six months from the original timetable to allow for the migration design (reverse migration).",
        False,
        50,
    ),
    (
        "M6",
        "Central systems ready for SIT",
        MS,
        "build-pit",
        "M5",
        D(2024, 1, 31),
        D(2024, 2, 2),
        None,
        "complete",
        "Set by CR003 and CR009, with the assumptions in the supporting RAID log.",
        False,
        60,
    ),
    (
        "M9",
        "SIT start",
        MS,
        "integration-testing",
        "M6",
        D(2024, 2, 7),
        D(2024, 2, 7),
        None,
        "complete",
        "Depends on participants' left-to-right plans to finish build for the minimum viable cohort.",
        False,
        65,
    ),
    (
        "M7",
        "Component Integration Testing complete",
        MS,
        "integration-testing",
        "M9",
        D(2024, 5, 1),
        D(2024, 5, 8),
        None,
        "complete",
        "Set by CR003 and CR009; one week late while two DIP connectivity defects were retested.",
        False,
        70,
    ),
    (
        "M8",
        "Code changes approved for implementation",
        MS,
        "build-pit",
        "M5",
        D(2024, 6, 28),
        None,
        D(2024, 7, 12),
        "amber",
        "The earliest date; CCAG asked for it later so that the tranche 2 consultation responses can be "
        "reflected. To be confirmed at the next CCAG.",
        False,
        80,
    ),
    (
        "CP3",
        "Control Point 3 – Readiness for Migration",
        CP,
        "integration-testing",
        "M7",
        D(2025, 5, 5),
        None,
        None,
        "green",
        "One day at the end of Control Point 3 preparation; the control point team decides, the PMO "
        "involved.",
        False,
        95,
    ),
    (
        "M10",
        "Central systems ready for migrating MPANs",
        MS,
        "qualification",
        "CP3",
        D(2025, 7, 1),
        None,
        None,
        "green",
        "As early as possible after SIT: with central systems live, the date suppliers go live can flex.",
        False,
        100,
    ),
    (
        "M13",
        "Load Shaping Service switched on",
        MS,
        "qualification",
        "M10",
        D(2025, 7, 1),
        None,
        None,
        "green",
        "Needed for every segment from day one, so it coincides with M10.",
        False,
        105,
    ),
    (
        "M11",
        "Start of 1 year migration for UMS / Advanced",
        MS,
        "migration",
        "M10",
        D(2025, 8, 1),
        None,
        None,
        "green",
        "Unmetered and advanced go live together; P432 and P434 take much of the data cleansing out of the "
        "migration period.",
        False,
        110,
    ),
    (
        "M12",
        "Start of 1 year migration for Smart / Non-smart",
        MS,
        "migration",
        "M10",
        D(2025, 8, 1),
        None,
        None,
        "green",
        "Can start with UMS / Advanced: most suppliers hold smart and advanced supplies together.",
        False,
        120,
    ),
    (
        "CP4",
        "Control Point 4 – End of Qualification",
        CP,
        "qualification",
        "M10",
        D(2026, 3, 31),
        None,
        None,
        "amber",
        "The end of the Qualification window; moved with M14 by CR001.",
        False,
        135,
    ),
    (
        "M14",
        "All suppliers must be able to access MPANs under the new TOM",
        MS,
        "migration",
        "CP4",
        D(2026, 3, 31),
        None,
        None,
        "amber",
        "Regulatory milestone: a supplier not ready with the new arrangements by this date cannot take on "
        "new "
        "customers. CR002 proposes a further four weeks for large portfolios.",
        True,
        140,
    ),
    (
        "M15",
        "Full transition complete",
        MS,
        "migration",
        "M14",
        D(2026, 10, 30),
        None,
        None,
        "amber",
        "Every MPAN on the new settlement arrangements: seven months after M14, fourteen after the first "
        "early adopter went live. Assumed sufficient (see the RAID log).",
        False,
        150,
    ),
    (
        "CP5",
        "Control Point 5 – Cut over to new settlement timetable",
        CP,
        "cutover",
        "M15",
        D(2026, 12, 14),
        None,
        None,
        "green",
        "After Control Point 5 preparation (21 working days).",
        False,
        155,
    ),
    (
        "M16",
        "Cut over to new settlement timetable",
        MS,
        "cutover",
        "CP5",
        D(2026, 12, 31),
        None,
        None,
        "green",
        "About two months after M15 for checks and preparation; retiring the old settlement systems is "
        "outside the timetable.",
        False,
        160,
    ),
]

BASELINE_1 = "Programme replan (CR022)"
#: The day the first baseline was approved (the steering group's approval of the replan), plan dates.
BASELINE_1_ON = D(2023, 6, 8)

#: Who is responsible or involved, by the plan's codes (GV-08): organisation slug (or None) and label.
RESPONSIBLE = {
    "SI Test": "systems-integrator",
    "SI Design": "systems-integrator",
    "SI": "systems-integrator",
    "PPC": "mhhs-pmo",
    "CPT": "mhhs-pmo",
    "PMO": "mhhs-pmo",
    "PP": None,
    "Code Bodies": None,
    "PAB": None,
}

#: Plan tasks (GV-08): (ref, name, phase, start, finish, responsible, involved, milestone, uncertain?).
#: Durations are computed in working days on the programme's calendar.
#: Plan tasks (GV-08) as the plan's table, by phase: ID | Task Name | Start | Finish | Responsible |
#: Involved | the milestone it leads to [| "?" when the duration is uncertain: "129 days?"]. Durations are
#: computed in working days on the programme's calendar.
TASK_TABLE = """
[build-pit]
248 | SIT Suppliers Core Systems DBT | 2024-02-07 | 2025-06-02 | PP | SI Test |
251 | Non-SIT Suppliers DIP Interfaces DBT & Non-SIT Services DBT | 2024-03-01 | 2024-04-01 | PP | SI Test |
258 | Non-SIT Suppliers Core Systems DBT | 2024-02-07 | 2025-01-31 | PP | SI Test |
294 | Deliver MHHS Code Changes | 2024-01-22 | 2024-06-28 | Code Bodies |  | M8
[integration-testing]
240 | SIT CI Testing Execution | 2024-02-07 | 2024-04-10 | SI Test | PP | M7
242 | SIT Execution - Minimum Viable Cohort | 2024-02-07 | 2025-04-07 | SI Test | PP |
246 | SIT Execution - Other PPs | 2024-02-07 | 2025-05-02 | SI Test | PP |
260 | SI SIT Preparation | 2024-02-29 | 2024-06-14 | SI Test |  |
265 | SI UIT Preparation | 2024-02-29 | 2024-03-29 | SI Test |  |
268 | PP UIT Preparation | 2024-03-01 | 2025-01-31 | PP | SI Test |
272 | PPs E2E Sandbox Execution | 2024-12-02 | 2025-01-31 | PP | SI Test |
274 | PP Pre-Qualification Assurance | 2024-12-02 | 2025-01-31 | SI Test | PP |
278 | Qualification SAD Process (SIT participants) | 2024-05-01 | 2025-01-31 | PP | SI Test |
280 | DBT Progress Monitoring of PPs | 2024-03-01 | 2025-01-31 | SI Test | PPC |
282 | DBT Progress Monitoring of Consequential Change | 2024-03-01 | 2025-01-31 | SI Test | PPC |
287 | Design Assurance of PPs | 2024-03-01 | 2025-01-31 | SI Design | PPC |
289 | Test Assurance of PPs | 2024-03-01 | 2025-01-31 | SI Test | PPC |
292 | Migration Period Planning (SIT) | 2024-03-01 | 2025-01-31 | SI Test | CPT |
297 | Support PAB in Qualification Setup | 2024-12-02 | 2025-01-31 | SI Test | CPT |
299 | Control Point 3 Preparation | 2024-11-18 | 2025-01-17 | CPT | PP | CP3
301 | Readiness Assessment 5 - Design & Build Checkpoint 2 | 2024-05-08 | 2024-08-07 | PPC | PP |
308 | Readiness Assessment 6 - Start of Qualification | 2024-10-14 | 2025-01-13 | PPC | PP |
315 | Control Point 3 - Readiness for Migration | 2025-05-05 | 2025-05-05 | CPT | PMO | CP3
[qualification]
317 | Qualification Execution (likely to be tranched) | 2025-02-03 | 2026-02-02 | PP | PAB | CP4
319 | Qualification SAD Process | 2025-02-03 | 2026-03-31 | PP | PAB | CP4
323 | Non-SIT DIP Interfaces & Non-SIT Services DBT (Qualification) | 2025-02-03 | 2025-07-31 | PP |  |
325 | Non-SIT Suppliers Core Systems DBT (Qualification) | 2025-02-03 | 2025-10-31 | PP | PP |
327 | SIT Operational Testing Execution | 2025-02-03 | 2025-04-10 | SI Test | PP |
329 | SIT Follow-On Execution - Other PPs | 2025-05-05 | 2025-08-06 | SI Test | PP |
331 | PPs E2E Sandbox Execution (Qualification) | 2025-02-03 | 2025-07-31 | PP | SI Test |
334 | Central Systems Prepare for Cutover to Live | 2025-06-02 | 2025-06-30 | PP | SI | M10
336 | Advanced & UM Prepare for Cutover to Live | 2025-06-02 | 2025-07-31 | PP | SI | M11
338 | Smart/Non-Smart Prepare for Cutover to Live | 2025-06-02 | 2025-07-31 | PP | SI | M12
340 | PP business change | 2025-02-03 | 2025-07-31 | PP | PPC |  | ?
346 | Support for PP business change | 2025-02-03 | 2025-07-31 | PPC | PP |
348 | Migration Period Planning | 2025-02-03 | 2025-07-31 | SI | PPC |
350 | PP Readiness Assessment 7 - Start of Migration | 2025-04-16 | 2025-07-16 | PPC | PP |
357 | Control Point 4 Preparation | 2025-06-02 | 2025-07-18 | CPT | PP | CP4
361 | Completion of activities related to BSC CP1558 | 2025-06-02 | 2025-07-02 | CPT | PP | M10
363 | Completion of activities related to BSC Mod P432 | 2025-06-02 | 2025-06-30 | CPT | PP | M11
365 | Completion of activities related to BSC Mod P434 | 2025-06-02 | 2025-06-30 | CPT | PP | M11
[migration]
373 | PPs E2E Sandbox Testing Execution | 2025-08-01 | 2026-03-31 | PP | SI Test | M14
376 | Advanced & UM / Smart & Non-Smart Prepare for Go-Live | 2025-04-30 | 2026-02-02 | PP | SI | M14
378 | Migration of Advanced Segment | 2025-08-01 | 2026-10-30 | SI Test | PPC | M15
381 | Migration of Unmetered Segment | 2025-08-01 | 2026-10-30 | SI Test | PPC | M15
384 | Migration of Smart Segment | 2025-08-01 | 2026-10-30 | SI Test | PPC | M15
387 | Migration Management | 2025-08-01 | 2026-10-30 | SI Test | PPC | M15
389 | Business Case Update | 2025-10-01 | 2026-10-30 | PMO | CPT |
391 | Supplier business readiness period - support | 2025-10-01 | 2026-10-30 | PPC | PP |
393 | PP Readiness Assessment 8 - Ready to Accept New MPANs | 2025-08-18 | 2025-11-17 | PPC | PP |
400 | PP Readiness Assessment 9 - Migration Checkpoint | 2026-05-01 | 2026-07-31 | PPC | PP |
[cutover]
410 | Control Point 5 Preparation | 2026-11-16 | 2026-12-14 | CPT | PP | CP5
412 | PP Readiness Assessment 10 - Ready for New Settlement Timetable | 2026-09-14 | 2026-12-14 | PPC | PP |
"""


def _tasks(table: str) -> list[tuple]:
    """(ref, name, phase, start, finish, responsible, involved, milestone or None, uncertain?) per row."""
    rows, phase = [], ""
    for line in table.strip().splitlines():
        if line.startswith("["):
            phase = line.strip("[]")
            continue
        cells = [cell.strip() for cell in line.split("|")]
        ref, name, start, finish, responsible, involved, milestone = cells[:7]
        uncertain = cells[7:] == ["?"]
        start_on, finish_on = dt.date.fromisoformat(start), dt.date.fromisoformat(finish)
        row = (ref, name, phase, start_on, finish_on, responsible, involved, milestone or None, uncertain)
        rows.append(row)
    return rows


TASKS = _tasks(TASK_TABLE)

#: Participants' own plans (GV-02): organisation slug, who keeps it, its name, and its milestones
#: (name, programme milestone, planned, forecast or None, actual or None, RAG, notes). Harbour slips past M14.
SUBSIDIARY_PLANS = [
    (
        "brightwater",
        OLIVIA,
        "Brightwater Energy MHHS delivery plan",
        [
            ("PIT complete and evidenced", "M9", D(2024, 1, 26), None, D(2024, 1, 31), "complete", ""),
            ("SIT Functional exit (cohort 1)", "M10", D(2024, 8, 30), None, None, "green", ""),
            ("Core systems build complete", "M10", D(2025, 3, 28), None, None, "green", ""),
            ("Ready to access MPANs under the new TOM", "M14", D(2026, 2, 27), None, None, "green", ""),
            ("Portfolio migrated", "M15", D(2026, 9, 30), None, None, "green", ""),
        ],
    ),
    (
        "kestrel",
        NOAH,
        "Kestrel Power MHHS plan",
        [
            ("PIT complete and evidenced", "M9", D(2024, 1, 26), None, D(2024, 2, 2), "complete", ""),
            ("Business processes redesigned", "M10", D(2025, 4, 30), D(2025, 5, 30), None, "amber", ""),
            (
                "Ready to access MPANs under the new TOM",
                "M14",
                D(2026, 3, 13),
                D(2026, 4, 3),
                None,
                "amber",
                "Forecast moved three weeks with the business change; still inside M14 after CR001.",
            ),
            ("Portfolio migrated", "M15", D(2026, 10, 2), None, None, "green", ""),
        ],
    ),
    (
        "harbour",
        GRACE,
        "Harbour Energy Supply MHHS plan",
        [
            (
                "PIT complete and evidenced",
                "M7",
                D(2024, 4, 19),
                None,
                D(2024, 4, 26),
                "complete",
                "A week late; entered SIT Functional in the grace period.",
            ),
            ("Qualification testing complete", "CP4", D(2026, 3, 27), D(2026, 5, 8), None, "red", ""),
            (
                "Ready to access MPANs under the new TOM",
                "M14",
                D(2026, 4, 17),
                D(2026, 5, 22),
                None,
                "red",
                "Our core systems vendor moved its release by five weeks; recovery options are with the PPC. "
                "Without them we miss M14.",
            ),
            ("Portfolio migrated", "M15", D(2026, 10, 9), D(2026, 10, 23), None, "amber", ""),
        ],
    ),
]
