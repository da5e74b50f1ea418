"""Setting up test assurance (issue 11, items 1–3): programmes, their parties, participant roles,
environments and phases; cohorts, participations (mandatory or voluntary, TA-14), entry within the grace
period (TA-10), withdrawal; supplier–agent pairings re-arranged with their history kept (TA-15);
requirements imported from CSV/XLSX; scenarios specified by the SI and their versioned scripts.

Every function is an ``@action``: one transaction, refused by :mod:`busbar.testing.permissions`, phase
status through ``PHASE_TRANSITIONS`` (409), bad input an :class:`ActionError` naming the field (422), and a
journal entry for every change. The cohort-composition rule (TA-13) is :mod:`busbar.testing.cohorts`.

Import the actions from here (``from busbar.testing.actions import setup``; ``setup.start_phase(...)``).
"""

from busbar.testing.actions.setup._common import ENTRY_TRANSITIONS
from busbar.testing.actions.setup.participants import (
    add_participation,
    create_cohort,
    end_pairing,
    enter_phase,
    move_to_cohort,
    pair,
    rearrange_pairing,
    set_mandatory,
    withdraw,
)
from busbar.testing.actions.setup.programmes import (
    add_environment,
    add_participant_role,
    close_phase,
    create_phase,
    create_programme,
    name_party,
    remove_party,
    start_phase,
    update_participant_role,
    update_phase,
    update_programme,
)
from busbar.testing.actions.setup.specs import (
    create_scenario,
    edit_script,
    import_requirements,
    update_scenario,
)

__all__ = [
    "ENTRY_TRANSITIONS",
    "add_environment",
    "add_participant_role",
    "add_participation",
    "close_phase",
    "create_cohort",
    "create_phase",
    "create_programme",
    "create_scenario",
    "edit_script",
    "end_pairing",
    "enter_phase",
    "import_requirements",
    "move_to_cohort",
    "name_party",
    "pair",
    "rearrange_pairing",
    "remove_party",
    "set_mandatory",
    "start_phase",
    "update_participant_role",
    "update_phase",
    "update_programme",
    "update_scenario",
    "withdraw",
]
