"""The programmes app's API under ``/api/v1/programmes/``, one router per area (mounted in ``apps.py``)."""

from busbar.programmes.api import changes, dashboard, meetings, plan, raid, readiness

AREAS = [
    ("plan", plan.router),
    ("raid", raid.router),
    ("meetings", meetings.router),
    ("changes", changes.router),
    ("readiness", readiness.router),
    ("dashboard", dashboard.router),
]
