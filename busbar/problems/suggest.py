"""Known problems offered to whoever raises or works an incident on the same service (seed 001 §8.10)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.urls import reverse

from busbar.parties.queries import scope_for
from busbar.problems import permissions, queries
from busbar.records.models import Link
from busbar.records.registry import Suggestion

#: At most this many known problems are offered at once.
SHOWN = 5


def known_problems(user, *, service, obj=None, text: str = "") -> list[Suggestion]:
    """Open known problems with a workaround on ``service`` that ``user`` may see; for an existing record
    ``obj``, those not yet linked to it, each with a one-step link for whoever may link it."""
    if service is None:
        return []
    qs = queries.known_on_service(user, service)
    if obj is not None:  # not those already linked to it, either way (in the same query)
        qs = qs.exclude(Exists(Link.objects.filter(source_id=obj.record_id, target_id=OuterRef("record_id"))))
        qs = qs.exclude(Exists(Link.objects.filter(target_id=obj.record_id, source_id=OuterRef("record_id"))))
    scope = scope_for(user)
    found = []
    for problem in qs[:SHOWN]:
        can_link = obj is not None and permissions.can_work(scope, problem) is None
        found.append(
            Suggestion(
                kind="problem",
                reference=problem.reference,
                title=problem.summary,
                detail=problem.workaround,
                url=reverse("problem_detail", args=[problem.reference]),
                link_url=reverse("problem_link_incident", args=[problem.reference]) if can_link else None,
                label="Workaround",
                heading="Known problems on this service",
                link_fields=(("incident", obj.reference),) if can_link else (),
            )
        )
    return found
