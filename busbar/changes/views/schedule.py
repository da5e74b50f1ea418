"""Placeholder until the area lands (H4 replaces this module)."""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404("Not yet")


urlpatterns: list = [path("changes/schedule/", _todo, name="fsc")]
