"""The allocation tool's rules: capacity (overall and per code body) is never exceeded, nobody lands in a
tranche starting before they are ready, a supplier's agents come no later than the supplier (or are
flagged), the same data gives the same proposal whatever order it is read in; the policies order
differently (R525: "as ready" leaves the big late-ready supplier last and reports the risk, "by size"
places it first); and the tool reads in a fixed number of queries, fast at 300 participants."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from busbar.migration import allocation
from busbar.migration.allocation import MOVABLE, _Data, _place
from busbar.migration.models import (
    QUALIFIED_STATUSES,
    AllocationPolicy,
    CodeBody,
    Entrant,
    EntrantKind,
    QualificationStatus,
    QualificationWindow,
    Tranche,
    TrancheCapacity,
)
from busbar.parties.models import Organisation

OPENS = dt.date(2027, 2, 1)
POLICIES = list(AllocationPolicy.values)


# Property test on the placer (in memory: no database) ----------------------------------------------------


@st.composite
def worlds(draw):
    n_tranches = draw(st.integers(1, 5))
    offsets = sorted(draw(st.lists(st.integers(0, 330), min_size=n_tranches, max_size=n_tranches)))
    tranches, limits = [], {}
    for i, off in enumerate(offsets, start=1):
        starts = OPENS + dt.timedelta(days=off)
        t = Tranche(pk=100 + i, number=i, name=f"T{i}", starts=starts, ends=starts + dt.timedelta(days=90))
        t.capacity = draw(st.integers(0, 4))
        tranches.append(t)
        for body in (1, 2):
            most = draw(st.none() | st.integers(0, 3))
            if most is not None:
                limits.setdefault(t.pk, {})[body] = most
    entrants = []
    for i in range(draw(st.integers(0, 25))):
        e = Entrant(
            pk=1000 + i,
            kind=draw(st.sampled_from(EntrantKind.values)),
            code_body_id=draw(st.sampled_from([None, 1, 2])),
            smart=draw(st.integers(0, 900_000)),
            non_smart=draw(st.integers(0, 200_000)),
            advanced=draw(st.integers(0, 50_000)),
            unmetered=draw(st.integers(0, 10_000)),
            ready_on=draw(st.none() | st.integers(0, 360).map(lambda d: OPENS + dt.timedelta(days=d))),
            status=draw(st.sampled_from(QualificationStatus.values)),
            created_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=draw(st.integers(0, 5))),
        )
        e.organisation = Organisation(
            pk=5000 + i, name=draw(st.sampled_from(["Ann", "Bob", "Cy", "Di"])) + str(i)
        )
        if e.status not in MOVABLE and draw(st.booleans()):
            e.tranche_id = draw(st.sampled_from(tranches)).pk
        entrants.append(e)
    agents = {}
    agent_ids = [e.pk for e in entrants if e.kind == EntrantKind.AGENT]
    for e in entrants:
        if e.kind == EntrantKind.SUPPLIER and agent_ids:
            chosen = draw(st.lists(st.sampled_from(agent_ids), max_size=3, unique=True))
            if chosen:
                agents[e.pk] = sorted(chosen)
    window = QualificationWindow(
        opens=OPENS, closes=OPENS + dt.timedelta(days=365), risk_cutoff=OPENS + dt.timedelta(days=270)
    )
    window.large_portfolio = 500_000
    return _Data(window, tranches, limits, {1: "Elexon", 2: "RECCo"}, entrants, agents)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=worlds(), policy=st.sampled_from(POLICIES), seed=st.integers(0, 1000))
def test_placements_honour_capacity_readiness_and_agents(data, policy, seed) -> None:
    p = _place(policy, data)
    by_id = {e.pk: e for e in data.entrants}
    index = {t.pk: i for i, t in enumerate(data.tranches)}
    fixed = [e for e in data.entrants if e.status not in MOVABLE and e.tranche_id is not None]
    unplaced = {e.pk for e, _ in p.unplaced}
    for e in data.entrants:
        if e.status in MOVABLE:
            assert (p.placements.get(e.pk) is not None) != (e.pk in unplaced)
    for load in p.loads:
        t = load.tranche
        held = [e for e in fixed if e.tranche_id == t.pk]
        assert sorted(x.pk for x in load.entrants) == sorted(k for k, v in p.placements.items() if v == t.pk)
        if t.capacity:
            assert load.participants <= max(t.capacity, len(held))
        for body, most in data.limits.get(t.pk, {}).items():
            used = sum(1 for x in load.entrants if x.code_body_id == body)
            assert used == load.by_code_body.get(body, 0)
            assert used <= max(most, sum(1 for x in held if x.code_body_id == body))
        for x in load.entrants:
            if x.status in MOVABLE:
                assert t.starts >= (x.ready_on or OPENS), "placed before it is ready"
        assert load.mpans == sum(x.portfolio for x in load.entrants)
    flagged = {e.pk for e, _ in p.flags}
    for supplier_id, agent_ids in data.agents.items():
        s_tranche = p.placements.get(supplier_id)
        if s_tranche is None:
            continue
        for agent_id in agent_ids:
            agent = by_id[agent_id]
            if agent.status in QUALIFIED_STATUSES or agent.status == QualificationStatus.WITHDRAWN:
                continue
            a_tranche = p.placements.get(agent_id)
            ok = a_tranche is not None and index[a_tranche] <= index[s_tranche]
            assert ok or agent_id in flagged
    risk = p.risk
    assert risk.late_mpans == sum(e.portfolio for e in risk.late_entrants)
    assert risk.late_mpans <= risk.total_mpans
    assert all(e.portfolio >= 500_000 for e in risk.large_late)
    # The same data read in another order gives the same proposal.
    shuffled = list(data.entrants)
    random.Random(seed).shuffle(shuffled)
    again = _place(
        policy, _Data(data.window, data.tranches, data.limits, data.code_bodies, shuffled, data.agents)
    )
    assert again.placements == p.placements
    assert [e.pk for e, _ in again.unplaced] == [e.pk for e, _ in p.unplaced]


# The policies on a crafted case (the migration world plus three small early suppliers) --------------------

pytestmark = pytest.mark.django_db


def _small_suppliers(m, n=3):
    made = []
    for i in range(n):
        org = Organisation.objects.create(name=f"Small Energy {i}", slug=f"small-energy-{i}")
        e = Entrant.objects.create(
            window=m.window,
            organisation=org,
            kind=EntrantKind.SUPPLIER,
            code_body=m.code_body,
            smart=1_000,
            ready_on=OPENS,
        )
        e.agents.add(m.delta)
        made.append(e)
    return made


def test_as_ready_leaves_the_big_late_ready_supplier_last_and_reports_r525(m) -> None:
    small = _small_suppliers(m)
    t1, t2, t3 = (t.pk for t in m.tranches)
    proposals = allocation.compare(m.window)
    as_ready, by_size = proposals["as_ready"], proposals["by_size"]
    # First come, first served: the small suppliers (ready 1 Feb) fill T1 and T2; Alpha (600,000, ready
    # 1 Mar) lands in T3, ending after the 31 Oct cut-off.
    assert as_ready.placements[m.delta.pk] == t1
    assert as_ready.placements[small[0].pk] == t1
    assert {as_ready.placements[s.pk] for s in small[1:]} == {t2}
    assert as_ready.placements[m.alpha.pk] == t3
    assert [e.pk for e in as_ready.risk.large_late] == [m.alpha.pk]
    assert as_ready.risk.late_mpans == 600_000 + 80_000  # Alpha and Bravo (ready 1 Jul: only T3 starts after)
    assert as_ready.risk.late_share == pytest.approx(680_000 / 683_000)
    # Largest first: Alpha takes the first tranche it is ready for (T2, ends 30 Sep): no large portfolio late.
    assert by_size.placements[m.alpha.pk] == t2
    assert by_size.risk.large_late == []
    assert by_size.risk.late_mpans == 80_000 + 1_000  # Bravo, and the last small supplier pushed to T3
    # By portfolio: all Smart-dominant; largest first, like by size here.
    assert proposals["by_portfolio"].placements[m.alpha.pk] == t2
    for p in proposals.values():
        for load in p.loads:
            assert load.by_code_body.get(m.code_body.pk, 0) <= 2


def test_by_portfolio_puts_advanced_and_unmetered_first(m) -> None:
    orgs = [Organisation.objects.create(name=n, slug=n.lower()) for n in ("Adv Power", "Huge Smart")]
    adv = Entrant.objects.create(
        window=m.window, organisation=orgs[0], kind="supplier", code_body=m.code_body, advanced=5_000
    )
    huge = Entrant.objects.create(
        window=m.window, organisation=orgs[1], kind="supplier", code_body=m.code_body, smart=900_000
    )
    for e in (adv, huge):
        e.agents.add(m.delta)
    m.window.refresh_from_db()
    by_portfolio = allocation.propose(m.window, "by_portfolio")
    by_size = allocation.propose(m.window, "by_size")
    t1 = m.tranches[0].pk
    # T1 takes two at Elexon: the agent Delta and the first supplier placed.
    assert by_portfolio.placements[adv.pk] == t1 and by_portfolio.placements[huge.pk] != t1
    assert by_size.placements[huge.pk] == t1 and by_size.placements[adv.pk] != t1
    assert allocation.segment_group(adv) == 0 and allocation.segment_group(huge) == 1


def test_fixed_entrants_stay_and_count_against_capacity(m) -> None:
    t1, t2, _ = m.tranches
    m.delta.status = QualificationStatus.QUALIFYING
    m.delta.tranche = t2
    m.delta.save()
    small = _small_suppliers(m, 2)
    p = allocation.propose(m.window, "as_ready")
    assert p.placements[m.delta.pk] == t2.pk
    # The small suppliers are ready for T1, which has room, but go no earlier than their agent (T2); T2
    # takes two at Elexon, Delta holding one of them.
    assert p.placements[small[0].pk] == t2.pk
    assert p.placements[small[1].pk] == m.tranches[2].pk
    assert p.placements[m.alpha.pk] == m.tranches[2].pk
    assert p.placements[m.bravo.pk] is None
    assert not any(x.participants for x in p.loads if x.tranche.pk == t1.pk)


def test_unplaced_when_no_room_with_reason(m) -> None:
    TrancheCapacity.objects.filter(code_body=m.code_body).update(max_participants=1)
    p = allocation.propose(m.window, "as_ready")
    assert p.placements[m.delta.pk] == m.tranches[0].pk
    assert p.placements[m.alpha.pk] == m.tranches[1].pk
    assert p.placements[m.bravo.pk] == m.tranches[2].pk
    _small_suppliers(m, 1)
    p = allocation.propose(m.window, "as_ready")
    (entrant, reason), *_ = [(e, r) for e, r in p.unplaced if e.pk == m.bravo.pk]
    assert "No room" in reason and "Elexon (BSC)" in reason
    assert m.bravo in p.risk.late_entrants
    with pytest.raises(ValueError):
        allocation.propose(m.window, "lottery")


def test_supplier_without_agents_is_flagged(m) -> None:
    m.bravo.agents.clear()
    p = allocation.propose(m.window, "as_ready")
    assert any(e.pk == m.bravo.pk and "no agent" in why for e, why in p.flags)


# Queries and speed --------------------------------------------------------------------------------------


def test_compare_reads_in_a_fixed_number_of_queries(m, django_assert_num_queries) -> None:
    with django_assert_num_queries(5):
        few = allocation.compare(m.window)
    _small_suppliers(m, 6)
    with django_assert_num_queries(5):
        more = allocation.compare(m.window)
    assert len(more["as_ready"].placements) == len(few["as_ready"].placements) + 6


def test_three_hundred_participants_allocate_in_well_under_two_seconds(m) -> None:
    rng = random.Random(16)
    bodies = [m.code_body] + [
        CodeBody.objects.create(
            window=m.window,
            organisation=Organisation.objects.create(name=f"Body {i}", slug=f"body-{i}"),
            name=f"Body {i}",
        )
        for i in range(2)
    ]
    tranches = list(m.tranches)
    for n in range(4, 9):
        starts = dt.date(2027, 2, 1) + dt.timedelta(days=40 * n)
        tranches.append(
            Tranche.objects.create(
                window=m.window,
                number=n,
                name=f"Tranche {n}",
                starts=starts,
                ends=starts + dt.timedelta(days=60),
            )
        )
    TrancheCapacity.objects.bulk_create(
        [
            TrancheCapacity(tranche=t, code_body=b, max_participants=rng.randint(10, 25))
            for t in tranches
            for b in bodies
            if not (b == m.code_body and t in m.tranches)
        ]
    )
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"Participant {i:03d}", slug=f"participant-{i:03d}") for i in range(300)]
    )
    entrants = Entrant.objects.bulk_create(
        [
            Entrant(
                window=m.window,
                organisation=org,
                kind=EntrantKind.AGENT if i % 4 == 0 else EntrantKind.SUPPLIER,
                code_body=bodies[i % 3],
                smart=0 if i % 4 == 0 else rng.randint(0, 2_000_000),
                advanced=rng.randint(0, 50_000),
                ready_on=dt.date(2027, 2, 1) + dt.timedelta(days=rng.randint(0, 300)),
            )
            for i, org in enumerate(orgs)
        ]
    )
    agents = [e for e in entrants if e.kind == EntrantKind.AGENT]
    through = Entrant.agents.through
    through.objects.bulk_create(
        [
            through(from_entrant_id=e.pk, to_entrant_id=a.pk)
            for e in entrants
            if e.kind == EntrantKind.SUPPLIER
            for a in rng.sample(agents, 2)
        ]
    )
    started = time.perf_counter()
    proposals = allocation.compare(m.window)
    took = time.perf_counter() - started
    assert took < 1.0, f"three policies for 300 participants took {took:.2f} s"
    for p in proposals.values():
        assert len(p.placements) == 303
        assert p.placed_count + len(p.unplaced) == 303
