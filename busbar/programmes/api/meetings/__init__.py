"""API: a programme's governance groups and their members, meetings (cover, agenda, minutes, hold, minutes
approved at a later meeting, working-group reports), the action log (raise, update, recommend closed,
ratify at a meeting, import, export) and decisions with their conditions (digest §5.4, §5.5, §5.7).

Every read starts from :mod:`busbar.programmes.queries` (a programme the caller does not take part in is a
404); every change goes through :mod:`busbar.programmes.actions.meetings`, refused there by
:mod:`busbar.programmes.permissions` (403), by a transition table (409) or as bad input (422).


One router (:data:`.common.router`) whose endpoints live by area: :mod:`.groups`, :mod:`.meeting`,
:mod:`.log` (the action log), :mod:`.decisions`.
"""

from busbar.programmes.api.meetings import decisions, groups, log, meeting
from busbar.programmes.api.meetings.common import router

__all__ = ["decisions", "groups", "log", "meeting", "router"]
