"""How the change demo is played: each Change Notification's story is a list of steps at back-dated
times, and every step of every story runs in time order through the real actions (so conflicts, notice,
agendas, decisions and bulletins see exactly what was there at the time)."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from busbar.changes import actions
from busbar.changes.demo import data
from busbar.changes.models import (
    AWAITING_REVIEW,
    CcgMeeting,
    ChangeNotification,
    ChangeStatus,
    Consultation,
)
from busbar.lib.actions import Actor
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.services.models import Service

LONDON = ZoneInfo("Europe/London")


@dataclass
class Plan:
    """The demo's clock and cast; ``on`` queues a step, ``play`` runs them all in time order."""

    ctx: object
    now: dt.datetime
    today: dt.date
    services: dict[str, Service] = field(default_factory=dict)
    changes: dict[str, ChangeNotification] = field(default_factory=dict)
    meetings: dict[str, CcgMeeting] = field(default_factory=dict)
    events: list = field(default_factory=list)
    played: int = 0
    #: The next price-cap change day (its blackout; set with the blackouts).
    quarter_day: dt.date | None = None
    #: The blackout windows: (start, end, the service slugs named; none for every service).
    blackouts: list[tuple[dt.datetime, dt.datetime, frozenset[str]]] = field(default_factory=list)
    _actors: dict = field(default_factory=dict)

    @classmethod
    def starting(cls, ctx) -> Plan:
        now = timezone.now().replace(second=0, microsecond=0)
        return cls(ctx=ctx, now=now, today=timezone.localdate(now))

    # -- when ---------------------------------------------------------------------------------------------

    @property
    def monday(self) -> dt.date:
        """This week's Monday: the past stories are laid out in whole weeks before it."""
        return self.today - dt.timedelta(days=self.today.weekday())

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)

    def w(self, days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        """``days`` from this week's Monday at ``hour``:``minute`` London time."""
        return self.at(self.monday + dt.timedelta(days=days), hour, minute)

    def ago(self, **kw) -> dt.datetime:
        return self.now - dt.timedelta(**kw)

    def weekday_in_week(self, week: int, weekday: int) -> dt.date:
        """The ``weekday`` (0 Monday) among the seven days from tomorrow + 7 × ``week``: week 0 to 5 are
        the six weeks ahead, whatever day the demo is loaded."""
        first = self.today + dt.timedelta(days=1 + 7 * week)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7)

    def slot(
        self, services: Sequence[str], day: dt.date, start: str, end: str, *, next_day: bool = False
    ) -> tuple[dt.datetime, dt.datetime]:
        """A window on ``day`` from ``start`` to ``end`` ("HH:MM", London; ``next_day``: the end is the day
        after), moved a week at a time until it is outside every blackout on ``services``."""
        h1, m1 = (int(x) for x in start.split(":"))
        h2, m2 = (int(x) for x in end.split(":"))
        return self.clear(
            services, self.at(day, h1, m1), self.at(day + dt.timedelta(days=int(next_day)), h2, m2)
        )

    def clear(
        self, services: Sequence[str], start: dt.datetime, end: dt.datetime
    ) -> tuple[dt.datetime, dt.datetime]:
        """The window, moved a week at a time (same wall-clock times) until no blackout on ``services``
        overlaps it: the forward schedule stays clear of the freezes."""
        for _ in range(8):
            hit = any(
                s < end and start < e and (not named or named & set(services))
                for s, e, named in self.blackouts
            )
            if not hit:
                break
            start, end = shift(start, 7), shift(end, 7)
        return start, end

    # -- who and what --------------------------------------------------------------------------------------

    def user(self, email: str):
        found = self.ctx.people.get(email)
        if found is None:
            found = self.ctx.people[email] = get_user_model().objects.get(email=email)
        return found

    def actor(self, email: str) -> Actor:
        if email not in self._actors:
            user = self.user(email)
            self._actors[email] = Actor(
                user=user, organisation=scope_for(user).primary_organisation, channel="web"
            )
        return self._actors[email]

    def org(self, slug: str) -> Organisation:
        found = self.ctx.orgs.get(slug)
        if found is None:
            found = self.ctx.orgs[slug] = Organisation.objects.get(slug=slug)
        return found

    def change(self, key: str) -> ChangeNotification:
        """The change as it is now (actions lock and save their own copy)."""
        return ChangeNotification.objects.get(pk=self.changes[key].pk)

    # -- the story -----------------------------------------------------------------------------------------

    def on(self, when: dt.datetime, what: Callable[[dt.datetime], object]) -> None:
        when = min(when, self.now)
        self.played += 1
        heapq.heappush(self.events, (when, self.played, what))

    def play(self) -> None:
        while self.events:
            when, _order, what = heapq.heappop(self.events)
            what(when)

    def story(
        self,
        key: str,
        *,
        provider: str,
        raised: dt.datetime,
        title: str,
        kind: str,
        services: Sequence[str],
        start: dt.datetime,
        end: dt.datetime,
        outage: bool,
        team: str,
        description: str,
        impact: str = "",
        backout: str = "",
        risk: str = "medium",
        emergency_reason: str = "",
    ) -> Steps:
        """A Change Notification raised at ``raised`` by the provider's person; its further steps are
        chained on the returned :class:`Steps`."""
        by = data.PROVIDERS[provider]

        def raise_(at: dt.datetime) -> None:
            self.changes[key] = actions.raise_change(
                actor=self.actor(by),
                provider=self.org(provider),
                title=title,
                change_type=kind,
                services=[self.services[s] for s in services],
                planned_start=start,
                planned_end=end,
                is_outage=outage,
                description=description,
                expected_impact=impact,
                backout_plan=backout or "Restore the previous release from the pre-change snapshot.",
                risk=risk,
                team=team,
                emergency_reason=emergency_reason,
                now=at,
            )

        self.on(raised, raise_)
        return Steps(self, key, by)

    def meeting(
        self, key: str, *, held_at: dt.datetime, scheduled: dt.datetime, location: str, held: bool
    ) -> None:
        """A CCG meeting scheduled at ``scheduled`` (its agenda generated then), its agenda brought up to
        date the evening before, and (``held``) its minutes two hours after it starts, written from the
        decisions taken at it."""

        def schedule(at: dt.datetime) -> None:
            self.meetings[key] = actions.schedule_meeting(
                actor=self.actor(data.CHAIR), held_at=held_at, location=location, now=at
            )

        def refresh(at: dt.datetime) -> None:
            actions.refresh_agenda(actor=self.actor(data.CHAIR), meeting=self._meeting(key))

        def minutes(at: dt.datetime) -> None:
            meeting = self._meeting(key)
            lines = [
                f"CCG #{meeting.number}, chaired by the Switching Operator's change co-ordinator.",
                "",
                "Decisions:",
            ]
            for decision in meeting.decisions.select_related("change").order_by("decided_at", "id"):
                text = (
                    f"- {decision.change.reference} {decision.change.title}: {decision.get_outcome_display()}"
                )
                if decision.conditions:
                    text += f" (conditions: {decision.conditions})"
                lines.append(f"{text}. {decision.reason}")
            lines += [
                "",
                "Forward schedule of change reviewed for the next six weeks: no unresolved conflicts between "
                "accepted changes.",
            ]
            attendees = [self.user(data.CHAIR), self.user(data.DEPUTY)] + [
                self.user(email) for email in data.PROVIDERS.values()
            ]
            actions.record_minutes(
                actor=self.actor(data.CHAIR),
                meeting=meeting,
                minutes="\n".join(lines),
                attendees=attendees,
                now=at,
            )

        self.on(scheduled, schedule)
        self.on(held_at - dt.timedelta(hours=14), refresh)
        if held:
            self.on(held_at + dt.timedelta(hours=2), minutes)

    def _meeting(self, key: str) -> CcgMeeting:
        return CcgMeeting.objects.get(pk=self.meetings[key].pk)


