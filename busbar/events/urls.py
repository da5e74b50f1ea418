from django.urls import path

from busbar.events import views

urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("events/<int:pk>/promote/", views.event_promote, name="event_promote"),
]
