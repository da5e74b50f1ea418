"""The meeting pack of a governance group's meeting (issue 12 item 7; digest GV-45…GV-49), assembled in one
click from the data: the same content as an HTML page and a PDF (Typst, :mod:`busbar.lib.pdf`).

Sections, in the order of the real packs:

* **cover** — "Testing and Migration Advisory Group #20", date, version, document reference and
  "Document Classification: Public";
* **agenda** — ``# | Item | Objective | Type | Lead | Time | Page``: the time is the slot and its duration
  ("10:05-10:10 5 mins"; slots run on from the meeting's start when an item has no start time of its own;
  "0 mins" is taken as read), the page is where the item's section starts in the PDF;
* **decisions needed** — the Decision-type agenda items;
* each agenda item's **section**, headed like the slides ("DECISION: <objective>", lead, time). Items are
  matched by title to the standard content: *minutes and actions* (minutes of earlier meetings awaiting
  approval, the action log: open actions of the group and those recommended closed for ratification),
  *programme updates* (decisions since the last meeting, milestones baseline against forecast, the RAID
  summary: new, changed and top exposure), *working group report* (the progress matrix, one column per
  working group), *summary and next steps* (date of the next meeting, the **agenda roadmap**). Standard
  content no agenda item asks for follows the agenda items, so nothing is left out;
* **appendix** — the RAG legends, the group's members and how the pack's figures are chosen.

The pack is distributed to every member of the group, so when the meeting's classification is
**Public** the RAID summary holds only **public** items, whoever generates it. Under another
classification it holds the items the person generating it may see.

Read helpers only, with bounded tables (top 15 exposures, at most 150 actions of this group, 100
milestones…) and a fixed number of queries whatever the size of the programme.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from busbar.lib import pdf
from busbar.lib.markdown import plain_text, render
from busbar.programmes import dashboard, queries
from busbar.programmes.models import (
    OPEN_ACTION_STATUSES,
    RAG_LEGEND,
    Action,
    ActionStatus,
    AgendaType,
    Assessment,
    Decision,
    DecisionConditionStatus,
    GovernanceSettings,
    Group,
    GroupMember,
    Meeting,
    MeetingStatus,
    Rag,
    RaidKind,
    RaidStatus,
    WorkingGroupReport,
)

SCHEMA = 1
#: The Typst template of the PDF (the HTML page shows the same data: pack/page.html).
TEMPLATE = Path(__file__).resolve().parent / "templates" / "programmes" / "pack" / "meeting_pack.typ"
MAX_ACTIONS = 150
#: Meeting numbers above this are not looked up (a number in an address is bounded at the edge).
MAX_MEETING_NUMBER = 100_000
MAX_RAID_ROWS = 15
MAX_DECISIONS = 40
MAX_MINUTES = 4
MAX_MILESTONES = 100
MAX_WORKING_GROUPS = 12
MAX_MEMBERS = 80
ROADMAP_MEETINGS = 3
#: Days after the last roadmap meeting whose milestones still show in its column.
ROADMAP_TAIL_DAYS = 35
#: The most agenda titles listed per working-group meeting or roadmap column.
MAX_ITEMS_LISTED = 10
#: Longest texts quoted (the record's own page has the whole text).
MINUTES_MAX = 20_000
QUOTE_MAX = 1_500
#: Sections of standard content an agenda item may stand for, matched on its title (first match wins).
SECTIONS = ("minutes", "updates", "wg", "summary")
SECTION_TITLES = {
    "minutes": "Minutes and actions",
    "updates": "Programme updates",
    "wg": "Working group report",
    "summary": "Summary and next steps",
}
_MATCH = (
    ("welcome", re.compile(r"\bwelcome\b", re.I)),
    ("minutes", re.compile(r"\bminutes\b|\bactions? (log|review)\b", re.I)),
    ("updates", re.compile(r"\bprogramme updates?\b", re.I)),
    ("wg", re.compile(r"\bworking groups? (report|updates?)\b", re.I)),
    ("summary", re.compile(r"\bsummary\b|\bnext steps\b", re.I)),
)


def _cut(text: str, limit: int = QUOTE_MAX) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def _short(value: dt.date) -> str:
    return f"{value.day} {value:%b}"


def is_public(classification: str) -> bool:
    return (classification or "").strip().lower() == "public"


def meeting_for(user_or_access, programme, group: str, number: int) -> Meeting | None:
    """The meeting ``group`` #``number`` of ``programme`` if the person sees the programme."""
    if not (1 <= number <= MAX_MEETING_NUMBER) or len(group) > 20:
        return None  # no such meeting (and nothing the database could overflow on)
    return (
        queries.in_visible_programme(Meeting.objects.all(), user_or_access, "group__programme")
        .filter(group__programme=programme, group__code=group, number=number)
        .select_related("group__programme", "group__parent")
        .first()
    )


