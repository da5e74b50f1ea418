"""Load the programme-governance benchmark's programme into PostgreSQL (or SQLite): a programme with 500
participant organisations, 5,000 RAID items, 20,000 actions raised at 300 meetings of 6 groups, 30
milestones, 3 baselines, 40 change requests with impact-assessment responses and a readiness assessment of
20 questions answered by all 500 participants (``--profile full``, the default); or about a tenth of it
(``--profile small``) for the constant-query-count comparison.

THIS IS A BULK DATA LOADER FOR A BENCHMARK. It deliberately bypasses busbar/programmes/actions: the few
organisations the run signs in as, their people and the programme's functions are made with the parties
actions and the ORM; everything else is generated in Python and written with ``bulk_create`` in one
transaction (a minute or two at full size on two cores), then ``VACUUM ANALYZE``. RAID items and change
requests get their kernel ``records.Record`` rows (references ``RAID0000001``… and ``PCR0000001``… from the
registry's prefixes, the ``records.Sequence`` rows advanced past them), as ``steps.new_record`` would.
Never point it at a database you care about.

What it makes (``PROFILES`` says how many; "participants" are ``Member`` organisations):

* organisations: a programme office (programme manager and board), an assurer, a systems integrator, a
  design authority, and the participants ``Bench Participant 001``… (suppliers, agents, DNOs, code bodies;
  a constituency each); the three people measured: the programme office's PMO lead
  (``office@bench-pmo.example``: reads and runs everything), the assurer (``assurer@bench-assurer.example``:
  reads everything) and a participant (``participant@bench-participant-001.example``: public RAID items
  and its own organisation's);
* the programme ``bench`` with governance settings (prefix BENCH-DEL), six plan phases with RAGs, the
  milestones (M1… and control points CP1…, a predecessor chain, forecasts slipping by 0–40 days, actual
  dates for the past ones, two forecasts before their predecessor's), three tasks per milestone, the
  baselines (1 set by the office, each later one written by an approved change request, moving the later
  milestones by 2–8 weeks; ``Milestone.baseline_date`` = the last one), subsidiary plans of 80 % of the
  participants with three milestones each pointing at programme milestones (a fifth forecast late);
* RAID: risks 45 %, issues 25 %, assumptions 15 %, dependencies 15 % (impacting / impacted milestones);
  about half public; ~57 % open (every item raised in the last 60 days among them), the rest closed, and
  5 % of the risks converted to an issue (the issue's ``converted_from``); likelihood × impact on risks and
  issues; themes from ``models.THEMES``; owners: 30 % the programme office, the rest a participant at
  random, and every hundredth item the measured participant's (half of those private);
* groups PSG (steering), TMAG, DAG, CCAG (advisory) and two working groups reporting to TMAG (the small
  profile: PSG, TMAG and one working group), members from the participants; meetings numbered per group
  every ~24 days over the last 3.3 years, the latest two of each group planned, the one before held, the
  earlier ones' minutes approved at the next; 6 agenda items each; working-group reports to every TMAG
  meeting held or planned; a decision at 80 % of the held meetings (a tenth with conditions);
* actions: the profile's number over the held meetings (``<GROUP><NN>-<SS>``), owners the office (40 %),
  a participant (55 %; the measured participant ~1 %) or "members" (5 %); raised more than 180 days ago
  95 % closed (ratified at a later meeting of the group), 60–180 days 60 %, recent 10 %; the rest open,
  open – ongoing or recommended closed; one update for every action not open, 5 % linked to a RAID item;
* change requests CR001…: as many approved as there are baselines after the first (each with its
  baseline and decision), the others rejected, withdrawn, in draft, issued for impact assessment, in review
  or on hold; 1–3 milestone changes each; the issued ones answered by 30–70 % of the participants per
  round (a tenth late), some in a second round;
* a readiness assessment RA1 (open) with the profile's questions, a response from every participant
  (85 % submitted, the rest drafts), an answer to every question, two thirds scored by the office, a chase
  of every draft.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench_programmes
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_programmes_var
    .venv/bin/busbar migrate
    .venv/bin/python bench/programmes/world.py [--profile small]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
PROGRAMME = "bench"
OFFICE_EMAIL = "office@bench-pmo.example"
ASSURER_EMAIL = "assurer@bench-assurer.example"
PARTICIPANT_EMAIL = "participant@bench-participant-001.example"
#: The group whose next meeting's pack is measured.
PACK_GROUP = "TMAG"
#: Days between two meetings of a group.
MEETING_EVERY = 24


@dataclass(frozen=True)
class Profile:
    name: str
    participants: int
    raid: int
    actions: int
    groups: int
    meetings: int
    milestones: int
    baselines: int
    crs: int
    questions: int


PROFILES = {
    "full": Profile(
        "full",
        participants=500,
        raid=5000,
        actions=20_000,
        groups=6,
        meetings=300,
        milestones=30,
        baselines=3,
        crs=40,
        questions=20,
    ),
    # A tenth of the bulk, and fewer of everything else too (groups, milestones, baselines, CRs,
    # questions), so that a query per group, milestone, baseline or CR shows as a different count.
    "small": Profile(
        "small",
        participants=50,
        raid=500,
        actions=2000,
        groups=3,
        meetings=30,
        milestones=12,
        baselines=2,
        crs=8,
        questions=10,
    ),
}

#: code, name, kind, parent code (full profile: all six; small: PSG, TMAG, MWG).
GROUPS = [
    ("PSG", "Programme Steering Group", "steering", None),
    ("TMAG", "Testing and Migration Advisory Group", "advisory", None),
    ("MWG", "Migration Working Group", "working", "TMAG"),
    ("DAG", "Design Advisory Group", "advisory", None),
    ("CCAG", "Cross Code Advisory Group", "advisory", None),
    ("QWG", "Qualification Working Group", "working", "TMAG"),
]
SMALL_GROUPS = ("PSG", "TMAG", "MWG")

PHASES = [
    ("design", "Design"),
    ("build", "Build"),
    ("sit", "Systems integration testing"),
    ("qualification", "Qualification"),
    ("migration", "Migration"),
    ("hypercare", "Hypercare"),
]

CONSTITUENCIES = [
    ("Large supplier", "energy_supplier"),
    ("Medium supplier", "energy_supplier"),
    ("Small supplier", "energy_supplier"),
    ("Supplier agent", "supplier_agent"),
    ("Independent agent", "supplier_agent"),
    ("DNO", "dno"),
    ("Code body", "code_body"),
]

RISK_TITLES = [
    "SIT environment {n} may not be available for cohort {c}",
    "Participant build of interface IF-{n:03d} may slip past M{m}",
    "Test data for {theme} may be incomplete at cohort {c} entry",
    "Key {theme} resources may leave before go-live",
    "Defect backlog on IF-{n:03d} may delay the exit of SIT",
    "Migration rehearsal {c} may overrun its window",
    "Late design change to IF-{n:03d} may need re-testing",
]
ISSUE_TITLES = [
    "Cohort {c} test window shortened by {n} days",
    "IF-{n:03d} message schema rejected by the DIP",
    "{theme}: resource shortfall in the SI test team",
    "Environment outage delayed cohort {c} testing",
    "Regression pack for IF-{n:03d} incomplete",
]
ASSUMPTION_TITLES = [
    "Participants complete PIT before entering SIT cohort {c}",
    "The DIP is stable from M{m}",
    "Code changes for {theme} approved before M{m}",
    "Cohort {c} participants keep their test slots",
]
DEPENDENCY_TITLES = [
    "REC change R{n:04d} for the new settlement timetable",
    "SEC modification MP{n:03d} approved before M{m}",
    "BSC change P{n:03d} implemented for migration",
    "Central registration service release {c}.{n} delivered",
]
ACTION_TEXTS = [
    "Share the updated migration plan for cohort {c} with members",
    "Confirm the test data sheet for IF-{n:03d}",
    "Publish the SIT exit report draft for review",
    "Circulate the revised {theme} approach for comment",
    "Set up a session on IF-{n:03d} defects with the SI",
    "Provide a view of resourcing against the plan to M{m}",
    "Update the RAID log with the risks raised in the meeting",
    "Report on cohort {c} readiness at the next meeting",
]
UPDATE_TEXTS = [
    "Draft circulated to members; comments due next week",
    "Discussed at the working group; closure recommended",
    "In progress: awaiting input from two participants",
    "Done: published on the programme portal",
    "Ratified closed at the meeting",
]
QUESTION_TEXTS = [
    ("Design", "Is your design complete against the baselined design?", "yes_no"),
    ("Build", "How confident are you of completing build by M{m}?", "rag"),
    ("Testing", "When will you complete PIT?", "date"),
    ("Testing", "Summarise your PIT exit position", "text"),
    ("Resources", "Are your test resources in place for SIT?", "rag"),
    ("Migration", "Is your migration approach signed off internally?", "yes_no"),
]


def setup_django(*, postgres_only: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ.setdefault("BUSBAR_DATA_DIR", str(Path(tempfile.gettempdir()) / "busbar_bench_programmes_var"))
    if not os.environ.get("SECRET_KEY"):
        # In-process only unless run.py starts a server (it then passes the same value): any long value.
        os.environ["SECRET_KEY"] = "bench-" + os.urandom(24).hex()
    if postgres_only and not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to the benchmark PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/busbar_bench_programmes"
        )
    import django

    django.setup()


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON).astimezone(dt.UTC)


def _weekday(day: dt.date) -> dt.date:
    """The day, or the Monday after if it falls on a weekend."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _person(org, email: str, name: str):
    from busbar.lib.actions import Actor
    from busbar.parties import actions as party_actions
    from busbar.parties.models import MembershipRole

    return party_actions.add_member(
        actor=Actor.system(), organisation=org, email=email, full_name=name, role=MembershipRole.PARTICIPANT
    ).user


