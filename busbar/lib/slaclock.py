"""SLA clock state derived purely from an incident's own event log (no Django, no database).

An incident's clock is a list of :class:`ClockEvent` in time order:

* ``start`` (first event, exactly once, carries the initial severity) - the clock starts counting;
* ``pause`` / ``resume`` - time between them is not counted (e.g. waiting for the customer);
* ``stop`` - the clock stops (resolved); allowed while running or paused;
* ``restart`` - reopen a stopped clock: it counts again from this point, keeping the time counted before;
* ``severity`` (carries the new severity) - allowed at any point after ``start``, in any state.

A ``severity`` given on any other kind of event is ignored.

Rules (also in ``docs/sla.md``):

* **Elapsed** is the working time on the calendar while the clock was running (start/resume/restart up
  to pause/stop/now). Paused and stopped spans never count.
* **Target.** ``minutes`` / ``hours`` are working time on the calendar (real time on a 24x7 calendar).
  ``working_days`` (n) become working time by measuring from the clock's original start to
  ``calendar.add_working_days(original start, n)``, so "1 working day" from Friday 16:00 on a
  Monday-Friday calendar is the working time up to Monday 16:00.
* **Severity changes.** The clock always uses the *current* severity's target, computed from the ORIGINAL
  start, as if the incident had had that severity from the beginning. Time already counted stays counted
  and paused time already accrued stays excluded; the change itself neither pauses nor restarts anything.
  If the new target is already used up, the incident is breached and the breach instant is the instant
  the elapsed time crossed the NEW target, which can be in the past (before the change, even before a
  pause or stop). A later change to a longer target can therefore clear a breach: the state always
  reflects the current severity (the event log itself keeps the history).
* **Warning and breach.** ``warned_at`` is the instant the elapsed time reached ``warn_ratio`` x target;
  the target is *met* while elapsed <= target, so ``breached`` means elapsed > target, and ``breached_at``
  is the instant the elapsed time reached the target (the due instant that was missed). Both are exact
  and derived from the log, so they are the same however late the clock is evaluated.
* **Projections.** While running, ``due_at`` / ``warning_at`` are the instants the elapsed time reaches
  (or reached) the target / warning threshold if the clock keeps running; both are ``None`` while paused
  or stopped, since nothing is being counted down.
* **Evaluation time.** Events after ``now`` are validated but ignored, so the state "as at" any past
  moment can be computed from the same log.

Illegal logs raise ``ValueError`` naming the offending event's index: a first event that is not
``start``, a second ``start``, pause while paused or stopped, resume while not paused, stop while stopped,
restart while not stopped, a ``start``/``severity`` event without a severity, naive or out-of-order times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from busbar.lib.worktime import WorkingCalendar

__all__ = ["ClockEvent", "ClockState", "Target", "compute_clock"]

Unit = Literal["minutes", "hours", "working_days"]
EventKind = Literal["start", "pause", "resume", "stop", "severity", "restart"]

_UNITS: tuple[str, ...] = get_args(Unit)
_KINDS: tuple[str, ...] = get_args(EventKind)


@dataclass(frozen=True)
class Target:
    """An SLA target: ``amount`` of ``unit`` ("minutes", "hours" or "working_days") on a calendar."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool) or self.amount <= 0:
            raise ValueError(f"target amount must be a positive int, got {self.amount!r}")
        if self.unit not in _UNITS:
            raise ValueError(f"target unit must be one of {', '.join(_UNITS)}; got {self.unit!r}")

    def working_time(self, calendar: WorkingCalendar, start: datetime) -> timedelta:
        """The target as working time for a clock that started at ``start`` on ``calendar``."""
        if self.unit == "minutes":
            return timedelta(minutes=self.amount)
        if self.unit == "hours":
            return timedelta(hours=self.amount)
        return calendar.measure(start, calendar.add_working_days(start, self.amount))

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        return f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"


@dataclass(frozen=True)
class ClockEvent:
    """One entry of an incident's clock log. ``severity`` is required for ``start`` and ``severity``."""

    at: datetime
    kind: EventKind
    severity: str | None = None


@dataclass(frozen=True)
class ClockState:
    """The clock as at ``now``. Instants are UTC; durations are working time on the calendar."""

    severity: str
    target: timedelta
    started_at: datetime
    elapsed: timedelta
    remaining: timedelta  # Negative once breached: the amount overdue.
    percent: float  # elapsed / target x 100 (over 100 once breached).
    paused: bool
    stopped: bool
    stopped_at: datetime | None
    due_at: datetime | None
    warning_at: datetime | None
    breached: bool
    breached_at: datetime | None
    warned_at: datetime | None


def _describe(index: int, event: ClockEvent) -> str:
    return f"event {index} ({event.kind} at {event.at.isoformat()})"


