"""Emails about accounts. Sending goes through Django's mail API, which Busbar queues as a background task."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from busbar.accounts.models import User
from busbar.parties.models import Organisation


def password_set_url(user: User) -> str:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return f"{settings.SITE_URL}{path}"


def send_invitation(*, user: User, organisation: Organisation, new_account: bool) -> None:
    context = {
        "user": user,
        "organisation": organisation,
        "new_account": new_account,
        "set_password_url": password_set_url(user) if new_account else None,
        "site_url": settings.SITE_URL,
    }
    send_mail(
        subject=f"[Busbar] You have been added to {organisation}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
