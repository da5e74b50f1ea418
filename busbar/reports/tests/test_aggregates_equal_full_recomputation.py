"""The monthly aggregates kept incrementally equal a full recomputation.

Random incident actions (raise, assign to either provider or back, change severity, pause and resume,
resolve, reopen, cancel) move a clock forward from the ``slm`` world's "now"; after each one the acted-on
incident is refreshed, as the incident listener does, together with a random subset of other incidents.
After every step the kept KpiMonth rows equal a GROUP BY over the facts, and at the end (once the still
running incidents are refreshed, as the nightly reconcile does) the facts and aggregates equal a rebuild
from scratch."""

from __future__ import annotations

import datetime as dt
import random
from unittest import mock

import pytest

from busbar.incidents import actions as ia
from busbar.incidents.models import Incident
from busbar.lib.actions import ActionError
from busbar.reports import aggregates, facts
from busbar.reports.models import FactSegment, IncidentFact
from busbar.reports.tests.conftest import NOW, _actor, _severity

pytestmark = pytest.mark.django_db

STEPS = 30


def _snapshot() -> tuple[list, list, dict]:
    fact_rows = list(
        IncidentFact.objects.order_by("pk").values_list(
            "incident_id",
            "month",
            "resolved_month",
            "escalated_month",
            "provider_id",
            "severity_code",
            "status",
            "response_minutes",
            "response_met",
            "resolution_minutes",
            "resolution_met",
            "escalated",
            "paused_minutes",
            "desk_minutes",
        )
    )
    segments = sorted(FactSegment.objects.values_list("fact_id", "provider_id", "minutes"), key=str)
    return fact_rows, segments, aggregates.kept()


def _act(rng: random.Random, slm, incident: Incident, when: dt.datetime) -> Incident | None:
    desk = _actor(slm.desk)
    providers = [slm.world.provider, slm.gas_org]
    worker = {slm.world.provider.pk: _actor(slm.provider), slm.gas_org.pk: _actor(slm.gas)}
    incident = Incident.objects.get(pk=incident.pk)
    holder = worker.get(incident.provider_id, desk)
    choice = rng.choice(
        ["raise", "assign", "severity", "pause", "resume", "resolve", "reopen", "cancel", "nothing"]
    )
    if choice == "raise":
        return ia.raise_incident(
            actor=_actor(rng.choice([slm.alpha, slm.bravo])),
            service=rng.choice([slm.css, slm.uk_link]),
            severity=_severity(rng.choice("234")),
            summary="Random incident",
            description="Raised by the randomised test",
            now=when,
        )
    if choice == "assign":
        return ia.assign_incident(actor=desk, incident=incident, provider=rng.choice(providers), now=when)
    if choice == "severity":
        return ia.triage_incident(
            actor=desk, incident=incident, severity=_severity(rng.choice("234")), now=when
        )
    if choice == "pause":
        return ia.set_pending(
            actor=holder, incident=incident, awaiting="participant", note="Waiting", now=when
        )
    if choice == "resume":
        return ia.start_work(actor=holder, incident=incident, now=when)
    if choice == "resolve":
        return ia.resolve_incident(actor=holder, incident=incident, resolution="Fixed", now=when)
    if choice == "reopen":
        return ia.reopen_incident(actor=desk, incident=incident, reason="Back again", now=when)
    if choice == "cancel":
        return ia.cancel_incident(actor=desk, incident=incident, reason="Duplicate", now=when)
    return incident


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_refreshes_equal_a_rebuild(slm, seed) -> None:
    rng = random.Random(seed)
    when = NOW
    done = 0
    with mock.patch("django.utils.timezone.now", lambda: when):
        for _step in range(STEPS):
            when = when + dt.timedelta(minutes=rng.randint(5, 3 * 24 * 60))
            ids = list(Incident.objects.values_list("pk", flat=True))
            target = Incident.objects.get(pk=rng.choice(ids))
            try:
                acted = _act(rng, slm, target, when)
            except ActionError:
                acted = None
            done += acted is not None
            others = rng.sample(ids, k=rng.randint(0, len(ids)))
            facts.refresh([*([acted.pk] if acted else []), target.pk, *others], now=when)
            assert aggregates.differences() == []
        facts.refresh(facts.open_ids(), now=when)
        kept = _snapshot()
        assert done >= STEPS // 3, "too few actions were allowed to exercise the refresh"
        assert facts.rebuild_all(now=when) == Incident.objects.count()
        assert _snapshot() == kept


def test_refresh_restores_a_missing_fact_and_its_months(slm) -> None:
    before = aggregates.kept()
    IncidentFact.objects.filter(incident=slm.quick).delete()
    assert aggregates.differences() != []  # the kept May rows still count it
    facts.refresh([slm.quick.pk], now=NOW)
    assert aggregates.kept() == before
    assert aggregates.differences() == []
