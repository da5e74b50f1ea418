"""Each incident's KPI facts equal the hand-computed figures of the ``slm`` world (conftest docstring and
docs/kpis.md "Worked example"): response and resolution minutes on the SLA clocks, paused time excluded,
the bank holiday of Mon 31 May 2027 skipped, months in London time, escalation month, the major flag."""

from __future__ import annotations

import pytest

from busbar.reports import facts
from busbar.reports.models import IncidentFact
from busbar.reports.tests.conftest import APRIL, JUNE, MAY

pytestmark = pytest.mark.django_db


def _fact(incident) -> IncidentFact:
    return IncidentFact.objects.get(incident=incident)


def _held(slm, incident) -> dict[str, int]:
    names = {None: "desk", slm.world.provider.pk: "css", slm.gas_org.pk: "gas"}
    return {names[k]: v for k, v in facts.by_holder(_fact(incident).segments.all()).items()}


def test_every_incident_has_a_fact(slm) -> None:
    assert IncidentFact.objects.count() == 7


@pytest.mark.parametrize(
    ("name", "month", "response", "response_met", "resolution", "resolution_met", "resolved_month"),
    [
        ("april", APRIL, 20, True, 1440, True, APRIL),
        ("quick", MAY, 15, True, 375, True, MAY),
        ("paused", MAY, 30, False, 840, True, MAY),
        ("late", MAY, 10, True, 1800, False, MAY),
        ("holiday", MAY, 240, True, 960, True, JUNE),
        ("open", MAY, 10, True, None, None, None),
        ("major", MAY, 5, True, 210, True, MAY),
    ],
)
def test_minutes_and_met_per_incident(
    slm, name, month, response, response_met, resolution, resolution_met, resolved_month
) -> None:
    fact = _fact(getattr(slm, name))
    assert fact.month == month
    assert (fact.response_minutes, fact.response_met) == (response, response_met)
    assert (fact.resolution_minutes, fact.resolution_met) == (resolution, resolution_met)
    assert fact.resolved_month == resolved_month


def test_paused_time_is_excluded_and_counted_apart(slm) -> None:
    # Paused 12:00–22:00 on the 24x7 calendar: 600 minutes not counted; 120 + 720 counted.
    fact = _fact(slm.paused)
    assert fact.paused_minutes == 600
    assert fact.resolution_minutes == 840
    assert _held(slm, slm.paused) == {"desk": 30, "css": 810}


def test_bank_holiday_is_not_working_time(slm) -> None:
    # Sev 4 on working hours: Fri 28 May 16:00–18:00 BST (120), Mon 31 May closed, Tue 1 Jun 08:00–10:00
    # BST (120) to the response; Tue 08:00–18:00 (600) and Wed 08:00–12:00 BST (240) more to resolution.
    fact = _fact(slm.holiday)
    assert (fact.response_minutes, fact.resolution_minutes) == (240, 960)
    assert fact.desk_minutes == 240
    assert _held(slm, slm.holiday) == {"desk": 240, "gas": 720}
    assert (fact.month, fact.resolved_month) == (MAY, JUNE)


def test_escalations_count_in_the_month_the_target_passed(slm) -> None:
    late, open_ = _fact(slm.late), _fact(slm.open)
    assert (late.escalated, late.escalated_month) == (True, MAY)  # 24 h target passed Tue 11 May 08:00
    assert (open_.escalated, open_.escalated_month) == (True, MAY)  # 72 h target passed Sun 23 May 09:00
    assert open_.resolution_met is None and open_.resolved_at is None
    assert not IncidentFact.objects.filter(escalated=True).exclude(pk__in=[late.pk, open_.pk]).exists()


def test_attribution_segments_match_the_hand_figures(slm) -> None:
    assert _held(slm, slm.quick) == {"desk": 15, "css": 360}
    assert _held(slm, slm.late) == {"desk": 10, "gas": 1790}
    assert _held(slm, slm.major) == {"desk": 5, "css": 205}
    assert _held(slm, slm.april) == {"desk": 20, "css": 1420}
    # Still open: the provider's share runs to now (Wed 16 June 10:00): 27 days 1 h less the desk's 10.
    assert _held(slm, slm.open) == {"desk": 10, "css": 27 * 1440 + 60 - 10}


def test_provider_service_organisation_and_major(slm) -> None:
    fact = _fact(slm.late)
    assert (fact.provider_id, fact.service_id, fact.organisation_id) == (
        slm.gas_org.pk,
        slm.uk_link.pk,
        slm.world.org_a.pk,
    )
    assert (fact.severity_code, fact.severity_rank) == ("2", slm.late.severity.rank)
    assert _fact(slm.major).is_major is True
    assert IncidentFact.objects.filter(is_major=True).count() == 1
