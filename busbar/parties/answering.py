"""Touching an invitation that turns out to be dead.

Accepting, declining or revoking an invitation can find it dead: past its expiry, or no longer backed by
whoever sent it (an administrator removed or demoted since), or for a role its organisation may no longer
hold. The action then refuses with :class:`~busbar.parties.actions.InvitationVoid`, and its transaction
is rolled back with the refusal — so the closing (``invitation.expire`` or ``invitation.revoke``) is
recorded here, by a second action in a transaction of its own, before the refusal goes on to the caller.
Every page and endpoint that answers or revokes an invitation goes through :func:`closing_if_void`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from busbar.lib.actions import ActionError, Actor
from busbar.parties import actions
from busbar.parties.models import Invitation


def settle(invitation: Invitation) -> bool:
    """Close the invitation if it is dead (journalled, by Busbar itself: nothing about who touched it is
    recorded). True when it was closed now; False when it is not dead, or was closed meanwhile."""
    try:
        actions.close_void_invitation(actor=Actor.system(), invitation=invitation)
    except ActionError:
        return False
    return True


@contextmanager
def closing_if_void(invitation: Invitation) -> Iterator[None]:
    """Run an answer or a revocation; when it is refused because the invitation is dead, close the
    invitation with :func:`settle`, then let the refusal go on to the caller."""
    try:
        yield
    except actions.InvitationVoid:
        settle(invitation)
        raise
