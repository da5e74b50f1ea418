"""Forms of the groups, meetings, action log and decision pages: shape only; the rules live in
:mod:`busbar.programmes.actions.meetings` and :mod:`busbar.programmes.permissions`."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import ActionForm, IdsChoiceField
from busbar.lib.limits import TEXT_MAX
from busbar.parties.models import Membership, Organisation
from busbar.programmes import queries
from busbar.programmes.actions import meetings as actions
from busbar.programmes.models import (
    Action,
    ActionStatus,
    AgendaItem,
    AgendaType,
    DecisionCondition,
    DecisionConditionStatus,
    DecisionOutcome,
    Group,
    GroupKind,
    Meeting,
    MeetingStatus,
    RaidItem,
    WorkingGroupReport,
)

DATE = {"type": "date"}
TIME = {"type": "time"}
TEXTAREA = {"rows": 3}
#: Condition rows offered on the decision form.
CONDITION_ROWS = 3
RAID_REFS = re.compile(r"R?([1-9][0-9]{0,6})", re.IGNORECASE)


def _date_field(**kwargs) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), **kwargs)


def _time_field(**kwargs) -> forms.TimeField:
    return forms.TimeField(widget=forms.TimeInput(attrs=TIME, format="%H:%M"), required=False, **kwargs)


def participant_organisations(programme_id: int):
    """Who may own an action or a condition: the programme's participant organisations."""
    return Organisation.objects.filter(
        is_active=True, pk__in=queries.participant_organisation_ids(programme_id)
    ).order_by("name")


def named_people(programme_id: int, group: Group | None = None):
    """The people an action may name: those of the programme office and of the group's members."""
    from django.db.models import Q

    from busbar.testing.models import ProgrammeFunction, ProgrammeParty

    office = ProgrammeParty.objects.filter(
        programme_id=programme_id, function=ProgrammeFunction.PROGRAMME_MANAGER
    ).values("organisation_id")
    where = Q(organisation_id__in=office)
    if group is not None:
        where |= Q(organisation_id__in=group.members.values("organisation_id"))
    memberships = Membership.objects.filter(where, is_active=True, organisation__is_active=True)
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=memberships.values("user_id"))
        .order_by("full_name", "pk")
    )


class _PeopleField(IdsChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


def _raid_numbers(text: str) -> list[int]:
    numbers = []
    for part in re.split(r"[\s,;]+", text or ""):
        if not part:
            continue
        match = RAID_REFS.fullmatch(part)
        if match is None:
            raise forms.ValidationError(f"{part[:20]} is not a RAID reference such as R12")
        numbers.append(int(match.group(1)))
    if len(numbers) > actions.MAX_RAID_LINKS:
        raise forms.ValidationError(f"At most {actions.MAX_RAID_LINKS} RAID items")
    return list(dict.fromkeys(numbers))


def _raid_items(programme_id: int, numbers: list[int]) -> list[RaidItem]:
    found = {r.number: r for r in RaidItem.objects.filter(programme_id=programme_id, number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ActionError(f"No RAID item R{missing[0]} in this programme", field="raid_items")
    return [found[n] for n in numbers]


# -- groups ---------------------------------------------------------------------------------------------


class GroupForm(ActionForm):
    title, button = "Add a group", "Add group"
    help = "A governance group (PSG, TMAG, DAG) or a working group reporting to one."
    code = forms.CharField(max_length=20, help_text="e.g. TMAG: the prefix of its actions (TMAG18-01)")
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=GroupKind.choices, initial=GroupKind.ADVISORY)
    parent = forms.ModelChoiceField(
        queryset=Group.objects.none(), required=False, help_text="A working group's parent (e.g. TMAG)"
    )
    purpose = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA), max_length=TEXT_MAX)
    standing_items = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line, copied onto every new agenda: Item | Objective | Type | Lead | minutes "
        "(e.g. 'Minutes and actions review | | decision | Chair | 5')",
    )

    def __init__(self, *args: object, programme, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["parent"].queryset = Group.objects.filter(programme=programme).order_by("code")

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        group = actions.create_group(
            actor=actor,
            programme=self.programme,
            code=d["code"],
            name=d["name"],
            kind=d["kind"],
            parent=d["parent"],
            purpose=d["purpose"],
            standing_items=d["standing_items"],
        )
        self.redirect_to = f"/programmes/{self.programme.code}/groups/{group.code}/"
        return f"{group.code} added."


class GroupEditForm(GroupForm):
    title, button = "Edit the group", "Save"
    help = "Its code stays: every action of the group carries it."
    is_active = forms.BooleanField(required=False, label="Active")

    def __init__(self, *args: object, group: Group, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": group.name,
                "kind": group.kind,
                "parent": group.parent_id,
                "purpose": group.purpose,
                "standing_items": group.standing_items,
                "is_active": group.is_active,
            },
        )
        super().__init__(*args, programme=group.programme, **kwargs)
        self.group = group
        del self.fields["code"]
        self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(pk=group.pk)

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        fields = {k: d[k] for k in ("name", "kind", "parent", "purpose", "standing_items", "is_active")}
        actions.update_group(actor=actor, group=self.group, **fields)
        return f"{self.group.code} saved."


