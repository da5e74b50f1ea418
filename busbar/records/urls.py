from django.urls import path

from busbar.records import views

urlpatterns = [
    path("records/suggestions/", views.suggestions, name="record_suggestions"),
    path("records/<str:reference>/watch/", views.watch, name="record_watch"),
    path("records/<str:reference>/links/", views.link, name="record_link"),
]
