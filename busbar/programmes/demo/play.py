"""Play the MHHS programme's governance (:mod:`.data`) through the real actions, back-dated.

Loaded after the testing demo (which creates the programme ``mhhs``, its parties and SIT): the plan with
its first baseline and a second one written by approving CR001, the RAID log imported from the programme's
spreadsheet then kept in Busbar, the governance groups with their meetings, actions and decisions, CR002
in its second impact-assessment round, RA5 open with eight participants' answers, three subsidiary plans,
and TMAG #20 ready to run a few days ahead. Loading twice changes nothing: the programme's governance
settings are the guard.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import partial

from django.contrib.auth import get_user_model

from busbar.lib.actions import Actor
from busbar.parties import actions as party_actions
from busbar.parties.models import Organisation
from busbar.programmes.actions import changes as cr_actions
from busbar.programmes.actions import meetings as meet
from busbar.programmes.actions import plan as plan_actions
from busbar.programmes.actions import raid as raid_actions
from busbar.programmes.demo import data
from busbar.programmes.demo.base import Gov
from busbar.programmes.demo.story import play_readiness, play_subsidiary_plans
from busbar.programmes.models import (
    AgendaItem,
    DecisionCondition,
    GovernanceSettings,
    Manageable,
    RaidItem,
)
from busbar.programmes.workdays import for_programme
from busbar.testing.models import Phase, Programme

# -- parties -------------------------------------------------------------------------------------------


def _parties(g: Gov) -> list[str]:
    """The market participants and people governance needs beyond the earlier demos'. The people get the
    demo's published password by sharing the SI test manager's password hash, as the testing demo does."""
    system = Actor.system()
    for name, slug, roles, identifiers, email in data.ORGANISATIONS:
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            org = party_actions.create_organisation(
                actor=system,
                name=name,
                slug=slug,
                roles=roles,
                identifiers=identifiers,
                contact_email=email,
                description=f"Demo organisation: {', '.join(r.label for r in roles)}.",
            )
        g.ctx.orgs[slug] = org
    User = get_user_model()
    password_of_si = g.user(data.SI)
    lines = []
    for email, name, slug, what in data.PEOPLE:
        org = g.org(slug)
        user = User.objects.filter(email=email).first()
        if user is None or not user.memberships.filter(organisation=org).exists():
            party_actions.add_member(
                actor=system, organisation=org, email=email, full_name=name, role="participant"
            )
            user = User.objects.get(email=email)
        if not user.has_usable_password() and password_of_si.has_usable_password():
            user.password = password_of_si.password
            user.save(update_fields=["password"])
        g.ctx.people[email] = user
        lines.append(f"  {email.ljust(30)} {name} ({org.name}): {what}")
    return lines


# -- the plan ------------------------------------------------------------------------------------------


def _plan(g: Gov) -> None:
    office, programme = g.office, g.programme
    set_up = g.at(g.plan(data.BASELINE_1_ON) - dt.timedelta(days=1), 9)
    plan_actions.settings(
        actor=office,
        programme=programme,
        document_prefix=data.DOCUMENT_PREFIX,
        classification=data.CLASSIFICATION,
        consultation_days=10,
        assurance_days=5,
    )
    for slug, constituency in data.MEMBERS:
        plan_actions.add_member(
            actor=office, programme=programme, organisation=g.org(slug), constituency=constituency
        )
    sit = Phase.objects.filter(programme=programme, code="sit-functional").first()
    for code, name, order, start, end, rag, reason, test_phase in data.PHASES:
        g.phases[code] = plan_actions.add_phase(
            actor=office,
            programme=programme,
            code=code,
            name=name,
            order=order,
            start=g.plan(start),
            end=g.plan(end),
            rag=rag,
            rag_reason=reason,
            test_phase=sit if test_phase == "sit-functional" else None,
        )
    for (
        code,
        name,
        kind,
        phase,
        pred,
        base,
        _actual,
        _forecast,
        rag,
        why,
        regulatory,
        order,
    ) in data.MILESTONES:
        g.milestones[code] = plan_actions.add_milestone(
            actor=office,
            programme=programme,
            code=code,
            name=name,
            kind=kind,
            phase=g.phases[phase],
            predecessor=g.milestones[pred] if pred else None,
            forecast_date=g.plan(base),
            rag="" if rag == "complete" else rag,
            rationale=why,
            regulatory=regulatory,
            order=order,
            now=set_up,
        )
    plan_actions.set_first_baseline(
        actor=office,
        programme=programme,
        label=data.BASELINE_1,
        dates={g.milestones[m[0]]: g.plan(m[5]) for m in data.MILESTONES},
        now=g.at(g.plan(data.BASELINE_1_ON), 15),
    )
    for order, (ref, name, phase, start, finish, resp, inv, milestone, uncertain) in enumerate(data.TASKS):
        plan_actions.add_task(
            actor=office,
            programme=programme,
            ref=ref,
            name=name,
            start=g.plan(start),
            finish=g.plan(finish),
            phase=g.phases[phase],
            milestone=g.milestones[milestone] if milestone else None,
            responsible=g.org(data.RESPONSIBLE[resp]) if data.RESPONSIBLE.get(resp) else None,
            responsible_label=resp,
            involved=[g.org(data.RESPONSIBLE[inv])] if data.RESPONSIBLE.get(inv) else [],
            involved_label=inv,
            duration_uncertain=uncertain,
            order=order,
        )


def _plan_now(g: Gov) -> None:
    """Actual dates of the milestones met, the forecasts of those expected later (kept by the office)."""
    now = g.at(0, 9)
    for code, _n, _k, _p, _pred, _base, actual, forecast, _rag, _why, _reg, _o in data.MILESTONES:
        fields = {}
        if actual is not None:
            fields.update(actual_date=g.plan(actual), rag="complete")
        if forecast is not None:
            fields["forecast_date"] = g.plan(forecast)
        if fields:
            plan_actions.update_milestone(actor=g.office, milestone=g.milestones[code], now=now, **fields)


# -- RAID ----------------------------------------------------------------------------------------------

IMPORT_COLUMNS = [
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
    "impacting milestone",
    "impacting activity",
    "impacted milestone",
    "impacted activity",
    "external ref",
    "likelihood",
    "impact score",
    "rag",
    "owner",
    "owner label",
    "public",
    "raised",
]


def _import_row(g: Gov, item: dict) -> list[str]:
    slug, label, _person = item["owner"]
    manageable = item.get("manageable", "")
    return [
        f"R{item['ref']}",
        item["kind"],
        item["title"],
        item.get("theme", ""),
        item.get("phase", ""),
        item.get("activities", ""),
        item.get("impact_text", ""),
        item.get("impact_level", ""),
        item.get("uncertainty", ""),
        Manageable(manageable).label if manageable else "",
        item.get("impacting_milestone", ""),
        item.get("impacting_activity", ""),
        item.get("impacted_milestone", ""),
        item.get("impacted_activity", ""),
        item.get("external_ref", ""),
        str(item.get("likelihood") or ""),
        str(item.get("impact_score") or ""),
        item.get("rag", ""),
        g.org(slug).name,
        label,
        "yes" if item.get("public") else "no",
        g.day(item["raised"]).isoformat(),
    ]


def _raid_import(g: Gov) -> None:
    """The open items of the programme's RAID spreadsheet, imported with their references (R281 …)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(IMPORT_COLUMNS)
    imported = [item for item in data.RAID if "ref" in item]
    writer.writerows(_import_row(g, item) for item in sorted(imported, key=lambda i: i["ref"]))
    when = g.at(data.RAID_IMPORT, 11)
    raid_actions.import_items(
        actor=g.office,
        programme=g.programme,
        filename=data.RAID_IMPORT_FILE,
        content=buffer.getvalue().encode(),
        now=when,
    )
    numbers = {item["ref"]: item["key"] for item in imported}
    for found in RaidItem.objects.filter(programme=g.programme, number__in=list(numbers)):
        g.raid[numbers[found.number]] = found
    for item in imported:
        person = item["owner"][2]
        if person is not None:
            raid_actions.edit_item(
                actor=g.office,
                item=g.raid[item["key"]],
                owner_user=g.user(person),
                now=when + dt.timedelta(minutes=30),
            )


