"""Re-profiling a migration plan (the operator's answer to an over-threshold day, QM-22).

:func:`propose_reprofile` works out, without writing anything, the moves that bring the plan's days under
every cap in force: the other counted plans (SUBMITTED and ACCEPTED) stay where they are, and this plan's
excess on a day goes to the nearest LATER days of the segment's window with headroom in every cap the
volume falls under (industry, its distributor, its agent, the supplier's envelope, for all segments and for
the plan's own), then to the nearest earlier days if no later day has room, never after the window closes
(M15) nor before it opens (nor on or before today, when given). What fits nowhere stays where it was and
is reported as the remainder. The total volume is always kept.

Lines outside the window (after M15 when the window moved) are moved whole. Days on or before ``today``
are history: they count but never move. When the plan migrates on working days only, volume goes to
working days only.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from busbar.lib.actions import ActionError
from busbar.migration import common
from busbar.migration.models import ThresholdScope
from busbar.migration.thresholds import Resolver, counted_lines, loads, resolver

LineKey = tuple[dt.date, str, int | None]  # day, distributor, agent id
INFINITE = 1 << 62


@dataclass(frozen=True)
class Move:
    from_day: dt.date
    to_day: dt.date
    distributor: str
    agent_id: int | None
    volume: int


@dataclass(frozen=True)
class Leftover:
    """Volume that fits on no day of the window: it stays on ``day``."""

    day: dt.date
    distributor: str
    agent_id: int | None
    volume: int


@dataclass
class Proposal:
    plan_id: int
    moves: list[Move] = field(default_factory=list)
    remainder: list[Leftover] = field(default_factory=list)
    #: The plan's lines after the moves: (day, distributor, agent id) -> MPANs (zeros left out).
    lines: dict[LineKey, int] = field(default_factory=dict)

    @property
    def moved(self) -> int:
        return sum(m.volume for m in self.moves)

    @property
    def remaining(self) -> int:
        return sum(r.volume for r in self.remainder)

    @property
    def changes(self) -> bool:
        return bool(self.moves)


class _Loads:
    """Planned MPANs per bucket (scope, subject, segment, day) and the caps, for one plan's lines."""

    def __init__(self, res: Resolver, others: dict, plan: Any) -> None:
        self.res, self.others, self.plan = res, others, plan
        self.own: dict[tuple, int] = defaultdict(int)
        self._buckets: dict[LineKey, list[tuple[tuple, int]]] = {}

    def buckets(self, day: dt.date, distributor: str, agent_id: int | None) -> list[tuple[tuple, int]]:
        """The capped buckets a line's MPANs fall in on ``day``, with their caps."""
        key = (day, distributor, agent_id)
        if key in self._buckets:
            return self._buckets[key]
        found = []
        subjects = {
            ThresholdScope.INDUSTRY: "",
            ThresholdScope.DISTRIBUTOR: distributor,
            ThresholdScope.AGENT: agent_id,
            ThresholdScope.SUPPLIER: self.plan.supplier_id,
        }
        for scope in self.res.scopes:
            subject = subjects[scope]
            if subject is None:
                continue
            for segment in ("", self.plan.segment):
                if segment not in self.res.segments[scope]:
                    continue
                t = self.res.in_force(scope, subject, segment, day)
                if t is not None:
                    found.append(((scope, subject, segment, day), t.daily_max))
        self._buckets[key] = found
        return found

    def load(self, bucket: tuple) -> int:
        scope, subject, segment, day = bucket
        by_segment = self.others.get(scope, {}).get((day, subject), {})
        other = sum(by_segment.values()) if segment == "" else by_segment.get(segment, 0)
        return other + self.own[bucket]

    def add(self, key: LineKey, volume: int) -> None:
        for bucket, _cap in self.buckets(*key):
            self.own[bucket] += volume

    def over(self, key: LineKey) -> int:
        return max((self.load(b) - cap for b, cap in self.buckets(*key)), default=0)

    def headroom(self, key: LineKey) -> int:
        return min((cap - self.load(b) for b, cap in self.buckets(*key)), default=INFINITE)


def _find(pointers: dict[int, int], i: int) -> int:
    """The first index from ``i`` not known full (path-compressed)."""
    path = []
    while i in pointers:
        path.append(i)
        i = pointers[i]
    for p in path:
        pointers[p] = i
    return i


