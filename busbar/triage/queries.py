"""Which triage scripts and runs a person reads."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from busbar.parties.queries import scope_for
from busbar.triage.models import TriageAnswer, TriageQuestion, TriageRun, TriageScript


def scripts_visible_to(user) -> QuerySet[TriageScript]:
    """The desk reads every script; a provider those on the services it runs."""
    scope = scope_for(user)
    qs = TriageScript.objects.select_related("service")
    if scope.is_central:
        return qs
    if scope.is_resolver:
        return qs.filter(service__provider_id__in=scope.resolver_for)
    return qs.none()


def with_tree(qs: QuerySet[TriageScript]) -> QuerySet[TriageScript]:
    """Scripts with their questions and answers (and what the answers lead to) in three queries."""
    answers = TriageAnswer.objects.select_related("article", "severity", "next_question").order_by(
        "position", "id"
    )
    questions = TriageQuestion.objects.order_by("position", "id").prefetch_related(
        Prefetch("answers", answers)
    )
    return qs.prefetch_related(Prefetch("questions", questions))


def offered_on(user, incident) -> QuerySet[TriageScript]:
    """The switched-on scripts for the incident's service, and those for every service."""
    return (
        scripts_visible_to(user)
        .filter(is_active=True)
        .filter(Q(service_id=incident.service_id) | Q(service__isnull=True))
        .order_by("-service_id", "name")
    )


def runs_on(user, obj) -> QuerySet[TriageRun]:
    """The runs recorded on a record, for those who work it (the transcript is internal)."""
    from busbar.records.queries import works_on

    if not works_on(user, obj):
        return TriageRun.objects.none()
    return TriageRun.objects.filter(record_id=obj.record_id).select_related("run_by", "article", "severity")
