"""Load the change co-ordination benchmark's world into PostgreSQL (or SQLite): a catalogue of 500 services
run by 50 providers, 50,000 Change Notifications over five years (four years and nine months back, three
months ahead), the notice rules, maintenance and blackout windows and availability targets they are
checked against, the CCG's decisions, and the unplanned outages availability is measured from
(``--profile full``, the default); or 50 services and 1,000 changes (``--profile small``, the baseline
"at 1k changes").

THIS IS A BULK DATA LOADER FOR A BENCHMARK. It deliberately bypasses busbar/changes/actions: the few
organisations and people the run signs in as are made with the parties actions; everything else is
generated in Python and written with ``bulk_create`` in one transaction, then checked and analysed. Change
Notifications get their kernel ``records.Record`` rows (``CHG0000001``…, the ``records.Sequence`` row
advanced past them), as ``steps.new_record`` would, and their ``ChangeService`` rows carry the window and
status copied from the change (what ``steps.sync_services`` keeps). Never point it at a database you care
about.

What it makes (``PROFILES`` says how many):

* organisations: the operator (``desk@bench-operator.example``, a service-desk analyst: sees every
  change), a supplier (``supplier@bench-supplier.example``, a participant: the published changes, the
  forward schedule) with a calendar-feed token each (secrets in :data:`FEED_SECRETS`), and the providers
  ``Bench Provider 01``… (one resolver each; a CCG representative each);
* services: a fifth are systems, the rest their components (same provider); each system depends on one to
  three others (dependants: everything a conflict scan looks at one level out); 24x7 or working-hours
  support calendars; every service an availability target (99.0–99.9 %, a tenth counting planned work);
  60 % of services one or two weekly maintenance windows (nights and weekends);
* notice rules: a default (5 working days), one per tenth provider (8 or 10), outage-only rules on some
  systems; blackouts: a year-end freeze on every service each year and four market-event freezes a year
  naming a tenth of the services;
* changes: spread evenly over the five years; services chosen Zipf-like (the busiest 5 % of services carry
  ~30 % of the changes); 70 % on one service, 20 % on two (a system and a component), 10 % on three to
  five; most windows inside the service's maintenance window or at night, 30 minutes to 8 hours, 3 %
  over several days; standard 30 %, normal 55 %, major 10 %, emergency 5 %; 60 % outages; statuses by
  time (ended ones reviewed, completed, failed, backed out, cancelled or rejected; the ones under way
  in progress; future ones mostly accepted, some awaiting review, in draft, sent back); 5 % late; teams
  (three per provider); a decision for every decided change, 4 % rescheduled once;
* unplanned outages: major incidents (severity rank 1, 1–8 hours) and outage status periods, spread over
  the services and the five years.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench_changes
    export BUSBAR_DATA_DIR=/tmp/busbar_bench_changes_var
    .venv/bin/busbar migrate
    .venv/bin/python bench/changes/world.py [--profile small] [--sqlite]
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
DESK_EMAIL = "desk@bench-operator.example"
SUPPLIER_EMAIL = "supplier@bench-supplier.example"
PROVIDER_EMAIL = "resolver@bench-provider-01.example"
#: The calendar-feed secrets of the measured people (their SHA-256 is stored, as tokens.hash_secret does).
FEED_SECRETS = {
    DESK_EMAIL: "bench-feed-desk-0000000000000000000000000000",
    SUPPLIER_EMAIL: "bench-feed-supplier-000000000000000000000000",
}
MARKER = "Bench Operator"
B = 2000  # bulk_create batch size


@dataclass(frozen=True)
class Profile:
    name: str
    services: int
    providers: int
    changes: int
    majors: int
    periods: int


PROFILES = {
    "full": Profile("full", services=500, providers=50, changes=50_000, majors=2500, periods=1500),
    "small": Profile("small", services=50, providers=10, changes=1000, majors=50, periods=30),
}

TITLES = [
    "{system} release {major}.{minor} deployment",
    "{system} database patching",
    "{system} TLS certificate rotation",
    "{system} disaster-recovery failover test",
    "{system} data-centre move (phase {phase})",
    "{system} operating system upgrade",
    "{system} storage array firmware update",
    "{system} load-balancer replacement",
    "{system} network switch replacement",
    "{system} message broker upgrade",
    "{system} quarterly security patching",
    "{system} index rebuild",
]
TEAMS = ["release", "infrastructure", "DBA"]


def setup_django(*, postgres_only: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ.setdefault("BUSBAR_DATA_DIR", str(Path(tempfile.gettempdir()) / "busbar_bench_changes_var"))
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = "bench-" + os.urandom(24).hex()
    url = os.environ.get("DATABASE_URL", "")
    if postgres_only and not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to the benchmark PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/busbar_bench_changes (or pass --sqlite)"
        )
    import django

    django.setup()


def _person(org, email: str, name: str, role: str):
    from busbar.lib.actions import Actor
    from busbar.parties import actions as party_actions

    return party_actions.add_member(
        actor=Actor.system(), organisation=org, email=email, full_name=name, role=role
    ).user


def _org(name: str, roles: list[str]):
    from busbar.lib.actions import Actor
    from busbar.parties import actions as party_actions

    return party_actions.create_organisation(actor=Actor.system(), name=name, roles=roles)


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


def build(profile: Profile, rng: random.Random, out=sys.stdout) -> dict:
    """Write the whole world (see the module docstring) in one transaction; returns row counts."""
    from django.db import transaction

    from busbar.parties.models import Organisation

    if Organisation.objects.filter(name=MARKER).exists():
        sys.exit("The benchmark world exists already: load into a fresh database (see README.md)")
    with transaction.atomic():
        return _build(profile, rng, out)


def _build(profile: Profile, rng: random.Random, out) -> dict:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.utils import timezone

    from busbar.changes import models as m
    from busbar.changes.tokens import hash_secret
    from busbar.incidents.models import Incident, MajorIncident
    from busbar.parties.models import MembershipRole, Organisation, OrganisationRole
    from busbar.records import registry
    from busbar.records.models import Record, Sequence
    from busbar.services.models import Calendar, Service, Severity, SeverityScheme, SlaPolicy, StatusPeriod

    now = timezone.now()
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=365 * 4 + 270)
    last_day = today + dt.timedelta(days=91)
    span_days = (last_day - first_day).days

    # -- organisations and people ---------------------------------------------------------------------
    operator = _org(MARKER, ["switching_operator", "service_desk"])
    supplier = _org("Bench Supplier", ["energy_supplier"])
    desk = _person(operator, DESK_EMAIL, "Bench desk analyst", MembershipRole.ANALYST)
    TOTP.activate(desk, generate_totp_secret())  # the desk's pages need a second factor set up
    supplier_user = _person(supplier, SUPPLIER_EMAIL, "Bench supplier", MembershipRole.PARTICIPANT)
    first_provider = _org("Bench Provider 01", ["css_provider"])
    provider_user = _person(
        first_provider, PROVIDER_EMAIL, "Bench provider resolver", MembershipRole.RESOLVER
    )
    others = Organisation.objects.bulk_create(
        Organisation(name=f"Bench Provider {i:02d}", slug=f"bench-provider-{i:02d}")
        for i in range(2, profile.providers + 1)
    )
    OrganisationRole.objects.bulk_create(OrganisationRole(organisation=o, role="mprs") for o in others)
    providers = [first_provider, *others]
    m.FeedToken.objects.bulk_create(
        m.FeedToken(
            user=user, token_hash=hash_secret(FEED_SECRETS[user.email]), prefix=FEED_SECRETS[user.email][:8]
        )
        for user in (desk, supplier_user)
    )
    m.CcgMember.objects.bulk_create(
        [m.CcgMember(organisation=operator, user=desk, role="chair")]
        + [m.CcgMember(organisation=first_provider, user=provider_user, role="representative")]
    )

    # -- calendars, severities, the catalogue ----------------------------------------------------------
    always, _ = Calendar.objects.get_or_create(name="Bench 24x7", defaults={"kind": "24x7"})
    working, _ = Calendar.objects.get_or_create(
        name="Bench working hours",
        defaults={
            "kind": "working_hours",
            "weekly_hours": {str(d): [["08:00", "18:00"]] for d in range(5)},
            "bank_holidays": True,
        },
    )
    scheme = SeverityScheme.objects.create(name="Bench severities")
    severities = Severity.objects.bulk_create(
        Severity(scheme=scheme, code=str(r), label=f"Severity {r}", rank=r, is_major=r == 1)
        for r in (1, 2, 3, 4)
    )
    policy = SlaPolicy.objects.create(name="Bench SLA", scheme=scheme)
    n_systems = profile.services // 5
    systems = Service.objects.bulk_create(
        Service(
            name=f"Bench system {i:03d}",
            slug=f"bench-system-{i:03d}",
            provider=providers[i % len(providers)],
            calendar=always if i % 3 else working,
            sla_policy=policy,
        )
        for i in range(n_systems)
    )
    components = Service.objects.bulk_create(
        Service(
            name=f"Bench system {i % n_systems:03d} component {i // n_systems + 1}",
            slug=f"bench-system-{i % n_systems:03d}-c{i // n_systems + 1}",
            provider_id=systems[i % n_systems].provider_id,
            parent=systems[i % n_systems],
            calendar=always if i % 4 else working,
            sla_policy=policy,
        )
        for i in range(profile.services - n_systems)
    )
    services = [*systems, *components]
    Through = Service.depends_on.through
    depends = set()
    for system in systems:
        for other in rng.sample(systems, min(len(systems) - 1, rng.randint(1, 3))):
            if other.pk != system.pk:
                depends.add((system.pk, other.pk))
    Through.objects.bulk_create(Through(from_service_id=a, to_service_id=b) for a, b in sorted(depends))
    by_system = {s.pk: [c for c in components if c.parent_id == s.pk] for s in systems}

    m.AvailabilityTarget.objects.bulk_create(
        m.AvailabilityTarget(
            service=s,
            target_percent=rng.choice(["99.000", "99.500", "99.500", "99.900"]),
            planned_counts=rng.random() < 0.1,
            agreement="Bench SLA",
        )
        for s in services
    )
    windows = {}
    rows = []
    for s in services:
        if rng.random() < 0.6:
            chosen = rng.sample(
                [(6, "00:00", "06:00"), (5, "21:00", "01:00"), (3, "19:00", "23:00"), (1, "22:00", "02:00")],
                rng.choice([1, 1, 2]),
            )
            windows[s.pk] = chosen
            rows += [
                m.MaintenanceWindow(
                    service=s,
                    weekday=day,
                    start_time=dt.time.fromisoformat(a),
                    end_time=dt.time.fromisoformat(b),
                    note="Bench window",
                )
                for day, a, b in chosen
            ]
    m.MaintenanceWindow.objects.bulk_create(rows, batch_size=B)

    rules = [m.NoticeRule(name="Default notice", min_working_days=5, calendar=working)]
    rules += [
        m.NoticeRule(
            name=f"{p.name} notice", provider=p, min_working_days=rng.choice([8, 10]), calendar=working
        )
        for p in providers[::10]
    ]
    rules += [
        m.NoticeRule(
            name=f"{s.name} planned outages",
            service=s,
            outage_only=True,
            min_working_days=8,
            calendar=working,
        )
        for s in systems[::7]
    ]
    m.NoticeRule.objects.bulk_create(rules)
    blackouts = []
    for year in range(first_day.year, last_day.year + 1):
        blackouts.append(
            m.BlackoutWindow(
                name=f"Year-end freeze {year}",
                starts_at=_local(dt.date(year, 12, 20), 0),
                ends_at=_local(dt.date(year + 1, 1, 3), 0),
            )
        )
        for month in (1, 4, 7, 10):
            day = dt.date(year, month, 1)
            blackouts.append(
                m.BlackoutWindow(
                    name=f"Market event {day:%b %Y}",
                    starts_at=_local(day - dt.timedelta(days=1), 0),
                    ends_at=_local(day + dt.timedelta(days=2), 0),
                )
            )
    blackouts = m.BlackoutWindow.objects.bulk_create(blackouts)
    BT = m.BlackoutWindow.services.through
    BT.objects.bulk_create(
        (
            BT(blackoutwindow_id=b.pk, service_id=s.pk)
            for b in blackouts
            if b.name.startswith("Market")
            for s in rng.sample(services, max(1, len(services) // 10))
        ),
        batch_size=B,
    )
    m.ServiceSubscription.objects.bulk_create(
        m.ServiceSubscription(user=supplier_user, service=s)
        for s in rng.sample(services, min(20, len(services)))
    )

    # -- changes ----------------------------------------------------------------------------------------
    ranks = list(range(1, len(services) + 1))
    rng.shuffle(ranks)
    weights = [1 / r**0.8 for r in ranks]
    change_type = rng.choices(
        ["standard", "normal", "major", "emergency"], [30, 55, 10, 5], k=profile.changes
    )
    picks = rng.choices(services, weights, k=profile.changes)
    prefix_type = registry.get("change")
    records = Record.objects.bulk_create(
        (
            Record(kind="change", reference=prefix_type.reference(n), created_at=now)
            for n in range(1, profile.changes + 1)
        ),
        batch_size=B,
    )
    Sequence.objects.update_or_create(prefix=prefix_type.prefix, defaults={"last": profile.changes})
    changes = []
    service_sets = []
    days = sorted(rng.randrange(span_days) for _ in range(profile.changes))
    for n in range(profile.changes):
        primary = picks[n]
        system = (
            primary if primary.parent_id is None else next(s for s in systems if s.pk == primary.parent_id)
        )
        chosen = [primary]
        roll = rng.random()
        family = [system, *by_system.get(system.pk, [])]
        if roll > 0.7 and len(family) > 1:
            extra = 1 if roll < 0.9 else rng.randint(2, 4)
            chosen += [s for s in rng.sample(family, min(len(family), extra + 1)) if s.pk != primary.pk][
                :extra
            ]
        day = first_day + dt.timedelta(days=days[n])
        wins = windows.get(primary.pk)
        if wins and rng.random() < 0.7:
            weekday, a, _b = rng.choice(wins)
            day = day + dt.timedelta(days=(weekday - day.weekday()) % 7)
            hour, minute = int(a[:2]), int(a[3:])
        else:
            hour, minute = rng.choice([19, 20, 21, 22, 23, 0, 1, 2, 3, 4]), rng.choice([0, 15, 30, 45])
        start = _local(day, hour, minute)
        minutes = rng.choice([30, 60, 90, 120, 180, 240, 360, 480])
        if rng.random() < 0.03:
            minutes = rng.randint(1, 3) * 1440 + minutes
        end = start + dt.timedelta(minutes=minutes)
        kind = change_type[n]
        status = _status(rng, start, end, now)
        submitted = None if status == "draft" else start - dt.timedelta(days=rng.uniform(3, 40))
        required = None if kind == "emergency" else rng.choice([5, 5, 5, 8, 10])
        late = required is not None and submitted is not None and rng.random() < 0.05
        given = None if required is None or submitted is None else (required - 2 if late else required + 4)
        implemented = status in ("in_progress", "completed", "failed", "backed_out", "reviewed")
        actual_start = start + dt.timedelta(minutes=rng.randint(0, 10)) if implemented else None
        actual_end = None
        if implemented and status != "in_progress":
            actual_end = end + dt.timedelta(minutes=rng.randint(-20, 20 if status == "completed" else 60))
            actual_end = max(actual_end, actual_start + dt.timedelta(minutes=5))
        provider_id = primary.provider_id
        created = (submitted or start - dt.timedelta(days=10)) - dt.timedelta(days=rng.uniform(0, 3))
        records[n].created_at = created
        changes.append(
            m.ChangeNotification(
                record=records[n],
                reference=records[n].reference,
                title=rng.choice(TITLES).format(
                    system=primary.name,
                    major=rng.randint(1, 30),
                    minor=rng.randint(0, 9),
                    phase=rng.randint(1, 3),
                )[:200],
                description="Bench change: the work, its checks and its back-out.",
                change_type=kind,
                provider_id=provider_id,
                team=f"{rng.choice(TEAMS)} {provider_id}",
                planned_start=start,
                planned_end=end,
                is_outage=rng.random() < 0.6,
                expected_impact="Switch requests queue during the window.",
                backout_plan="Restore the previous release.",
                risk=rng.choice(["low", "medium", "medium", "high"]),
                status=status,
                submitted_at=submitted,
                notice_required=required if submitted else None,
                notice_given=given,
                is_late=late,
                late_exception=late and status not in ("submitted", "under_review", "rejected", "draft"),
                emergency_reason="Bench emergency: the fix cannot wait." if kind == "emergency" else "",
                retrospective_review_due=kind == "emergency" and implemented,
                actual_start=actual_start,
                actual_end=actual_end,
                outcome_note="Done." if actual_end else "",
                pir_summary="Reviewed." if kind == "major" and status == "reviewed" else "",
                pir_successful=True if kind == "major" and status == "reviewed" else None,
                pir_completed_at=actual_end if kind == "major" and status == "reviewed" else None,
                created_at=created,
                updated_at=created,
            )
        )
        service_sets.append(chosen)
    Record.objects.bulk_update(records, ["created_at"], batch_size=B)
    changes = m.ChangeNotification.objects.bulk_create(changes, batch_size=B)
    m.ChangeService.objects.bulk_create(
        (
            m.ChangeService(
                change=c, service=s, planned_start=c.planned_start, planned_end=c.planned_end, status=c.status
            )
            for c, chosen in zip(changes, service_sets, strict=True)
            for s in chosen
        ),
        batch_size=B,
    )
    decisions = []
    decided = {
        "accepted",
        "in_progress",
        "completed",
        "failed",
        "backed_out",
        "reviewed",
        "rejected",
        "more_info",
    }
    for c in changes:
        if c.status not in decided or c.submitted_at is None:
            continue
        at = min(
            c.submitted_at + dt.timedelta(days=rng.uniform(1, 7)), c.planned_start - dt.timedelta(hours=1)
        )
        if rng.random() < 0.04 and c.status != "rejected":
            decisions.append(
                m.CcgDecision(
                    change=c,
                    outcome="reschedule",
                    reason="Moved to a clearer window.",
                    previous_start=c.planned_start - dt.timedelta(days=7),
                    previous_end=c.planned_end - dt.timedelta(days=7),
                    new_start=c.planned_start,
                    new_end=c.planned_end,
                    decided_by=desk,
                    decided_at=at,
                )
            )
            continue
        outcome = {"rejected": "reject", "more_info": "more_info"}.get(c.status) or rng.choice(
            ["accept", "accept", "accept", "accept_conditions"]
        )
        decisions.append(
            m.CcgDecision(
                change=c,
                outcome=outcome,
                reason="Bench decision.",
                conditions="Confirm the back-out was rehearsed." if outcome == "accept_conditions" else "",
                late_exception=c.late_exception,
                decided_by=desk,
                decided_at=at,
            )
        )
    m.CcgDecision.objects.bulk_create(decisions, batch_size=B)

    # -- unplanned outages: major incidents and outage status periods ----------------------------------
    inc_type = registry.get("incident")
    first_inc = Sequence.objects.filter(prefix=inc_type.prefix).values_list("last", flat=True).first() or 0
    opened = sorted(
        _local(first_day, 0) + dt.timedelta(minutes=rng.randrange(span_days * 1440 - 91 * 1440))
        for _ in range(profile.majors)
    )
    inc_records = Record.objects.bulk_create(
        (
            Record(kind="incident", reference=inc_type.reference(first_inc + n + 1), created_at=at)
            for n, at in enumerate(opened)
        ),
        batch_size=B,
    )
    Sequence.objects.update_or_create(prefix=inc_type.prefix, defaults={"last": first_inc + profile.majors})
    incidents = []
    for record, at in zip(inc_records, opened, strict=True):
        service = rng.choices(services, weights)[0]
        resolved = at + dt.timedelta(minutes=rng.randint(60, 480))
        done = resolved < now
        incidents.append(
            Incident(
                record=record,
                reference=record.reference,
                service=service,
                severity=severities[0],
                summary="Bench major incident: service unavailable",
                description="Every request fails.",
                impact="many",
                status="closed" if done else "in_progress",
                organisation=supplier,
                provider_id=service.provider_id,
                is_published=True,
                created_at=at,
                updated_at=resolved if done else at,
                responded_at=at + dt.timedelta(minutes=5),
                resolved_at=resolved if done else None,
                closed_at=resolved + dt.timedelta(days=1) if done else None,
            )
        )
    incidents = Incident.objects.bulk_create(incidents, batch_size=B)
    MajorIncident.objects.bulk_create(
        (
            MajorIncident(
                incident=i,
                trigger="severity",
                state="closed" if i.status == "closed" else "active",
                opened_at=i.created_at,
                review_completed_at=i.closed_at,
            )
            for i in incidents
        ),
        batch_size=B,
    )
    periods = []
    for _ in range(profile.periods):
        service = rng.choices(services, weights)[0]
        started = _local(first_day, 0) + dt.timedelta(minutes=rng.randrange((span_days - 91) * 1440))
        periods.append(
            StatusPeriod(
                service=service,
                status="outage",
                started_at=started,
                ended_at=started + dt.timedelta(minutes=rng.randint(15, 240)),
                note="Bench outage",
            )
        )
    StatusPeriod.objects.bulk_create(periods, batch_size=B)

    counts = {
        "providers": len(providers),
        "services": len(services),
        "dependencies": len(depends),
        "maintenance windows": len(rows),
        "blackouts": len(blackouts),
        "changes": len(changes),
        "change-service rows": sum(len(s) for s in service_sets),
        "decisions": len(decisions),
        "major incidents": len(incidents),
        "outage periods": len(periods),
    }
    out.write("loaded: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + "\n")
    return counts


def _status(rng: random.Random, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> str:
    if end <= now:
        return rng.choices(
            ["reviewed", "completed", "failed", "backed_out", "cancelled", "rejected"], [40, 35, 3, 2, 12, 8]
        )[0]
    if start <= now:
        return rng.choices(["in_progress", "accepted", "cancelled"], [70, 20, 10])[0]
    return rng.choices(
        ["accepted", "submitted", "under_review", "more_info", "draft", "cancelled", "rejected"],
        [72, 8, 5, 3, 7, 3, 2],
    )[0]


def verify(profile: Profile) -> None:
    """The loaded rows are what the profile asked for and consistent with each other (exits if not)."""
    from django.db.models import Count, F, Q

    from busbar.changes import models as m
    from busbar.records.models import Record, Sequence
    from busbar.services.models import Service

    problems = []

    def expect(what: str, got, want) -> None:
        if got != want:
            problems.append(f"{what}: {got} (expected {want})")

    expect("services", Service.objects.filter(slug__startswith="bench-system-").count(), profile.services)
    expect("changes", m.ChangeNotification.objects.count(), profile.changes)
    expect("references", m.ChangeNotification.objects.exclude(reference=F("record__reference")).count(), 0)
    top = Record.objects.filter(kind="change").order_by("-reference").values_list("reference", flat=True)[0]
    expect("CHG sequence", Sequence.objects.get(prefix="CHG").last, int(top[3:]))
    expect("changes without services", m.ChangeNotification.objects.filter(service_rows=None).count(), 0)
    stale = m.ChangeService.objects.exclude(
        Q(status=F("change__status"))
        & Q(planned_start=F("change__planned_start"))
        & Q(planned_end=F("change__planned_end"))
    ).count()
    expect("service rows out of step with their change", stale, 0)
    expect(
        "ends before starts",
        m.ChangeNotification.objects.filter(planned_end__lte=F("planned_start")).count(),
        0,
    )
    statuses = set(m.ChangeNotification.objects.values_list("status", flat=True))
    expect("statuses present", statuses >= {"accepted", "reviewed", "in_progress", "draft"}, True)
    multi = m.ChangeService.objects.values("change").annotate(n=Count("id")).filter(n__gt=1).count()
    expect("changes on several services (> 15 %)", multi > profile.changes * 0.15, True)
    if problems:
        sys.exit("verification failed:\n  " + "\n  ".join(problems))
    print("verified: counts, kernel references and sequence, service rows in step with their changes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sqlite", action="store_true", help="allow a SQLite DATABASE_URL")
    args = parser.parse_args(argv)
    setup_django(postgres_only=not args.sqlite)
    from django.db import connection

    profile = PROFILES[args.profile]
    started = time.perf_counter()
    build(profile, random.Random(args.seed))
    loaded = time.perf_counter()
    verify(profile)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"{args.profile}: loaded in {loaded - started:.1f} s, then verified and analysed "
          f"({time.perf_counter() - loaded:.1f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
