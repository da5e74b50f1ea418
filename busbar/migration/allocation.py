"""The tranche allocation tool (issue 16 item 1; QM-06, QM-07, QM-08, QM-13): proposes where each participant
needing qualification goes under one of three policies, honouring each tranche's capacity (overall and per
code body), each participant's readiness date and its agents, and reports the R525 risk — suppliers, and
their MPANs, landing in tranches that end after the window's risk cut-off (or not placed at all).

Pure reads: :func:`propose` and :func:`compare` load the window's tranches, capacities, code bodies,
entrants and agent links in five queries whatever the number of participants, then place them greedily
(each entrant in the earliest tranche with room: O(entrants × tranches)). Ties are broken by organisation
name, then id, so the same data always gives the same proposal.

Rules:

* Only entrants in status NEEDS or ALLOCATED are (re)placed. Entrants QUALIFYING, QUALIFIED, LIVE, EXEMPT
  or WITHDRAWN keep where they are, and count against capacity where they hold a tranche.
* A tranche takes an entrant only if it starts on or after the entrant's ``ready_on`` (none: ready when
  the window opens), its overall ``capacity`` (0: unlimited) has room and the entrant's code body's
  :class:`~busbar.migration.models.TrancheCapacity` has room (no row for that code body: unlimited).
* QM-13 (a supplier and at least one of its agents must qualify): a supplier's agents are placed first,
  in the earliest tranche with room for them, and the supplier goes no earlier than its first agent.
  An agent landing after its supplier, or a supplier with no agent placed or qualified, is flagged.
* Policies (the order entrants are placed in): ``as_ready`` — by readiness date, then when recorded (first
  come, first served); ``by_portfolio`` — by each supplier's dominant segment, Advanced and Unmetered first
  (lower risk; they go live together), then Smart, then Non-smart, the largest first within each;
  ``by_size`` — the largest portfolio first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from busbar.migration.models import (
    QUALIFIED_STATUSES,
    AllocationPolicy,
    CodeBody,
    Entrant,
    EntrantKind,
    QualificationStatus,
    Tranche,
    TrancheCapacity,
)

#: Statuses the tool places (anything else keeps its tranche).
MOVABLE = frozenset({QualificationStatus.NEEDS, QualificationStatus.ALLOCATED})
#: Segment groups of the by-portfolio policy, in the order they are placed.
SEGMENT_GROUPS = ("Advanced and Unmetered", "Smart", "Non-smart")


@dataclass
class TrancheLoad:
    """One tranche under a proposal: who is in it, their MPANs and the places used per code body."""

    tranche: Tranche
    entrants: list[Entrant]
    mpans: int
    by_code_body: dict[int, int]  # code body id -> participants placed (used)
    #: code body id -> the most it takes in this tranche (bodies without a limit are absent).
    limits: dict[int, int] = field(default_factory=dict)

    @property
    def participants(self) -> int:
        return len(self.entrants)

    @property
    def full(self) -> bool:
        return bool(self.tranche.capacity) and self.participants >= self.tranche.capacity


@dataclass
class Risk:
    """R525 (QM-07): suppliers placed in tranches ending after ``cutoff``, or not placed at all."""

    cutoff: dt.date
    late_entrants: list[Entrant]
    late_mpans: int
    total_mpans: int
    late_share: float
    large_late: list[Entrant]  # large portfolios landing late


@dataclass
class Proposal:
    policy: str
    placements: dict[int, int | None]  # entrant id -> tranche id (None: no room)
    loads: list[TrancheLoad]
    unplaced: list[tuple[Entrant, str]]
    risk: Risk
    #: QM-13 warnings: (entrant, why) — an agent after its supplier, a supplier with no agent placed.
    flags: list[tuple[Entrant, str]] = field(default_factory=list)
    #: code body id -> name (every code body of the window).
    code_bodies: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return AllocationPolicy(self.policy).label

    @property
    def placed_count(self) -> int:
        return sum(1 for t in self.placements.values() if t is not None)


# Loading ------------------------------------------------------------------------------------------------


@dataclass
class _Data:
    window: Any
    tranches: list[Tranche]
    limits: dict[int, dict[int, int]]  # tranche id -> code body id -> max participants
    code_bodies: dict[int, str]
    entrants: list[Entrant]
    agents: dict[int, list[int]]  # supplier entrant id -> agent entrant ids


def _load(window: Any) -> _Data:
    """Everything the tool reads, in five queries."""
    tranches = list(Tranche.objects.filter(window=window).order_by("starts", "number", "pk"))
    limits: dict[int, dict[int, int]] = {}
    for tranche_id, body_id, most in TrancheCapacity.objects.filter(tranche__window=window).values_list(
        "tranche_id", "code_body_id", "max_participants"
    ):
        limits.setdefault(tranche_id, {})[body_id] = most
    code_bodies = dict(
        CodeBody.objects.filter(window=window).order_by("name", "pk").values_list("pk", "name")
    )
    entrants = list(
        Entrant.objects.filter(window=window)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )
    agents: dict[int, list[int]] = {}
    through = Entrant.agents.through
    for supplier_id, agent_id in (
        through.objects.filter(from_entrant__window=window)
        .order_by("from_entrant_id", "to_entrant_id")
        .values_list("from_entrant_id", "to_entrant_id")
    ):
        agents.setdefault(supplier_id, []).append(agent_id)
    return _Data(window, tranches, limits, code_bodies, entrants, agents)


# Ordering -----------------------------------------------------------------------------------------------


def segment_group(entrant: Entrant) -> int:
    """The index in :data:`SEGMENT_GROUPS` of the entrant's dominant segment (3: no MPANs)."""
    volumes = (entrant.advanced + entrant.unmetered, entrant.smart, entrant.non_smart)
    if not any(volumes):
        return len(SEGMENT_GROUPS)
    return max(range(len(volumes)), key=lambda i: (volumes[i], -i))


