"""The RAID columns' rules and reading a RAID spreadsheet (digest §5.3, GV-20…GV-27).

:func:`check_fields` is the one place the columns of a RAID item are bounded and checked (the actions and
the import both use it): which columns belong to which type (GV-20), the levels and "Manageable?" values
of GV-21, scores 1–5, milestones and phases of the programme, an owner taking part in it (never an
assurer only), dates within 2000–2100 and not in the future.

:func:`parse` reads a CSV or XLSX file (``busbar.lib.tabular.read_table``) into a :class:`Plan` of the
items it would create, or refuses it with every fault named by line and column
(:class:`~busbar.lib.tabular.ImportRefused`): nothing here writes. The import is all or nothing and adds
items only: a ``ref`` (R12) already in the log, or twice in the file, is an error — it never updates.

Columns (first row, any order, any case; the seed's own headers are understood too):
``ref`` (optional), ``type``, ``title`` (or a column named after the type: ``Risk``, ``Issue``…, which
then also gives the type), ``description``, ``theme``, ``phase`` (code or name), ``activities``
(Planned mitigating / resolving activities, Commentary), ``impact`` (Potential / Current Impact),
``impact level``, ``uncertainty``, ``manageable``, ``impacting milestone`` / ``impacted milestone``
(codes), ``impacting activity`` / ``impacted activity``, or the seed's ``Impacting Milestone or
Activity`` (a milestone code, ``M10: text`` or text), ``external ref``, ``likelihood`` and
``impact score`` (1–5), ``rag``, ``owner`` (an organisation's name), ``owner label``, ``public``
(yes/no), ``raised`` (a date).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from busbar.lib.actions import ActionError
from busbar.lib.limits import text_max
from busbar.lib.tabular import MAX_ERRORS, Fault, ImportRefused, read_table
from busbar.parties.models import Membership, Organisation
from busbar.programmes import queries
from busbar.programmes.actions.common import check_date, clean_text
from busbar.programmes.models import Level, Manageable, Milestone, PlanPhase, RaidItem, RaidKind
from busbar.testing.models import ProgrammeFunction, ProgrammeParty

K = RaidKind
MAX_ROWS = 5000
#: The RAG values a RAID item takes (the plan's "complete" is not one).
RAID_RAGS = ("", "red", "amber", "green")
#: Columns that belong to some types only (GV-20); the rest are every type's.
KIND_FIELDS: dict[str, frozenset[str]] = {
    "impact_level": frozenset({K.RISK, K.ISSUE}),
    "uncertainty": frozenset({K.ASSUMPTION}),
    "manageable": frozenset({K.DEPENDENCY}),
    "impacting_milestone": frozenset({K.DEPENDENCY}),
    "impacting_activity": frozenset({K.DEPENDENCY}),
    "impacted_milestone": frozenset({K.DEPENDENCY}),
    "impacted_activity": frozenset({K.DEPENDENCY}),
}
FIELD_LABELS = {
    "kind": "Type",
    "title": "Title",
    "description": "Description",
    "theme": "Theme",
    "phase": "Phase",
    "activities": "Activities",
    "impact_text": "Impact",
    "impact_level": "Impact level",
    "uncertainty": "Assumption uncertainty",
    "manageable": "Manageable?",
    "impacting_milestone": "Impacting milestone",
    "impacting_activity": "Impacting activity",
    "impacted_milestone": "Impacted milestone",
    "impacted_activity": "Impacted activity",
    "external_ref": "External reference",
    "likelihood": "Likelihood",
    "impact_score": "Impact score",
    "rag": "RAG",
    "owner_organisation": "Owner",
    "owner_label": "Owner label",
    "owner_user": "Owner (person)",
    "is_public": "Public",
    "raised_on": "Raised",
}
#: Every column an item's actions take (besides the type, fixed once raised).
FIELDS = tuple(name for name in FIELD_LABELS if name != "kind")
_TEXT_LIMITS = {
    "title": 300,
    "theme": 80,
    "impacting_activity": 300,
    "impacted_activity": 300,
    "external_ref": 80,
    "owner_label": 200,
}
_LONG_TEXT = ("description", "activities", "impact_text")


def _kinds_named(kinds: frozenset[str]) -> str:
    return " and ".join(sorted(f"{RaidKind(k).label.lower()}s" for k in kinds))


def owner_candidates(programme_id: int):
    """The organisations that may own a programme's RAID items: its participants (members, test
    participants, function holders, group members), active, except those that only assure it."""
    assurers_only = (
        ProgrammeParty.objects.filter(programme_id=programme_id, function=ProgrammeFunction.ASSURER)
        .exclude(
            organisation_id__in=ProgrammeParty.objects.filter(programme_id=programme_id)
            .exclude(function=ProgrammeFunction.ASSURER)
            .values("organisation_id")
        )
        .values("organisation_id")
    )
    return Organisation.objects.filter(
        is_active=True, pk__in=queries.participant_organisation_ids(programme_id)
    ).exclude(pk__in=assurers_only)


def _score(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ActionError(f"{FIELD_LABELS[name]} is a whole number from 1 to 5", field=name)
    return value


def _choice(value: Any, name: str, allowed: tuple[str, ...] | list[str]) -> str:
    value = "" if value is None else value
    if not isinstance(value, str) or value not in allowed:
        shown = ", ".join(v for v in allowed if v)
        raise ActionError(f"{FIELD_LABELS[name]}: choose one of {shown}", field=name)
    return value


def check_fields(
    programme,
    kind: str,
    data: dict[str, Any],
    *,
    today: dt.date,
    owners: set[int] | None = None,
    current: RaidItem | None = None,
) -> dict[str, Any]:
    """``data`` (any of :data:`FIELDS`) checked and bounded for an item of ``kind`` in ``programme``; the
    cleaned values, or :class:`ActionError` naming the first field at fault. ``owners``: the ids of
    :func:`owner_candidates` when already read (an import checks many rows with one read); ``current``:
    the item being edited (its other columns, for the checks that span two)."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise ActionError(f"{name} is not a column of a RAID item", field=name)
    if kind not in RaidKind.values:
        raise ActionError("Choose the type: risk, assumption, issue or dependency", field="kind")
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in _TEXT_LIMITS:
            out[name] = clean_text(
                value,
                field=name,
                limit=_TEXT_LIMITS[name],
                what=FIELD_LABELS[name],
                required=name == "title",
            )
        elif name in _LONG_TEXT:
            out[name] = clean_text(
                value, field=name, limit=text_max(), what=FIELD_LABELS[name], required=False
            )
        elif name in ("likelihood", "impact_score"):
            out[name] = _score(value, name)
        elif name in ("impact_level", "uncertainty"):
            out[name] = _choice(value, name, Level.values)
        elif name == "manageable":
            out[name] = _choice(value, name, Manageable.values)
        elif name == "rag":
            out[name] = _choice(value, name, RAID_RAGS)
        elif name == "is_public":
            if not isinstance(value, bool):
                raise ActionError("Public is yes or no", field=name)
            out[name] = value
        elif name == "raised_on":
            if value is None:
                raise ActionError("Say when it was raised", field=name)
            if not isinstance(value, dt.date):
                raise ActionError("Raised is a date", field=name)
            out[name] = check_date(value, field=name, required=True)
            if out[name] > today:
                raise ActionError("An item cannot be raised in the future", field=name)
        elif name == "phase":
            if value is not None and (not isinstance(value, PlanPhase) or value.programme_id != programme.pk):
                raise ActionError(f"That phase is not one of {programme}'s", field=name)
            out[name] = value
        elif name in ("impacting_milestone", "impacted_milestone"):
            if value is not None and (not isinstance(value, Milestone) or value.programme_id != programme.pk):
                raise ActionError(f"That milestone is not one of {programme}'s", field=name)
            out[name] = value
        elif name == "owner_organisation":
            if value is not None:
                if not isinstance(value, Organisation):
                    raise ActionError("Name the owner organisation", field=name)
                allowed = owners if owners is not None else None
                if allowed is None:
                    ok = owner_candidates(programme.pk).filter(pk=value.pk).exists()
                else:
                    ok = value.pk in allowed
                if not ok:
                    raise ActionError(
                        f"{value} does not take part in {programme} (assurers own no RAID items)", field=name
                    )
            out[name] = value
        elif name == "owner_user":
            out[name] = value
    for name, kinds in KIND_FIELDS.items():
        value = out.get(name)
        if value not in (None, "") and kind not in kinds:
            raise ActionError(
                f"{FIELD_LABELS[name]} is a column of {_kinds_named(kinds)} only, not of "
                f"{RaidKind(kind).label.lower()}s",
                field=name,
            )

    def now_value(name: str) -> Any:
        if name in out:
            return out[name]
        return getattr(current, name) if current is not None else None

    impacting, impacted = now_value("impacting_milestone"), now_value("impacted_milestone")
    if impacting is not None and impacted is not None and impacting.pk == impacted.pk:
        raise ActionError(
            "A milestone cannot depend on itself: name two milestones", field="impacted_milestone"
        )
    if "owner_user" in out and out["owner_user"] is not None:
        person, org = out["owner_user"], now_value("owner_organisation")
        if org is None:
            raise ActionError("Name the owner organisation of the person", field="owner_user")
        member = Membership.objects.filter(
            user_id=person.pk, organisation_id=org.pk, is_active=True, user__is_active=True
        ).exists()
        if not member:
            raise ActionError(f"{person} is not a member of {org}", field="owner_user")
    return out


