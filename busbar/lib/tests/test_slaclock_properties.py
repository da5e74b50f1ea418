"""Property tests over random legal event logs: elapsed, breach and warning instants are exact; pauses never
make a breach earlier; the state depends only on the current severity; elapsed never goes backwards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from busbar.lib.slaclock import ClockEvent, ClockState, Target, compute_clock
from busbar.lib.worktime import WorkingCalendar

FAST = settings(max_examples=100, deadline=None, database=None)
ONE_US = timedelta(microseconds=1)

TARGETS = {
    "1": Target(4, "hours"),
    "2": Target(90, "minutes"),
    "3": Target(2, "working_days"),
    "4": Target(10, "working_days"),
}
CALENDARS = [
    WorkingCalendar.twenty_four_seven(),
    WorkingCalendar.working_hours("office", bank_holiday_years=range(2025, 2028)),
]
SEVERITIES = st.sampled_from(sorted(TARGETS))


@st.composite
def logs(draw: st.DrawFn) -> tuple[WorkingCalendar, list[ClockEvent], datetime]:
    """A calendar, a legal event log and an evaluation time at or after its last event."""
    cal = draw(st.sampled_from(CALENDARS))
    at = draw(st.datetimes(datetime(2025, 1, 1), datetime(2026, 12, 1), timezones=st.just(UTC)))
    events = [ClockEvent(at, "start", draw(SEVERITIES))]
    state = "running"
    for _ in range(draw(st.integers(0, 10))):
        at = at + ONE_US * draw(st.integers(0, 2 * 86_400_000_000))
        legal = {"running": ["pause", "stop"], "paused": ["resume", "stop"], "stopped": ["restart"]}[state]
        kind = draw(st.sampled_from([*legal, "severity"]))
        events.append(ClockEvent(at, kind, draw(SEVERITIES) if kind == "severity" else None))
        state = {"pause": "paused", "stop": "stopped", "resume": "running", "restart": "running"}.get(
            kind, state
        )
    now = at + ONE_US * draw(st.integers(0, 3 * 86_400_000_000))
    return cal, events, now


def run(cal: WorkingCalendar, events: list[ClockEvent], now: datetime) -> ClockState:
    return compute_clock(events, TARGETS.__getitem__, cal, now)


def counted_until(cal: WorkingCalendar, events: list[ClockEvent], until: datetime) -> timedelta:
    """Reference: all working time since start minus the working time spent paused or stopped."""
    start = events[0].at
    if until <= start:
        return timedelta(0)
    not_counting: datetime | None = None
    excluded = timedelta(0)
    for e in events:
        if e.at > until:
            break
        if e.kind in ("pause", "stop") and not_counting is None:
            not_counting = e.at
        elif e.kind in ("resume", "restart"):
            assert not_counting is not None
            excluded += cal.measure(not_counting, e.at)
            not_counting = None
    if not_counting is not None:
        excluded += cal.measure(not_counting, until)
    return cal.measure(start, until) - excluded


@FAST
@given(logs())
def test_elapsed_and_derived_fields(log: tuple[WorkingCalendar, list[ClockEvent], datetime]) -> None:
    cal, events, now = log
    state = run(cal, events, now)
    assert state.elapsed == counted_until(cal, events, now)
    assert state.elapsed <= cal.measure(events[0].at, now)
    final = next(e.severity for e in reversed(events) if e.severity)
    assert state.severity == final
    assert state.target == TARGETS[final].working_time(cal, events[0].at)
    assert state.remaining == state.target - state.elapsed
    assert state.breached == (state.remaining < timedelta(0))
    assert (state.due_at is None) == (state.paused or state.stopped)


@FAST
@given(logs())
def test_breach_and_warning_instants_are_exact(
    log: tuple[WorkingCalendar, list[ClockEvent], datetime],
) -> None:
    cal, events, now = log
    state = run(cal, events, now)
    for instant, threshold in ((state.breached_at, state.target), (state.warned_at, state.target * 0.75)):
        if instant is None:
            assert state.elapsed < threshold or (threshold == state.target and state.elapsed == threshold)
            continue
        assert instant <= now
        assert counted_until(cal, events, instant) == threshold
        assert counted_until(cal, events, instant - ONE_US) < threshold


@FAST
@given(logs())
def test_projections_land_on_the_target(log: tuple[WorkingCalendar, list[ClockEvent], datetime]) -> None:
    cal, events, now = log
    state = run(cal, events, now)
    if state.due_at is None:
        return
    assert state.warning_at is not None
    # All events are at or before now, so evaluating later just lets the clock keep running.
    for instant, threshold in ((state.due_at, state.target), (state.warning_at, state.target * 0.75)):
        assert counted_until(cal, events, instant) == threshold
        assert counted_until(cal, events, instant - ONE_US) < threshold
        if instant >= now:
            assert run(cal, events, instant).elapsed == threshold


@FAST
@given(logs(), st.lists(st.integers(0, 2 * 86_400_000_000), min_size=2, max_size=6))
def test_elapsed_never_goes_backwards(
    log: tuple[WorkingCalendar, list[ClockEvent], datetime], offsets: list[int]
) -> None:
    cal, events, _now = log
    # Evaluate "as at" each event and at points between them: later evaluation never shows less time.
    times = sorted({e.at for e in events} | {events[0].at + ONE_US * o for o in offsets})
    elapsed = [run(cal, events, t).elapsed for t in times]
    assert elapsed == sorted(elapsed)


@FAST
@given(logs(), st.data())
def test_removing_a_pause_never_delays_a_breach(
    log: tuple[WorkingCalendar, list[ClockEvent], datetime], data: st.DataObject
) -> None:
    cal, events, now = log
    pauses = [i for i, e in enumerate(events) if e.kind == "pause"]
    if not pauses:
        return
    i = data.draw(st.sampled_from(pauses))
    drop = {i}
    if i + 1 < len(events):
        following = next((j for j in range(i + 1, len(events)) if events[j].kind in ("resume", "stop")), None)
        if following is not None and events[following].kind == "resume":
            drop.add(following)
    without = [e for k, e in enumerate(events) if k not in drop]
    paused, unpaused = run(cal, events, now), run(cal, without, now)
    assert paused.elapsed <= unpaused.elapsed
    if paused.breached:
        assert unpaused.breached and unpaused.breached_at is not None and paused.breached_at is not None
        assert unpaused.breached_at <= paused.breached_at
    if paused.warned_at is not None:
        assert unpaused.warned_at is not None and unpaused.warned_at <= paused.warned_at


@FAST
@given(logs())
def test_state_is_as_if_the_current_severity_applied_from_the_start(
    log: tuple[WorkingCalendar, list[ClockEvent], datetime],
) -> None:
    cal, events, now = log
    final = next(e.severity for e in reversed(events) if e.severity)
    rewritten = [ClockEvent(events[0].at, "start", final)] + [e for e in events[1:] if e.kind != "severity"]
    assert run(cal, events, now) == run(cal, rewritten, now)
