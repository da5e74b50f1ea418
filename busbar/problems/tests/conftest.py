"""Problem fixtures: ``catalogue`` (the incidents' CSS service run by ``world.provider``) and
``problem_for(...)``, which records a problem through the real action."""

from __future__ import annotations

from typing import Any

from busbar.incidents.tests.conftest import actor_for, catalogue, make_catalogue, raise_for  # noqa: F401
from busbar.problems import actions
from busbar.problems.models import Problem


def problem_for(world: Any, services: Any, *, user: Any = None, incidents: tuple = (), **kw: Any) -> Problem:
    kw.setdefault("summary", "Bulk uploads time out")
    kw.setdefault("description", "Uploads over 500 rows time out after 30 s.")
    return actions.raise_problem(
        actor=actor_for(user or world.analyst),
        service=services.service,
        incidents=[i.reference for i in incidents],
        **kw,
    )
