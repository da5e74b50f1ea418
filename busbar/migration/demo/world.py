"""The demo's qualification window, segment windows, plans, thresholds, exceptions and cleanse work (the
small tables, written through the actions where one fits and back-dated, or directly where the story needs
history no action writes)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from busbar.lib.actions import Actor
from busbar.lib.bulkinsert import insert_rows
from busbar.migration.demo import data
from busbar.migration.demo.ledger import DIST_IDS, Ledger
from busbar.migration.models import (
    CleanseCategory,
    CleanseItem,
    CleanseReading,
    CleanseTarget,
    CodeBody,
    Entrant,
    MigrationPlan,
    PlanDay,
    PlanLine,
    QualificationWindow,
    SegmentWindow,
    Threshold,
    ThresholdScope,
    Tranche,
    TrancheCapacity,
)
from busbar.parties import actions as party_actions
from busbar.parties.models import IndustryRole, Organisation
from busbar.parties.queries import scope_for

LONDON = ZoneInfo("Europe/London")


@dataclass
class Demo:
    ctx: object
    programme: object
    today: dt.date
    scale: float
    milestones: dict[str, int] = field(default_factory=dict)  # code -> days from today
    from_plan: bool = False
    actors: dict = field(default_factory=dict)
    window: QualificationWindow | None = None
    entrants: dict[str, Entrant] = field(default_factory=dict)
    plans: dict[tuple[str, str], MigrationPlan] = field(default_factory=dict)
    breach_day: dt.date | None = None
    dno_cap: int = 0

    # -- who and when -----------------------------------------------------------------------------------

    def org(self, slug: str) -> Organisation:
        found = self.ctx.orgs.get(slug)
        if found is None:
            found = self.ctx.orgs[slug] = Organisation.objects.get(slug=slug)
        return found

    def user(self, email: str):
        found = self.ctx.people.get(email)
        if found is None:
            found = self.ctx.people[email] = get_user_model().objects.get(email=email)
        return found

    def actor(self, email: str, slug: str | None = None) -> Actor:
        key = (email, slug)
        if key not in self.actors:
            user = self.user(email)
            org = self.org(slug) if slug else scope_for(user).primary_organisation
            self.actors[key] = Actor(user=user, organisation=org, channel="web")
        return self.actors[key]

    def date(self, days: int) -> dt.date:
        return self.today + dt.timedelta(days=int(days))

    def at(self, days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        """``days`` from today at ``hour``:``minute`` London time, never after now."""
        moment = dt.datetime.combine(self.date(days), dt.time(hour, minute), tzinfo=LONDON)
        return min(moment, timezone.now())

    def days(self, spec) -> int:
        """A day of the data: days from today, or (milestone code, days after it)."""
        if isinstance(spec, tuple):
            code, plus = spec
            return self.milestones[code] + plus
        return int(spec)

    def scaled(self, volume: int) -> int:
        return 0 if volume <= 0 else max(1, int(round(volume * self.scale)))


# -- milestones and segment windows --------------------------------------------------------------------


def choose_milestones(demo: Demo) -> None:
    """M11, M12, M14 and M15 from the programme's plan when they fit a migration in progress (M12 at least
    a month ago, M14 ahead, M15 after it), else relative to today (see :mod:`.data`)."""
    demo.milestones = {"M11": data.M11, "M12": data.M12, "M14": data.M14, "M15": data.M15}
    try:
        from busbar.programmes.models import Milestone
    except ImportError:  # pragma: no cover - the programmes app is installed with migration
        return
    found = {
        m.code: m.current_date
        for m in Milestone.objects.filter(programme=demo.programme, code__in=["M11", "M12", "M14", "M15"])
    }
    if len(found) == 4 and all(found.values()):
        days = {code: (day - demo.today).days for code, day in found.items()}
        if days["M11"] <= -60 and days["M12"] <= -30 and 30 <= days["M14"] < days["M15"] <= 540:
            demo.milestones, demo.from_plan = days, True


def segment_windows(demo: Demo) -> None:
    m = demo.milestones
    for segment, opens in ((data.A, "M11"), (data.U, "M11"), (data.S, "M12"), (data.N, "M12")):
        reverse = data.UNMETERED_REVERSE_UNTIL if segment == data.U else m["M14"]
        closes = data.UNMETERED_CLOSES if segment == data.U else m["M15"]
        SegmentWindow.objects.create(
            programme=demo.programme,
            segment=segment,
            opens=demo.date(m[opens]),
            reverse_until=demo.date(min(reverse, m["M14"])),
            closes=demo.date(min(closes, m["M15"])),
        )


def unmetered_cutover(demo: Demo) -> str:
    """The Unmetered window closed early (:data:`.data.UNMETERED_CLOSES`): take its cut-over, as the
    worker's scan would."""
    from busbar.migration.actions.cutover import record_cutover

    taken = record_cutover(actor=Actor.system(), programme=demo.programme, segment=data.U)
    return (
        f"Unmetered cut-over ({taken.day:%d %b %Y}): {taken.in_flight:,} MPANs in flight (one exception "
        f"per supplier), {taken.not_migrated:,} not migrated (the late suppliers' plans fall after the "
        f"close), {taken.migrated:,} migrated."
    )


