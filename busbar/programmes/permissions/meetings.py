"""Who may do what with the action log and decisions, beyond the shared rules in
:mod:`busbar.programmes.permissions` (groups, meetings, raising, updating and ratifying actions, recording
decisions live there). ``can_<verb>(access, …) -> None`` when allowed, else the reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.programmes.permissions import office_only

if TYPE_CHECKING:
    from busbar.programmes.models import Action, DecisionCondition
    from busbar.testing.access import Access


def can_edit_action(access: Access, action: Action) -> str | None:
    """An action's text, owners, due date and RAID links: the programme office keeps the log."""
    return office_only(access, action.programme_id)


def can_reopen_action(access: Access, action: Action) -> str | None:
    """A closed action reopened: meeting business, the office's (owners may not undo a ratification)."""
    return office_only(access, action.programme_id)


def can_close_condition(access: Access, condition: DecisionCondition) -> str | None:
    """A decision's condition closed as met or waived: the office tracks conditions to closure."""
    return office_only(access, condition.decision.programme_id)
