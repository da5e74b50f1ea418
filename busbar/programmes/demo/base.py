"""What the governance demo's players share: the programme, who acts, and the story's two calendars."""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from busbar.lib.actions import Actor
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.programmes.demo import data
from busbar.testing.models import Programme

LONDON = ZoneInfo("Europe/London")


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekday_on_or_before(day: dt.date) -> dt.date:
    """``day``, or the Friday before when it falls on a weekend."""
    return day - dt.timedelta(days=max(0, day.weekday() - 4))


@dataclass
class Gov:
    ctx: object
    programme: Programme
    today: dt.date
    #: The first day of the testing demo's SIT Functional: the plan's :data:`data.SEED_SIT_FUNCTIONAL`.
    anchor: dt.date
    #: The day of TMAG #20: the first Wednesday at least three days ahead.
    tmag20: dt.date
    actors: dict = field(default_factory=dict)
    phases: dict = field(default_factory=dict)  # code -> PlanPhase
    milestones: dict = field(default_factory=dict)  # code -> Milestone
    raid: dict = field(default_factory=dict)  # key -> RaidItem
    groups: dict = field(default_factory=dict)  # code -> Group
    meetings: dict = field(default_factory=dict)  # "TMAG18" -> Meeting
    crs: dict = field(default_factory=dict)  # key -> ChangeRequest
    actions: dict = field(default_factory=dict)  # reference -> Action
    #: The story's events: (when, order, what), played in time order.
    events: list = field(default_factory=list)
    played: int = 0

    @classmethod
    def starting(cls, ctx, programme: Programme) -> Gov:
        """Today's story: the testing demo's SIT Functional started on the Monday six weeks before this
        week's (the plan is anchored there even when the testing demo was loaded on an earlier day, so that
        RA5's window always holds today)."""
        today = timezone.localdate()
        anchor = monday(today) - dt.timedelta(weeks=6)
        first = today + dt.timedelta(days=3)
        tmag20 = first + dt.timedelta(days=(2 - first.weekday()) % 7)
        return cls(ctx=ctx, programme=programme, today=today, anchor=anchor, tmag20=tmag20)

    # -- who ----------------------------------------------------------------------------------------------

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

    def actor(self, email: str) -> Actor:
        if email not in self.actors:
            user = self.user(email)
            self.actors[email] = Actor(
                user=user, organisation=scope_for(user).primary_organisation, channel="web"
            )
        return self.actors[email]

    @property
    def office(self) -> Actor:
        return self.actor(data.PM)

    # -- when ---------------------------------------------------------------------------------------------

    def plan(self, day: dt.date) -> dt.date:
        """A date of the programme's plan, moved so the plan's SIT Functional start is the demo's."""
        return day + (self.anchor - data.SEED_SIT_FUNCTIONAL)

    def day(self, when) -> dt.date:
        """A story day: ``W(n)`` counts from TMAG #20, a plain integer from today; a weekend moves to the
        Friday before."""
        if isinstance(when, tuple):
            _w, days = when
            return weekday_on_or_before(self.tmag20 + dt.timedelta(days=days))
        return weekday_on_or_before(self.today + dt.timedelta(days=when))

    def at(self, when, hour: int = 10, minute: int = 0) -> dt.datetime:
        """The story day ``when`` at ``hour``:``minute`` London time (never after now)."""
        day = when if isinstance(when, dt.date) else self.day(when)
        moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)
        return min(moment, timezone.now())

    def on(self, when, hour: int, minute: int, what) -> None:
        """Play ``what()`` on the story day ``when`` (a date, ``W(n)`` or days from today) at the time."""
        self.played += 1
        heapq.heappush(self.events, (self.at(when, hour, minute), self.played, what))

    def play(self) -> None:
        """Every event in time order (so that R-numbers, decisions and the like number as they happened);
        an event may add later ones."""
        while self.events:
            _at, _order, what = heapq.heappop(self.events)
            what()

    def text(self, template: str) -> str:
        """``template`` with ``{key}`` replaced by the R-number of the RAID item ``key``."""
        refs = {key: item.display_ref for key, item in self.raid.items()}
        for item in data.RAID:
            if "ref" in item:
                refs.setdefault(item["key"], f"R{item['ref']}")
        return template.format(**refs) if "{" in template else template
