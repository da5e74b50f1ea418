"""The MHHS programme's governance as data: members, plan, RAID log, groups, meetings, actions, decisions,
change requests and a readiness assessment.

Two calendars, both kept current by :mod:`.play`:

* **Plan dates** are the dates of the programme's replan (its plans on a page, digest GV-05, GV-08,
  GV-12…GV-15), written here as they were and moved by a whole number of weeks so that the day SIT
  Functional started in the testing demo is the plan's :data:`SEED_SIT_FUNCTIONAL`. "Today" is then the
  plan's early June of its SIT year: M9 and Component Integration Testing (M7) done, SIT Functional in its
  seventh week, readiness assessment RA5 open, M8 next.
* **Story dates** (meetings, RAID items, actions, change requests, answers) are days from the day the demo
  is loaded (plain integers) or from the day of TMAG #20 (``W(n)``: the first Wednesday at least three days
  ahead, so ``W(-10)`` and earlier are always past). A weekend moves to the Friday before.

The RAID log starts as the programme's spreadsheet (imported with its references, R281 among them) and
carries on in Busbar, numbered on from the highest: the tranche-allocation risk raised after TMAG #18 is R525,
as in the pack. Every change is made through the programme app's actions.

Names of organisations and people are fictional; the wording paraphrases the programme's packs (TMAG #9
and #20) and quotes none of them at length.
"""

from __future__ import annotations

from busbar.programmes.demo.data.changes import (
    CHANGE_REQUESTS,
    CR001_DAYS,
    CR002_DAYS,
    CR002_REISSUE_WORKING_DAYS_AGO,
    CR_RESPONSES,
    REGULATOR_APPROVAL,
)
from busbar.programmes.demo.data.common import (
    ASSURER,
    CLASSIFICATION,
    DA,
    DOCUMENT_PREFIX,
    ETHAN,
    GRACE,
    HARRY,
    ISLA,
    LEAH,
    MEMBERS,
    NOAH,
    OLIVIA,
    ORGANISATIONS,
    PEOPLE,
    PM,
    PPC,
    ROLES_OF_EXISTING,
    RORY,
    SECRETARIAT,
    SEED_SIT_FUNCTIONAL,
    SI,
    VICTOR,
    ZARA,
    D,
    W,
)
from busbar.programmes.demo.data.groups import (
    GROUPS,
    STANDING_TMAG,
)
from busbar.programmes.demo.data.meetings import (
    ACTIONS,
    DECISIONS,
    HELD_MEETINGS,
    MINUTES_APPROVED,
    ROADMAP,
    TMAG20_DOCUMENT,
    TMAG20_OBJECTIVES,
    TMAG20_TOPICS,
    WG_MEETINGS,
    WG_REPORTS,
)
from busbar.programmes.demo.data.plan import (
    BASELINE_1,
    BASELINE_1_ON,
    CP,
    MILESTONES,
    MS,
    PHASES,
    RESPONSIBLE,
    SUBSIDIARY_PLANS,
    TASK_TABLE,
    TASKS,
)
from busbar.programmes.demo.data.raid import (
    ASSUMPTION,
    CONVERSION,
    DEPENDENCY,
    ISSUE,
    RAID,
    RAID_CLOSURES,
    RAID_EDITS,
    RAID_IMPORT,
    RAID_IMPORT_FILE,
    RAID_PUBLISHED,
    RAID_UPDATES,
    RISK,
)
from busbar.programmes.demo.data.readiness import (
    RA5,
    RA5_CHASE,
    RA5_DESCRIPTION,
    RA5_QUESTIONS,
    RA5_RESPONSES,
    RA_LATER,
)

__all__ = [
    "ACTIONS",
    "ASSUMPTION",
    "ASSURER",
    "BASELINE_1",
    "BASELINE_1_ON",
    "CHANGE_REQUESTS",
    "CLASSIFICATION",
    "CONVERSION",
    "CP",
    "CR001_DAYS",
    "CR002_DAYS",
    "CR002_REISSUE_WORKING_DAYS_AGO",
    "CR_RESPONSES",
    "D",
    "DA",
    "DECISIONS",
    "DEPENDENCY",
    "DOCUMENT_PREFIX",
    "ETHAN",
    "GRACE",
    "GROUPS",
    "HARRY",
    "HELD_MEETINGS",
    "ISLA",
    "ISSUE",
    "LEAH",
    "MEMBERS",
    "MILESTONES",
    "MINUTES_APPROVED",
    "MS",
    "NOAH",
    "OLIVIA",
    "ORGANISATIONS",
    "PEOPLE",
    "PHASES",
    "PM",
    "PPC",
    "RA5",
    "RA5_CHASE",
    "RA5_DESCRIPTION",
    "RA5_QUESTIONS",
    "RA5_RESPONSES",
    "RAID",
    "RAID_CLOSURES",
    "RAID_EDITS",
    "RAID_IMPORT",
    "RAID_IMPORT_FILE",
    "RAID_PUBLISHED",
    "RAID_UPDATES",
    "RA_LATER",
    "REGULATOR_APPROVAL",
    "RESPONSIBLE",
    "RISK",
    "ROADMAP",
    "ROLES_OF_EXISTING",
    "RORY",
    "SECRETARIAT",
    "SEED_SIT_FUNCTIONAL",
    "SI",
    "STANDING_TMAG",
    "SUBSIDIARY_PLANS",
    "TASKS",
    "TASK_TABLE",
    "TMAG20_DOCUMENT",
    "TMAG20_OBJECTIVES",
    "TMAG20_TOPICS",
    "VICTOR",
    "W",
    "WG_MEETINGS",
    "WG_REPORTS",
    "ZARA",
]
