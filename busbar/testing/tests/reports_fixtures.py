"""Data for the reports' tests, written straight with the ORM (the executions and issues actions are other
areas'): executions with their week, first flag and latest result; testing issues on kernel records."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from django.utils import timezone

from busbar.records.models import Record
from busbar.testing.models import Execution, Participation, Scenario, TestingIssue

LONDON = ZoneInfo("Europe/London")
_numbers = itertools.count(900_000)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock UK time on ``day``, as an aware instant."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def execute(
    part: Participation,
    scenario: Scenario,
    result: str,
    when: dt.datetime,
    retest_of: Execution | None = None,
) -> Execution:
    """Record an execution through the executions action (week, first flag, the latest-result cell)."""
    from busbar.lib.actions import Actor
    from busbar.testing.actions.executions import record_execution

    return record_execution(
        actor=Actor.system(),
        participation=part,
        scenario=scenario,
        result=result,
        executed_at=when,
        retest_of=retest_of,
    )


def make_issue(
    prog,
    summary: str,
    *,
    category: int | None = None,
    status: str = "new",
    created_at: dt.datetime | None = None,
    participation: Participation | None = None,
    owner=None,
    raised_by_organisation=None,
    **extra,
) -> TestingIssue:
    number = next(_numbers)
    created = created_at or timezone.now()
    record = Record.objects.create(kind="testing_issue", reference=f"TIS{number:07d}", created_at=created)
    return TestingIssue.objects.create(
        record=record,
        reference=record.reference,
        programme=prog.programme,
        phase=prog.phase,
        summary=summary,
        description="Found in testing",
        status=status,
        category=category,
        participation=participation,
        owner=owner,
        raised_by_organisation=raised_by_organisation
        or (participation.organisation if participation else None),
        created_at=created,
        **extra,
    )
