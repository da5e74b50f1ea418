"""Placeholder until the area lands."""

urlpatterns: list = []
