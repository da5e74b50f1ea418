"""Governance groups, their numbered meetings and agendas, the action log and decisions (digest §5.4,
§5.5, §5.7: GV-28…GV-34, GV-45…GV-50)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class GroupKind(models.TextChoices):
    STEERING = "steering", "Steering group"
    ADVISORY = "advisory", "Advisory group"
    WORKING = "working", "Working group"


class Group(models.Model):
    """PSG, TMAG, DAG, CCAG, working groups (GV-50). Working groups report to a parent group, whose
    meeting pack carries their progress matrix (GV-49)."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(max_length=20, help_text="e.g. TMAG: the prefix of its actions (TMAG18-01)")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=GroupKind.choices, default=GroupKind.ADVISORY)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="working_groups"
    )
    purpose = models.TextField(blank=True)
    #: Items on every agenda of the group (GV-48), one per line.
    standing_items = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["programme", "kind", "code"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="gov_unique_group")]

    def __str__(self) -> str:
        return self.code


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=80, blank=True, help_text="e.g. Chair, Constituency representative")
    constituency = models.CharField(max_length=120, blank=True, help_text="e.g. Large suppliers")

    class Meta:
        ordering = ["group", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "organisation"], name="gov_unique_group_member")
        ]
        indexes = [models.Index(fields=["organisation"], name="gov_member_org")]

    def __str__(self) -> str:
        return f"{self.organisation_id} in {self.group_id}"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    MINUTES_APPROVED = "minutes_approved", "Minutes approved"
    CANCELLED = "cancelled", "Cancelled"


MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.PLANNED: {MeetingStatus.HELD, MeetingStatus.CANCELLED},
    MeetingStatus.HELD: {MeetingStatus.MINUTES_APPROVED},
    MeetingStatus.MINUTES_APPROVED: set(),
    MeetingStatus.CANCELLED: set(),
}


class Meeting(models.Model):
    """A meeting of a group, numbered per group; an extraordinary meeting takes the next number too
    (GV-29: TMAG19 was the extraordinary TMAG of 31 May 2023)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="meetings")
    number = models.PositiveIntegerField()
    extraordinary = models.BooleanField(default=False)
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    document_ref = models.CharField(
        max_length=40, blank=True, help_text="The pack's reference, e.g. MHHS-DEL621"
    )
    version = models.CharField(max_length=20, default="1.0")
    classification = models.CharField(max_length=40, default="Public")
    minutes = models.TextField(blank=True, help_text="Markdown")
    #: The meeting at which these minutes were approved.
    minutes_approved_at = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="approved_minutes_of"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "-number"]
        constraints = [models.UniqueConstraint(fields=["group", "number"], name="gov_unique_meeting")]
        indexes = [models.Index(fields=["date"], name="gov_meeting_date")]

    def __str__(self) -> str:
        return f"{self.group.code} #{self.number}" if self.group_id else f"#{self.number}"

    @property
    def code(self) -> str:
        """The prefix of the meeting's actions: TMAG + two-digit number (TMAG07, TMAG18)."""
        return f"{self.group.code}{self.number:02d}"


class AgendaType(models.TextChoices):
    DECISION = "decision", "Decision"
    INFORMATION = "information", "Information"
    DISCUSSION = "discussion", "Discussion"


class AgendaItem(models.Model):
    """A row of the agenda table (GV-46): # | Item | Objective | Type | Lead | Time."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    objective = models.CharField(max_length=500, blank=True)
    type = models.CharField(max_length=20, choices=AgendaType.choices, default=AgendaType.INFORMATION)
    lead = models.CharField(max_length=200, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(default=0, help_text="0: taken as read")
    standing = models.BooleanField(default=False)
    notes = models.TextField(blank=True, help_text="The minutes of this item (Markdown)")

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="gov_unique_agenda_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class WorkingGroupReport(models.Model):
    """A working group's column of the progress matrix in its parent's meeting pack (GV-49)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="working_group_reports")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="reports")
    upcoming_deliverables = models.TextField(blank=True)
    last_meeting_summary = models.TextField(blank=True)
    escalations = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "group__code"]
        constraints = [models.UniqueConstraint(fields=["meeting", "group"], name="gov_unique_wg_report")]

    def __str__(self) -> str:
        return f"Report of group {self.group_id} to meeting {self.meeting_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ONGOING = "ongoing", "Open – ongoing"
    RECOMMEND_CLOSED = "recommend_closed", "Recommend closed"
    CLOSED = "closed", "Closed"


