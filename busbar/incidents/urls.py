from django.urls import path

from busbar.incidents import views

urlpatterns = [
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/new/severity/", views.severity_field, name="incident_severity_field"),
    path("incidents/bulk-assign/", views.bulk_assign, name="incident_bulk_assign"),
    path("incidents/bulk/", views.bulk_action, name="incident_bulk"),
    path("incidents/export/", views.incident_export, name="incident_export"),
    path("incidents/<str:reference>/", views.incident_detail, name="incident_detail"),
    path(
        "incidents/<str:reference>/attachments/<int:pk>/",
        views.attachment_download,
        name="incident_attachment",
    ),
    path("incidents/<str:reference>/<slug:verb>/", views.incident_action, name="incident_action"),
    path("major-incidents/", views.major_list, name="major_list"),
]
