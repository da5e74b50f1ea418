from django.urls import path

from busbar.services import views

urlpatterns = [
    path("status/", views.status_page, name="service_status"),
    path("services/", views.service_list, name="service_list"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/<slug:slug>/", views.service_detail, name="service_detail"),
    path("services/<slug:slug>/edit/", views.service_edit, name="service_edit"),
    path("services/<slug:slug>/status/", views.service_set_status, name="service_set_status"),
    path("calendars/", views.calendar_list, name="calendar_list"),
    path("calendars/new/", views.calendar_create, name="calendar_create"),
    path("calendars/<int:pk>/", views.calendar_detail, name="calendar_detail"),
    path("calendars/<int:pk>/edit/", views.calendar_edit, name="calendar_edit"),
    path("calendars/<int:pk>/closures/", views.closure_add, name="calendar_closure_add"),
    path(
        "calendars/<int:pk>/closures/<int:closure_pk>/remove/",
        views.closure_remove,
        name="calendar_closure_remove",
    ),
    path("sla-policies/", views.policy_list, name="sla_policy_list"),
    path("sla-policies/new/", views.policy_create, name="sla_policy_create"),
    path("sla-policies/<int:pk>/", views.policy_detail, name="sla_policy_detail"),
    path("sla-policies/<int:pk>/edit/", views.policy_edit, name="sla_policy_edit"),
    path("sla-policies/<int:pk>/targets/", views.policy_targets, name="sla_policy_targets"),
    path("severity-schemes/new/", views.scheme_create, name="severity_scheme_create"),
]
