"""Open issues by category and age (0–7, 8–14, 15–28, over 28 UK days), untriaged as a row of its own, in
one query; readiness counts the open category 1–2 issues each participant raised or owns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.testing import figures
from busbar.testing import models as m
from busbar.testing.tests.reports_fixtures import at, make_issue

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 30)


def _ago(days: int, hour: int = 10) -> dt.datetime:
    return at(TODAY - dt.timedelta(days=days), hour)


def test_buckets_by_category_and_age(prog):
    make_issue(prog, "today", category=1, status="triaged", created_at=_ago(0))
    make_issue(prog, "7 days, just after midnight", category=1, status="in_fix", created_at=_ago(7, 0))
    make_issue(prog, "8 days, late evening", category=1, status="triaged", created_at=_ago(8, 23))
    make_issue(prog, "14 days", category=2, status="escalated_pm", created_at=_ago(14))
    make_issue(prog, "15 days", category=2, status="triaged", created_at=_ago(15))
    make_issue(prog, "28 days", category=3, status="ready_for_retest", created_at=_ago(28))
    make_issue(prog, "29 days", category=4, status="triaged", created_at=_ago(29))
    make_issue(prog, "untriaged, 40 days", created_at=_ago(40))
    make_issue(prog, "closed", category=1, status="closed", created_at=_ago(3))
    make_issue(prog, "excluded", category=1, status="excluded", created_at=_ago(3))
    with CaptureQueriesContext(connection) as ctx:
        ages = figures.open_issues_by_age(m.TestingIssue.objects.filter(phase=prog.phase), today=TODAY)
    assert len(ctx.captured_queries) == 1
    rows = {r.label: r.buckets for r in ages.rows}
    assert rows == {
        "Not yet triaged": [0, 0, 0, 1],
        "Category 1 (critical)": [2, 1, 0, 0],
        "Category 2 (high)": [0, 1, 1, 0],
        "Category 3 (medium)": [0, 0, 1, 0],
        "Category 4 (low)": [0, 0, 0, 1],
    }
    assert ages.totals == [2, 2, 2, 2] and ages.total == 8


def test_readiness_counts_category_1_2_raised_or_owned(prog):
    make_issue(
        prog, "raised by Alpha", category=1, status="triaged", participation=prog.part_a, owner=prog.si_org
    )
    make_issue(
        prog, "owned by Alpha", category=2, status="in_fix", participation=prog.part_b, owner=prog.world.org_a
    )
    make_issue(
        prog, "both Alpha", category=2, status="in_fix", participation=prog.part_a, owner=prog.world.org_a
    )
    make_issue(prog, "cat 3", category=3, status="triaged", participation=prog.part_a)
    make_issue(prog, "closed", category=1, status="closed", participation=prog.part_a)
    rep = figures.report(
        prog.phase,
        [prog.part_a, prog.part_b, prog.part_agent],
        m.TestingIssue.objects.all(),
        whole_phase=True,
    )
    counts = {r.participation.organisation.name: r.open_cat12 for r in rep.readiness}
    assert counts == {"Alpha Energy": 3, "Bravo Energy": 1, "Meter Agent Co": 0}
    row = next(r for r in rep.readiness if r.participation == prog.part_a)
    assert row.participation.cohort == prog.cohort and row.member.applicable == 3 and not row.complete