def _raise(g: Gov, item: dict) -> RaidItem:
    slug, label, person = item["owner"]
    milestone = g.milestones.get
    return raid_actions.raise_item(
        actor=g.office,
        programme=g.programme,
        kind=item["kind"],
        title=item["title"],
        theme=item.get("theme", ""),
        phase=g.phases.get(item.get("phase", "")),
        activities=item.get("activities", ""),
        impact_text=item.get("impact_text", ""),
        impact_level=item.get("impact_level", ""),
        uncertainty=item.get("uncertainty", ""),
        manageable=item.get("manageable", ""),
        impacting_milestone=milestone(item.get("impacting_milestone", "")),
        impacting_activity=item.get("impacting_activity", ""),
        impacted_milestone=milestone(item.get("impacted_milestone", "")),
        impacted_activity=item.get("impacted_activity", ""),
        external_ref=item.get("external_ref", ""),
        likelihood=item.get("likelihood"),
        impact_score=item.get("impact_score"),
        rag=item.get("rag", ""),
        owner_organisation=g.org(slug),
        owner_label=label,
        owner_user=g.user(person) if person else None,
        is_public=item.get("public", False),
        raised_on=g.day(item["raised"]),
        now=g.at(item["raised"], 11),
    )


def _raid(g: Gov) -> None:
    """The import, then everything that happens to the RAID log in Busbar, on the story's timeline."""
    g.on(data.RAID_IMPORT, 11, 0, lambda: _raid_import(g))
    for item in data.RAID:
        if "ref" not in item:
            g.on(item["raised"], 11, 0, lambda item=item: g.raid.__setitem__(item["key"], _raise(g, item)))
    for key, when, author, text in data.RAID_UPDATES:
        g.on(
            when,
            14,
            0,
            lambda key=key, when=when, author=author, text=text: raid_actions.add_update(
                actor=g.actor(author), item=g.raid[key], body=g.text(text), now=g.at(when, 14)
            ),
        )
    for key, when, fields in data.RAID_EDITS:
        g.on(
            when,
            15,
            0,
            lambda key=key, when=when, fields=fields: raid_actions.edit_item(
                actor=g.office, item=g.raid[key], now=g.at(when, 15), **fields
            ),
        )
    for key, when, reason in data.RAID_PUBLISHED:
        g.on(
            when,
            13,
            0,
            lambda key=key, when=when, reason=reason: raid_actions.set_public(
                actor=g.office, item=g.raid[key], is_public=True, reason=reason, now=g.at(when, 13)
            ),
        )
    for key, when, reason in data.RAID_CLOSURES:
        g.on(
            when,
            16,
            0,
            lambda key=key, when=when, reason=reason: raid_actions.close_item(
                actor=g.office, item=g.raid[key], reason=reason, now=g.at(when, 16)
            ),
        )
    key, when, new_key, impact = data.CONVERSION

    def convert() -> None:
        g.raid[new_key] = raid_actions.convert_to_issue(
            actor=g.office, item=g.raid[key], impact_text=impact, now=g.at(when, 16, 30)
        )

    g.on(when, 16, 30, convert)


