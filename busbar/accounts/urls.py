from django.urls import path

from busbar.accounts import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.tokens, name="tokens"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    # Shadows allauth's address management (mounted later, at accounts/): with no verification, it let
    # anyone switch their sign-in address to someone else's and so answer invitations sent to it.
    path("accounts/email/", views.email_addresses, name="email_addresses"),
]
