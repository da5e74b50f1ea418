"""The world the benchmark incidents live in: Django set-up, the demo parties and catalogue, and text.

Part of the incident benchmark (see load.py).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

MIN = 60
HOUR = 3600
DAY = 86400
#: Share of incidents by severity rank (most severe first); a fifth rank, if any, takes 10 %.
RANK_WEIGHTS = [0.005, 0.06, 0.58, 0.355, 0.10]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ.setdefault("BUSBAR_DATA_DIR", str(Path(tempfile.gettempdir()) / "busbar_bench_var"))
    if not os.environ.get("SECRET_KEY"):
        # In-process only (no cookie ever leaves this process): any long value will do.
        os.environ["SECRET_KEY"] = "bench-" + os.urandom(24).hex()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to the benchmark PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/busbar_bench"
        )
    import django

    django.setup()


# Text --------------------------------------------------------------------------------------------------

SUMMARIES = [
    "Registration requests rejected with {code} for {count} {mpxn}s",
    "Switch requests stuck in {state} since {hh}:{mm}",
    "HTTP 503 from {endpoint} on the {svc} interface",
    "Delayed {msg} notifications from {svc}",
    "Duplicate {msg} messages received from {svc}",
    "Gate closure missed for {count} switches",
    "Timeouts on {endpoint} since {hh}:{mm}",
    "{svc} portal unavailable for {team} users",
    "Incorrect {field} returned for {count} {mpxn}s",
    "Certificate expiring on the {svc} {endpoint} endpoint",
    "Slow responses from {svc} enquiry service",
    "{msg} acknowledgements not received after resubmission",
    "Objection window closed early for {count} switches",
    "Address mismatch between {svc} and supplier records",
    "Batch file rejected by {svc}: {code}",
]
SENTENCES = [
    "Since {hh}:{mm} today {count} {mpxn}s have been affected.",
    "The {msg} messages are acknowledged but no outcome follows.",
    "We resubmitted at {hh}:{mm} with the same result.",
    "Our monitoring shows error {code} from {endpoint}.",
    "The issue is intermittent and seems to coincide with the {hh}:00 batch run.",
    "Customers due to switch on {date} may be delayed.",
    "Sample affected references attached to the ticket in the portal: {ref}.",
    "No change was made on our side before the problem started.",
    "The {field} held by {svc} does not match the value in our systems.",
    "Please confirm whether this is a known problem with {svc}.",
    "The {team} team is waiting on this to complete the {msg} process.",
    "Retries after {count} minutes did not clear the backlog.",
]
UPDATE_BODIES = [
    "Investigating: we can reproduce the {code} errors on {endpoint}.",
    "Passed to the {svc} support team with the sample references.",
    "A fix is being deployed at {hh}:{mm}; we will confirm once the queue has drained.",
    "Please resend the affected {msg} messages after {hh}:{mm}.",
    "We need the full list of affected {mpxn}s to continue.",
    "The backlog of {count} messages has been reprocessed.",
    "Root cause identified: a configuration change on {date} to the {field} mapping.",
    "Resent as requested; acknowledgements now received for {count} of them.",
    "Still seeing the problem for {count} {mpxn}s.",
    "Monitoring for another 24 hours before we close this.",
]
RESOLUTIONS = [
    "Configuration corrected on {svc}; affected {msg} messages reprocessed.",
    "Certificate renewed and traffic restored on {endpoint}.",
    "Backlog of {count} messages cleared; no further errors since {hh}:{mm}.",
    "Data corrected for the affected {mpxn}s and resubmitted.",
    "Participant-side issue: mapping of {field} fixed by the participant.",
    "Duplicate of a known problem; fixed by the {svc} release on {date}.",
]
WORDS = {
    "code": ["ERR-0451", "REJ-017", "VAL-202", "SEC-401", "TMO-504", "DUP-409", "SCH-110", "E1001"],
    "mpxn": ["MPAN", "MPRN"],
    "state": ["pending registration", "awaiting objection", "secured", "confirmed", "validation"],
    "endpoint": ["/switch-requests", "/registrations", "/enquiries/mpan", "/notifications", "/messages"],
    "msg": ["registration", "secured switch", "loss notification", "gain notification", "objection", "D0055"],
    "field": ["meter serial number", "energisation status", "supply address", "GSP group", "SSC", "MTC"],
    "team": ["switching", "billing", "metering", "customer service", "operations"],
}


class _Words(dict):
    """The words of one text, drawn only when the template asks for them."""

    def __init__(self, rng: random.Random, services: list[str]) -> None:
        super().__init__()
        self.rng = rng
        self.services = services

    def __missing__(self, key: str) -> str:
        r = self.rng
        if key in WORDS:
            return r.choice(WORDS[key])
        if key == "count":
            return str(r.randint(2, 4000))
        if key == "hh":
            return f"{r.randrange(24):02d}"
        if key == "mm":
            return f"{r.randrange(60):02d}"
        if key == "svc":
            return r.choice(self.services)
        if key == "date":
            return f"{r.randint(1, 28)}/{r.randint(1, 12)}/20{r.randint(23, 26)}"
        if key == "ref":
            return str(r.randrange(10**12, 10**13))
        raise KeyError(key)


class Text:
    """Cheap, varied, realistic-looking text (words from the domain, so full-text search has something)."""

    def __init__(self, rng: random.Random, services: list[str]) -> None:
        self.rng = rng
        self.services = services

    def _fill(self, template: str) -> str:
        return template.format_map(_Words(self.rng, self.services))

    def summary(self) -> str:
        return self._fill(self.rng.choice(SUMMARIES))[:200]

    def description(self) -> str:
        return " ".join(self._fill(s) for s in self.rng.sample(SENTENCES, self.rng.randint(2, 4)))

    def update(self) -> str:
        return self._fill(self.rng.choice(UPDATE_BODIES))

    def resolution(self) -> str:
        return self._fill(self.rng.choice(RESOLUTIONS))


# The world the incidents live in -----------------------------------------------------------------------


@dataclass
class Person:
    id: int
    label: str
    org_id: int


@dataclass
class Target:
    amount: int
    unit: str
    fast: bool  # minutes/hours on a 24x7 calendar without closures: plain arithmetic is exact
    seconds: int  # the target in seconds when fast; a nominal real-time length otherwise


@dataclass
class Policy:
    """One SLA policy: its severities (most severe first) with weights, and its targets."""

    ratio: float
    codes: list[str]
    weights: list[float]
    severity_ids: dict[str, int]
    major: set[str]
    targets: dict[tuple[str, str], Target]
    db_targets: dict  # (code, clock) -> services.SlaTarget, for the engine path


@dataclass
class Svc:
    id: int
    name: str
    provider_id: int
    provider_name: str
    resolvers: list[Person]
    policy: Policy


@dataclass
class World:
    services: list[Svc]
    service_weights: list[float]
    participants: list[tuple[int, str, list[Person]]]  # (org id, name, people)
    participant_weights: list[float]
    desk: list[Person]
    escalate_to: list[int]
    incident_ct: int
    major_ct: int


def _policy(policy) -> Policy:
    from busbar.records import sla

    db_targets = sla.targets(policy)
    severities = list(policy.scheme.severities.order_by("rank"))
    codes = [s.code for s in severities if (s.code, "response") in db_targets]
    weights = (RANK_WEIGHTS + [RANK_WEIGHTS[-1]] * len(codes))[: len(codes)]
    targets = {}
    for key, t in db_targets.items():
        cal = t.calendar
        fast = cal.kind == "24x7" and not cal.closures.exists() and t.unit in ("minutes", "hours")
        per = {"minutes": MIN, "hours": HOUR, "working_days": int(1.4 * DAY)}[t.unit]
        targets[key] = Target(t.amount, t.unit, fast, t.amount * per)
    return Policy(
        ratio=float(policy.warning_ratio),
        codes=codes,
        weights=weights,
        severity_ids={s.code: s.pk for s in severities},
        major={s.code for s in severities if s.is_major},
        targets=targets,
        db_targets=db_targets,
    )


def ensure_world(stdout) -> World:
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from busbar.core import demo
    from busbar.incidents.models import Incident, MajorIncident
    from busbar.incidents.recipients import escalation_targets
    from busbar.lib import registry
    from busbar.parties.models import OPERATOR_ROLES, PROVIDER_ROLES, Membership, MembershipRole, Organisation
    from busbar.services.models import Service

    User = get_user_model()
    if not User.objects.filter(email="analyst@operator.example").exists():
        # The demo's parties, people and service catalogue; not its incidents or problems (the loader makes
        # the incidents).
        stdout.write("Loading the demo parties, people and services (busbar.core.demo.load_demo)...\n")
        saved = dict(registry._DEMO)
        for path in list(registry._DEMO):
            if not path.startswith("busbar.services."):
                del registry._DEMO[path]
        try:
            demo.load_demo()
        finally:
            registry._DEMO.clear()
            registry._DEMO.update(saved)
    services = list(
        Service.objects.filter(is_active=True).select_related("provider", "sla_policy__scheme").order_by("pk")
    )
    if not services:
        sys.exit("No active services: run `busbar demo` (the demo service catalogue) first")
    policies = {s.sla_policy_id: _policy(s.sla_policy) for s in services}

    resolvers: dict[int, list[Person]] = {}
    members = Membership.objects.filter(is_active=True, user__is_active=True).select_related("user")
    by_org: dict[int, list[Person]] = {}
    desk = []
    for m in members:
        person = Person(m.user_id, m.user.display_name, m.organisation_id)
        by_org.setdefault(m.organisation_id, []).append(person)
        if m.role == MembershipRole.RESOLVER:
            resolvers.setdefault(m.organisation_id, []).append(person)
        if m.role in (MembershipRole.ANALYST, MembershipRole.OPERATIONS):
            desk.append(person)
    if not desk:
        sys.exit("No service-desk people: run `busbar demo` first")
    svcs = [
        Svc(
            s.pk,
            s.name,
            s.provider_id,
            s.provider.name,
            resolvers.get(s.provider_id, []),
            policies[s.sla_policy_id],
        )
        for s in services
    ]
    # Registration services get most of the traffic.
    service_weights = [3.0 if "regist" in s.name.lower() else 1.0 for s in svcs]

    participants = []
    weights = []
    for org in Organisation.objects.filter(is_active=True).prefetch_related("roles").order_by("pk"):
        if org.role_codes & (OPERATOR_ROLES | PROVIDER_ROLES):
            continue  # the desk and the providers do not raise incidents here
        participants.append((org.pk, org.name, by_org.get(org.pk, [])))
        weights.append(4.0 if "energy_supplier" in org.role_codes else 1.0)
    if not participants:
        sys.exit("No participant organisations: run `busbar demo` first")
    return World(
        services=svcs,
        service_weights=service_weights,
        participants=participants,
        participant_weights=weights,
        desk=desk,
        escalate_to=[u.pk for u in escalation_targets()],
        incident_ct=ContentType.objects.get_for_model(Incident, for_concrete_model=False).pk,
        major_ct=ContentType.objects.get_for_model(MajorIncident, for_concrete_model=False).pk,
    )
