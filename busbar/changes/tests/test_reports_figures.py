"""The change-notification report's figures, counted by hand on a small set of changes in the first
quarter of 2025 (see :func:`build`): by provider and status group, by type, late notifications and the
exceptions the CCG accepted, failed and backed-out changes (a reviewed change that was backed out still
counts), emergency changes and outstanding retrospective reviews, major changes and outstanding
post-implementation reviews, the mean notice given. The period runs on London dates (a change starting
at 00:30 BST on 1 April is not in the first quarter; one at 00:30 GMT on 1 January is). Drafts are not
counted. One aggregate query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from busbar.audit.models import AuditEntry
from busbar.changes import reports
from busbar.changes.actions import raise_change
from busbar.changes.models import ChangeNotification, ChangeStatus, ChangeType
from busbar.lib.actions import Actor

UTC = dt.UTC
S, T = ChangeStatus, ChangeType
Q1 = reports.Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))


def _change(
    chg, n: int, provider, kind, status, *, start=None, submitted=True, **fields
) -> ChangeNotification:
    user, org, service = (
        (chg.provider, chg.world.provider, chg.css)
        if provider == "css"
        else (
            chg.gas,
            chg.gas_org,
            chg.uk_link,
        )
    )
    start = start or dt.datetime(2025, 2, 1, 1, 0, tzinfo=UTC) + dt.timedelta(days=n)
    change = raise_change(
        actor=Actor(user=user),
        provider=org,
        title=f"Report change {n}",
        change_type=kind,
        services=[service],
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        is_outage=True,
        now=dt.datetime(2025, 1, 1, tzinfo=UTC),
    )
    if submitted:
        fields["submitted_at"] = start - dt.timedelta(days=14)
    ChangeNotification.objects.filter(pk=change.pk).update(status=status, **fields)
    change.refresh_from_db()
    return change


def _notice(given: int, required: int = 8, **more) -> dict:
    return {"notice_given": given, "notice_required": required, **more}


def build(chg) -> dict[str, ChangeNotification]:
    """Twelve notifications in 2025 Q1 (seven by CSS Provider, five by Gas CDS) and two that are not."""
    made = {
        # CSS Provider
        "c1": _change(chg, 1, "css", T.NORMAL, S.COMPLETED, **_notice(10)),
        "c2": _change(chg, 2, "css", T.NORMAL, S.ACCEPTED, **_notice(5, is_late=True, late_exception=True)),
        "c3": _change(chg, 3, "css", T.NORMAL, S.REJECTED, **_notice(3, is_late=True)),
        "c4": _change(chg, 4, "css", T.EMERGENCY, S.COMPLETED, retrospective_review_due=True),
        "c5": _change(
            chg,
            5,
            "css",
            T.EMERGENCY,
            S.REVIEWED,
            retrospective_reviewed_at=dt.datetime(2025, 3, 1, tzinfo=UTC),
        ),
        "c6": _change(chg, 6, "css", T.MAJOR, S.FAILED, **_notice(9)),
        "c7": _change(chg, 7, "css", T.NORMAL, S.REVIEWED, **_notice(8)),
        # Gas CDS
        "g8": _change(
            chg,
            8,
            "gas",
            T.MAJOR,
            S.COMPLETED,
            pir_completed_at=dt.datetime(2025, 3, 2, tzinfo=UTC),
            **_notice(20),
        ),
        "g9": _change(chg, 9, "gas", T.NORMAL, S.BACKED_OUT, **_notice(6)),
        "g10": _change(chg, 10, "gas", T.STANDARD, S.SUBMITTED, **_notice(12, 5)),
        "g11": _change(  # 00:30 GMT on 1 January: in the quarter
            chg,
            11,
            "gas",
            T.NORMAL,
            S.COMPLETED,
            start=dt.datetime(2025, 1, 1, 0, 30, tzinfo=UTC),
            **_notice(7),
        ),
        "g12": _change(chg, 12, "gas", T.NORMAL, S.CANCELLED, **_notice(4)),
        # Not counted: a draft, and a change at 00:30 BST on 1 April (23:30 UTC on 31 March).
        "draft": _change(chg, 13, "gas", T.NORMAL, S.DRAFT, submitted=False),
        "april": _change(
            chg,
            14,
            "gas",
            T.NORMAL,
            S.COMPLETED,
            start=dt.datetime(2025, 3, 31, 23, 30, tzinfo=UTC),
            **_notice(1),
        ),
    }
    # c7 was backed out before it was reviewed: its journal says so.
    AuditEntry.objects.create(
        actor_label="CSS Provider",
        channel="web",
        action="change.back_out",
        record_type=ContentType.objects.get_for_model(ChangeNotification),
        record_id=str(made["c7"].pk),
        record_label=str(made["c7"])[:200],
    )
    return made


def _by_label(tallies) -> dict[str, reports.Tally]:
    return {t.label: t for t in tallies}


def test_figures_by_provider_counted_by_hand(chg, django_assert_num_queries) -> None:
    build(chg)
    reports.report(chg.desk, Q1)  # content types cached
    with django_assert_num_queries(1):
        rep = reports.report(chg.desk, Q1)
    providers = _by_label(rep.providers)
    assert list(providers) == ["CSS Provider", "Gas CDS"]
    css, gas = providers["CSS Provider"], providers["Gas CDS"]
    assert css.total == 7 and gas.total == 5 and rep.total.total == 12
    assert css.groups == {
        "awaiting": 0,
        "scheduled": 1,
        "completed": 2,
        "failed": 1,
        "reviewed": 2,
        "rejected": 1,
        "cancelled": 0,
    }
    assert gas.groups == {
        "awaiting": 1,
        "scheduled": 0,
        "completed": 2,
        "failed": 1,
        "reviewed": 0,
        "rejected": 0,
        "cancelled": 1,
    }
    assert (css.late, css.exceptions, gas.late, gas.exceptions) == (2, 1, 0, 0)
    assert (css.implemented, css.failed, css.backed_out) == (5, 1, 1)
    assert (gas.implemented, gas.failed, gas.backed_out) == (3, 0, 1)
    assert (css.emergency, css.retro_done, css.retro_outstanding) == (2, 1, 1)
    assert (css.major, css.major_implemented, css.pir_done, css.pir_outstanding) == (1, 1, 0, 1)
    assert (gas.major, gas.major_implemented, gas.pir_done, gas.pir_outstanding) == (1, 1, 1, 0)
    # Notice given: CSS 10+5+3+9+8 = 35 over 5; Gas 20+6+12+7+4 = 49 over 5; all 84 over 10.
    assert (css.mean_notice, gas.mean_notice, rep.total.mean_notice) == (
        Decimal("7.0"),
        Decimal("9.8"),
        Decimal("8.4"),
    )
    assert css.late_percent == Decimal("28.6")  # 2 of 7
    assert css.failed_percent == Decimal("40.0")  # 2 of 5 implemented


def test_figures_by_type_and_totals(chg) -> None:
    build(chg)
    rep = reports.report(chg.ops, Q1)
    types = _by_label(rep.types)
    assert [t.label for t in rep.types] == ["Standard", "Normal", "Major", "Emergency"]
    assert [types[k].total for k in ("Standard", "Normal", "Major", "Emergency")] == [1, 7, 2, 2]
    normal = types["Normal"]
    assert (normal.late, normal.exceptions, normal.implemented, normal.failed, normal.backed_out) == (
        2,
        1,
        4,
        0,
        2,
    )
    assert (types["Major"].failed, types["Major"].pir_outstanding) == (1, 1)
    assert types["Emergency"].mean_notice is None  # emergency changes skip the notice rule
    t = rep.total
    assert (t.late, t.exceptions, t.implemented, t.failed, t.backed_out) == (2, 1, 8, 1, 2)
    assert (t.emergency, t.retro_outstanding, t.major, t.pir_outstanding) == (2, 1, 2, 1)
    assert sum(t.groups.values()) == t.total == 12


def test_the_period_runs_on_london_dates(chg) -> None:
    made = build(chg)
    april = reports.report(chg.desk, reports.Period(dt.date(2025, 4, 1), dt.date(2025, 4, 30)))
    assert april.total.total == 1 and april.providers[0].label == "Gas CDS"
    new_year = reports.report(chg.desk, reports.Period(dt.date(2025, 1, 1), dt.date(2025, 1, 1)))
    assert new_year.total.total == 1
    assert made["g11"].planned_start.date() == dt.date(2025, 1, 1)
    empty = reports.report(chg.desk, reports.Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    assert empty.total.total == 0 and empty.providers == [] and empty.total.mean_notice is None


def test_periods_parsed_and_bounded() -> None:
    today = dt.date(2027, 6, 16)
    assert reports.parse_period({}, today=today) == reports.Period(dt.date(2027, 4, 1), dt.date(2027, 6, 30))
    assert reports.quarter_of(dt.date(2027, 11, 5)) == reports.Period(
        dt.date(2027, 10, 1), dt.date(2027, 12, 31)
    )
    assert reports.parse_period({"from": "2025-01-01", "to": "2026-12-31"}, today=today).days == 730
    assert reports.parse_period({"from": "2025-02-10"}, today=today).end == dt.date(2025, 3, 31)
    for params, field in (
        ({"from": "2024-01-01", "to": "2026-01-02"}, "to"),
        ({"from": "2025-03-01", "to": "2025-02-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
    ):
        try:
            reports.parse_period(params, today=today)
        except reports.PeriodError as exc:
            assert exc.field == field, params
        else:
            raise AssertionError(f"{params} accepted")
