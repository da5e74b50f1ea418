"""Forms of the incident screens. Validation of shape only: the rules live in actions.py."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.text import Truncator

from busbar.incidents import actions as incident_actions
from busbar.incidents import queries, recipients
from busbar.incidents.major_confirmation import opens_major, told_on_triage
from busbar.incidents.models import (
    UPDATE_INTERVAL_HELP,
    UPDATE_INTERVAL_MAX,
    UPDATE_INTERVAL_MIN,
    Impact,
    Incident,
    IntakeChannel,
    MajorIncident,
    Status,
)
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import (
    ActionForm,
    MultipleFileField,
    PrimedModelChoiceField,
    files_for_action,
    parse_id,
)
from busbar.lib.limits import TEXT_MAX
from busbar.parties.models import PROVIDER_ROLES, MembershipRole, Organisation
from busbar.records.models import Link
from busbar.services.models import Service, Severity
from busbar.services.queries import services_visible_to

TEXTAREA = {"rows": 4}


def provider_organisations() -> QuerySet[Organisation]:
    """Active organisations holding a provider role: the desk assigns incidents to these."""
    return (
        Organisation.objects.filter(is_active=True, roles__role__in=PROVIDER_ROLES)
        .distinct()
        .order_by("name")
    )


def desk_people() -> QuerySet:
    """Active service-desk people: the candidates to manage a major incident."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role__in=[MembershipRole.ANALYST, MembershipRole.OPERATIONS],
        )
        .distinct()
        .order_by("full_name", "email")
    )


def provider_people(organisation_ids: list[int] | None = None) -> QuerySet:
    """Active people of provider organisations (or of ``organisation_ids``)."""
    qs = get_user_model().objects.filter(is_active=True, memberships__is_active=True)
    if organisation_ids is None:
        qs = qs.filter(memberships__organisation__in=provider_organisations())
    else:
        qs = qs.filter(memberships__organisation_id__in=organisation_ids)
    return qs.distinct().order_by("full_name", "email")


class SeverityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Severity) -> str:
        return f"{obj.code} — {Truncator(obj.label).chars(48)}"


class PrimedSeverityChoiceField(PrimedModelChoiceField):
    def label_from_instance(self, obj: Severity) -> str:
        return f"{obj.code} — {Truncator(obj.label).chars(48)}"


def bulk_severities() -> QuerySet[Severity]:
    """Every severity of every scheme, by scheme: the list filter and the bulk form read it once."""
    return Severity.objects.select_related("scheme").order_by("scheme", "rank")


# Lists ----------


