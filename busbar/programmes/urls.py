"""The programme governance pages under ``/programmes/``: one module of views per area."""

from busbar.programmes.views import changes, dashboard, meetings, plan, raid, readiness

urlpatterns = [
    *dashboard.urlpatterns,
    *plan.urlpatterns,
    *raid.urlpatterns,
    *meetings.urlpatterns,
    *changes.urlpatterns,
    *readiness.urlpatterns,
]
