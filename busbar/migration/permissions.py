"""Who may change what in qualification and migration: the only place these rules live.

``can_<verb>(viewer, …)`` answers None (allowed) or the reason; the actions refuse with it
(``refuse(permissions.can_…(viewer_of(actor), …))``), the pages and the API offer with it. ``viewer`` is
:class:`busbar.migration.queries.Viewer`.

* **Migration managers** (the programme's SI and programme manager; platform administrators) keep the
  qualification window, code bodies, tranches and capacities, entrants, run and commit the allocation,
  confirm SIT exemptions, keep the segment windows and thresholds, accept, return and re-profile plans,
  load daily files on a participant's behalf, work exceptions, and set cleanse categories and targets.
* **A code body** moves the entrants it manages through qualification (qualifying, qualified).
* **A participant** (any member of the organisation) states its readiness date and, for a supplier, its
  systems-live date and agents; a supplier drafts and submits its plans, loads its daily files, works its
  exceptions and reports its cleanse figures.
"""

from __future__ import annotations

from typing import Any

NOT_MANAGER = "Only the programme's migration managers (SI, programme manager) may do this"
NOT_YOURS = "Only the organisation itself or the programme's migration managers may do this"


def _manages(viewer: Any, programme_id: int) -> bool:
    return viewer.manages_programme(programme_id)


# Qualification ------------------------------------------------------------------------------------------


def can_manage_qualification(viewer: Any, window: Any) -> str | None:
    """Keep the window, code bodies, tranches, entrants; allocate; confirm exemptions."""
    return None if _manages(viewer, window.programme_id) else NOT_MANAGER


def can_create_window(viewer: Any, programme: Any) -> str | None:
    return None if _manages(viewer, programme.pk) else NOT_MANAGER


def can_progress_entrant(viewer: Any, entrant: Any) -> str | None:
    """Move an entrant through qualification (qualifying, qualified, withdrawn, back to allocated)."""
    if _manages(viewer, entrant.window.programme_id):
        return None
    bodies = viewer.code_bodies.get(entrant.window_id, frozenset())
    if entrant.code_body_id is not None and entrant.code_body_id in bodies:
        return None
    return "Only the entrant's code body or the programme's migration managers may do this"


def can_update_readiness(viewer: Any, entrant: Any) -> str | None:
    """State the readiness date, systems-live date, agents (the participant itself, or the managers)."""
    if entrant.organisation_id in viewer.organisation_ids or _manages(viewer, entrant.window.programme_id):
        return None
    return NOT_YOURS


def can_mark_live(viewer: Any, entrant: Any) -> str | None:
    """Record go-live (the eligibility rule is the action's; who may is the managers')."""
    return can_manage_qualification(viewer, entrant.window)


# Plans and thresholds -----------------------------------------------------------------------------------


def can_keep_segment_windows(viewer: Any, programme: Any) -> str | None:
    return None if _manages(viewer, programme.pk) else NOT_MANAGER


def can_keep_thresholds(viewer: Any, programme: Any) -> str | None:
    return None if _manages(viewer, programme.pk) else NOT_MANAGER


def can_edit_plan(viewer: Any, plan: Any) -> str | None:
    """Draft or change a plan's lines (the supplier; the managers re-profile with :func:`can_reprofile`)."""
    if plan.supplier_id in viewer.organisation_ids:
        return None
    return "Only the supplier's people may change its plan (the programme re-profiles)"


def can_create_plan(viewer: Any, programme: Any, supplier_id: int) -> str | None:
    if supplier_id in viewer.organisation_ids or _manages(viewer, programme.pk):
        return None
    return NOT_YOURS


def can_submit_plan(viewer: Any, plan: Any) -> str | None:
    return can_edit_plan(viewer, plan)


def can_review_plan(viewer: Any, plan: Any) -> str | None:
    """Accept or return a submitted plan."""
    return None if _manages(viewer, plan.programme_id) else NOT_MANAGER


def can_reprofile(viewer: Any, plan: Any) -> str | None:
    """Move a plan's volumes off over-threshold days (the operator's re-profile)."""
    return None if _manages(viewer, plan.programme_id) else NOT_MANAGER


# The ledger ---------------------------------------------------------------------------------------------


def can_load_file(viewer: Any, organisation_id: int) -> str | None:
    """Load a daily migration file for ``organisation_id`` (its own people, or the managers)."""
    if organisation_id in viewer.organisation_ids or viewer.manages_any:
        return None
    return "Only the organisation's people or the programme's migration managers may load its files"


def can_work_exception(viewer: Any, exception: Any) -> str | None:
    """Note on, investigate and resolve an exception (the supplier and the managers)."""
    if exception.supplier_id in viewer.organisation_ids or viewer.manages_any:
        return None
    return "Only the supplier or the programme's migration managers may work this exception"


def can_reopen_exception(viewer: Any, exception: Any) -> str | None:
    return can_work_exception(viewer, exception)


# Data cleanse -------------------------------------------------------------------------------------------


def can_keep_cleanse_categories(viewer: Any, programme: Any) -> str | None:
    return None if _manages(viewer, programme.pk) else NOT_MANAGER


def can_report_cleanse(viewer: Any, item: Any) -> str | None:
    """Report what is outstanding (the organisation itself, or the managers)."""
    if item.organisation_id in viewer.organisation_ids or _manages(viewer, item.category.programme_id):
        return None
    return NOT_YOURS


def can_set_cleanse_targets(viewer: Any, item: Any) -> str | None:
    return None if _manages(viewer, item.category.programme_id) else NOT_MANAGER


def can_create_cleanse_item(viewer: Any, category: Any, organisation_id: int) -> str | None:
    if organisation_id in viewer.organisation_ids or _manages(viewer, category.programme_id):
        return None
    return NOT_YOURS