class FilterForm(forms.Form):
    """The filters of the incident list (GET). Invalid values are simply ignored."""

    q = forms.CharField(
        label="Search", required=False, help_text="Reference, or words in the summary, description or updates"
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any"), ("open", "Any open"), *Status.choices])
    severity = PrimedSeverityChoiceField(queryset=Severity.objects.none(), required=False, empty_label="Any")
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, empty_label="Any")
    provider = PrimedModelChoiceField(queryset=Organisation.objects.none(), required=False, empty_label="Any")
    published = forms.BooleanField(label="Service-affecting only", required=False)

    def __init__(
        self,
        *args: object,
        services: QuerySet,
        show_provider: bool,
        providers: list | None = None,
        severities: list | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        levels = bulk_severities()  # one read shared with the bulk form (``severities``)
        self.fields["severity"].prime(levels, list(levels) if severities is None else severities)
        if show_provider:
            qs = provider_organisations()
            self.fields["provider"].prime(qs, list(qs) if providers is None else providers)
        else:
            del self.fields["provider"]
        # Changing any of these refreshes the rows at once (the search box waits for typing to pause).
        for field in self.fields.values():
            if field is not self.fields["q"]:
                field.widget.attrs["class"] = "live-filter"

    def value(self, name: str) -> object:
        if not self.is_bound or name not in self.fields:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


class BulkAssignForm(forms.Form):
    """The provider of a bulk assignment; the ticked ``incident`` ids are checked by the view."""

    provider = PrimedModelChoiceField(queryset=Organisation.objects.none(), label="Assign to provider")

    def __init__(self, *args: object, providers: list | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        qs = provider_organisations()
        self.fields["provider"].prime(qs, list(qs) if providers is None else providers)


class SchemeSeverityField(PrimedModelChoiceField):
    """A severity named with its scheme: the bulk change applies it to the incidents on that scheme."""

    def label_from_instance(self, obj: Severity) -> str:
        return f"{obj.scheme.name}: {obj.code} — {obj.label}"


class BulkForm(forms.Form):
    """A bulk action on the ticked incidents (or every incident matching the list's filter): which
    action, and its one input. The rules (who, which incidents, how many) are the bulk actions'."""

    ACTIONS = [("assign", "Assign"), ("severity", "Change severity"), ("note", "Add a note")]

    bulk_action = forms.ChoiceField(choices=ACTIONS, label="Action")
    provider = PrimedModelChoiceField(
        queryset=Organisation.objects.none(), label="Assign to provider", required=False
    )
    severity = SchemeSeverityField(queryset=Severity.objects.none(), label="Severity", required=False)
    body = forms.CharField(
        label="Note", required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    public = forms.BooleanField(label="Public update (participants see it)", required=False)

    def __init__(
        self,
        *args: object,
        providers: list | None = None,
        severities: QuerySet | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        qs = provider_organisations()
        self.fields["provider"].prime(qs, list(qs) if providers is None else providers)
        self.fields["severity"].prime(
            bulk_severities(), list(bulk_severities()) if severities is None else severities
        )


# Raising ----------


class SeverityLevelField(forms.ModelChoiceField):
    """A severity offered in full ("1 — Major incident: prevents …"), never cut short."""

    def label_from_instance(self, obj: Severity) -> str:
        return f"{obj.code} — {obj.label}"


class RaiseForm(forms.Form):
    """Raising an incident. The severities offered are those of the chosen service's scheme only: the
    page refreshes them when the service changes (``incident_severity_field``, HTMX), or, without
    JavaScript, when the form is shown again. A severity of another scheme is refused by the action,
    naming ``severity``."""

    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), help_text="The service that is affected"
    )
    summary = forms.CharField(max_length=200, help_text="One line: what is wrong")
    description = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="What happened, since when, and any error codes",
    )
    impact = forms.ChoiceField(choices=Impact.choices, initial=Impact.SINGLE)
    severity = SeverityLevelField(
        queryset=Severity.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        label="Suggested severity",
        help_text="The service desk confirms it when triaging",
    )
    attachments = MultipleFileField(
        help_text="Screenshots, logs or files (PDF, text, CSV, images, Office, zip)"
    )
    #: Set by the confirmation page's button: the desk's major severity opens a major incident, so posting
    #: one first shows who would be told.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: object,
        services: QuerySet,
        desk: bool,
        own_organisations: list[Organisation],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        offered = services.filter(is_active=True).select_related("sla_policy").order_by("name")
        self.fields["service"].queryset = offered
        severity = self.fields["severity"]
        # Any severity of an offered service passes the form; the action refuses one of another scheme
        # than the chosen service's, on the field. Only the chosen service's levels are shown.
        severity.queryset = (
            Severity.objects.filter(scheme__policies__services__in=offered)
            .distinct()
            .select_related("scheme")
            .order_by("scheme", "rank")
        )
        if desk:
            # The desk decides the severity itself: nothing to leave to "the service desk".
            severity.required = True
            severity.empty_label = None
            severity.label = "Severity"
            severity.help_text = "Sets the SLA targets; a major severity opens a major incident"
        else:
            # (A radio list has no empty choice unless given one.)
            severity.empty_label = "Let the service desk decide"
        self.chosen_service = self._chosen_service(offered)
        levels = (
            list(Severity.objects.filter(scheme_id=self.chosen_service.sla_policy.scheme_id).order_by("rank"))
            if self.chosen_service is not None
            else []
        )
        choices = [] if severity.empty_label is None else [("", severity.empty_label)]
        severity.widget.choices = choices + [(s.pk, severity.label_from_instance(s)) for s in levels]
        if self.chosen_service is None:
            severity.help_text = "Choose the service first: its severity scheme sets the levels offered"
        if desk:
            self.fields["organisation"] = forms.ModelChoiceField(
                queryset=Organisation.objects.filter(is_active=True).order_by("name"),
                label="Raised for",
                help_text="The participant organisation that reported it",
            )
            self.fields["contact_name"] = forms.CharField(
                max_length=150,
                required=False,
                label="Contact name",
                help_text="Who reported it, and how to reach them",
            )
            self.fields["channel"] = forms.ChoiceField(
                label="Taken by",
                initial=IntakeChannel.PHONE,
                choices=[
                    (IntakeChannel.PHONE, "Phone"),
                    (IntakeChannel.EMAIL, "Email"),
                    (IntakeChannel.MONITORING, "Monitoring event"),
                ],
            )
        elif len(own_organisations) > 1:
            self.fields["organisation"] = forms.ModelChoiceField(
                queryset=Organisation.objects.filter(pk__in=[o.pk for o in own_organisations]).order_by(
                    "name"
                ),
                label="Raised for",
            )

    def _chosen_service(self, offered: QuerySet) -> Service | None:
        """The service chosen (posted, or given as initial), if it is one offered."""
        if self.is_bound:
            value = self.data.get(self.add_prefix("service"))
        else:
            value = self.initial.get("service")
            value = getattr(value, "pk", value)
        pk = parse_id(value)
        return offered.filter(pk=pk).first() if pk is not None else None


# The incident page ----------


class PageForm(ActionForm):
    """A form of the incident page (busbar.lib.forms.ActionForm) acting on ``incident``.

    ``desk`` and ``worker`` only shape what is offered; the action decides what is allowed.
    """

    def __init__(
        self,
        *args: object,
        incident: Incident,
        user: object,
        desk: bool = False,
        worker: bool = False,
        **kwargs: object,
    ) -> None:
        self.incident, self.user, self.desk, self.worker = incident, user, desk, worker
        super().__init__(*args, **kwargs)

    @property
    def major(self) -> MajorIncident:
        return self.incident.major


class TriageForm(PageForm):
    title, button = "Triage", "Save triage"
    severity = SeverityChoiceField(queryset=Severity.objects.none(), empty_label=None)
    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label=None)
    impact = forms.ChoiceField(choices=Impact.choices)
    is_published = forms.BooleanField(required=False, label="Service-affecting: publish to every participant")
    #: Set by the confirmation page's button: a major severity opens a major incident, so posting one first
    #: shows who would be told.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    confirm_title = "Set a major severity"
    confirm_button = "Confirm: open a major incident and publish to every participant"

    def __init__(self, *args: object, incident: Incident, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "severity": incident.severity_id,
                "service": incident.service_id,
                "impact": incident.impact,
                "is_published": incident.is_published,
            },
        )
        super().__init__(*args, incident=incident, **kwargs)
        scheme_id = incident.service.sla_policy.scheme_id
        self.fields["severity"].queryset = Severity.objects.filter(scheme_id=scheme_id).order_by("rank")
        self.fields["service"].queryset = (
            services_visible_to(self.user)
            .filter(is_active=True, sla_policy__scheme_id=scheme_id)
            .order_by("name")
        )

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        incident_actions.triage_incident(
            actor=actor,
            incident=self.incident,
            severity=data["severity"],
            service=data["service"],
            impact=data["impact"],
            is_published=data["is_published"],
        )
        return f"{self.incident.reference} triaged."

    @property
    def needs_confirmation(self) -> bool:
        return not self.cleaned_data.get("confirm") and opens_major(
            severity=self.cleaned_data.get("severity"), incident=self.incident
        )

    def confirmation(self) -> recipients.Declaration:
        return told_on_triage(self.incident, impact=self.cleaned_data.get("impact"))


