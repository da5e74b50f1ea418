"""Who is told of what happens to a testing issue, and how: a notification in their inbox (the bell, through
the kernel's :func:`busbar.records.inbox.deliver`, in the action's transaction) and an email, one message
per recipient, queued when the change commits (:func:`notify_issue`, rendered from
``testing/issues/email/<what>.txt``).

* **raised**: the SI's people (a new issue to triage);
* **assigned**: the people of the owner organisation (the fix is theirs);
* **escalated**: the programme manager's or the design authority's people (the rung that now holds it);
* **status**: the raiser and the issue's watchers (its status changed);
* **updated**: the raiser and the watchers (a public update).

Whoever made the change is never told of it; each recipient is checked to still see the issue when the
email goes (and the inbox keeps only those who may see it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from busbar.parties.models import Membership
from busbar.records import mail as record_mail
from busbar.records.inbox import deliver
from busbar.records.models import Notification
from busbar.records.queries import watcher_users
from busbar.testing.models import ProgrammeFunction, ProgrammeParty, TestingIssue

F = ProgrammeFunction
#: The email preference (accounts' notification kinds, registered in apps.py) each event is sent under.
EMAIL_KIND = {
    "raised": "testing_issue.new",
    "assigned": "testing_issue.update",
    "escalated": "testing_issue.update",
    "status": "testing_issue.update",
    "updated": "testing_issue.update",
}
INBOX_KIND = {
    "raised": Notification.Kind.ASSIGNMENT,
    "assigned": Notification.Kind.ASSIGNMENT,
    "escalated": Notification.Kind.ASSIGNMENT,
    "status": Notification.Kind.BULLETIN,
}


def issue_path(issue: TestingIssue) -> str:
    return reverse("testing_issue_detail", kwargs={"reference": issue.reference})


def people_of(organisation_ids: set[int] | list[int]) -> list:
    """The active people of the organisations (one query)."""
    ids = [i for i in organisation_ids if i]
    if not ids:
        return []
    members = Membership.objects.filter(is_active=True, organisation__is_active=True, organisation_id__in=ids)
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")
    )


def function_people(programme_id: int, function: str) -> list:
    orgs = ProgrammeParty.objects.filter(programme_id=programme_id, function=function).values_list(
        "organisation_id", flat=True
    )
    return people_of(list(orgs))


def _audience(issue: TestingIssue, what: str) -> list:
    if what == "raised":
        return function_people(issue.programme_id, F.SI)
    if what == "assigned":
        return people_of([issue.owner_id])
    if what == "escalated":
        function = F.DESIGN_AUTHORITY if issue.status == "escalated_da" else F.PROGRAMME_MANAGER
        return function_people(issue.programme_id, function)
    people = [w for w in watcher_users(issue) if w.is_active]
    if issue.raised_by_id and issue.raised_by.is_active:
        people.append(issue.raised_by)
    return people


def event_data(issue: TestingIssue, what: str, *, note: str = "") -> dict[str, Any]:
    """What the email says, captured when the change is made (the task may run later)."""
    return {
        "what": what,
        "reference": issue.reference,
        "summary": issue.summary,
        "programme": str(issue.programme),
        "phase": issue.phase.name,
        "status": issue.status,
        "status_label": issue.get_status_display(),
        "category": issue.get_category_display() if issue.category else "",
        "root_cause": issue.get_root_cause_display() if issue.root_cause else "",
        "owner": str(issue.owner) if issue.owner_id else "",
        "note": note[:2000],
        "url": f"{settings.SITE_URL}{issue_path(issue)}",
    }


TITLES = {
    "raised": "New testing issue {ref}: {summary}",
    "assigned": "{ref} assigned to {owner}: {summary}",
    "escalated": "{ref} escalated to you: {summary}",
    "status": "{ref} is now {status}: {summary}",
}


def tell(actor: Any, issue: TestingIssue, what: str, *, note: str = "") -> None:
    """Tell the audience of ``what`` (see the module): inbox now, email once the change commits."""
    acting = actor.user.pk if actor.user is not None else None
    people = [u for u in {u.pk: u for u in _audience(issue, what)}.values() if u.pk != acting]
    if not people:
        return
    if what in INBOX_KIND:
        title = TITLES[what].format(
            ref=issue.reference,
            summary=issue.summary,
            owner=issue.owner or "",
            status=issue.get_status_display().lower(),
        )
        deliver(recipients=people, kind=INBOX_KIND[what], record=issue, title=title, url=issue_path(issue))
    event = event_data(issue, what, note=note)
    ids = [u.pk for u in people]
    transaction.on_commit(lambda: notify_issue.enqueue(issue.pk, what, ids, event))


@task()
def notify_issue(issue_id: int, what: str, user_ids: list[int], event: dict[str, Any]) -> int:
    """Email ``what`` (in the words of ``event``) to each of ``user_ids`` who still sees the issue and wants
    it; one message per recipient."""
    from busbar.testing.queries import issues_visible_to

    issue = TestingIssue.objects.filter(pk=issue_id).first()
    if issue is None:
        return 0
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk")
    seeing = [u for u in users if issues_visible_to(u).filter(pk=issue_id).exists()]
    return record_mail.send(
        issue.reference,
        event["url"],
        record_mail.addresses(seeing, EMAIL_KIND.get(what, "testing_issue.update")),
        f"testing/issues/email/{what}.txt",
        {"event": event},
    )
