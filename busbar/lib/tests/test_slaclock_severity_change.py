"""Severity changes: the target is recomputed from the ORIGINAL start with the new severity's target;
time already counted stays counted, paused time stays excluded, and a breach can land in the past.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from busbar.lib.slaclock import ClockEvent, ClockState, Target, compute_clock
from busbar.lib.worktime import LONDON, WorkingCalendar

H = timedelta(hours=1)
M = timedelta(minutes=1)
T0 = datetime(2025, 6, 2, tzinfo=UTC)

RESPONSE = {
    "1": Target(10, "minutes"),
    "2": Target(20, "minutes"),
    "3": Target(45, "minutes"),
    "4": Target(1, "working_days"),
}
RESOLUTION = {
    "1": Target(4, "hours"),
    "2": Target(24, "hours"),
    "3": Target(72, "hours"),
    "4": Target(10, "working_days"),
}
ALWAYS = WorkingCalendar.twenty_four_seven()
OFFICE = WorkingCalendar.working_hours("office", bank_holiday_years=[2025, 2026])


def ev(at: datetime, kind: str, severity: str | None = None) -> ClockEvent:
    return ClockEvent(at, kind, severity)  # type: ignore[arg-type]


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=LONDON)


def clock(
    events: list[ClockEvent],
    now: datetime,
    cal: WorkingCalendar = ALWAYS,
    targets: dict[str, Target] = RESOLUTION,
) -> ClockState:
    return compute_clock(events, targets.__getitem__, cal, now)


def test_upgrade_while_running_uses_the_new_target_from_the_original_start() -> None:
    state = clock([ev(T0, "start", "3"), ev(T0 + 2 * H, "severity", "1")], T0 + 3 * H)
    assert state.severity == "1" and state.target == 4 * H
    assert state.elapsed == 3 * H and state.remaining == H
    assert state.due_at == T0 + 4 * H  # not change + 4 h
    assert state.warned_at == state.warning_at == T0 + 3 * H


def test_upgrade_that_causes_an_immediate_past_breach() -> None:
    # Six hours into a 72 h severity 3, it becomes severity 1 (4 h): breached two hours ago.
    state = clock([ev(T0, "start", "3"), ev(T0 + 6 * H, "severity", "1")], T0 + 6 * H)
    assert state.breached
    assert state.breached_at == T0 + 4 * H  # before the change
    assert state.warned_at == T0 + 3 * H
    assert state.remaining == -2 * H and state.percent == 150.0
    assert state.due_at == T0 + 4 * H


def test_past_breach_instant_skips_paused_time() -> None:
    events = [
        ev(T0, "start", "3"),
        ev(T0 + H, "pause"),
        ev(T0 + 3 * H, "resume"),
        ev(T0 + 7 * H, "severity", "1"),
    ]
    state = clock(events, T0 + 7 * H)
    assert state.elapsed == 5 * H
    # 1 h before the pause, then 3 more hours after resuming at +3 h.
    assert state.breached_at == T0 + 6 * H
    assert state.warned_at == T0 + 5 * H


def test_past_breach_before_a_stop() -> None:
    events = [ev(T0, "start", "3"), ev(T0 + 5 * H, "stop"), ev(T0 + 8 * H, "severity", "1")]
    state = clock(events, T0 + 9 * H)
    assert state.stopped and state.stopped_at == T0 + 5 * H
    assert state.breached and state.breached_at == T0 + 4 * H
    assert state.due_at is None and state.elapsed == 5 * H


def test_change_mid_pause_keeps_the_pause_and_its_time_excluded() -> None:
    events = [ev(T0, "start", "3"), ev(T0 + H, "pause"), ev(T0 + 2 * H, "severity", "2")]
    paused = clock(events, T0 + 5 * H)
    assert paused.paused and paused.severity == "2" and paused.target == 24 * H
    assert paused.elapsed == H and paused.due_at is None and paused.warning_at is None
    assert not paused.breached

    resumed = clock([*events, ev(T0 + 6 * H, "resume")], T0 + 7 * H)
    assert resumed.elapsed == 2 * H
    # The 5 h pause (+1 h .. +6 h) pushes the 24 h deadline out by 5 h.
    assert resumed.due_at == T0 + 29 * H
    assert resumed.warning_at == T0 + 23 * H


def test_change_mid_pause_that_breaches() -> None:
    events = [ev(T0, "start", "2"), ev(T0 + 10 * H, "pause"), ev(T0 + 12 * H, "severity", "1")]
    state = clock(events, T0 + 13 * H)
    assert state.paused and state.breached
    assert state.breached_at == T0 + 4 * H and state.elapsed == 10 * H
    assert state.due_at is None


def test_downgrade_clears_a_breach() -> None:
    events = [ev(T0, "start", "1")]
    assert clock(events, T0 + 5 * H).breached
    state = clock([*events, ev(T0 + 5 * H, "severity", "3")], T0 + 6 * H)
    assert not state.breached and state.breached_at is None
    assert state.target == 72 * H and state.due_at == T0 + 72 * H


def test_change_to_a_working_days_target_is_measured_from_the_original_start() -> None:
    # Severity 3 logged Friday 22 August 2025 16:00, raised to severity 4 at 16:30: its one working day
    # runs from 16:00 (original start) over the weekend and bank holiday Monday to Tuesday 16:00.
    events = [ev(local(2025, 8, 22, 16), "start", "3"), ev(local(2025, 8, 22, 16, 30), "severity", "4")]
    state = clock(events, local(2025, 8, 22, 16, 40), OFFICE, RESPONSE)
    assert state.target == 8 * H
    assert state.due_at == local(2025, 8, 26, 16)


def test_change_from_working_days_to_minutes_breaches_in_the_past() -> None:
    events = [ev(local(2025, 8, 22, 16), "start", "4"), ev(local(2025, 8, 26, 10), "severity", "3")]
    state = clock(events, local(2025, 8, 26, 10), OFFICE, RESPONSE)
    # Two working hours counted (Friday 16-17, Tuesday 09-10) against 45 minutes: breached on Friday.
    assert state.elapsed == 2 * H and state.target == 45 * M
    assert state.breached_at == local(2025, 8, 22, 16, 45)


def test_working_days_target_across_a_clock_change_on_24x7() -> None:
    # 10 working days on 24x7 from Friday 27 March 2026 12:00 GMT = to 6 April 12:00 BST: 239 real hours.
    events = [ev(local(2026, 3, 27, 12), "start", "3"), ev(local(2026, 3, 27, 13), "severity", "4")]
    state = clock(events, local(2026, 3, 27, 14))
    assert state.target == 239 * H
    assert state.due_at == local(2026, 4, 6, 12)


def test_same_severity_again_changes_nothing() -> None:
    base = [ev(T0, "start", "2"), ev(T0 + 2 * H, "pause")]
    assert clock(base, T0 + 5 * H) == clock([*base, ev(T0 + 3 * H, "severity", "2")], T0 + 5 * H)


def test_change_while_stopped_then_reopen() -> None:
    events = [
        ev(T0, "start", "3"),
        ev(T0 + 2 * H, "stop"),
        ev(T0 + 3 * H, "severity", "1"),
        ev(T0 + 10 * H, "restart"),
    ]
    state = clock(events, T0 + 11 * H)
    assert not state.stopped and state.elapsed == 3 * H
    assert state.due_at == T0 + 12 * H  # 1 h left of the new 4 h target after reopening at +10 h
    assert state.warned_at == T0 + 11 * H


def test_the_worked_example_in_docs_sla_md() -> None:
    start = ev(local(2025, 8, 22, 15, 30), "start", "4")
    response = clock([start], local(2025, 8, 22, 16), OFFICE, RESPONSE)
    assert response.target == 8 * H and response.due_at == local(2025, 8, 26, 15, 30)
    assert response.warning_at == local(2025, 8, 26, 13, 30)

    assert clock([start], local(2025, 8, 22, 16), OFFICE).due_at == local(2025, 9, 8, 15, 30)
    paused = [start, ev(local(2025, 8, 26, 10), "pause")]
    assert clock(paused, local(2025, 8, 26, 10), OFFICE).elapsed == 150 * M
    resumed = [*paused, ev(local(2025, 8, 27, 14), "resume")]
    assert clock(resumed, local(2025, 8, 27, 14), OFFICE).due_at == local(2025, 9, 10, 11, 30)

    raised = clock([*resumed, ev(local(2025, 8, 28, 11), "severity", "1")], local(2025, 8, 28, 11), OFFICE)
    assert (raised.target, raised.elapsed, raised.remaining, raised.percent) == (
        4 * H,
        450 * M,
        -210 * M,
        187.5,
    )
    assert raised.breached_at == local(2025, 8, 27, 15, 30)
    assert raised.warned_at == local(2025, 8, 27, 14, 30)
    instead = clock([*resumed, ev(local(2025, 8, 28, 11), "severity", "2")], local(2025, 8, 28, 11), OFFICE)
    assert not instead.breached and instead.remaining == 990 * M
    assert instead.due_at == local(2025, 9, 1, 11, 30)

    log = [*resumed, ev(local(2025, 8, 28, 11), "severity", "1"), ev(local(2025, 8, 28, 16), "stop")]
    stopped = clock(log, local(2025, 8, 29, 9), OFFICE)
    assert stopped.stopped and stopped.elapsed == 750 * M and stopped.breached
    reopened = clock([*log, ev(local(2025, 9, 1, 10), "restart")], local(2025, 9, 1, 11), OFFICE)
    assert reopened.elapsed == 810 * M and reopened.breached_at == local(2025, 8, 27, 15, 30)
