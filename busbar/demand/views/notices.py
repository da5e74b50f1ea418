from django.http import HttpResponse
from django.urls import path


def placeholder(request, **kwargs):
    return HttpResponse("not built yet")


urlpatterns = [
    path("demand/", placeholder, name="demand_list"),
    path("demand/<str:reference>/", placeholder, name="demand_detail"),
]
