"""The programme the testing benchmark measures: Django set-up and the programme's set-up rows.

Part of the testing benchmark (see load.py and README.md). It writes the set-up through the ORM
(``bulk_create``), so it also works on SQLite (junit.py builds a fresh SQLite database with it); the
organisations and people are made with the parties actions (``Actor.system()``), as the demo does.

What ``build`` makes (``Profile`` says how many):

* organisations created for the run: the systems integrator (SI), an assurer, a programme office (programme
  manager and board), a design authority, and the participants — ``cohorts`` cohorts of 10 (4 suppliers,
  2 advanced agents, 2 unmetered agents, 1 registration service, 1 DTN: the MHHS minimum viable cohort plus
  two suppliers, TA-13);
* the people measured: the SI's test manager and the test lead of the first supplier of cohort 1;
* the programme ``bench`` with five participant roles, one environment (SIT-A), one phase
  ``sit-functional`` (SIT Functional, in progress, started 20 weeks before this week's Monday), its
  cohorts, participations (entered, cohort by cohort over the first weeks), supplier–agent pairings;
* ``requirements`` requirements across interfaces IF-001…, ``scenarios`` scenarios (code ``SIT-F-0001``…,
  each on one interface, traced to 1–3 of its requirements, 90 % mandatory, 60 % for every role and the
  rest for one role) each with script v1 (3–6 steps);
* a glide plan (one cumulative point per week) and an exit gate with three automatic criteria and one
  manual one.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
WEEKS = 20
PROGRAMME = "bench"
PHASE = "sit-functional"
SI_EMAIL = "testmanager@bench-si.example"
PARTICIPANT_EMAIL = "testlead@bench-supplier-001.example"

#: (role code, label, per cohort, min per cohort, mandatory participant, industry role of its organisations,
#: share of the single-role scenarios)
ROLES = [
    ("supplier", "Supplier", 4, 2, False, "energy_supplier", 0.40),
    ("advanced-agent", "Advanced agent", 2, 2, False, "supplier_agent", 0.20),
    ("um-agent", "Unmetered agent", 2, 2, False, "supplier_agent", 0.15),
    ("registration", "Registration service", 1, 1, True, "mprs", 0.15),
    ("dtn", "Data transfer network", 1, 1, True, "code_body", 0.10),
]
PER_COHORT = sum(r[2] for r in ROLES)


@dataclass(frozen=True)
class Profile:
    name: str
    cohorts: int
    scenarios: int
    executions: int
    issues: int

    @property
    def participants(self) -> int:
        return self.cohorts * PER_COHORT

    @property
    def interfaces(self) -> int:
        return max(5, self.scenarios // 33)

    @property
    def requirements(self) -> int:
        return self.interfaces * 10


PROFILES = {
    "full": Profile("full", cohorts=20, scenarios=2000, executions=500_000, issues=20_000),
    "small": Profile("small", cohorts=2, scenarios=200, executions=50_000, issues=2_000),
}


def setup_django(*, postgres_only: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ.setdefault("BUSBAR_DATA_DIR", str(Path(tempfile.gettempdir()) / "busbar_bench_testing_var"))
    if not os.environ.get("SECRET_KEY"):
        # In-process only (no cookie ever leaves this process): any long value will do.
        os.environ["SECRET_KEY"] = "bench-" + os.urandom(24).hex()
    if postgres_only and not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to the benchmark PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/busbar_bench_testing"
        )
    import django

    django.setup()


def week_zero(today: dt.date | None = None) -> dt.date:
    """The Monday the phase started: 20 weeks before this week's Monday (Europe/London), so the 20 weeks
    of executions end last Sunday."""
    today = today or dt.datetime.now(LONDON).date()
    return today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=WEEKS)


@dataclass
class Member:
    """One participation, as the generator needs it."""

    id: int
    organisation_id: int
    role: str
    cohort_index: int
    entry_week: int


@dataclass
class World:
    profile: Profile
    programme_id: int
    phase_id: int
    environment_id: int
    si_org_id: int
    si_user_id: int
    participant_user_id: int
    week0: dt.date
    members: list[Member] = field(default_factory=list)
    cohort_ids: list[int] = field(default_factory=list)
    #: scenario id -> (code, interface, mandatory, role code or None, script v1 id)
    scenarios: dict[int, tuple[str, str, bool, str | None, int]] = field(default_factory=dict)

    def applicable(self, role: str, rng: random.Random) -> list[int]:
        """The scenarios a participant of ``role`` runs, in plan order: its mandatory ones, and about half
        of its voluntary ones."""
        out = []
        for sid, (_code, _if, mandatory, for_role, _v) in self.scenarios.items():
            if for_role not in (None, role):
                continue
            if mandatory or rng.random() < 0.5:
                out.append(sid)
        return out


STEP_ACTIONS = [
    "Send the {interface} message from the sender's test harness",
    "Check the DIP acknowledges the {interface} message",
    "Confirm the recipient receives the {interface} message within 5 minutes",
    "Validate the message against the {interface} schema",
    "Check the recipient's system updates the MPAN's registration data",
    "Send the response message and check the sender receives it",
]
STEP_EXPECTED = [
    "The DIP accepts the message (HTTP 202)",
    "An acknowledgement arrives with the same message id",
    "The message is in the recipient's inbound queue",
    "No schema errors are reported",
    "The change is visible on the recipient's enquiry service",
    "The response matches the test data sheet",
]
TITLES = [
    "Supplier sends a registration update",
    "Agent sends half-hourly consumption",
    "Registration service notifies the appointment",
    "Supplier requests a change of agent",
    "Agent rejects an invalid appointment",
    "Registration service publishes the daily snapshot",
    "Supplier cancels a pending registration",
    "DTN routes a message to the new agent",
    "Agent sends a meter technical details update",
    "Supplier handles a late objection",
]


def _org(name: str, role: str):
    from busbar.lib.actions import Actor
    from busbar.parties import actions as party_actions

    return party_actions.create_organisation(actor=Actor.system(), name=name, roles=[role])


def _person(org, email: str, name: str):
    from busbar.lib.actions import Actor
    from busbar.parties import actions as party_actions
    from busbar.parties.models import MembershipRole

    return party_actions.add_member(
        actor=Actor.system(), organisation=org, email=email, full_name=name, role=MembershipRole.PARTICIPANT
    ).user


def build(profile: Profile, rng: random.Random, out=sys.stdout) -> World:
    """Create the programme's set-up (see the module docstring); refuses to run twice on one database."""
    from busbar.testing.models import (
        AutoRule,
        Cohort,
        Criterion,
        EntryStatus,
        Environment,
        Gate,
        GateKind,
        GlidePoint,
        Pairing,
        ParticipantRole,
        Participation,
        Phase,
        PhaseKind,
        PhaseStatus,
        Programme,
        ProgrammeFunction,
        ProgrammeParty,
        Requirement,
        Scenario,
        ScriptVersion,
    )

    if Programme.objects.filter(code=PROGRAMME).exists():
        sys.exit(f"Programme {PROGRAMME!r} exists already: load into a fresh database (see README.md)")
    F = ProgrammeFunction
    si = _org("Bench Systems Integrator", "systems_integrator")
    assurer = _org("Bench Independent Assurance", "programme_office")
    pmo = _org("Bench Programme Office", "programme_office")
    da = _org("Bench Design Authority", "design_authority")
    programme = Programme.objects.create(code=PROGRAMME, name="Benchmark programme")
    ProgrammeParty.objects.bulk_create(
        ProgrammeParty(programme=programme, organisation=org, function=function)
        for org, function in (
            (si, F.SI),
            (assurer, F.ASSURER),
            (pmo, F.PROGRAMME_MANAGER),
            (pmo, F.BOARD),
            (da, F.DESIGN_AUTHORITY),
        )
    )
    roles = {
        code: ParticipantRole.objects.create(
            programme=programme,
            code=code,
            label=label,
            min_per_cohort=minimum,
            mandatory=mandatory,
            order=i,
        )
        for i, (code, label, _n, minimum, mandatory, _industry, _share) in enumerate(ROLES, start=1)
    }
    environment = Environment.objects.create(programme=programme, name="SIT-A")
    week0 = week_zero()
    phase = Phase.objects.create(
        programme=programme,
        code=PHASE,
        name="SIT Functional",
        kind=PhaseKind.SIT_FUNCTIONAL,
        planned_start=week0,
        planned_end=week0 + dt.timedelta(weeks=WEEKS + 4, days=-3),
        owner=si,
        status=PhaseStatus.IN_PROGRESS,
        actual_start=week0,
        grace_days=30,
    )
    phase.environments.add(environment)
    cohorts = Cohort.objects.bulk_create(
        Cohort(phase=phase, name=f"Cohort {c + 1}", order=c + 1) for c in range(profile.cohorts)
    )
    members: list[Member] = []
    participations = []
    counters = {code: 0 for code, *_ in ROLES}
    for c in range(profile.cohorts):
        # Cohorts enter one after the other over the first weeks (the last within the grace period).
        entry_week = min(5, c * 6 // max(profile.cohorts, 1))
        for code, label, n, _min, _mandatory, industry, _share in ROLES:
            for _ in range(n):
                counters[code] += 1
                org = _org(f"Bench {label} {counters[code]:03d}", industry)
                participations.append(
                    Participation(
                        phase=phase,
                        organisation=org,
                        role=roles[code],
                        mandatory=roles[code].mandatory,
                        cohort=cohorts[c],
                        status=EntryStatus.ENTERED,
                        entered_on=week0 + dt.timedelta(weeks=entry_week),
                    )
                )
    participations = Participation.objects.bulk_create(participations)
    for p in participations:
        c = p.cohort.order - 1
        members.append(
            Member(
                id=p.pk,
                organisation_id=p.organisation_id,
                role=p.role.code,
                cohort_index=c,
                entry_week=(p.entered_on - week0).days // 7,
            )
        )
    # Supplier-agent pairings inside each cohort (TA-15).
    pairings = []
    for c in range(profile.cohorts):
        in_cohort = [p for p in participations if p.cohort_id == cohorts[c].pk]
        suppliers = [p for p in in_cohort if p.role.code == "supplier"]
        agents = [p for p in in_cohort if p.role.code in ("advanced-agent", "um-agent")]
        for i, s in enumerate(suppliers):
            pairings.append(
                Pairing(phase=phase, supplier=s, agent=agents[i % len(agents)], started_at=_at(week0, 0))
            )
    Pairing.objects.bulk_create(pairings)

    si_user = _person(si, SI_EMAIL, "Bench SI test manager")
    first_supplier = next(
        p for p in participations if p.role.code == "supplier" and p.cohort_id == cohorts[0].pk
    )
    participant_user = _person(first_supplier.organisation, PARTICIPANT_EMAIL, "Bench supplier test lead")

    interfaces = [f"IF-{i:03d}" for i in range(1, profile.interfaces + 1)]
    requirements = Requirement.objects.bulk_create(
        Requirement(
            programme=programme,
            code=f"BR-{interface.replace('-', '')}-{n:02d}",
            title=f"{interface}: business requirement {n}",
            source=f"Interface specification {interface} §{n}",
        )
        for interface in interfaces
        for n in range(1, 11)
    )
    by_interface = {i: requirements[k * 10 : (k + 1) * 10] for k, i in enumerate(interfaces)}
    single_roles = [r[0] for r in ROLES]
    single_weights = [r[6] for r in ROLES]
    specs = []
    for n in range(1, profile.scenarios + 1):
        interface = interfaces[(n - 1) * len(interfaces) // profile.scenarios]
        for_role = None if rng.random() < 0.6 else rng.choices(single_roles, single_weights)[0]
        specs.append((n, interface, rng.random() < 0.9, for_role))
    scenarios = Scenario.objects.bulk_create(
        Scenario(
            phase=phase,
            code=f"SIT-F-{n:04d}",
            title=f"{TITLES[n % len(TITLES)]} ({interface})",
            interface=interface,
            mandatory=mandatory,
            created_at=_at(week0, 0),
        )
        for n, interface, mandatory, _role in specs
    )
    versions = ScriptVersion.objects.bulk_create(
        ScriptVersion(
            scenario=s,
            version=1,
            steps=[
                {
                    "action": STEP_ACTIONS[k].format(interface=s.interface),
                    "expected": STEP_EXPECTED[k],
                }
                for k in range(rng.randint(3, 6))
            ],
            preconditions="Test data sheet loaded; the participant's adapter is connected to SIT-A.",
            created_by=si_user,
            created_at=_at(week0, 0),
        )
        for s in scenarios
    )
    for s, v in zip(scenarios, versions, strict=True):
        s.current_version = v
    Scenario.objects.bulk_update(scenarios, ["current_version"], batch_size=1000)
    Through = Scenario.requirements.through
    Through.objects.bulk_create(
        Through(scenario_id=s.pk, requirement_id=r.pk)
        for s in scenarios
        for r in rng.sample(by_interface[s.interface], rng.randint(1, 3))
    )
    RoleThrough = Scenario.roles.through
    RoleThrough.objects.bulk_create(
        RoleThrough(scenario_id=s.pk, participantrole_id=roles[spec[3]].pk)
        for s, spec in zip(scenarios, specs, strict=True)
        if spec[3]
    )
    world = World(
        profile=profile,
        programme_id=programme.pk,
        phase_id=phase.pk,
        environment_id=environment.pk,
        si_org_id=si.pk,
        si_user_id=si_user.pk,
        participant_user_id=participant_user.pk,
        week0=week0,
        members=members,
        cohort_ids=[c.pk for c in cohorts],
        scenarios={
            s.pk: (s.code, s.interface, spec[2], spec[3], v.pk)
            for s, spec, v in zip(scenarios, specs, versions, strict=True)
        },
    )
    # The glide plan: cumulative executions and passes by the end of each week, an S-curve to the total.
    total = profile.executions
    points = []
    for w in range(WEEKS + 4):
        x = (w + 1) / (WEEKS + 4)
        share = x * x * (3 - 2 * x)
        points.append(
            GlidePoint(
                phase=phase,
                week=week0 + dt.timedelta(weeks=w),
                planned_executed=round(total * 1.1 * share),
                planned_passed=round(total * 0.85 * share),
            )
        )
    GlidePoint.objects.bulk_create(points)
    gate = Gate.objects.create(
        phase=phase,
        kind=GateKind.EXIT,
        name="SIT Functional exit",
        board=pmo,
        board_label="SIT quality gate board",
        planned_date=week0 + dt.timedelta(weeks=WEEKS + 4),
    )
    Criterion.objects.bulk_create(
        [
            Criterion(
                gate=gate, order=1, text="No open category 1 testing issues", auto_rule=AutoRule.NO_OPEN_CAT1
            ),
            Criterion(
                gate=gate,
                order=2,
                text="Every cohort member passed 95 % of its mandatory scenarios",
                auto_rule=AutoRule.MANDATORY_PASS_RATE,
            ),
            Criterion(
                gate=gate, order=3, text="One cohort complete (TA-09)", auto_rule=AutoRule.COHORT_COMPLETE
            ),
            Criterion(gate=gate, order=4, text="Operational readiness checklist signed off"),
        ]
    )
    out.write(
        f"set up programme {PROGRAMME!r}: {len(participations)} participants in {len(cohorts)} cohorts, "
        f"{len(scenarios):,} scenarios on {len(interfaces)} interfaces, {len(requirements):,} requirements\n"
    )
    return world


def _at(week0: dt.date, seconds: float) -> dt.datetime:
    """``seconds`` of working time (Mon–Fri 08:00–18:00 Europe/London) after ``week0`` 08:00, as UTC."""
    day, rest = divmod(int(seconds), 10 * 3600)
    week, weekday = divmod(day, 5)
    local = dt.datetime.combine(week0 + dt.timedelta(weeks=week, days=weekday), dt.time(8), tzinfo=LONDON)
    local += dt.timedelta(seconds=rest + (seconds - int(seconds)))
    return local.astimezone(dt.UTC)


WORK_SECONDS_PER_WEEK = 5 * 10 * 3600