# -- agenda ----------------------------------------------------------------------------------------------


def _mins(n: int) -> str:
    return f"{n} min" if n == 1 else f"{n} mins"


def time_label(start: dt.time | None, minutes: int) -> str:
    """A slot and its duration, "10:05-10:10 5 mins"; "0 mins" when taken as read; "5 mins" unslotted."""
    if minutes == 0:
        return "0 mins"
    if start is None:
        return _mins(minutes)
    end = (dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(minutes=minutes)).time()
    return f"{start:%H:%M}-{end:%H:%M} {_mins(minutes)}"


def section_of(title: str) -> str | None:
    for key, pattern in _MATCH:
        if pattern.search(title or ""):
            return key
    return "topic"


def agenda(meeting: Meeting) -> tuple[list[dict[str, Any]], list[str]]:
    """The agenda rows (with their time slots and the section each stands for) and the standard sections
    no item stands for."""
    rows = []
    clock = meeting.start_time
    taken: set[str] = set()
    for item in meeting.agenda.order_by("position"):
        start = item.start_time or clock
        if item.duration_minutes and start is not None:
            clock = (
                dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(minutes=item.duration_minutes)
            ).time()
        section = section_of(item.title)
        if section in SECTIONS:
            if section in taken:
                section = "topic"
            else:
                taken.add(section)
        rows.append(
            {
                "position": item.position,
                "title": item.title,
                "objective": item.objective,
                "type": item.type,
                "type_label": item.get_type_display(),
                "lead": item.lead,
                "start": start.strftime("%H:%M") if (start and item.duration_minutes) else "",
                "minutes": item.duration_minutes,
                "time": time_label(start, item.duration_minutes),
                "taken_as_read": item.duration_minutes == 0,
                "standing": item.standing,
                "section": None if section == "welcome" else section,
                "anchor": f"item-{item.position}",
                "notes": _cut(plain_text(item.notes), 4000) if item.notes else "",
            }
        )
    return rows, [s for s in SECTIONS if s not in taken]


# -- minutes and actions ---------------------------------------------------------------------------------


def _meeting_label(m: Meeting, code: str) -> str:
    return f"{_short(m.date)}{' extraordinary' if m.extraordinary else ''} {code}"


def minutes_for_approval(meeting: Meeting) -> dict[str, Any]:
    """Earlier meetings of the group whose minutes await approval (or were approved at this meeting)."""
    found = list(
        Meeting.objects.filter(group_id=meeting.group_id, number__lt=meeting.number)
        .filter(
            Q(status=MeetingStatus.HELD, minutes_approved_at__isnull=True) | Q(minutes_approved_at=meeting)
        )
        .order_by("-number")[:MAX_MINUTES]
    )
    found.reverse()
    code = meeting.group.code
    return {
        "heading": (
            "Approval of minutes from " + " & ".join(_meeting_label(m, code) for m in found) if found else ""
        ),
        "meetings": [
            {
                "number": m.number,
                "date": m.date,
                "extraordinary": m.extraordinary,
                "title": f"{code} #{m.number}{' (extraordinary)' if m.extraordinary else ''}, {_day(m.date)}",
                "approved_here": m.minutes_approved_at_id == meeting.pk,
                "text": _cut(plain_text(m.minutes), MINUTES_MAX) if m.minutes else "",
                "html": render(_cut(m.minutes, MINUTES_MAX)) if m.minutes else "",
            }
            for m in found
        ],
    }


def owner_text(action: Action) -> str:
    base = action.owner_label or (action.owner_organisation.name if action.owner_organisation_id else "")
    people = [p.display_name for p in action.owner_people.all()]
    if people:
        names = " & ".join(people)
        return f"{base} ({names})" if base else names
    return base or "—"


