"""The programme's governance settings: its working-day calendar, the meeting packs' prefix and
classification, the consultation windows (GV-51). (Not ``settings.py``: the action is ``settings``, and a
submodule of that name would be shadowed by it in the package.)"""

from __future__ import annotations

from typing import Any

from busbar.audit.journal import diff, snapshot
from busbar.lib.actions import ActionError, Actor, action, refuse
from busbar.programmes import permissions
from busbar.programmes.actions.common import clean_text, journal
from busbar.programmes.models import GovernanceSettings
from busbar.testing.access import access_of
from busbar.testing.models import Programme

PREFIX_MAX = GovernanceSettings._meta.get_field("document_prefix").max_length
CLASSIFICATION_MAX = GovernanceSettings._meta.get_field("classification").max_length
#: Consultation windows in working days (GV-51: 10 + 5).
WINDOW_MAX = 60


@action
def settings(
    *,
    actor: Actor,
    programme: Programme,
    calendar: Any = None,
    clear_calendar: bool = False,
    document_prefix: str | None = None,
    classification: str | None = None,
    consultation_days: int | None = None,
    assurance_days: int | None = None,
) -> GovernanceSettings:
    """The programme's governance settings: the calendar its working days are counted on (its closures are
    not working days), the meeting packs' document prefix and default classification, and the consultation
    windows in working days (GV-51). ``None`` keeps a setting; ``clear_calendar`` drops the calendar."""
    from busbar.services.models import Calendar

    refuse(permissions.can_manage_plan(access_of(actor), programme.pk))
    found = GovernanceSettings.objects.select_for_update().filter(programme=programme).first()
    created = found is None
    current = found or GovernanceSettings(programme=programme)
    fields = ("calendar", "document_prefix", "classification", "consultation_days", "assurance_days")
    before = {} if created else snapshot(current, fields)
    if clear_calendar:
        current.calendar = None
    elif calendar is not None:
        if not isinstance(calendar, Calendar):
            raise ActionError("Choose a calendar", field="calendar")
        current.calendar = calendar
    if document_prefix is not None:
        current.document_prefix = clean_text(
            document_prefix, field="document_prefix", limit=PREFIX_MAX, what="The prefix", required=False
        )
    if classification is not None:
        current.classification = clean_text(
            classification, field="classification", limit=CLASSIFICATION_MAX, what="The classification"
        )
    for key, value, low in (
        ("consultation_days", consultation_days, 1),
        ("assurance_days", assurance_days, 0),
    ):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= WINDOW_MAX:
            raise ActionError(f"Give {low} to {WINDOW_MAX} working days", field=key)
        setattr(current, key, value)
    current.save()
    changes = diff(before, snapshot(current, fields))
    journal(actor, current, "plan.settings", changes=changes, note="" if changes else "Nothing changed")
    return current
