"""The change app's API (``/api/v1/changes/…``): Change Notifications and their life, the CCG, the rules
and windows they are checked against, the forward schedule of change, availability, subscriptions,
feed tokens, bulletins and reports.

Each module adds its endpoints to a router of its own, mounted here in order: the fixed paths
(``/changes/schedule``, ``/changes/ccg/…``, ``/changes/notice-rules`` …) before the notifications'
``/changes/{reference}``, so no fixed path is read as a reference.
"""

from ninja import Router

from busbar.changes.api import ccg, config, notifications, reports, schedule, subscriptions

router = Router(tags=["changes"])

for _area in (schedule, ccg, config, subscriptions, reports, notifications):
    router.add_router("", _area.router)

__all__ = ["router"]
