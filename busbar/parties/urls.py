from django.urls import path, re_path

from busbar.parties import canned_views, views

urlpatterns = [
    path("canned-responses/", canned_views.canned_list, name="canned_list"),
    re_path(r"^canned-responses/(?P<pk>[0-9]{1,18})/edit/$", canned_views.canned_edit, name="canned_edit"),
    re_path(
        r"^canned-responses/(?P<pk>[0-9]{1,18})/delete/$", canned_views.canned_delete, name="canned_delete"
    ),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/active/", views.organisation_set_active, name="organisation_set_active"),
    path("organisations/<int:pk>/invite/", views.member_invite, name="member_invite"),
    path("memberships/<int:pk>/role/", views.membership_role, name="membership_role"),
    path("memberships/<int:pk>/active/", views.membership_set_active, name="membership_set_active"),
    # Invitation ids are bounded to 18 digits so no hostile number reaches the database as an overflow.
    re_path(r"^invitations/(?P<pk>[0-9]{1,18})/revoke/$", views.invitation_revoke, name="invitation_revoke"),
    re_path(r"^invitations/(?P<pk>[0-9]{1,18})/accept/$", views.invitation_accept, name="invitation_accept"),
    re_path(
        r"^invitations/(?P<pk>[0-9]{1,18})/decline/$", views.invitation_decline, name="invitation_decline"
    ),
    # The emailed link: the secret is bounded here and checked again (as a digest) in queries.py.
    re_path(
        r"^invitations/(?P<token>[A-Za-z0-9_-]{20,100})/$",
        views.invitation_respond,
        name="invitation_respond",
    ),
]