class MemberForm(ActionForm):
    title, button = "Add a member", "Add member"
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label="Organisation")
    role = forms.CharField(max_length=80, required=False, help_text="e.g. Chair, Constituency representative")
    constituency = forms.CharField(max_length=120, required=False, help_text="e.g. Large suppliers")

    def __init__(self, *args: object, group: Group, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        self.fields["organisation"].queryset = (
            Organisation.objects.filter(is_active=True)
            .exclude(pk__in=group.members.values("organisation_id"))
            .order_by("name")
        )

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.add_group_member(
            actor=actor,
            group=self.group,
            organisation=d["organisation"],
            role=d["role"],
            constituency=d["constituency"],
        )
        return f"{d['organisation'].name} added to {self.group.code}."


class MeetingForm(ActionForm):
    title, button = "Schedule a meeting", "Schedule"
    date = _date_field()
    extraordinary = forms.BooleanField(required=False, help_text="It still takes the next number")
    start_time = _time_field()
    location = forms.CharField(max_length=200, required=False)
    document_ref = forms.CharField(
        max_length=40, required=False, help_text="The pack's reference, e.g. MHHS-DEL621"
    )
    version = forms.CharField(max_length=20, initial="1.0")
    classification = forms.CharField(
        max_length=40, required=False, help_text="Blank: the programme's default"
    )

    def __init__(self, *args: object, group: Group, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.group = group
        self.help = f"The next number of {group.code}; its standing items start the agenda."

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        meeting = actions.schedule_meeting(
            actor=actor,
            group=self.group,
            date=d["date"],
            extraordinary=d["extraordinary"],
            start_time=d["start_time"],
            location=d["location"],
            document_ref=d["document_ref"],
            version=d["version"],
            classification=d["classification"] or None,
        )
        self.redirect_to = (
            f"/programmes/{self.group.programme.code}/groups/{self.group.code}/{meeting.number}/"
        )
        return f"{self.group.code} #{meeting.number} scheduled."


class MeetingEditForm(MeetingForm):
    title, button = "Cover facts", "Save"

    def __init__(self, *args: object, meeting: Meeting, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "date": meeting.date,
                "extraordinary": meeting.extraordinary,
                "start_time": meeting.start_time,
                "location": meeting.location,
                "document_ref": meeting.document_ref,
                "version": meeting.version,
                "classification": meeting.classification,
            },
        )
        super().__init__(*args, group=meeting.group, **kwargs)
        self.meeting = meeting
        self.help = "Group, number, date, version, document reference and classification: the pack's cover."

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        d["classification"] = d["classification"] or self.meeting.classification
        changed = {k: d[k] for k in actions.MEETING_FIELDS if getattr(self.meeting, k) != d[k]}
        if not changed:
            raise ActionError("Nothing to change", field="date")
        actions.update_meeting(actor=actor, meeting=self.meeting, **changed)
        return "Cover facts saved."


class AgendaItemForm(ActionForm):
    title, button = "Add an agenda item", "Add item"
    item = forms.CharField(max_length=200, label="Item")
    objective = forms.CharField(max_length=500, required=False)
    type = forms.ChoiceField(choices=AgendaType.choices, initial=AgendaType.INFORMATION)
    lead = forms.CharField(max_length=200, required=False)
    start_time = _time_field(help_text="Blank: after the item before")
    duration_minutes = forms.IntegerField(
        min_value=0,
        max_value=actions.MAX_DURATION,
        initial=5,
        label="Duration (minutes)",
        help_text="0: taken as read",
    )
    standing = forms.BooleanField(required=False, label="Standing item")
    position = forms.IntegerField(
        min_value=1, max_value=actions.MAX_AGENDA_ITEMS, required=False, help_text="Blank: last"
    )

    def __init__(
        self, *args: object, meeting: Meeting, item: AgendaItem | None = None, **kwargs: object
    ) -> None:
        if item is not None:
            kwargs.setdefault("prefix", f"a{item.position}")
            kwargs.setdefault(
                "initial",
                {
                    "item": item.title,
                    "objective": item.objective,
                    "type": item.type,
                    "lead": item.lead,
                    "start_time": item.start_time,
                    "duration_minutes": item.duration_minutes,
                    "standing": item.standing,
                    "position": item.position,
                },
            )
        super().__init__(*args, **kwargs)
        self.meeting, self.agenda_item = meeting, item
        if item is not None:
            self.title, self.button, self.help = f"Edit item {item.position}", "Save item", ""

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        values = {
            "title": d["item"],
            "objective": d["objective"],
            "type": d["type"],
            "lead": d["lead"],
            "start_time": d["start_time"],
            "duration_minutes": d["duration_minutes"],
            "standing": d["standing"],
        }
        if self.agenda_item is None:
            actions.add_agenda_item(actor=actor, meeting=self.meeting, position=d["position"], **values)
            return "Agenda item added."
        changed = {k: v for k, v in values.items() if getattr(self.agenda_item, k) != v}
        if d["position"] and d["position"] != self.agenda_item.position:
            changed["position"] = d["position"]
        actions.update_agenda_item(actor=actor, item=self.agenda_item, **changed)
        return "Agenda item saved."

    def field_of(self, name: str) -> str:
        return "item" if name == "title" else (name if name in self.fields else "__all__")


class MinutesForm(ActionForm):
    title, button = "Minutes", "Save minutes"
    help = "Markdown. The notes of each item are printed under it in the minutes."
    minutes = forms.CharField(
        required=False, max_length=actions.MINUTES_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args: object, meeting: Meeting, items: list[AgendaItem], **kwargs: object) -> None:
        initial = {"minutes": meeting.minutes}
        initial.update({f"note_{i.position}": i.notes for i in items})
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.meeting, self.items = meeting, items
        for i in items:
            self.fields[f"note_{i.position}"] = forms.CharField(
                required=False,
                max_length=TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
                label=f"{i.position}. {i.title}",
            )

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        notes = {
            i.position: d[f"note_{i.position}"] for i in self.items if d[f"note_{i.position}"] != i.notes
        }
        actions.record_minutes(actor=actor, meeting=self.meeting, minutes=d["minutes"], item_notes=notes)
        return "Minutes saved."

    def field_of(self, name: str) -> str:
        if name.startswith("item_notes."):
            return f"note_{name.split('.', 1)[1]}"
        return name if name in self.fields else "__all__"


class ApproveMinutesForm(ActionForm):
    title, button = "Approve minutes of earlier meetings", "Approve minutes"
    meetings = IdsChoiceField(
        queryset=Meeting.objects.none(), widget=forms.CheckboxSelectMultiple, label="Minutes to approve"
    )

    def __init__(self, *args: object, meeting: Meeting, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["meetings"].queryset = (
            Meeting.objects.filter(group=meeting.group, status=MeetingStatus.HELD, number__lt=meeting.number)
            .select_related("group")
            .order_by("number")
        )
        self.fields["meetings"].label_from_instance = lambda m: (
            f"{m.group.code} #{m.number}, {m.date:%d %b %Y}{' (extraordinary)' if m.extraordinary else ''}"
        )

    @property
    def has_choices(self) -> bool:
        return self.fields["meetings"].queryset.exists()

    def submit(self, actor: Actor) -> str:
        done = []
        for earlier in self.cleaned_data["meetings"]:
            actions.approve_minutes(actor=actor, meeting=earlier, at_meeting=self.meeting)
            done.append(f"#{earlier.number}")
        return f"Minutes of {', '.join(done)} approved."


class RaiseActionForm(ActionForm):
    title, button = "Raise an action", "Raise action"
    description = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), max_length=TEXT_MAX, label="Action")
    owner_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, label="Owner organisation", empty_label="—"
    )
    owner_people = _PeopleField(
        queryset=get_user_model().objects.none(), required=False, label="Named people"
    )
    owner_label = forms.CharField(
        max_length=200,
        required=False,
        label="Owner as shown",
        help_text="e.g. 'Programme (PMO/PPC)' or 'TMAG members'",
    )
    due_date = _date_field(required=False)
    raid = forms.CharField(max_length=200, required=False, label="RAID items", help_text="e.g. R281, R525")

    def __init__(
        self, *args: object, meeting: Meeting, organisations=None, people=None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        programme_id = meeting.group.programme_id
        self.fields["owner_organisation"].queryset = (
            organisations if organisations is not None else participant_organisations(programme_id)
        )
        self.fields["owner_people"].queryset = (
            people if people is not None else named_people(programme_id, meeting.group)
        )
        self.help = f"Numbered {meeting.code}-NN; its owners are told."

    def clean_raid(self) -> list[int]:
        return _raid_numbers(self.cleaned_data.get("raid", ""))

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        item = actions.raise_action(
            actor=actor,
            meeting=self.meeting,
            description=d["description"],
            owner_organisation=d["owner_organisation"],
            owner_label=d["owner_label"],
            owner_people=list(d["owner_people"]),
            due_date=d["due_date"],
            raid_items=_raid_items(self.meeting.group.programme_id, d["raid"]),
        )
        return f"{item.reference} raised."

    def field_of(self, name: str) -> str:
        return "raid" if name == "raid_items" else (name if name in self.fields else "__all__")


class ActionEditForm(RaiseActionForm):
    title, button = "Edit the action", "Save"

    def __init__(self, *args: object, action: Action, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "description": action.description,
                "owner_organisation": action.owner_organisation_id,
                "owner_people": [p.pk for p in action.owner_people.all()],
                "owner_label": action.owner_label,
                "due_date": action.due_date,
                "raid": ", ".join(f"R{n}" for n in action.raid_items.values_list("number", flat=True)),
            },
        )
        super().__init__(*args, meeting=action.meeting, **kwargs)
        self.action = action
        self.help = (
            "The office corrects the action's text, owners, due date or RAID links; new owners are told."
        )

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.edit_action(
            actor=actor,
            action=self.action,
            description=d["description"],
            owner_organisation=d["owner_organisation"],
            owner_label=d["owner_label"],
            owner_people=list(d["owner_people"]),
            due_date=d["due_date"],
            raid_items=_raid_items(self.action.programme_id, d["raid"]),
        )
        return f"{self.action.reference} saved."


