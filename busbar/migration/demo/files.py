"""Today's daily files, loaded through the real load action (so their rejected lines and exceptions are
real), and the exceptions of the past days raised and worked through the exception actions."""

from __future__ import annotations

import csv
import io

import numpy as np

from busbar.migration.common import mpid_map
from busbar.migration.demo import data
from busbar.migration.demo.ledger import FAIL, MIGRATED, NONE, SEG_INDEX, Ledger
from busbar.migration.demo.world import Demo, _supplier_person
from busbar.migration.models import ExceptionKind, LedgerLoad, MigrationException

HEADER = ["mpan", "segment", "supplier", "dno", "agent", "event", "date"]


class _File:
    def __init__(self, demo: Demo, led: Ledger, mpids: dict[int, str], supplier_ids, agent_ids) -> None:
        self.demo, self.led, self.mpids = demo, led, mpids
        self.supplier_mpid = [mpids.get(supplier_ids[s], "") for s in led.suppliers]
        self.agent_mpid = [mpids.get(agent_ids[a], "") for a in led.agents]
        self.rows: list[list[str]] = []
        self.day = demo.today.isoformat()

    def add(self, pos: int, event: str, *, agent: bool = True, mpan: str | None = None) -> None:
        led = self.led
        core = mpan or led.mpan(pos)
        self.rows.append(
            [
                core,
                str(list(SEG_INDEX)[int(led.seg[pos])]),
                self.supplier_mpid[int(led.sup[pos])],
                core[:2],
                self.agent_mpid[int(led.agent[pos])] if agent else "",
                event,
                self.day,
            ]
        )

    def content(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(self.rows)
        return buffer.getvalue().encode()


def _groups(led: Ledger, slug: str):
    return [g for g in led.groups if g.supplier == slug]


def _pending(led: Ledger, g) -> np.ndarray:
    """The group's MPANs scheduled in the last days (to migrate today), first ``plan today`` of them."""
    pos = led.pending[(led.pending >= g.start) & (led.pending < g.start + g.n)]
    return pos[: int(round(g.plan_on(0) * g.pace))]


def _untouched(led: Ledger, g, count: int) -> np.ndarray:
    span = np.arange(g.start, g.start + g.n)
    return span[led.state[span] == NONE][:count]


def todays_files(
    demo: Demo, led: Ledger, supplier_ids: dict[str, int], agent_ids: dict[str, int]
) -> list[str]:
    """Brightwater's file (valid lines applied, one bad check digit, a reverse refused after the Unmetered
    cut-off, three failed migrations, two MPANs with no agent), Kestrel's (all applied) and Northern Lights'
    (an event out of order: rejected, nothing applied)."""
    from busbar.migration.actions.ledger import load_file

    by_org = {org_id: mpid for mpid, org_id in mpid_map().items()}
    lines = []
    now = demo.at(0, 8, 30)

    f = _File(demo, led, by_org, supplier_ids, agent_ids)
    failed = 0
    for g in _groups(led, "brightwater"):
        for pos in _pending(led, g).tolist():
            kind = "fail" if failed < 3 and g.segment == data.S else "migrate"
            failed += kind == "fail"
            f.add(pos, kind)
        fresh = _untouched(led, g, g.plan_on(3) + (4 if g.segment == data.S else 0))
        for pos in fresh[: len(fresh) - (4 if g.segment == data.S else 0)].tolist():
            f.add(pos, "schedule")
        if g.segment == data.S and len(fresh) >= 4:
            extra = fresh[-4:].tolist()
            f.add(extra[0], "schedule", agent=False)
            f.add(extra[1], "schedule", agent=False)
            bad = led.mpan(extra[2])
            f.add(extra[2], "schedule", mpan=bad[:12] + str((int(bad[12]) + 1) % 10))
        if g.segment == data.U:
            span = np.arange(g.start, g.start + g.n)
            done = span[(led.state[span] == MIGRATED) & ~led.excluded[span]]
            if len(done):
                f.add(int(done[0]), "reverse")
    name = f"brightwater-migration-{demo.today:%Y%m%d}.csv"
    load = load_file(
        actor=demo.actor("supplier@brightwater.example", "brightwater"),
        organisation=demo.org("brightwater"),
        filename=name,
        content=f.content(),
        apply_valid=True,
        now=now,
    )
    lines.append(_said(load))

    f = _File(demo, led, by_org, supplier_ids, agent_ids)
    for g in _groups(led, "kestrel"):
        for pos in _pending(led, g).tolist():
            f.add(pos, "migrate")
    if f.rows:
        load = load_file(
            actor=demo.actor("supplier@kestrel.example", "kestrel"),
            organisation=demo.org("kestrel"),
            filename=f"KSTP_{demo.today:%Y%m%d}_migration.csv",
            content=f.content(),
            now=demo.at(0, 9, 5),
        )
        lines.append(_said(load))

    f = _File(demo, led, by_org, supplier_ids, agent_ids)
    for g in _groups(led, "northern-lights"):
        for pos in _pending(led, g).tolist():
            f.add(pos, "migrate")
        if g.segment == data.S:
            for pos in _untouched(led, g, 1).tolist():
                f.add(pos, "migrate")  # never scheduled: out of order
    load = load_file(
        actor=demo.actor("supplier@northernlights.example", "northern-lights"),
        organisation=demo.org("northern-lights"),
        filename=f"nlen-daily-{demo.today:%Y-%m-%d}.csv",
        content=f.content(),
        now=demo.at(0, 9, 40),
    )
    lines.append(_said(load))
    return lines


def _said(load: LedgerLoad) -> str:
    return (
        f"  {load.filename}: {load.get_status_display().lower()} — {load.rows:,} lines, {load.applied:,} "
        f"applied, {load.rejected:,} rejected"
    )


def past_exceptions(demo: Demo, led: Ledger, agent_ids: dict[str, int]) -> list[str]:
    """Failed migrations of the past days as exceptions: Brightwater's of nine days ago (resolved: the
    MPANs re-migrated) and Kestrel's of four days ago (being investigated)."""
    from busbar.migration.actions import exceptions as ex

    lines = []
    for slug, around, then in (("brightwater", -9, "resolve"), ("kestrel", -4, "investigate")):
        s = led.suppliers.index(slug)
        fails = (led.ev_kind == FAIL) & (led.sup[led.ev_pos] == s) & (led.ev_day <= around)
        if not fails.any():
            continue
        day = int(led.ev_day[fails].max())
        chosen = led.ev_pos[fails & (led.ev_day == day)][:500]
        date = demo.date(day)
        actor = demo.actor(_supplier_person(slug), slug)
        exception = ex.record_exception(
            actor=actor,
            kind=ExceptionKind.FAILED,
            supplier=demo.org(slug),
            day=date,
            mpans=[
                {
                    "core": int(led.core[p]),
                    "agent_id": agent_ids[led.agents[int(led.agent[p])]],
                    "on": date,
                    "detail": "Migration failed: no response to the registration request",
                }
                for p in chosen.tolist()
            ],
            summary=f"Failed migrations: {demo.org(slug).name}, {date:%d %b %Y}",
            now=demo.at(day, 18),
        )
        if then == "resolve":
            ex.resolve(
                actor=actor,
                exception=exception,
                resolution="The registration service's queue was cleared; the MPANs re-migrated.",
                now=demo.at(day + 5, 11),
            )
        else:
            ex.investigate(
                actor=demo.actor(data.SI),
                exception=exception,
                note="Looking at the agent's acknowledgements with Halfhour Data.",
                now=demo.at(day + 1, 10),
            )
        lines.append(f"  {exception.reference}: {exception.summary} ({_mpans(exception.mpans)}, {then}d)")
    for x in MigrationException.objects.filter(day=demo.today).order_by("kind"):
        lines.append(
            f"  {x.reference}: {x.get_kind_display()} — {x.supplier.name}, {_mpans(x.mpans)} (today)"
        )
    return lines


def _mpans(n: int) -> str:
    return f"{n:,} MPAN" + ("" if n == 1 else "s")
