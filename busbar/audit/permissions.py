"""Who reads the audit journal list: the only place this rule lives (the entries each reader sees are
:func:`busbar.audit.queries.entries_visible_to`'s).

The operator's central roles read the whole journal; an organisation administrator reads their own
organisations' entries (people, tokens, organisation changes); everyone else reads the history of each
record on the record's own page only. The journal is append-only: nobody may change or delete an entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from busbar.parties.queries import Scope


def can_read_journal(scope: Scope) -> str | None:
    if scope.is_central or scope.admin_of:
        return None
    return "The audit journal is read by the service desk, operations and organisation administrators"


def reads_everything(scope: Scope) -> bool:
    """Whether the reader's journal is the whole journal (central roles), not their organisations'."""
    return scope.is_central
