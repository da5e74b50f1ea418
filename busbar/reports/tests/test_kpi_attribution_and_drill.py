"""Where the time went (attribution from the handovers) and the incidents behind each figure."""

from __future__ import annotations

from decimal import Decimal

import pytest

from busbar.reports import engine
from busbar.reports.tests.conftest import APRIL, JUNE, MAY

pytestmark = pytest.mark.django_db


def test_attribution_may_desk_and_providers(slm, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(1):
        held = engine.attribution(engine.Filters(MAY, MAY))
    # Resolved in May: quick (15/360), paused (30/810), late (10/1790), major (5/205).
    assert [(h.provider_id, h.label, h.incidents, h.minutes) for h in held] == [
        (None, "Service desk", 4, 60),
        (slm.world.provider.pk, "CSS Provider", 3, 1375),
        (slm.gas_org.pk, "Gas CDS", 1, 1790),
    ]
    assert [h.mean_minutes for h in held] == [Decimal("15.0"), Decimal("458.3"), Decimal("1790.0")]
    # 60 + 1375 + 1790 = 3225 minutes, the May resolution minutes.
    assert [h.share for h in held] == [Decimal("1.860"), Decimal("42.636"), Decimal("55.504")]


def test_attribution_filters_and_bank_holiday(slm) -> None:
    june = engine.attribution(engine.Filters(JUNE, JUNE))
    assert [(h.provider_id, h.minutes) for h in june] == [(None, 240), (slm.gas_org.pk, 720)]
    sev2 = engine.attribution(engine.Filters(MAY, MAY, severity="2"))
    assert [(h.provider_id, h.minutes) for h in sev2] == [
        (None, 55),
        (slm.world.provider.pk, 1170),
        (slm.gas_org.pk, 1790),
    ]
    assert engine.attribution(engine.Filters(APRIL, APRIL, provider_id=slm.gas_org.pk)) == []


def _refs(qs) -> set[str]:
    return set(qs.values_list("reference", flat=True))


def test_incidents_behind_each_incident_kpi(slm) -> None:
    f = engine.Filters(MAY, MAY)
    may_raised = {i.reference for i in (slm.quick, slm.paused, slm.late, slm.holiday, slm.open, slm.major)}
    assert _refs(engine.incidents_behind(f, "incidents")) == may_raised
    assert _refs(engine.incidents_behind(f, "response_time")) == may_raised
    assert _refs(engine.incidents_behind(f, "escalations")) == {slm.late.reference, slm.open.reference}
    resolved = {slm.quick.reference, slm.paused.reference, slm.late.reference, slm.major.reference}
    assert _refs(engine.incidents_behind(f, "resolution_time")) == resolved
    assert _refs(engine.incidents_behind(f, "resolved_in_sla")) == resolved
    gas_sev4 = engine.Filters(JUNE, JUNE, provider_id=slm.gas_org.pk, severity="4")
    assert _refs(engine.incidents_behind(gas_sev4, "resolution_time")) == {slm.holiday.reference}
    bravo = engine.Filters(MAY, MAY, organisation_id=slm.world.org_b.pk)
    assert _refs(engine.incidents_behind(bravo, "incidents")) == {slm.paused.reference, slm.open.reference}


def test_incidents_behind_service_kpis_are_the_major_incidents(slm) -> None:
    f = engine.Filters(MAY, MAY)
    assert _refs(engine.incidents_behind(f, "availability")) == {slm.major.reference}
    assert _refs(engine.incidents_behind(f, "interruptions")) == {slm.major.reference}
    assert not engine.incidents_behind(engine.Filters(MAY, MAY, provider_id=slm.gas_org.pk), "interruptions")
    assert not engine.incidents_behind(engine.Filters(APRIL, APRIL), "interruptions").exists()
    assert not engine.incidents_behind(f, "major_changes").exists()


def test_unknown_kpi_is_refused(slm) -> None:
    with pytest.raises(KeyError, match="Unknown KPI"):
        engine.incidents_behind(engine.Filters(MAY, MAY), "bogus")
