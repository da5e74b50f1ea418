"""Shared set-up of the KPI return tests (no tests here): both providers on a monthly schedule, the May
2027 returns opened as the fixture's clock reads, and the clock of pages and the API set.

May 2027 ends on Monday 31 May, a bank holiday; five working days on the working-hours calendar are Tue 1,
Wed 2, Thu 3, Fri 4 and Mon 7 June, so the May return is due at Mon 7 June 18:00 BST (17:00 UTC)."""

from __future__ import annotations

import datetime as dt

from busbar.lib.actions import Actor
from busbar.reports import returns as rules
from busbar.reports.actions import returns as actions
from busbar.reports.models import KpiReturn
from busbar.reports.tests.conftest import WORKING, SlmWorld
from busbar.services.models import Calendar

UTC = dt.UTC
#: When the May returns open: Tuesday 1 June 2027 07:00 UTC.
OPENED = dt.datetime(2027, 6, 1, 7, 0, tzinfo=UTC)
#: Before they are due: Thursday 3 June 2027 10:00 UTC.
ON_TIME = dt.datetime(2027, 6, 3, 10, 0, tzinfo=UTC)
DUE = dt.datetime(2027, 6, 7, 17, 0, tzinfo=UTC)
KPIS = ["resolution_time", "resolved_in_sla", "incidents", "availability", "first_time_fix_pct"]
API = "/api/v1/kpi-returns"


def set_clock(monkeypatch, when: dt.datetime) -> None:
    monkeypatch.setattr(rules, "current_time", lambda: when)


def open_may(slm: SlmWorld) -> tuple[KpiReturn, KpiReturn]:
    """Schedules for CSS Provider and Gas CDS, and their May returns (CSS's first)."""
    desk = Actor(user=slm.desk)
    working = Calendar.objects.get(name=WORKING)
    for provider in (slm.world.provider, slm.gas_org):
        actions.set_schedule(actor=desk, provider=provider, kpis=KPIS, calendar=working, now=OPENED)
    actions.open_due_returns(actor=Actor.system(), now=OPENED)
    css = KpiReturn.objects.get(provider=slm.world.provider)
    gas = KpiReturn.objects.get(provider=slm.gas_org)
    return css, gas


def csv_bytes(*rows: str) -> bytes:
    return ("kpi,service,severity,value,note\r\n" + "".join(r + "\r\n" for r in rows)).encode()
