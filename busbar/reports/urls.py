"""The reporting pages: each views module keeps its own ``urlpatterns``."""

from busbar.reports.views import agreements, kpis, returns, service_reports

urlpatterns = [
    *kpis.urlpatterns,
    *agreements.urlpatterns,
    *service_reports.urlpatterns,
    *returns.urlpatterns,
]
