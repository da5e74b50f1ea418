"""compute_clock: running, warning, breach, pause, stop, reopen, working-day targets and illegal logs."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from busbar.lib.slaclock import ClockEvent, ClockState, Target, compute_clock
from busbar.lib.worktime import LONDON, WorkingCalendar

H = timedelta(hours=1)
M = timedelta(minutes=1)
T0 = datetime(2025, 6, 2, 10, tzinfo=UTC)  # a Monday

# The default CSS service-desk targets.
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


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=LONDON)


def clock(
    events: list[ClockEvent],
    now: datetime,
    cal: WorkingCalendar = ALWAYS,
    targets: dict[str, Target] = RESOLUTION,
) -> ClockState:
    return compute_clock(events, targets.__getitem__, cal, now)


class TestRunning:
    def test_counting_down(self) -> None:
        state = clock([ev(T0, "start", "2")], T0 + 10 * H)
        assert state == ClockState(
            severity="2",
            target=24 * H,
            started_at=T0,
            elapsed=10 * H,
            remaining=14 * H,
            percent=pytest.approx(41.6666667),  # type: ignore[arg-type]
            paused=False,
            stopped=False,
            stopped_at=None,
            due_at=T0 + 24 * H,
            warning_at=T0 + 18 * H,
            breached=False,
            breached_at=None,
            warned_at=None,
        )

    def test_warning_reached(self) -> None:
        state = clock([ev(T0, "start", "2")], T0 + 19 * H)
        assert state.warned_at == state.warning_at == T0 + 18 * H
        assert not state.breached

    def test_custom_warn_ratio(self) -> None:
        state = compute_clock([ev(T0, "start", "2")], RESOLUTION.__getitem__, ALWAYS, T0, warn_ratio=0.5)
        assert state.warning_at == T0 + 12 * H

    def test_breached(self) -> None:
        state = clock([ev(T0, "start", "2")], T0 + 25 * H)
        assert state.breached and state.breached_at == T0 + 24 * H
        assert state.remaining == -H
        assert state.percent == pytest.approx(104.1666667)
        assert state.due_at == T0 + 24 * H  # the missed deadline stays visible

    def test_exactly_at_the_target_is_met_not_breached(self) -> None:
        state = clock([ev(T0, "start", "2")], T0 + 24 * H)
        assert not state.breached and state.breached_at is None
        assert state.remaining == timedelta(0) and state.percent == 100.0
        assert clock([ev(T0, "start", "2")], T0 + 24 * H + timedelta(microseconds=1)).breached

    def test_results_are_utc_whatever_the_input_zone(self) -> None:
        start = local(2025, 6, 2, 11)  # = T0
        state = clock([ev(start, "start", "2")], local(2025, 6, 2, 12))
        assert state.started_at == T0 and state.started_at.tzinfo is UTC
        assert state.due_at is not None and state.due_at.tzinfo is UTC


class TestPauseStopRestart:
    def test_paused_time_is_not_counted(self) -> None:
        events = [ev(T0, "start", "2"), ev(T0 + 2 * H, "pause"), ev(T0 + 5 * H, "resume")]
        state = clock(events, T0 + 10 * H)
        assert state.elapsed == 7 * H
        assert state.due_at == T0 + 27 * H and state.warning_at == T0 + 21 * H

    def test_while_paused_there_is_no_deadline(self) -> None:
        state = clock([ev(T0, "start", "2"), ev(T0 + 2 * H, "pause")], T0 + 4 * H)
        assert state.paused and state.elapsed == 2 * H
        assert state.due_at is None and state.warning_at is None

    def test_stopped(self) -> None:
        state = clock([ev(T0, "start", "2"), ev(T0 + 20 * H, "stop")], T0 + 30 * H)
        assert state.stopped and state.stopped_at == T0 + 20 * H and not state.paused
        assert state.elapsed == 20 * H and not state.breached
        assert state.due_at is None and state.warning_at is None
        assert state.warned_at == T0 + 18 * H  # history survives the stop

    def test_breach_before_stop_is_kept(self) -> None:
        state = clock([ev(T0, "start", "2"), ev(T0 + 26 * H, "stop")], T0 + 40 * H)
        assert state.breached and state.breached_at == T0 + 24 * H and state.remaining == -2 * H

    def test_stop_exactly_at_the_deadline_meets_it(self) -> None:
        state = clock([ev(T0, "start", "2"), ev(T0 + 24 * H, "stop")], T0 + 40 * H)
        assert not state.breached and state.remaining == timedelta(0)

    def test_stop_while_paused(self) -> None:
        state = clock([ev(T0, "start", "2"), ev(T0 + H, "pause"), ev(T0 + 3 * H, "stop")], T0 + 5 * H)
        assert state.stopped and not state.paused and state.elapsed == H

    def test_restart_keeps_earlier_time(self) -> None:
        events = [ev(T0, "start", "2"), ev(T0 + 5 * H, "stop"), ev(T0 + 8 * H, "restart")]
        state = clock(events, T0 + 10 * H)
        assert not state.stopped and state.stopped_at is None
        assert state.elapsed == 7 * H and state.due_at == T0 + 27 * H

    def test_events_after_now_are_not_yet_known(self) -> None:
        events = [ev(T0, "start", "2"), ev(T0 + 5 * H, "stop")]
        state = clock(events, T0 + 3 * H)
        assert not state.stopped and state.elapsed == 3 * H


class TestWorkingHours:
    def test_response_over_the_evening(self) -> None:
        # Severity 3, 45 minutes: logged Friday 16:50, ten minutes used before close, due Monday 09:35.
        state = clock([ev(local(2025, 6, 6, 16, 50), "start", "3")], local(2025, 6, 6, 18), OFFICE, RESPONSE)
        assert state.elapsed == 10 * M and state.remaining == 35 * M
        assert state.due_at == local(2025, 6, 9, 9, 35)
        assert state.warning_at == local(2025, 6, 9, 9, 23, 45)  # 75 % of 45 min = 33 min 45 s

    def test_one_working_day_over_weekend_and_bank_holiday_from_in_hours(self) -> None:
        # Severity 4 response, 1 working day, logged Friday 22 August 2025 16:00; Monday 25th is a bank
        # holiday, so one working day runs to Tuesday 16:00: 1 h on Friday + 7 h on Tuesday.
        events = [ev(local(2025, 8, 22, 16), "start", "4")]
        state = clock(events, local(2025, 8, 25, 12), OFFICE, RESPONSE)
        assert state.target == 8 * H and state.elapsed == H
        assert state.due_at == local(2025, 8, 26, 16)
        assert state.warning_at == local(2025, 8, 26, 14)
        assert not clock(events, local(2025, 8, 26, 16), OFFICE, RESPONSE).breached
        late = clock(events, local(2025, 8, 26, 16, 0, 1), OFFICE, RESPONSE)
        assert late.breached and late.breached_at == local(2025, 8, 26, 16)

    def test_one_working_day_over_weekend_and_bank_holiday_from_friday_evening(self) -> None:
        # Logged Friday 18:30 (closed): counts from Tuesday 09:00; one working day = to Wednesday 09:00,
        # i.e. 8 working hours, used up at Tuesday 17:00. No working time passes overnight, so the target
        # is still met until Wednesday's opening.
        events = [ev(local(2025, 8, 22, 18, 30), "start", "4")]
        state = clock(events, local(2025, 8, 26, 12), OFFICE, RESPONSE)
        assert state.target == 8 * H and state.elapsed == 3 * H
        assert state.due_at == local(2025, 8, 26, 17)
        overnight = clock(events, local(2025, 8, 26, 22), OFFICE, RESPONSE)
        assert overnight.remaining == timedelta(0) and not overnight.breached
        assert overnight.due_at == local(2025, 8, 26, 17)
        morning = clock(events, local(2025, 8, 27, 9, 0, 1), OFFICE, RESPONSE)
        assert morning.breached and morning.breached_at == local(2025, 8, 26, 17)

    def test_ten_working_days_resolution(self) -> None:
        state = clock([ev(local(2025, 6, 2, 11), "start", "4")], local(2025, 6, 2, 12), OFFICE)
        assert state.target == 80 * H
        assert state.due_at == local(2025, 6, 16, 11)


class TestTarget:
    def test_validation(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            Target(0, "hours")
        with pytest.raises(ValueError, match="unit"):
            Target(1, "days")  # type: ignore[arg-type]

    def test_str(self) -> None:
        assert str(Target(1, "working_days")) == "1 working day"
        assert str(Target(45, "minutes")) == "45 minutes"

    def test_working_time(self) -> None:
        assert Target(4, "hours").working_time(OFFICE, T0) == 4 * H
        assert Target(2, "working_days").working_time(OFFICE, local(2025, 6, 6, 12)) == 16 * H
        assert Target(1, "working_days").working_time(ALWAYS, local(2026, 3, 28, 12)) == 23 * H

    def test_state_is_frozen(self) -> None:
        state = clock([ev(T0, "start", "2")], T0)
        with pytest.raises(dataclasses.FrozenInstanceError):
            state.elapsed = H  # type: ignore[misc]


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([], "no events"),
        ([ev(T0, "pause")], r"event 0 \(pause.*first event must be 'start'"),
        ([ev(T0, "start")], r"event 0 .*needs a severity"),
        ([ev(T0, "start", "2"), ev(T0 + H, "start", "2")], r"event 1 .*already started"),
        ([ev(T0, "start", "2"), ev(T0 + H, "pause"), ev(T0 + 2 * H, "pause")], r"event 2 .*paused"),
        ([ev(T0, "start", "2"), ev(T0 + H, "resume")], r"event 1 .*resume a clock that is running"),
        ([ev(T0, "start", "2"), ev(T0 + H, "stop"), ev(T0 + 2 * H, "resume")], r"event 2 .*stopped"),
        ([ev(T0, "start", "2"), ev(T0 + H, "stop"), ev(T0 + 2 * H, "stop")], r"event 2 .*already stopped"),
        ([ev(T0, "start", "2"), ev(T0 + H, "stop"), ev(T0 + 2 * H, "pause")], r"event 2 .*stopped"),
        ([ev(T0, "start", "2"), ev(T0 + H, "restart")], r"event 1 .*only a stopped clock"),
        ([ev(T0, "start", "2"), ev(T0 + 2 * H, "pause"), ev(T0 + H, "resume")], r"event 2 .*time order"),
        ([ev(T0, "start", "2"), ev(T0 + H, "severity")], r"event 1 .*needs a severity"),
        ([ev(T0, "start", "2"), ev(T0 + H, "snooze")], r"event 1: unknown kind"),
        ([ev(T0, "start", "2"), ev(datetime(2025, 6, 2, 12), "pause")], r"event 1 .*timezone-aware"),
    ],
)
def test_illegal_logs_name_the_event(events: list[ClockEvent], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clock(events, T0 + 10 * H)


def test_illegal_events_after_now_are_still_rejected() -> None:
    with pytest.raises(ValueError, match="event 2"):
        clock([ev(T0, "start", "2"), ev(T0 + 5 * H, "pause"), ev(T0 + 6 * H, "pause")], T0 + H)


def test_other_bad_calls() -> None:
    with pytest.raises(ValueError, match="after now"):
        clock([ev(T0, "start", "2")], T0 - H)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock([ev(T0, "start", "2")], datetime(2025, 6, 2, 12))
    with pytest.raises(ValueError, match="warn_ratio"):
        compute_clock([ev(T0, "start", "2")], RESOLUTION.__getitem__, ALWAYS, T0, warn_ratio=1.5)
    with pytest.raises(ValueError, match="not a Target"):
        compute_clock([ev(T0, "start", "2")], lambda s: 4 * H, ALWAYS, T0)  # type: ignore[arg-type,return-value]
