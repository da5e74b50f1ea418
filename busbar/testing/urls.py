"""The testing pages. Routes with a fixed first segment (executions, runs, issues, gates, reports) come
before the programme-slug routes, so no programme code can shadow them."""

from busbar.testing.views import executions, gates, issues, reports, setup

urlpatterns = [
    *executions.urlpatterns,
    *issues.urlpatterns,
    *gates.urlpatterns,
    *reports.urlpatterns,
    *setup.urlpatterns,
]
