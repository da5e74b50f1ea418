"""Working-time arithmetic on named calendars (pure Python: no Django, no database).

A :class:`WorkingCalendar` says when the service desk's clock runs: either around the clock ("24x7") or
during local wall-clock windows per day of the week (Europe/London by default), minus whole-day closures
such as England & Wales bank holidays.

Rules, all exact to the microsecond:

* **Instants.** Every ``datetime`` passed in must be timezone-aware; every ``datetime`` returned is in UTC.
  Durations are real elapsed time (``timedelta``) spent inside opening hours.
* **Windows are local wall-clock times.** A window ``(09:00, 17:00)`` on a weekday covers every real instant
  whose local time on that date lies in ``[09:00, 17:00)``. An end of ``time(0, 0)`` means midnight at the
  end of the day (``24:00``); windows cannot cross midnight (split them across two days instead).
* **Clock changes.** Because windows are sets of real instants, a 24x7 day is 23 hours long on the
  spring-forward day and 25 hours long on the fall-back day; a window ``00:30-03:00`` is 1 h 30 min on the
  spring-forward day (01:00-02:00 local does not exist) and 3 h 30 min on the fall-back day (01:00-02:00
  local happens twice). A window boundary that does not exist locally (e.g. 01:30 on the spring-forward
  day) is taken as the moment the clocks go forward.
* **Closures** are local dates on which the calendar is closed all day (they apply to 24x7 calendars too).
* **add(start, d)** returns the first instant by which ``d`` of working time has elapsed after ``start``;
  a start outside hours counts from the next opening, so ``add(start, 0)`` is ``next_open(start)``. If the
  time runs out exactly at a close, the close is returned (not the next opening).
* **measure(start, end)** is the working time in ``[start, end)``; 0 if ``end <= start``. It is additive
  (``measure(a, c) == measure(a, b) + measure(b, c)`` for ``a <= b <= c``) and ``add`` inverts it:
  ``measure(s, add(s, d)) == d``.
* **Working days.** ``add_working_days(start, n)`` means "by the same local time of day on the n-th
  following open day". A start outside hours counts from the next opening (so its time of day is that
  opening time). An *open day* is a local date with some opening hours (not closed, not a day without
  windows). If the target day closes before that time of day, the result is its close; if it opens after
  that time of day, the result is its opening (equivalent in working time, and an instant within hours).
  A time of day that does not exist on the target date is taken as the moment the clocks go forward; one
  that happens twice is taken at its first occurrence. On a 24x7 calendar every day is open, so one
  working day is "the same local time tomorrow" (23 or 25 real hours across a clock change). The rule is
  monotonic in the start except inside the repeated fall-back hour, where a later instant (01:00 GMT) can
  read an earlier clock time than an earlier one (01:59 BST) and so gets an earlier deadline.

Speed: per calendar, each local day's opening intervals (in UTC microseconds) are built once and kept
with running totals, so ``measure`` is O(1) and ``add``/``add_working_days``/``next_open`` are O(log days)
after the first call that touches a date range. The tables are shared by all equal calendars and are
extended (copy-on-write, under a lock) as new date ranges are touched; readers never lock.

Assumption: the time zone changes offset at most once per local day (true of every real zone in use).
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

__all__ = [
    "LONDON",
    "WorkingCalendar",
    "england_wales_bank_holidays",
]

LONDON = ZoneInfo("Europe/London")

_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORD = date(1970, 1, 1).toordinal()
# Days built around the first date a calendar is asked about; later ranges grow geometrically.
_INITIAL_BEFORE = 31
_INITIAL_AFTER = 400
_MIN_GROWTH = 366
# A calendar with no opening hours for this long is treated as broken rather than searched forever.
_HORIZON_DAYS = 366 * 100

Window = tuple[time, time]


def england_wales_bank_holidays(years: int | Iterable[int]) -> set[date]:
    """England & Wales bank holidays for ``years`` (both nations share one list: UK subdivision ENG).

    Includes the substitute ("observed") days, e.g. 2026-12-28 for Boxing Day 2026 falling on a Saturday,
    and one-off holidays such as 2022-09-19. The actual dates that fall on a weekend are included too, which
    only matters to calendars open at weekends.
    """
    import holidays  # Imported lazily: it is large and only needed when building calendars.

    wanted = [years] if isinstance(years, int) else sorted(set(years))
    if not wanted:
        return set()
    return set(holidays.country_holidays("GB", subdiv="ENG", years=wanted).keys())


def _td_us(td: timedelta) -> int:
    return (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds


def _to_us(dt: datetime, what: str) -> int:
    if not isinstance(dt, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {dt!r}")
    return _td_us(dt - _EPOCH)


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _offset_us(tz: tzinfo, us: int) -> int:
    """UTC offset (microseconds) in force at the UTC instant ``us``."""
    off = _from_us(us).astimezone(tz).utcoffset()
    assert off is not None
    return _td_us(off)


def _wall_to_us(tz: tzinfo, wall_us: int) -> int:
    """The first real instant whose local wall-clock time is at or after ``wall_us`` (naive microseconds).

    For an ordinary wall time that is its only instant; for one that happens twice (fall-back) it is the
    first occurrence; for one that does not exist (spring-forward) it is the moment the clocks jump.
    """
    naive = _NAIVE_EPOCH + timedelta(microseconds=wall_us)
    off0 = naive.replace(tzinfo=tz, fold=0).utcoffset()
    off1 = naive.replace(tzinfo=tz, fold=1).utcoffset()
    assert off0 is not None and off1 is not None
    o0, o1 = _td_us(off0), _td_us(off1)
    if o0 >= o1:
        # Unique (equal offsets) or repeated (fold=0 is the earlier, larger-offset reading).
        return wall_us - o0
    # In a gap: fold=0 reads it with the old offset (at or after the jump), fold=1 with the new offset
    # (before the jump). The jump lies in (lo, hi]; find it exactly by bisection on microseconds.
    lo, hi = wall_us - o1, wall_us - o0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_us(tz, mid) == o1:
            hi = mid
        else:
            lo = mid
    return hi


def _transition(tz: tzinfo, lo: int, hi: int, off_lo: int) -> int:
    """First instant in (lo, hi] whose offset differs from ``off_lo`` (one exists: offset(hi) differs)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_us(tz, mid) == off_lo:
            lo = mid
        else:
            hi = mid
    return hi