def action_log(meeting: Meeting) -> dict[str, Any]:
    """The group's open actions raised before this meeting, those recommended closed (to ratify) and those
    closed at it, oldest first; at most :data:`MAX_ACTIONS` listed, the rest counted."""
    scope = Action.objects.filter(group_id=meeting.group_id, meeting__number__lt=meeting.number).filter(
        Q(status__in=OPEN_ACTION_STATUSES) | Q(closed_at_meeting=meeting)
    )
    counts = scope.aggregate(
        total=Count("pk"),
        recommended=Count("pk", filter=Q(status=ActionStatus.RECOMMEND_CLOSED)),
        closed_here=Count("pk", filter=Q(status=ActionStatus.CLOSED)),
    )
    rows = (
        scope.select_related("owner_organisation", "meeting")
        .prefetch_related("owner_people", "raid_items")
        .order_by("meeting__number", "sequence", "id")[:MAX_ACTIONS]
    )
    listed = [
        {
            "ref": a.reference,
            "date": a.raised_on,
            "action": _cut(a.description),
            "owner": owner_text(a),
            "due": a.due_date,
            "status": a.status,
            "status_label": a.get_status_display(),
            "latest_update": _cut(a.latest_update),
            "raid": [r.display_ref for r in a.raid_items.all()],
            "url": dashboard.url_or_blank(
                "programmes_action", programme=meeting.group.programme.code, reference=a.reference
            ),
        }
        for a in rows
    ]
    return {
        "rows": listed,
        "total": counts["total"],
        "recommended": counts["recommended"],
        "closed_here": counts["closed_here"],
        "more": max(counts["total"] - len(listed), 0),
    }


# -- programme updates -----------------------------------------------------------------------------------


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(group_id=meeting.group_id, number__lt=meeting.number)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-number")
        .first()
    )


def decisions_since(meeting: Meeting, since: dt.date, user_or_access) -> dict[str, Any]:
    """The programme's decisions from the previous meeting's day up to this meeting (every group's)."""
    qs = (
        queries.in_visible_programme(Decision.objects.all(), user_or_access)
        .filter(programme_id=meeting.group.programme_id, decided_on__gte=since, decided_on__lte=meeting.date)
        .annotate(
            open_conditions=Count("conditions", filter=Q(conditions__status=DecisionConditionStatus.OPEN))
        )
        .select_related("meeting__group", "change_request")
        .order_by("decided_on", "number")
    )
    rows = list(qs[: MAX_DECISIONS + 1])
    return {
        "since": since,
        "rows": [
            {
                "ref": d.display_ref,
                "date": d.decided_on,
                "title": d.title,
                "outcome": d.outcome,
                "outcome_label": d.get_outcome_display(),
                "decided_by": d.decided_by or (str(d.meeting) if d.meeting_id else ""),
                "meeting": str(d.meeting) if d.meeting_id else "",
                "document": d.document_title,
                "version": d.document_version,
                "change_request": d.change_request.display_ref if d.change_request_id else "",
                "summary": _cut(d.summary, 600),
                "open_conditions": d.open_conditions,
                "url": dashboard.url_or_blank(
                    "programmes_decision", programme=meeting.group.programme.code, number=d.number
                ),
            }
            for d in rows[:MAX_DECISIONS]
        ],
        "more": len(rows) > MAX_DECISIONS,
    }


def _raid_row(item) -> dict[str, Any]:
    return {
        "ref": item.display_ref,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "title": _cut(item.title, 300),
        "theme": item.theme,
        "owner": item.owner_label or (item.owner_organisation.name if item.owner_organisation_id else ""),
        "rag": item.rag,
        "rag_label": item.get_rag_display() if item.rag else "",
        "exposure": item.exposure,
        "status": item.status,
        "status_label": item.get_status_display(),
        "activities": _cut(item.activities, 400),
        "impact": _cut(item.impact_text, 300),
        "raised_on": item.raised_on,
        "is_public": item.is_public,
        "url": dashboard.url_or_blank("programmes_raid_detail", reference=item.reference),
    }