def _validate(events: Sequence[ClockEvent]) -> None:
    """Check the whole log is a legal sequence, naming the first offending event."""
    if not events:
        raise ValueError("the clock has no events: the first event must be 'start'")
    running = paused = stopped = False
    previous: datetime | None = None
    for index, event in enumerate(events):
        if not isinstance(event, ClockEvent):
            raise ValueError(f"event {index} is not a ClockEvent: {event!r}")
        if event.kind not in _KINDS:
            raise ValueError(
                f"event {index}: unknown kind {event.kind!r} (expected one of {', '.join(_KINDS)})"
            )
        if not isinstance(event.at, datetime) or event.at.tzinfo is None or event.at.utcoffset() is None:
            raise ValueError(f"event {index} ({event.kind}): time must be a timezone-aware datetime")
        where = _describe(index, event)
        if previous is not None and event.at < previous:
            raise ValueError(f"{where} is earlier than event {index - 1}: events must be in time order")
        previous = event.at
        kind = event.kind
        if index == 0 and kind != "start":
            raise ValueError(f"{where}: the first event must be 'start'")
        if kind in ("start", "severity") and (not isinstance(event.severity, str) or not event.severity):
            raise ValueError(f"{where}: a {kind} event needs a severity")
        if kind == "start":
            if index != 0:
                raise ValueError(f"{where}: the clock has already started (use 'restart' to reopen)")
            running = True
        elif kind == "pause":
            if not running:
                raise ValueError(f"{where}: cannot pause a clock that is {'paused' if paused else 'stopped'}")
            running, paused = False, True
        elif kind == "resume":
            if not paused:
                raise ValueError(
                    f"{where}: cannot resume a clock that is {'running' if running else 'stopped'}"
                )
            running, paused = True, False
        elif kind == "stop":
            if stopped:
                raise ValueError(f"{where}: the clock is already stopped")
            running = paused = False
            stopped = True
        elif kind == "restart":
            if not stopped:
                raise ValueError(
                    f"{where}: only a stopped clock can be restarted "
                    f"(it is {'paused' if paused else 'running'})"
                )
            running, stopped = True, False


def _crossing(
    spans: list[tuple[datetime, datetime, timedelta]], threshold: timedelta, calendar: WorkingCalendar
) -> datetime | None:
    """The instant the running total of ``spans`` first reaches ``threshold`` (> 0); None if it never did."""
    acc = timedelta(0)
    for begin, _end, worked in spans:
        if acc + worked >= threshold:
            # threshold - acc > 0, so this lands inside (begin, end]: never in a paused or stopped span.
            return calendar.add(begin, threshold - acc)
        acc += worked
    return None


def compute_clock(
    events: Sequence[ClockEvent],
    target_for: Callable[[str], Target],
    calendar: WorkingCalendar,
    now: datetime,
    warn_ratio: float = 0.75,
) -> ClockState:
    """The SLA clock as at ``now`` from the incident's event log (rules in the module docstring)."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    if not 0 < warn_ratio <= 1:
        raise ValueError(f"warn_ratio must be in (0, 1], got {warn_ratio!r}")
    _validate(events)
    if events[0].at > now:
        raise ValueError(f"the clock starts at {events[0].at.isoformat()}, after now ({now.isoformat()})")

    now = now.astimezone(UTC)
    started_at = events[0].at.astimezone(UTC)
    severity = ""
    # Running spans as (begin, end, working time); `running_since` is the open span's begin, if any.
    spans: list[tuple[datetime, datetime, timedelta]] = []
    running_since: datetime | None = None
    paused = stopped = False
    stopped_at: datetime | None = None
    for event in events:
        at = event.at.astimezone(UTC)
        if at > now:
            break  # The state "as at now": later events are not yet known.
        kind = event.kind
        if kind in ("start", "severity"):
            severity = event.severity or ""
            if kind == "start":
                running_since = at
        elif kind in ("pause", "stop"):
            if running_since is not None:
                spans.append((running_since, at, calendar.measure(running_since, at)))
                running_since = None
            paused = kind == "pause"
            if kind == "stop":
                stopped, stopped_at = True, at
        elif kind in ("resume", "restart"):
            running_since = at
            paused = stopped = False
            stopped_at = None
    if running_since is not None:
        spans.append((running_since, now, calendar.measure(running_since, now)))

    target_spec = target_for(severity)
    if not isinstance(target_spec, Target):
        raise ValueError(f"target_for({severity!r}) returned {target_spec!r}, not a Target")
    target = target_spec.working_time(calendar, started_at)
    warn_threshold = target * warn_ratio
    elapsed = sum((worked for _b, _e, worked in spans), timedelta(0))

    breached = elapsed > target
    breached_at = _crossing(spans, target, calendar) if breached else None
    warned_at = _crossing(spans, warn_threshold, calendar) if elapsed >= warn_threshold else None

    due_at: datetime | None = None
    warning_at: datetime | None = None
    if running_since is not None:
        # Reached already (possibly exactly, during closed hours): the historical crossing; else project.
        due_at = (
            _crossing(spans, target, calendar) if elapsed >= target else calendar.add(now, target - elapsed)
        )
        warning_at = warned_at if warned_at is not None else calendar.add(now, warn_threshold - elapsed)

    return ClockState(
        severity=severity,
        target=target,
        started_at=started_at,
        elapsed=elapsed,
        remaining=target - elapsed,
        percent=elapsed / target * 100,
        paused=paused,
        stopped=stopped,
        stopped_at=stopped_at,
        due_at=due_at,
        warning_at=warning_at,
        breached=breached,
        breached_at=breached_at,
        warned_at=warned_at,
    )
