"""Emails about accounts. Sending goes through Django's mail API, which Busbar queues as a background task.

Each message goes to one recipient (``lib.outbound.send_each``); subject and body are text templates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from busbar.accounts.models import User
from busbar.lib.outbound import send_each
from busbar.parties.models import Organisation
from busbar.parties.queries import (
    SECOND_FACTOR_NONE,
    invitee_account,
    invitee_account_state,
    second_factor_of,
)

if TYPE_CHECKING:
    from busbar.parties.models import Invitation


def _subject(template: str, context: dict) -> str:
    return " ".join(render_to_string(template, context).split())


def password_set_url(user: User) -> str:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return f"{settings.SITE_URL}{path}"


def invitation_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('invitation_respond', kwargs={'token': token})}"


def send_added_to_organisation(*, user: User, organisation: Organisation, new_account: bool) -> None:
    """Bootstrap only (demo data, set-up commands): the person was added at once, without an invitation."""
    context = {
        "user": user,
        "organisation": organisation,
        "new_account": new_account,
        "set_password_url": password_set_url(user) if new_account else None,
        "site_url": settings.SITE_URL,
    }
    send_each(
        [user.email],
        subject=_subject("accounts/email/added_subject.txt", context),
        body=render_to_string("accounts/email/added.txt", context),
    )


def send_invitation(*, invitation: Invitation, token: str) -> None:
    """The invitation link, to the invited address only. The wording depends on what the address's owner
    must do (sign in, confirm or choose a password, or create an account); only they read it."""
    kind = invitee_account_state(invitation)
    reactivating = kind in ("confirm_password", "choose_password")
    second_factor = second_factor_of(invitee_account(invitation)) if reactivating else SECOND_FACTOR_NONE
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "role": invitation.get_role_display(),
        "inviter": inviter.display_name if inviter is not None else "",
        "kind": kind,
        "second_factor": second_factor,
        "url": invitation_url(token),
        "expires": timezone.localtime(invitation.expires_at),
        "site_url": settings.SITE_URL,
    }
    send_each(
        [invitation.email],
        subject=_subject("accounts/email/invitation_subject.txt", context),
        body=render_to_string("accounts/email/invitation.txt", context),
    )