class AssignForm(PageForm):
    title, button = "Assign", "Assign"
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Person",
        empty_label="Anyone at the provider",
    )

    def __init__(self, *args: object, incident: Incident, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "provider": incident.provider_id or incident.service.provider_id,
                "assignee": incident.assignee_id,
            },
        )
        super().__init__(*args, incident=incident, **kwargs)
        if self.desk or not self.worker:
            # (Anyone but the desk and the provider is refused by the action, not by this form.)
            self.fields["provider"].queryset = provider_organisations()
            self.fields["assignee"].queryset = provider_people()
        else:
            # A provider chooses the person within its own organisation only.
            self.fields["provider"].queryset = Organisation.objects.filter(pk=incident.provider_id)
            self.fields["assignee"].queryset = provider_people([incident.provider_id])
            self.fields["provider"].disabled = True
        self.fields["assignee"].label_from_instance = lambda u: f"{u.display_name} ({u.email})"

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        done = incident_actions.assign_incident(
            actor=actor, incident=self.incident, provider=data["provider"], assignee=data["assignee"]
        )
        who = f"{done.assignee} at {done.provider}" if done.assignee else str(done.provider)
        return f"{self.incident.reference} assigned to {who}."


class StartForm(PageForm):
    title, button = "Start work", "Start work"
    note = forms.CharField(
        max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note"
    )

    def submit(self, actor: Actor) -> str:
        # A finished incident goes back to work by reopening: the action refuses (409), as the API does.
        incident_actions.start_work(actor=actor, incident=self.incident, note=self.cleaned_data["note"])
        return f"Work started on {self.incident.reference}."


