"""Who may change the service catalogue (services, calendars, severity schemes, SLA policies): the only
place this rule lives. Actions refuse with it; pages and the API offer the editing forms with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from busbar.parties.queries import Scope


def can_change_catalogue(scope: Scope) -> str | None:
    """Platform administrators and operations managers (the system too: it acts with the desk's powers)."""
    if scope.is_platform_admin or scope.is_operations:
        return None
    return "Only platform administrators and operations managers can change the service catalogue"
