"""Helpers shared by the invitation tests (not a test module)."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from typing import Any, Protocol

from django.core import mail

from busbar.accounts.models import User
from busbar.conftest import PASSWORD, World
from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.models import Invitation, MembershipRole, Organisation

LINK = re.compile(r"/invitations/([A-Za-z0-9_-]{20,100})/")


class Capture(Protocol):
    def __call__(self, *, execute: bool = ...) -> AbstractContextManager[Any]: ...


def token_from_last_email(address: str) -> str:
    sent = [m for m in mail.outbox if m.to == [address]]
    assert sent, f"no email to {address}"
    found = LINK.search(sent[-1].body)
    assert found, sent[-1].body
    return found.group(1)


def invite(
    capture: Capture,
    org: Organisation,
    email: str,
    role: str = MembershipRole.PARTICIPANT,
    *,
    by: User,
    full_name: str = "",
) -> tuple[Invitation, str]:
    """Invite through the action as ``by`` (an administrator) and return the invitation and emailed token."""
    with capture(execute=True):
        invitation = actions.invite_user(
            actor=Actor(user=by, organisation=org, channel="web"),
            organisation=org,
            email=email,
            role=role,
            full_name=full_name,
        )
    return invitation, token_from_last_email(email.strip().lower())


def deactivated_account(
    world: World, email: str = "gone@charlie.example", name: str = "Quentin Dormant"
) -> User:
    """An account whose only membership (at B) was switched off, so it cannot sign in."""
    from busbar.conftest import make_user

    user = make_user(world.org_b, email, MembershipRole.PARTICIPANT, name=name)
    actions.set_membership_active(actor=Actor.system(), membership=user.memberships.get(), active=False)
    user.refresh_from_db()
    assert not user.is_active
    return user


__all__ = ["PASSWORD", "deactivated_account", "invite", "token_from_last_email"]
