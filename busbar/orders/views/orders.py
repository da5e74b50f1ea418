from django.http import HttpResponse
from django.urls import path


def placeholder(request, **kwargs):
    return HttpResponse("not built yet")


urlpatterns = [
    path("hubs/", placeholder, name="oms_home"),
    path("hubs/orders/<str:reference>/", placeholder, name="hub_order_detail"),
]
