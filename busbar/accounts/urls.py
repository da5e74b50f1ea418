from django.urls import path

from busbar.accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.tokens, name="tokens"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("profile/filters/", views.saved_filter_save, name="saved_filter_save"),
    path("profile/filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    # Shadows allauth's address management (mounted later, at accounts/): with no verification, it let
    # anyone switch their sign-in address to someone else's and so answer invitations sent to it.
    path("accounts/email/", views.email_addresses, name="email_addresses"),
]