@dataclass
class Steps:
    """One change's story after it is raised: every method queues a step and returns ``self``."""

    plan: Plan
    key: str
    by: str

    def _on(self, when: dt.datetime, what: Callable[[dt.datetime, ChangeNotification], object]) -> Steps:
        self.plan.on(when, lambda at: what(at, self.plan.change(self.key)))
        return self

    def _who(self, email: str | None) -> Actor:
        return self.plan.actor(email or self.by)

    def submit(self, when: dt.datetime) -> Steps:
        return self._on(when, lambda at, c: actions.submit_change(actor=self._who(None), change=c, now=at))

    def review(self, when: dt.datetime) -> Steps:
        """Taken into review by the desk."""

        def step(at: dt.datetime, change: ChangeNotification) -> None:
            if change.status == ChangeStatus.SUBMITTED:
                actions.take_into_review(actor=self._who(data.DESK), change=change, now=at)

        return self._on(when, step)

    def decide(
        self,
        when: dt.datetime,
        outcome: str,
        reason: str,
        *,
        meeting: str | None = None,
        conditions: str = "",
        new_start: dt.datetime | None = None,
        new_end: dt.datetime | None = None,
        late_exception: bool = False,
    ) -> Steps:
        """A CCG decision: at ``meeting`` by its chair, or between meetings by the desk. A change already
        accepted (a standard change pre-approved at submission) is left as it is; a notification found late
        is accepted as an exception to the notice rule, saying so."""

        def step(at: dt.datetime, change: ChangeNotification) -> None:
            if outcome in ("accept", "accept_conditions") and change.status not in AWAITING_REVIEW:
                return
            exception = late_exception or (change.is_late and outcome in ("accept", "accept_conditions"))
            why = reason
            if exception and not late_exception:
                why += " Accepted as an exception to the notice rule."
            actions.decide(
                actor=self._who(data.CHAIR if meeting else data.DESK),
                change=change,
                outcome=outcome,
                reason=why,
                conditions=conditions,
                new_start=new_start,
                new_end=new_end,
                late_exception=exception,
                meeting=self.plan._meeting(meeting) if meeting else None,
                now=at,
            )

        return self._on(when, step)

    def accept(self, when: dt.datetime, reason: str, **kw) -> Steps:
        return self.decide(when, "accept", reason, **kw)

    def consult(self, when: dt.datetime, organisations: Sequence[str], deadline: dt.date) -> Steps:
        return self._on(
            when,
            lambda at, c: actions.consult(
                actor=self._who(data.DESK),
                change=c,
                organisations=[self.plan.org(o) for o in organisations],
                deadline=deadline,
                now=at,
            ),
        )

    def respond(
        self, when: dt.datetime, organisation: str, impact: str, response: str, *, concerns: bool = False
    ) -> Steps:
        def step(at: dt.datetime, change: ChangeNotification) -> None:
            consultation = Consultation.objects.get(change=change, organisation=self.plan.org(organisation))
            actions.respond_consultation(
                actor=self.plan.actor(data.RESPONDERS[organisation]),
                consultation=consultation,
                impact=impact,
                response=response,
                concerns=concerns,
                now=at,
            )

        return self._on(when, step)

    def start(self, when: dt.datetime) -> Steps:
        return self._on(
            when,
            lambda at, c: actions.start_change(actor=self._who(None), change=c, now=at, actual_start=at),
        )

    def complete(self, when: dt.datetime, note: str = "") -> Steps:
        return self._on(
            when,
            lambda at, c: actions.complete_change(
                actor=self._who(None), change=c, now=at, actual_end=at, note=note
            ),
        )

    def fail(self, when: dt.datetime, note: str) -> Steps:
        return self._on(
            when,
            lambda at, c: actions.fail_change(
                actor=self._who(None), change=c, note=note, now=at, actual_end=at
            ),
        )

    def back_out(self, when: dt.datetime, note: str) -> Steps:
        return self._on(
            when,
            lambda at, c: actions.back_out_change(
                actor=self._who(None), change=c, note=note, now=at, actual_end=at
            ),
        )

    def pir(self, when: dt.datetime, summary: str, *, successful: bool, lessons: str = "") -> Steps:
        return self._on(
            when,
            lambda at, c: actions.record_pir(
                actor=self._who(data.DESK),
                change=c,
                summary=summary,
                successful=successful,
                lessons=lessons,
                now=at,
            ),
        )

    def retrospective(self, when: dt.datetime, reason: str, *, meeting: str | None = None) -> Steps:
        return self._on(
            when,
            lambda at, c: actions.retrospective_review(
                actor=self._who(data.CHAIR if meeting else data.DESK),
                change=c,
                reason=reason,
                meeting=self.plan._meeting(meeting) if meeting else None,
                now=at,
            ),
        )

    def reviewed(self, when: dt.datetime, note: str = "") -> Steps:
        return self._on(
            when, lambda at, c: actions.mark_reviewed(actor=self._who(data.DESK), change=c, note=note, now=at)
        )

    def cancel(self, when: dt.datetime, reason: str) -> Steps:
        return self._on(
            when, lambda at, c: actions.cancel_change(actor=self._who(None), change=c, reason=reason, now=at)
        )


def shift(moment: dt.datetime, days: int) -> dt.datetime:
    """The same London wall-clock time ``days`` later (across a clock change too)."""
    local = moment.astimezone(LONDON).replace(tzinfo=None) + dt.timedelta(days=days)
    return local.replace(tzinfo=LONDON)