class _Table(NamedTuple):
    """Immutable snapshot of per-day opening intervals for local dates ``lo`` .. ``lo + len(ivals) - 1``.

    ``starts[i]`` is the UTC instant local day ``i`` begins (``starts[-1]`` ends the last day);
    ``ivals[i]`` its sorted, disjoint opening intervals ``(a, b)`` in UTC microseconds; ``prefix[i]`` the
    working time before day ``i``; ``opens[i]`` the number of open days before day ``i``.
    """

    lo: int
    starts: list[int]
    ivals: list[tuple[tuple[int, int], ...]]
    prefix: list[int]
    opens: list[int]

    @property
    def hi(self) -> int:
        return self.lo + len(self.ivals)


class _Tables:
    """Lazily built, shared day tables for one calendar definition (see the module docstring)."""

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key
        windows, closures, tz = key
        self._windows: tuple[tuple[tuple[int, int], ...], ...] = windows
        self._closures: frozenset[date] = closures
        self._tz: tzinfo = tz
        self._lock = threading.Lock()
        self.table: _Table | None = None

    # -- building ---------------------------------------------------------------------------------------

    def _build(self, lo: int, hi: int) -> tuple[list[int], list[tuple[tuple[int, int], ...]]]:
        """Day starts (``hi - lo + 1`` of them) and opening intervals for local dates [lo, hi)."""
        tz = self._tz
        starts = [_wall_to_us(tz, (o - _EPOCH_ORD) * _DAY_US) for o in range(lo, hi + 1)]
        ivals: list[tuple[tuple[int, int], ...]] = []
        for k, o in enumerate(range(lo, hi)):
            windows = self._windows[(o + 6) % 7]  # date.fromordinal(1) is a Monday.
            day_start, day_end = starts[k], starts[k + 1]
            if (
                not windows
                or day_start >= day_end
                or (self._closures and date.fromordinal(o) in self._closures)
            ):
                ivals.append(())
                continue
            ivals.append(self._day_intervals(o, day_start, day_end, windows))
        return starts, ivals

    def _day_intervals(
        self, o: int, day_start: int, day_end: int, windows: tuple[tuple[int, int], ...]
    ) -> tuple[tuple[int, int], ...]:
        tz = self._tz
        # Split the day into pieces of constant UTC offset; within a piece wall time = instant + offset.
        pieces: list[tuple[int, int, int]] = []
        a = day_start
        off_a = _offset_us(tz, a)
        while True:
            off_end = _offset_us(tz, day_end - 1)
            if off_end == off_a:
                pieces.append((a, day_end, off_a))
                break
            t = _transition(tz, a, day_end - 1, off_a)
            pieces.append((a, t, off_a))
            a, off_a = t, _offset_us(tz, t)
        midnight = (o - _EPOCH_ORD) * _DAY_US
        found: list[tuple[int, int]] = []
        for s, e in windows:
            ws, we = midnight + s, midnight + e
            for pa, pb, off in pieces:
                lo = max(ws, pa + off)
                hi = min(we, pb + off)
                if lo < hi:
                    found.append((lo - off, hi - off))
        found.sort()
        merged: list[tuple[int, int]] = []
        for s, e in found:
            if merged and s <= merged[-1][1]:
                if e > merged[-1][1]:
                    merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        return tuple(merged)

    def ensure(self, lo: int, hi: int) -> _Table:
        """A table covering local dates [lo, hi) (growing the shared one if needed)."""
        table = self.table
        if table is not None and table.lo <= lo and hi <= table.hi:
            return table
        with self._lock:
            table = self.table
            if table is None:
                new_lo, new_hi = lo - _INITIAL_BEFORE, max(hi, lo + _INITIAL_AFTER)
                starts, ivals = self._build(new_lo, new_hi)
            else:
                if table.lo <= lo and hi <= table.hi:
                    return table
                # Grow geometrically so repeated extension stays amortised O(days).
                growth = max(_MIN_GROWTH, len(table.ivals))
                new_lo = min(lo, table.lo - growth) if lo < table.lo else table.lo
                new_hi = max(hi, table.hi + growth) if hi > table.hi else table.hi
                starts, ivals = list(table.starts), list(table.ivals)
                if new_lo < table.lo:
                    b_starts, b_ivals = self._build(new_lo, table.lo)
                    starts = b_starts[:-1] + starts
                    ivals = b_ivals + ivals
                if new_hi > table.hi:
                    f_starts, f_ivals = self._build(table.hi, new_hi)
                    starts = starts[:-1] + f_starts
                    ivals = ivals + f_ivals
            prefix = [0] * (len(ivals) + 1)
            opens = [0] * (len(ivals) + 1)
            total = count = 0
            for i, day in enumerate(ivals):
                for a, b in day:
                    total += b - a
                if day:
                    count += 1
                prefix[i + 1] = total
                opens[i + 1] = count
            table = _Table(new_lo, starts, ivals, prefix, opens)
            self.table = table
            return table