def _name(entrant: Entrant) -> str:
    return entrant.organisation.name.casefold()


def _order(policy: str, entrants: list[Entrant], opens: dt.date) -> list[Entrant]:
    if policy == AllocationPolicy.AS_READY:
        return sorted(entrants, key=lambda e: (e.ready_on or opens, e.created_at, _name(e), e.pk))
    if policy == AllocationPolicy.BY_PORTFOLIO:
        return sorted(entrants, key=lambda e: (segment_group(e), -e.portfolio, _name(e), e.pk))
    if policy == AllocationPolicy.BY_SIZE:
        return sorted(entrants, key=lambda e: (-e.portfolio, _name(e), e.pk))
    raise ValueError(f"Unknown allocation policy {policy!r}")


# Placing ------------------------------------------------------------------------------------------------


class _Board:
    """The tranches' places as entrants are put in them."""

    def __init__(self, data: _Data) -> None:
        self.data = data
        self.tranches = data.tranches
        self.index = {t.pk: i for i, t in enumerate(self.tranches)}
        self.count = [0] * len(self.tranches)
        self.used: list[dict[int, int]] = [{} for _ in self.tranches]
        self.members: list[list[Entrant]] = [[] for _ in self.tranches]
        self.mpans = [0] * len(self.tranches)
        self.opens = data.window.opens

    def put(self, entrant: Entrant, i: int) -> None:
        self.count[i] += 1
        self.members[i].append(entrant)
        self.mpans[i] += entrant.portfolio
        if entrant.code_body_id is not None:
            used = self.used[i]
            used[entrant.code_body_id] = used.get(entrant.code_body_id, 0) + 1

    def fits(self, entrant: Entrant, i: int) -> str | None:
        """None when tranche ``i`` takes ``entrant``, else the reason."""
        tranche = self.tranches[i]
        if tranche.starts < (entrant.ready_on or self.opens):
            return "ready"
        if tranche.capacity and self.count[i] >= tranche.capacity:
            return "full"
        body = entrant.code_body_id
        if body is not None:
            most = self.data.limits.get(tranche.pk, {}).get(body)
            if most is not None and self.used[i].get(body, 0) >= most:
                return "body"
        return None

    def earliest(self, entrant: Entrant, start: int = 0) -> tuple[int | None, str]:
        """The first tranche from index ``start`` that takes ``entrant``, or None and why none does."""
        reasons: set[str] = set()
        for i in range(start, len(self.tranches)):
            why = self.fits(entrant, i)
            if why is None:
                return i, ""
            reasons.add(why)
        return None, self._why(entrant, start, reasons)

    def _why(self, entrant: Entrant, start: int, reasons: set[str]) -> str:
        if not self.tranches:
            return "The window has no tranches"
        if start >= len(self.tranches):
            return "No tranche after its agents' tranche"
        ready = entrant.ready_on or self.opens
        if reasons == {"ready"}:
            return f"Ready on {ready:%d %b %Y}: after the last tranche starts"
        parts = []
        if "full" in reasons:
            parts.append("tranches full")
        if "body" in reasons:
            name = self.data.code_bodies.get(entrant.code_body_id or 0, "its code body")
            parts.append(f"{name} has no capacity left")
        after = f" from {self.tranches[start].name}" if start else ""
        return f"No room{after}: {' and '.join(parts)}" + (
            f" (ready on {ready:%d %b %Y})" if "ready" in reasons else ""
        )