# -- groups and meetings -------------------------------------------------------------------------------


def _groups(g: Gov) -> None:
    office = g.actor(data.SECRETARIAT)
    for code, name, kind, parent, purpose, standing, members in data.GROUPS:
        group = meet.create_group(
            actor=office,
            programme=g.programme,
            code=code,
            name=name,
            kind=kind,
            parent=g.groups[parent] if parent else None,
            purpose=purpose,
            standing_items=standing,
        )
        g.groups[code] = group
        for slug, role, constituency in members:
            meet.add_group_member(
                actor=office, group=group, organisation=g.org(slug), role=role, constituency=constituency
            )


def _agenda(g: Gov, meeting, topics, *, skip=(), objectives=None, start=dt.time(10, 0)) -> None:
    """``meeting``'s agenda: its standing items (less ``skip``) with ``topics`` (title, objective, type,
    lead, minutes) before the summary, and each item's time slot from ``start`` (0 minutes: taken as
    read, no slot)."""
    secretariat = g.actor(data.SECRETARIAT)
    for item in AgendaItem.objects.filter(meeting=meeting, title__in=list(skip)):
        meet.remove_agenda_item(actor=secretariat, item=item)
    for title, objective, kind, lead, minutes in topics:
        items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))
        last = items[-1] if items else None
        before_summary = last is not None and last.standing and last.title.startswith("Summary")
        meet.add_agenda_item(
            actor=secretariat,
            meeting=meeting,
            title=title,
            objective=objective,
            type=kind,
            lead=lead,
            duration_minutes=minutes,
            position=last.position if before_summary else None,
        )
    clock = dt.datetime.combine(meeting.date, start)
    for item in AgendaItem.objects.filter(meeting=meeting).order_by("position"):
        fields = {}
        if objectives and item.title in objectives and item.objective != objectives[item.title]:
            fields["objective"] = objectives[item.title]
        slot = clock.time() if item.duration_minutes else None
        if slot != item.start_time:
            fields["start_time"] = slot
        clock += dt.timedelta(minutes=item.duration_minutes)
        if fields:
            meet.update_agenda_item(actor=secretariat, item=item, **fields)


