"""Programme governance API: the plan (digest §5.1–5.2).

Milestones with their baseline-vs-forecast figures (delta in working days, RAG, predecessor warning,
participants forecast after them), every baseline and the comparison of two, tasks, phases, members,
participants' subsidiary plans and their milestones, and the governance settings.

Every read starts from :mod:`busbar.programmes.queries` (a programme, plan or row outside it is a 404);
every change goes through :mod:`busbar.programmes.actions.plan`, refused there by
:mod:`busbar.programmes.permissions` (403), as a conflict (409: a second first baseline, a duplicate code)
or as bad input (422: a baseline date given to a milestone — only an approved change request
re-baselines).

One ``router``; its endpoints live by area (:mod:`.milestones`, :mod:`.baselines`, :mod:`.tasks`,
:mod:`.phases`, :mod:`.members`, :mod:`.subsidiary`, :mod:`.governance`), the schemas in :mod:`.schemas`,
what they share in :mod:`._common`. Every name the former single module had is importable from here.
"""

from ninja import Router

from busbar.programmes.api.operation_ids import keep_module_ids
from busbar.programmes.api.plan._common import (
    MilestonePath,
    NumberPath,
    PhasePath,
    ProgrammePath,
)
from busbar.programmes.api.plan.schemas import (
    BaselineNumber,
    GovPlanBaselineDateIn,
    GovPlanBaselineDateOut,
    GovPlanBaselineDetail,
    GovPlanBaselineIn,
    GovPlanBaselineOut,
    GovPlanCompareOut,
    GovPlanCompareQuery,
    GovPlanCompareRowOut,
    GovPlanMemberIn,
    GovPlanMemberOut,
    GovPlanMilestoneIn,
    GovPlanMilestoneOut,
    GovPlanMilestonePatch,
    GovPlanMilestoneQuery,
    GovPlanOrgOut,
    GovPlanPartyMilestoneIn,
    GovPlanPartyMilestoneOut,
    GovPlanPartyMilestonePatch,
    GovPlanPhaseIn,
    GovPlanPhaseOut,
    GovPlanPhasePatch,
    GovPlanSettingsOut,
    GovPlanSettingsPatch,
    GovPlanSlipOut,
    GovPlanSubsidiaryDetail,
    GovPlanSubsidiaryIn,
    GovPlanSubsidiaryOut,
    GovPlanTaskIn,
    GovPlanTaskOut,
    GovPlanTaskPatch,
    KindValue,
    MilestoneCode,
    ModeValue,
    Order,
    PhaseCode,
    RagValue,
)

router = Router(tags=["Programmes: plan"])

# The endpoints register themselves on ``router`` (imported after it exists), in the order the OpenAPI
# document has always listed them.
# isort: off
from busbar.programmes.api.plan.milestones import (  # noqa: E402
    create_milestone,
    get_milestone,
    list_milestones,
    update_milestone,
)
from busbar.programmes.api.plan.baselines import (  # noqa: E402
    compare_baselines,
    create_first_baseline,
    get_baseline,
    list_baselines,
)
from busbar.programmes.api.plan.tasks import (  # noqa: E402
    create_task,
    delete_task,
    get_task,
    list_tasks,
    update_task,
)
from busbar.programmes.api.plan.phases import (  # noqa: E402
    create_phase,
    list_phases,
    update_phase,
)
from busbar.programmes.api.plan.members import (  # noqa: E402
    create_member,
    delete_member,
    list_members,
)
from busbar.programmes.api.plan.subsidiary import (  # noqa: E402
    create_party_milestone,
    create_subsidiary_plan,
    delete_party_milestone,
    get_subsidiary_plan,
    list_subsidiary_plans,
    update_party_milestone,
)
from busbar.programmes.api.plan.governance import (  # noqa: E402
    get_settings,
    update_settings,
)
# isort: on

# Each operation keeps the id it had when the plan API was one module (clients name their calls by it).
keep_module_ids(router, "busbar.programmes.api.plan")

__all__ = [
    "BaselineNumber",
    "GovPlanBaselineDateIn",
    "GovPlanBaselineDateOut",
    "GovPlanBaselineDetail",
    "GovPlanBaselineIn",
    "GovPlanBaselineOut",
    "GovPlanCompareOut",
    "GovPlanCompareQuery",
    "GovPlanCompareRowOut",
    "GovPlanMemberIn",
    "GovPlanMemberOut",
    "GovPlanMilestoneIn",
    "GovPlanMilestoneOut",
    "GovPlanMilestonePatch",
    "GovPlanMilestoneQuery",
    "GovPlanOrgOut",
    "GovPlanPartyMilestoneIn",
    "GovPlanPartyMilestoneOut",
    "GovPlanPartyMilestonePatch",
    "GovPlanPhaseIn",
    "GovPlanPhaseOut",
    "GovPlanPhasePatch",
    "GovPlanSettingsOut",
    "GovPlanSettingsPatch",
    "GovPlanSlipOut",
    "GovPlanSubsidiaryDetail",
    "GovPlanSubsidiaryIn",
    "GovPlanSubsidiaryOut",
    "GovPlanTaskIn",
    "GovPlanTaskOut",
    "GovPlanTaskPatch",
    "KindValue",
    "MilestoneCode",
    "MilestonePath",
    "ModeValue",
    "NumberPath",
    "Order",
    "PhaseCode",
    "PhasePath",
    "ProgrammePath",
    "RagValue",
    "compare_baselines",
    "create_first_baseline",
    "create_member",
    "create_milestone",
    "create_party_milestone",
    "create_phase",
    "create_subsidiary_plan",
    "create_task",
    "delete_member",
    "delete_party_milestone",
    "delete_task",
    "get_baseline",
    "get_milestone",
    "get_settings",
    "get_subsidiary_plan",
    "get_task",
    "list_baselines",
    "list_members",
    "list_milestones",
    "list_phases",
    "list_subsidiary_plans",
    "list_tasks",
    "router",
    "update_milestone",
    "update_party_milestone",
    "update_phase",
    "update_settings",
    "update_task",
]