def raid_summary(meeting: Meeting, since: dt.date, user_or_access, classification: str) -> dict[str, Any]:
    """New and changed RAID items since ``since`` and the top exposures; public items only under a Public
    classification."""
    public = is_public(classification)
    base = dashboard.visible_raid(user_or_access, meeting.group.programme_id)
    if public:
        base = base.filter(is_public=True)
    changed_after = dashboard._start_of(since + dt.timedelta(days=1))
    new_q = Q(raised_on__gt=since)
    changed_q = Q(raised_on__lte=since, updated_at__gte=changed_after)
    spec: dict[str, Any] = {}
    for kind in RaidKind.values:
        spec[f"open_{kind}"] = Count("pk", filter=Q(kind=kind, status=RaidStatus.OPEN))
        spec[f"new_{kind}"] = Count("pk", filter=Q(kind=kind) & new_q)
        spec[f"changed_{kind}"] = Count("pk", filter=Q(kind=kind) & changed_q)
    got = base.aggregate(**spec)
    related = base.select_related("owner_organisation")

    def rows(qs: QuerySet) -> list[dict[str, Any]]:
        return [_raid_row(i) for i in qs.order_by("-exposure", "number")[:MAX_RAID_ROWS]]

    counts = [
        {
            "kind": kind,
            "label": label,
            "open": got[f"open_{kind}"],
            "new": got[f"new_{kind}"],
            "changed": got[f"changed_{kind}"],
        }
        for kind, label in RaidKind.choices
    ]
    new_total = sum(c["new"] for c in counts)
    changed_total = sum(c["changed"] for c in counts)
    return {
        "public_only": public,
        "basis": (
            "Public RAID items only: this pack is classified Public and goes to every member of the group."
            if public
            else "The RAID items the person who generated this pack may see."
        ),
        "since": since,
        "counts": counts,
        "new": rows(related.filter(new_q)),
        "new_total": new_total,
        "changed": rows(related.filter(changed_q)),
        "changed_total": changed_total,
        "top": rows(related.filter(status=RaidStatus.OPEN, exposure__gt=0)),
        "limit": MAX_RAID_ROWS,
    }


def milestone_table(milestones: list[dashboard.MilestoneRow]) -> dict[str, Any]:
    return {
        "rows": [
            {
                "code": m.code,
                "name": m.name,
                "kind": m.kind,
                "baseline": m.baseline_date,
                "forecast": m.forecast_date,
                "actual": m.actual_date,
                "delta": m.delta,
                "rag": m.rag,
                "rag_label": m.rag_label,
                "rationale": _cut(m.rationale, 300),
                "regulatory": m.regulatory,
            }
            for m in milestones[:MAX_MILESTONES]
        ],
        "more": max(len(milestones) - MAX_MILESTONES, 0),
    }


# -- working groups and roadmap --------------------------------------------------------------------------


def _titles(m: Meeting) -> list[str]:
    """A meeting's agenda items, its standing items left out (the matrix shows what is particular)."""
    return [a.title for a in m.agenda.all() if not a.standing][:MAX_ITEMS_LISTED]


def working_group_matrix(meeting: Meeting) -> dict[str, Any]:
    """One column per active working group of the meeting's group (GV-49): upcoming deliverables, next
    meeting's agenda, summary of the last meeting, escalations — from the working group's report to this
    meeting and the working group's own meetings."""
    groups = list(
        Group.objects.filter(parent_id=meeting.group_id, is_active=True).order_by("code")[:MAX_WORKING_GROUPS]
    )
    if not groups:
        return {"columns": []}
    reports = {r.group_id: r for r in WorkingGroupReport.objects.filter(meeting=meeting, group__in=groups)}
    window = (meeting.date - dt.timedelta(days=120), meeting.date + dt.timedelta(days=120))
    theirs = (
        Meeting.objects.filter(group__in=groups, date__range=window)
        .exclude(status=MeetingStatus.CANCELLED)
        .prefetch_related("agenda")
        .order_by("date", "number")
    )
    nxt: dict[int, Meeting] = {}
    last: dict[int, Meeting] = {}
    for m in theirs:
        if m.date >= meeting.date:
            nxt.setdefault(m.group_id, m)
        else:
            last[m.group_id] = m
    columns = []
    for g in groups:
        report = reports.get(g.pk)
        n, la = nxt.get(g.pk), last.get(g.pk)
        columns.append(
            {
                "code": g.code,
                "name": g.name,
                "upcoming_deliverables": _cut(report.upcoming_deliverables) if report else "",
                "next_meeting": {"date": n.date, "items": _titles(n) or ["TBC"]} if n else None,
                "last_meeting": {"date": la.date, "items": _titles(la)} if la else None,
                "summary": _cut(report.last_meeting_summary) if report else "",
                "escalations": (_cut(report.escalations) if report else "") or "None",
            }
        )
    return {"columns": columns}