def _org(name: str, role: str):
    from busbar.lib.actions import Actor
    from busbar.parties import actions as party_actions

    return party_actions.create_organisation(actor=Actor.system(), name=name, roles=[role])


def build(profile: Profile, rng: random.Random, out=sys.stdout) -> dict:
    """Write the whole programme (see the module docstring) in one transaction; returns row counts."""
    from django.db import transaction

    from busbar.testing.models import Programme

    if Programme.objects.filter(code=PROGRAMME).exists():
        sys.exit(f"Programme {PROGRAMME!r} exists already: load into a fresh database (see README.md)")
    with transaction.atomic():
        return _build(profile, rng, out)


def _build(profile: Profile, rng: random.Random, out) -> dict:
    from django.utils import timezone

    from busbar.parties.models import Organisation, OrganisationRole
    from busbar.programmes import models as m
    from busbar.records import registry
    from busbar.records.models import Record, Sequence
    from busbar.testing.models import Programme, ProgrammeFunction, ProgrammeParty

    today = timezone.localdate()
    now = timezone.now()
    start = today - dt.timedelta(days=MEETING_EVERY * (profile.meetings // profile.groups - 2))
    B = 2000  # bulk_create batch size

    # -- organisations, people, the programme and its functions ---------------------------------------
    pmo = _org("Bench Programme Office", "programme_office")
    assurer = _org("Bench Independent Assurance", "programme_office")
    si = _org("Bench Systems Integrator", "systems_integrator")
    da = _org("Bench Design Authority", "design_authority")
    parts = Organisation.objects.bulk_create(
        Organisation(name=f"Bench Participant {i:03d}", slug=f"bench-participant-{i:03d}")
        for i in range(1, profile.participants + 1)
    )
    constituency = {p.pk: CONSTITUENCIES[i % len(CONSTITUENCIES)] for i, p in enumerate(parts)}
    OrganisationRole.objects.bulk_create(
        OrganisationRole(organisation=p, role=constituency[p.pk][1]) for p in parts
    )
    mine = parts[0]
    office_user = _person(pmo, OFFICE_EMAIL, "Bench PMO lead")
    _person(assurer, ASSURER_EMAIL, "Bench assurer")
    participant_user = _person(mine, PARTICIPANT_EMAIL, "Bench participant lead")
    programme = Programme.objects.create(code=PROGRAMME, name="Benchmark programme")
    F = ProgrammeFunction
    ProgrammeParty.objects.bulk_create(
        ProgrammeParty(programme=programme, organisation=org, function=function)
        for org, function in (
            (pmo, F.PROGRAMME_MANAGER),
            (pmo, F.BOARD),
            (assurer, F.ASSURER),
            (si, F.SI),
            (da, F.DESIGN_AUTHORITY),
        )
    )
    m.GovernanceSettings.objects.create(
        programme=programme, document_prefix="BENCH-DEL", classification="Public"
    )
    m.Member.objects.bulk_create(
        m.Member(
            programme=programme,
            organisation=p,
            constituency=constituency[p.pk][0],
            joined_on=start - dt.timedelta(days=rng.randint(0, 60)),
        )
        for p in parts
    )

    # -- plan: phases, milestones, tasks, baselines, subsidiary plans ----------------------------------
    end = today + dt.timedelta(days=540)
    span = (end - start).days
    phases = m.PlanPhase.objects.bulk_create(
        m.PlanPhase(
            programme=programme,
            code=code,
            name=name,
            order=i,
            start=start + dt.timedelta(days=span * i // len(PHASES)),
            end=start + dt.timedelta(days=span * (i + 1) // len(PHASES) - 1),
            rag=rng.choice(["green", "green", "amber", "red"]) if i > 1 else "complete",
            rag_reason="" if i <= 1 else "Cohort entry slipping two weeks" if i == 3 else "",
        )
        for i, (code, name) in enumerate(PHASES)
    )
    n_cp = max(2, profile.milestones * 8 // 30)
    codes = [f"M{i}" for i in range(1, profile.milestones - n_cp + 1)]
    cps = iter(f"CP{i}" for i in range(1, n_cp + 1))
    # Control points after every third or fourth milestone.
    ordered: list[tuple[str, str]] = []
    for i, code in enumerate(codes):
        ordered.append((code, "milestone"))
        if i % (len(codes) // n_cp) == len(codes) // n_cp - 1:
            cp = next(cps, None)
            if cp:
                ordered.append((cp, "control_point"))
    ordered += [(cp, "control_point") for cp in cps]
    first_dates: list[dt.date] = []
    milestones = []
    for i, (code, kind) in enumerate(ordered):
        day = _weekday(start + dt.timedelta(days=60 + (span - 90) * i // len(ordered)))
        first_dates.append(day)
        milestones.append(
            m.Milestone(
                programme=programme,
                code=code,
                name=(
                    f"Control point {code[2:]}: end of {PHASES[min(i * 6 // len(ordered), 5)][1]}"
                    if kind == "control_point"
                    else f"{PHASES[min(i * 6 // len(ordered), 5)][1]} milestone {code}"
                ),
                kind=kind,
                phase=phases[min(i * len(phases) // len(ordered), len(phases) - 1)],
                order=i + 1,
                regulatory=kind == "milestone" and i % 5 == 4,
                rationale="" if i % 3 else "Forecast moved after the cohort replan",
                created_at=_aware(start),
                updated_at=now,
            )
        )
    milestones = m.Milestone.objects.bulk_create(milestones)
    # Baselines: 1 is the first dates; each later one moves the milestones after a point by 2-8 weeks.
    baseline_dates = [dict(zip((x.pk for x in milestones), first_dates, strict=True))]
    for _ in range(1, profile.baselines):
        nxt = dict(baseline_dates[-1])
        cut = rng.randint(len(milestones) // 3, len(milestones) - 2)
        shift = dt.timedelta(weeks=rng.randint(2, 8))
        for x in milestones[cut:]:
            nxt[x.pk] = _weekday(nxt[x.pk] + shift)
        baseline_dates.append(nxt)
    current = baseline_dates[-1]
    for i, x in enumerate(milestones):
        x.baseline_date = current[x.pk]
        x.predecessor = milestones[i - 1] if i and i % 7 else None
        slip = rng.choice([0, 0, 0, 5, 10, 20, 40])
        x.forecast_date = _weekday(x.baseline_date + dt.timedelta(days=slip))
        if x.forecast_date < today - dt.timedelta(days=10):
            x.actual_date = x.forecast_date
            x.rag = "complete"
        else:
            x.rag = "green" if slip == 0 else "amber" if slip < 20 else "red"
    # Two forecasts before their predecessor's (the plan warns).
    for x in [x for x in milestones if x.predecessor and not x.actual_date][-4::2]:
        x.forecast_date = x.predecessor.forecast_date - dt.timedelta(days=3)
    m.Milestone.objects.bulk_update(
        milestones, ["baseline_date", "predecessor", "forecast_date", "actual_date", "rag"], batch_size=B
    )
    tasks = []
    for i, x in enumerate(milestones):
        for k in range(3):
            finish = x.baseline_date - dt.timedelta(days=7 * (2 - k))
            begin = finish - dt.timedelta(days=rng.randint(20, 120))
            tasks.append(
                m.Task(
                    programme=programme,
                    ref=str(i * 3 + k + 1),
                    name=f"{x.code}: work package {k + 1}",
                    mode="auto" if k else "manual",
                    phase=x.phase,
                    milestone=x,
                    start=begin,
                    finish=finish,
                    duration_days=max(1, (finish - begin).days * 5 // 7),
                    duration_uncertain=k == 2 and i % 4 == 0,
                    responsible=pmo if k == 0 else si,
                    responsible_label="PMO" if k == 0 else "SI Test",
                    involved_label="PP",
                    order=k,
                )
            )
    m.Task.objects.bulk_create(tasks, batch_size=B)

    # -- groups, meetings, agendas, reports, decisions ------------------------------------------------
    group_specs = [g for g in GROUPS if profile.groups >= 6 or g[0] in SMALL_GROUPS][: profile.groups]
    groups: dict[str, m.Group] = {}
    for code, name, kind, parent in group_specs:
        groups[code] = m.Group.objects.create(
            programme=programme,
            code=code,
            name=name,
            kind=kind,
            parent=groups.get(parent) if parent else None,
            purpose=f"The {name} advises the programme on its area.",
            standing_items="Welcome and introductions\nMinutes and actions review\nProgramme updates",
        )
    members = []
    for g in groups.values():
        size = {"steering": 20, "advisory": 60, "working": 30}[g.kind]
        chosen = rng.sample(parts, min(size, len(parts)))
        if mine not in chosen:
            chosen[0] = mine
        members += [
            m.GroupMember(group=g, organisation=o, role="Chair" if k == 0 else "Member")
            for k, o in enumerate([pmo, *chosen])
        ]
    m.GroupMember.objects.bulk_create(members, batch_size=B)
    per_group = profile.meetings // len(groups)
    meetings: list[m.Meeting] = []
    for gi, g in enumerate(groups.values()):
        for n in range(1, per_group + 1):
            day = _weekday(start + dt.timedelta(days=(n - 1) * MEETING_EVERY + gi * 3))
            if n > per_group - 2:
                status = "planned"
            elif n == per_group - 2:
                status = "held"
            else:
                status = "minutes_approved"
            meetings.append(
                m.Meeting(
                    group=g,
                    number=n,
                    extraordinary=n % 15 == 7,
                    date=day,
                    start_time=dt.time(10, 0),
                    location="Teams",
                    status=status,
                    document_ref=f"BENCH-DEL{gi * 100 + n:03d}",
                    minutes="" if status == "planned" else f"Minutes of {g.code} #{n}.",
                    created_at=_aware(day - dt.timedelta(days=14)),
                )
            )
    meetings = m.Meeting.objects.bulk_create(meetings, batch_size=B)
    by_group: dict[int, list[m.Meeting]] = {}
    for mt in meetings:
        by_group.setdefault(mt.group_id, []).append(mt)
    for series in by_group.values():
        for a, b in zip(series, series[1:], strict=False):
            if a.status == "minutes_approved":
                a.minutes_approved_at = b
    m.Meeting.objects.bulk_update(meetings, ["minutes_approved_at"], batch_size=B)
    agenda = []
    for mt in meetings:
        for pos, (title, kind, minutes) in enumerate(
            [
                ("Welcome and introductions", "information", 5),
                ("Minutes and actions review", "decision", 15),
                ("Programme updates", "information", 15),
                ("RAID review", "discussion", 20),
                ("Approach document for approval", "decision", 30),
                ("Any other business", "discussion", 5),
            ],
            start=1,
        ):
            agenda.append(
                m.AgendaItem(
                    meeting=mt,
                    position=pos,
                    title=title,
                    objective=f"{title} for {mt.group_id}",
                    type=kind,
                    lead="Programme",
                    duration_minutes=minutes,
                    standing=pos <= 3,
                    notes="" if mt.status == "planned" else "Noted.",
                )
            )
    agenda = m.AgendaItem.objects.bulk_create(agenda, batch_size=B)
    reports = []
    for g in groups.values():
        children = [c for c in groups.values() if c.parent_id == g.pk]
        for mt in by_group[g.pk] if children else []:
            if mt.date < today - dt.timedelta(days=365):
                continue
            reports += [
                m.WorkingGroupReport(
                    meeting=mt,
                    group=c,
                    upcoming_deliverables=f"{c.code}: approach v{mt.number % 5 + 1}.0 for approval",
                    last_meeting_summary=f"{c.code} met and reviewed its actions.",
                    escalations="" if mt.number % 4 else f"{c.code} escalates a resourcing risk",
                )
                for c in children
            ]
    m.WorkingGroupReport.objects.bulk_create(reports, batch_size=B)

    # -- RAID -------------------------------------------------------------------------------------------
    raid_type = registry.get("raid_item")
    first = (Sequence.objects.filter(prefix=raid_type.prefix).values_list("last", flat=True).first()) or 0
    kinds = rng.choices(
        ["risk", "issue", "assumption", "dependency"], [0.45, 0.25, 0.15, 0.15], k=profile.raid
    )
    themes = list(m.THEMES)
    open_ms = [x for x in milestones if not x.actual_date] or milestones
    records = Record.objects.bulk_create(
        [
            Record(
                kind="raid_item",
                reference=raid_type.reference(first + n),
                created_at=_aware(start + dt.timedelta(days=(n - 1) * span // 2 // profile.raid)),
            )
            for n in range(1, profile.raid + 1)
        ],
        batch_size=B,
    )
    Sequence.objects.update_or_create(prefix=raid_type.prefix, defaults={"last": first + profile.raid})
    items = []
    for n, (kind, record) in enumerate(zip(kinds, records, strict=True), start=1):
        raised = record.created_at.astimezone(LONDON).date()
        theme = rng.choice(themes)
        fmt = {
            "n": rng.randint(1, 120),
            "c": rng.randint(1, 12),
            "m": rng.randint(5, 16),
            "theme": theme,
        }
        title = {
            "risk": RISK_TITLES,
            "issue": ISSUE_TITLES,
            "assumption": ASSUMPTION_TITLES,
            "dependency": DEPENDENCY_TITLES,
        }[kind]
        roll = rng.random()
        if n % 100 == 1:
            owner, public = mine, n % 200 == 1  # the measured participant: half of its items private
        elif roll < 0.30:
            owner, public = pmo, rng.random() < 0.5
        else:
            owner, public = rng.choice(parts), rng.random() < 0.5
        status = "open" if rng.random() < 0.58 or raised > today - dt.timedelta(days=60) else "closed"
        scored = kind in ("risk", "issue")
        likelihood = rng.randint(1, 5) if scored else None
        impact = rng.randint(1, 5) if scored else None
        item = m.RaidItem(
            record=record,
            reference=record.reference,
            programme=programme,
            number=n,
            kind=kind,
            title=rng.choice(title).format(**fmt),
            description=(
                f"Raised at the {theme} review. The programme and the participants concerned are "
                f"working on it; see the activities and the linked actions."
            ),
            theme=theme,
            phase=rng.choice(phases),
            activities="Weekly check-in with the owner; plan to be confirmed at the next TMAG.",
            impact_text="Delay to the cohort's test window" if scored else "",
            impact_level=rng.choice(["high", "medium", "low"]) if scored else "",
            uncertainty=rng.choice(["high", "medium", "low"]) if kind == "assumption" else "",
            manageable=rng.choice(["yes", "not_yet", "in_process", "yes_si"]) if kind == "dependency" else "",
            impacting_milestone=rng.choice(milestones) if kind == "dependency" else None,
            impacted_milestone=rng.choice(open_ms) if kind == "dependency" else None,
            external_ref=f"REC CP R{fmt['n']:04d}" if kind == "dependency" else "",
            likelihood=likelihood,
            impact_score=impact,
            exposure=(likelihood or 0) * (impact or 0),
            rag=rng.choice(["red", "amber", "amber", "green", "green"]),
            owner_organisation=owner,
            owner_label="Programme (PMO/PPC)" if owner == pmo else "",
            owner_user=office_user if owner == pmo and n % 3 == 0 else None,
            is_public=public,
            status=status,
            raised_on=raised,
            closed_on=(
                min(today, raised + dt.timedelta(days=rng.randint(14, 200))) if status == "closed" else None
            ),
            closure_reason="Mitigated; agreed at TMAG" if status == "closed" else "",
            created_at=record.created_at,
            updated_at=record.created_at + dt.timedelta(days=rng.randint(0, 60)),
        )
        items.append(item)
    items = m.RaidItem.objects.bulk_create(items, batch_size=B)
    # 5 % of the risks became issues: the risk "converted", a later issue's converted_from.
    risks = [x for x in items if x.kind == "risk"]
    issues = [x for x in items if x.kind == "issue" and x.converted_from_id is None]
    converted = []
    for risk in rng.sample(risks, len(risks) // 20):
        later = next((x for x in issues if x.number > risk.number), None)
        if later is None:
            continue
        issues.remove(later)
        risk.status, risk.closed_on = "converted", later.raised_on
        later.converted_from = risk
        converted += [risk, later]
    m.RaidItem.objects.bulk_update(converted, ["status", "closed_on", "converted_from"], batch_size=B)

    # -- actions ------------------------------------------------------------------------------------------
    held = [mt for mt in meetings if mt.status != "planned"]
    counts = [profile.actions // len(held)] * len(held)
    for k in rng.sample(range(len(held)), profile.actions - sum(counts)):
        counts[k] += 1
    later_meetings = {mt.pk: [x for x in by_group[mt.group_id] if x.number > mt.number] for mt in held}
    actions = []
    for mt, count in zip(held, counts, strict=True):
        age = (today - mt.date).days
        closed_share = 0.95 if age > 180 else 0.6 if age > 60 else 0.1
        for seq in range(1, count + 1):
            roll = rng.random()
            if roll < 0.4:
                owner, label = pmo, "Programme (PMO/PPC)"
            elif roll < 0.95:
                owner, label = (mine if rng.random() < 0.01 else rng.choice(parts)), ""
            else:
                owner, label = None, f"{mt.group.code} members"
            fmt = {"n": rng.randint(1, 120), "c": rng.randint(1, 12), "m": rng.randint(5, 16)}
            fmt["theme"] = rng.choice(themes)
            a = m.Action(
                programme=programme,
                group_id=mt.group_id,
                meeting=mt,
                sequence=seq,
                reference=f"{mt.group.code}{mt.number:02d}-{seq:02d}",
                raised_on=mt.date,
                description=rng.choice(ACTION_TEXTS).format(**fmt),
                owner_organisation=owner,
                owner_label=label,
                due_date=mt.date + dt.timedelta(days=rng.choice([14, 21, 28, 42, 60])),
                updated_at=_aware(mt.date),
            )
            ratifying = [x for x in later_meetings[mt.pk] if x.status != "planned"]
            if ratifying and rng.random() < closed_share:
                at = ratifying[min(len(ratifying) - 1, rng.randint(0, 3))]
                a.status, a.closed_at_meeting, a.closed_on = "closed", at, at.date
                a.latest_update = "Ratified closed at the meeting"
                a.recommended_at = _aware(at.date - dt.timedelta(days=5))
                a.updated_at = _aware(at.date)
            else:
                a.status = rng.choice(["open", "open", "ongoing", "ongoing", "recommend_closed"])
                if a.status != "open":
                    a.latest_update = rng.choice(UPDATE_TEXTS[:3])
                    a.updated_at = _aware(min(today, mt.date + dt.timedelta(days=10)))
                if a.status == "recommend_closed":
                    a.recommended_at = a.updated_at
            actions.append(a)
    actions = m.Action.objects.bulk_create(actions, batch_size=B)
    m.ActionUpdate.objects.bulk_create(
        (
            m.ActionUpdate(
                action=a,
                at=a.updated_at,
                author=office_user,
                author_label="Bench PMO lead",
                text=a.latest_update,
                status_from="open",
                status_to=a.status,
                meeting=a.closed_at_meeting,
            )
            for a in actions
            if a.status != "open"
        ),
        batch_size=B,
    )
    Through = m.Action.raid_items.through
    Through.objects.bulk_create(
        (Through(action_id=a.pk, raiditem_id=rng.choice(items).pk) for a in actions if rng.random() < 0.05),
        batch_size=B,
    )
    People = m.Action.owner_people.through
    People.objects.bulk_create(
        (
            People(action_id=a.pk, user_id=participant_user.pk)
            for a in actions
            if a.owner_organisation_id == mine.pk
        ),
        batch_size=B,
    )

    # -- change requests, baselines 2…, decisions --------------------------------------------------------
    cr_type = registry.get("programme_cr")
    first = (Sequence.objects.filter(prefix=cr_type.prefix).values_list("last", flat=True).first()) or 0
    approved = profile.baselines - 1
    rest = ["rejected", "withdrawn", "draft", "impact_assessment", "review", "on_hold", "impact_assessment"]
    statuses = ["approved"] * approved + [rest[i % len(rest)] for i in range(profile.crs - approved)]
    cr_records = Record.objects.bulk_create(
        [
            Record(
                kind="programme_cr",
                reference=cr_type.reference(first + n),
                created_at=_aware(start + dt.timedelta(days=30 + (n - 1) * (span // 2) // profile.crs)),
            )
            for n in range(1, profile.crs + 1)
        ]
    )
    Sequence.objects.update_or_create(prefix=cr_type.prefix, defaults={"last": first + profile.crs})
    crs = []
    for n, (status, record) in enumerate(zip(statuses, cr_records, strict=True), start=1):
        raised = record.created_at.astimezone(LONDON).date()
        issued = raised + dt.timedelta(days=7) if status != "draft" else None
        rounds = 0 if issued is None else 2 if n % 4 == 0 else 1
        if status == "withdrawn" and n % 2:
            rounds, issued = 0, None
        crs.append(
            m.ChangeRequest(
                record=record,
                reference=record.reference,
                programme=programme,
                number=n,
                title=f"Move the milestones after M{rng.randint(5, 16)} by {rng.randint(2, 8)} weeks",
                description="The participants need more time to complete their build and testing.",
                reason="Cohort entry slipped",
                criticality=rng.choice(["high", "medium", "low"]),
                raised_by=pmo if n % 3 else rng.choice(parts),
                status=status,
                round=rounds,
                issued_on=issued,
                ia_deadline=issued + dt.timedelta(days=14) if issued else None,
                assurance_deadline=issued + dt.timedelta(days=21) if issued else None,
                needed_by=raised + dt.timedelta(days=60),
                decided_on=(
                    raised + dt.timedelta(days=rng.randint(30, 75))
                    if status in ("approved", "rejected")
                    else None
                ),
                decision_note="Agreed at PSG" if status in ("approved", "rejected") else "",
                created_at=record.created_at,
                updated_at=record.created_at,
            )
        )
    crs = m.ChangeRequest.objects.bulk_create(crs)
    changes = []
    for cr in crs:
        for x in rng.sample(milestones[len(milestones) // 3 :], rng.randint(1, 3)):
            changes.append(
                m.MilestoneChange(
                    change_request=cr,
                    milestone=x,
                    proposed_date=_weekday(x.baseline_date + dt.timedelta(weeks=rng.randint(2, 8))),
                    previous_date=x.baseline_date if cr.status == "approved" else None,
                )
            )
    m.MilestoneChange.objects.bulk_create(changes, batch_size=B)
    responses = []
    for cr in crs:
        for rnd in range(1, cr.round + 1):
            for p in rng.sample(parts, int(len(parts) * rng.uniform(0.3, 0.7))):
                late = rng.random() < 0.1
                responses.append(
                    m.ImpactResponse(
                        change_request=cr,
                        round=rnd,
                        organisation=p,
                        impact=rng.choice(["none", "low", "medium", "high"]),
                        position=rng.choice(["support", "support", "neutral", "oppose"]),
                        response="We have assessed the change against our plan.",
                        cost_or_effort="" if rng.random() < 0.7 else "20 person-days",
                        submitted_at=_aware(cr.ia_deadline + dt.timedelta(days=2 if late else -3)),
                        late=late,
                    )
                )
    m.ImpactResponse.objects.bulk_create(responses, batch_size=B)
    baselines = [
        m.Baseline(
            programme=programme,
            number=1,
            label="Programme re-plan",
            approved_at=_aware(start + dt.timedelta(days=20)),
            approved_by=office_user,
        )
    ]
    approved_crs = [cr for cr in crs if cr.status == "approved"]
    for k, cr in enumerate(approved_crs, start=2):
        baselines.append(
            m.Baseline(
                programme=programme,
                number=k,
                label=f"{cr.display_ref} {cr.title}",
                change_request=cr,
                approved_at=_aware(cr.decided_on),
                approved_by=office_user,
            )
        )
    baselines = m.Baseline.objects.bulk_create(baselines)
    m.BaselineDate.objects.bulk_create(
        (
            m.BaselineDate(baseline=b, milestone_id=mid, date=day)
            for b, dates in zip(baselines, baseline_dates, strict=True)
            for mid, day in dates.items()
        ),
        batch_size=B,
    )
    decision_items = {x.meeting_id: x for x in agenda if x.position == 5}
    decisions = []
    for mt in held:
        if rng.random() < 0.8:
            decisions.append(
                m.Decision(
                    programme=programme,
                    number=0,
                    meeting=mt,
                    agenda_item=decision_items[mt.pk],
                    title=f"{rng.choice(themes)} approach",
                    outcome=rng.choice(["approved", "approved", "approved_with_conditions", "deferred"]),
                    decided_on=mt.date,
                    decided_by=mt.group.code,
                    document_title=f"{rng.choice(themes)} approach",
                    document_version=f"{rng.randint(0, 2)}.{rng.randint(1, 9)}",
                    recorded_by=office_user,
                    created_at=_aware(mt.date),
                )
            )
    for cr in crs:
        if cr.decided_on:
            decisions.append(
                m.Decision(
                    programme=programme,
                    number=0,
                    title=cr.title,
                    outcome="approved" if cr.status == "approved" else "rejected",
                    decided_on=cr.decided_on,
                    decided_by="PSG",
                    change_request=cr,
                    recorded_by=office_user,
                    created_at=_aware(cr.decided_on),
                )
            )
    decisions.sort(key=lambda d: d.decided_on)
    for n, d in enumerate(decisions, start=1):
        d.number = n
    decisions = m.Decision.objects.bulk_create(decisions, batch_size=B)
    m.DecisionCondition.objects.bulk_create(
        (
            m.DecisionCondition(
                decision=d,
                text="Participants confirm their plans by the next meeting",
                owner_organisation=pmo,
                due_date=d.decided_on + dt.timedelta(days=30),
                status="met" if d.decided_on < today - dt.timedelta(days=60) else "open",
            )
            for d in decisions
            if d.outcome == "approved_with_conditions"
        ),
        batch_size=B,
    )

    # -- subsidiary plans ------------------------------------------------------------------------------
    plans = m.SubsidiaryPlan.objects.bulk_create(
        m.SubsidiaryPlan(programme=programme, organisation=p, name=f"{p.name} plan", updated_at=now)
        for i, p in enumerate(parts)
        if i % 5 != 4
    )
    later = milestones[len(milestones) // 2 :]
    party = []
    for plan in plans:
        for k, x in enumerate(rng.sample(later, min(3, len(later)))):
            planned = x.baseline_date - dt.timedelta(days=rng.randint(5, 40))
            slip = rng.random() < 0.2
            party.append(
                m.PartyMilestone(
                    plan=plan,
                    name=f"Ready for {x.code}",
                    programme_milestone=x,
                    planned_date=planned,
                    forecast_date=planned + dt.timedelta(days=rng.randint(30, 60)) if slip else planned,
                    rag="red" if slip else "green",
                    order=k,
                )
            )
    m.PartyMilestone.objects.bulk_create(party, batch_size=B)

    # -- readiness assessment --------------------------------------------------------------------------
    assessment = m.Assessment.objects.create(
        programme=programme,
        code="RA1",
        name="Design & Build Checkpoint 1",
        description="Readiness to enter SIT.",
        opens_on=today - dt.timedelta(days=20),
        closes_on=today + dt.timedelta(days=10),
        status="open",
        milestone=open_ms[0],
    )
    questions = m.Question.objects.bulk_create(
        m.Question(
            assessment=assessment,
            number=q,
            area=QUESTION_TEXTS[(q - 1) % len(QUESTION_TEXTS)][0],
            text=QUESTION_TEXTS[(q - 1) % len(QUESTION_TEXTS)][1].format(m=rng.randint(5, 16)) + f" (Q{q})",
            answer_kind=QUESTION_TEXTS[(q - 1) % len(QUESTION_TEXTS)][2],
            evidence_required=q % 7 == 0,
        )
        for q in range(1, profile.questions + 1)
    )
    submitted = {
        p.pk: _aware(today - dt.timedelta(days=rng.randint(1, 15))) for p in parts if rng.random() < 0.85
    }
    ra_responses = m.AssessmentResponse.objects.bulk_create(
        (
            m.AssessmentResponse(
                assessment=assessment,
                organisation=p,
                status="submitted" if p.pk in submitted else "draft",
                submitted_at=submitted.get(p.pk),
                overall_rag=rng.choice(["green", "amber", "red"]) if p.pk in submitted else "",
                updated_at=now,
            )
            for p in parts
        ),
        batch_size=B,
    )
    values = {
        "yes_no": ["yes", "yes", "no"],
        "rag": ["green", "amber", "red"],
        "date": [(today + dt.timedelta(days=d)).isoformat() for d in (10, 30, 60)],
        "text": ["On track", "Two defects open", "Complete"],
    }
    answers = []
    for r in ra_responses:
        for q in questions:
            scored = r.status == "submitted" and rng.random() < 0.67
            answers.append(
                m.Answer(
                    response=r,
                    question=q,
                    value=rng.choice(values[q.answer_kind]),
                    comment="" if rng.random() < 0.7 else "See our evidence pack.",
                    score_rag=rng.choice(["green", "green", "amber", "red"]) if scored else "",
                    score_note="Checked" if scored else "",
                    scored_at=now if scored else None,
                    updated_at=now,
                )
            )
    m.Answer.objects.bulk_create(answers, batch_size=B)
    m.Chase.objects.bulk_create(
        m.Chase(assessment=assessment, organisation_id=r.organisation_id, at=now, by=office_user)
        for r in ra_responses
        if r.status == "draft"
    )
    counts = {
        "participants (Member)": len(parts),
        "RAID items": len(items),
        "meetings": len(meetings),
        "actions": len(actions),
        "decisions": len(decisions),
        "milestones": len(milestones),
        "baselines": len(baselines),
        "change requests": len(crs),
        "impact responses": len(responses),
        "readiness answers": len(answers),
    }
    out.write("loaded: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + "\n")
    return counts


def verify(profile: Profile) -> None:
    """The loaded rows are what the profile asked for and consistent with each other (exits if not)."""
    from django.db.models import Count, F, Max

    from busbar.programmes import models as m
    from busbar.records.models import Record, Sequence
    from busbar.testing.models import Programme

    programme = Programme.objects.get(code=PROGRAMME)
    problems = []

    def expect(what: str, got, want) -> None:
        if got != want:
            problems.append(f"{what}: {got} (expected {want})")

    expect("members", m.Member.objects.filter(programme=programme).count(), profile.participants)
    expect("RAID items", m.RaidItem.objects.filter(programme=programme).count(), profile.raid)
    expect("actions", m.Action.objects.filter(programme=programme).count(), profile.actions)
    expect("meetings", m.Meeting.objects.filter(group__programme=programme).count(), profile.meetings)
    expect("groups", m.Group.objects.filter(programme=programme).count(), profile.groups)
    expect("milestones", m.Milestone.objects.filter(programme=programme).count(), profile.milestones)
    expect("baselines", m.Baseline.objects.filter(programme=programme).count(), profile.baselines)
    expect("change requests", m.ChangeRequest.objects.filter(programme=programme).count(), profile.crs)
    expect(
        "readiness answers",
        m.Answer.objects.filter(response__assessment__programme=programme).count(),
        profile.participants * profile.questions,
    )
    for kind, prefix, model in (("raid_item", "RAID", m.RaidItem), ("programme_cr", "PCR", m.ChangeRequest)):
        refs = Record.objects.filter(kind=kind).order_by("-reference").values_list("reference", flat=True)
        top = refs.first()
        last = Sequence.objects.get(prefix=prefix).last
        expect(f"{prefix} sequence", last, int(top[len(prefix) :]))
        expect(f"{prefix} references", model.objects.exclude(reference=F("record__reference")).count(), 0)
    dup = (
        m.Action.objects.values("meeting").annotate(n=Count("id"), top=Max("sequence")).exclude(top=F("n"))
    ).count()
    expect("action sequences 1..n per meeting", dup, 0)
    expect(
        "closed actions without a ratifying meeting",
        m.Action.objects.filter(status="closed", closed_at_meeting__isnull=True).count(),
        0,
    )
    if problems:
        sys.exit("verification failed:\n  " + "\n  ".join(problems))
    print("verified: counts, kernel references and sequences, action numbering")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--sqlite", action="store_true", help="allow a SQLite DATABASE_URL (a trial)")
    args = parser.parse_args(argv)
    setup_django(postgres_only=not args.sqlite)
    from django.db import connection

    profile = PROFILES[args.profile]
    started = time.perf_counter()
    build(profile, random.Random(args.seed))
    loaded = time.perf_counter()
    verify(profile)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"{args.profile}: loaded in {loaded - started:.1f} s, then verified and analysed "
          f"({time.perf_counter() - loaded:.1f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
