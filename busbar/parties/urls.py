from django.urls import path

from busbar.parties import views

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/active/", views.organisation_set_active, name="organisation_set_active"),
    path("organisations/<int:pk>/invite/", views.member_invite, name="member_invite"),
    path("memberships/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("memberships/<int:pk>/active/", views.membership_set_active, name="membership_set_active"),
]
