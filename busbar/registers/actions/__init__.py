"""Every change to the registers (see :mod:`.items` for risks and improvements, :mod:`.reviews` for
service reviews and their actions)."""

from busbar.registers.actions.items import (
    add_improvement_update,
    add_risk_update,
    change_improvement_status,
    change_risk_status,
    link_improvement_problems,
    link_risk_problems,
    raise_improvement,
    raise_risk,
    review_improvement,
    review_risk,
    update_improvement,
    update_risk,
)
from busbar.registers.actions.reviews import (
    add_review_action,
    cancel_review,
    complete_review_action,
    drop_review_action,
    hold_review,
    record_minutes,
    schedule_review,
)

__all__ = [
    "add_improvement_update",
    "add_review_action",
    "add_risk_update",
    "cancel_review",
    "change_improvement_status",
    "change_risk_status",
    "complete_review_action",
    "drop_review_action",
    "hold_review",
    "link_improvement_problems",
    "link_risk_problems",
    "raise_improvement",
    "raise_risk",
    "record_minutes",
    "review_improvement",
    "review_risk",
    "schedule_review",
    "update_improvement",
    "update_risk",
]
