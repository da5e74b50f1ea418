"""Telling the participants asked: an assessment opened or reopened, a chase, a response returned (inbox
and email, one message per person, queued on commit by the actions)."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from busbar.programmes import heatmap
from busbar.programmes.models import Assessment

NOTICE_KIND = "programmes.assessment"

TITLES = {
    "opened": "{code} {name}: open for your response until {closes}",
    "reopened": "{code} {name}: reopened for responses until {closes}",
    "chase": "{code} {name}: your response is awaited by {closes}",
    "returned": "{code} {name}: your response was returned to you",
}


@task()
def _notify(assessment_id: int, organisation_ids: list[int], what: str, reason: str = "") -> int:
    """Tell the people of ``organisation_ids`` (none given: every organisation asked) about
    ``assessment_id`` — opened, reopened, a chase or a returned response — in their inbox and by email
    (one message per person, to those who want ``programmes.assessment`` notices). Returns emails sent."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from busbar.lib.mail import render_email
    from busbar.lib.outbound import send_each
    from busbar.parties.models import Membership
    from busbar.programmes import queries
    from busbar.records.inbox import deliver
    from busbar.records.models import Notification

    assessment = Assessment.objects.select_related("programme").get(pk=assessment_id)
    orgs = heatmap.audience_ids(assessment)
    if organisation_ids:
        orgs = orgs.filter(pk__in=organisation_ids)
    members = Membership.objects.filter(
        is_active=True, organisation__is_active=True, organisation_id__in=orgs
    )
    people = [
        u
        for u in get_user_model()
        .objects.filter(is_active=True, pk__in=members.values("user_id"))
        .order_by("pk")
        if queries.sees_programme(u, assessment.programme_id)
    ]
    url = reverse(
        "programmes_assessment_respond",
        kwargs={"programme": assessment.programme.code, "code": assessment.code},
    )
    title = TITLES[what].format(
        code=assessment.code, name=assessment.name, closes=heatmap.day(assessment.closes_on)
    )
    kind = Notification.Kind.ASSIGNMENT if what in ("chase", "returned") else Notification.Kind.BULLETIN
    deliver(recipients=people, kind=kind, record=None, title=title, url=url)
    subject, body = render_email(
        "programmes/readiness/email/notice.txt",
        {
            "assessment": assessment,
            "what": what,
            "title": title,
            "reason": reason,
            "closes": heatmap.day(assessment.closes_on),
            "url": f"{settings.SITE_URL}{url}",
        },
    )
    return send_each([u.email for u in people if u.wants(NOTICE_KIND)], subject=subject, body=body)
