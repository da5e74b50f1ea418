"""Background work for change co-ordination: bulletin emails (one message per recipient, after the action
commits) and the periodic overrun check.

Both are safe to run twice: a bulletin email's ``Message-ID`` comes from the task's id (the mail queue sends
it once), and an overrun is marked on the change so its bulletin goes once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from busbar.changes.models import Bulletin, BulletinKind, ChangeNotification, ChangeStatus
from busbar.lib.actions import ActionError, Actor

logger = logging.getLogger(__name__)


def _users_to_email(bulletin: Bulletin, user_ids: list[int]) -> list:
    """Those of ``user_ids`` still active who have not switched bulletins off, and (for a bulletin about
    a change still readable by them) who may still see the change."""
    from busbar.changes.bulletins import PREFERENCE
    from busbar.changes.queries import visible_to

    users = [
        u
        for u in get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk")
        if u.wants(PREFERENCE) and u.email
    ]
    if bulletin.change_id is None or bulletin.kind == BulletinKind.CANCELLED:
        return users
    return [u for u in users if visible_to(u).filter(pk=bulletin.change_id).exists()]


@task()
def email_bulletin(bulletin_id: int, user_ids: list[int]) -> int:
    """Email bulletin ``bulletin_id`` to each of ``user_ids`` (chosen by :func:`bulletins.send`: subscribers
    by email), one message each; returns how many were sent."""
    from busbar.lib.mail import render_email
    from busbar.lib.outbound import send_each
    from busbar.lib.taskcontext import message_token
    from busbar.records import mail as record_mail

    bulletin = Bulletin.objects.select_related("change").filter(pk=bulletin_id).first()
    if bulletin is None:
        return 0
    people = _users_to_email(bulletin, user_ids)
    if not people:
        return 0
    change = bulletin.change
    subject = bulletin.title
    if change is not None:  # the subject tag names the reference already
        subject = subject.removesuffix(f" ({change.reference})")
    context = {
        "bulletin": bulletin,
        "subject": subject,
        "services": ", ".join(s.name for s in bulletin.services.order_by("name")),
        "subscriptions_url": f"{settings.SITE_URL}/changes/subscriptions/",
    }
    if change is not None:
        # A cancelled change is no longer open to participants: its bulletin links to the bulletins page.
        readable = bulletin.kind != BulletinKind.CANCELLED
        path = f"/changes/{change.reference}/" if readable else "/changes/bulletins/"
        return record_mail.send(
            change.reference,
            f"{settings.SITE_URL}{path}",
            [u.email for u in people],
            "changes/email/bulletin.txt",
            context,
        )
    subject, body = render_email("changes/email/bulletin.txt", context)
    domain = settings.MAIL_DOMAIN

    def headers(_address: str) -> dict[str, str]:
        return {
            "Message-ID": f"<bulletin.{bulletin.pk}.{message_token()}@{domain}>",
            "Auto-Submitted": "auto-generated",
        }

    return send_each([u.email for u in people], subject=subject, body=body, headers=headers)


def overruns_due(now: dt.datetime) -> QuerySet[ChangeNotification]:
    """Changes in progress past their planned end whose overrun has not been announced yet."""
    return ChangeNotification.objects.filter(
        status=ChangeStatus.IN_PROGRESS, planned_end__lt=now, overrun_notified_at__isnull=True
    )


@task()
def check_overruns(now_iso: str | None = None) -> int:
    """The periodic scan: announce each overrunning change once (``actions.check_overruns``)."""
    from busbar.changes.actions import lifecycle

    now = dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    if not overruns_due(now).exists():
        return 0
    try:
        return lifecycle.check_overruns(actor=Actor.system(), now=now)
    except ActionError:
        return 0  # announced meanwhile by a concurrent scan
