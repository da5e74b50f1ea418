"""Shared incident fixtures for the incidents tests (API and web views).

``catalogue(world)`` gives a service run by ``world.provider`` on the installed default SLA policy (REC
severities 1–4) and the 24x7 calendar; ``raise_for(world, catalogue, ...)`` raises an incident through the
real action so every test starts from a genuine clock log, audit journal and SLA cache.

Keep this file stable: other test modules in this folder depend on its names and defaults.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from busbar.accounts.models import User
from busbar.incidents import actions
from busbar.incidents.models import Incident
from busbar.lib.actions import Actor, Channel
from busbar.parties.queries import scope_for
from busbar.services.models import Calendar, Service, Severity, SlaPolicy


@dataclass
class Catalogue:
    service: Service
    severities: dict[str, Severity]  # code → Severity of the default scheme ("1" most severe … "4")
    policy: SlaPolicy
    calendar: Calendar


def make_catalogue(provider) -> Catalogue:
    policy = SlaPolicy.objects.select_related("scheme").get(is_default=True)
    calendar = Calendar.objects.get(name="24x7")
    service = Service.objects.create(
        name="Central Switching Service",
        slug="css",
        provider=provider,
        calendar=calendar,
        sla_policy=policy,
    )
    severities = {s.code: s for s in policy.scheme.severities.all()}
    return Catalogue(service=service, severities=severities, policy=policy, calendar=calendar)


@pytest.fixture
def catalogue(world) -> Catalogue:
    return make_catalogue(world.provider)


@pytest.fixture
def live_catalogue(live_world) -> Catalogue:
    """The catalogue for tests on a live server (committed, beside ``live_world``)."""
    return make_catalogue(live_world.provider)


def actor_for(user: User | None, channel: str = Channel.WEB) -> Actor:
    """The actor a request by ``user`` would produce (``Actor.system()`` for None)."""
    if user is None:
        return Actor.system()
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel=channel)


def raise_for(
    world: Any,
    catalogue: Catalogue,
    *,
    user: User | None = None,
    severity: str | Severity | None = "3",
    summary: str = "Switch requests rejected",
    description: str = "Every switch request since 09:00 is rejected with E0001.",
    now: dt.datetime | None = None,
    **kw: Any,
) -> Incident:
    """Raise an incident as ``user`` (default ``world.user_a``) through ``actions.raise_incident``.

    ``severity`` is a code of the default scheme (default "3", not major), a Severity, or None for the
    action's own default. Any other keyword (organisation, contact_name, affected, attachments, impact,
    service, channel) is passed straight to the action.
    """
    if isinstance(severity, str):
        severity = catalogue.severities[severity]
    if user is None:
        # A's incident. Only the desk may open a major incident or name affected organisations when raising,
        # so those are raised by the desk on A's behalf (participants' limits: test_review_fixes_actions.py).
        if (severity is not None and severity.is_major) or kw.get("affected"):
            user = world.analyst
            kw.setdefault("organisation", world.org_a)
        else:
            user = world.user_a
    kw.setdefault("service", catalogue.service)
    return actions.raise_incident(
        actor=actor_for(user), summary=summary, description=description, severity=severity, now=now, **kw
    )
