"""Organisations of the GB energy industry, their industry roles and identifiers, and memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class IndustryRole(models.TextChoices):
    """What an organisation is in the market (see domain.md). An organisation may hold several."""

    SWITCHING_OPERATOR = "switching_operator", "Switching operator"
    SERVICE_DESK = "service_desk", "Switching service desk"
    CSS_PROVIDER = "css_provider", "CSS provider"
    UK_LINK = "uk_link", "CDS provider: UK Link (gas registration)"
    MPRS = "mprs", "CDS provider: MPRS (electricity registration)"
    ECOES = "ecoes", "CDS provider: ECOES (electricity enquiry)"
    DES = "des", "CDS provider: DES (gas enquiry)"
    DCC_DSP = "dcc_dsp", "CDS provider: DCC DSP (smart metering)"
    ENERGY_SUPPLIER = "energy_supplier", "Energy supplier"
    GAS_SHIPPER = "gas_shipper", "Gas shipper"
    DNO = "dno", "Distribution network operator"
    GAS_TRANSPORTER = "gas_transporter", "Gas transporter"
    SUPPLIER_AGENT = "supplier_agent", "Supplier agent"
    SYSTEMS_INTEGRATOR = "systems_integrator", "Systems integrator"
    DESIGN_AUTHORITY = "design_authority", "Design authority"
    CODE_BODY = "code_body", "Code body"
    PROGRAMME_OFFICE = "programme_office", "Programme office"


#: Roles that make an organisation the central operator whose desk and operations staff see everything.
OPERATOR_ROLES = frozenset({IndustryRole.SWITCHING_OPERATOR, IndustryRole.SERVICE_DESK})
#: Roles that make an organisation a provider of a central data service (a resolver organisation).
PROVIDER_ROLES = frozenset(
    {
        IndustryRole.CSS_PROVIDER,
        IndustryRole.UK_LINK,
        IndustryRole.MPRS,
        IndustryRole.ECOES,
        IndustryRole.DES,
        IndustryRole.DCC_DSP,
    }
)


class IdentifierScheme(models.TextChoices):
    MPID = "mpid", "Market participant ID (MPID)"
    DIP_ID = "dip_id", "DIP participant ID"
    SHIPPER_CODE = "shipper_code", "Gas shipper short code"
    DISTRIBUTOR_ID = "distributor_id", "Distributor ID"
    DCC_USER_ID = "dcc_user_id", "DCC user ID"
    COMPANY_NUMBER = "company_number", "Companies House number"


class Organisation(models.Model):
    """A company or body taking part in the industry's central systems."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True, help_text="Short name used in addresses")
    description = models.TextField(blank=True)
    contact_email = models.EmailField(
        blank=True, help_text="Where Busbar writes to the organisation as a whole"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def role_codes(self) -> set[str]:
        """Industry roles; uses the prefetched ``roles`` when present."""
        return {r.role for r in self.roles.all()}

    @property
    def is_provider(self) -> bool:
        return bool(self.role_codes & PROVIDER_ROLES)


class OrganisationRole(models.Model):
    """One industry role held by an organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=40, choices=IndustryRole.choices)

    class Meta:
        ordering = ["role"]
        constraints = [models.UniqueConstraint(fields=["organisation", "role"], name="unique_org_role")]
        indexes = [models.Index(fields=["role"])]

    def __str__(self) -> str:
        return self.get_role_display()


class Identifier(models.Model):
    """An industry identifier of an organisation, e.g. its market participant ID."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=30, choices=IdentifierScheme.choices)
    value = models.CharField(max_length=40)

    class Meta:
        ordering = ["scheme", "value"]
        constraints = [models.UniqueConstraint(fields=["scheme", "value"], name="unique_identifier")]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()}: {self.value}"


class MembershipRole(models.TextChoices):
    """What a person does for an organisation in Busbar."""

    PARTICIPANT = "participant", "Participant user"
    RESOLVER = "resolver", "Resolver"
    ANALYST = "analyst", "Service-desk analyst"
    OPERATIONS = "operations_manager", "Operations manager"
    ORG_ADMIN = "org_admin", "Organisation administrator"
    PLATFORM_ADMIN = "platform_admin", "Platform administrator"


