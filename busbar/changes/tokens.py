"""The secret in a person's calendar-feed URL (``/changes/feed/<secret>/…``): made once, shown once, kept
only as its SHA-256 (``FeedToken.token_hash``). A revoked or unknown secret, or one of a person no longer
active, finds no one."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.utils import timezone

from busbar.changes.models import FeedToken

#: What a secret looks like: ``secrets.token_urlsafe(32)`` (43 characters), with room to spare.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,100}")
#: How often a feed's use is written back (calendar clients poll often; one write an hour is enough).
TOUCH_EVERY = dt.timedelta(hours=1)


def new_secret() -> str:
    """A fresh secret for a feed URL (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """What is stored: the secret's SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def user_for(secret: str, *, now: dt.datetime | None = None):
    """The active person whose live token ``secret`` is, or None (unknown, revoked, malformed, or the
    person is no longer active). Notes the token's use at most once an hour."""
    if not isinstance(secret, str) or not SECRET_PATTERN.fullmatch(secret):
        return None
    token = (
        FeedToken.objects.select_related("user")
        .filter(token_hash=hash_secret(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user