def standing_items(group: Group, agenda_rows: list[dict[str, Any]]) -> list[str]:
    """The group's standing items (GV-48): the titles of its standing-item lines (``Item | Objective | Type
    | Lead | minutes``), else this meeting's standing agenda items."""
    lines = [line.split("|", 1)[0].strip() for line in (group.standing_items or "").splitlines()]
    lines = [line for line in lines if line]
    return lines[:MAX_ITEMS_LISTED] or [r["title"] for r in agenda_rows if r["standing"]][:MAX_ITEMS_LISTED]


def roadmap(
    meeting: Meeting,
    agenda_rows: list[dict[str, Any]],
    milestones: list[dashboard.MilestoneRow],
    user_or_access,
) -> dict[str, Any]:
    """This meeting and the group's next :data:`ROADMAP_MEETINGS` (GV-47): dates, the milestones and
    activities falling before the next one, agenda items and standing items."""
    upcoming = list(
        Meeting.objects.filter(group_id=meeting.group_id, number__gt=meeting.number, date__gte=meeting.date)
        .exclude(status=MeetingStatus.CANCELLED)
        .prefetch_related("agenda")
        .order_by("date", "number")[:ROADMAP_MEETINGS]
    )
    standing = standing_items(meeting.group, agenda_rows)
    dates = [meeting.date, *(m.date for m in upcoming)]
    windows = [
        (d, dates[i + 1] if i + 1 < len(dates) else d + dt.timedelta(days=ROADMAP_TAIL_DAYS))
        for i, d in enumerate(dates)
    ]
    first, end = windows[0][0], windows[-1][1]
    programme_id = meeting.group.programme_id
    crs = list(
        dashboard.visible_crs(user_or_access, programme_id)
        .filter(ia_deadline__gte=first, ia_deadline__lt=end)
        .order_by("ia_deadline", "number")
        .values_list("number", "title", "ia_deadline")[:50]
    )
    assessments = list(
        queries.in_visible_programme(Assessment.objects.filter(programme_id=programme_id), user_or_access)
        .filter(Q(opens_on__gte=first, opens_on__lt=end) | Q(closes_on__gte=first, closes_on__lt=end))
        .order_by("opens_on", "code")
        .values_list("code", "name", "opens_on", "closes_on")[:50]
    )
    columns = []
    for i, (start, stop) in enumerate(windows):
        in_window = [
            f"{m.code} {m.name} ({_day(m.actual_date or m.due)})"
            for m in milestones
            if (m.actual_date or m.due) and start <= (m.actual_date or m.due) < stop
        ][:MAX_ITEMS_LISTED]
        activities = [
            f"CR{number:03d} {title}: impact assessments due {_day(due)}"
            for number, title, due in crs
            if start <= due < stop
        ]
        for code, name, opens, closes in assessments:
            if start <= opens < stop:
                activities.append(f"{code} {name} opens {_day(opens)}")
            if start <= closes < stop:
                activities.append(f"{code} {name} closes {_day(closes)}")
        if i == 0:
            items = [r["title"] for r in agenda_rows if not r["standing"] and r["section"] is not None]
            number, extraordinary = meeting.number, meeting.extraordinary
        else:
            m = upcoming[i - 1]
            items = [a.title for a in m.agenda.all() if not a.standing]
            number, extraordinary = m.number, m.extraordinary
        columns.append(
            {
                "number": number,
                "date": start,
                "label": _short(start),
                "current": i == 0,
                "extraordinary": extraordinary,
                "milestones": in_window,
                "activities": activities[:MAX_ITEMS_LISTED],
                "items": items[:MAX_ITEMS_LISTED] or ["TBC"],
                "standing": standing,
            }
        )
    return {
        "columns": columns,
        "next_meeting": (
            {
                "number": upcoming[0].number,
                "date": upcoming[0].date,
                "extraordinary": upcoming[0].extraordinary,
            }
            if upcoming
            else None
        ),
    }


# -- appendix --------------------------------------------------------------------------------------------


