"""Forms of the incident screens. Validation of shape only: the rules live in actions.py."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from busbar.incidents.models import Channel, Impact, Link, MajorIncident, Status
from busbar.parties.models import PROVIDER_ROLES, MembershipRole, Organisation
from busbar.services.models import Service, Severity

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
        return f"{obj.code} — {obj.label}"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (Django's recipe for ``<input type=file multiple>``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def files_for_action(files: list) -> list[tuple[str, str, bytes]]:
    """Uploaded files as the (filename, content type, bytes) the actions take."""
    return [(f.name, f.content_type or "application/octet-stream", f.read()) for f in files]


# Lists ----------


class FilterForm(forms.Form):
    """The filters of the incident list (GET). Invalid values are simply ignored."""

    q = forms.CharField(label="Search", required=False, help_text="Reference, summary or description")
    status = forms.ChoiceField(required=False, choices=[("", "Any"), ("open", "Any open"), *Status.choices])
    severity = SeverityChoiceField(queryset=Severity.objects.none(), required=False, empty_label="Any")
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, empty_label="Any")
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False, empty_label="Any")
    published = forms.BooleanField(label="Service-affecting only", required=False)

    def __init__(self, *args: object, services: QuerySet, show_provider: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["severity"].queryset = Severity.objects.select_related("scheme").order_by(
            "scheme", "rank"
        )
        if show_provider:
            self.fields["provider"].queryset = provider_organisations()
        else:
            del self.fields["provider"]

    def value(self, name: str) -> object:
        if not self.is_bound or name not in self.fields:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


class BulkAssignForm(forms.Form):
    """The provider of a bulk assignment; the ticked ``incident`` ids are checked by the view."""

    provider = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Assign to provider")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = provider_organisations()


# Raising ----------


class RaiseForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), help_text="The service that is affected"
    )
    summary = forms.CharField(max_length=200, help_text="One line: what is wrong")
    description = forms.CharField(
        widget=forms.Textarea(attrs=TEXTAREA), help_text="What happened, since when, and any error codes"
    )
    impact = forms.ChoiceField(choices=Impact.choices, initial=Impact.SINGLE)
    severity = SeverityChoiceField(
        queryset=Severity.objects.none(),
        required=False,
        label="Suggested severity",
        empty_label="Let the service desk decide",
        help_text="The service desk confirms it when triaging",
    )
    attachments = MultipleFileField(
        help_text="Screenshots, logs or files (PDF, text, CSV, images, Office, zip)"
    )

    def __init__(
        self,
        *args: object,
        services: QuerySet,
        desk: bool,
        own_organisations: list[Organisation],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services.filter(is_active=True).order_by("name")
        self.fields["severity"].queryset = (
            Severity.objects.filter(scheme__policies__services__in=self.fields["service"].queryset)
            .distinct()
            .select_related("scheme")
            .order_by("scheme", "rank")
        )
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
                initial=Channel.PHONE,
                choices=[
                    (Channel.PHONE, "Phone"),
                    (Channel.EMAIL, "Email"),
                    (Channel.MONITORING, "Monitoring event"),
                ],
            )
        elif len(own_organisations) > 1:
            self.fields["organisation"] = forms.ModelChoiceField(
                queryset=Organisation.objects.filter(pk__in=[o.pk for o in own_organisations]).order_by(
                    "name"
                ),
                label="Raised for",
            )


# The incident page ----------


class TriageForm(forms.Form):
    severity = SeverityChoiceField(queryset=Severity.objects.none(), empty_label=None)
    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label=None)
    impact = forms.ChoiceField(choices=Impact.choices)
    is_published = forms.BooleanField(required=False, label="Service-affecting: publish to every participant")

    def __init__(self, *args: object, incident: object, services: QuerySet, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "severity": incident.severity_id,
                "service": incident.service_id,
                "impact": incident.impact,
                "is_published": incident.is_published,
            },
        )
        super().__init__(*args, **kwargs)
        scheme_id = incident.service.sla_policy.scheme_id
        self.fields["severity"].queryset = Severity.objects.filter(scheme_id=scheme_id).order_by("rank")
        self.fields["service"].queryset = services.filter(
            is_active=True, sla_policy__scheme_id=scheme_id
        ).order_by("name")


class AssignForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Person",
        empty_label="Anyone at the provider",
    )

    def __init__(
        self, *args: object, incident: object, desk: bool, own_providers: list[int], **kwargs: object
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "provider": incident.provider_id or incident.service.provider_id,
                "assignee": incident.assignee_id,
            },
        )
        super().__init__(*args, **kwargs)
        if desk:
            self.fields["provider"].queryset = provider_organisations()
            self.fields["assignee"].queryset = provider_people()
        else:
            # A provider chooses the person within its own organisation only.
            self.fields["provider"].queryset = Organisation.objects.filter(pk=incident.provider_id)
            self.fields["assignee"].queryset = provider_people([incident.provider_id])
            self.fields["provider"].disabled = True
        self.fields["assignee"].label_from_instance = lambda u: f"{u.display_name} ({u.email})"


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note")


class PendingForm(forms.Form):
    awaiting = forms.ChoiceField(
        choices=[
            ("participant", "Awaiting the participant (the clock pauses)"),
            ("provider", "Awaiting the provider (the clock runs)"),
        ],
        widget=forms.RadioSelect,
        initial="participant",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="What you need from them (shown to the participant when awaiting them)",
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        widget=forms.Textarea(attrs=TEXTAREA), help_text="What was wrong and what fixed it"
    )


class CloseForm(forms.Form):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Message")
    attachments = MultipleFileField()

    def __init__(self, *args: object, worker: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if worker:
            self.fields["internal"] = forms.BooleanField(
                required=False, label="Internal note (service desk and provider only)"
            )


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=Link.Kind.choices, label="This incident is")
    target = forms.CharField(max_length=20, label="Incident reference", help_text="For example INC0000042")

    def clean_target(self) -> str:
        return self.cleaned_data["target"].strip().upper()


class DeclareMajorForm(forms.Form):
    trigger = forms.ChoiceField(
        choices=[
            (MajorIncident.Trigger.DESK, "Declared by the desk"),
            (MajorIncident.Trigger.BCDR, "BCDR event"),
        ],
        initial=MajorIncident.Trigger.DESK,
    )


class ManagerForm(forms.Form):
    manager = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label="Incident manager")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = desk_people()


class CommunicationForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs=TEXTAREA),
        label="Bulletin",
        help_text="Shown on the incident and emailed to every affected participant",
    )


class IntervalForm(forms.Form):
    minutes = forms.IntegerField(
        min_value=1, label="Update every (minutes)", help_text="Between 5 minutes and 24 hours"
    )


class ReviewForm(forms.Form):
    cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Root cause")
    actions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Actions")
    lessons = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Lessons learned")
