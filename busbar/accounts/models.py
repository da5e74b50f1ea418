"""People who sign in to Busbar, and their personal API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "bb_"  # noqa: S105 - a public prefix, not a secret


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. What they may see and do comes from their memberships of organisations."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Per-user notification preferences, keyed by event kind ("incident.update", ...): True/False.
    notification_preferences = models.JSONField(default=dict, blank=True)
    #: Set when the person's authenticators were removed (an approved MFA reset): they must enrol a second
    #: factor before reaching any page, whatever their role.
    mfa_enrol_required = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:
        # Django's admin site is not mounted: every change goes through Busbar's own actions.
        return False

    def wants(self, kind: str) -> bool:
        """Whether the user wants notifications of ``kind`` (default: yes)."""
        return bool(self.notification_preferences.get(kind, True))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token_secret() -> tuple[str, str]:
    """Return ``(raw token, prefix)``. The raw token is shown to its owner once and never stored."""
    prefix = secrets.token_hex(4)
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; it acts with its owner's visibility."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=8, help_text="First characters, shown so the owner can tell tokens apart"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}{self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class SavedFilter(models.Model):
    """A person's named filter of a list (its query string), offered as a link above that list. Personal:
    only its owner sees, uses or deletes it. ``list_key`` is the list page's URL name (``incident_list``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_filters")
    list_key = models.CharField(max_length=40)
    name = models.CharField(max_length=60)
    query_string = models.CharField(max_length=1000, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key", "name"], name="unique_saved_filter_name")
        ]

    def __str__(self) -> str:
        return self.name