#: GV-30: an action is closed only by ratifying a "recommend closed" at a meeting.
ACTION_TRANSITIONS: dict[str, set[str]] = {
    ActionStatus.OPEN: {ActionStatus.ONGOING, ActionStatus.RECOMMEND_CLOSED},
    ActionStatus.ONGOING: {ActionStatus.OPEN, ActionStatus.RECOMMEND_CLOSED},
    ActionStatus.RECOMMEND_CLOSED: {ActionStatus.CLOSED, ActionStatus.ONGOING, ActionStatus.OPEN},
    ActionStatus.CLOSED: {ActionStatus.ONGOING},
}
OPEN_ACTION_STATUSES = frozenset({ActionStatus.OPEN, ActionStatus.ONGOING, ActionStatus.RECOMMEND_CLOSED})


class Action(models.Model):
    """A row of the action log (GV-28): Ref | Date | Action | Owner | Due | Status | Latest update."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.PROTECT, related_name="actions")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="actions")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions_raised")
    sequence = models.PositiveSmallIntegerField()
    reference = models.CharField(max_length=40, help_text="<GROUP><meeting>-<NN>, e.g. TMAG18-01")
    raised_on = models.DateField()
    description = models.TextField()
    owner_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_label = models.CharField(
        max_length=200, blank=True, help_text="e.g. Programme (PMO/PPC) or TMAG members"
    )
    owner_people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    latest_update = models.TextField(blank=True)
    recommended_at = models.DateTimeField(null=True, blank=True)
    closed_at_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions_closed"
    )
    closed_on = models.DateField(null=True, blank=True)
    raid_items = models.ManyToManyField("programmes.RaidItem", blank=True, related_name="actions")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "-raised_on", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "reference"], name="gov_unique_action_ref"),
            models.UniqueConstraint(fields=["meeting", "sequence"], name="gov_unique_action_seq"),
        ]
        indexes = [
            models.Index(fields=["programme", "status", "due_date", "id"], name="gov_action_list"),
            # The action log's order (newest first): a page of 50 without sorting the whole log.
            models.Index(fields=["programme", "-raised_on"], name="gov_action_recent"),
            models.Index(fields=["owner_organisation", "status"], name="gov_action_owner"),
        ]

    def __str__(self) -> str:
        return self.reference


class ActionUpdate(models.Model):
    """One update to an action: its text and any status change, by whom, when."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    status_from = models.CharField(max_length=20, blank=True)
    status_to = models.CharField(max_length=20, blank=True)
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["action", "at", "id"]

    def __str__(self) -> str:
        return f"Update to action {self.action_id} at {self.at:%Y-%m-%d %H:%M}"


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"
    DEFERRED = "deferred", "Deferred"


class Decision(models.Model):
    """A decision recorded at a meeting or by the SRO (GV-34), with the document and version approved."""

    programme = models.ForeignKey("testing.Programme", on_delete=models.PROTECT, related_name="decisions")
    number = models.PositiveIntegerField(help_text="D<number> in the programme's decision log")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    title = models.CharField(max_length=300)
    outcome = models.CharField(max_length=30, choices=DecisionOutcome.choices)
    decided_on = models.DateField()
    decided_by = models.CharField(max_length=200, blank=True, help_text="e.g. TMAG, the SRO, PSG")
    document_title = models.CharField(max_length=300, blank=True)
    document_version = models.CharField(max_length=20, blank=True)
    summary = models.TextField(blank=True)
    change_request = models.ForeignKey(
        "programmes.ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme", "-decided_on", "-number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="gov_unique_decision")]

    def __str__(self) -> str:
        return f"D{self.number} {self.title}"

    @property
    def display_ref(self) -> str:
        return f"D{self.number:03d}"


class DecisionConditionStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    WAIVED = "waived", "Waived"


class DecisionCondition(models.Model):
    """A condition of an "approved with conditions" decision, tracked to closure."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="conditions")
    text = models.CharField(max_length=500)
    owner_organisation = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=DecisionConditionStatus.choices, default=DecisionConditionStatus.OPEN
    )
    closed_on = models.DateField(null=True, blank=True)
    closure_note = models.TextField(blank=True)

    class Meta:
        ordering = ["decision", "id"]

    def __str__(self) -> str:
        return self.text