def _place(policy: str, data: _Data) -> Proposal:
    board = _Board(data)
    by_id = {e.pk: e for e in data.entrants}
    at: dict[int, int | None] = {}  # entrant id -> tranche index (None: no room)
    placements: dict[int, int | None] = {}
    unplaced: list[tuple[Entrant, str]] = []
    flags: list[tuple[Entrant, str]] = []
    movable: list[Entrant] = []
    for e in data.entrants:
        if e.status in MOVABLE:
            movable.append(e)
        elif e.tranche_id is not None and e.tranche_id in board.index:
            i = board.index[e.tranche_id]
            board.put(e, i)
            at[e.pk] = i
            placements[e.pk] = e.tranche_id

    def place(e: Entrant, start: int = 0) -> None:
        i, why = board.earliest(e, start)
        at[e.pk] = i
        placements[e.pk] = None if i is None else board.tranches[i].pk
        if i is None:
            unplaced.append((e, why))
        else:
            board.put(e, i)

    for e in _order(policy, movable, board.opens):
        if e.pk in at:
            continue  # an agent placed with an earlier supplier
        agent_ids = data.agents.get(e.pk, [])
        if e.kind != EntrantKind.SUPPLIER or not agent_ids:
            place(e)
            if e.kind == EntrantKind.SUPPLIER and e.status in MOVABLE:
                flags.append((e, "Names no agent: a supplier needs one of its agents qualified to go live"))
            continue
        agents = sorted((by_id[a] for a in agent_ids if a in by_id), key=lambda a: (_name(a), a.pk))
        for agent in agents:
            if agent.status in MOVABLE and agent.pk not in at:
                place(agent)
        qualified = any(a.status in QUALIFIED_STATUSES for a in agents)
        placed = [at[a.pk] for a in agents if at.get(a.pk) is not None]
        start = 0 if qualified or not placed else min(placed)
        place(e, start)
        if not qualified and not placed:
            flags.append((e, "None of its agents is qualified or placed in a tranche"))
    # QM-13 check over the result: each agent no later than its supplier, or flagged.
    for supplier_id, agent_ids in data.agents.items():
        supplier = by_id.get(supplier_id)
        s_at = at.get(supplier_id)
        if supplier is None or s_at is None:
            continue
        for agent_id in agent_ids:
            agent = by_id.get(agent_id)
            a_at = at.get(agent_id)
            if (
                agent is None
                or agent.status in QUALIFIED_STATUSES
                or agent.status == QualificationStatus.WITHDRAWN
            ):
                continue
            if a_at is None or a_at > s_at:
                where = "is not placed" if a_at is None else f"lands in {board.tranches[a_at].name}"
                flags.append(
                    (
                        agent,
                        f"{where}, after its supplier {supplier.organisation.name} "
                        f"({board.tranches[s_at].name})",
                    )
                )
    loads = [
        TrancheLoad(
            tranche=t,
            entrants=sorted(board.members[i], key=lambda e: (_name(e), e.pk)),
            mpans=board.mpans[i],
            by_code_body=dict(board.used[i]),
            limits=dict(data.limits.get(t.pk, {})),
        )
        for i, t in enumerate(board.tranches)
    ]
    risk = _risk(data, at, board)
    return Proposal(
        policy=str(AllocationPolicy(policy).value),
        placements=placements,
        loads=loads,
        unplaced=unplaced,
        risk=risk,
        flags=flags,
        code_bodies=data.code_bodies,
    )


