"""Who may do what in programme governance: the only place these rules live (digest §5, §9).

``can_<verb>(access, …) -> None`` when allowed, else the reason (a sentence shown to the person).
``access`` is a :class:`busbar.testing.access.Access` (``access_for(user)``; ``access_of(actor)`` in an
action). Actions refuse with these; pages and the API offer only what they allow. State rules (what may
follow what) are the transition tables' (409), not these.

* The **programme office** (the organisations holding the programme-manager function) runs governance:
  the plan and its first baseline, RAID, groups and meetings, the action log, decisions, change requests
  and readiness assessments. A new baseline comes only from approving a change request.
* An **owner** (the organisation a RAID item or action is given to) keeps it up to date: updates, the
  mitigation, recommending an action closed.
* A **participant** raises draft change requests, answers impact assessments and readiness
  assessments for its own organisation, and keeps its own subsidiary plan.
* **Assurers** and the **service desk** read; they change nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.programmes import queries
from busbar.programmes.models import (
    ActionStatus,
    AssessmentStatus,
    CrStatus,
    ResponseStatus,
)

if TYPE_CHECKING:
    from busbar.programmes.models import (
        Action,
        Assessment,
        AssessmentResponse,
        ChangeRequest,
        RaidItem,
        SubsidiaryPlan,
    )
    from busbar.testing.access import Access

READ_ONLY = "Assurers and the service desk read programme governance; they do not change it"
OFFICE_ONLY = "Only the programme office can do that"


def office_only(access: Access, programme_id: int) -> str | None:
    """None for the programme office (or the system); otherwise why not."""
    if queries.is_office(access, programme_id):
        return None
    if access.is_central or access.is_assurer(programme_id):
        return READ_ONLY
    return OFFICE_ONLY


def _participant(access: Access, programme_id: int) -> str | None:
    if access.is_system or queries.sees_programme(access, programme_id):
        return None
    return "You do not take part in this programme"


# -- plan -----------------------------------------------------------------------------------------------


def can_manage_plan(access: Access, programme_id: int) -> str | None:
    """Phases, milestones (forecast, actual, RAG, rationale; never the baseline), tasks, members."""
    return office_only(access, programme_id)


def can_set_first_baseline(access: Access, programme_id: int) -> str | None:
    return office_only(access, programme_id)


def can_keep_subsidiary_plan(access: Access, programme_id: int, organisation_id: int) -> str | None:
    """A participant keeps its own plan; the office may keep any."""
    if queries.is_office(access, programme_id):
        return None
    if access.is_central or access.is_assurer(programme_id):
        return READ_ONLY
    if not access.is_member(organisation_id):
        return "Only the organisation itself or the programme office keeps its plan"
    return _participant(access, programme_id)


def can_read_subsidiary_plan(access: Access, plan: SubsidiaryPlan) -> str | None:
    if queries.has_oversight(access, plan.programme_id) or access.is_member(plan.organisation_id):
        return None
    return "Only the organisation, the programme office and assurers read its plan"


# -- RAID ------------------------------------------------------------------------------------------------


def can_raise_raid(access: Access, programme_id: int) -> str | None:
    return office_only(access, programme_id)


def can_edit_raid(access: Access, item: RaidItem) -> str | None:
    """Every column, the score, the RAG and the public/private flag."""
    return office_only(access, item.programme_id)


def can_update_raid(access: Access, item: RaidItem) -> str | None:
    """An update on the conversation and the planned activities: the office or the owner."""
    if access.is_member(item.owner_organisation_id) and not access.is_assurer(item.programme_id):
        return None
    return office_only(access, item.programme_id)


def can_close_raid(access: Access, item: RaidItem) -> str | None:
    return office_only(access, item.programme_id)


def can_convert_raid(access: Access, item: RaidItem) -> str | None:
    return office_only(access, item.programme_id)


def can_import_raid(access: Access, programme_id: int) -> str | None:
    return office_only(access, programme_id)


# -- groups, meetings, actions, decisions ---------------------------------------------------------------


def can_manage_groups(access: Access, programme_id: int) -> str | None:
    return office_only(access, programme_id)


def can_run_meeting(access: Access, programme_id: int) -> str | None:
    """Schedule, agenda, minutes, hold, approve minutes, working-group reports, the pack."""
    return office_only(access, programme_id)


def can_raise_action(access: Access, programme_id: int) -> str | None:
    return office_only(access, programme_id)


def can_update_action(access: Access, action: Action, *, user_id: int | None = None) -> str | None:
    """Latest update and status short of closed: the office, the owner organisation, a named owner."""
    if access.is_assurer(action.programme_id) or access.is_central:
        return office_only(access, action.programme_id)
    if access.is_member(action.owner_organisation_id):
        return None
    if user_id is not None and user_id in {p.pk for p in action.owner_people.all()}:
        return None
    return office_only(access, action.programme_id)


def can_ratify_action(access: Access, action: Action) -> str | None:
    """Closing a 'recommend closed' action at a meeting (GV-30)."""
    if action.status != ActionStatus.RECOMMEND_CLOSED:
        return "Only an action recommended closed can be ratified closed"
    return office_only(access, action.programme_id)


def can_import_actions(access: Access, programme_id: int) -> str | None:
    return office_only(access, programme_id)


def can_record_decision(access: Access, programme_id: int) -> str | None:
    return office_only(access, programme_id)


# -- change requests ------------------------------------------------------------------------------------


def can_raise_cr(access: Access, programme_id: int) -> str | None:
    """Any participant may raise a draft change request; the office issues it."""
    if access.is_central or access.is_assurer(programme_id):
        return READ_ONLY
    if access.is_platform_admin and not access.is_system:
        return READ_ONLY
    return _participant(access, programme_id)


def can_edit_cr(access: Access, cr: ChangeRequest) -> str | None:
    """While a draft: the raiser or the office; later only the office (its milestones before approval)."""
    if cr.status == CrStatus.DRAFT and access.is_member(cr.raised_by_id) and not access.is_central:
        return None
    return office_only(access, cr.programme_id)


def can_decide_cr(access: Access, cr: ChangeRequest) -> str | None:
    """Issue for impact assessment, close responses, approve, reject, re-issue, hold, withdraw."""
    return office_only(access, cr.programme_id)


def can_respond_to_cr(access: Access, cr: ChangeRequest, organisation_id: int) -> str | None:
    if cr.status != CrStatus.IMPACT_ASSESSMENT:
        return "Impact assessments are taken only while the change request is issued for impact assessment"
    if access.is_central or access.is_assurer(cr.programme_id):
        return READ_ONLY
    if not access.is_member(organisation_id):
        return "You can respond only for your own organisation"
    return _participant(access, cr.programme_id)


# -- readiness assessments ------------------------------------------------------------------------------


def can_manage_assessment(access: Access, programme_id: int) -> str | None:
    """Questions, window, open/close, scoring, chasing."""
    return office_only(access, programme_id)


def can_answer(access: Access, assessment: Assessment, organisation_id: int) -> str | None:
    if assessment.status != AssessmentStatus.OPEN:
        return "The assessment is not open for responses"
    if access.is_central or access.is_assurer(assessment.programme_id):
        return READ_ONLY
    if not access.is_member(organisation_id):
        return "You can answer only for your own organisation"
    return _participant(access, assessment.programme_id)


def can_read_response(access: Access, response: AssessmentResponse) -> str | None:
    if access.is_member(response.organisation_id):
        return None
    if queries.has_oversight(access, response.assessment.programme_id):
        return None
    return "Only the organisation, the programme office and assurers read its response"


def can_submit_response(access: Access, response: AssessmentResponse) -> str | None:
    if response.status == ResponseStatus.SUBMITTED:
        return "The response is already submitted"
    return can_answer(access, response.assessment, response.organisation_id)