def _document(number: str) -> str:
    return f"{data.DOCUMENT_PREFIX}{number}" if number else ""


def _held_meeting(g: Gov, group, number, when, extraordinary, document, skip, topics, minutes) -> None:
    secretariat = g.actor(data.SECRETARIAT)
    key = f"{group}{number:02d}"

    def schedule() -> None:
        meeting = meet.schedule_meeting(
            actor=secretariat,
            group=g.groups[group],
            date=g.day(when),
            number=number,
            extraordinary=extraordinary,
            start_time=dt.time(10, 0),
            location="Online (Teams)",
            document_ref=_document(document),
            now=g.at(g.day(when) - dt.timedelta(days=14), 9),
        )
        _agenda(g, meeting, topics, skip=skip)
        g.meetings[key] = meeting

    def hold() -> None:
        meet.hold_meeting(actor=secretariat, meeting=g.meetings[key], now=g.at(when, 12))

    def minute() -> None:
        meet.record_minutes(actor=secretariat, meeting=g.meetings[key], minutes=minutes, now=g.at(when, 16))

    g.on(g.day(when) - dt.timedelta(days=14), 9, 0, schedule)
    g.on(when, 12, 0, hold)
    g.on(when, 16, 0, minute)


def _day_of(meeting: str):
    """The story day of a held meeting ("TMAG19")."""
    return next(m[2] for m in data.HELD_MEETINGS if f"{m[0]}{m[1]:02d}" == meeting)


def _meetings(g: Gov) -> None:
    for group, number, when, extraordinary, document, skip, topics, minutes in data.HELD_MEETINGS:
        _held_meeting(g, group, number, when, extraordinary, document, skip, topics, minutes)
    for minuted, approving in data.MINUTES_APPROVED:
        when = _day_of(approving)
        g.on(
            when,
            10,
            10,
            lambda minuted=minuted, approving=approving, when=when: meet.approve_minutes(
                actor=g.actor(data.SECRETARIAT),
                meeting=g.meetings[minuted],
                at_meeting=g.meetings[approving],
                now=g.at(when, 10, 10),
            ),
        )
    for code, number, when, topics, next_when, next_topics in data.WG_MEETINGS:
        _working_group(g, code, number, when, topics, next_when, next_topics)
    for n, decision in enumerate(data.DECISIONS):
        _decision(g, n, *decision)
    for action in data.ACTIONS:
        _action(g, *action)


def _working_group(g: Gov, code, number, when, topics, next_when, next_topics) -> None:
    secretariat = g.actor(data.SECRETARIAT)

    def last() -> None:
        meeting = meet.schedule_meeting(
            actor=secretariat,
            group=g.groups[code],
            date=g.day(when),
            number=number,
            start_time=dt.time(14, 0),
            location="Online (Teams)",
            now=g.at(g.day(when) - dt.timedelta(days=7), 9),
        )
        _agenda(g, meeting, [(t, "", "discussion", "", 20) for t in topics], start=dt.time(14, 0))
        meet.hold_meeting(actor=secretariat, meeting=meeting, now=g.at(when, 15, 30))
        meet.record_minutes(
            actor=secretariat,
            meeting=meeting,
            minutes="Summary and slides published on the collaboration base; no escalations to TMAG.",
            now=g.at(when, 16, 30),
        )

    def upcoming() -> None:
        meeting = meet.schedule_meeting(
            actor=secretariat,
            group=g.groups[code],
            date=g.day(next_when),
            number=number + 1,
            start_time=dt.time(14, 0),
            location="Online (Teams)",
            now=g.at(-2, 9),
        )
        _agenda(g, meeting, [(t, "", "discussion", "", 20) for t in next_topics], start=dt.time(14, 0))
        if meeting.date <= g.today:
            meet.hold_meeting(actor=secretariat, meeting=meeting, now=g.at(next_when, 15, 30))

    g.on(when, 15, 30, last)
    g.on(-2, 9, 30, upcoming)


