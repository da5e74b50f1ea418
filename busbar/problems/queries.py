"""Who sees which problems, and which of their fields.

The desk (central roles) sees every problem; a provider sees the problems it owns; a participant sees
problems linked to an incident they may see, published problems and known problems (whose workaround is
the point of telling them). Root-cause analysis, the owner and who raised it are for those who work it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from busbar.parties.queries import scope_for
from busbar.problems.models import OPEN_STATUSES, Problem
from busbar.records.queries import linked_to_visible

#: Fields only those who work the problem (the desk and the owning provider) read.
INTERNAL_FIELDS = frozenset(
    {"owner", "raised_by", "raised_by_organisation", "root_cause", "root_cause_category"}
)


#: How a problem's history reads to those who do not work it (busbar.records.queries.redact_timeline).
TIMELINE = {
    "link_actions": frozenset({"problem.link", "problem.raise"}),
    "private_actions": frozenset({"problem.note", "problem.root_cause"}),
    "private_changes": frozenset({"owner", "root_cause", "root_cause_category"}),
    "public_notes": frozenset({"problem.investigate", "problem.resolve", "problem.reopen", "problem.cancel"}),
}


def visible_to(user) -> QuerySet[Problem]:
    scope = scope_for(user)
    qs = Problem.objects.select_related("record", "service", "owner")
    if not scope.is_authenticated:
        return qs.none()
    if scope.is_central:
        return qs
    return qs.filter(
        Q(owner_id__in=scope.organisation_ids)
        | Q(is_published=True)
        | Q(is_known=True)
        | linked_to_visible(user, kinds=("incident",))
    )


def works_on(user, problem: Problem) -> bool:
    """The desk and the owning provider: they read internal notes and the root-cause analysis."""
    scope = scope_for(user)
    return scope.is_central or problem.owner_id in scope.organisation_ids


def field_visible(user, problem: Problem, field: str) -> bool:
    return field not in INTERNAL_FIELDS or works_on(user, problem)


def known_on_service(user, service, *, exclude_record_ids=()) -> QuerySet[Problem]:
    """Open known problems with a workaround on ``service`` that ``user`` may see, newest first."""
    qs = (
        visible_to(user)
        .filter(service=service, is_known=True, status__in=OPEN_STATUSES)
        .exclude(workaround="")
    )
    if exclude_record_ids:
        qs = qs.exclude(record_id__in=list(exclude_record_ids))
    return qs.order_by("-known_since", "-id")


def search(qs: QuerySet[Problem], text: str) -> QuerySet[Problem]:
    text = text.strip()
    if not text:
        return qs
    from busbar.records.registry import normalise

    reference = normalise(text)
    if reference and reference.startswith("PRB"):
        return qs.filter(reference=reference)
    return qs.filter(
        Q(summary__icontains=text) | Q(description__icontains=text) | Q(workaround__icontains=text)
    )
