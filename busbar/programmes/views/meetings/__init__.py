"""Pages: a programme's governance groups, a group (members, meetings, working groups), a meeting (cover
facts, agenda, minutes, the actions raised at it, the open actions reviewed by exception with one-click
ratification, decisions, working-group reports, the pack), the action log (filters, ageing, import,
export), an action (its history and RAID links), the decision log and a decision with its conditions
(digest §5.4, §5.5, §5.7).

Everyone who takes part in the programme reads them (``queries``); the forms are offered only to those
the rules allow (``permissions``), and a post they may not make is a 403 page.


By area: :mod:`.groups`, :mod:`.meeting`, :mod:`.log` (the action log), :mod:`.decisions`; the helpers the
pack and the API share in :mod:`.common`.
"""

from django.urls import path

from busbar.programmes.views.meetings.common import (
    EXPORT_COLUMNS,
    AgendaRow,
    agenda_rows,
    meeting_url,
    minutes_approved_label,
    owner_text,
    pack_url,
)
from busbar.programmes.views.meetings.decisions import (
    programmes_condition_close,
    programmes_decision,
    programmes_decisions,
    programmes_decisions_export,
)
from busbar.programmes.views.meetings.groups import (
    programmes_group,
    programmes_group_edit,
    programmes_group_member_remove,
    programmes_group_members,
    programmes_groups,
    programmes_meeting_schedule,
)
from busbar.programmes.views.meetings.log import (
    programmes_action,
    programmes_action_edit,
    programmes_action_ratify,
    programmes_action_recommend,
    programmes_action_update,
    programmes_actions,
    programmes_actions_export,
    programmes_actions_import,
)
from busbar.programmes.views.meetings.meeting import (
    programmes_agenda_add,
    programmes_agenda_edit,
    programmes_agenda_remove,
    programmes_meeting,
    programmes_meeting_approve_minutes,
    programmes_meeting_cancel,
    programmes_meeting_decision,
    programmes_meeting_edit,
    programmes_meeting_hold,
    programmes_meeting_minutes,
    programmes_meeting_raise_action,
    programmes_meeting_ratify,
    programmes_meeting_wg_report,
)

__all__ = [
    "EXPORT_COLUMNS",
    "AgendaRow",
    "agenda_rows",
    "meeting_url",
    "minutes_approved_label",
    "owner_text",
    "pack_url",
    "urlpatterns",
]

P = "programmes/<slug:programme>"
G = f"{P}/groups/<str:group>"
M = f"{G}/<int:number>"
A = f"{P}/actions/<str:reference>"


urlpatterns = [
    path(f"{P}/groups/", programmes_groups, name="programmes_groups"),
    path(f"{G}/", programmes_group, name="programmes_group"),
    path(f"{G}/edit/", programmes_group_edit, name="programmes_group_edit"),
    path(f"{G}/members/", programmes_group_members, name="programmes_group_members"),
    path(
        f"{G}/members/<int:member>/remove/",
        programmes_group_member_remove,
        name="programmes_group_member_remove",
    ),
    path(f"{G}/schedule/", programmes_meeting_schedule, name="programmes_meeting_schedule"),
    path(f"{M}/", programmes_meeting, name="programmes_meeting"),
    path(f"{M}/edit/", programmes_meeting_edit, name="programmes_meeting_edit"),
    path(f"{M}/agenda/", programmes_agenda_add, name="programmes_agenda_add"),
    path(f"{M}/agenda/<int:position>/", programmes_agenda_edit, name="programmes_agenda_edit"),
    path(f"{M}/agenda/<int:position>/remove/", programmes_agenda_remove, name="programmes_agenda_remove"),
    path(f"{M}/minutes/", programmes_meeting_minutes, name="programmes_meeting_minutes"),
    path(
        f"{M}/approve-minutes/", programmes_meeting_approve_minutes, name="programmes_meeting_approve_minutes"
    ),
    path(f"{M}/hold/", programmes_meeting_hold, name="programmes_meeting_hold"),
    path(f"{M}/cancel/", programmes_meeting_cancel, name="programmes_meeting_cancel"),
    path(f"{M}/actions/", programmes_meeting_raise_action, name="programmes_meeting_raise_action"),
    path(f"{M}/ratify/", programmes_meeting_ratify, name="programmes_meeting_ratify"),
    path(f"{M}/decisions/", programmes_meeting_decision, name="programmes_meeting_decision"),
    path(f"{M}/reports/<str:wg>/", programmes_meeting_wg_report, name="programmes_meeting_wg_report"),
    path(f"{P}/actions/", programmes_actions, name="programmes_actions"),
    path(f"{P}/actions/import/", programmes_actions_import, name="programmes_actions_import"),
    path(f"{P}/actions/export/", programmes_actions_export, name="programmes_actions_export"),
    path(f"{A}/", programmes_action, name="programmes_action"),
    path(f"{A}/update/", programmes_action_update, name="programmes_action_update"),
    path(f"{A}/recommend/", programmes_action_recommend, name="programmes_action_recommend"),
    path(f"{A}/ratify/", programmes_action_ratify, name="programmes_action_ratify"),
    path(f"{A}/edit/", programmes_action_edit, name="programmes_action_edit"),
    path(f"{P}/decisions/", programmes_decisions, name="programmes_decisions"),
    path(f"{P}/decisions/export/", programmes_decisions_export, name="programmes_decisions_export"),
    path(f"{P}/decisions/<int:number>/", programmes_decision, name="programmes_decision"),
    path(
        f"{P}/decisions/<int:number>/conditions/<int:condition>/close/",
        programmes_condition_close,
        name="programmes_condition_close",
    ),
]
