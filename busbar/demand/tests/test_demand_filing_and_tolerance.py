"""Filing a notice judges each line against the tolerance in force on its first day: above
normal × (1 + percent/100) or above the absolute cap is flagged; exactly at the tolerance is not. An
above-tolerance notice tells the desk (inbox and one email each); filing starts no clock."""

import datetime as dt

from django.core import mail

from busbar.demand import actions, steps
from busbar.demand.models import DemandStatus
from busbar.demand.tests.conftest import NOW, actor, line
from busbar.records.models import ClockEvent, Notification


def _file(d, lines, *, starts_on=dt.date(2027, 6, 21), ends_on=dt.date(2027, 6, 27), who=None):
    return actions.file_notice(
        actor=actor(who or d.world.user_a),
        title="Campaign",
        starts_on=starts_on,
        ends_on=ends_on,
        lines=lines,
        now=NOW,
    )


def test_world_notice_is_flagged_by_its_css_line(d) -> None:
    lines = {ln.service_id: ln for ln in d.notice.lines.all()}
    assert d.notice.reference.startswith("DMN")
    assert d.notice.status == DemandStatus.FILED
    assert d.notice.above_tolerance is True
    assert lines[d.css.pk].above_tolerance is True  # 1,500 > 1,000 × 1.2
    assert lines[d.uk_link.pk].above_tolerance is False  # 10,500 ≤ 10,000 × 1.1
    assert d.notice_b.above_tolerance is False


def test_exactly_at_the_tolerance_is_not_above(d) -> None:
    at = _file(d, [line(d.css, 1_000, 1_200)])
    assert at.above_tolerance is False
    over = _file(d, [line(d.css, 1_000, 1_201)])
    assert over.above_tolerance is True


def test_the_absolute_cap_flags_a_line_within_the_percentage(d) -> None:
    capped = _file(d, [line(d.uk_link, 50_000, 50_001)])  # within 10 %, above the 50,000 cap
    assert capped.above_tolerance is True
    assert _file(d, [line(d.uk_link, 50_000, 50_000)]).above_tolerance is False


def test_the_tolerance_in_force_on_the_first_day_decides(d) -> None:
    # 1,400 is above 20 % (in force until 30 June) but within 50 % (from 1 July).
    june = _file(d, [line(d.css, 1_000, 1_400)], starts_on=dt.date(2027, 6, 30), ends_on=dt.date(2027, 7, 5))
    july = _file(d, [line(d.css, 1_000, 1_400)], starts_on=dt.date(2027, 7, 1), ends_on=dt.date(2027, 7, 5))
    assert june.above_tolerance is True
    assert july.above_tolerance is False
    found = steps.tolerances_on([d.css.pk, d.uk_link.pk], dt.date(2027, 7, 1))
    assert found[d.css.pk].pk == d.css_later.pk and found[d.uk_link.pk].pk == d.uk_tolerance.pk


def test_no_tolerance_in_force_means_not_flagged(d) -> None:
    early = steps.tolerances_on([d.css.pk], dt.date(2026, 12, 31))
    assert early == {}
    assert steps.above(1, 10_000_000, None) is False


def test_above_tolerance_alerts_the_desk_once_each(d, django_capture_on_commit_callbacks) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notice = _file(d, [line(d.css, 1_000, 3_000)])
    desk = {d.world.analyst.email, d.world.ops.email}
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert {m.to[0] for m in mail.outbox} == desk
    assert all("above tolerance" in m.subject.lower() and notice.reference in m.subject for m in mail.outbox)
    inbox = Notification.objects.filter(record=notice.record)
    assert {n.recipient_id for n in inbox} == {d.world.analyst.pk, d.world.ops.pk}
    assert not ClockEvent.objects.filter(record=notice.record).exists()


def test_within_tolerance_tells_nobody(d, django_capture_on_commit_callbacks) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notice = _file(d, [line(d.css, 1_000, 1_100)])
    assert mail.outbox == []
    assert not Notification.objects.filter(record=notice.record).exists()


def test_a_provider_files_for_its_own_organisation(d) -> None:
    notice = _file(d, [line(d.uk_link, 10_000, 20_000)], who=d.gas)
    assert notice.organisation_id == d.gas_org.pk and notice.above_tolerance


def test_update_judges_again_and_alerts_when_newly_above(d, django_capture_on_commit_callbacks) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        changed = actions.update_notice(
            actor=actor(d.world.user_b),
            notice=d.notice_b,
            fields={"lines": [line(d.mprs, 2_000, 9_000)]},
            now=NOW,
        )
    assert changed.above_tolerance is True
    assert {m.to[0] for m in mail.outbox} == {d.world.analyst.email, d.world.ops.email}
    assert [ln.expected_per_day for ln in changed.lines.all()] == [9_000]
