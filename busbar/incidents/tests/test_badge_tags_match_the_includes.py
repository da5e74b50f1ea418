"""The incident badges (one definition, the tags in ``incident_badges``; the ``_severity``, ``_status``
and ``_row_sla`` includes render them) give the markup the pages have always had: each status's colour,
a major severity in red, and an SLA cell's due time in London time, summer and winter."""

import datetime as dt

import pytest
from django.template import Context, Template

from busbar.incidents.models import Status
from busbar.incidents.tests.conftest import raise_for
from busbar.incidents.views import RowSla

pytestmark = pytest.mark.django_db

STATUS_CLASS = {
    Status.RESOLVED: " ok",
    Status.CLOSED: " ok",
    Status.NEW: " bad",
    Status.PENDING_PARTICIPANT: " warn",
    Status.PENDING_PROVIDER: " warn",
}


def _render(source: str, **context: object) -> str:
    return Template("{% load tz incident_badges %}" + source).render(Context(context)).strip()


@pytest.mark.parametrize(("severity", "css"), [("1", " bad"), ("3", "")])
def test_severity_and_status(world, catalogue, severity, css) -> None:
    incident = raise_for(world, catalogue, severity=severity)
    label = incident.severity.label
    expected = f'<span class="badge{css}" title="{label}">Sev {severity}</span>'
    assert _render("{% severity_badge i %}", i=incident) == expected
    assert _render('{% include "incidents/_severity.html" %}', i=incident) == expected
    for status in Status:
        incident.status = status
        expected = f'<span class="badge{STATUS_CLASS.get(status, "")}">{status.label}</span>'
        assert _render("{% status_badge i %}", i=incident) == expected
        assert _render('{% include "incidents/_status.html" %}', i=incident) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (RowSla("—", ""), '<span class="badge ">—</span>'),
        (RowSla("Met", "ok"), '<span class="badge ok">Met</span>'),
        (RowSla("Paused", "warn"), '<span class="badge warn">Paused</span>'),
        (
            RowSla("Due", "", dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)),
            '<span class="badge ">Due</span> '
            '<time datetime="2026-07-01T09:30:00+01:00">Wed 1 Jul 09:30</time>',
        ),
        (
            RowSla("Breached", "bad", dt.datetime(2026, 12, 1, 23, 5, tzinfo=dt.UTC)),
            '<span class="badge bad">Breached</span> '
            '<time datetime="2026-12-01T23:05:00+00:00">Tue 1 Dec 23:05</time>',
        ),
        (  # the clock change: 01:00 UTC on 29 March 2026 is 02:00 BST; a minute before is 00:59 GMT
            RowSla("Warning", "warn", dt.datetime(2026, 3, 29, 0, 59, tzinfo=dt.UTC)),
            '<span class="badge warn">Warning</span> '
            '<time datetime="2026-03-29T00:59:00+00:00">Sun 29 Mar 00:59</time>',
        ),
    ],
)
def test_sla_cells(cell, expected) -> None:
    assert _render("{% sla_badge s %}", s=cell) == expected
    assert _render('{% include "incidents/_row_sla.html" %}', s=cell) == expected
