"""Demo events: a storm of 1,000 critical events on UK Link folded into one event and one incident, and
a few warnings and information events on other services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.events import actions
from busbar.events.models import Event
from busbar.lib.actions import Actor
from busbar.parties.queries import scope_for
from busbar.services.models import Service


def load(ctx) -> None:
    if Event.objects.exists():
        ctx.lines.append("Demo events already present: left as they are.")
        return
    mprs = Service.objects.filter(slug="mprs-eastern", is_active=True).select_related("provider").first()
    ecoes = Service.objects.filter(slug="ecoes", is_active=True).select_related("provider").first()
    if mprs is None or ecoes is None:
        ctx.lines.append("No demo services: demo events skipped.")
        return
    desk = ctx.people["analyst@operator.example"]
    actor = Actor(user=desk, organisation=scope_for(desk).primary_organisation, channel="api")
    now = timezone.now()
    storm = [
        actions.Incoming(
            service=mprs,
            source="mprs-probe-eu-west",
            dedupe_key="mprs-eastern/d0260-queue-depth",
            severity="critical",
            message=f"D0260 outbound queue depth {5000 + i * 7} (threshold 5000)",
            at=now - dt.timedelta(minutes=40) + dt.timedelta(seconds=2 * i),
        )
        for i in range(1000)
    ]
    done = actions.ingest(actor=actor, events=storm, now=now)
    others = [
        actions.Incoming(
            ecoes,
            "ecoes-synthetic",
            "ecoes/api-latency-p95",
            "warning",
            "API p95 latency 1.8 s (threshold 1.5 s)",
            now - dt.timedelta(minutes=12),
        ),
        actions.Incoming(
            ecoes,
            "ecoes-synthetic",
            "ecoes/api-latency-p95",
            "warning",
            "API p95 latency 1.9 s (threshold 1.5 s)",
            now - dt.timedelta(minutes=6),
        ),
        actions.Incoming(
            ecoes,
            "ecoes-backup",
            "ecoes/nightly-backup",
            "info",
            "Nightly backup completed in 41 min",
            now - dt.timedelta(hours=7),
        ),
    ]
    actions.ingest(actor=actor, events=others, now=now)
    ctx.lines.append(
        f"Demo events: a storm of 1,000 critical events on {mprs} folded into one event and "
        f"{', '.join(done.incidents) or 'no incident'}; warnings on {ecoes}."
    )
