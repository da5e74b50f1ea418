"""Notices of gate decisions: the SI's people and each condition's owners are told, one message per
recipient, in their inbox (no kernel record: a gate is not a tracked record, so the notice carries only the
gate's page) and by email when they want ``testing.gate`` notices.

Who is told is read when the task runs (active people of the organisations at that moment, each only while
they may still see the programme)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_tasks import task

from busbar.lib.mail import render_email
from busbar.lib.outbound import send_each
from busbar.parties.models import Membership
from busbar.records.inbox import deliver
from busbar.records.models import Notification
from busbar.testing.models import GateDecision, ProgrammeFunction, ProgrammeParty

KIND = "testing.gate"


def _people(organisation_ids) -> list:
    members = Membership.objects.filter(
        is_active=True, organisation__is_active=True, organisation_id__in=list(organisation_ids)
    )
    return list(
        get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk")
    )


def _still_see(users: list, programme_id: int) -> list:
    from busbar.testing.queries import programmes_visible_to

    return [u for u in users if programmes_visible_to(u).filter(pk=programme_id).exists()]


@task()
def notify_decision(decision_id: int) -> int:
    """Tell the SI's people and the conditions' owners of a gate decision; returns the emails sent."""
    decision = GateDecision.objects.select_related("gate", "gate__phase", "gate__phase__programme").get(
        pk=decision_id
    )
    gate = decision.gate
    programme = gate.phase.programme
    url = reverse("testing_gate", args=[gate.pk])
    si_orgs = ProgrammeParty.objects.filter(programme=programme, function=ProgrammeFunction.SI).values_list(
        "organisation_id", flat=True
    )
    conditions = list(decision.conditions.select_related("owner").order_by("due_on", "id"))
    si_people = _still_see(_people(si_orgs), programme.pk)
    owners = _still_see(_people({c.owner_id for c in conditions}), programme.pk)
    title = f"{gate.name}: {decision.get_outcome_display()}"
    deliver(recipients=si_people, kind=Notification.Kind.BULLETIN, record=None, title=title, url=url)
    owner_title = f"{gate.name}: go with conditions — your organisation owns a condition"
    deliver(
        recipients=[u for u in owners if u.pk not in {p.pk for p in si_people}],
        kind=Notification.Kind.ASSIGNMENT,
        record=None,
        title=owner_title,
        url=url,
    )
    people = {u.pk: u for u in [*si_people, *owners]}.values()
    addresses = [u.email for u in people if u.is_active and u.wants(KIND)]
    subject, body = render_email(
        "testing/gates/email/decision.txt",
        {
            "gate": gate,
            "phase": gate.phase,
            "decision": decision,
            "conditions": conditions,
            "url": f"{settings.SITE_URL}{url}",
        },
    )
    return send_each(addresses, subject=subject, body=body)