def exposure(likelihood: int | None, impact_score: int | None) -> int:
    """likelihood × impact score (1–25); 0 until both are scored."""
    return (likelihood or 0) * (impact_score or 0)


# -- reading a file -------------------------------------------------------------------------------------


#: column → longest value (the file's header, lower case, after ALIASES).
def limits() -> dict[str, int]:
    long = text_max()
    return {
        "ref": 20,
        "type": 30,
        "title": 300,
        "risk": 300,
        "issue": 300,
        "assumption": 300,
        "dependency": 300,
        "description": long,
        "theme": 80,
        "phase": 120,
        "activities": long,
        "impact": long,
        "impact level": 20,
        "uncertainty": 20,
        "manageable": 60,
        "impacting milestone": 20,
        "impacting activity": 300,
        "impacting": 330,
        "impacted milestone": 20,
        "impacted activity": 300,
        "impacted": 330,
        "external ref": 80,
        "likelihood": 10,
        "impact score": 10,
        "rag": 20,
        "owner": 200,
        "owner label": 200,
        "public": 10,
        "raised": 40,
    }


ALIASES = {
    "reference": "ref",
    "id": "ref",
    "raid id": "ref",
    "raid ref": "ref",
    "kind": "type",
    "raid type": "type",
    "summary": "title",
    "theme (or category)": "theme",
    "category": "theme",
    "planned mitigating activities": "activities",
    "planned resolving activities": "activities",
    "planned activities": "activities",
    "commentary": "activities",
    "potential impact": "impact",
    "current impact": "impact",
    "assumption uncertainty": "uncertainty",
    "manageable?": "manageable",
    "impacting milestone or activity": "impacting",
    "impacted milestone or activity": "impacted",
    "external reference": "external ref",
    "probability": "likelihood",
    "rag status": "rag",
    "owner organisation": "owner",
    "public?": "public",
    "raised on": "raised",
    "date raised": "raised",
}
TITLE_COLUMNS = ("title", "risk", "issue", "assumption", "dependency")
#: Which form field a column's fault belongs to (for the error report).
COLUMN_OF = {
    "kind": "type",
    "impact_text": "impact",
    "impact_level": "impact level",
    "impacting_milestone": "impacting milestone",
    "impacting_activity": "impacting activity",
    "impacted_milestone": "impacted milestone",
    "impacted_activity": "impacted activity",
    "external_ref": "external ref",
    "impact_score": "impact score",
    "owner_organisation": "owner",
    "owner_label": "owner label",
    "is_public": "public",
    "raised_on": "raised",
}
_KINDS = {
    "risk": K.RISK,
    "risks": K.RISK,
    "r": K.RISK,
    "assumption": K.ASSUMPTION,
    "assumptions": K.ASSUMPTION,
    "a": K.ASSUMPTION,
    "issue": K.ISSUE,
    "issues": K.ISSUE,
    "i": K.ISSUE,
    "dependency": K.DEPENDENCY,
    "dependencies": K.DEPENDENCY,
    "d": K.DEPENDENCY,
}
_LEVELS = {
    "high": "high",
    "h": "high",
    "medium": "medium",
    "med": "medium",
    "m": "medium",
    "low": "low",
    "l": "low",
}
_RAGS = {"red": "red", "r": "red", "amber": "amber", "a": "amber", "green": "green", "g": "green"}
_YES = {"yes", "y", "true", "1", "public"}
_NO = {"no", "n", "false", "0", "private", ""}
_REF = re.compile(r"^[Rr]?\s*0*([1-9][0-9]{0,6})$")
_MILESTONE_AND_TEXT = re.compile(r"^([A-Za-z0-9._-]{1,20})\s*[:–—-]\s*(.+)$")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
)
MAX_NUMBER = 9_999_999