def propose_reprofile(plan: Any, *, today: dt.date | None = None) -> Proposal:
    """The moves that bring ``plan`` under every cap (see the module). Reads the plan's lines, the
    thresholds and the other counted plans' totals (a few aggregate queries); writes nothing."""
    window = common.segment_windows(plan.programme_id).get(plan.segment)
    if window is None:
        raise ActionError("The segment has no migration window yet", field="segment")
    first = window.opens if today is None else max(window.opens, today + dt.timedelta(days=1))
    proposal = Proposal(plan_id=plan.pk)
    current: dict[LineKey, int] = defaultdict(int)
    for day, distributor, agent_id, volume in plan.lines.order_by().values_list(
        "day", "distributor", "agent_id", "volume"
    ):
        if volume > 0:
            current[(day, distributor, agent_id)] += volume
    if not current:
        return proposal
    res = resolver(plan.programme_id)
    lo = min(first, min(k[0] for k in current))
    hi = max(window.closes, max(k[0] for k in current))
    others = loads(counted_lines(plan.programme_id, start=lo, end=hi, exclude_plan=plan.pk), res)
    state = _Loads(res, others, plan)
    for key, volume in current.items():
        state.add(key, volume)

    # 1. Take the excess off every movable day (a day outside the window is all excess).
    chunks: list[tuple[LineKey, int]] = []
    weekdays_only = all(k[0].weekday() < 5 for k in current)
    for key in sorted(current, key=lambda k: (k[0], k[1], k[2] or 0)):
        day = key[0]
        if today is not None and day <= today:
            continue  # history (or today): it counts, it stays
        volume = current[key]
        outside = day < window.opens or day > window.closes
        take = volume if outside else min(volume, max(0, state.over(key)))
        if take > 0:
            current[key] -= take
            state.add(key, -take)
            chunks.append((key, take))

    # 2. Place each chunk on the nearest later days with room, then the nearest earlier ones.
    days = []
    d = first
    while d <= window.closes:
        if not weekdays_only or d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    later: dict[tuple, dict[int, int]] = defaultdict(dict)
    earlier: dict[tuple, dict[int, int]] = defaultdict(dict)
    moves: dict[tuple, int] = defaultdict(int)
    for (origin, distributor, agent_id), amount in chunks:
        sub = (distributor, agent_id)
        left = amount
        # later: from the first allowed day after the origin
        start = bisect.bisect_right(days, origin)
        i = _find(later[sub], start)
        while left > 0 and i < len(days):
            target = (days[i], distributor, agent_id)
            room = state.headroom(target)
            if room <= 0:
                later[sub][i] = i + 1
                earlier[sub][i] = i - 1
                i = _find(later[sub], i + 1)
                continue
            put = min(left, room)
            _place(state, current, moves, origin, target, put)
            left -= put
            if put == room:
                later[sub][i] = i + 1
                earlier[sub][i] = i - 1
                i = _find(later[sub], i + 1)
        if left > 0:
            i = _find(earlier[sub], min(start, len(days)) - 1)
            while left > 0 and i >= 0:
                target = (days[i], distributor, agent_id)
                room = state.headroom(target)
                if room > 0:
                    put = min(left, room)
                    _place(state, current, moves, origin, target, put)
                    left -= put
                    if put < room:
                        break
                later[sub][i] = i + 1
                earlier[sub][i] = i - 1
                i = _find(earlier[sub], i - 1)
        if left > 0:
            current[(origin, distributor, agent_id)] += left
            state.add((origin, distributor, agent_id), left)
            proposal.remainder.append(Leftover(origin, distributor, agent_id, left))
    proposal.moves = [
        Move(from_day=f, to_day=t, distributor=dist, agent_id=agent, volume=v)
        for (f, t, dist, agent), v in sorted(moves.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2]))
        if v > 0
    ]
    proposal.lines = {k: v for k, v in current.items() if v > 0}
    return proposal


def _place(state: _Loads, current: dict, moves: dict, origin: dt.date, target: LineKey, put: int) -> None:
    current[target] += put
    state.add(target, put)
    moves[(origin, target[0], target[1], target[2])] += put