# -- parties -------------------------------------------------------------------------------------------


def parties(demo: Demo) -> list[str]:
    """The code bodies (organisations and one person each) and any agent organisation not yet made. The
    people share the SI test manager's password hash (the demo's published password)."""
    system = Actor.system()
    for name, slug, roles, identifiers in data.AGENT_ORGANISATIONS:
        if not Organisation.objects.filter(slug=slug).exists():
            demo.ctx.orgs[slug] = party_actions.create_organisation(
                actor=system, name=name, slug=slug, roles=roles, identifiers=identifiers
            )
    User = get_user_model()
    si = demo.user(data.SI)
    lines = []
    for name, slug, label, email, person in data.CODE_BODIES:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            org = party_actions.create_organisation(
                actor=system,
                name=name,
                slug=slug,
                roles=[IndustryRole.CODE_BODY],
                contact_email=email,
                description=f"Demo organisation: code body running qualification ({label}).",
            )
        demo.ctx.orgs[slug] = org
        user = User.objects.filter(email=email).first()
        if user is None or not user.memberships.filter(organisation=org).exists():
            party_actions.add_member(
                actor=system, organisation=org, email=email, full_name=person, role="participant"
            )
            user = User.objects.get(email=email)
        if not user.has_usable_password() and si.has_usable_password():
            user.password = si.password  # bootstrap, as the other demos do: the published demo password
            user.save(update_fields=["password"])
        demo.ctx.people[email] = user
        lines.append(f"  {email.ljust(32)} {person} ({label}): qualification of its entrants")
    return lines


# -- qualification ---------------------------------------------------------------------------------------


