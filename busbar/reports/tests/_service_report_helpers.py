"""Shared by the monthly service report tests (helper D): make reports as the desk at the fixture's NOW."""

from __future__ import annotations

from busbar.lib.actions import Actor
from busbar.reports.actions import service_reports as actions
from busbar.reports.tests.conftest import MAY, NOW


def make_report(slm, *, provider=None, month=MAY, publish=False):
    report = actions.generate_report(actor=Actor(user=slm.desk), month=month, provider=provider, now=NOW)
    if publish:
        report = actions.publish_report(actor=Actor(user=slm.ops), report=report, now=NOW)
    return report
