from django.http import HttpResponse
from django.urls import path


def placeholder(request, **kwargs):
    return HttpResponse("not built yet")


urlpatterns = [
    path("requests/", placeholder, name="request_list"),
    path("requests/<str:reference>/", placeholder, name="request_detail"),
]
