"""Service requests (RQ-01…RQ-14) and the request catalogue they are raised from.

The operator keeps the catalogue as data: each :class:`CatalogueItem` says who may ask (audience), what
the form asks (:class:`ItemField`), who approves and in which order (:class:`ApprovalStep`), the tasks
that fulfil it and who works them (:class:`TaskTemplate`), the SLA policy that measures it, and for
access management which account action fulfilment performs (:class:`Fulfilment`). A "redirect" item
creates nothing: it explains where to go instead (RQ-11).

A :class:`Request` (REQ0000001…) stands on the record kernel (reference, conversation, attachments,
links, watchers, SLA clocks, timeline). Its approvals (:class:`RequestApproval`) and tasks
(:class:`RequestTask`) are copied from the item when it is raised, so later catalogue edits never change
a request already in flight.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ItemKind(models.TextChoices):
    REQUEST = "request", "Request (fulfilled by tasks)"
    REDIRECT = "redirect", "Redirect (explains where to go; creates nothing)"


class Fulfilment(models.TextChoices):
    """What completing an access-management request does, through the parties and accounts actions."""

    NONE = "", "Nothing automatic (the tasks are the fulfilment)"
    NEW_USER = "new_user", "Invite a new portal user"
    CHANGE_ROLE = "change_role", "Change a user's role"
    REMOVE_USER = "remove_user", "Remove a user"
    RESET_MFA = "reset_mfa", "Reset a user's multi-factor authentication"
    PASSWORD_RESET = "password_reset", "Send a password reset link"


class ItemAudience(models.TextChoices):
    PARTICIPANTS = "participants", "Market participants (of the industry roles named)"
    PROVIDERS = "providers", "Providers"
    EVERYONE = "everyone", "Everyone signed in"


class CatalogueItem(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    category = models.CharField(max_length=60, blank=True, help_text="Groups items on the catalogue page")
    summary = models.CharField(max_length=300, help_text="One line shown on the catalogue page")
    description = models.TextField(blank=True, help_text="Markdown: what the item is for, what happens next")
    kind = models.CharField(max_length=20, choices=ItemKind.choices, default=ItemKind.REQUEST)
    audience = models.CharField(
        max_length=20, choices=ItemAudience.choices, default=ItemAudience.PARTICIPANTS
    )
    #: IndustryRole values whose organisations may ask; empty: every participant (within ``audience``).
    industry_roles = models.JSONField(default=list, blank=True)
    #: Only an organisation administrator may ask (access management items).
    admins_only = models.BooleanField(default=False)
    #: Redirect items: where to go instead, and why.
    redirect_text = models.TextField(blank=True)
    redirect_url = models.URLField(blank=True)
    fulfilment = models.CharField(max_length=20, choices=Fulfilment.choices, default="", blank=True)
    sla_policy = models.ForeignKey(
        "services.SlaPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The severity (priority) code of the policy's scheme that measures its requests.
    priority = models.CharField(max_length=10, blank=True)
    #: The service the requests are about (for reports and the provider's view), if one.
    service = models.ForeignKey(
        "services.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["category", "order", "name"]

    def __str__(self) -> str:
        return self.name


class FieldKind(models.TextChoices):
    TEXT = "text", "Text (one line)"
    TEXTAREA = "textarea", "Text (paragraphs)"
    CHOICE = "choice", "Choice"
    DATE = "date", "Date"
    NUMBER = "number", "Number"
    EMAIL = "email", "Email address"
    ORGANISATION = "organisation", "Organisation"
    SERVICE = "service", "Service"
    PERSON = "person", "Person in the requester's organisation"
    ROLE = "role", "Portal role"
    FILE = "file", "File"


class ItemField(models.Model):
    """One question of an item's form. ``options`` by kind: choice ``{"choices": [..]}``; text
    ``{"min_length", "max_length", "pattern", "pattern_message"}``; number ``{"min", "max", "integer"}``;
    date ``{"not_before_days", "not_after_days"}`` (relative to the day it is raised); organisation
    ``{"industry_roles": [..]}``; file ``{"extensions": [..]}``."""

    item = models.ForeignKey(CatalogueItem, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=120)
    help_text = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=20, choices=FieldKind.choices, default=FieldKind.TEXT)
    required = models.BooleanField(default=True)
    options = models.JSONField(default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "key"], name="unique_item_field_key")]

    def __str__(self) -> str:
        return f"{self.item}: {self.label}"


class ApproverKind(models.TextChoices):
    ORG_ADMIN = "org_admin", "The requester's organisation administrator"
    OPERATOR = "operator", "The operator (Switching Operations)"
    PROVIDER = "provider", "A provider"


class ApprovalStep(models.Model):
    """One approval of an item, in ``order`` (one or several in sequence, seed 001 §13.37)."""

    item = models.ForeignKey(CatalogueItem, on_delete=models.CASCADE, related_name="approval_steps")
    order = models.PositiveSmallIntegerField(default=0)
    approver = models.CharField(max_length=20, choices=ApproverKind.choices)
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_approver_display()}"


class Assignee(models.TextChoices):
    DESK = "desk", "The service desk"
    PROVIDER = "provider", "A provider"


class TaskTemplate(models.Model):
    """A fulfilment task of an item, in ``order``; the tasks of a request are worked one after another."""

    item = models.ForeignKey(CatalogueItem, on_delete=models.CASCADE, related_name="task_templates")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    assignee = models.CharField(max_length=20, choices=Assignee.choices, default=Assignee.DESK)
    provider = models.ForeignKey(
        "parties.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class RequestStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    IN_FULFILMENT = "in_fulfilment", "In fulfilment"
    WAITING_ON_REQUESTER = "waiting_on_requester", "Waiting on requester"
    FULFILLED = "fulfilled", "Fulfilled"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    CLOSED = "closed", "Closed"


REQUEST_TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.AWAITING_APPROVAL: {
        RequestStatus.IN_FULFILMENT,
        RequestStatus.REJECTED,
        RequestStatus.CANCELLED,
        RequestStatus.FULFILLED,
    },
    RequestStatus.IN_FULFILMENT: {
        RequestStatus.WAITING_ON_REQUESTER,
        RequestStatus.FULFILLED,
        RequestStatus.CANCELLED,
    },
    RequestStatus.WAITING_ON_REQUESTER: {RequestStatus.IN_FULFILMENT, RequestStatus.CANCELLED},
    RequestStatus.FULFILLED: {RequestStatus.CLOSED, RequestStatus.IN_FULFILMENT},
    RequestStatus.REJECTED: {RequestStatus.CLOSED},
    RequestStatus.CANCELLED: {RequestStatus.CLOSED},
    RequestStatus.CLOSED: set(),
}
OPEN_REQUEST_STATUSES = frozenset(
    {RequestStatus.AWAITING_APPROVAL, RequestStatus.IN_FULFILMENT, RequestStatus.WAITING_ON_REQUESTER}
)


class Request(models.Model):
    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="request")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="requests")
    summary = models.CharField(max_length=200)
    #: The requesting organisation, and who asked.
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: The form's answers, validated against the item's fields when raised: {key: value}; a file field
    #: holds the kernel attachment's id; an organisation, service or person field the object's id.
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=30, choices=RequestStatus.choices, default=RequestStatus.AWAITING_APPROVAL
    )
    priority = models.CharField(max_length=10, blank=True)
    channel = models.CharField(max_length=20, default="portal")
    #: What the automatic fulfilment did (access items), or why it could not.
    fulfilment_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="req_status_created"),
            models.Index(fields=["organisation", "-created_at", "-id"], name="req_org_created"),
            # An organisation's requests as a participant may see them (items whose fulfilment is not
            # restricted, or their own): counted from the index alone.
            models.Index(fields=["organisation", "item", "requester"], name="req_org_item_requester"),
            models.Index(fields=["item", "status"], name="req_item_status"),
            models.Index(fields=["-created_at", "-id"], name="req_created"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class ApprovalStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for an earlier step"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class RequestApproval(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="approvals")
    order = models.PositiveSmallIntegerField(default=0)
    approver = models.CharField(max_length=20, choices=ApproverKind.choices)
    #: The organisation whose people decide (the requester's, the operator's, the provider).
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["organisation", "status"], name="req_approval_org_status")]

    def __str__(self) -> str:
        return f"{self.request_id} approval {self.order}: {self.status}"


class TaskStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for an earlier task"
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class RequestTask(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    #: The organisation that works it (the desk's, or a provider).
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.WAITING)
    note = models.TextField(blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["organisation", "status"], name="req_task_org_status")]

    def __str__(self) -> str:
        return f"{self.request_id} task {self.order}: {self.title}"