def qualification(demo: Demo, portfolios: dict[str, dict[str, int]]) -> list[str]:
    """The 12-month window, three code bodies, three tranches, twelve entrants; Kestrel's SIT exemption
    confirmed, the unplaced entrants allocated "as ready" three months ago."""
    opens = demo.date(data.WINDOW_OPENS)
    closes = dt.date(opens.year + 1, opens.month, min(opens.day, 28)) - dt.timedelta(days=1)
    window = demo.window = QualificationWindow.objects.create(
        programme=demo.programme,
        opens=opens,
        closes=closes,
        risk_cutoff=demo.date(data.RISK_CUTOFF),
        large_portfolio=demo.scaled(1_000_000),
        medium_portfolio=demo.scaled(100_000),
        updated_at=demo.at(data.WINDOW_OPENS - 20),
    )
    bodies = {}
    for _name, slug, label, _email, _person in data.CODE_BODIES:
        bodies[slug] = CodeBody.objects.create(window=window, organisation=demo.org(slug), name=label)
    tranches = {}
    for number, first, last, capacity, limits in data.TRANCHES:
        tranche = tranches[number] = Tranche.objects.create(
            window=window,
            number=number,
            name=f"Tranche {number}",
            starts=demo.date(first),
            ends=closes if last is None else demo.date(last),
            capacity=capacity,
        )
        for slug, most in limits.items():
            TrancheCapacity.objects.create(tranche=tranche, code_body=bodies[slug], max_participants=most)
    created = demo.at(data.WINDOW_OPENS - 10)
    for (slug, kind, body, role, ready, status, tranche, qualified, systems, e2e, e2e_done, live, _a,
         notes) in data.ENTRANTS:  # fmt: skip
        held = portfolios.get(slug, {})
        demo.entrants[slug] = Entrant.objects.create(
            window=window,
            organisation=demo.org(slug),
            kind=kind,
            market_role=role,
            code_body=bodies[body],
            smart=held.get(data.S, 0),
            non_smart=held.get(data.N, 0),
            advanced=held.get(data.A, 0),
            unmetered=held.get(data.U, 0),
            ready_on=demo.date(ready),
            status=status,
            tranche=tranches[tranche] if tranche else None,
            qualified_on=None if qualified is None else demo.date(qualified),
            systems_live_on=None if systems is None else demo.date(systems),
            e2e_required=e2e,
            e2e_completed_on=None if e2e_done is None else demo.date(e2e_done),
            live_on=None if live is None else demo.date(live),
            notes=notes,
            created_at=created + dt.timedelta(minutes=len(demo.entrants)),
            updated_at=created,
        )
    for slug, *_rest, agents, _notes in data.ENTRANTS:
        if agents:
            demo.entrants[slug].agents.set([demo.entrants[a] for a in agents])
    si = demo.actor(data.SI)
    _exempt(demo, demo.entrants["kestrel"], si)
    try:
        from busbar.migration.actions.allocation import commit_allocation
    except ImportError:  # pragma: no cover - until the allocation actions exist
        commit_allocation = None
    if commit_allocation is not None:
        commit_allocation(
            actor=si,
            window=window,
            policy="as_ready",
            rationale=data.ALLOCATION_RATIONALE,
            now=demo.at(data.ALLOCATED_ON),
        )
    else:  # pragma: no cover
        for slug, number in (("streetwise-ums", 2), ("beacon-unmetered", 3), ("harbour", 3)):
            Entrant.objects.filter(pk=demo.entrants[slug].pk).update(
                tranche=tranches[number], status="allocated"
            )
        window.committed_policy = "as_ready"
        window.save(update_fields=["committed_policy"])
    by_tranche = {
        t.name: sorted(Entrant.objects.filter(tranche=t).values_list("organisation__name", flat=True))
        for t in tranches.values()
    }
    return [
        f"Qualification window {window.opens:%d %b %Y}–{window.closes:%d %b %Y}: "
        + "; ".join(f"{name}: {', '.join(names)}" for name, names in by_tranche.items())
        + "; Kestrel Power exempt through SIT. Committed policy: as ready — compare the policies at "
        '/migration/ (Harbour\'s million MPANs land late under "as ready": the R525 risk).',
    ]


def _exempt(demo: Demo, entrant: Entrant, si: Actor) -> None:
    entrant.sit_completed_on = demo.date(data.KESTREL_SIT_COMPLETED)
    entrant.save(update_fields=["sit_completed_on"])
    try:
        from busbar.migration.actions.qualification import confirm_exemption
    except ImportError:  # pragma: no cover - until the qualification actions exist
        confirm_exemption = None
    if confirm_exemption is not None:
        confirm_exemption(actor=si, entrant=entrant, now=demo.at(data.KESTREL_EXEMPTION_CONFIRMED))
    else:  # pragma: no cover
        entrant.status = "exempt"
        entrant.exemption_reference = "QEX-MHHS-0001"
        entrant.exemption_confirmed_at = demo.at(data.KESTREL_EXEMPTION_CONFIRMED)
        entrant.save()


# -- plans and thresholds --------------------------------------------------------------------------------


def plan_windows(demo: Demo) -> dict[str, tuple[int, int]]:
    """Each supplier's plan days per segment: {"supplier:segment": (first, last)}."""
    out = {}
    for slug, spec in data.PLANS.items():
        for group, segments in (("early", (data.A, data.U)), ("late", (data.S, data.N))):
            value = spec[group]
            if isinstance(value, tuple) and not isinstance(value[0], str):
                first, last = value
            else:
                first, last = value, spec["end"]
            for segment in segments:
                begin, end = demo.days(first), demo.days(last)
                if segment == data.U and begin <= data.UNMETERED_CLOSES - 14:
                    end = min(end, data.UNMETERED_CLOSES)  # the Unmetered block, by its early close
                out[f"{slug}:{segment}"] = (begin, end)
    return out


