"""Every change to demand management (see :mod:`.notices` and :mod:`.tolerances`)."""

from busbar.demand.actions.notices import (
    add_note,
    add_update,
    close_notice,
    file_notice,
    notify_providers,
    record_compliance,
    reopen_notice,
    request_mitigation,
    respond,
    start_analysis,
    update_notice,
    withdraw_notice,
)
from busbar.demand.actions.tolerances import set_tolerance

__all__ = [
    "add_note",
    "add_update",
    "close_notice",
    "file_notice",
    "notify_providers",
    "record_compliance",
    "reopen_notice",
    "request_mitigation",
    "respond",
    "set_tolerance",
    "start_analysis",
    "update_notice",
    "withdraw_notice",
]
