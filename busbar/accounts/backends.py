"""Authentication backends whose ``get_user`` (every signed-in request) reads the user, their scope and
their second-factor state in one query (:func:`busbar.accounts.loading.load_with_scope`)."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from busbar.accounts.loading import load_with_scope
from busbar.accounts.models import User


class _OneQueryUser:
    def get_user(self, user_id: Any) -> User | None:
        try:
            found = load_with_scope(User.objects.filter(pk=user_id))
        except (TypeError, ValueError):
            return None
        if found is None:
            return None
        user = found[1]
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_OneQueryUser, DjangoModelBackend):
    """Django's backend (passwords), with the one-query ``get_user``."""


class AuthenticationBackend(_OneQueryUser, AllauthBackend):
    """allauth's backend (sign-in by e-mail), with the one-query ``get_user``."""
