"""Every change to incidents. Each action is one transaction, writes the audit journal, appends to the
incident's clock log when the clocks are affected, refreshes the SLA cache and queues notifications on commit.
"""

from busbar.incidents.actions._common import ALLOWED_ATTACHMENT_TYPES
from busbar.incidents.actions.affected import join_affected
from busbar.incidents.actions.bulk import MAX_BULK, BulkResult, bulk_add_note, bulk_assign, bulk_set_severity
from busbar.incidents.actions.email import EmailRejected, receive_email
from busbar.incidents.actions.lifecycle import (
    add_update,
    assign_incident,
    cancel_incident,
    close_incident,
    link_incidents,
    raise_incident,
    reopen_incident,
    resolve_incident,
    set_pending,
    start_work,
    triage_incident,
)
from busbar.incidents.actions.major import (
    declare_major_incident,
    record_review,
    remind_major_update,
    send_communication,
    set_major_manager,
    set_update_interval,
    update_major,
)
from busbar.incidents.actions.sla_notices import (
    raise_sla_notice,
    raise_sla_notices,
    recompute_sla_for_policy,
)

__all__ = [
    "ALLOWED_ATTACHMENT_TYPES",
    "MAX_BULK",
    "BulkResult",
    "EmailRejected",
    "add_update",
    "assign_incident",
    "bulk_add_note",
    "bulk_assign",
    "bulk_set_severity",
    "cancel_incident",
    "close_incident",
    "declare_major_incident",
    "join_affected",
    "link_incidents",
    "raise_incident",
    "raise_sla_notice",
    "raise_sla_notices",
    "recompute_sla_for_policy",
    "receive_email",
    "record_review",
    "remind_major_update",
    "reopen_incident",
    "resolve_incident",
    "send_communication",
    "set_major_manager",
    "set_pending",
    "set_update_interval",
    "start_work",
    "triage_incident",
    "update_major",
]
