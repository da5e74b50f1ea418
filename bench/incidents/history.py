"""One incident's history as COPY rows: clock log, updates, audit journal, SLA notices, major record.

Part of the incident benchmark (see load.py for what is generated and the SLA-cache shortcut).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field

from world import DAY, HOUR, MIN, Person, Policy, Svc, Text, World

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
YEARS = 3

#: The tables this loader fills, in FK order (parents first).
TABLES = [
    "records_record",
    "incidents_incident",
    "incidents_incident_affected",
    "incidents_handover",
    "records_clockevent",
    "records_entry",
    "incidents_majorincident",
    "records_slanotice",
    "records_slanotice_escalated_to",
    "audit_auditentry",
]
_COLUMNS = {
    # Each incident's kernel record has the incident's id (the loader starts both id sequences together).
    "records_record": "id kind reference created_at response_due_at resolution_due_at response_breached "
    "resolution_breached sla_paused sla_next_check_at sla_notified",
    "incidents_incident": "id record_id reference summary description impact status channel contact_name "
    "is_published created_at updated_at responded_at resolved_at closed_at resolution assignee_id "
    "organisation_id provider_id raised_by_id service_id severity_id",
    "incidents_incident_affected": "incident_id organisation_id",
    # One handover when the desk passes the incident to the service's provider (as assign_incident writes).
    "incidents_handover": "incident_id provider_id at",
    "records_clockevent": "record_id at kind severity_code",
    "records_entry": "record_id author_id author_label author_organisation_id channel body is_internal "
    "created_at email_message_id",
    "incidents_majorincident": "id incident_id trigger state manager_id opened_at update_interval_minutes "
    "next_update_due_at reminded_for review_cause review_actions review_lessons review_completed_at "
    "review_completed_by_id",
    "records_slanotice": "id record_id clock kind crossed_at raised_at",
    "records_slanotice_escalated_to": "slanotice_id user_id",
    "audit_auditentry": "at actor_id actor_label actor_organisation_id channel action record_type_id "
    "record_id record_label owner_organisation_id changes note",
}
#: The columns each COPY writes, in the order the loader formats them.
COLUMNS = {table: names.split() for table, names in _COLUMNS.items()}

NOTICE_BITS = {
    ("response", "warning"): 1,
    ("response", "breach"): 2,
    ("resolution", "warning"): 4,
    ("resolution", "breach"): 8,
}
OPEN_STATUS_WEIGHTS = {
    "new": 0.08,
    "assigned": 0.22,
    "in_progress": 0.40,
    "pending_participant": 0.15,
    "pending_provider": 0.15,
}
CHANNEL_WEIGHTS = {"portal": 0.60, "api": 0.20, "email": 0.10, "phone": 0.08, "monitoring": 0.02}

_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def esc(value: str) -> str:
    return value.translate(_ESC)


def ts(seconds: int) -> str:
    """An epoch second as a timestamptz literal for COPY."""
    return (EPOCH + dt.timedelta(seconds=seconds)).isoformat()


def ots(seconds: int | None) -> str:
    return NULL if seconds is None else ts(seconds)


def odt(value: dt.datetime | None) -> str:
    return NULL if value is None else value.isoformat()


def oid(value: int | None) -> str:
    return NULL if value is None else str(value)


def tf(value: bool) -> str:
    return "t" if value else "f"


def jdump(value: object) -> str:
    return esc(json.dumps(value, separators=(", ", ": ")))


# SLA clocks (see load.py: the shortcut) -----------------------------------------------------------------

RESPONSE_KINDS = {"start": "start", "severity": "severity", "responded": "stop"}
RESOLUTION_KINDS = {
    "start": "start",
    "severity": "severity",
    "pause": "pause",
    "resume": "resume",
    "resolved": "stop",
    "restart": "restart",
}


@dataclass
class State:
    """What refresh_cache reads from a clock."""

    due_at: dt.datetime | None
    warning_at: dt.datetime | None
    warned_at: dt.datetime | None
    breached: bool
    breached_at: dt.datetime | None
    paused: bool
    stopped: bool


def _fast_clock(log: list[tuple[int, str]], target: int, ratio: float, now: int) -> State:
    """compute_clock on a 24x7 calendar without closures, where working time is real time (seconds)."""
    spans: list[tuple[int, int]] = []
    running_since: int | None = None
    paused = stopped = False
    for at, kind in log:
        if kind == "start":
            running_since = at
        elif kind in ("pause", "stop"):
            if running_since is not None:
                spans.append((running_since, at))
                running_since = None
            paused = kind == "pause"
            stopped = stopped or kind == "stop"
        elif kind in ("resume", "restart"):
            running_since = at
            paused = stopped = False
    if running_since is not None:
        spans.append((running_since, now))
    target_td = dt.timedelta(seconds=target)
    warn_td = target_td * ratio  # the same timedelta x float as the engine

    def crossing(threshold: dt.timedelta) -> dt.datetime | None:
        acc = dt.timedelta(0)
        for b, e in spans:
            worked = dt.timedelta(seconds=e - b)
            if acc + worked >= threshold:
                return EPOCH + dt.timedelta(seconds=b) + (threshold - acc)
            acc += worked
        return None

    elapsed = dt.timedelta(seconds=sum(e - b for b, e in spans))
    breached = elapsed > target_td
    breached_at = crossing(target_td) if breached else None
    warned_at = crossing(warn_td) if elapsed >= warn_td else None
    due_at = warning_at = None
    if running_since is not None:
        now_dt = EPOCH + dt.timedelta(seconds=now)
        due_at = crossing(target_td) if elapsed >= target_td else now_dt + (target_td - elapsed)
        warning_at = warned_at if warned_at is not None else now_dt + (warn_td - elapsed)
    return State(due_at, warning_at, warned_at, breached, breached_at, paused, stopped)


def clock_states(policy: Policy, events: list[tuple[int, str, str]], severity: str, now: int) -> dict:
    """Both clocks of one incident as at ``now``, from its clock log of (epoch second, kind, severity)."""
    from busbar.lib import slaclock
    from busbar.records.sla import working_calendar

    out = {}
    for clock, mapping in (("response", RESPONSE_KINDS), ("resolution", RESOLUTION_KINDS)):
        target = policy.targets[(severity, clock)]
        if target.fast:
            log = [(at, mapping[k]) for at, k, _s in events if k in mapping]
            out[clock] = _fast_clock(log, target.seconds, policy.ratio, now)
            continue
        log = [
            slaclock.ClockEvent(at=EPOCH + dt.timedelta(seconds=at), kind=mapping[k], severity=s or None)
            for at, k, s in events
            if k in mapping
        ]
        current = policy.db_targets[(severity, clock)]

        def target_for(code: str, clock: str = clock) -> slaclock.Target:
            t = policy.db_targets[(code, clock)]
            return slaclock.Target(amount=t.amount, unit=t.unit)

        when = EPOCH + dt.timedelta(seconds=now)
        s = slaclock.compute_clock(log, target_for, working_calendar(current.calendar), when, policy.ratio)
        out[clock] = State(
            s.due_at, s.warning_at, s.warned_at, s.breached, s.breached_at, s.paused, s.stopped
        )
    return out


# One incident's history --------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def plan(n: int, open_share: float, now: int, rng: random.Random, world: World) -> list[tuple]:
    """(created_at, service index, severity, open status or "") per incident, sorted by creation time."""
    start = now - YEARS * 365 * DAY
    indexes = range(len(world.services))
    rows = []
    for _ in range(n):
        svc = rng.choices(indexes, world.service_weights)[0]
        policy = world.services[svc].policy
        severity = rng.choices(policy.codes, policy.weights)[0]
        status = _weighted(rng, OPEN_STATUS_WEIGHTS) if rng.random() < open_share else ""
        if status:
            # Ages measured against the target of the clock that runs: most within it, a tail beyond it.
            clock = "response" if status == "new" else "resolution"
            nominal = policy.targets[(severity, clock)].seconds
            f = rng.uniform(0.0, 0.95) if rng.random() < 0.78 else rng.uniform(1.0, 4.0)
            created = now - max(3 * MIN, int(nominal * f))
        else:
            day = rng.randrange(start // DAY, (now - 2 * DAY) // DAY)
            if dt.date.fromordinal(day + 719163).weekday() >= 5 and rng.random() < 0.6:
                day -= rng.randint(1, 2)  # fewer at weekends
            # Mostly office hours (UTC, near enough).
            second = rng.randint(7 * HOUR, 18 * HOUR) if rng.random() < 0.8 else rng.randrange(DAY)
            created = day * DAY + second
        rows.append((created, svc, severity, status))
    rows.sort()
    return rows


@dataclass
class Batch:
    rows: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TABLES})
    incidents: int = 0


@dataclass
class Story:
    """One incident while it is being made."""

    iid: int
    ref: str
    label: str
    created: int
    svc: Svc
    severity: str
    org_id: int
    org_name: str
    raiser: Person | None
    desk: Person
    status: str
    events: list[tuple[int, str, str]] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    responded: int | None = None
    resolved: int | None = None
    closed: int | None = None
    provider_id: int | None = None
    assignee: int | None = None
    resolution: str = ""
    end: int = 0


PENDING = {"status": ["in_progress", "pending_participant"]}
REVIEW = ("Configuration change without impact assessment", "Change process tightened", "Alert on queues")


class Generator:
    def __init__(
        self, world: World, now: int, rng: random.Random, first_major: int, first_notice: int
    ) -> None:
        self.w = world
        self.now = now
        self.rng = rng
        self.text = Text(rng, [s.name for s in world.services])
        self.next_major = first_major
        self.next_notice = first_notice
        self.stats = {"open": 0, "paused": 0, "breached_open": 0, "notices": 0, "majors": 0}

    def audit(
        self,
        s: Story,
        at: int,
        actor: Person | None,
        action: str,
        changes: dict,
        note: str = "",
        channel: str = "web",
        record: tuple[int, int, str] | None = None,
    ) -> None:
        """A journal entry about the incident (or ``record``: content type, id, label)."""
        rtype, rid, label = record or (self.w.incident_ct, s.iid, s.label)
        who = (
            (str(actor.id), esc(actor.label), str(actor.org_id)) if actor else (NULL, "Busbar (system)", NULL)
        )
        what = (channel, action, str(rtype), str(rid), label, str(s.org_id), jdump(changes), esc(note))
        s.audit.append("\t".join((ts(at), *who, *what)))

    def incident(
        self, b: Batch, iid: int, created: int, svc_index: int, severity: str, open_status: str
    ) -> None:
        rng, w = self.rng, self.w
        svc = w.services[svc_index]
        org_id, org_name, people = rng.choices(w.participants, w.participant_weights)[0]
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        raiser = rng.choice(people) if people and channel not in ("phone", "monitoring") else None
        ref = f"INC{iid:07d}"
        summary = self.text.summary()
        s = Story(
            iid=iid,
            ref=ref,
            label=esc(f"{ref}: {summary}"[:200]),
            created=created,
            svc=svc,
            severity=severity,
            org_id=org_id,
            org_name=org_name,
            raiser=raiser,
            desk=rng.choice(w.desk),
            status=open_status or ("cancelled" if rng.random() < 0.03 else "closed"),
            end=self.now,
        )
        t = self._raise(s, summary, channel)
        if s.status == "cancelled":
            self._cancel(s, t)
        elif s.status != "new":  # "new": nobody has looked yet, the response clock runs
            self._assign(s, t)
            if open_status:
                self._open_tail(s)
            else:
                self._closed_history(s)
        s.events.sort(key=lambda e: e[0])
        states, notified, next_check = self._sla(b, s)
        updated = self._updates(b, s)
        impact = "single" if rng.random() < 0.8 else ("several" if rng.random() < 0.85 else "market")
        if impact != "single":
            for other, _name, _people in rng.sample(
                w.participants, min(len(w.participants), rng.randint(2, 4))
            ):
                if other != org_id:
                    b.rows["incidents_incident_affected"].append(f"{iid}\t{other}")
        is_major = severity in svc.policy.major
        if is_major:
            self._major(b, s)
        for at, kind, sev in s.events:
            b.rows["records_clockevent"].append(f"{iid}\t{ts(at)}\t{kind}\t{sev}")
        b.rows["audit_auditentry"] += s.audit
        if s.provider_id is not None and s.responded is not None:
            b.rows["incidents_handover"].append(f"{iid}\t{s.provider_id}\t{ts(s.responded)}")
        response, resolution = states["response"], states["resolution"]
        if open_status:
            self.stats["open"] += 1
            self.stats["paused"] += resolution.paused
            self.stats["breached_open"] += response.breached or resolution.breached
        b.rows["records_record"].append(
            "\t".join(
                (
                    str(iid),
                    "incident",
                    ref,
                    ts(created),
                    odt(None if response.stopped else response.due_at),
                    odt(None if resolution.stopped else resolution.due_at),
                    tf(response.breached),
                    tf(resolution.breached),
                    tf(resolution.paused),
                    odt(next_check),
                    str(notified),
                )
            )
        )
        b.rows["incidents_incident"].append(
            "\t".join(
                (
                    str(iid),
                    str(iid),
                    ref,
                    esc(summary),
                    esc(self.text.description()),
                    impact,
                    s.status,
                    channel,
                    "" if raiser else rng.choice(["Sam Jones", "Alex Brown", "Priya Patel", "Chris Green"]),
                    tf(is_major or rng.random() < 0.01),  # is_published: majors always
                    ts(created),
                    ts(max(updated, s.closed or 0, *(e[0] for e in s.events))),
                    ots(s.responded),
                    ots(s.resolved),
                    ots(s.closed),
                    esc(s.resolution),
                    oid(s.assignee),
                    str(org_id),
                    oid(s.provider_id),
                    oid(raiser.id if raiser else None),
                    str(svc.id),
                    str(svc.policy.severity_ids[severity]),
                )
            )
        )
        b.incidents += 1

    # The steps of a history ----------

    def _raise(self, s: Story, summary: str, channel: str) -> int:
        """Raised (and possibly re-graded at triage); returns when the desk had looked at it."""
        rng, policy = self.rng, s.svc.policy
        initial = s.severity
        if rng.random() < 0.05:
            initial = rng.choice(
                [c for c in policy.codes if c != s.severity and c not in policy.major] or [initial]
            )
        s.events.append((s.created, "start", initial))
        changes = {
            "service": [None, s.svc.name],
            "severity": [None, initial],
            "summary": [None, summary],
            "organisation": [None, s.org_name],
            "channel": [None, channel],
        }
        via = {"api": "api", "email": "email"}.get(channel, "web")
        self.audit(s, s.created, s.raiser or s.desk, "incident.raise", changes, channel=via)
        if initial == s.severity:
            return s.created
        # Re-graded within the hour, but never after the load's "now" (an incident raised minutes ago).
        t = min(s.created + rng.randint(3 * MIN, 40 * MIN), max(s.created, self.now - MIN))
        s.events.append((t, "severity", s.severity))
        self.audit(s, t, s.desk, "incident.triage", {"severity": [initial, s.severity]})
        return t

    def _cancel(self, s: Story, t: int) -> None:
        cancel = t + self.rng.randint(2 * MIN, 40 * MIN)
        s.responded = s.closed = s.end = cancel
        s.events += [(cancel, "responded", ""), (cancel, "resolved", "")]
        changes = {"status": ["new", "cancelled"], "responded_at": [None, ts(cancel)]}
        self.audit(s, cancel, s.raiser or s.desk, "incident.cancel", changes, note="Raised in error")

    def _resp_delay(self, s: Story) -> int:
        nominal = s.svc.policy.targets[(s.severity, "response")].seconds
        f = self.rng.uniform(0.1, 0.95) if self.rng.random() < 0.92 else self.rng.uniform(1.1, 4.0)
        return max(30, int(nominal * f))

    def _assign(self, s: Story, t: int) -> None:
        """The desk passes it to the service's provider (which counts as the response)."""
        rng = self.rng
        s.responded = t + self._resp_delay(s)
        if s.status != "closed":  # still open: responded before now
            s.responded = max(t, min(s.responded, self.now - 30))
        s.provider_id = s.svc.provider_id
        person = rng.choice(s.svc.resolvers) if s.svc.resolvers and rng.random() < 0.6 else None
        s.assignee = person.id if person else None
        s.events.append((s.responded, "responded", ""))
        changes = {
            "provider": [None, s.svc.provider_name],
            "status": ["new", "assigned"],
            "responded_at": [None, ts(s.responded)],
        }
        if person:
            changes["assignee"] = [None, person.label]
        self.audit(s, s.responded, s.desk, "incident.assign", changes)

    def _open_tail(self, s: Story) -> None:
        """Still open: perhaps paused and resumed once, perhaps waiting on the participant right now."""
        rng, now = self.rng, self.now
        cursor = s.responded
        if rng.random() < 0.2 and now - cursor > 4 * HOUR:
            p0 = cursor + rng.randint(10 * MIN, max(10 * MIN + 1, (now - cursor) // 3))
            p1 = min(p0 + rng.randint(30 * MIN, 2 * DAY), now - 2 * MIN)
            if p1 > p0:
                s.events += [(p0, "pause", ""), (p1, "resume", "")]
                cursor = p1
        if s.status == "pending_participant":
            at = min(cursor + max(1, int((now - cursor) * rng.uniform(0.2, 0.95))), now - 1)
            s.events.append((at, "pause", ""))
            who = rng.choice(s.svc.resolvers) if s.svc.resolvers else s.desk
            self.audit(s, at, who, "incident.pending_participant", PENDING, "Please send the references.")

    def _closed_history(self, s: Story) -> None:
        """Worked (with pauses), resolved, perhaps reopened once, closed unless it is recent."""
        rng, now = self.rng, self.now
        nominal = s.svc.policy.targets[(s.severity, "resolution")].seconds
        # Durations first, then squeezed if the history would not have finished by now.
        npause = 0 if rng.random() < 0.73 else (1 if rng.random() < 0.8 else 2)
        run = nominal * (rng.random() ** 1.6 * 0.95 if rng.random() < 0.9 else rng.uniform(1.0, 3.0))
        run = max(int(run), 5 * MIN)
        gaps = [int(run / (npause + 1) * rng.uniform(0.5, 1.0)) for _ in range(npause)]
        pauses = [int(rng.lognormvariate(9.5, 1.0)) for _ in range(npause)]  # median ~3.7 h
        tail = max(60, run - sum(gaps))
        total = (s.responded - s.created) + sum(gaps) + sum(pauses) + tail
        budget = now - 2 * HOUR - s.created
        if total > budget:
            f = budget / total * rng.uniform(0.5, 0.95)
            s.responded = s.created + max(1, int((s.responded - s.created) * f))
            s.events = [(min(at, s.responded), k, sev) for at, k, sev in s.events[:-1]]
            s.events.append((s.responded, "responded", ""))
            gaps = [int(g * f) for g in gaps]
            pauses = [max(1, int(p * f)) for p in pauses]
            tail = max(1, int(tail * f))
        cursor = s.responded
        for gap, pause in zip(gaps, pauses, strict=True):
            p0 = cursor + gap
            s.events += [(p0, "pause", ""), (p0 + pause, "resume", "")]
            self.audit(
                s, p0, s.desk, "incident.pending_participant", PENDING, "Please confirm the references."
            )
            cursor = p0 + pause
        s.resolved = cursor + tail
        s.events.append((s.resolved, "resolved", ""))
        s.resolution = self.text.resolution()
        resolver = rng.choice(s.svc.resolvers) if s.svc.resolvers else s.desk
        resolved = {"status": ["in_progress", "resolved"], "resolution": [None, s.resolution]}
        self.audit(s, s.resolved, resolver, "incident.resolve", resolved)
        if rng.random() < 0.02 and s.resolved + 3 * DAY < now:
            restart = s.resolved + rng.randint(2 * HOUR, 2 * DAY)
            s.resolved = restart + rng.randint(HOUR, DAY)
            s.events += [(restart, "restart", ""), (s.resolved, "resolved", "")]
            reopened = {"status": ["resolved", "in_progress"]}
            self.audit(
                s, restart, s.raiser or s.desk, "incident.reopen", reopened, "Still failing for some MPANs"
            )
            self.audit(s, s.resolved, resolver, "incident.resolve", resolved)
        closed = s.resolved + rng.randint(HOUR, 5 * DAY)
        if closed > now - 60:
            s.status = "resolved"  # awaiting the participant's confirmation
        else:
            s.closed = closed
            self.audit(s, closed, s.raiser or s.desk, "incident.close", {"status": ["resolved", "closed"]})
        s.end = s.closed or s.resolved

    def _sla(self, b: Batch, s: Story) -> tuple[dict, int, dt.datetime | None]:
        """Both clocks as at the load instant, as refresh_cache would see them after the scan has run:
        a notice (and journal entry, and escalation for a breach) per threshold crossed."""
        states = clock_states(s.svc.policy, s.events, s.severity, self.now)
        notified = 0
        pending: list[dt.datetime] = []
        for clock, state in states.items():
            for kind, crossed, projected in (
                ("warning", state.warned_at, state.warning_at),
                ("breach", state.breached_at, state.due_at),
            ):
                if crossed is None:
                    if projected is not None:
                        pending.append(projected)
                    continue
                notified |= NOTICE_BITS[(clock, kind)]
                nid = self.next_notice
                self.next_notice += 1
                raised = min(int(crossed.timestamp()) + self.rng.randint(1, 60), self.now)
                b.rows["records_slanotice"].append(
                    f"{nid}\t{s.iid}\t{clock}\t{kind}\t{crossed.isoformat()}\t{ts(raised)}"
                )
                if kind == "breach":
                    for uid in self.w.escalate_to:
                        b.rows["records_slanotice_escalated_to"].append(f"{nid}\t{uid}")
                changes = {f"{clock}_{kind}": [None, crossed.isoformat()]}
                self.audit(s, raised, None, f"incident.sla_{kind}", changes, channel="system")
                self.stats["notices"] += 1
        return states, notified, min(pending, default=None)

    def _updates(self, b: Batch, s: Story) -> int:
        """1-4 public updates or internal notes between raising and the end (or now); the last one's time."""
        rng = self.rng
        last = 0
        k = rng.choices((1, 2, 3, 4), (30, 35, 20, 15))[0]
        span_end = max(s.created + 60, min(s.end, self.now - 1))
        for at in sorted(rng.randint(s.created + 1, span_end) for _ in range(k)):
            r = rng.random()
            if r < 0.4 and s.provider_id and s.svc.resolvers:
                author, internal = rng.choice(s.svc.resolvers), rng.random() < 0.3
            elif r < 0.7 or not s.raiser:
                author, internal = rng.choice(self.w.desk), r < 0.7 and rng.random() < 0.25
            else:
                author, internal = s.raiser, False
            channel = "email" if rng.random() < 0.1 else "portal"
            b.rows["records_entry"].append(
                f"{s.iid}\t{author.id}\t{esc(author.label)}\t{author.org_id}\t{channel}\t"
                f"{esc(self.text.update())}\t{tf(internal)}\t{ts(at)}\t"
            )
            last = at
        return last

    def _major(self, b: Batch, s: Story) -> None:
        """The major-incident record a most-severe incident opens (closed ones with their review)."""
        mid = self.next_major
        self.next_major += 1
        self.stats["majors"] += 1
        active = s.status not in ("resolved", "closed", "cancelled")
        done = s.status in ("closed", "cancelled")
        state = "active" if active else ("closed" if done else "review")
        due = ts(self.now + self.rng.randint(-30 * MIN, 60 * MIN)) if active else NULL
        review = REVIEW if done else ("", "", "")
        reviewed = (ots(s.closed - HOUR), str(s.desk.id)) if done else (NULL, NULL)
        opened = (str(mid), str(s.iid), "severity", state, str(s.desk.id), ts(s.created), "60", due, NULL)
        b.rows["incidents_majorincident"].append("\t".join((*opened, *review, *reviewed)))
        changes = {"trigger": [None, "severity"], "incident": [None, s.ref]}
        record = (self.w.major_ct, mid, esc(f"Major incident {s.ref}"))
        self.audit(s, s.created, None, "major_incident.open", changes, channel="system", record=record)
