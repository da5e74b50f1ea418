"""The governance settings: the calendar working days are counted on, the pack's prefix and
classification, the consultation windows."""

from typing import Any

from django.http import HttpRequest

from busbar.lib.actions import ActionError
from busbar.programmes.actions import plan as actions
from busbar.programmes.api.plan import router
from busbar.programmes.api.plan._common import ProgrammePath, _actor, _programme
from busbar.programmes.api.plan.schemas import GovPlanSettingsOut, GovPlanSettingsPatch
from busbar.programmes.models import GovernanceSettings


def _settings_out(s: GovernanceSettings) -> dict[str, Any]:
    return {
        "calendar": s.calendar_id,
        "calendar_name": s.calendar.name if s.calendar else None,
        "document_prefix": s.document_prefix,
        "classification": s.classification,
        "consultation_days": s.consultation_days,
        "assurance_days": s.assurance_days,
    }


@router.get(
    "/programmes/{programme}/plan-settings",
    response=GovPlanSettingsOut,
    summary="The calendar working days are counted on, the pack's prefix and classification, the windows",
)
def get_settings(request: HttpRequest, programme: ProgrammePath) -> Any:
    the_programme = _programme(request, programme)
    found = GovernanceSettings.objects.filter(programme=the_programme).select_related("calendar").first()
    return _settings_out(found or GovernanceSettings(programme=the_programme))


@router.patch(
    "/programmes/{programme}/plan-settings",
    response=GovPlanSettingsOut,
    summary="Change the governance settings (the office)",
)
def update_settings(request: HttpRequest, programme: ProgrammePath, payload: GovPlanSettingsPatch) -> Any:
    from busbar.services.models import Calendar

    the_programme = _programme(request, programme)
    data = payload.dict(exclude_unset=True)
    calendar = None
    if data.get("calendar") is not None:
        calendar = Calendar.objects.filter(pk=data["calendar"]).first()
        if calendar is None:
            raise ActionError(f"No calendar {data['calendar']}", field="calendar")
    if "classification" in data and data["classification"] is None:
        raise ActionError("classification cannot be null", field="classification")
    saved = actions.settings(
        actor=_actor(request),
        programme=the_programme,
        calendar=calendar,
        clear_calendar="calendar" in data and data["calendar"] is None,
        document_prefix=data.get("document_prefix"),
        classification=data.get("classification"),
        consultation_days=data.get("consultation_days"),
        assurance_days=data.get("assurance_days"),
    )
    return _settings_out(GovernanceSettings.objects.select_related("calendar").get(pk=saved.pk))
