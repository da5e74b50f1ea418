"""Reading an action log spreadsheet (CSV or XLSX, the programme's own columns: ``Ref | Date | Action |
Owner | Due | Status | Latest Update``, GV-28) into checked rows, or refusing it with every fault named by
line and column. Nothing here writes: :func:`busbar.programmes.actions.meetings.import_actions` writes the
rows, all or nothing, and the import pages and API show :func:`parse`'s rows as a preview first.

Each row must name an action of a meeting that exists (``TMAG18-01``: group TMAG, meeting #18, action 01),
not already in the log nor twice in the file; dates read as ``17/05/23``, ``17/05/2023`` or ``2023-05-17``;
the owner is a participant organisation, ``<organisation> (<people>)``, ``Programme (…)`` (the programme
office) or ``<GROUP> members``; the status is Open, Open – ongoing or Recommend closed (an action is closed
only by ratifying it at a meeting, GV-30). R-numbers in the latest update (``R281``) link the RAID items the
importer may see.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from busbar.lib.limits import text_max
from busbar.lib.tabular import MAX_ERRORS, Fault, ImportRefused, read_table
from busbar.parties.models import Membership, Organisation
from busbar.programmes import queries
from busbar.programmes.models import Action, ActionStatus, Group, Meeting, RaidItem
from busbar.programmes.workdays import FIRST_YEAR, LAST_YEAR
from busbar.testing.models import ProgrammeFunction, ProgrammeParty

__all__ = ["ImportRefused", "ParsedAction", "ParsedActions", "parse", "raid_mentions"]

MAX_ROWS = 2000
REQUIRED = ("ref", "action", "owner")
OPTIONAL = ("date", "due", "status", "latest update")
ALIASES = {
    "reference": "ref",
    "ref.": "ref",
    "id": "ref",
    "description": "action",
    "action description": "action",
    "owner(s)": "owner",
    "due date": "due",
    "due by": "due",
    "raised": "date",
    "date raised": "date",
    "latest update": "latest update",
    "update": "latest update",
    "latest_update": "latest update",
}
DATE_FORMATS = (
    "%d/%m/%y",
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d %b %y",
)
#: An R-number in free text (R281, R525), never a reference with a leading zero such as "REC CP R0044".
RAID_MENTION = re.compile(r"(?<![A-Za-z0-9])R([1-9][0-9]{0,6})(?![A-Za-z0-9])")
STATUS_WORDS = {
    "open": ActionStatus.OPEN,
    "new": ActionStatus.OPEN,
    "open - ongoing": ActionStatus.ONGOING,
    "open-ongoing": ActionStatus.ONGOING,
    "open ongoing": ActionStatus.ONGOING,
    "ongoing": ActionStatus.ONGOING,
    "recommend closed": ActionStatus.RECOMMEND_CLOSED,
    "recommended closed": ActionStatus.RECOMMEND_CLOSED,
    "recommend close": ActionStatus.RECOMMEND_CLOSED,
    "recommend closure": ActionStatus.RECOMMEND_CLOSED,
}
PEOPLE_SPLIT = re.compile(r"\s*(?:&|,|/|\band\b)\s*")


def limits() -> dict[str, int]:
    return {
        "ref": 40,
        "date": 40,
        "action": text_max(),
        "owner": 200,
        "due": 40,
        "status": 60,
        "latest update": text_max(),
    }


@dataclass
class ParsedAction:
    line: int
    reference: str
    group: Group
    meeting: Meeting
    sequence: int
    raised_on: dt.date
    description: str
    owner_organisation: Any  # parties.Organisation | None
    owner_label: str
    owner_people: list = field(default_factory=list)
    due_date: dt.date | None = None
    status: str = ActionStatus.OPEN
    latest_update: str = ""
    raid_items: list[RaidItem] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return ActionStatus(self.status).label

    @property
    def owner_display(self) -> str:
        if self.owner_label:
            return self.owner_label
        names = ", ".join(p.display_name for p in self.owner_people)
        if self.owner_organisation is not None:
            return f"{self.owner_organisation.name} ({names})" if names else self.owner_organisation.name
        return names

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "reference": self.reference,
            "group": self.group.code,
            "meeting": self.meeting.number,
            "raised_on": self.raised_on,
            "description": self.description,
            "owner": self.owner_display,
            "owner_organisation": self.owner_organisation.pk if self.owner_organisation else None,
            "owner_people": [p.pk for p in self.owner_people],
            "due_date": self.due_date,
            "status": str(self.status),
            "latest_update": self.latest_update,
            "raid_items": [r.display_ref for r in self.raid_items],
        }


@dataclass
class ParsedActions:
    rows: list[ParsedAction] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def parse_date(text: str) -> dt.date | None:
    """A date as the action logs write it, or None when it is not one (or outside 2000–2100)."""
    text = " ".join(text.split())
    if len(text) > 10 and text[10] in " T" and text[:4].isdigit():
        text = text[:10]  # an XLSX date-time cell at midnight
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if FIRST_YEAR <= day.year <= LAST_YEAR else None
    return None


def parse_status(text: str) -> str | None:
    key = " ".join(text.replace("–", "-").replace("—", "-").lower().split())
    if not key:
        return ActionStatus.OPEN
    return STATUS_WORDS.get(key)


def raid_mentions(text: str) -> list[int]:
    """The R-numbers mentioned in ``text``, each once, in order."""
    found: list[int] = []
    for match in RAID_MENTION.finditer(text or ""):
        number = int(match.group(1))
        if number not in found:
            found.append(number)
    return found[:50]


class _Owners:
    """Who an Owner cell names, read once for the file: the programme's participant organisations by
    name, the programme office, the groups (``TMAG members``) and the people of those organisations."""

    def __init__(self, programme_id: int, groups: dict[str, Group]) -> None:
        orgs = list(
            Organisation.objects.filter(
                is_active=True, pk__in=queries.participant_organisation_ids(programme_id)
            ).only("pk", "name", "slug")
        )
        self.by_name = {o.name.casefold(): o for o in orgs}
        self.by_name.update({o.slug.casefold(): o for o in orgs if o.slug.casefold() not in self.by_name})
        office = set(
            ProgrammeParty.objects.filter(
                programme_id=programme_id, function=ProgrammeFunction.PROGRAMME_MANAGER
            ).values_list("organisation_id", flat=True)
        )
        self.office = next((o for o in orgs if o.pk in office), None)
        self.groups = {f"{code.casefold()} members": code for code in groups}
        self._people: dict[int, dict[str, Any]] = {}

    def people_of(self, organisation) -> dict[str, Any]:
        if organisation.pk not in self._people:
            members = Membership.objects.filter(organisation=organisation, is_active=True)
            users = get_user_model().objects.filter(is_active=True, pk__in=members.values("user_id"))
            self._people[organisation.pk] = {u.full_name.casefold(): u for u in users if u.full_name}
        return self._people[organisation.pk]

    def resolve(self, text: str) -> tuple[Any, str, list] | None:
        """(organisation, label, people) for an Owner cell, or None when it names no one known."""
        text = " ".join(text.split())
        key = text.casefold()
        if key in self.by_name:
            return self.by_name[key], "", []
        if key in self.groups:
            return None, f"{self.groups[key]} members", []
        head, inner = text, ""
        match = re.fullmatch(r"(.+?)\s*\((.*)\)", text)
        if match:
            head, inner = match.group(1).strip(), match.group(2).strip()
        head_key = head.casefold()
        if head_key in self.by_name:
            organisation = self.by_name[head_key]
        elif head_key in ("programme", "the programme", "programme office", "pmo") and self.office:
            organisation = self.office
        else:
            return None
        if not match:
            return organisation, text if organisation.name.casefold() != key else "", []
        people = []
        known = self.people_of(organisation)
        for name in PEOPLE_SPLIT.split(inner):
            person = known.get(name.casefold())
            if person is not None and person not in people:
                people.append(person)
        return organisation, text, people[:10]


def _reference(text: str, groups: dict[str, Group]) -> tuple[Group, int, int] | None:
    """(group, meeting number, sequence) of ``TMAG18-01``; None when no group of the programme prefixes it
    or it is not <GROUP><number>-<number>."""
    ref = text.strip().upper()
    for code in sorted(groups, key=len, reverse=True):
        if ref.startswith(code):
            match = re.fullmatch(r"([0-9]{1,4})-([0-9]{1,3})", ref[len(code) :])
            if match:
                return groups[code], int(match.group(1)), int(match.group(2))
    return None


def parse(*, programme, filename: str, content: bytes, access) -> ParsedActions:
    """The file's rows, checked against the programme's groups, meetings, participants and action log,
    or :class:`ImportRefused` naming every fault found (up to :data:`MAX_ERRORS`)."""
    table = read_table(
        filename,
        content,
        columns=limits(),
        required=REQUIRED,
        aliases=ALIASES,
        max_rows=MAX_ROWS,
        what="actions",
    )
    groups = {g.code.upper(): g for g in Group.objects.filter(programme=programme)}
    meetings = {
        (m.group_id, m.number): m
        for m in Meeting.objects.filter(group__programme=programme).select_related("group")
    }
    existing = set(Action.objects.filter(programme=programme).values_list("reference", flat=True))
    taken = set(Action.objects.filter(programme=programme).values_list("meeting_id", "sequence"))
    owners = _Owners(programme.pk, groups)
    mentioned: dict[int, list[int]] = {}
    parsed = ParsedActions(ignored_columns=table.ignored_columns)
    faults: list[Fault] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        line = row["line"]
        for name in REQUIRED + OPTIONAL:
            row.setdefault(name, "")
        before = len(faults)
        found = _reference(row["ref"], groups) if row["ref"] else None
        meeting = None
        reference = ""
        if not row["ref"]:
            faults.append(Fault(line, "ref", "empty"))
        elif found is None:
            faults.append(
                Fault(
                    line,
                    "ref",
                    f"{row['ref'][:40]!r} is not <GROUP><meeting>-<number> for a group of the programme "
                    f"({', '.join(sorted(groups)) or 'none yet'})",
                )
            )
        else:
            group, number, sequence = found
            reference = f"{group.code}{number:02d}-{sequence:02d}"
            meeting = meetings.get((group.pk, number))
            if meeting is None:
                faults.append(Fault(line, "ref", f"{group.code} has no meeting #{number}"))
            elif sequence < 1:
                faults.append(Fault(line, "ref", "the action's number starts at 01"))
            elif reference in seen:
                faults.append(
                    Fault(line, "ref", f"{reference} appears twice in the file (also line {seen[reference]})")
                )
            elif reference in existing or (meeting.pk, sequence) in taken:
                faults.append(Fault(line, "ref", f"{reference} is already in the action log"))
            else:
                seen[reference] = line
        raised_on = None
        if row["date"]:
            raised_on = parse_date(row["date"])
            if raised_on is None:
                faults.append(Fault(line, "date", f"{row['date'][:40]!r} is not a date (e.g. 17/05/2023)"))
        due = None
        if row["due"]:
            due = parse_date(row["due"])
            if due is None:
                faults.append(Fault(line, "due", f"{row['due'][:40]!r} is not a date (e.g. 21/06/2023)"))
        if not row["action"]:
            faults.append(Fault(line, "action", "empty"))
        owner = owners.resolve(row["owner"]) if row["owner"] else None
        if not row["owner"]:
            faults.append(Fault(line, "owner", "empty"))
        elif owner is None:
            faults.append(
                Fault(
                    line,
                    "owner",
                    f"unknown owner {row['owner'][:60]!r}: name a participant organisation, "
                    "'Programme (names)' or '<GROUP> members'",
                )
            )
        status = parse_status(row["status"])
        if status is None:
            if row["status"].strip().casefold() == "closed":
                faults.append(
                    Fault(
                        line,
                        "status",
                        "an action is closed only by ratifying it at a meeting: import it as "
                        "'Recommend closed' and ratify it",
                    )
                )
            else:
                faults.append(
                    Fault(
                        line,
                        "status",
                        f"{row['status'][:40]!r} is not Open, Open – ongoing or Recommend closed",
                    )
                )
        if status == ActionStatus.RECOMMEND_CLOSED and not row["latest update"]:
            faults.append(Fault(line, "latest update", "say why the action is recommended closed"))
        if len(faults) > before or meeting is None or owner is None:
            if len(faults) > MAX_ERRORS:
                break
            continue
        organisation, label, people = owner
        numbers = raid_mentions(row["latest update"])
        if numbers:
            mentioned[line] = numbers
        parsed.rows.append(
            ParsedAction(
                line=line,
                reference=reference,
                group=meeting.group,
                meeting=meeting,
                sequence=found[2],
                raised_on=raised_on or meeting.date,
                description=row["action"],
                owner_organisation=organisation,
                owner_label=label,
                owner_people=people,
                due_date=due,
                status=status,
                latest_update=row["latest update"],
            )
        )
    if faults:
        raise ImportRefused(faults)
    wanted = {n for numbers in mentioned.values() for n in numbers}
    if wanted:
        visible = {
            r.number: r
            for r in queries.raid_visible_to(access).filter(programme=programme, number__in=wanted)
        }
        for row in parsed.rows:
            row.raid_items = [visible[n] for n in mentioned.get(row.line, []) if n in visible]
    return parsed