def bump_tomorrow(demo: Demo, led: Ledger) -> tuple[int, int, int]:
    """Brightwater plans a catch-up tomorrow in Eastern (distributor 10): the plans then breach the
    Eastern cap (set just above every other day's load) tomorrow. Returns (cap, superseded cap, tomorrow's
    load)."""
    eastern = DIST_IDS.index("10")
    load: dict[int, int] = {}
    for g in led.groups:
        mask = g.keys[:, 0] == eastern
        for i, day in enumerate(g.days.tolist()):
            load[day] = load.get(day, 0) + int(g.volumes[i, mask].sum())
    before = [v for d, v in load.items() if d < -30]
    after = [v for d, v in load.items() if d >= -30 and d != 1]
    old_cap = max(1, math.ceil(max(before, default=1) * 1.25))
    cap = max(1, math.ceil(max(after, default=1) * 1.1))
    target = max(cap + 1, math.ceil(cap * 1.15))
    group = next(g for g in led.groups if g.supplier == "brightwater" and g.segment == data.S)
    row = 1 - int(group.days[0])
    column = int(np.flatnonzero(group.keys[:, 0] == eastern)[0])
    group.volumes[row, column] += target - load.get(1, 0)
    return cap, old_cap, target


def plans(demo: Demo, led: Ledger, supplier_ids: dict[str, int], agent_ids: dict[str, int]) -> int:
    """The plans (one per supplier and segment held) and their lines, written directly."""
    si_user = demo.user(data.SI)
    rows: list[tuple] = []
    agent_list = np.array([agent_ids[a] for a in led.agents], dtype=np.int64)
    for g in led.groups:
        spec = data.PLANS[g.supplier]
        first = demo.date(int(g.days[0]))
        submitted = demo.at(min(int(g.days[0]) - 21, -1))
        accepted = spec["status"] == "accepted"
        plan = MigrationPlan.objects.create(
            programme=demo.programme,
            supplier=demo.org(g.supplier),
            segment=g.segment,
            status=spec["status"],
            version=spec["version"],
            note=f"Demo plan: from {first:%d %b %Y}.",
            submitted_at=submitted,
            accepted_at=demo.at(min(int(g.days[0]) - 14, -1)) if accepted else None,
            updated_by=si_user if accepted else demo.user(_supplier_person(g.supplier)),
            created_at=submitted,
            updated_at=submitted,
        )
        demo.plans[(g.supplier, g.segment)] = plan
        day_strings = [demo.date(d).isoformat() for d in g.days.tolist()]
        dists = [DIST_IDS[k] for k in g.keys[:, 0].tolist()]
        agents = agent_list[g.keys[:, 1]].tolist()
        days_i, keys_i = np.nonzero(g.volumes > 0)
        for d, k, v in zip(days_i.tolist(), keys_i.tolist(), g.volumes[days_i, keys_i].tolist(), strict=True):
            rows.append((plan.pk, day_strings[d], dists[k], agents[k], v))
    totals: dict[tuple[int, str], int] = {}
    for plan_id, day, _dist, _agent, volume in rows:
        totals[(plan_id, day)] = totals.get((plan_id, day), 0) + volume
    insert_rows(
        PlanDay, ("plan_id", "day", "volume"), [(p, d, v) for (p, d), v in totals.items()], batch=20_000
    )
    return insert_rows(PlanLine, ("plan_id", "day", "distributor", "agent_id", "volume"), rows, batch=20_000)


def _supplier_person(slug: str) -> str:
    return {
        "brightwater": "supplier@brightwater.example",
        "kestrel": "supplier@kestrel.example",
        "northern-lights": "supplier@northernlights.example",
        "greenfield": "supplier@greenfield.example",
        "harbour": "supplier@harbour.example",
    }[slug]


