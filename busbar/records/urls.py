from django.urls import path

from busbar.records import inbox_views, views

urlpatterns = [
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read-all/", inbox_views.mark_all_read, name="inbox_read_all"),
    path("inbox/<str:pk>/read/", inbox_views.mark_read, name="inbox_read"),
    path("records/suggestions/", views.suggestions, name="record_suggestions"),
    path("records/<str:reference>/watch/", views.watch, name="record_watch"),
    path("records/<str:reference>/links/", views.link, name="record_link"),
]
