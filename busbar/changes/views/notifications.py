"""Placeholder until the area lands (H3a replaces this module)."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404("Not yet")


urlpatterns: list = [
    path("changes/", _todo, name="change_list"),
    path("changes/<str:reference>/", _todo, name="change_detail"),
]
