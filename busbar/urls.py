from django.urls import include, path

from busbar.core.api import api

urlpatterns = [
    path("", include("busbar.core.urls")),
    path("", include("busbar.parties.urls")),
    path("", include("busbar.accounts.urls")),
    path("", include("busbar.services.urls")),
    path("", include("busbar.incidents.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
]
