"""What the demo's players share: the programme being built, who acts, and the story's calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from busbar.lib.actions import Actor
from busbar.parties.models import Organisation
from busbar.parties.queries import scope_for
from busbar.testing.demo import data
from busbar.testing.models import Phase, Programme

LONDON = ZoneInfo("Europe/London")


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Play:
    ctx: object
    start: dt.date  # SIT Functional's first day
    programme: Programme | None = None
    envs: dict = field(default_factory=dict)
    sit: Phase | None = None
    parts: dict = field(default_factory=dict)  # org slug -> SIT participation
    scenarios: dict = field(default_factory=dict)  # code -> Scenario
    versions: dict = field(default_factory=dict)  # code -> [(from day, ScriptVersion)]
    pairings: dict = field(default_factory=dict)  # supplier slug -> [(from day, Pairing)]
    actors: dict = field(default_factory=dict)

    # -- who and when ---------------------------------------------------------------------------------

    def org(self, slug: str) -> Organisation:
        return self.ctx.orgs[slug]

    def actor(self, email: str | None) -> Actor:
        if email is None:
            return Actor.system()
        if email not in self.actors:
            user = self.ctx.people[email]
            self.actors[email] = Actor(
                user=user, organisation=scope_for(user).primary_organisation, channel="web"
            )
        return self.actors[email]

    @property
    def si(self) -> Actor:
        return self.actor(data.SI)

    def recorder(self, slug: str) -> Actor:
        """The participant's own test lead when the demo has one, else the SI records for it."""
        email = RECORDERS.get(slug)
        return self.actor(email) if email in self.ctx.people else self.si

    def at(self, day: int, minutes: int = 0, base: dt.date | None = None) -> dt.datetime:
        """``day`` days after the phase's first day (a weekend moves to the Friday before), at 09:00 London
        plus ``minutes``."""
        date = (base or self.start) + dt.timedelta(days=day)
        if date.weekday() >= 5:
            date -= dt.timedelta(days=date.weekday() - 4)
        return dt.datetime.combine(date, dt.time(9), tzinfo=LONDON) + dt.timedelta(minutes=minutes)

    def version_on(self, code: str, day: int):
        chosen = None
        for from_day, version in self.versions[code]:
            if from_day <= day:
                chosen = version
        return chosen

    def pairing_on(self, slug: str, day: int):
        chosen = None
        for from_day, pairing in self.pairings.get(slug, []):
            if from_day <= day:
                chosen = pairing
        return chosen


#: Who records each participant's results (the core demo's people).
RECORDERS = {
    "brightwater": data.OLIVIA,
    "kestrel": data.NOAH,
    "northern-lights": "supplier@northernlights.example",
    "greenfield": "supplier@greenfield.example",
    "harbour": "supplier@harbour.example",
    "meterwise": data.HARRY,
    "halfhour-data": data.ZARA,
    "eastern-dn": "mprs@easterndn.example",
    "northern-dn": "mprs@northerndn.example",
    "electralink": "resolver@electralink.example",
}
