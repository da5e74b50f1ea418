"""Every change to Change Notifications and the change co-ordination around them: one transaction each,
refused with :mod:`busbar.changes.permissions`, journalled, side effects (bulletins, notices) on commit.

- ``lifecycle``: raise, edit, submit, cancel, take into review, start, complete, fail, back out, the
  post-implementation review, reviewed, updates, overruns.
- ``ccg``: decisions (accept, with conditions, reschedule, reject, more information, retrospective),
  members, meetings, agendas, minutes.
- ``consultations``: impact assessments asked of other providers and participants, and their answers.
- ``config``: notice rules, maintenance and blackout windows, availability targets.
- ``subscriptions``: service subscriptions, calendar-feed tokens.
"""

from busbar.changes.actions.ccg import *  # noqa: F403
from busbar.changes.actions.config import *  # noqa: F403
from busbar.changes.actions.consultations import *  # noqa: F403
from busbar.changes.actions.lifecycle import *  # noqa: F403
from busbar.changes.actions.status import *  # noqa: F403
from busbar.changes.actions.subscriptions import *  # noqa: F403
