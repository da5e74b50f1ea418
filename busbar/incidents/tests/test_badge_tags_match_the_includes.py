"""The badge tags of the queue rows render exactly what the badge includes do, for every status, a major
and a plain severity, and each SLA cell (with a due time in summer and in winter time)."""

import datetime as dt

import pytest
from django.template import Context, Template

from busbar.incidents.models import Status
from busbar.incidents.tests.conftest import raise_for
from busbar.incidents.views import RowSla

pytestmark = pytest.mark.django_db


def _render(source: str, **context: object) -> str:
    return Template("{% load tz incident_badges %}" + source).render(Context(context)).strip()


@pytest.mark.parametrize("severity", ["1", "3"])
def test_severity_and_status(world, catalogue, severity) -> None:  # noqa: ANN001
    incident = raise_for(world, catalogue, severity=severity)
    assert _render("{% severity_badge i %}", i=incident) == _render(
        '{% include "incidents/_severity.html" %}', i=incident
    )
    for status in Status.values:
        incident.status = status
        assert _render("{% status_badge i %}", i=incident) == _render(
            '{% include "incidents/_status.html" %}', i=incident
        )


@pytest.mark.parametrize(
    "cell",
    [
        RowSla("—", ""),
        RowSla("Met", "ok"),
        RowSla("Paused", "warn"),
        RowSla("Due", "", dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)),
        RowSla("Breached", "bad", dt.datetime(2026, 12, 1, 23, 5, tzinfo=dt.UTC)),
        RowSla("Warning", "warn", dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC)),
    ],
)
def test_sla_cells(cell) -> None:  # noqa: ANN001
    assert _render("{% sla_badge s %}", s=cell) == _render('{% include "incidents/_row_sla.html" %}', s=cell)
