"""Every change to governance groups and their meetings, the action log and decisions (digest §5.4,
§5.5, §5.7: GV-28…GV-34, GV-45…GV-50).

* **Groups** (PSG, TMAG, DAG, working groups under a parent) with members by organisation and the
  standing items copied onto every new agenda (GV-48).
* **Meetings** numbered per group: an extraordinary meeting takes the next number too (GV-29); an agenda
  of numbered items (GV-46); minutes per meeting and per item; held; minutes approved at a later meeting
  (GV-47); working-group reports to the parent's meeting (GV-49).
* **Actions** raised at a meeting: ``TMAG18-01`` (the group, the meeting's number in two digits, the
  action's), owned by an organisation, named people or a label; updated by their owners, recommended
  closed, and closed **only** by the office ratifying the recommendation at a meeting (GV-30).
* **Decisions** with their outcome, the document and version approved (GV-34) and conditions tracked to
  closure.

One transaction each, refused by :mod:`busbar.programmes.permissions`, journalled, notices on commit.


The actions live by area (:mod:`.groups`, :mod:`.meeting`, :mod:`.log`, :mod:`.decisions`); they are all
importable from here (``from busbar.programmes.actions import meetings``; ``meetings.raise_action(...)``).
"""

from busbar.programmes.actions.meetings._shared import (
    GROUP_CODE_MAX,
    MAX_AGENDA_ITEMS,
    MAX_CONDITIONS,
    MAX_DURATION,
    MAX_MEETING_NUMBER,
    MAX_OWNER_PEOPLE,
    MAX_RAID_LINKS,
    MAX_STANDING_ITEMS,
    MINUTES_MAX,
    MINUTES_OBJECTIVE,
    StandingItem,
)
from busbar.programmes.actions.meetings.decisions import close_condition, record_decision
from busbar.programmes.actions.meetings.groups import (
    GROUP_FIELDS,
    add_group_member,
    create_group,
    remove_group_member,
    update_group,
)
from busbar.programmes.actions.meetings.log import (
    ACTION_FIELDS,
    ImportResult,
    edit_action,
    import_actions,
    raise_action,
    ratify_closure,
    ratify_recommended,
    recommend_close,
    update_action,
)
from busbar.programmes.actions.meetings.meeting import (
    MEETING_FIELDS,
    add_agenda_item,
    approve_minutes,
    cancel_meeting,
    hold_meeting,
    record_minutes,
    remove_agenda_item,
    save_working_group_report,
    schedule_meeting,
    update_agenda_item,
    update_meeting,
)

__all__ = [
    "ACTION_FIELDS",
    "GROUP_CODE_MAX",
    "GROUP_FIELDS",
    "MAX_AGENDA_ITEMS",
    "MAX_CONDITIONS",
    "MAX_DURATION",
    "MAX_MEETING_NUMBER",
    "MAX_OWNER_PEOPLE",
    "MAX_RAID_LINKS",
    "MAX_STANDING_ITEMS",
    "MEETING_FIELDS",
    "MINUTES_MAX",
    "MINUTES_OBJECTIVE",
    "ImportResult",
    "StandingItem",
    "add_agenda_item",
    "add_group_member",
    "approve_minutes",
    "cancel_meeting",
    "close_condition",
    "create_group",
    "edit_action",
    "hold_meeting",
    "import_actions",
    "raise_action",
    "ratify_closure",
    "ratify_recommended",
    "recommend_close",
    "record_decision",
    "record_minutes",
    "remove_agenda_item",
    "remove_group_member",
    "save_working_group_report",
    "schedule_meeting",
    "update_action",
    "update_agenda_item",
    "update_group",
    "update_meeting",
]