class ActionUpdateForm(ActionForm):
    title, button = "Add an update", "Save update"
    help = "The latest update, kept in the action's history. R-numbers (R281) link those RAID items."
    text = forms.CharField(
        widget=forms.Textarea(attrs=TEXTAREA), max_length=TEXT_MAX, required=False, label="Update"
    )
    status = forms.ChoiceField(required=False)

    def __init__(self, *args: object, action: Action, may_reopen: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        choices = [("", f"Keep: {action.get_status_display()}")]
        for value, label in ActionStatus.choices:
            if value in (action.status, ActionStatus.CLOSED, ActionStatus.RECOMMEND_CLOSED):
                continue
            if action.status == ActionStatus.CLOSED and (not may_reopen or value != ActionStatus.ONGOING):
                continue
            choices.append(
                (value, label if action.status != ActionStatus.CLOSED else "Reopen (open – ongoing)")
            )
        self.fields["status"].choices = choices

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.update_action(actor=actor, action=self.action, text=d["text"], status=d["status"] or None)
        return f"{self.action.reference} updated."


class RecommendForm(ActionForm):
    title, button = "Recommend closed", "Recommend closed"
    help = "Say what was done: the next meeting ratifies the closure."
    text = forms.CharField(
        widget=forms.Textarea(attrs=TEXTAREA), max_length=TEXT_MAX, label="Why it can close"
    )

    def __init__(self, *args: object, action: Action, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.action = action

    def submit(self, actor: Actor) -> str:
        actions.recommend_close(actor=actor, action=self.action, text=self.cleaned_data["text"])
        return f"{self.action.reference} recommended closed."


class RatifyForm(ActionForm):
    title, button = "Ratify the closure", "Ratify closed"
    meeting = forms.ModelChoiceField(queryset=Meeting.objects.none(), empty_label=None)

    def __init__(self, *args: object, action: Action, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.help = f"Closed at a later meeting of {action.group.code} (GV-30)."
        self.fields["meeting"].queryset = Meeting.objects.filter(
            group_id=action.group_id,
            number__gt=action.meeting.number,
            status__in=(MeetingStatus.PLANNED, MeetingStatus.HELD),
        ).order_by("number")
        self.fields["meeting"].label_from_instance = lambda m: (
            f"{action.group.code} #{m.number}, {m.date:%d %b %Y}"
        )

    def submit(self, actor: Actor) -> str:
        meeting = self.cleaned_data["meeting"]
        actions.ratify_closure(actor=actor, action=self.action, meeting=meeting)
        return f"{self.action.reference} closed at {self.action.group.code} #{meeting.number}."


# -- working groups -------------------------------------------------------------------------------------


class WorkingGroupReportForm(ActionForm):
    button = "Save report"
    upcoming_deliverables = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA)
    )
    last_meeting_summary = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs=TEXTAREA),
        label="Summary of its last meeting",
    )
    escalations = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}), label="Escalations"
    )

    def __init__(
        self,
        *args: object,
        meeting: Meeting,
        group: Group,
        report: WorkingGroupReport | None = None,
        **kwargs: object,
    ) -> None:
        kwargs.setdefault("prefix", f"wg-{group.code.lower()}")
        if report is not None:
            kwargs.setdefault(
                "initial",
                {
                    "upcoming_deliverables": report.upcoming_deliverables,
                    "last_meeting_summary": report.last_meeting_summary,
                    "escalations": report.escalations,
                },
            )
        super().__init__(*args, **kwargs)
        self.meeting, self.group = meeting, group
        self.title = f"{group.code}: {group.name}"

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.save_working_group_report(actor=actor, meeting=self.meeting, group=self.group, **d)
        return f"{self.group.code}'s report saved."


