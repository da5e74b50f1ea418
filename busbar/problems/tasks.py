"""Notifications about problems: who is told is read when the task runs (each person only while they may
see it, one message each); what they are told is the event's own data, captured by the action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django_tasks import task

from busbar.parties.models import Membership, MembershipRole
from busbar.problems.models import Problem
from busbar.records import mail as record_mail
from busbar.records.models import Link
from busbar.records.queries import watcher_users


def _url(problem: Problem) -> str:
    return f"{settings.SITE_URL}/problems/{problem.reference}/"


def _people(**membership: object) -> list:
    members = Membership.objects.filter(is_active=True, organisation__is_active=True, **membership)
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")
    )


def _still_see(users: list, problem: Problem) -> list:
    from busbar.problems.queries import visible_to

    return [u for u in users if visible_to(u).filter(pk=problem.pk).exists()]


def _incident_raisers(problem: Problem) -> list:
    """The people who raised the incidents linked to the problem (the impacted participants, PM-04)."""
    linked = Link.objects.filter(target=problem.record, source__kind="incident").select_related(
        "source__incident__raised_by"
    )
    people = {link.source.incident.raised_by for link in linked if link.source.incident.raised_by_id}
    return sorted(people, key=lambda u: u.pk)


def event_data(problem: Problem, what: str) -> dict[str, Any]:
    """What an email about ``what`` happening to ``problem`` says, captured by the action when it happens
    (the task may run later, when the problem has moved on)."""
    return {
        "what": what,
        "reference": problem.reference,
        "summary": problem.summary,
        "description": problem.description,
        "service": str(problem.service),
        "owner": str(problem.owner),
        "status": str(problem.status),
        "status_label": problem.get_status_display(),
        "workaround": problem.workaround,
        "fix_implemented_at": problem.fix_implemented_at.isoformat() if problem.fix_implemented_at else None,
        "url": _url(problem),
    }


@task()
def notify_problem(problem_id: int, what: str, event: dict[str, Any] | None = None) -> int:
    """Tell who should hear of ``what`` (raised, workaround, resolved, updated), in the words of ``event``."""
    problem = Problem.objects.select_related("record", "service", "owner").get(pk=problem_id)
    data = dict(event) if event else event_data(problem, what)
    fixed = data.get("fix_implemented_at")
    data["fix_implemented_at"] = dt.datetime.fromisoformat(fixed) if fixed else None
    desk = _people(role__in=[MembershipRole.ANALYST, MembershipRole.OPERATIONS])
    owner = _people(organisation_id=problem.owner_id, role=MembershipRole.RESOLVER)
    watchers = [u for u in watcher_users(problem) if u.is_active]
    if what == "raised":
        people, kind = desk + owner, "problem.new"
    elif what in ("workaround", "resolved"):
        people, kind = _incident_raisers(problem) + watchers, "problem.workaround"
    else:
        people, kind = watchers, "problem.update"
    people = _still_see(list({u.pk: u for u in people}.values()), problem)
    return record_mail.send(
        problem.reference,
        data.get("url") or _url(problem),
        record_mail.addresses(people, kind),
        f"problems/email/{what}.txt",
        {"event": data},
    )
