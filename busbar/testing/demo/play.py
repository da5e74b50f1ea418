"""Play the demo MHHS programme (:mod:`.data`) through the real actions, back-dated.

SIT Functional started on the Monday six weeks before the day the demo is loaded, so "now" is always in
its seventh week: cohort 1 nearly complete (one unmetered agent short), cohort 2 behind, a late entrant in
the grace period, 25 testing issues in every state, Kestrel's nightly JUnit run recorded as the demo loads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.parties.models import Organisation
from busbar.testing.access import forget_access
from busbar.testing.actions import executions as ex
from busbar.testing.actions import gates as gt
from busbar.testing.actions import reports as rp
from busbar.testing.actions import setup
from busbar.testing.demo import data
from busbar.testing.demo import issues as story
from busbar.testing.demo.base import LONDON, Play, monday
from busbar.testing.demo.results import applicable, import_nightly_junit, play_issues, record_executions
from busbar.testing.models import (
    CompletionReport,
    CriterionStatus,
    Gate,
    GateCondition,
    GateDecision,
    GateKind,
    GateStatus,
    Phase,
    PhaseKind,
    Programme,
    Result,
    Scenario,
)

PASSED, FAILED = Result.PASSED, Result.FAILED


# -- parties -------------------------------------------------------------------------------------------


def _parties(ctx) -> list[str]:
    """The organisations and people the programme needs beyond the core demo's. The people get the demo's
    published password by sharing the SI test manager's password hash (testing may not import core, and
    one hash fewer to compute per person keeps the demo quick)."""
    system = Actor.system()
    for name, slug, roles, identifiers, email in data.ORGANISATIONS:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            org = party_actions.create_organisation(
                actor=system,
                name=name,
                slug=slug,
                roles=roles,
                identifiers=identifiers,
                contact_email=email,
                description=f"Demo organisation: {', '.join(r.label for r in roles)}.",
            )
        ctx.orgs[slug] = org
    User = get_user_model()
    password_of_si = ctx.people[data.SI]
    lines = []
    for email, name, slug, what in data.PEOPLE:
        org = ctx.orgs[slug]
        user = User.objects.filter(email=email).first()
        if user is None or not user.memberships.filter(organisation=org).exists():
            party_actions.add_member(
                actor=system, organisation=org, email=email, full_name=name, role="participant"
            )
            user = User.objects.get(email=email)
        if not user.has_usable_password() and password_of_si.has_usable_password():
            # Bootstrap, as busbar.core.demo does for its people: the published demo password.
            user.password = password_of_si.password
            user.save(update_fields=["password"])
        ctx.people[email] = user
        lines.append(f"  {email.ljust(30)} {name} ({org.name}): {what}")
    return lines


# -- programme, phases, participants -------------------------------------------------------------------


def _programme(p: Play) -> None:
    system, si = Actor.system(), p.si
    p.programme = programme = setup.create_programme(
        actor=system,
        code="mhhs",
        name="MHHS",
        description="Market-wide half-hourly settlement: integration testing of the new registration, "
        "data and settlement services run by the programme's systems integrator.",
    )
    for function, slug, label in data.PARTIES:
        setup.name_party(
            actor=system, programme=programme, organisation=p.org(slug), function=function, label=label
        )
    for user in p.ctx.people.values():
        forget_access(user)
    for code, label, minimum, mandatory, order in data.ROLES:
        setup.add_participant_role(
            actor=si,
            programme=programme,
            code=code,
            label=label,
            min_per_cohort=minimum,
            mandatory=mandatory,
            order=order,
        )
    for name, description in data.ENVIRONMENTS:
        p.envs[name] = setup.add_environment(
            actor=si, programme=programme, name=name, description=description
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "title", "source"])
    writer.writerows(data.REQUIREMENTS)
    setup.import_requirements(
        actor=si, programme=programme, filename="mhhs-requirements.csv", content=buffer.getvalue().encode()
    )


def _phase(p: Play, code, name, kind, start, weeks, order, **kw) -> Phase:
    return setup.create_phase(
        actor=p.si,
        programme=p.programme,
        code=code,
        name=name,
        kind=kind,
        planned_start=start,
        planned_end=start + dt.timedelta(weeks=weeks, days=-3),
        owner=p.org("systems-integrator"),
        order=order,
        **kw,
    )


def _enrol(p: Play, phase: Phase, with_grace: bool) -> dict:
    cohorts = {n: setup.create_cohort(actor=p.si, phase=phase, name=f"Cohort {n}", order=n) for n in (1, 2)}
    roles = {r.code: r for r in p.programme.participant_roles.all()}
    parts = {}
    for slug, role, cohort, _env in data.SIT_PARTICIPANTS:
        if slug == data.GRACE_ENTRANT and not with_grace:
            continue
        parts[slug] = setup.add_participation(
            actor=p.si,
            phase=phase,
            organisation=p.org(slug),
            role=roles[role],
            cohort=cohorts[cohort] if cohort else None,
        )
    return parts


# -- PIT -----------------------------------------------------------------------------------------------


def _pit(p: Play) -> Phase:
    si, start = p.si, p.start - dt.timedelta(weeks=20)
    pit = _phase(
        p,
        "pit",
        "Pre-integration testing (PIT)",
        PhaseKind.PIT,
        start,
        17,
        1,
        description="Each participant tests in its own environment against the DIP simulator and "
        "evidences the results before entering SIT.",
    )
    parts = _enrol(p, pit, with_grace=False)
    scenarios = [
        setup.create_scenario(
            actor=si,
            phase=pit,
            code=code,
            title=title,
            interface=interface,
            requirements=reqs,
            steps=data.steps_for(interface, title),
        )
        for code, interface, title, reqs in data.PIT_SCENARIOS
    ]
    setup.start_phase(actor=si, phase=pit, on=start)
    rnd = random.Random(7)
    for slug, part in parts.items():
        who = p.recorder(slug)
        for n, scenario in enumerate(scenarios):
            day = 14 + n * 14 + rnd.randint(0, 20)
            first = ex.record_execution(
                actor=who,
                participation=part,
                scenario=scenario,
                result=FAILED if rnd.random() < 0.15 else PASSED,
                executed_at=p.at(day, 30 * n, base=start),
                notes="Own environment, DIP simulator",
            )
            if first.result != PASSED:
                ex.record_execution(
                    actor=who,
                    participation=part,
                    scenario=scenario,
                    result=PASSED,
                    retest_of=first,
                    executed_at=p.at(day + 5, 30 * n, base=start),
                    notes="Retest after a local fix",
                )
    report = rp.generate_report(
        actor=si,
        phase=pit,
        summary="Every PIT participant evidenced its mandatory scenarios in its own "
        "environment. Recommendation: exit PIT and enter SIT Functional.",
    )
    rp.submit_report(actor=si, report=report)
    rp.decide_report(
        actor=p.actor(data.PM), report=report, approve=True, note="Approved by the SIT Quality Gate Board."
    )
    gate = gt.create_gate(
        actor=si,
        phase=pit,
        kind=GateKind.EXIT,
        name="PIT exit",
        board=p.org("mhhs-pmo"),
        board_label="SIT Quality Gate Board",
        planned_date=start + dt.timedelta(weeks=17),
        checklist="pit_exit",
    )
    _assess_all(p, gate, "See the PIT evidence pack in the programme's document library.")
    gt.decide_gate(
        actor=p.actor(data.PM),
        gate=gate,
        outcome=GateStatus.GO,
        note="All participants evidenced PIT; connectivity to SIT-A and SIT-B demonstrated.",
    )
    _backdate(pit_gate=gate, pit_report=report, end=start + dt.timedelta(weeks=17, days=-3))
    return pit


def _assess_all(p: Play, gate: Gate, note: str, skip: dict | None = None) -> None:
    skip = skip or {}
    for criterion in gate.criteria.all():
        if criterion.auto_rule:
            continue
        status, text = skip.get(criterion.order, (CriterionStatus.MET, note))
        if status is None:
            continue
        gt.assess_criterion(actor=p.si, criterion=criterion, status=status, evidence_note=text)


def _backdate(*, pit_gate=None, pit_report=None, end=None, entry_gate=None, on=None) -> None:
    """The gate and report actions date their decisions now (they take no ``now``): move the PIT decisions
    and the SIT entry decision back to the days they were made in the story. Demo data only."""
    if pit_gate is not None:
        when = dt.datetime.combine(end, dt.time(15), tzinfo=LONDON)
        Phase.objects.filter(pk=pit_gate.phase_id).update(actual_end=end)
        Gate.objects.filter(pk=pit_gate.pk).update(decided_at=when)
        GateDecision.objects.filter(gate=pit_gate).update(decided_at=when)
        CompletionReport.objects.filter(pk=pit_report.pk).update(
            generated_at=when - dt.timedelta(days=4), decided_at=when - dt.timedelta(days=1)
        )
    if entry_gate is not None:
        when = dt.datetime.combine(on, dt.time(11), tzinfo=LONDON)
        Gate.objects.filter(pk=entry_gate.pk).update(decided_at=when)
        GateDecision.objects.filter(gate=entry_gate).update(decided_at=when)


# -- SIT Functional ------------------------------------------------------------------------------------


def _sit(p: Play) -> Phase:
    si = p.si
    p.sit = sit = _phase(
        p,
        "sit-functional",
        "SIT Functional",
        PhaseKind.SIT_FUNCTIONAL,
        p.start,
        16,
        2,
        environments=list(p.envs.values()),
        grace_days=30,
        description="Functional integration testing of the scenarios specified by the SI, in two cohorts. "
        "SIT exits when one cohort completes (TA-09); the others carry on post-SIT.",
    )
    p.parts = _enrol(p, sit, with_grace=True)
    for code, interface, title, roles, reqs, mandatory in data.SCENARIOS:
        scenario = setup.create_scenario(
            actor=si,
            phase=sit,
            code=code,
            title=title,
            interface=interface,
            roles=roles,
            requirements=reqs,
            mandatory=mandatory,
            steps=data.steps_for(interface, title),
            preconditions="SIT environment on the current release; test MPANs from the SIT data cut.",
        )
        p.scenarios[code] = scenario
        p.versions[code] = [(-100, scenario.current_version)]
    for code, day, note in data.EDITED:
        scenario = p.scenarios[code]
        steps = list(scenario.current_version.steps) + [{"action": note, "expected": "As the design states"}]
        version = setup.edit_script(actor=si, scenario=scenario, steps=steps, change_note=note)
        scenario.current_version = version
        p.versions[code].append((day, version))
    setup.start_phase(actor=si, phase=sit, on=p.start, not_ready=[p.parts[data.GRACE_ENTRANT]])
    for supplier, agent in data.PAIRINGS:
        pairing = setup.pair(
            actor=si,
            phase=sit,
            supplier=p.parts[supplier],
            agent=p.parts[agent],
            reason="Initial pairing for SIT Functional",
        )
        p.pairings.setdefault(supplier, []).append((-100, pairing))
        p.pairings.setdefault(agent, []).append((-100, pairing))
    (supplier, agent), new_agent, day, reason = data.REARRANGE
    old = next(pr for _d, pr in p.pairings[supplier] if pr.agent_id == p.parts[agent].pk)
    new = setup.rearrange_pairing(actor=si, pairing=old, agent=p.parts[new_agent], reason=reason)
    p.pairings[supplier].append((day, new))
    p.pairings[new_agent].append((day, new))
    setup.enter_phase(
        actor=si,
        participation=p.parts[data.GRACE_ENTRANT],
        on=p.start + dt.timedelta(days=data.GRACE_ENTRY_DAY),
    )
    return sit


def _entry_gate(p: Play) -> None:
    si, pm = p.si, p.actor(data.PM)
    gate = gt.create_gate(
        actor=si,
        phase=p.sit,
        kind=GateKind.ENTRY,
        name="SIT Functional entry",
        board=p.org("mhhs-pmo"),
        board_label="SIT Quality Gate Board",
        planned_date=p.start - dt.timedelta(days=3),
        checklist="sit_entry",
    )
    security = next(c.order for c in gate.criteria.all() if c.text.startswith("Security"))
    _assess_all(
        p,
        gate,
        "Evidence in the SIT readiness pack, section per criterion.",
        skip={
            security: (
                CriterionStatus.NOT_MET,
                "Two cohort 2 agents' penetration test reports are outstanding.",
            ),
        },
    )
    today = timezone.localdate()
    gt.decide_gate(
        actor=pm,
        gate=gate,
        outcome=GateStatus.GO_WITH_CONDITIONS,
        note="Go for both cohorts; Harbour may enter within the grace period.",
        conditions=[
            {
                "text": "Publish the SIT-B test data approach and the Data Generator settings used",
                "owner": p.org("systems-integrator"),
                "due_on": today + dt.timedelta(days=5),
            },
            {
                "text": "Deliver a corrected SIT-B data cut with export MPANs flagged",
                "owner": p.org("northern-dn"),
                "due_on": today + dt.timedelta(days=14),
            },
        ],
    )
    first = GateCondition.objects.filter(gate=gate).order_by("id").first()
    gt.close_condition(actor=si, condition=first, note="Published in the SIT-B test data approach v1.1.")
    _backdate(entry_gate=gate, on=p.start - dt.timedelta(days=3))


def _glide(p: Play) -> None:
    by_role = applicable(p)
    total = sum(len(by_role[role]) for _s, role, _c, _e in data.SIT_PARTICIPANTS)
    first, end = monday(p.start), p.sit.planned_end
    weeks = (end - first).days // 7 + 1
    points, planned = [], 0
    ramp = min(weeks, 9)  # the first run of every scenario planned in nine weeks; retests and fixes after
    for n in range(weeks):
        # An S-curve: slow first weeks, most of the work in the middle, then flat while retests close.
        x = min((n + 1) / ramp, 1.0)
        planned = max(planned, int(total * x * x * (3 - 2 * x)))
        points.append((first + dt.timedelta(weeks=n), planned, int(planned * 0.85)))
    rp.set_glide_plan(actor=p.si, phase=p.sit, points=points)


def _exit_and_later(p: Play) -> None:
    si, pmo = p.si, p.org("mhhs-pmo")
    gate = gt.create_gate(
        actor=si,
        phase=p.sit,
        kind=GateKind.EXIT,
        name="SIT Functional exit",
        board=pmo,
        board_label="SIT Quality Gate Board",
        planned_date=p.sit.planned_end,
        checklist="sit_exit",
    )
    for criterion in gate.criteria.all():
        if criterion.text.startswith("Exceptions"):
            gt.assess_criterion(
                actor=si,
                criterion=criterion,
                status=CriterionStatus.MET,
                evidence_note="Exceptions log v4: two exclusions agreed at the test management call.",
            )
        elif criterion.text.startswith("Open category 2"):
            gt.assess_criterion(
                actor=si,
                criterion=criterion,
                status=CriterionStatus.NOT_MET,
                evidence_note="Three category 2 issues are in fix without an agreed workaround.",
            )
    rp.generate_report(
        actor=si,
        phase=p.sit,
        title="MHHS SIT Functional Test Completion Report (draft)",
        summary="Cohort 1 is one unmetered agent short of the exit rule; cohort 2 is behind its glide path "
        "while the SIT-B data cut is corrected. Not yet recommended for exit.",
        exceptions="Clock-change load shapes moved to SIT Non-functional; CT connection changes moved to SIT "
        "Migration.",
    )
    later = p.start + dt.timedelta(weeks=17)
    _phase(
        p,
        "sit-migration",
        "SIT Migration",
        PhaseKind.SIT_MIGRATION,
        later,
        10,
        3,
        environments=[p.envs["SIT-B"]],
        grace_days=30,
        description="Migration of MPANs to the new settlement arrangements, segment by segment.",
    )
    operational = _phase(
        p,
        "sit-operational",
        "SIT Operational",
        PhaseKind.SIT_OPERATIONAL,
        later + dt.timedelta(weeks=6),
        7,
        4,
        environments=[p.envs["SIT-A"]],
    )
    ready = gt.create_gate(
        actor=si,
        phase=operational,
        kind=GateKind.ENTRY,
        name="SIT Operational entry",
        board=pmo,
        board_label="SIT Quality Gate Board",
        planned_date=operational.planned_start,
        checklist="operational_readiness",
    )
    for criterion in ready.criteria.all()[:2]:
        gt.assess_criterion(
            actor=si,
            criterion=criterion,
            status=CriterionStatus.NOT_MET,
            evidence_note="Rehearsal planned; results due before the gate.",
        )
    for criterion in ready.criteria.filter(
        text__in=["Lines of communication", "Resource skills and experience"]
    ):
        gt.assess_criterion(
            actor=si,
            criterion=criterion,
            status=CriterionStatus.MET,
            evidence_note="Operational contacts list and resourcing plan v2 in the readiness pack.",
        )


def load(ctx) -> None:
    if Programme.objects.filter(code="mhhs").exists():
        ctx.lines.append("Demo test programme MHHS already present: left as it is.")
        return
    if "testmanager@si.example" not in ctx.people:
        ctx.lines.append("No demo systems integrator: demo test programme skipped.")
        return
    people = _parties(ctx)
    p = Play(ctx=ctx, start=monday(timezone.localdate()) - dt.timedelta(weeks=6))
    _programme(p)
    _pit(p)
    _sit(p)
    _entry_gate(p)
    record_executions(p)
    play_issues(p)
    junit = import_nightly_junit(p)
    _glide(p)
    _exit_and_later(p)
    scenarios = Scenario.objects.filter(phase=p.sit).count()
    ctx.lines += [
        "",
        f"Test assurance: programme MHHS at /testing/mhhs/ — SIT Functional in week 7 ({scenarios} "
        f"scenarios, 2 cohorts, {len(story.ISSUES)} testing issues; Kestrel's nightly JUnit run: "
        f"{junit['created']} executions).",
        "Programme people (participant users, no second factor):",
        *people,
        *(f"  {email.ljust(30)} {what}" for email, what in data.ROLES_OF_EXISTING),
    ]