def thresholds(demo: Demo, led: Ledger, cap: int, old_cap: int) -> int:
    """The Migration Working Group's thresholds: industry-wide, Eastern (superseded a month ago by a lower
    cap the plans breach tomorrow) and Northern, Meterwise's agent cap and Harbour's envelope."""
    daily: dict[int, int] = {}
    by_dist: dict[tuple[int, int], int] = {}
    by_agent: dict[tuple[int, int], int] = {}
    by_supplier: dict[tuple[str, int], int] = {}
    for g in led.groups:
        totals = g.volumes.sum(axis=1).tolist()
        for i, day in enumerate(g.days.tolist()):
            daily[day] = daily.get(day, 0) + totals[i]
            by_supplier[(g.supplier, day)] = by_supplier.get((g.supplier, day), 0) + totals[i]
        for k, (dist, agent) in enumerate(g.keys.tolist()):
            column = g.volumes[:, k].tolist()
            for i, day in enumerate(g.days.tolist()):
                by_dist[(dist, day)] = by_dist.get((dist, day), 0) + column[i]
                by_agent[(agent, day)] = by_agent.get((agent, day), 0) + column[i]
    opened = demo.date(demo.milestones["M11"] - 30)

    def peak(table: dict, subject) -> int:
        return max((v for (s, _d), v in table.items() if s == subject), default=1)

    northern = DIST_IDS.index("15")
    meterwise = led.agents.index("meterwise")
    made = [
        Threshold(
            scope=ThresholdScope.INDUSTRY,
            daily_max=math.ceil(max(daily.values(), default=1) * 1.1),
            note="MWG: industry-wide daily migration cap",
        ),
        Threshold(
            scope=ThresholdScope.DISTRIBUTOR,
            distributor="10",
            daily_max=old_cap,
            effective_to=demo.date(-31),
            note="MWG: Eastern's first cap (superseded)",
        ),
        Threshold(
            scope=ThresholdScope.DISTRIBUTOR,
            distributor="10",
            daily_max=cap,
            effective_from=demo.date(-30),
            note="MWG: Eastern's cap after its MPRS capacity review",
        ),
        Threshold(
            scope=ThresholdScope.DISTRIBUTOR,
            distributor="15",
            daily_max=math.ceil(peak(by_dist, northern) * 1.2),
            note="MWG: Northern's cap",
        ),
        Threshold(
            scope=ThresholdScope.AGENT,
            organisation=demo.org("meterwise"),
            daily_max=math.ceil(peak(by_agent, meterwise) * 1.1),
            note="Meterwise's declared daily capacity",
        ),
        Threshold(
            scope=ThresholdScope.SUPPLIER,
            organisation=demo.org("harbour"),
            daily_max=math.ceil(peak(by_supplier, "harbour") * 1.05),
            note="Harbour's envelope for its large portfolio (CR002)",
        ),
    ]
    for t in made:
        t.programme = demo.programme
        t.effective_from = t.effective_from or opened
        t.created_at = demo.at(demo.milestones["M11"] - 30) if t.effective_from == opened else demo.at(-31)
    Threshold.objects.bulk_create(made)
    return len(made)


# -- cleanse ----------------------------------------------------------------------------------------------


def cleanse(demo: Demo) -> int:
    categories = {}
    for order, (name, description) in enumerate(data.CLEANSE_CATEGORIES, start=1):
        categories[name] = CleanseCategory.objects.create(
            programme=demo.programme, name=name, description=description, order=order
        )
    readings, targets = [], []
    for slug, category, baseline, now_left, fall, aims, note in data.CLEANSE:
        baseline, now_left = demo.scaled(baseline), demo.scaled(now_left)
        person = demo.user(_supplier_person(slug))
        item = CleanseItem.objects.create(
            category=categories[category],
            organisation=demo.org(slug),
            baseline=baseline,
            outstanding=now_left,
            updated_on=demo.today,
            note=note,
            updated_by=person,
            created_at=demo.at(-84),
        )
        for weeks in range(12, -1, -1):
            value = min(baseline, int(round(now_left / (1 - fall) ** weeks)))
            readings.append(CleanseReading(item=item, on=demo.date(-7 * weeks), outstanding=value))
        for days, most in aims:
            targets.append(
                CleanseTarget(item=item, by_date=demo.date(days), outstanding_max=demo.scaled(most))
            )
    CleanseReading.objects.bulk_create(readings)
    CleanseTarget.objects.bulk_create(targets)
    return len(data.CLEANSE)