_REGISTRY: dict[tuple[Any, ...], _Tables] = {}
_REGISTRY_LOCK = threading.Lock()
_REGISTRY_MAX = 64


def _tables_for(key: tuple[Any, ...]) -> _Tables:
    """The shared tables for a calendar definition, so that equal calendars built per request share work."""
    tables = _REGISTRY.get(key)
    if tables is None:
        with _REGISTRY_LOCK:
            tables = _REGISTRY.get(key)
            if tables is None:
                if len(_REGISTRY) >= _REGISTRY_MAX:
                    # Evict the oldest definition; calendars still holding it keep working.
                    _REGISTRY.pop(next(iter(_REGISTRY)))
                tables = _REGISTRY[key] = _Tables(key)
    return tables


def _normalise_weekly(
    weekly: Mapping[int, Iterable[Window]] | None,
) -> tuple[Mapping[int, tuple[Window, ...]] | None, tuple[tuple[tuple[int, int], ...], ...]]:
    """Validated weekly windows (sorted, merged, empty days dropped) and the same as microsecond offsets."""
    if weekly is None:
        return None, tuple(((0, _DAY_US),) for _ in range(7))
    clean: dict[int, tuple[Window, ...]] = {}
    as_us: list[tuple[tuple[int, int], ...]] = [() for _ in range(7)]
    for day, windows in weekly.items():
        if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
            raise ValueError(f"weekday must be an int 0 (Monday) .. 6 (Sunday), got {day!r}")
        spans: list[tuple[int, int]] = []
        for window in windows:
            try:
                start, end = window
            except (TypeError, ValueError):
                raise ValueError(
                    f"weekday {day}: a window must be a (start, end) pair, got {window!r}"
                ) from None
            if not isinstance(start, time) or not isinstance(end, time):
                raise ValueError(f"weekday {day}: window times must be datetime.time, got {window!r}")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError(f"weekday {day}: window times are local wall-clock times; drop the tzinfo")
            s = _td_us(timedelta(hours=start.hour, minutes=start.minute, seconds=start.second))
            s += start.microsecond
            e = _td_us(timedelta(hours=end.hour, minutes=end.minute, seconds=end.second)) + end.microsecond
            if e == 0:
                e = _DAY_US  # time(0, 0) as an end means midnight at the end of the day.
            if s >= e:
                raise ValueError(
                    f"weekday {day}: window {start.isoformat()}-{end.isoformat()} must start before it ends "
                    "(windows cannot cross midnight; split them across two days)"
                )
            spans.append((s, e))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
            else:
                merged.append((s, e))
        if merged:
            as_us[day] = tuple(merged)
            clean[day] = tuple((_us_to_time(s), _us_to_time(e)) for s, e in merged)
    return MappingProxyType(dict(sorted(clean.items()))), tuple(as_us)