class PendingForm(PageForm):
    title, button = "Put on hold", "Put on hold"
    awaiting = forms.ChoiceField(
        choices=[
            ("participant", "Awaiting the participant (the clock pauses)"),
            ("provider", "Awaiting the provider (the clock runs)"),
        ],
        widget=forms.RadioSelect,
        initial="participant",
    )
    note = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What you need from them (shown to the participant when awaiting them)",
    )

    def submit(self, actor: Actor) -> str:
        awaiting = self.cleaned_data["awaiting"]
        incident_actions.set_pending(
            actor=actor, incident=self.incident, awaiting=awaiting, note=self.cleaned_data["note"]
        )
        return f"{self.incident.reference} is now awaiting the {awaiting}."


class ResolveForm(PageForm):
    title, button = "Resolve", "Resolve"
    resolution = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text="What was wrong and what fixed it",
    )
    article = forms.CharField(
        required=False,
        max_length=20,
        label="Knowledge article used",
        help_text="e.g. KB0000012: the incident is linked to it, so the next person finds the answer",
    )

    def submit(self, actor: Actor) -> str:
        article = self.cleaned_data["article"].strip()
        incident_actions.resolve_incident(
            actor=actor, incident=self.incident, resolution=self.cleaned_data["resolution"], article=article
        )
        return f"{self.incident.reference} resolved" + (f", with {article.upper()}." if article else ".")


class CloseForm(PageForm):
    title, button = "Close", "Close incident"
    help = "Confirms the resolution. A major incident needs its post-incident review first."

    def submit(self, actor: Actor) -> str:
        incident_actions.close_incident(actor=actor, incident=self.incident)
        return f"{self.incident.reference} closed."


class ReopenForm(PageForm):
    title, button = "Reopen", "Reopen"
    help = "Within the reopening window after resolution; the resolution clock carries on."
    reason = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        incident_actions.reopen_incident(
            actor=actor, incident=self.incident, reason=self.cleaned_data["reason"]
        )
        return f"{self.incident.reference} reopened."


class CancelForm(PageForm):
    title, button, danger = "Cancel", "Cancel incident", True
    help = "For an incident raised in error. This stops both clocks and cannot be undone."
    reason = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        incident_actions.cancel_incident(
            actor=actor, incident=self.incident, reason=self.cleaned_data["reason"]
        )
        return f"{self.incident.reference} cancelled."


class ReplyForm(PageForm):
    title, button = "Reply", "Send"
    body = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs=TEXTAREA),
        label="Message",
        help_text="Markdown: **bold**, *italic*, lists, `code`, [links](https://…). Mention someone who can "
        "see this incident with @[Full Name] or @ and their email name (@jo.bloggs); they are notified.",
    )
    attachments = MultipleFileField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.worker:
            self.fields["internal"] = forms.BooleanField(
                required=False, label="Internal note (service desk and provider only)"
            )

    def submit(self, actor: Actor) -> str:
        internal = bool(self.cleaned_data.get("internal"))
        if "internal" not in self.fields:
            # Not offered, yet asked for: the action refuses it rather than it being posted in public.
            asked = self.data.get(self.add_prefix("internal"), "")
            internal = str(asked).strip().lower() not in ("", "0", "false", "off", "no")
        update = incident_actions.add_update(
            actor=actor,
            incident=self.incident,
            body=self.cleaned_data["body"],
            internal=internal,
            attachments=files_for_action(self.cleaned_data["attachments"]),
        )
        done = "Internal note added." if internal else "Update added."
        mentions = getattr(update, "mentions", None)
        return f"{done} {mentions.note('incident')}".strip() if mentions else done


class LinkForm(PageForm):
    title, button = "Link to another incident", "Link"
    kind = forms.ChoiceField(choices=Link.Kind.choices, label="This incident is")
    target = forms.CharField(max_length=20, label="Incident reference", help_text="For example INC0000042")

    def clean_target(self) -> str:
        return self.cleaned_data["target"].strip().upper()

    def submit(self, actor: Actor) -> str:
        reference = self.cleaned_data["target"]
        target = queries.visible_to(self.user).filter(reference=reference).first()
        if target is None:
            raise ActionError(f"No incident {reference}", field="target")
        link = incident_actions.link_incidents(
            actor=actor, source=self.incident, target=target, kind=self.cleaned_data["kind"]
        )
        return f"{self.incident.reference} is now {link.get_kind_display().lower()} {target.reference}."


