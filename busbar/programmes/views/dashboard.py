"""Programme governance pages: dashboard."""

from django.http import HttpResponse
from django.urls import path


def home(request):
    return HttpResponse("programmes")


urlpatterns: list = [path("programmes/", home, name="programmes_home")]
