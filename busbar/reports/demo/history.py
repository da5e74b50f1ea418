"""Thirteen months of generated incident history for the reporting demo, ending now, so every KPI chart
has a shape: 25–45 incidents a month across the demo services and their six providers, mixed severities,
some paused while the desk awaits the participant, some breaching, a major incident every few months
with its post-incident review, handovers desk → provider and a few re-assignments between providers.

Every incident is played through the incident actions with ``now=`` in the past (raise, triage, assign,
start, pending and the participant's reply, resolve, review, close), so clock logs, handovers, the audit
journal and the SLA cache are what live use would have written. The generator is seeded: the same day
gives the same history.

The story the operations manager finds (issue 14, "done when"): this month, **Northern Distribution
Networks** takes far longer than the others over its severity 2 incidents and misses its OLA target for
severity 2 resolution; every other provider meets it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from busbar.incidents import actions
from busbar.incidents.models import Incident, MajorIncident
from busbar.lib.actions import Actor
from busbar.parties.queries import scope_for
from busbar.services.models import Service

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
MONTHS = 13
SEED = 14

#: The provider that misses its severity 2 resolution OLA this month.
LATE_PROVIDER = "northern-dn"

#: service slug: (weight, provider's resolver email, share of incidents breaching the resolution target)
SERVICES = {
    "css-registration": (9, "resolver@cssp.example", 0.08),
    "css-address": (3, "resolver@cssp.example", 0.06),
    "switching-portal": (4, "resolver@cssp.example", 0.05),
    "uk-link": (6, "resolver@xoserve.example", 0.09),
    "des": (2, "resolver@xoserve.example", 0.05),
    "mprs-eastern": (4, "mprs@easterndn.example", 0.06),
    "mprs-northern": (4, "mprs@northerndn.example", 0.16),
    "ecoes": (4, "resolver@electralink.example", 0.10),
    "dcc-dsp": (3, "resolver@dcc.example", 0.08),
}
#: Where a wrongly routed incident really belonged: (from service, to provider slug, resolver email).
REROUTES = {
    "css-registration": [("xoserve", "resolver@xoserve.example"), ("eastern-dn", "mprs@easterndn.example")],
    "uk-link": [("css-provider", "resolver@cssp.example")],
    "mprs-eastern": [("electralink", "resolver@electralink.example")],
    "mprs-northern": [("electralink", "resolver@electralink.example")],
    "ecoes": [("northern-dn", "mprs@northerndn.example"), ("eastern-dn", "mprs@easterndn.example")],
    "dcc-dsp": [("css-provider", "resolver@cssp.example")],
}
#: (email, organisation slug, weight)
PARTICIPANTS = [
    ("supplier@brightwater.example", "brightwater", 6),
    ("supplier@kestrel.example", "kestrel", 4),
    ("supplier@kestrel.example", "harbour", 2),
    ("supplier@northernlights.example", "northern-lights", 4),
    ("supplier@greenfield.example", "greenfield", 4),
    ("supplier@harbour.example", "harbour", 1),
    ("agent@meterwise.example", "meterwise", 3),
    ("agent@halfhourdata.example", "halfhour-data", 2),
    ("ops@midlandsgas.example", "midlands-gas", 2),
]
DESK = ["analyst@operator.example", "analyst2@operator.example"]
#: Severity weights by scheme (the REC default, and the SEC example of DCC DSP); majors are placed apart.
REC_WEIGHTS = {"2": 18, "3": 50, "4": 32}
SEC_WEIGHTS = {"2": 15, "3": 45, "4": 25, "5": 15}
#: Months back (0 = this month) with a major incident, and what it was.
MAJORS = {
    12: ("css-registration", "CSS not accepting switch requests from any supplier"),
    9: ("uk-link", "UK Link not processing secured gas switches"),
    6: ("dcc-dsp", "DSP not receiving switch notifications from CSS"),
    2: ("css-registration", "CSS registration service unavailable after failed database failover"),
    1: ("mprs-northern", "MPRS Northern not confirming electricity registrations"),
}
REVIEWS = {
    "css-registration": (
        "A database failover did not complete: the standby kept the old connection pool settings.",
        "Failover runbook corrected; pool settings now in configuration management; quarterly failover test.",
        "Failover tests must run against production-like connection volumes.",
    ),
    "uk-link": (
        "A stuck message queue consumer after a certificate rotation on the CSS interface.",
        "Consumer health check added to monitoring; certificate rotation checklist updated.",
        "Interface certificate rotations need a joint CSS and UK Link test window.",
    ),
    "dcc-dsp": (
        "An expired client certificate on the CSS to DSP interface.",
        "Certificate expiry monitoring added at 30, 14 and 7 days; owner named in the runbook.",
        "Every interface certificate needs an owner and an expiry alert.",
    ),
    "mprs-northern": (
        "A batch job overran after a MHHS data migration step and locked the registration tables.",
        "Batch schedule moved outside the gate closure peak; lock timeouts added.",
        "Migration steps must be rehearsed with the live batch schedule.",
    ),
}
SUMMARIES = {
    "css-registration": [
        "Switch requests rejected with 'MPxN not found' for valid meters",
        "Secured switch notifications delayed by over an hour",
        "Objection window notifications not received",
        "Switch request acknowledgements missing for overnight batch",
        "Duplicate switch confirmations for the same MPxN",
    ],
    "css-address": [
        "Address match returns the wrong MPAN for flats",
        "New-build addresses missing from the CSS address service",
        "UPRN lookups timing out",
    ],
    "switching-portal": [
        "Portal switch history export fails for large date ranges",
        "Portal sign-in loops back to the login page",
        "Manual intervention screen shows stale switch status",
    ],
    "uk-link": [
        "Gas switch confirmations not received from UK Link",
        "Supply point enquiry returns HTTP 500",
        "Nomination responses delayed",
        "Shipper transfer files rejected with invalid format",
    ],
    "des": ["DES enquiries return no supply point data", "DES search slow for postcode queries"],
    "mprs-eastern": [
        "D0260 registration confirmations delayed",
        "MPRS rejecting D0205 flows with invalid GSP group",
        "Registration rejections without a reason code",
    ],
    "mprs-northern": [
        "D0260 registration confirmations delayed",
        "MPRS Northern not sending loss notifications",
        "Related MPAN registrations out of step",
    ],
    "ecoes": [
        "ECOES shows the old supplier after a completed switch",
        "ECOES API rate limit too low for the morning batch",
        "Meter serial not updated after exchange",
    ],
    "dcc-dsp": [
        "Smart meter not following the new supplier after switch",
        "DSP service requests rejected after change of supplier",
        "Change of supplier notifications delayed at the DSP",
    ],
}
RESOLUTIONS = [
    "Queue consumer restarted and the backlog processed; participants told to check their responses.",
    "Reference data corrected and the affected messages replayed.",
    "Configuration change reverted; the messages flowed again within minutes.",
    "Certificate renewed on the interface and the failed messages resent.",
    "Fix deployed to the validation rule; the rejected requests were resubmitted by the participant.",
    "Capacity added to the worker pool; response times back within normal range.",
]


@dataclass
class Played:
    """What the history made: counts for the demo's summary line and its tests."""

    incidents: int = 0
    majors: int = 0
    paused: int = 0
    reassigned: int = 0
    open: int = 0


