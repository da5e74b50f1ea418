"""Every change to a programme's plan (digest §5.1–5.2, GV-01…GV-15): phases, milestones and control
points (forecast, actual, RAG, rationale — never the baseline date), the first baseline, tasks in working
days, the programme's members, participants' subsidiary plans and their milestones (GV-02), and the
programme's governance settings.

A baseline after the first is written only by approving a change request (``actions.changes.approve_cr``
through :func:`busbar.programmes.baselines.write_baseline`): here, setting ``baseline_date`` is refused
and a second "first" baseline is a conflict (409).

One transaction each, refused by :mod:`busbar.programmes.permissions`, journalled with
:func:`busbar.programmes.actions.common.journal`.

The actions live by area (:mod:`.phases`, :mod:`.milestones`, :mod:`.baselines`, :mod:`.tasks`,
:mod:`.members`, :mod:`.subsidiary`, :mod:`.governance`; the checks they share in :mod:`._common`); they
are all importable from here (``from busbar.programmes.actions import plan``; ``plan.add_task(...)``).
This module only re-exports: every public function of an actions module must be an ``@action``.
"""

from busbar.programmes.actions.plan._common import CODE_RE, KEEP, ORDER_MAX, RE_BASELINE
from busbar.programmes.actions.plan.baselines import BASELINE_LABEL_MAX, set_first_baseline
from busbar.programmes.actions.plan.governance import (
    CLASSIFICATION_MAX,
    PREFIX_MAX,
    WINDOW_MAX,
    settings,
)
from busbar.programmes.actions.plan.members import (
    CONSTITUENCY_MAX,
    add_member,
    remove_member,
    update_member,
)
from busbar.programmes.actions.plan.milestones import (
    CODE_MAX,
    MILESTONE_FIELDS,
    MILESTONE_NAME_MAX,
    add_milestone,
    update_milestone,
)
from busbar.programmes.actions.plan.phases import (
    PHASE_CODE_MAX,
    PHASE_CODE_RE,
    PHASE_FIELDS,
    PHASE_NAME_MAX,
    RAG_REASON_MAX,
    add_phase,
    update_phase,
)
from busbar.programmes.actions.plan.subsidiary import (
    PARTY_MILESTONE_FIELDS,
    PARTY_MILESTONE_NAME_MAX,
    PLAN_NAME_MAX,
    add_party_milestone,
    create_subsidiary_plan,
    remove_party_milestone,
    rename_subsidiary_plan,
    update_party_milestone,
)
from busbar.programmes.actions.plan.tasks import (
    DURATION_MAX,
    INVOLVED_LABEL_MAX,
    MAX_INVOLVED,
    RESPONSIBLE_LABEL_MAX,
    TASK_FIELDS,
    TASK_NAME_MAX,
    TASK_REF_MAX,
    add_task,
    remove_task,
    update_task,
)

__all__ = [
    "BASELINE_LABEL_MAX",
    "CLASSIFICATION_MAX",
    "CODE_MAX",
    "CODE_RE",
    "CONSTITUENCY_MAX",
    "DURATION_MAX",
    "INVOLVED_LABEL_MAX",
    "KEEP",
    "MAX_INVOLVED",
    "MILESTONE_FIELDS",
    "MILESTONE_NAME_MAX",
    "ORDER_MAX",
    "PARTY_MILESTONE_FIELDS",
    "PARTY_MILESTONE_NAME_MAX",
    "PHASE_CODE_MAX",
    "PHASE_CODE_RE",
    "PHASE_FIELDS",
    "PHASE_NAME_MAX",
    "PLAN_NAME_MAX",
    "PREFIX_MAX",
    "RAG_REASON_MAX",
    "RESPONSIBLE_LABEL_MAX",
    "RE_BASELINE",
    "TASK_FIELDS",
    "TASK_NAME_MAX",
    "TASK_REF_MAX",
    "WINDOW_MAX",
    "add_member",
    "add_milestone",
    "add_party_milestone",
    "add_phase",
    "add_task",
    "create_subsidiary_plan",
    "remove_member",
    "remove_party_milestone",
    "remove_task",
    "rename_subsidiary_plan",
    "set_first_baseline",
    "settings",
    "update_member",
    "update_milestone",
    "update_party_milestone",
    "update_phase",
    "update_task",
]