class DeclareMajorForm(PageForm):
    title, button, danger = "Declare a major incident", "Declare major incident…", True
    help = (
        "Opens the major-incident record and publishes the incident to every participant. "
        "The next page shows who will be told, for you to confirm."
    )
    trigger = forms.ChoiceField(
        choices=[
            (MajorIncident.Trigger.DESK, "Declared by the desk"),
            (MajorIncident.Trigger.BCDR, "BCDR event"),
        ],
        initial=MajorIncident.Trigger.DESK,
    )
    #: Set by the confirmation page's button: until then, posting shows who would be told.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    confirm_title = "Declare a major incident"
    confirm_button = "Confirm: declare and publish to every participant"

    @property
    def needs_confirmation(self) -> bool:
        return not self.cleaned_data.get("confirm")

    def confirmation(self) -> recipients.Declaration:
        return recipients.declaration(self.incident)

    def submit(self, actor: Actor) -> str:
        incident_actions.declare_major_incident(
            actor=actor, incident=self.incident, trigger=self.cleaned_data["trigger"]
        )
        return f"{self.incident.reference} is now a major incident."


class ManagerForm(PageForm):
    title, button = "Incident manager", "Set manager"
    manager = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="Incident manager")

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"manager": kwargs["incident"].major.manager_id})
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = desk_people()

    def submit(self, actor: Actor) -> str:
        incident_actions.set_major_manager(
            actor=actor, major=self.major, manager=self.cleaned_data["manager"]
        )
        return f"{self.cleaned_data['manager']} now manages the major incident."


class CommunicationForm(PageForm):
    title, button = "Send a bulletin", "Send bulletin"
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs=TEXTAREA),
        label="Bulletin",
        help_text="Shown on the incident and emailed to every affected participant",
    )

    def submit(self, actor: Actor) -> str:
        sent = incident_actions.send_communication(
            actor=actor,
            major=self.major,
            subject=self.cleaned_data["subject"],
            body=self.cleaned_data["body"],
        )
        return (
            f"Bulletin sent to {sent.recipient_count} participant{'s' if sent.recipient_count != 1 else ''}."
        )


class IntervalForm(PageForm):
    title, button = "Update interval", "Set interval"
    minutes = forms.IntegerField(
        min_value=UPDATE_INTERVAL_MIN,
        max_value=UPDATE_INTERVAL_MAX,
        label="Update every (minutes)",
        help_text=UPDATE_INTERVAL_HELP,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"minutes": kwargs["incident"].major.update_interval_minutes})
        super().__init__(*args, **kwargs)

    def submit(self, actor: Actor) -> str:
        incident_actions.set_update_interval(
            actor=actor, major=self.major, minutes=self.cleaned_data["minutes"]
        )
        return f"Updates are now due every {self.cleaned_data['minutes']} minutes."


class ReviewForm(PageForm):
    title, button = "Post-incident review", "Record review"
    help = "Required before the incident can close."
    cause = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), label="Root cause")
    actions = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), label="Actions")
    lessons = forms.CharField(
        max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), label="Lessons learned"
    )

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        incident_actions.record_review(
            actor=actor,
            major=self.major,
            cause=data["cause"],
            actions=data["actions"],
            lessons=data["lessons"],
        )
        return "Post-incident review recorded."


class AffectedTooForm(PageForm):
    """The "I'm affected too" form: a participant adds their organisation to a published major incident."""

    title, button = "Affected too?", "We are affected too"
    help = (
        "If this incident affects your organisation as well, say so: the service desk is told and your "
        "organisation receives the incident's bulletins."
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        from busbar.incidents.permissions import participant_organisations
        from busbar.parties.queries import scope_for

        already = {self.incident.organisation_id, *self.incident.affected.values_list("pk", flat=True)}
        ids = [pk for pk in participant_organisations(scope_for(self.user)) if pk not in already]
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(pk__in=ids).order_by("name")
        if len(ids) == 1:
            field.initial = ids[0]
            field.widget = forms.HiddenInput()

    def submit(self, actor: Actor) -> str:
        organisation = incident_actions.join_affected(
            actor=actor, incident=self.incident, organisation=self.cleaned_data["organisation"]
        )
        return f"{organisation} is now among the organisations affected by {self.incident.reference}."


#: The forms of the incident page by the verb in their address, ``/incidents/<reference>/<verb>/``.
PAGE_FORMS: dict[str, type[PageForm]] = {
    "triage": TriageForm,
    "assign": AssignForm,
    "start": StartForm,
    "pending": PendingForm,
    "resolve": ResolveForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "cancel": CancelForm,
    "reply": ReplyForm,
    "link": LinkForm,
    "affected-too": AffectedTooForm,
    "major-declare": DeclareMajorForm,
    "major-manager": ManagerForm,
    "major-communicate": CommunicationForm,
    "major-interval": IntervalForm,
    "major-review": ReviewForm,
}
