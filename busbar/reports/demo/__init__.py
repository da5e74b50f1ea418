"""The reporting demo (issue 14, item 9), loaded after the other apps' demos:

* thirteen months of incident history ending now (:mod:`.history`), played through the incident actions
  with back-dated times, then the KPI facts rebuilt (:func:`busbar.reports.facts.rebuild_all`);
* SLAs and OLAs with targets (:mod:`.agreements`): one end-to-end switching SLA, one per key service, one
  OLA per provider — this month Northern Distribution Networks misses its OLA for severity 2 resolution;
* the monthly service reports of the two previous months, generated and published with commentary, a
  draft for last month's provider report, a KPI return schedule for a provider with one submitted return,
  and report subscriptions for the operations manager (:mod:`.publishing`).

Loading twice changes nothing: the end-to-end SLA marks the demo as loaded.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone

from busbar.incidents import listeners
from busbar.lib.actions import Actor
from busbar.parties.queries import scope_for
from busbar.reports import facts
from busbar.reports.demo import agreements, history, publishing
from busbar.reports.models import Agreement
from busbar.services.models import Service

OPS_MANAGER = "opsmanager@operator.example"


def ops_actor(ctx) -> Actor:
    user = ctx.people[OPS_MANAGER]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


class _QuietListeners:
    """The history saves incidents some two thousand times; the incident listeners (the KPI facts) would
    refresh each on commit although :func:`busbar.reports.facts.rebuild_all` has already computed them all
    in this transaction. So the listeners are set aside for the commit callbacks this loader queues: on
    commit, in order, set aside first and put back last (both dropped together if the load rolls back)."""

    def __init__(self) -> None:
        self.saved: dict = {}

    def set_aside(self) -> None:
        self.saved.update(listeners._LISTENERS)
        listeners._LISTENERS.clear()

    def put_back(self) -> None:
        listeners._LISTENERS.update(self.saved)


def load(ctx) -> None:
    if Agreement.objects.filter(name=agreements.E2E_NAME).exists():
        ctx.lines.append("Demo service levels already present: left as they are.")
        return
    if OPS_MANAGER not in ctx.people or not Service.objects.filter(slug__in=history.SERVICES).exists():
        ctx.lines.append("No demo services or people: the service level demo is skipped.")
        return
    started = time.monotonic()
    now = timezone.now()
    quiet = _QuietListeners()
    transaction.on_commit(quiet.set_aside)
    try:
        played = history.History(ctx, now).play()
        actor = ops_actor(ctx)
        services = {s.slug: s for s in Service.objects.filter(slug__in=history.SERVICES)}
        first = history.History(ctx, now).month_starts()[0]
        starts_on = first.astimezone(history.LONDON).date().replace(month=1, day=1)
        made = agreements.load(ctx, actor, services, starts_on, now)
        facts.rebuild_all(now=now)
        done = publishing.load(ctx, actor, now)
    finally:
        transaction.on_commit(quiet.put_back, robust=True)
    ctx.lines.append(
        f"Service levels: {played.incidents} incidents over {history.MONTHS} months ({played.majors} major, "
        f"{played.paused} paused for the participant, {played.reassigned} re-assigned), {made} SLAs and "
        f"OLAs; {done}. See /kpis/, /service-levels/, /service-reports/ and /kpi-returns/ "
        f"({time.monotonic() - started:.0f} s)."
    )