class History:
    def __init__(self, ctx, now: dt.datetime) -> None:
        self.ctx = ctx
        self.now = now
        self.rng = random.Random(SEED)
        self.services = {s.slug: s for s in Service.objects.filter(slug__in=SERVICES, is_active=True)}
        self.sev = {
            scheme: {s.code: s for s in svc.sla_policy.scheme.severities.all()}
            for svc in self.services.values()
            for scheme in [svc.sla_policy.scheme_id]
        }
        self.orgs = ctx.orgs
        self.played = Played()
        self._actors: dict[tuple[str, str | None], Actor] = {}

    def actor(self, email: str, org: str | None = None) -> Actor:
        key = (email, org)
        if key not in self._actors:
            user = self.ctx.people[email]
            organisation = self.orgs[org] if org else scope_for(user).primary_organisation
            self._actors[key] = Actor(user=user, organisation=organisation, channel="web")
        return self._actors[key]

    # -- the plan ----------------------------------------------------------------------------------

    def month_starts(self) -> list[dt.datetime]:
        local = self.now.astimezone(LONDON)
        first = local.date().replace(day=1)
        out = []
        for back in range(MONTHS - 1, -1, -1):
            y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
            out.append(dt.datetime(y, m + 1, 1, tzinfo=LONDON).astimezone(UTC))
        return out

    def _when(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A time in [start, end): weekday office hours mostly (London)."""
        rng = self.rng
        span = (end - start).total_seconds()
        for _ in range(20):
            at = start + dt.timedelta(seconds=rng.uniform(0, span))
            local = at.astimezone(LONDON)
            if local.weekday() < 5 and 8 <= local.hour < 18 or rng.random() < 0.15:
                return at
        return at

    def play(self) -> Played:
        if len(self.services) < len(SERVICES) or any(p[1] not in self.orgs for p in PARTICIPANTS):
            return self.played
        starts = self.month_starts()
        self.this_month = starts[-1]
        slugs = list(SERVICES)
        weights = [SERVICES[s][0] for s in slugs]
        for back, start in zip(range(MONTHS - 1, -1, -1), starts, strict=True):
            end = starts[MONTHS - back] if back else self.now - 3 * HOUR
            count = self.rng.randint(25, 45)
            if back == 0:
                # This month so far: its share of a month, at least a handful.
                share = (self.now - start) / (30 * DAY)
                count = max(4, round(count * share))
            times = sorted(self._when(start, end) for _ in range(count)) if end > start else []
            for at in times:
                slug = self.rng.choices(slugs, weights)[0]
                self.incident(slug, at, back)
            if back in MAJORS:
                slug, summary = MAJORS[back]
                if end > start + 2 * DAY:
                    self.major(slug, summary, self._when(start, end - DAY))
            if back == 0:
                self.late_provider_story(start)
        return self.played

    # -- one incident ------------------------------------------------------------------------------

    def _severity(self, service: Service) -> str:
        weights = SEC_WEIGHTS if service.slug == "dcc-dsp" else REC_WEIGHTS
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _response(self, code: str) -> dt.timedelta:
        rng = self.rng
        late = rng.random() < 0.06
        if code == "2":
            return dt.timedelta(minutes=rng.uniform(25, 60) if late else rng.uniform(4, 18))
        if code == "3":
            return dt.timedelta(minutes=rng.uniform(50, 150) if late else rng.uniform(8, 40))
        return dt.timedelta(minutes=rng.uniform(60, 400))

    def _resolution(self, code: str, breach: bool) -> dt.timedelta:
        """Running time of the resolution clock (before pauses), against the REC targets (4 h, 24 h, 72 h,
        10 working days)."""
        rng = self.rng
        target = {"1": 4 * HOUR, "2": 24 * HOUR, "3": 72 * HOUR, "4": 14 * DAY, "5": 14 * DAY}[code]
        if breach:
            return target * rng.uniform(1.05, 1.8)
        if code == "2":
            return dt.timedelta(hours=rng.uniform(1.5, 9))
        return target * (rng.random() ** 1.5 * 0.8 + 0.03)

    def incident(
        self, slug: str, at: dt.datetime, back: int, *, code: str | None = None, breach=None
    ) -> None:
        rng = self.rng
        service = self.services[slug]
        _, resolver_email, breach_rate = SERVICES[slug]
        email, org, _ = rng.choices(PARTICIPANTS, [p[2] for p in PARTICIPANTS])[0]
        participant = self.actor(email, org)
        code = code or self._severity(service)
        severities = self.sev[service.sla_policy.scheme_id]
        desk = self.actor(rng.choice(DESK))
        summary = rng.choice(SUMMARIES[slug])
        suggested = (
            code if rng.random() < 0.85 else rng.choice([c for c in severities if c not in ("1", code)])
        )
        incident = actions.raise_incident(
            actor=participant,
            service=service,
            summary=summary,
            description=f"{summary}. Reported by {participant.organisation.name}; "
            f"{rng.randint(2, 400)} MPxNs affected so far.",
            severity=severities[suggested],
            organisation=self.orgs[org],
            now=at,
        )
        self.played.incidents += 1
        t = at + self._response(code)
        if rng.random() < 0.03:
            if t < self.now:
                actions.cancel_incident(
                    actor=desk, incident=incident, reason="Duplicate of an incident already open", now=t
                )
            return
        if t >= self.now:
            self.played.open += 1
            return
        if suggested != code:
            actions.triage_incident(actor=desk, incident=incident, severity=severities[code], now=t - MIN)
        actions.assign_incident(actor=desk, incident=incident, now=t)
        # This month's severity 2 story is told by late_provider_story: the others stay quick.
        quick = code == "2" and at >= self.this_month - 3 * DAY
        if breach is None:
            breach = rng.random() < breach_rate and not quick
        run = self._resolution(code, breach)
        resolver = self.actor(resolver_email)
        # A few are with the wrong provider first and passed on (the time counts against each holder).
        if slug in REROUTES and rng.random() < 0.06 and not quick:
            wrong_until = t + dt.timedelta(minutes=rng.uniform(40, 300))
            if wrong_until < self.now:
                to, resolver_email = rng.choice(REROUTES[slug])
                actions.assign_incident(
                    actor=desk, incident=incident, provider=self.orgs[to], now=wrong_until
                )
                resolver = self.actor(resolver_email)
                self.played.reassigned += 1
                run += wrong_until - t
        self.work(incident, t, run, desk, resolver, participant)

    def work(
        self, incident: Incident, t: dt.datetime, run: dt.timedelta, desk, resolver, participant
    ) -> None:
        """Started, perhaps paused for the participant, resolved after ``run`` of clock time, perhaps
        closed by the participant. Stops where ``now`` is (the incident stays open)."""
        rng, now = self.rng, self.now
        cursor = t + run * rng.uniform(0.05, 0.3)
        if cursor >= now:
            self.played.open += 1
            return
        if rng.random() < 0.3:
            actions.start_work(actor=resolver, incident=incident, now=cursor)
        end = t + run
        if rng.random() < 0.18:
            asked = cursor + MIN
            answered = asked + dt.timedelta(hours=rng.uniform(2, 30))
            who = desk if rng.random() < 0.5 else resolver
            actions.set_pending(
                actor=who,
                incident=incident,
                awaiting="participant",
                note="Please send the affected MPxNs and the time of the first failure.",
                now=asked,
            )
            self.played.paused += 1
            if answered >= now:
                self.played.open += 1
                return
            actions.add_update(
                actor=participant,
                incident=incident,
                body="The MPxNs are in the attached list; first failure at 06:10.",
                now=answered,
            )
            end += answered - asked
        if end >= now - 10 * MIN:
            self.played.open += 1
            return
        actions.resolve_incident(
            actor=resolver, incident=incident, resolution=rng.choice(RESOLUTIONS), now=end
        )
        closed = end + dt.timedelta(hours=rng.uniform(2, 96))
        if closed < now - HOUR and rng.random() < 0.4 and not hasattr(incident, "major"):
            actions.close_incident(actor=participant, incident=incident, now=closed)

    def major(self, slug: str, summary: str, at: dt.datetime) -> None:
        """A severity 1 raised by the desk (a major incident), resolved in hours, reviewed and closed."""
        rng = self.rng
        service = self.services[slug]
        desk = self.actor("analyst@operator.example")
        _, resolver_email, _ = SERVICES[slug]
        resolver = self.actor(resolver_email)
        incident = actions.raise_incident(
            actor=desk,
            service=service,
            summary=summary,
            description=f"{summary}. Monitoring alerted the desk; participants report failures across the "
            "market.",
            severity=self.sev[service.sla_policy.scheme_id]["1"],
            organisation=self.orgs["brightwater"],
            impact="market",
            channel="monitoring",
            now=at,
        )
        self.played.incidents += 1
        self.played.majors += 1
        t = at + dt.timedelta(minutes=rng.uniform(3, 9))
        actions.assign_incident(actor=desk, incident=incident, now=t)
        actions.start_work(actor=resolver, incident=incident, now=t + 5 * MIN)
        end = t + dt.timedelta(hours=rng.uniform(2.0, 5.5))
        actions.resolve_incident(actor=resolver, incident=incident, resolution=RESOLUTIONS[2], now=end)
        cause, steps, lessons = REVIEWS.get(slug, REVIEWS["css-registration"])
        review_at = end + dt.timedelta(days=rng.uniform(2, 5))
        if review_at < self.now:
            major = MajorIncident.objects.get(incident=incident)
            actions.record_review(
                actor=desk, major=major, cause=cause, actions=steps, lessons=lessons, now=review_at
            )
            actions.close_incident(actor=desk, incident=incident, now=review_at + HOUR)

    def late_provider_story(self, month_start: dt.datetime) -> None:
        """This month's severity 2 incidents: every provider resolves them within its OLA but the late
        provider, whose three take 14–30 hours (resolved this month, raised up to two days before)."""
        rng, now = self.rng, self.now
        elapsed = now - month_start
        # The others' severity 2s: quick (1.5–9 h), resolved this month.
        for slug in ("css-registration", "uk-link", "mprs-eastern", "ecoes"):
            resolved = month_start + elapsed * rng.uniform(0.3, 0.95)
            self._sev2(slug, resolved, dt.timedelta(hours=rng.uniform(1.5, 7)))
        for hours in (14, 22, 30):
            resolved = month_start + elapsed * rng.uniform(0.2, 0.98)
            self._sev2("mprs-northern", resolved, dt.timedelta(hours=hours + rng.uniform(0, 2)))

    def _sev2(self, slug: str, resolved: dt.datetime, took: dt.timedelta) -> None:
        rng = self.rng
        resolved = min(resolved, self.now - 5 * MIN)
        service = self.services[slug]
        severities = self.sev[service.sla_policy.scheme_id]
        _, resolver_email, _ = SERVICES[slug]
        email, org, _ = rng.choices(PARTICIPANTS, [p[2] for p in PARTICIPANTS])[0]
        participant = self.actor(email, org)
        desk = self.actor(rng.choice(DESK))
        at = resolved - took
        summary = rng.choice(SUMMARIES[slug])
        incident = actions.raise_incident(
            actor=participant,
            service=service,
            summary=summary,
            description=f"{summary}. Switches for our customers are held up; please treat as urgent.",
            severity=severities["2"],
            organisation=self.orgs[org],
            now=at,
        )
        self.played.incidents += 1
        responded = at + dt.timedelta(minutes=rng.uniform(4, 15))
        actions.assign_incident(actor=desk, incident=incident, now=responded)
        resolver = self.actor(resolver_email)
        actions.start_work(actor=resolver, incident=incident, now=responded + (resolved - responded) / 4)
        actions.resolve_incident(actor=resolver, incident=incident, resolution=RESOLUTIONS[1], now=resolved)