def _risk(data: _Data, at: dict[int, int | None], board: _Board) -> Risk:
    window = data.window
    cutoff = window.risk_cutoff
    late: list[Entrant] = []
    total = late_mpans = 0
    for e in data.entrants:
        if e.kind != EntrantKind.SUPPLIER or e.status == QualificationStatus.WITHDRAWN:
            continue
        total += e.portfolio
        if e.status in QUALIFIED_STATUSES:
            continue
        i = at.get(e.pk)
        if i is None or board.tranches[i].ends > cutoff:
            late.append(e)
            late_mpans += e.portfolio
    late.sort(key=lambda e: (-e.portfolio, _name(e), e.pk))
    return Risk(
        cutoff=cutoff,
        late_entrants=late,
        late_mpans=late_mpans,
        total_mpans=total,
        late_share=(late_mpans / total) if total else 0.0,
        large_late=[e for e in late if e.portfolio >= window.large_portfolio],
    )


def propose(window: Any, policy: str) -> Proposal:
    """Where each participant needing qualification would go under ``policy`` (five queries)."""
    policy = str(AllocationPolicy(policy).value)  # ValueError for an unknown policy
    return _place(policy, _load(window))


def compare(window: Any) -> dict[str, Proposal]:
    """The three policies' proposals, side by side (one load, five queries)."""
    data = _load(window)
    return {str(p.value): _place(p.value, data) for p in AllocationPolicy}


def window_for(user: Any, code: str) -> Any:
    """The qualification window of programme ``code`` when ``user`` may see its allocation — the
    programme's readers and the window's code bodies (not its entrants) — else None."""
    from busbar.migration import queries

    if not code or len(code) > 40:
        return None
    window = queries.windows_visible_to(user).filter(programme__code=code).first()
    if window is None:
        return None
    v = queries.viewer(user)
    if not (v.reads_programme(window.programme_id) or v.is_code_body_of(window.pk)):
        return None
    return window


# Plain forms (the API, and the frozen copy in a decision) ------------------------------------------------


def entrant_dict(e: Entrant) -> dict[str, Any]:
    return {
        "id": e.pk,
        "organisation": e.organisation.name,
        "organisation_id": e.organisation_id,
        "kind": e.kind,
        "status": e.status,
        "code_body": e.code_body_id,
        "mpans": e.portfolio,
        "ready_on": e.ready_on.isoformat() if e.ready_on else None,
    }


def risk_dict(risk: Risk) -> dict[str, Any]:
    return {
        "cutoff": risk.cutoff.isoformat(),
        "late_mpans": risk.late_mpans,
        "total_mpans": risk.total_mpans,
        "late_share": round(risk.late_share, 4),
        "late_percent": round(risk.late_share * 100, 1),
        "late_entrants": [entrant_dict(e) for e in risk.late_entrants],
        "large_late": [entrant_dict(e) for e in risk.large_late],
    }


def proposal_dict(p: Proposal) -> dict[str, Any]:
    """The proposal as plain data (what the API answers and a decision keeps)."""
    return {
        "policy": p.policy,
        "label": p.label,
        "placements": {str(k): v for k, v in p.placements.items()},
        "tranches": [
            {
                "id": load.tranche.pk,
                "number": load.tranche.number,
                "name": load.tranche.name,
                "starts": load.tranche.starts.isoformat(),
                "ends": load.tranche.ends.isoformat(),
                "capacity": load.tranche.capacity,
                "participants": load.participants,
                "mpans": load.mpans,
                "late": load.tranche.ends > p.risk.cutoff,
                "code_bodies": [
                    {
                        "id": body_id,
                        "name": name,
                        "used": load.by_code_body.get(body_id, 0),
                        "limit": load.limits.get(body_id),
                    }
                    for body_id, name in p.code_bodies.items()
                    if body_id in load.by_code_body or body_id in load.limits
                ],
                "entrants": [entrant_dict(e) for e in load.entrants],
            }
            for load in p.loads
        ],
        "unplaced": [{"entrant": entrant_dict(e), "reason": why} for e, why in p.unplaced],
        "flags": [{"entrant": entrant_dict(e), "reason": why} for e, why in p.flags],
        "risk": risk_dict(p.risk),
    }


def compared_summary(proposals: dict[str, Proposal]) -> dict[str, dict[str, Any]]:
    """Per policy: how many placed and unplaced, the late MPANs and share, the large portfolios late."""
    return {
        policy: {
            "placed": p.placed_count,
            "unplaced": len(p.unplaced),
            "late_mpans": p.risk.late_mpans,
            "late_share": round(p.risk.late_share, 4),
            "late_percent": round(p.risk.late_share * 100, 1),
            "large_late": [e.organisation.name for e in p.risk.large_late],
            "flags": len(p.flags),
        }
        for policy, p in proposals.items()
    }