# -- decisions ------------------------------------------------------------------------------------------


class DecisionForm(ActionForm):
    title, button = "Record a decision", "Record decision"
    help = (
        "Approved, approved with conditions (at least one condition), rejected or deferred; the document and "
        "version approved, e.g. 'Release Management and Configuration Approach' v0.4."
    )
    decision_title = forms.CharField(max_length=300, label="Decision")
    outcome = forms.ChoiceField(choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    decided_on = _date_field()
    agenda_item = forms.ModelChoiceField(queryset=AgendaItem.objects.none(), required=False)
    decided_by = forms.CharField(max_length=200, required=False, help_text="e.g. TMAG, the SRO, PSG")
    document_title = forms.CharField(max_length=300, required=False, label="Document")
    document_version = forms.CharField(max_length=20, required=False, label="Version")
    summary = forms.CharField(required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(
        self, *args: object, programme, meeting: Meeting | None = None, organisations=None, **kwargs: object
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("decided_on", meeting.date if meeting else timezone.localdate())
        if meeting is not None:
            initial.setdefault("decided_by", meeting.group.code)
        super().__init__(*args, **kwargs)
        self.programme, self.meeting = programme, meeting
        if meeting is None:
            del self.fields["agenda_item"]
        else:
            self.fields["agenda_item"].queryset = AgendaItem.objects.filter(meeting=meeting).order_by(
                "position"
            )
        owners = organisations if organisations is not None else participant_organisations(programme.pk)
        for row in range(1, CONDITION_ROWS + 1):
            self.fields[f"condition_{row}_text"] = forms.CharField(
                max_length=500, required=False, label=f"Condition {row}"
            )
            self.fields[f"condition_{row}_owner"] = forms.ModelChoiceField(
                queryset=owners, required=False, label=f"Condition {row}: owner", empty_label="—"
            )
            self.fields[f"condition_{row}_due"] = _date_field(required=False, label=f"Condition {row}: due")

    def clean(self) -> dict:
        data = super().clean()
        conditions = []
        for row in range(1, CONDITION_ROWS + 1):
            text = (data.get(f"condition_{row}_text") or "").strip()
            owner, due = data.get(f"condition_{row}_owner"), data.get(f"condition_{row}_due")
            if not (text or owner or due):
                continue
            if not text:
                self.add_error(f"condition_{row}_text", "Say what the condition is")
            conditions.append({"text": text, "owner_organisation": owner, "due_date": due})
        data["conditions"] = conditions
        return data

    def field_of(self, name: str) -> str:
        if name.startswith("conditions[") and "]" in name:
            index = name[len("conditions[") : name.index("]")]
            part = name.rsplit(".", 1)[-1] if "." in name else "text"
            suffix = {"due_date": "due", "owner_organisation": "owner", "text": "text"}.get(part, "text")
            if index.isdigit():
                return f"condition_{int(index) + 1}_{suffix}"
        if name == "conditions":
            return "condition_1_text"
        if name == "title":
            return "decision_title"
        return name if name in self.fields else "__all__"

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        decision = actions.record_decision(
            actor=actor,
            programme=self.programme,
            title=d["decision_title"],
            outcome=d["outcome"],
            decided_on=d["decided_on"],
            meeting=self.meeting,
            agenda_item=d.get("agenda_item"),
            decided_by=d["decided_by"],
            document_title=d["document_title"],
            document_version=d["document_version"],
            summary=d["summary"],
            conditions=d["conditions"],
        )
        return f"{decision.display_ref} recorded: {decision.get_outcome_display().lower()}."


class CloseConditionForm(ActionForm):
    button = "Close the condition"
    status = forms.ChoiceField(
        choices=[(DecisionConditionStatus.MET, "Met"), (DecisionConditionStatus.WAIVED, "Waived")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to waive",
    )

    def __init__(self, *args: object, condition: DecisionCondition, **kwargs: object) -> None:
        kwargs.setdefault("prefix", f"k{condition.pk}")
        super().__init__(*args, **kwargs)
        self.condition = condition

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.close_condition(actor=actor, condition=self.condition, status=d["status"], note=d["note"])
        return "Condition closed."


# -- lists ----------------------------------------------------------------------------------------------


class ActionFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("open", "Open (all not closed)"),
        ("all", "Any status"),
        *[(v, label) for v, label in ActionStatus.choices],
    ]
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    owner = forms.ChoiceField(required=False)
    group = forms.ChoiceField(required=False)
    overdue = forms.BooleanField(required=False, label="Overdue only")
    q = forms.CharField(max_length=200, required=False, label="Search")

    def __init__(
        self, *args: object, owners: list[tuple[str, str]], groups: list[tuple[str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Anyone"), ("mine", "My organisation"), *owners]
        self.fields["group"].choices = [("", "Any group"), *groups]


class DecisionFilterForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("", "Any"), *DecisionOutcome.choices], required=False)
    group = forms.ChoiceField(required=False)
    open_conditions = forms.BooleanField(required=False, label="With open conditions")
    q = forms.CharField(max_length=200, required=False, label="Search")

    def __init__(self, *args: object, groups: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "Any group"), *groups]


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV or XLSX with the columns Ref | Date | Action | Owner | Due | Status | Latest Update"
    )
