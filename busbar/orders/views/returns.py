from django.http import HttpResponse
from django.urls import path


def placeholder(request, **kwargs):
    return HttpResponse("not built yet")


urlpatterns = [
    path("hubs/returns/<str:reference>/", placeholder, name="hub_return_detail"),
]