def parse_date(text: str) -> dt.date | None:
    """A date as spreadsheets write it (ISO, as XLSX cells arrive; UK day/month/year; 31 Mar 2026)."""
    text = text.strip()
    if " " in text and re.match(r"^\d{4}-\d{2}-\d{2} ", text):
        text = text.split(" ", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def manageable_value(text: str) -> str | None:
    """The "Manageable?" value of GV-21 as typed in a spreadsheet ("Yes –SI management of migration")."""
    words = re.sub(r"[^a-z]+", " ", text.lower()).strip()
    if words in ("", "none"):
        return ""
    if words in Manageable.values:
        return words
    if words.replace(" ", "_") in Manageable.values:
        return words.replace(" ", "_")
    if words == "yes":
        return Manageable.YES
    if words.startswith("yes") and " si" in f" {words[3:]}":
        return Manageable.YES_SI
    if words in ("not yet", "no"):
        return Manageable.NOT_YET
    if words in ("in process", "in progress"):
        return Manageable.IN_PROCESS
    return None


@dataclass
class PlannedItem:
    """One row of the file as the item it would create."""

    line: int
    number: int
    kind: str
    fields: dict[str, Any]

    @property
    def display_ref(self) -> str:
        return f"R{self.number}"

    @property
    def kind_label(self) -> str:
        return RaidKind(self.kind).label

    @property
    def exposure(self) -> int:
        return exposure(self.fields.get("likelihood"), self.fields.get("impact_score"))

    @property
    def owner_shown(self) -> str:
        org = self.fields.get("owner_organisation")
        return org.name if org is not None else self.fields.get("owner_label", "")

    def as_dict(self) -> dict[str, Any]:
        f = self.fields
        return {
            "line": self.line,
            "ref": self.display_ref,
            "number": self.number,
            "kind": self.kind,
            "title": f.get("title", ""),
            "theme": f.get("theme", ""),
            "phase": f["phase"].code if f.get("phase") else None,
            "owner": f["owner_organisation"].name if f.get("owner_organisation") else None,
            "owner_label": f.get("owner_label", ""),
            "rag": f.get("rag", ""),
            "likelihood": f.get("likelihood"),
            "impact_score": f.get("impact_score"),
            "exposure": self.exposure,
            "is_public": f.get("is_public", False),
            "raised_on": f.get("raised_on"),
            "impacting_milestone": f["impacting_milestone"].code if f.get("impacting_milestone") else None,
            "impacted_milestone": f["impacted_milestone"].code if f.get("impacted_milestone") else None,
        }


@dataclass
class Plan:
    """What an import would create: the items in file order, and the columns it ignores."""

    items: list[PlannedItem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import did (or, for a preview, would do)."""

    created: list[RaidItem] = field(default_factory=list)
    plan: Plan = field(default_factory=Plan)
    preview: bool = False

    @property
    def count(self) -> int:
        return len(self.plan.items)


@dataclass
class _Lookups:
    phases: dict[str, PlanPhase]
    milestones: dict[str, Milestone]
    owners: dict[str, Organisation]
    owner_ids: set[int]
    taken: set[int]
    last: int

    @classmethod
    def of(cls, programme) -> _Lookups:
        phases: dict[str, PlanPhase] = {}
        for phase in PlanPhase.objects.filter(programme=programme):
            phases.setdefault(phase.code.lower(), phase)
            phases.setdefault(phase.name.lower(), phase)
        milestones = {m.code.upper(): m for m in Milestone.objects.filter(programme=programme)}
        owners: dict[str, Organisation] = {}
        for org in owner_candidates(programme.pk).order_by("name", "pk"):
            owners.setdefault(org.name.strip().lower(), org)
        taken = set(RaidItem.objects.filter(programme=programme).values_list("number", flat=True))
        last = RaidItem.objects.filter(programme=programme).aggregate(n=Max("number"))["n"] or 0
        return cls(phases, milestones, owners, {o.pk for o in owners.values()}, taken, last)


def _milestone_or_text(value: str, lookups: _Lookups) -> tuple[Milestone | None, str]:
    """The seed's "Impacting Milestone or Activity": a milestone code, ``M10: text``, or text."""
    value = value.strip()
    if not value:
        return None, ""
    if value.upper() in lookups.milestones:
        return lookups.milestones[value.upper()], ""
    match = _MILESTONE_AND_TEXT.match(value)
    if match and match.group(1).upper() in lookups.milestones:
        return lookups.milestones[match.group(1).upper()], match.group(2).strip()
    return None, value


def _row(
    row: dict, lookups: _Lookups, programme, faults: list[Fault], today: dt.date
) -> tuple[str, dict] | None:
    """One row as (kind, the action's fields), its faults added to ``faults`` (None when any)."""
    line = row["line"]
    found: list[Fault] = []

    def fault(column: str, message: str) -> None:
        found.append(Fault(line, column, message))

    kind = ""
    type_text = row.get("type", "").strip().lower()
    if type_text:
        kind = _KINDS.get(type_text, "")
        if not kind:
            fault("type", f"{row['type'][:30]!r} is not a type (risk, assumption, issue or dependency)")
    titles = {c: row.get(c, "").strip() for c in TITLE_COLUMNS if row.get(c, "").strip()}
    named = [c for c in titles if c != "title"]
    if not type_text:
        if len(named) == 1:
            kind = _KINDS[named[0]]
        elif not found:
            fault("type", "empty: say risk, assumption, issue or dependency")
    title = titles.get("title") or (titles.get(kind) if kind else "") or next(iter(titles.values()), "")
    if not title:
        fault("title", "empty")
    fields: dict[str, Any] = {"title": title}
    for column, name in (
        ("description", "description"),
        ("theme", "theme"),
        ("activities", "activities"),
        ("impact", "impact_text"),
        ("impacting activity", "impacting_activity"),
        ("impacted activity", "impacted_activity"),
        ("external ref", "external_ref"),
        ("owner label", "owner_label"),
    ):
        if row.get(column, "").strip():
            fields[name] = row[column].strip()
    if text := row.get("phase", "").strip():
        phase = lookups.phases.get(text.lower())
        if phase is None:
            fault("phase", f"no phase {text[:60]!r} in {programme} (give its code or name)")
        fields["phase"] = phase
    for column, name in (("impact level", "impact_level"), ("uncertainty", "uncertainty")):
        if text := row.get(column, "").strip():
            level = _LEVELS.get(text.lower())
            if level is None:
                fault(column, f"{text[:30]!r} is not high, medium or low")
            fields[name] = level or ""
    if text := row.get("manageable", "").strip():
        value = manageable_value(text)
        if value is None:
            fault(
                "manageable",
                f"{text[:60]!r}: say Yes, Not yet, In process or Yes – SI management of migration",
            )
        fields["manageable"] = value or ""
    for side in ("impacting", "impacted"):
        if text := row.get(f"{side} milestone", "").strip():
            milestone = lookups.milestones.get(text.upper())
            if milestone is None:
                fault(f"{side} milestone", f"no milestone {text[:20]!r} in {programme}")
            fields[f"{side}_milestone"] = milestone
        if text := row.get(side, "").strip():
            milestone, activity = _milestone_or_text(text, lookups)
            if milestone is not None:
                if fields.get(f"{side}_milestone") not in (None, milestone):
                    fault(side, "names another milestone than its milestone column")
                fields[f"{side}_milestone"] = milestone
            if activity:
                fields[f"{side}_activity"] = activity
    for column, name in (("likelihood", "likelihood"), ("impact score", "impact_score")):
        if text := row.get(column, "").strip():
            if re.fullmatch(r"[1-5]", text):
                fields[name] = int(text)
            else:
                fault(column, f"{text[:10]!r} is not a whole number from 1 to 5")
    if text := row.get("rag", "").strip():
        rag = _RAGS.get(text.lower())
        if rag is None:
            fault("rag", f"{text[:20]!r} is not red, amber or green")
        fields["rag"] = rag or ""
    if text := row.get("owner", "").strip():
        owner = lookups.owners.get(text.lower())
        if owner is None:
            fault("owner", f"unknown owner {text[:60]!r}: not an organisation taking part in {programme}")
        fields["owner_organisation"] = owner
    public = row.get("public", "").strip().lower()
    if public in _YES:
        fields["is_public"] = True
    elif public in _NO:
        fields["is_public"] = False
    else:
        fault("public", f"{row['public'][:10]!r}: say yes or no")
    if text := row.get("raised", "").strip():
        raised = parse_date(text)
        if raised is None:
            fault("raised", f"{text[:40]!r} is not a date (write 2026-03-31 or 31/03/2026)")
        else:
            fields["raised_on"] = raised
    if found:
        faults.extend(found)
        return None
    try:
        checked = check_fields(programme, kind, fields, today=today, owners=lookups.owner_ids)
    except ActionError as exc:
        faults.append(Fault(line, COLUMN_OF.get(exc.field or "", exc.field or ""), exc.message))
        return None
    checked.setdefault("raised_on", today)
    return kind, checked


def parse(programme, filename: str, content: bytes, *, today: dt.date) -> Plan:
    """The items ``content`` would create in ``programme``'s RAID log, numbered (its own refs kept, the
    others after the highest), or :class:`ImportRefused` naming every fault (up to
    :data:`~busbar.lib.tabular.MAX_ERRORS`). Reads, never writes."""
    table = read_table(
        filename,
        content,
        columns=limits(),
        required=(),
        aliases=ALIASES,
        max_rows=MAX_ROWS,
        what="RAID items",
    )
    present = set().union(*(row.keys() for row in table.rows)) if table.rows else set()
    if not present & set(TITLE_COLUMNS):
        raise ImportRefused([Fault(1, "title", "no title column (or Risk, Issue, Assumption, Dependency)")])
    if "type" not in present and not present & {"risk", "issue", "assumption", "dependency"}:
        raise ImportRefused([Fault(1, "type", "no type column (risk, assumption, issue or dependency)")])
    lookups = _Lookups.of(programme)
    faults: list[Fault] = []
    rows: list[tuple[int, int | None, str, dict]] = []
    refs: dict[int, int] = {}
    for row in table.rows:
        line = row["line"]
        number = None
        ref_text = row.get("ref", "").strip()
        if ref_text:
            match = _REF.match(ref_text)
            if match is None:
                faults.append(Fault(line, "ref", f"{ref_text[:20]!r} is not a RAID reference (R12)"))
            else:
                number = int(match.group(1))
                if number in refs:
                    faults.append(
                        Fault(line, "ref", f"R{number} appears twice in the file (also line {refs[number]})")
                    )
                elif number in lookups.taken:
                    faults.append(
                        Fault(
                            line,
                            "ref",
                            f"R{number} is already in the RAID log (an import adds items, it updates none)",
                        )
                    )
                else:
                    refs[number] = line
        parsed = _row(row, lookups, programme, faults, today)
        if parsed is not None:
            rows.append((line, number, *parsed))
        if len(faults) >= MAX_ERRORS:
            break
    if faults:
        raise ImportRefused(faults)
    plan = Plan(ignored_columns=table.ignored_columns)
    following = max([lookups.last, *refs]) if refs else lookups.last
    for line, number, kind, fields in rows:
        if number is None:
            following += 1
            number = following
        if number > MAX_NUMBER:
            raise ImportRefused([Fault(line, "ref", f"references stop at R{MAX_NUMBER}")])
        plan.items.append(PlannedItem(line=line, number=number, kind=kind, fields=fields))
    return plan


# -- the template ---------------------------------------------------------------------------------------

TEMPLATE_HEADER = [
    "ref",
    "type",
    "title",
    "theme",
    "phase",
    "activities",
    "impact",
    "impact level",
    "uncertainty",
    "manageable",
    "impacting milestone or activity",
    "impacted milestone or activity",
    "external ref",
    "likelihood",
    "impact score",
    "rag",
    "owner",
    "owner label",
    "public",
    "raised",
]


#: The template's example rows, one per type, as the programme's own RAID slides word them.
TEMPLATE_EXAMPLES = [
    {
        "type": "Risk",
        "title": "SIT environments not available for cohort 2",
        "theme": "Duration of Testing",
        "activities": "Second environment being built",
        "impact": "Cohort 2 start delayed",
        "impact level": "High",
        "likelihood": 3,
        "impact score": 4,
        "rag": "Amber",
        "owner label": "Programme (PMO/PPC)",
        "public": "yes",
    },
    {
        "type": "Assumption",
        "title": "Participants provide their own test data",
        "theme": "Data",
        "activities": "Confirmed at TMAG",
        "uncertainty": "Medium",
        "rag": "Amber",
        "public": "no",
    },
    {
        "type": "Issue",
        "title": "Test data incomplete for smart segment",
        "theme": "Data",
        "activities": "Data working group to resupply",
        "impact": "Two scenarios blocked",
        "impact level": "Medium",
        "likelihood": 5,
        "impact score": 2,
        "rag": "Red",
        "public": "no",
    },
    {
        "type": "Dependency",
        "title": "REC change for the new settlement timetable",
        "theme": "External Dependency",
        "manageable": "In process",
        "impacting milestone or activity": "REC change approval",
        "impacted milestone or activity": "Migration start",
        "external ref": "REC CP R0044",
        "rag": "Green",
        "public": "yes",
    },
]


def template_rows(today: dt.date) -> list[list[Any]]:
    """The template's example rows (:data:`TEMPLATE_EXAMPLES`, raised today); the file imports as it is."""
    return [
        [{**row, "raised": today.isoformat()}.get(h, "") for h in TEMPLATE_HEADER]
        for row in TEMPLATE_EXAMPLES
    ]
