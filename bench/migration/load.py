# ruff: noqa: E501
"""Load the migration benchmark into PostgreSQL: an MPAN migration ledger of up to 30,000,000 MPANs with
``--days`` of daily events, the daily aggregates the progress pages read, the suppliers' migration plans,
and a second programme with 300 entrants for the tranche allocation.

THIS IS A BULK DATA LOADER FOR A BENCHMARK. It bypasses the migration actions on purpose: the set-up
(organisations, people, programmes, windows, tranches, entrants, thresholds, plans) is written with the
parties actions and the ORM; the ledger rows are generated with numpy and written with PostgreSQL
``COPY`` (loading 30 million MPANs through ``load_file`` would take hours). Never point it at a database
you care about.

What it generates (``seed`` fixed, so a run is repeatable):

* **the world** (once): the SI (``si@bench16.example``, programme function SI: a migration manager), the
  14 distribution network operators (``distributor_id`` 10–23, MPIDs as in ``busbar.datagen.mpan``),
  ``--suppliers`` energy suppliers (60; MPIDs ``S001``…, one participant each:
  ``ops@s001.bench16.example``…) whose portfolio shares follow a Zipf curve (the largest holds about
  a fifth of the MPANs), 12 supplier agents (``A001``…; each supplier appoints one to three), the
  programme ``bench16`` with its segment windows (Smart and Non-smart open on M11 = today − ``--days``,
  Advanced and Unmetered on M12 = M11 + 28 days; reverse migration until M14 = M11 + 330; all by
  M15 = M11 + 480), thresholds (industry-wide 150,000 a day, each distributor its share of 170,000, the
  three largest suppliers an envelope), a qualification window with three tranches and an entrant for
  every supplier and agent, and an accepted migration plan per supplier and segment (``PlanLine`` per
  working day and distributor area, for the full ``--plan-mpans`` 30,000,000 whatever the ledger
  holds yet, volumes rising linearly across the window);
* **the allocation programme** ``bench16-alloc`` (once; the same SI): a qualification window, three code bodies, six
  tranches with capacities per code body, and 300 entrants (200 suppliers with heavy-tailed portfolios
  over the four segments, 70 agents, 30 other participants; each supplier with one or two of the agents;
  readiness dates spread over the window; a tenth already qualified or exempt);
* **MPANs** (``--mpans`` in all: a run adds what is missing, so 1M, 3M, 10M, 30M is a growth curve):
  cores from ``busbar.datagen.mpan`` (``make_cores``/``bodies``: distinct, valid check digits, the
  distributor areas weighted as ``DISTRIBUTORS``), supplier by portfolio share, segment by the
  supplier's mix (about 60 % Smart, 37 % Non-smart, 2 % Advanced, 1 % Unmetered), agent among the
  supplier's (0.5 % none), 0.3 % excluded from reverse migration (complex and shared SVA sites). Each
  MPAN's migration day is drawn from its segment's window (density rising from 0.5 to 1.5, weekends
  moved to Monday), scheduled 2–14 days before; the state today follows: not migrated, scheduled,
  migrated (2 % after a failed attempt), reverse-migrated (0.5 % of migrated ones, 5–40 days after) and
  re-migrated (40 % of those, 7–30 days later). With 180 days of history about a quarter is migrated.
* **events** (``LedgerEvent``): every schedule, fail, migrate and reverse up to today (about 0.6 per
  MPAN at 180 days);
* **daily aggregates** (``DailyProgress``): the events counted per day, segment, supplier and
  distributor, added to what earlier runs loaded (``INSERT … ON CONFLICT DO UPDATE``); ``remigrated``
  counts the migrate events of MPANs that had been reversed (they count in ``migrated`` too).

Speed: the secondary indexes, the unique (core, kind, on) constraint, the foreign keys of the ledger
tables and the MPAN table's primary key (random cores) are dropped
for the load and rebuilt afterwards (their rebuild is part of the reported load time), then
``VACUUM ANALYZE``. Rows go through pyarrow's CSV writer to ``COPY … (FORMAT csv)`` in chunks of
1,000,000 MPANs. ``results/load-<mpans>.json`` records the times.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench16
    .venv/bin/busbar migrate
    .venv/bin/python bench/migration/load.py --mpans 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

PROGRAMME = "bench16"
ALLOC_PROGRAMME = "bench16-alloc"
SI_EMAIL = "si@bench16.example"
SEGMENTS = ("smart", "non_smart", "advanced", "unmetered")
SEGMENT_MIX = np.array([0.60, 0.37, 0.02, 0.01])
HISTORY_DAYS = 180
M12_AFTER = 28
M14_AFTER = 330
M15_AFTER = 480
CHUNK = 1_000_000
AGENTS = 12
SEED = 16


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ.setdefault("BUSBAR_DATA_DIR", str(Path(tempfile.gettempdir()) / "busbar_bench16_var"))
    if not os.environ.get("SECRET_KEY"):
        # In-process only (no cookie ever leaves this process): any long value will do.
        os.environ["SECRET_KEY"] = "bench-" + os.urandom(24).hex()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to the benchmark PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/busbar_bench16"
        )
    import django

    django.setup()


def supplier_email(n: int) -> str:
    return f"ops@s{n:03d}.bench16.example"


# ---------------------------------------------------------------------------------------------- the world


def supplier_shares(count: int) -> np.ndarray:
    w = 1.0 / np.arange(1, count + 1) ** 1.1
    return w / w.sum()


def supplier_mixes(count: int, rng: np.random.Generator) -> np.ndarray:
    """Per supplier, the share of each segment (rows sum to 1): most like the industry, a few I&C
    suppliers heavy in Advanced, two unmetered specialists."""
    mix = np.tile(SEGMENT_MIX, (count, 1)) * rng.uniform(0.7, 1.3, (count, 4))
    for k in range(4, count, 9):  # I&C suppliers
        mix[k] = [0.15, 0.35, 0.45, 0.05]
    for k in (count - 3, count - 7):
        if k > 0:
            mix[k] = [0.1, 0.2, 0.1, 0.6]
    return mix / mix.sum(axis=1, keepdims=True)


def dates(today: dt.date, days: int) -> dict:
    m11 = today - dt.timedelta(days=days)
    return {
        "today": today,
        "m11": m11,
        "m12": m11 + dt.timedelta(days=M12_AFTER),
        "m14": m11 + dt.timedelta(days=M14_AFTER),
        "m15": m11 + dt.timedelta(days=M15_AFTER),
    }


def build_world(args, out=print) -> dict:
    """Write the set-up once (idempotent) and return what the generator needs."""
    from django.conf import settings
    from django.db import transaction
    from django.test import override_settings

    from busbar.lib.actions import Actor
    from busbar.migration.models import Entrant, SegmentWindow
    from busbar.parties.models import Identifier, IdentifierScheme
    from busbar.testing.models import Programme

    programme = Programme.objects.filter(code=PROGRAMME).first()
    if programme is None:
        fast = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
        t = time.perf_counter()
        with override_settings(PASSWORD_HASHERS=fast), transaction.atomic():
            _write_world(args, Actor.system())
        out(f"  world written in {time.perf_counter() - t:.1f} s")
        programme = Programme.objects.get(code=PROGRAMME)
    windows = {w.segment: w for w in SegmentWindow.objects.filter(programme=programme)}
    m11 = windows["smart"].opens
    mpid = dict(
        Identifier.objects.filter(scheme=IdentifierScheme.MPID).values_list("value", "organisation_id")
    )
    suppliers = [mpid[f"S{n:03d}"] for n in range(1, 1000) if f"S{n:03d}" in mpid]
    agents = [mpid[f"A{n:03d}"] for n in range(1, AGENTS + 1)]
    supplier_entrants = {
        e.organisation_id: e
        for e in Entrant.objects.filter(window__programme=programme, kind="supplier").prefetch_related(
            "agents"
        )
    }
    agent_index = {org: k for k, org in enumerate(agents)}
    appointed = [
        sorted(agent_index[a.organisation_id] for a in supplier_entrants[s].agents.all()) for s in suppliers
    ]
    return {
        "programme_id": programme.pk,
        "suppliers": suppliers,
        "agents": agents,
        "appointed": appointed,
        "m11": m11,
        "windows": {s: (w.opens, w.reverse_until, w.closes) for s, w in windows.items()},
    }


def _write_world(args, actor) -> None:
    from busbar.datagen.mpan import DISTRIBUTORS
    from busbar.migration.common import today as london_today
    from busbar.migration.models import (
        CodeBody,
        Entrant,
        MigrationPlan,
        QualificationWindow,
        SegmentWindow,
        Threshold,
        Tranche,
        TrancheCapacity,
    )
    from busbar.parties import actions as party_actions
    from busbar.parties.models import IndustryRole, MembershipRole
    from busbar.testing.models import Programme, ProgrammeParty

    rng = np.random.default_rng(SEED)
    d = dates(london_today(), args.days)

    def org(name, roles, identifiers=(), email=None, role=MembershipRole.PARTICIPANT):
        o = party_actions.create_organisation(
            actor=actor, name=name, roles=roles, identifiers=list(identifiers)
        )
        if email:
            party_actions.add_member(actor=actor, organisation=o, email=email, full_name=name, role=role)
        return o

    programme = Programme.objects.create(code=PROGRAMME, name="MHHS migration benchmark")
    si = org("Bench SI", [IndustryRole.SYSTEMS_INTEGRATOR], email=SI_EMAIL)
    ProgrammeParty.objects.create(programme=programme, organisation=si, function="si")
    for dist in DISTRIBUTORS:
        org(
            f"Bench DNO {dist.area}",
            [IndustryRole.DNO],
            [("mpid", dist.mpid), ("distributor_id", dist.id)],
            email=f"dno{dist.id}@bench16.example",
            role=MembershipRole.RESOLVER,
        )
    suppliers = [
        org(
            f"Bench Supplier {n:03d}",
            [IndustryRole.ENERGY_SUPPLIER],
            [("mpid", f"S{n:03d}")],
            email=supplier_email(n),
        )
        for n in range(1, args.suppliers + 1)
    ]
    agents = [
        org(
            f"Bench Agent {n:03d}",
            [IndustryRole.SUPPLIER_AGENT],
            [("mpid", f"A{n:03d}")],
            email=f"ops@a{n:03d}.bench16.example",
        )
        for n in range(1, AGENTS + 1)
    ]
    for segment in SEGMENTS:
        SegmentWindow.objects.create(
            programme=programme,
            segment=segment,
            opens=d["m11"] if segment in ("smart", "non_smart") else d["m12"],
            reverse_until=d["m14"],
            closes=d["m15"],
        )
    shares = supplier_shares(args.suppliers)
    mixes = supplier_mixes(args.suppliers, rng)
    weights = np.array([dist.weight for dist in DISTRIBUTORS])
    weights = weights / weights.sum()
    Threshold.objects.create(
        programme=programme, scope="industry", daily_max=150_000, effective_from=d["m11"]
    )
    for dist, w in zip(DISTRIBUTORS, weights, strict=True):
        Threshold.objects.create(
            programme=programme,
            scope="distributor",
            distributor=dist.id,
            daily_max=int(170_000 * w),
            effective_from=d["m11"],
        )
    for s in suppliers[:3]:
        Threshold.objects.create(
            programme=programme, scope="supplier", organisation=s, daily_max=40_000, effective_from=d["m11"]
        )
    # qualification of the main programme: every supplier and agent live or qualified
    window = QualificationWindow.objects.create(
        programme=programme,
        opens=d["m11"] - dt.timedelta(days=365),
        closes=d["m11"] - dt.timedelta(days=1),
        risk_cutoff=d["m11"] - dt.timedelta(days=60),
    )
    bodies = [
        CodeBody.objects.create(
            window=window, organisation=org(f"Bench code body {n}", [IndustryRole.CODE_BODY]), name=name
        )
        for n, name in enumerate(["Elexon (BSC)", "RECCo (REC)", "SECAS (SEC)"], start=1)
    ]
    tranches = []
    for n in range(3):
        starts = window.opens + dt.timedelta(days=120 * n)
        t = Tranche.objects.create(
            window=window,
            number=n + 1,
            name=f"Tranche {n + 1}",
            starts=starts,
            ends=starts + dt.timedelta(days=119),
        )
        tranches.append(t)
        TrancheCapacity.objects.bulk_create(
            TrancheCapacity(tranche=t, code_body=b, max_participants=40) for b in bodies
        )
    agent_entrants = [
        Entrant.objects.create(
            window=window,
            organisation=a,
            kind="agent",
            code_body=bodies[n % 3],
            tranche=tranches[n % 3],
            status="qualified",
            qualified_on=window.opens + dt.timedelta(days=100 + 30 * (n % 3)),
        )
        for n, a in enumerate(agents)
    ]
    total = args.plan_mpans
    for n, s in enumerate(suppliers):
        counts = (total * shares[n] * mixes[n]).astype(int)
        e = Entrant.objects.create(
            window=window,
            organisation=s,
            kind="supplier",
            code_body=bodies[n % 3],
            tranche=tranches[n % 3],
            smart=counts[0],
            non_smart=counts[1],
            advanced=counts[2],
            unmetered=counts[3],
            status="live" if n % 11 else "qualified",
            qualified_on=window.opens + dt.timedelta(days=110 + 120 * (n % 3)),
            systems_live_on=d["m11"] - dt.timedelta(days=10),
            live_on=d["m11"] - dt.timedelta(days=5) if n % 11 else None,
        )
        k = 1 + n % 3
        e.agents.add(*[agent_entrants[(n + j * 5) % AGENTS] for j in range(k)])
    # plans: one accepted plan per supplier and segment, a line per working day and distributor area
    plans = {}
    for n, s in enumerate(suppliers):
        for g, segment in enumerate(SEGMENTS):
            if total * shares[n] * mixes[n, g] >= 1:
                plans[(n, g)] = MigrationPlan.objects.create(
                    programme=programme, supplier=s, segment=segment, status="accepted"
                )
    lines = io.StringIO()
    for g, segment in enumerate(SEGMENTS):
        opens = d["m11"] if segment in ("smart", "non_smart") else d["m12"]
        days = np.array([opens + dt.timedelta(days=k) for k in range((d["m15"] - opens).days - 9)])
        days = np.array([x for x in days if x.weekday() < 5])
        x = np.linspace(0, 1, len(days))
        density = (0.5 + x) / (0.5 + x).sum()
        for (n, gg), plan in plans.items():
            if gg != g:
                continue
            vol = total * shares[n] * mixes[n, g] * np.outer(density, weights)
            vol = np.floor(vol + rng.random(vol.shape)).astype(int)
            for i, j in zip(*np.nonzero(vol), strict=True):
                lines.write(f"{plan.pk}\t{days[i].isoformat()}\t{DISTRIBUTORS[j].id}\t{vol[i, j]}\n")
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy("COPY migration_planline (plan_id, day, distributor, volume) FROM STDIN") as copy,
    ):
        copy.write(lines.getvalue())
    _write_allocation(rng, actor, org)


def _write_allocation(rng, actor, org) -> None:
    """The allocation programme: 300 entrants, 6 tranches, 3 code bodies (organisations by bulk_create)."""
    from busbar.migration.common import today as london_today
    from busbar.migration.models import CodeBody, Entrant, QualificationWindow, Tranche, TrancheCapacity
    from busbar.parties.models import Organisation, OrganisationRole
    from busbar.testing.models import Programme, ProgrammeParty

    start = london_today() + dt.timedelta(days=60)
    programme = Programme.objects.create(code=ALLOC_PROGRAMME, name="MHHS qualification benchmark")
    si = ProgrammeParty.objects.get(programme__code=PROGRAMME, function="si").organisation_id
    ProgrammeParty.objects.create(programme=programme, organisation_id=si, function="si")
    window = QualificationWindow.objects.create(
        programme=programme,
        opens=start,
        closes=start + dt.timedelta(days=364),
        risk_cutoff=start + dt.timedelta(days=240),
        large_portfolio=1_000_000,
        medium_portfolio=100_000,
    )
    bodies = [
        CodeBody.objects.create(
            window=window, organisation=org(f"Alloc code body {n}", ["code_body"]), name=name
        )
        for n, name in enumerate(["Elexon (BSC)", "RECCo (REC)", "SECAS (SEC)"], start=1)
    ]
    tranches = []
    for n in range(6):
        starts = start + dt.timedelta(days=60 * n)
        t = Tranche.objects.create(
            window=window,
            number=n + 1,
            name=f"Tranche {n + 1}",
            starts=starts,
            ends=starts + dt.timedelta(days=59),
            capacity=60,
        )
        tranches.append(t)
        TrancheCapacity.objects.bulk_create(
            TrancheCapacity(tranche=t, code_body=b, max_participants=cap)
            for b, cap in zip(bodies, (24, 20, 14), strict=True)
        )
    kinds = ["supplier"] * 200 + ["agent"] * 70 + ["other"] * 30
    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Alloc participant {n:03d}", slug=f"alloc-participant-{n:03d}") for n in range(300)
    )
    role = {"supplier": "energy_supplier", "agent": "supplier_agent", "other": "dno"}
    OrganisationRole.objects.bulk_create(
        OrganisationRole(organisation=o, role=role[k]) for o, k in zip(orgs, kinds, strict=True)
    )
    portfolio = (rng.pareto(1.2, 200) * 40_000).astype(int).clip(500, 5_000_000)
    entrants = []
    for n, (o, kind) in enumerate(zip(orgs, kinds, strict=True)):
        status = "needs"
        tranche = None
        if n % 10 == 3:
            status, tranche = ("qualified", tranches[0]) if kind != "other" else ("exempt", None)
        mix = SEGMENT_MIX * rng.uniform(0.5, 1.5, 4) if n % 7 else np.array([0.1, 0.3, 0.5, 0.1])
        mix = mix / mix.sum()
        size = portfolio[n] if kind == "supplier" else 0
        entrants.append(
            Entrant(
                window=window,
                organisation=o,
                kind=kind,
                code_body=bodies[int(rng.choice(3, p=[0.45, 0.35, 0.2]))],
                smart=int(size * mix[0]),
                non_smart=int(size * mix[1]),
                advanced=int(size * mix[2]),
                unmetered=int(size * mix[3]),
                ready_on=None if n % 13 == 0 else start + dt.timedelta(days=int(rng.integers(0, 300))),
                status=status,
                tranche=tranche,
            )
        )
    entrants = Entrant.objects.bulk_create(entrants)
    agents = [e for e in entrants if e.kind == "agent"]
    through = Entrant.agents.through
    links = []
    for e in entrants:
        if e.kind == "supplier":
            for a in rng.choice(len(agents), size=int(rng.integers(1, 3)), replace=False):
                links.append(through(from_entrant_id=e.pk, to_entrant_id=agents[a].pk))
    through.objects.bulk_create(links)


# ------------------------------------------------------------------------------------------------ the ledger


def generate(start: int, stop: int, w: dict, today: dt.date) -> dict:
    """MPANs ``start`` … ``stop`` - 1 with their events and daily counts (numpy arrays)."""
    from busbar.datagen.mpan import DISTRIBUTORS, bodies, make_cores

    rng = np.random.default_rng([SEED, start])
    n = stop - start
    index = np.arange(start, stop, dtype=np.int64)
    dweights = np.array([d.weight for d in DISTRIBUTORS])
    dist = rng.choice(len(DISTRIBUTORS), size=n, p=dweights / dweights.sum())
    cores_ascii = make_cores(dist, bodies(index, SEED * 7_919_000))
    dist_ids = np.array([int(d.id) for d in DISTRIBUTORS], dtype=np.int64)
    body = bodies(index, SEED * 7_919_000)
    core = dist_ids[dist] * 10**11 + body * 10 + (cores_ascii[:, 12].astype(np.int64) - 48)
    S = len(w["suppliers"])
    shares = supplier_shares(S)
    sup = rng.choice(S, size=n, p=shares)
    mixes = supplier_mixes(S, np.random.default_rng(SEED))
    cum = np.cumsum(mixes, axis=1)[sup]
    seg = (rng.random(n)[:, None] > cum[:, :3]).sum(axis=1)
    appointed = w["appointed"]
    nag = np.array([len(a) for a in appointed])
    table = np.full((S, 3), -1)
    for k, a in enumerate(appointed):
        table[k, : len(a)] = a
    agent_k = table[sup, (rng.random(n) * nag[sup]).astype(int)]
    agent = np.array(w["agents"], dtype=np.int64)[agent_k]
    no_agent = rng.random(n) < 0.005
    excluded = rng.random(n) < 0.003
    # days as offsets from M11; t = today
    t = (today - w["m11"]).days
    m11_wd = w["m11"].weekday()
    opens = np.where(seg >= 2, M12_AFTER, 0)
    end = M15_AFTER - 10
    u = rng.random(n)
    x = -0.5 + np.sqrt(0.25 + 2 * u)
    mig = (opens + x * (end - opens)).astype(np.int64)
    wd = (m11_wd + mig) % 7
    mig = mig + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))
    lead = rng.integers(2, 15, n)
    sch = np.maximum(mig - lead, 0)
    state = np.zeros(n, dtype=np.int8)  # 0 none, 1 scheduled, 2 migrated, 3 reversed, 4 remigrated
    state[sch <= t] = 1
    migrated = mig <= t
    state[migrated] = 2
    failed = migrated & (rng.random(n) < 0.02) & (mig - sch >= 2)
    fail_day = sch + 1 + (rng.random(n) * np.maximum(mig - sch - 1, 1)).astype(np.int64)
    rev = mig + rng.integers(5, 41, n)
    reversed_ = migrated & ~excluded & (rng.random(n) < 0.005) & (rev <= t)
    state[reversed_] = 3
    remig = rev + rng.integers(7, 31, n)
    remigrated = reversed_ & (rng.random(n) < 0.4) & (remig <= t)
    state[remigrated] = 4
    # events: kind 0 schedule, 1 migrate, 2 fail, 3 reverse; remig: migrate of a reversed MPAN
    has_sch = state >= 1
    ev_core = [core[has_sch], core[migrated], core[failed], core[reversed_], core[remigrated]]
    ev_day = [sch[has_sch], mig[migrated], fail_day[failed], rev[reversed_], remig[remigrated]]
    ev_kind = [np.full(len(a), k) for k, a in zip((0, 1, 2, 3, 1), ev_core, strict=True)]
    ev_idx = [np.nonzero(m)[0] for m in (has_sch, migrated, failed, reversed_, remigrated)]
    # the MPAN's state after each event: 1 scheduled, 2 migrated, 3 reversed, 4 re-migrated (a fail leaves
    # it scheduled)
    ev_state = [np.full(len(a), k) for k, a in zip((1, 2, 1, 3, 4), ev_core, strict=True)]
    # daily counts: column 0 scheduled, 1 migrated, 2 remigrated, 3 failed, 4 reversed
    D = t + 1
    size = D * 4 * S * 14
    counts = np.zeros((5, size), dtype=np.int64)
    for col, idx, days in ((0, ev_idx[0], ev_day[0]), (1, ev_idx[1], ev_day[1]), (1, ev_idx[4], ev_day[4]),
                           (2, ev_idx[4], ev_day[4]), (3, ev_idx[2], ev_day[2]), (4, ev_idx[3], ev_day[3])):  # fmt: skip
        key = ((days * 4 + seg[idx]) * S + sup[idx]) * 14 + dist[idx]
        counts[col] += np.bincount(key, minlength=size)
    last = np.where(
        state == 0, -1, np.where(state == 1, sch, np.where(state == 2, mig, np.where(state == 3, rev, remig)))
    )
    last = np.maximum(last, np.where(failed, fail_day, -1))
    return {
        "core": core, "seg": seg, "sup": sup, "dist": dist, "agent": agent, "no_agent": no_agent, "excluded": excluded,
        "state": state, "sch": sch, "mig": mig, "rev": rev, "remig": remig, "failed": failed, "last": last,
        "ev_core": np.concatenate(ev_core), "ev_day": np.concatenate(ev_day), "ev_kind": np.concatenate(ev_kind),
        "ev_state": np.concatenate(ev_state), "ev_idx": np.concatenate(ev_idx),
        "counts": counts, "D": D,
    }  # fmt: skip


def _dates(m11: dt.date, offsets: np.ndarray, valid: np.ndarray):
    import pyarrow as pa

    arr = (np.datetime64(m11, "D") + offsets.astype("timedelta64[D]")).astype("datetime64[D]")
    return pa.array(arr, type=pa.date32(), mask=~valid)


def event_context() -> bool:
    """Whether LedgerEvent keeps the MPAN's segment, supplier and state after the event."""
    from busbar.migration.models import LedgerEvent

    return "state" in {f.name for f in LedgerEvent._meta.concrete_fields}


