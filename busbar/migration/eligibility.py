"""Go-live eligibility (QM-13): "To go live, a supplier and at least one of its agents needs to have
completed SIT / Qualification" — plus any E2E sandbox testing needed, and the supplier must have "gone
live with their new systems".

A **supplier** is eligible when

1. its own status is one of :data:`~busbar.migration.models.QUALIFIED_STATUSES` (exempt through SIT,
   qualified, or already live);
2. at least one of its agents is too;
3. its new systems are live (``systems_live_on`` set and on or before today);
4. when E2E sandbox testing is required of it (``e2e_required``), it has completed it
   (``e2e_completed_on`` set).

An **agent** (or another participant) is eligible when it has completed SIT or qualification.

Read-only. :func:`eligibility_for` answers for a list in one query (the agents, prefetched); an entrant
whose agents are already prefetched costs none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects

from busbar.migration import common
from busbar.migration.models import QUALIFIED_STATUSES, Entrant, EntrantKind

#: The most agents named in a step's detail (the rest counted).
MAX_NAMED = 5


@dataclass
class Step:
    label: str
    done: bool
    detail: str = ""


@dataclass
class Eligibility:
    entrant: Any
    eligible: bool
    steps: list[Step] = field(default_factory=list)

    @property
    def missing(self) -> list[Step]:
        return [s for s in self.steps if not s.done]

    @property
    def summary(self) -> str:
        """ "Eligible", or the missing steps in one line."""
        if self.eligible:
            return "Eligible"
        return "Missing: " + "; ".join(s.label for s in self.missing)


def _names(entrants: list[Any]) -> str:
    names = sorted(e.organisation.name for e in entrants)
    shown = ", ".join(names[:MAX_NAMED])
    return shown + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")


def _own_step(entrant: Any) -> Step:
    done = entrant.status in QUALIFIED_STATUSES
    detail = entrant.get_status_display()
    if done and entrant.exemption_reference:
        detail += f" ({entrant.exemption_reference})"
    return Step("Completed SIT or qualification", done, detail)


def eligibility(entrant: Any, *, today: dt.date | None = None) -> Eligibility:
    """Whether ``entrant`` may go live, and the steps (done or missing). Reads the entrant's agents (one
    query unless prefetched, with their organisations)."""
    today = today or common.today()
    own = _own_step(entrant)
    if entrant.kind != EntrantKind.SUPPLIER:
        return Eligibility(entrant=entrant, eligible=own.done, steps=[own])
    steps = [own]
    agents = list(entrant.agents.all())
    qualified = [a for a in agents if a.status in QUALIFIED_STATUSES]
    if qualified:
        agent_detail = f"Qualified: {_names(qualified)}"
    elif agents:
        agent_detail = f"None of its agents has yet: {_names(agents)}"
    else:
        agent_detail = "No agents named"
    steps.append(
        Step("At least one of its agents completed SIT or qualification", bool(qualified), agent_detail)
    )
    live = entrant.systems_live_on
    if live is None:
        steps.append(Step("New systems live", False, "No systems-live date given"))
    elif live > today:
        steps.append(Step("New systems live", False, f"Planned for {live:%-d %b %Y}"))
    else:
        steps.append(Step("New systems live", True, f"Since {live:%-d %b %Y}"))
    if entrant.e2e_required:
        done_on = entrant.e2e_completed_on
        steps.append(
            Step(
                "E2E sandbox testing completed",
                done_on is not None,
                f"Completed {done_on:%-d %b %Y}" if done_on else "Required, not yet completed",
            )
        )
    return Eligibility(entrant=entrant, eligible=all(s.done for s in steps), steps=steps)


def agents_prefetch() -> Prefetch:
    """The prefetch :func:`eligibility` reads (agents with their organisations)."""
    return Prefetch("agents", queryset=Entrant.objects.select_related("organisation").order_by("pk"))


def eligibility_for(entrants: Iterable[Any], *, today: dt.date | None = None) -> dict[int, Eligibility]:
    """Entrant id -> :class:`Eligibility` for every entrant of ``entrants`` (one query for all the agents,
    none when already prefetched)."""
    rows = list(entrants)
    today = today or common.today()
    needing = [e for e in rows if e.kind == EntrantKind.SUPPLIER]
    if needing:
        prefetch_related_objects(needing, agents_prefetch())
    return {e.pk: eligibility(e, today=today) for e in rows}