def appendix(meeting: Meeting) -> dict[str, Any]:
    labels = dict(Rag.choices)
    legend = [
        {
            "kind": RaidKind(kind).label,
            "rows": [{"rag": rag, "label": labels[rag], "meaning": text} for rag, text in by_rag.items()],
        }
        for kind, by_rag in RAG_LEGEND.items()
    ]
    members = [
        {"organisation": m.organisation.name, "role": m.role, "constituency": m.constituency}
        for m in GroupMember.objects.filter(group_id=meeting.group_id)
        .select_related("organisation")
        .order_by("organisation__name")[:MAX_MEMBERS]
    ]
    return {
        "legend": legend,
        "members": members,
        "notes": [
            "Delta: working days from the baseline date to the forecast (or actual) date on the programme's "
            "calendar (weekends, England and Wales bank holidays and the calendar's closures not counted); "
            "positive is later than baseline.",
            "Exposure: likelihood × impact, each scored 1 to 5 (0 when unscored).",
            "New RAID items were raised after the previous meeting; changed ones were raised before it and "
            "updated since.",
            "Actions are closed only when a meeting ratifies a recommendation to close them.",
            f"Tables are bounded: at most {MAX_ACTIONS} actions, {MAX_RAID_ROWS} RAID items per table and "
            f"{MAX_MILESTONES} milestones; the rest are counted and available in Busbar.",
        ],
    }


# -- the pack --------------------------------------------------------------------------------------------


def document_ref(meeting: Meeting) -> str:
    if meeting.document_ref:
        return meeting.document_ref
    prefix = (
        GovernanceSettings.objects.filter(programme_id=meeting.group.programme_id)
        .values_list("document_prefix", flat=True)
        .first()
    )
    return f"{prefix}-{meeting.code}" if prefix else meeting.code


def build(meeting: Meeting, user_or_access, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The pack's content, JSON-ready once dates are written as ISO strings (``pdf.to_json`` does)."""
    now = now or timezone.now()
    today = dashboard.london_today(now)
    group = meeting.group
    programme = group.programme
    classification = meeting.classification or "Public"
    rows, unclaimed = agenda(meeting)
    prev = previous_meeting(meeting)
    since = prev.date if prev else meeting.date - dt.timedelta(days=30)
    milestones = dashboard.milestone_rows(programme.pk, today)
    ref = document_ref(meeting)
    title = f"{group.name} #{meeting.number}"
    return {
        "schema_version": SCHEMA,
        "programme": {"code": programme.code, "name": programme.name},
        "cover": {
            "title": title,
            "group": group.code,
            "group_name": group.name,
            "number": meeting.number,
            "extraordinary": meeting.extraordinary,
            "date": meeting.date,
            "start_time": meeting.start_time.strftime("%H:%M") if meeting.start_time else "",
            "location": meeting.location,
            "version": meeting.version or "1.0",
            "document_ref": ref,
            "classification": classification,
            "classification_line": f"Document Classification: {classification}",
            "status": meeting.get_status_display(),
        },
        "generated_at": timezone.localtime(now, dashboard.LONDON).strftime("%-d %b %Y %H:%M"),
        "agenda": rows,
        "unclaimed_sections": unclaimed,
        "section_titles": SECTION_TITLES,
        "decisions_needed": [
            {"position": r["position"], "title": r["title"], "objective": r["objective"], "lead": r["lead"]}
            for r in rows
            if r["type"] == AgendaType.DECISION
        ],
        "previous_meeting": (
            {"number": prev.number, "date": prev.date, "extraordinary": prev.extraordinary} if prev else None
        ),
        "minutes": minutes_for_approval(meeting),
        "actions": action_log(meeting),
        "decisions": decisions_since(meeting, since, user_or_access),
        "raid": raid_summary(meeting, since, user_or_access, classification),
        "milestones": milestone_table(milestones),
        "working_groups": working_group_matrix(meeting),
        "roadmap": roadmap(meeting, rows, milestones, user_or_access),
        "appendix": appendix(meeting),
    }


def for_json(data: dict[str, Any]) -> dict[str, Any]:
    """The pack as the API and the PDF read it: dates as ISO text, no HTML (the page's rendered minutes)."""
    import json

    out = json.loads(pdf.to_json(data))
    for m in out["minutes"]["meetings"]:
        m.pop("html", None)
    return out


def render_pdf(data: dict[str, Any], *, now: dt.datetime | None = None) -> bytes:
    return pdf.render(TEMPLATE.read_text(encoding="utf-8"), for_json(data), timestamp=now)


def pdf_filename(meeting: Meeting) -> str:
    """e.g. ``mhhs-tmag20-pack-v1.0.pdf``."""
    stem = f"{meeting.group.programme.code}-{meeting.group.code}{meeting.number:02d}-pack-v{meeting.version}"
    return re.sub(r"[^a-z0-9.-]+", "-", stem.lower()).strip("-")[:150] + ".pdf"
