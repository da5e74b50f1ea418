"""Seed a prepared load-test database: extra people, history incidents and API tokens (run by prepare.py).

Runs inside ``busbar shell -c`` (Django set up, the prepared environment), after ``busbar demo``. Every
record is made through Busbar's own actions, as live use would make it: participants raise, the desk
assigns, providers start work, reply and resolve, the desk or the participant closes, each back-dated with
``now=`` in time order, so SLA clocks, the audit journal and queued notifications are what real use leaves.

Parameters come as JSON in the environment variable ``BUSBAR_LOAD_SEED`` (see prepare.py); the tokens are
written to ``tokens`` (a path) as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from busbar.accounts import actions as account_actions
from busbar.incidents import actions
from busbar.incidents.models import Incident, Status
from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.parties.models import Membership, MembershipRole, Organisation
from busbar.parties.queries import forget_scope, scope_for
from busbar.services.models import Service

#: Demo people who get a token: (email, kind). Desk roles have TOTP from the demo, so their tokens work.
TOKEN_PEOPLE = [
    ("supplier@brightwater.example", "participant"),
    ("supplier@kestrel.example", "participant"),
    ("supplier@northernlights.example", "participant"),
    ("supplier@greenfield.example", "participant"),
    ("supplier@harbour.example", "participant"),
    ("agent@meterwise.example", "participant"),
    ("agent@halfhourdata.example", "participant"),
    ("ops@midlandsgas.example", "participant"),
    ("testmanager@si.example", "participant"),
    ("analyst@operator.example", "desk"),
    ("analyst2@operator.example", "desk"),
    ("opsmanager@operator.example", "desk"),
    ("resolver@cssp.example", "resolver"),
    ("resolver@xoserve.example", "resolver"),
    ("resolver@electralink.example", "resolver"),
    ("resolver@dcc.example", "resolver"),
    ("mprs@easterndn.example", "resolver"),
    ("mprs@northerndn.example", "resolver"),
]

SYMPTOMS = [
    ("Switch request stuck in Pending", "Switch requests submitted this morning have not progressed."),
    ("Secured message not received", "We have not received the secured notification for these MPxNs."),
    ("Address match failing", "The address service returns no match for valid premises."),
    ("Rejection code with no explanation", "Requests are rejected with a code that is not documented."),
    ("Slow responses from the API", "Responses are taking over 30 seconds at peak times."),
    ("Duplicate registration", "The same supply point appears registered to two suppliers."),
    ("Meter read not accepted", "Opening reads are rejected although they validate locally."),
    ("Certificate expiring on the gateway", "Our connection certificate expires this week."),
    ("Objection window wrong", "The objection window closed a day early for these switches."),
    ("Portal login failing", "Users cannot sign in to the portal since this morning's release."),
]
FIRST_NAMES = ["Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Kim", "Lee", "Morgan", "Ash"]
LAST_NAMES = ["Turner", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Hill"]


def _actor(user) -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def _extra_people(per_org: int, participant_orgs: list[Organisation]) -> list:
    """Participant users added to each participant organisation by the system actor, as the demo does."""
    User = get_user_model()
    made = []
    system = Actor.system()
    # add_member is the bootstrap action once invitations need accepting; before, invite_user added at once.
    add = getattr(party_actions, "add_member", None) or party_actions.invite_user
    for org in participant_orgs:
        domain = org.contact_email.split("@")[-1] if org.contact_email else f"{org.slug}.example"
        for n in range(1, per_org + 1):
            email = f"load{n}@{domain}"
            user = User.objects.filter(email=email).first()
            if user is None or not user.memberships.filter(organisation=org).exists():
                name = f"{FIRST_NAMES[(n + org.pk) % 10]} {LAST_NAMES[(n * 3 + org.pk) % 10]} ({org.name})"
                add(
                    actor=system,
                    organisation=org,
                    email=email,
                    full_name=name,
                    role=MembershipRole.PARTICIPANT,
                )
                user = User.objects.get(email=email)
            made.append(user)
    return made


def _history(n: int, participants: list, desk: list, resolvers: dict, services: list, seed: int) -> dict:
    """``n`` incidents over the last 60 days, played through the actions in time order."""
    rng = random.Random(seed)
    now = timezone.now()
    start = now - dt.timedelta(days=60)
    times = sorted(start + dt.timedelta(seconds=rng.uniform(0, 60 * 86400 - 3600)) for _ in range(n))
    counts = {"raised": 0, "assigned": 0, "started": 0, "updates": 0, "resolved": 0, "closed": 0}
    started_at = time.monotonic()
    batch = 100
    for first in range(0, n, batch):
        with transaction.atomic():
            for at in times[first : first + batch]:
                who = rng.choice(participants)
                service = rng.choice(services)
                summary, description = rng.choice(SYMPTOMS)
                severities = [s for s in service.sla_policy.scheme.severities.all() if not s.is_major]
                severity = rng.choice(severities) if severities and rng.random() < 0.6 else None
                age_hours = (now - at).total_seconds() / 3600
                incident = actions.raise_incident(
                    actor=_actor(who),
                    service=service,
                    summary=f"{summary} ({service.name})",
                    description=f"{description} Reported by {who.display_name}.",
                    severity=severity,
                    now=at,
                )
                counts["raised"] += 1

                def step(hours: float, _at: dt.datetime = at) -> dt.datetime | None:
                    t = _at + dt.timedelta(hours=hours)
                    return t if t < now - dt.timedelta(minutes=1) else None

                # Older incidents have gone further through their life; the newest are mostly still open.
                progress = rng.random() ** 0.3 * min(1.0, age_hours / 72)
                t = step(rng.uniform(0.05, 2))
                if t is None or progress < 0.1:
                    continue
                d = _actor(rng.choice(desk))
                incident = actions.assign_incident(actor=d, incident=incident, now=t)
                counts["assigned"] += 1
                provider_users = resolvers.get(incident.provider_id)
                if not provider_users:
                    continue
                p = _actor(rng.choice(provider_users))
                t = step(rng.uniform(2, 6))
                if t is None or progress < 0.25:
                    continue
                incident = actions.start_work(actor=p, incident=incident, note="Investigating.", now=t)
                counts["started"] += 1
                for k in range(rng.randint(0, 3)):
                    t = step(rng.uniform(6, 10) + 4 * k)
                    if t is None:
                        break
                    author = p if k % 2 == 0 else _actor(who)
                    actions.add_update(
                        actor=author,
                        incident=incident,
                        body=rng.choice(
                            [
                                "We can reproduce this and are looking at the logs.",
                                "Still seeing the problem on a handful of MPxNs; list sent to your desk.",
                                "A fix is being tested in pre-production.",
                                "Thanks, that works for us now.",
                            ]
                        ),
                        now=t,
                    )
                    counts["updates"] += 1
                t = step(rng.uniform(24, 40))
                if t is None or progress < 0.45:
                    continue
                incident = actions.resolve_incident(
                    actor=p, incident=incident, resolution="Fixed at source and reprocessed.", now=t
                )
                counts["resolved"] += 1
                t = step(rng.uniform(42, 70))
                if t is None or progress < 0.6:
                    continue
                closer = _actor(who) if rng.random() < 0.5 else d
                actions.close_incident(actor=closer, incident=incident, now=t)
                counts["closed"] += 1
        done = min(first + batch, n)
        rate = done / max(time.monotonic() - started_at, 1e-9)
        print(f"  history: {done:,}/{n:,} incidents ({rate:.0f}/s)", file=sys.stderr, flush=True)
    return counts


def main() -> None:
    params = json.loads(os.environ["BUSBAR_LOAD_SEED"])
    User = get_user_model()
    people = {u.email: u for u in User.objects.filter(email__in=[e for e, _ in TOKEN_PEOPLE])}
    missing = sorted({e for e, _ in TOKEN_PEOPLE} - set(people))
    if missing:
        raise SystemExit(f"seed: demo people missing (run busbar demo first): {', '.join(missing)}")
    demo_participants = [people[e] for e, kind in TOKEN_PEOPLE if kind == "participant"]
    participant_orgs = list(
        Organisation.objects.filter(
            memberships__user__in=demo_participants, memberships__role=MembershipRole.PARTICIPANT
        )
        .distinct()
        .order_by("name")
    )
    extras = _extra_people(params["extra_people"], participant_orgs)
    for user in extras:
        forget_scope(user)
    participants = demo_participants + extras
    desk = [people[e] for e, kind in TOKEN_PEOPLE if kind == "desk"]
    resolvers: dict[int, list] = {}
    for m in Membership.objects.filter(role=MembershipRole.RESOLVER, is_active=True).select_related("user"):
        resolvers.setdefault(m.organisation_id, []).append(m.user)
    services = list(
        Service.objects.filter(is_active=True)
        .select_related("sla_policy__scheme", "provider")
        .order_by("slug")
    )
    counts = _history(params["incidents"], participants, desk, resolvers, services, params["seed"])

    tokens = []
    holders = [(people[e], kind) for e, kind in TOKEN_PEOPLE] + [(u, "participant") for u in extras]
    for user, kind in holders:
        scope = scope_for(user)
        _token, raw = account_actions.create_api_token(actor=_actor(user), user=user, name="load benchmark")
        tokens.append(
            {
                "email": user.email,
                "name": user.display_name,
                "kind": kind,
                "organisation_ids": sorted(scope.organisation_ids),
                "resolver_for": sorted(scope.resolver_for),
                "token": raw,
            }
        )
    open_count = _open_count()
    out = {
        "created_at": timezone.now().isoformat(),
        "history": counts,
        "open_incidents": open_count,
        "participant_organisation_ids": [o.pk for o in participant_orgs],
        "tokens": tokens,
    }
    with open(params["tokens"], "w") as fh:
        json.dump(out, fh, indent=1)
    os.chmod(params["tokens"], 0o600)
    print(f"  history: {counts}; open now: {open_count}; tokens: {len(tokens)}", file=sys.stderr)


def _open_count() -> int:
    return Incident.objects.exclude(status__in=[Status.CLOSED, Status.CANCELLED, Status.RESOLVED]).count()


if __name__ == "busbar_load_seed":
    main()
