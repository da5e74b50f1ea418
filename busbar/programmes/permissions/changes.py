"""Who may do what on a programme change request, beyond the shared rules of
:mod:`busbar.programmes.permissions` (``can_raise_cr``, ``can_edit_cr``, ``can_decide_cr``,
``can_respond_to_cr``): who answers an impact assessment, and the CR's conversation.

``can_<verb>(access, cr, …) -> None`` when allowed, else the reason shown to the person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from busbar.programmes import cr_metrics
from busbar.programmes.permissions import can_raise_cr, can_respond_to_cr, office_only

if TYPE_CHECKING:
    from busbar.programmes.models import ChangeRequest
    from busbar.testing.access import Access

NOT_ASKED = (
    "The programme office and its assurers run and assure the impact assessment; the programme's "
    "participants answer it"
)


def can_respond(access: Access, cr: ChangeRequest, organisation_id: int) -> str | None:
    """An impact assessment for ``organisation_id``: while the CR is issued, by a member of an organisation
    asked to respond (the participants other than the office and the assurers)."""
    reason = can_respond_to_cr(access, cr, organisation_id)
    if reason is not None:
        return reason
    if not cr_metrics.respondent_ids(cr.programme_id).filter(pk=organisation_id).exists():
        return NOT_ASKED
    return None


def can_comment_cr(access: Access, cr: ChangeRequest) -> str | None:
    """A public update on the CR's conversation: the office and any participant (who may raise CRs);
    assurers and the desk read."""
    return can_raise_cr(access, cr.programme_id)


def can_note_cr(access: Access, cr: ChangeRequest) -> str | None:
    """An internal note (read by the office, the assurers and the raising organisation): the office."""
    return can_comment_cr(access, cr) or office_only(access, cr.programme_id)