#: Roles that see every organisation's records.
CENTRAL_ROLES = frozenset({MembershipRole.ANALYST, MembershipRole.OPERATIONS, MembershipRole.PLATFORM_ADMIN})
#: Roles that must set up multi-factor authentication before reaching any page.
MFA_REQUIRED_ROLES = frozenset(
    {
        MembershipRole.ANALYST,
        MembershipRole.OPERATIONS,
        MembershipRole.ORG_ADMIN,
        MembershipRole.PLATFORM_ADMIN,
    }
)


class Membership(models.Model):
    """A person's place in an organisation, with one role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=MembershipRole.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")]
        indexes = [models.Index(fields=["organisation", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


#: The only status changes an invitation may make: from pending to one of the closed states, once.
INVITATION_TRANSITIONS: dict[str, set[str]] = {
    InvitationStatus.PENDING: {
        InvitationStatus.ACCEPTED,
        InvitationStatus.DECLINED,
        InvitationStatus.REVOKED,
        InvitationStatus.EXPIRED,
    },
    InvitationStatus.ACCEPTED: set(),
    InvitationStatus.DECLINED: set(),
    InvitationStatus.REVOKED: set(),
    InvitationStatus.EXPIRED: set(),
}
#: What a person is told when an invitation, as they see it (see ``Invitation.effective_status``), is
#: closed. The one set of these sentences: actions refuse with them and pages show them.
INVITATION_CLOSED_MESSAGES: dict[str, str] = {
    InvitationStatus.ACCEPTED: "This invitation has already been accepted.",
    InvitationStatus.DECLINED: "This invitation was declined.",
    InvitationStatus.REVOKED: "This invitation was withdrawn. Ask the administrator for a new one.",
    InvitationStatus.EXPIRED: "This invitation has expired. Ask the administrator for a new one.",
}


class Invitation(models.Model):
    """An offer of a membership, sent to an email address, that only the address's owner can accept.

    Nothing about the person behind the address (whether they have an account, its name, whether it is
    active or already a member) is recorded here or shown to the inviter until they accept. The secret
    link is stored only as a SHA-256 digest.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254, help_text="Lower-cased")
    role = models.CharField(max_length=30, choices=MembershipRole.choices)
    full_name = models.CharField(
        max_length=150, blank=True, help_text="As typed by the inviter; used only if a new account is made"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_address",
            )
        ]
        indexes = [
            # An organisation's invitations, newest first, by status (the administrators' list).
            models.Index(fields=["organisation", "status", "-created_at"], name="invitation_org_status"),
            # A person's own pending invitations (profile page, /invitations/mine).
            models.Index(fields=["email", "status"], name="invitation_email_status"),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organisation}"

    @property
    def is_lapsed(self) -> bool:
        """Still pending on record, but past its expiry: it can no longer be accepted."""
        return self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()

    @property
    def effective_status(self) -> str:
        """The status as people see it: a lapsed pending invitation shows as expired."""
        return InvitationStatus.EXPIRED if self.is_lapsed else self.status

    def may_become(self, target: str) -> bool:
        """The one status check: may the invitation, as people see it, move to ``target``?

        Read from :data:`INVITATION_TRANSITIONS` at the effective status, so a lapsed invitation can be
        neither accepted, declined nor revoked. The single exception is recording the expiry a lapsed
        invitation already shows (pending → expired on record).
        """
        current = self.effective_status
        if target == InvitationStatus.EXPIRED and self.is_lapsed:
            current = self.status
        return target in INVITATION_TRANSITIONS.get(current, set())

    @property
    def is_open(self) -> bool:
        """Pending and not yet expired: the invitee may still accept or decline."""
        return self.may_become(InvitationStatus.ACCEPTED)

    @property
    def closed_message(self) -> str:
        """Why the invitation can no longer be answered (empty while it is open)."""
        return INVITATION_CLOSED_MESSAGES.get(self.effective_status, "")

    def get_effective_status_display(self) -> str:
        return InvitationStatus(self.effective_status).label


class CannedResponse(models.Model):
    """A reply an organisation's people reuse (the desk's and each provider's own), picked on the update
    form of a record and edited before it is posted. Markdown, like every update."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="canned_responses")
    title = models.CharField(max_length=120)
    body = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "title"], name="unique_canned_title"),
        ]

    def __str__(self) -> str:
        return self.title