def _decision(g: Gov, n, meeting_key, item_title, title, outcome, by, document, version, summary, conditions):
    def record() -> None:
        meeting = g.meetings[meeting_key]
        item = AgendaItem.objects.filter(meeting=meeting, title=item_title).first() if item_title else None
        change_request = g.crs.get("cr002") if title.startswith("CR002") else None
        decision = meet.record_decision(
            actor=g.actor(data.SECRETARIAT),
            programme=g.programme,
            title=title,
            outcome=outcome,
            decided_on=meeting.date,
            meeting=meeting,
            agenda_item=item,
            decided_by=by,
            document_title=document,
            document_version=version,
            summary=summary,
            conditions=[
                {"text": text, "owner_organisation": g.org(slug), "due_date": g.day(due)}
                for text, slug, due, _met in conditions
            ],
            change_request=change_request,
            now=g.at(meeting.date, 12, 10 + n % 40),
        )
        for condition, (_t, _s, _d, met) in zip(
            DecisionCondition.objects.filter(decision=decision).order_by("id"), conditions, strict=True
        ):
            if met is not None:
                g.on(
                    met,
                    15,
                    0,
                    lambda condition=condition, met=met: meet.close_condition(
                        actor=g.office,
                        condition=condition,
                        status="met",
                        note="Confirmed at MWG; the profile assumptions are in the Data Cleanse Plan draft.",
                        now=g.at(met, 15),
                    ),
                )

    when = _day_of(meeting_key)
    g.on(when, 12, 10 + n % 40, record)


def _action(g: Gov, meeting_key, description, slug, label, owners, due, raid_keys, updates, ratified_at):
    when = _day_of(meeting_key)
    box: dict = {}

    def raise_it() -> None:
        meeting = g.meetings[meeting_key]
        box["action"] = meet.raise_action(
            actor=g.actor(data.SECRETARIAT),
            meeting=meeting,
            description=description,
            owner_organisation=g.org(slug) if slug else None,
            owner_label=label,
            owner_people=[g.user(e) for e in owners],
            due_date=g.day(due),
            raid_items=[g.raid[k] for k in raid_keys],
            now=g.at(when, 12, 30),
        )
        g.actions[box["action"].reference] = box["action"]

    g.on(when, 12, 30, raise_it)
    for day, status, text in updates:
        who = g.actor(owners[0]) if owners else g.actor(data.SECRETARIAT)

        def update(day=day, status=status, text=text, who=who) -> None:
            if status == "recommend_closed":
                meet.recommend_close(actor=who, action=box["action"], text=g.text(text), now=g.at(day, 14))
            else:
                meet.update_action(
                    actor=who, action=box["action"], text=g.text(text), status=status, now=g.at(day, 14)
                )

        g.on(day, 14, 0, update)
    if ratified_at:
        at_when = _day_of(ratified_at)
        g.on(
            at_when,
            10,
            20,
            lambda: meet.ratify_closure(
                actor=g.actor(data.SECRETARIAT),
                action=box["action"],
                meeting=g.meetings[ratified_at],
                now=g.at(at_when, 10, 20),
            ),
        )


def _tmag20(g: Gov) -> None:
    """TMAG #20 a few days ahead: the full standard agenda, the working groups' reports, and the two
    TMAGs after it for the agenda roadmap."""
    secretariat = g.actor(data.SECRETARIAT)
    tmag = g.groups["TMAG"]
    meeting = meet.schedule_meeting(
        actor=secretariat,
        group=tmag,
        date=g.tmag20,
        number=20,
        start_time=dt.time(10, 0),
        location="Online (Teams)",
        document_ref=_document(data.TMAG20_DOCUMENT),
        now=g.at(-6, 9),
    )
    g.meetings["TMAG20"] = meeting
    _agenda(g, meeting, data.TMAG20_TOPICS, objectives=data.TMAG20_OBJECTIVES)
    for code, deliverables, summary, escalations in data.WG_REPORTS:
        meet.save_working_group_report(
            actor=secretariat,
            meeting=meeting,
            group=g.groups[code],
            upcoming_deliverables=deliverables,
            last_meeting_summary=summary,
            escalations=escalations,
        )
    for weeks, topics in data.ROADMAP:
        later = meet.schedule_meeting(
            actor=secretariat,
            group=tmag,
            date=g.tmag20 + dt.timedelta(weeks=weeks),
            start_time=dt.time(10, 0),
            location="Online (Teams)",
            now=g.at(-1, 9),
        )
        _agenda(g, later, [(t, o, k, "Programme", 15) for t, o, k in topics])


# -- change requests -----------------------------------------------------------------------------------


