from django.urls import include, path

from busbar.core.api import mounted

urlpatterns = [
    path("", include("busbar.core.urls")),
    path("", include("busbar.parties.urls")),
    path("", include("busbar.accounts.urls")),
    path("", include("busbar.services.urls")),
    path("", include("busbar.records.urls")),
    path("", include("busbar.incidents.urls")),
    path("", include("busbar.problems.urls")),
    path("", include("busbar.testing.urls")),
    path("", include("busbar.programmes.urls")),
    path("", include("busbar.changes.urls")),
    path("", include("busbar.reports.urls")),
    path("", include("busbar.registers.urls")),
    path("", include("busbar.requests.urls")),
    path("", include("busbar.demand.urls")),
    path("", include("busbar.migration.urls")),
    path("", include("busbar.orders.urls")),
    path("", include("busbar.knowledge.urls")),
    path("", include("busbar.events.urls")),
    path("", include("busbar.triage.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", mounted().urls),
]

handler400 = "busbar.core.errors.bad_request"
handler403 = "busbar.core.errors.permission_denied"
handler404 = "busbar.core.errors.not_found"
handler500 = "busbar.core.errors.server_error"