def _us_to_time(us: int) -> time:
    if us >= _DAY_US:
        return time(0, 0)
    seconds, micro = divmod(us, 1_000_000)
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)


@dataclass(frozen=True, eq=True)
class WorkingCalendar:
    """A named calendar of opening hours. See the module docstring for the rules.

    ``weekly`` maps weekday (0 = Monday .. 6 = Sunday) to local ``(start, end)`` windows; weekdays not
    listed are closed; ``None`` means open 24x7. ``closures`` are local dates closed all day.
    """

    name: str
    weekly: Mapping[int, tuple[Window, ...]] | None
    closures: frozenset[date] = frozenset()
    tz: tzinfo = LONDON
    _tables: _Tables = field(init=False, repr=False, compare=False)
    _plain: bool = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tz = ZoneInfo(self.tz) if isinstance(self.tz, str) else self.tz
        if not isinstance(tz, tzinfo):
            raise ValueError(f"tz must be a tzinfo (e.g. ZoneInfo('Europe/London')), got {self.tz!r}")
        closures = frozenset(self.closures)
        for d in closures:
            if not isinstance(d, date) or isinstance(d, datetime):
                raise ValueError(f"closures must be dates, got {d!r}")
        weekly, windows = _normalise_weekly(self.weekly)
        # The dataclass is frozen for callers; normalising our own fields once here is the exception.
        object.__setattr__(self, "tz", tz)
        object.__setattr__(self, "closures", closures)
        object.__setattr__(self, "weekly", weekly)
        key = (windows, closures, tz)
        object.__setattr__(self, "_tables", _tables_for(key))
        # 24x7 without closures is plain UTC arithmetic; skip the tables for add/measure/is_open.
        object.__setattr__(self, "_plain", weekly is None and not closures)
        object.__setattr__(self, "_hash", hash((self.name, key)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle/copy by definition only: the shared tables hold a lock and are rebuilt (or re-found) on load.
        weekly = None if self.weekly is None else dict(self.weekly)
        return (type(self), (self.name, weekly, self.closures, self.tz))

    # -- constructors -------------------------------------------------------------------------------------

    @classmethod
    def twenty_four_seven(
        cls, name: str = "24x7", *, closures: Iterable[date] = (), tz: tzinfo | str = LONDON
    ) -> WorkingCalendar:
        """Open around the clock (real elapsed time), except on any ``closures`` (local dates)."""
        return cls(name=name, weekly=None, closures=frozenset(closures), tz=tz)  # type: ignore[arg-type]

    @classmethod
    def working_hours(
        cls,
        name: str = "working-hours",
        *,
        start: time = time(9, 0),
        end: time = time(17, 0),
        days: Iterable[int] = (0, 1, 2, 3, 4),
        weekly: Mapping[int, Iterable[Window]] | None = None,
        bank_holiday_years: Iterable[int] = (),
        closures: Iterable[date] = (),
        tz: tzinfo | str = LONDON,
    ) -> WorkingCalendar:
        """Open ``start``-``end`` local time on ``days`` (default Monday-Friday 09:00-17:00).

        Pass ``weekly`` instead of start/end/days for different hours per day or several windows a day.
        ``bank_holiday_years``: the years whose England & Wales bank holidays are closed (closures are
        explicit dates, so include every year the calendar will be asked about). ``closures``: extra
        closed local dates (e.g. office closure between Christmas and New Year).
        """
        if weekly is None:
            weekly = {day: ((start, end),) for day in days}
        closed = set(closures) | england_wales_bank_holidays(bank_holiday_years)
        return cls(name=name, weekly=weekly, closures=frozenset(closed), tz=tz)  # type: ignore[arg-type]

    # -- queries ------------------------------------------------------------------------------------------

    @property
    def is_24x7(self) -> bool:
        return self.weekly is None

    def _covering(self, *instants: int) -> _Table:
        """A day table covering the UTC instants given (microseconds)."""
        tables = self._tables
        table = tables.table
        lo, hi = min(instants), max(instants)
        if table is not None and table.starts[0] <= lo and hi < table.starts[-1]:
            return table
        # Local dates of the extremes, with a day's margin for zones whose days start off midnight UTC.
        d_lo = _from_us(lo).astimezone(self.tz).date().toordinal() - 1
        d_hi = _from_us(hi).astimezone(self.tz).date().toordinal() + 2
        table = tables.ensure(d_lo, d_hi)
        assert table.starts[0] <= lo and hi < table.starts[-1]
        return table

    def _grow_forward(self, table: _Table, since_day: int) -> _Table:
        """Extend the table forward (at least doubling); refuse past the horizon of a never-open calendar."""
        if table.hi - (table.lo + since_day) > _HORIZON_DAYS:
            raise ValueError(f"calendar {self.name!r} has no opening hours within {_HORIZON_DAYS} days")
        return self._tables.ensure(table.lo, table.hi + max(_MIN_GROWTH, len(table.ivals)))

    @staticmethod
    def _cum(table: _Table, u: int) -> tuple[int, int]:
        """(day index, working time from the table's first day up to instant ``u``)."""
        i = bisect_right(table.starts, u) - 1
        c = table.prefix[i]
        for a, b in table.ivals[i]:
            if u <= a:
                break
            c += (b if b < u else u) - a
        return i, c

    def is_open(self, at: datetime) -> bool:
        """Whether the calendar is open at the instant ``at``."""
        u = _to_us(at, "at")
        if self._plain:
            return True
        table = self._covering(u)
        i = bisect_right(table.starts, u) - 1
        return any(a <= u < b for a, b in table.ivals[i])

    def _next_open_us(self, u: int) -> tuple[_Table, int, int]:
        """(table, day index, instant) of the first open instant at or after ``u``."""
        table = self._covering(u)
        while True:
            # Indices are recomputed after each growth: another thread may have grown the table backwards.
            i = bisect_right(table.starts, u) - 1
            for a, b in table.ivals[i]:
                if u < b:
                    return table, i, (a if a > u else u)
            wanted = table.opens[i + 1] + 1
            if table.opens[-1] >= wanted:
                j = bisect_left(table.opens, wanted) - 1
                return table, j, table.ivals[j][0][0]
            table = self._grow_forward(table, i)

    def next_open(self, at: datetime) -> datetime:
        """The first open instant at or after ``at`` (``at`` itself, in UTC, if open)."""
        u = _to_us(at, "at")
        if self._plain:
            return _from_us(u)
        return _from_us(self._next_open_us(u)[2])

    def measure(self, start: datetime, end: datetime) -> timedelta:
        """Working time between ``start`` and ``end`` (zero if ``end <= start``)."""
        us, ue = _to_us(start, "start"), _to_us(end, "end")
        if ue <= us:
            return timedelta(0)
        if self._plain:
            return timedelta(microseconds=ue - us)
        table = self._covering(us, ue)
        return timedelta(microseconds=self._cum(table, ue)[1] - self._cum(table, us)[1])

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The first instant by which ``duration`` of working time has elapsed after ``start`` (UTC)."""
        us = _to_us(start, "start")
        if not isinstance(duration, timedelta):
            raise TypeError(f"duration must be a timedelta, got {type(duration).__name__}")
        d = _td_us(duration)
        if d < 0:
            raise ValueError(f"duration must not be negative, got {duration}")
        if self._plain:
            return _from_us(us + d)
        if d == 0:
            return _from_us(self._next_open_us(us)[2])
        table = self._covering(us)
        while True:
            # Totals are relative to the table's first day, so recompute them after any growth.
            i, c = self._cum(table, us)
            target = c + d
            if table.prefix[-1] >= target:
                break
            table = self._grow_forward(table, i)
        # Day j is the first whose cumulative end reaches the target; walk its intervals.
        j = bisect_left(table.prefix, target) - 1
        rem = target - table.prefix[j]
        for a, b in table.ivals[j]:
            if rem <= b - a:
                return _from_us(a + rem)
            rem -= b - a
        raise AssertionError("unreachable: prefix totals disagree with day intervals")  # pragma: no cover

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """By the same local time of day on the ``n``-th following open day (rule in the module docstring)."""
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        table, i, s = self._next_open_us(_to_us(start, "start"))
        if n == 0:
            return _from_us(s)
        # Local wall-clock time of day of the (effective) start, in microseconds after local midnight.
        time_of_day = s + _offset_us(self.tz, s) - (table.lo + i - _EPOCH_ORD) * _DAY_US
        while True:
            i = bisect_right(table.starts, s) - 1
            wanted = table.opens[i + 1] + n
            if table.opens[-1] >= wanted:
                break
            table = self._grow_forward(table, i)
        j = bisect_left(table.opens, wanted) - 1
        at = _wall_to_us(self.tz, (table.lo + j - _EPOCH_ORD) * _DAY_US + time_of_day)
        day = table.ivals[j]
        return _from_us(min(max(at, day[0][0]), day[-1][1]))