def _changes(g: Gov) -> None:
    office = g.office
    for key, raiser, title, description, reason, criticality, needed_by, moves in data.CHANGE_REQUESTS:
        days = data.CR001_DAYS if key == "cr001" else data.CR002_DAYS

        def raise_it(
            key=key,
            raiser=raiser,
            title=title,
            description=description,
            reason=reason,
            criticality=criticality,
            needed_by=needed_by,
            moves=moves,
            days=days,
        ) -> None:
            g.crs[key] = cr_actions.raise_cr(
                actor=g.actor(raiser),
                programme=g.programme,
                title=title,
                description=description,
                reason=g.text(reason),
                criticality=criticality,
                needed_by=g.day(needed_by),
                milestone_changes={g.milestones[code]: g.plan(day) for code, day in moves.items()},
                now=g.at(days["raise"], 10),
            )

        g.on(days["raise"], 10, 0, raise_it)
        g.on(
            days["issue"],
            10,
            0,
            lambda key=key, days=days: cr_actions.issue_for_assessment(
                actor=office, cr=g.crs[key], now=g.at(days["issue"], 10)
            ),
        )
        g.on(
            days["close"],
            10,
            0,
            lambda key=key, days=days: cr_actions.close_responses(
                actor=office,
                cr=g.crs[key],
                note="Impact assessment round closed; responses go to review.",
                now=g.at(days["close"], 10),
            ),
        )
    days = data.CR001_DAYS
    g.on(
        days["approve"],
        11,
        30,
        lambda: cr_actions.approve_cr(
            actor=office,
            cr=g.crs["cr001"],
            note="Approved by the SRO on the steering group's recommendation.",
            meeting=g.meetings["PSG31"],
            decided_by="Programme SRO",
            regulator_approval=data.REGULATOR_APPROVAL,
            now=g.at(days["approve"], 11, 30),
        ),
    )

    def forecasts_follow() -> None:
        for code in ("CP4", "M14"):
            milestone = g.milestones[code]
            milestone.refresh_from_db()
            plan_actions.update_milestone(
                actor=office,
                milestone=milestone,
                forecast_date=milestone.baseline_date,
                now=g.at(days["approve"], 15),
            )

    g.on(days["approve"], 15, 0, forecasts_follow)
    working = for_programme(g.programme.pk, around=[g.today])
    reissued = working.add(g.today, -data.CR002_REISSUE_WORKING_DAYS_AGO)
    g.on(
        reissued,
        10,
        0,
        lambda: cr_actions.reissue_cr(
            actor=office,
            cr=g.crs["cr002"],
            note="Amended with the large supplier constituency's evidence, as DAG #42 asked; round 2.",
            now=g.at(reissued, 10),
        ),
    )
    for key, round_, slug, author, when, impact, position, text, cost in data.CR_RESPONSES:
        day = g.day(when) if round_ == 1 else working.add(reissued, when)
        g.on(day, 12, 0, partial(_respond, g, key, slug, author, day, impact, position, text, cost))


def _respond(g: Gov, key, slug, author, day, impact, position, text, cost) -> None:
    cr_actions.respond(
        actor=g.actor(author),
        cr=g.crs[key],
        organisation=g.org(slug),
        impact=impact,
        position=position,
        response=text,
        cost_or_effort=cost,
        now=g.at(day, 12),
    )


# -- loading -------------------------------------------------------------------------------------------


def load(ctx) -> None:
    programme = Programme.objects.filter(code="mhhs").first()
    if programme is None:
        ctx.lines.append("No demo test programme MHHS: programme governance demo skipped.")
        return
    if GovernanceSettings.objects.filter(programme=programme).exists():
        ctx.lines.append("Demo programme governance (MHHS) already present: left as it is.")
        return
    g = Gov.starting(ctx, programme)
    people = _parties(g)
    _plan(g)
    _groups(g)
    _raid(g)
    _changes(g)
    _meetings(g)
    play_readiness(g)
    play_subsidiary_plans(g)
    g.play()
    _plan_now(g)
    _tmag20(g)
    ctx.lines += [
        "",
        f"Programme governance: MHHS at /programmes/mhhs/ — plan M5…M16 with control points (baseline 2 from "
        f"CR001), {RaidItem.objects.filter(programme=programme).count()} RAID items, TMAG #20 on "
        f"{g.tmag20:%a %d %b %Y} (actions to ratify, working-group reports), CR002 in its second impact "
        "assessment round, RA5 open.",
        "Governance people (participant users, no second factor):",
        *people,
        *(f"  {email.ljust(30)} {what}" for email, what in data.ROLES_OF_EXISTING),
    ]