def catch_up_schema(out=print) -> None:
    """Bring a bench database made before the models gained ``LedgerEvent.segment/supplier/state`` and
    ``PlanDay`` (migration 0001 edited in place during the issue) up to date, and fill ``PlanDay`` from the
    plan lines. Adding columns with a constant default is instant in PostgreSQL 11+ at any size."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'migration_ledgerevent'"
        )
        have = {r[0] for r in c.fetchall()}
        if event_context() and "state" not in have:
            c.execute(
                "ALTER TABLE migration_ledgerevent ADD COLUMN segment varchar(12) NOT NULL DEFAULT '', "
                "ADD COLUMN state varchar(12) NOT NULL DEFAULT '', ADD COLUMN supplier_id bigint NULL "
                "CONSTRAINT migration_ledgereven_supplier_id_34de259b_fk_parties_o REFERENCES parties_organisation (id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )
            c.execute(
                "ALTER TABLE migration_ledgerevent ALTER COLUMN segment DROP DEFAULT, ALTER COLUMN state DROP DEFAULT"
            )
            out("  schema: LedgerEvent.segment/supplier/state added (events loaded before keep them blank)")
        c.execute(
            "SELECT to_regclass('migration_planday') IS NOT NULL, to_regclass('migration_planline') IS NOT NULL"
        )
        planday, _ = c.fetchone()
        try:
            from busbar.migration.models import PlanDay  # noqa: F401
        except ImportError:
            return
        if not planday:
            c.execute(
                'CREATE TABLE "migration_planday" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, '
                '"day" date NOT NULL, "volume" integer NOT NULL CHECK ("volume" >= 0), "plan_id" bigint NOT NULL '
                "CONSTRAINT migration_planday_plan_id_7c3614b6_fk_migration REFERENCES migration_migrationplan (id) DEFERRABLE INITIALLY DEFERRED)"
            )
            c.execute('CREATE INDEX "mig_planday_day" ON "migration_planday" ("day")')
            c.execute(
                'ALTER TABLE "migration_planday" ADD CONSTRAINT "mig_unique_plan_day" UNIQUE ("plan_id", "day")'
            )
            c.execute('CREATE INDEX "migration_planday_plan_id_7c3614b6" ON "migration_planday" ("plan_id")')
            out("  schema: PlanDay created")
        c.execute("SELECT EXISTS (SELECT 1 FROM migration_planday)")
        if not c.fetchone()[0]:
            c.execute(
                "INSERT INTO migration_planday (plan_id, day, volume) "
                "SELECT plan_id, day, sum(volume) FROM migration_planline GROUP BY 1, 2"
            )
            c.execute("ANALYZE migration_planday")
            out("  PlanDay filled from the plan lines")


def copy_chunk(cursor, g: dict, w: dict) -> tuple[int, int]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    states = np.array(["none", "scheduled", "migrated", "reversed", "remigrated"])
    segs = np.array(SEGMENTS)
    dists = np.array([f"{d:02d}" for d in range(100)])
    m11 = w["m11"]
    st = g["state"]
    sched_valid = st == 1
    mig_valid = (st == 2) | (st == 4)
    mig_on = np.where(st == 4, g["remig"], g["mig"])
    mpans = pa.table(
        {
            "core": pa.array(g["core"]),
            "segment": pa.array(segs[g["seg"]]),
            "supplier_id": pa.array(np.array(w["suppliers"], dtype=np.int64)[g["sup"]]),
            "distributor": pa.array(dists[g["core"] // 10**11]),
            "agent_id": pa.array(g["agent"], mask=g["no_agent"]),
            "state": pa.array(states[st]),
            "excluded": pa.array(g["excluded"]),
            "scheduled_for": _dates(m11, g["mig"], sched_valid),
            "migrated_on": _dates(m11, mig_on, mig_valid),
            "last_event_on": _dates(m11, np.maximum(g["last"], 0), g["last"] >= 0),
            "failures": pa.array(g["failed"].astype(np.int16)),
        }
    )
    kinds = np.array(["schedule", "migrate", "fail", "reverse"])
    columns = {
        "core": pa.array(g["ev_core"]),
        "kind": pa.array(kinds[g["ev_kind"]]),
        "on": _dates(m11, g["ev_day"], np.ones(len(g["ev_day"]), bool)),
    }
    if event_context():
        idx = g["ev_idx"]
        columns["segment"] = pa.array(segs[g["seg"][idx]])
        columns["supplier_id"] = pa.array(np.array(w["suppliers"], dtype=np.int64)[g["sup"][idx]])
        columns["state"] = pa.array(states[g["ev_state"]])
    events = pa.table(columns)
    opts = pacsv.WriteOptions(include_header=False, quoting_style="none")
    for name, tbl in (("migration_mpan", mpans), ("migration_ledgerevent", events)):
        buf = io.BytesIO()
        pacsv.write_csv(tbl, buf, opts)
        cols = ", ".join(f'"{c}"' for c in tbl.column_names)
        with cursor.copy(f"COPY {name} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getbuffer())
    return len(g["core"]), len(g["ev_core"])


def write_counts(cursor, counts: np.ndarray, D: int, w: dict) -> int:
    """Add the daily counts to ``DailyProgress`` (upsert)."""
    S = len(w["suppliers"])
    nz = np.nonzero(counts.sum(axis=0))[0]
    day, rest = np.divmod(nz, 4 * S * 14)
    seg, rest = np.divmod(rest, S * 14)
    sup, dist = np.divmod(rest, 14)
    from busbar.datagen.mpan import DISTRIBUTORS

    buf = io.StringIO()
    for k, i in enumerate(nz):
        c = counts[:, i]
        on = w["m11"] + dt.timedelta(days=int(day[k]))
        buf.write(
            f"{on.isoformat()}\t{SEGMENTS[seg[k]]}\t{w['suppliers'][sup[k]]}\t{DISTRIBUTORS[dist[k]].id}\t"
            f"{c[0]}\t{c[1]}\t{c[2]}\t{c[3]}\t{c[4]}\n"
        )
    cursor.execute("DROP TABLE IF EXISTS bench_progress")
    cursor.execute(
        "CREATE TEMP TABLE bench_progress (LIKE migration_dailyprogress INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    cursor.execute("ALTER TABLE bench_progress DROP COLUMN id")
    cols = "day, segment, supplier_id, distributor, scheduled, migrated, remigrated, failed, reversed"
    with cursor.copy(f"COPY bench_progress ({cols}) FROM STDIN") as copy:
        copy.write(buf.getvalue())
    cursor.execute(
        f"INSERT INTO migration_dailyprogress ({cols}) SELECT {cols} FROM bench_progress "
        "ON CONFLICT (day, segment, supplier_id, distributor) DO UPDATE SET "
        + ", ".join(f"{c} = migration_dailyprogress.{c} + EXCLUDED.{c}" for c in cols.split(", ")[4:])
    )
    return len(nz)


def secondary_indexes(cursor) -> list[str]:
    """The ledger tables' unique and foreign-key constraints and secondary indexes (dropped for the load,
    recreated after it)."""
    cursor.execute(
        "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "WHERE t.relname IN ('migration_mpan', 'migration_ledgerevent') AND (c.contype IN ('u', 'f') "
        "OR c.contype = 'p' AND t.relname = 'migration_mpan') ORDER BY c.contype DESC"
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE tablename IN ('migration_mpan', 'migration_ledgerevent') "
        "AND indexname NOT LIKE '%%_pkey' AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    )
    indexes = cursor.fetchall()
    return constraints, indexes


def load(args, out=print) -> dict:
    from django.db import connection, transaction

    from busbar.migration.common import today as london_today

    w = build_world(args, out)
    catch_up_schema(out)
    today = london_today()
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM migration_mpan")
        have = c.fetchone()[0]
    if have >= args.mpans:
        out(f"  the ledger already holds {have:,} MPANs (asked for {args.mpans:,}): nothing to load")
        return {}
    out(f"  loading MPANs {have:,} … {args.mpans:,} (m11 {w['m11']}, today {today})")
    t0 = time.perf_counter()
    timings = {"generate_s": 0.0, "copy_s": 0.0}
    mpans = events = progress_rows = 0
    counts = None
    # One transaction: a failure part-way leaves the database as it was (indexes included).
    with transaction.atomic(), connection.cursor() as dj:
        cursor = dj.cursor
        cursor.execute(
            "SET CONSTRAINTS ALL IMMEDIATE"
        )  # no deferred FK checks queued (ALTER TABLE refuses those)
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET synchronous_commit = off")
        constraints, indexes = secondary_indexes(cursor)
        for name, table, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _table, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        for start in range(have, args.mpans, CHUNK):
            stop = min(start + CHUNK, args.mpans)
            t = time.perf_counter()
            g = generate(start, stop, w, today)
            timings["generate_s"] += time.perf_counter() - t
            t = time.perf_counter()
            a, b = copy_chunk(cursor, g, w)
            timings["copy_s"] += time.perf_counter() - t
            mpans += a
            events += b
            if counts is None or counts.shape[1] < g["counts"].shape[1]:
                counts = g["counts"] if counts is None else counts + g["counts"][:, : counts.shape[1]]
            else:
                counts += g["counts"]
            D = g["D"]
            if (stop // CHUNK) % 5 == 0 or stop == args.mpans:
                out(f"    {stop:,} MPANs ({time.perf_counter() - t0:.0f} s)")
        t = time.perf_counter()
        progress_rows = write_counts(cursor, counts, D, w)
        timings["progress_s"] = time.perf_counter() - t
        t = time.perf_counter()
        for name, table, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for _name, _table, definition in indexes:
            cursor.execute(definition)
        timings["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE migration_mpan")
        c.execute("VACUUM ANALYZE migration_ledgerevent")
        c.execute("VACUUM ANALYZE migration_dailyprogress")
        c.execute("VACUUM ANALYZE migration_planline")
        c.execute("ANALYZE migration_migrationplan")
        c.execute("SELECT count(*) FROM migration_ledgerevent")
        total_events = c.fetchone()[0]
        c.execute("SELECT count(*) FROM migration_dailyprogress")
        total_progress = c.fetchone()[0]
        c.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database())), pg_database_size(current_database())"
        )
        size_pretty, size = c.fetchone()
    timings["vacuum_s"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "from_mpans": have,
        "to_mpans": args.mpans,
        "added_mpans": mpans,
        "added_events": events,
        "progress_rows_upserted": progress_rows,
        "total_events": total_events,
        "total_progress_rows": total_progress,
        "db_size": size_pretty,
        "db_bytes": size,
        "seconds": round(total, 1),
        **{k: round(v, 1) for k, v in timings.items()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
    }
    out(
        f"  added {mpans:,} MPANs and {events:,} events in {total:.0f} s "
        f"(generate {timings['generate_s']:.0f}, COPY {timings['copy_s']:.0f}, indexes {timings['index_s']:.0f}, "
        f"vacuum {timings['vacuum_s']:.0f}); database {size_pretty}"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mpans", type=int, default=1_000_000, help="MPANs in the ledger after the run")
    parser.add_argument("--days", type=int, default=HISTORY_DAYS, help="days of history (M11 = today - days)")
    parser.add_argument("--suppliers", type=int, default=60)
    parser.add_argument("--plan-mpans", type=int, default=30_000_000, help="MPANs the plans migrate")
    parser.add_argument("--label", default="", help="results/load-<label>.json (default: the MPAN count)")
    args = parser.parse_args(argv)
    if (
        not 1 <= args.mpans <= 100_000_000
        or not 30 <= args.days <= M15_AFTER - 20
        or not 5 <= args.suppliers <= 500
    ):
        parser.error("--mpans 1…100,000,000, --days 30…460, --suppliers 5…500")
    setup_django()
    result = load(args)
    if result:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"load-{args.label or args.mpans}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
