"""Forms of the knowledge base: shape only; the rules live in actions.py and permissions.py."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q

from busbar.knowledge import actions
from busbar.knowledge.actions import BODY_MAX, KEYWORDS_MAX, SUMMARY_MAX, URL_MAX
from busbar.knowledge.models import Article, Audience, IrregularityState, Status
from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm
from busbar.lib.limits import LATEST_DATE, SHORT_TEXT, TEXT_MAX
from busbar.parties.models import OPERATOR_ROLES, PROVIDER_ROLES, IndustryRole, Organisation
from busbar.services.models import Service
from busbar.services.queries import services_visible_to

#: The industry roles an audience can be limited to: the participants' (not the central bodies').
PARTICIPANT_ROLES = [
    (r.value, r.label) for r in IndustryRole if r not in OPERATOR_ROLES and r not in PROVIDER_ROLES
]
BODY_HELP = (
    "Markdown: **bold**, *italic*, `code`, # headings, - lists, 1. numbered lists, | tables |, "
    "[links](https://…). HTML is shown as text."
)


def _services(user) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=services_visible_to(user).filter(is_active=True).order_by("name"),
        required=False,
        empty_label="All services (the switching arrangements as a whole)",
    )


def _organisations() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label="None",
        help_text="A market participant whose input the article records",
    )


class ReviewByField(forms.DateField):
    """When the owner next checks the article is current: a date picker, at most 2199-12-31."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value: object) -> dt.date | None:
        date = super().clean(value)
        if date is not None and date > LATEST_DATE:
            raise forms.ValidationError("Choose a date before 2200")
        return date


class AudienceFields(forms.Form):
    """Who reads it: the audience and, for "certain roles", which."""

    audience = forms.ChoiceField(
        choices=Audience.choices, initial=Audience.EVERYONE, widget=forms.RadioSelect
    )
    roles = forms.MultipleChoiceField(
        choices=PARTICIPANT_ROLES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For “Participants of certain roles”: whose participants may read it",
    )


class ArticleForm(AudienceFields):
    title = forms.CharField(max_length=SHORT_TEXT)
    summary = forms.CharField(
        max_length=SUMMARY_MAX,
        required=False,
        help_text="One or two sentences shown in lists and suggestions",
    )
    body = forms.CharField(
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 18, "class": "markdown"}),
        help_text=BODY_HELP,
    )
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    keywords = forms.CharField(
        max_length=KEYWORDS_MAX, required=False, help_text="Words people search by: error codes, flow names"
    )
    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Your organisation",
        help_text="The provider (or the operator) that keeps it current",
    )
    contributor = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    external_url = forms.URLField(
        assume_scheme="https",
        max_length=URL_MAX,
        required=False,
        label="Document location",
        help_text="If the full document lives elsewhere",
    )

    field_order = [
        "title",
        "summary",
        "body",
        "service",
        "keywords",
        "audience",
        "roles",
        "owner",
        "contributor",
    ]

    def __init__(self, *args: object, user: object, desk: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"] = _services(user)
        self.fields["contributor"] = _organisations()
        if desk:
            self.fields["owner"].queryset = (
                Organisation.objects.filter(is_active=True)
                .filter(Q(roles__role__in=PROVIDER_ROLES) | Q(roles__role__in=OPERATOR_ROLES))
                .distinct()
                .order_by("name")
            )
        else:
            del self.fields["owner"]
        self.order_fields(self.field_order)

    def submit(self, actor: Actor, *, review: bool) -> Article:
        data = self.cleaned_data
        return actions.create_article(
            actor=actor,
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            service=data["service"],
            audience=data["audience"],
            roles=data["roles"],
            owner=data.get("owner"),
            contributor=data["contributor"],
            external_url=data["external_url"],
            keywords=data["keywords"],
            submit=review,
        )


class ReviseForm(forms.Form):
    """The next version's text."""

    title = forms.CharField(max_length=SHORT_TEXT)
    summary = forms.CharField(max_length=SUMMARY_MAX, required=False)
    body = forms.CharField(
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 22, "class": "markdown"}),
        help_text=BODY_HELP,
    )
    change_note = forms.CharField(
        max_length=SUMMARY_MAX, required=False, label="What changed", help_text="Shown in the version history"
    )

    def __init__(self, *args: object, article: Article, **kwargs: object) -> None:
        self.article = article
        version = article.working_version or article.published_version
        if version is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": version.title,
                    "summary": version.summary,
                    "body": version.body,
                    "change_note": version.change_note if version is article.working_version else "",
                },
            )
        super().__init__(*args, **kwargs)

    def submit(self, actor: Actor, *, review: bool) -> str:
        data = self.cleaned_data
        version = actions.revise_article(
            actor=actor,
            article=self.article,
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            change_note=data["change_note"],
            submit=review,
        )
        if review:
            return f"Version {version.number} saved and sent to the service desk for review."
        return f"Version {version.number} saved as a draft."


class PageForm(ActionForm):
    """A form of the article page (busbar.lib.forms.ActionForm) acting on ``article``."""

    def __init__(self, *args: object, article: Article, **kwargs: object) -> None:
        self.article = article
        super().__init__(*args, **kwargs)


class SubmitForm(PageForm):
    title, button = "Submit for review", "Submit for review"
    help = "The service desk reviews the draft before readers see it."
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note to the reviewer"
    )

    def submit(self, actor: Actor) -> str:
        actions.submit_for_review(actor=actor, article=self.article, note=self.cleaned_data["note"])
        return f"{self.article.reference} is waiting for the service desk's review."


class PublishForm(PageForm):
    title, button = "Publish", "Publish"
    help = "Readers see this version at once; earlier versions stay readable in the history."
    review_by = ReviewByField(label="Check it is current by", help_text="Default: a year from today")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note")

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.publish_article(
            actor=actor, article=self.article, note=data["note"], review_by=data["review_by"]
        )
        return f"{self.article.reference} is published."


class RequestChangesForm(PageForm):
    title, button = "Send back", "Send back to the author"
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What should change", max_length=TEXT_MAX
    )

    def submit(self, actor: Actor) -> str:
        actions.request_changes(actor=actor, article=self.article, note=self.cleaned_data["note"])
        return "Sent back to the author with your note."


class DiscardForm(PageForm):
    title, button, danger = "Discard the draft", "Discard draft", True
    help = "Readers keep seeing the published version."

    def submit(self, actor: Actor) -> str:
        actions.discard_revision(actor=actor, article=self.article)
        return "The draft is discarded."


class RetireForm(PageForm):
    title, button, danger = "Retire", "Retire article", True
    help = "No longer current: hidden from readers and search. The desk can put it back."
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=TEXT_MAX)

    def submit(self, actor: Actor) -> str:
        actions.retire_article(actor=actor, article=self.article, reason=self.cleaned_data["reason"])
        return f"{self.article.reference} is retired."


class ReinstateForm(PageForm):
    title, button = "Put back", "Publish again"
    help = "Readers see the version last published again."
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=TEXT_MAX)

    def submit(self, actor: Actor) -> str:
        actions.reinstate_article(actor=actor, article=self.article, note=self.cleaned_data["note"])
        return f"{self.article.reference} is published again."


class NoteForm(PageForm):
    title, button = "Add a review note", "Add note"
    help = "Between the author, the owning provider and the service desk; readers never see it."
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note", max_length=TEXT_MAX)

    def submit(self, actor: Actor) -> str:
        actions.add_note(actor=actor, article=self.article, body=self.cleaned_data["body"])
        return "Note added."


class DetailsForm(PageForm, AudienceFields):
    title, button = "Details and audience", "Save details"
    help = "A change of audience applies at once, to the published version too."
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False)
    keywords = forms.CharField(max_length=KEYWORDS_MAX, required=False)
    contributor = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    external_url = forms.URLField(
        assume_scheme="https", max_length=URL_MAX, required=False, label="Document location"
    )
    review_by = ReviewByField(label="Review by")

    def __init__(self, *args: object, article: Article, user: object, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                "service": article.service_id,
                "audience": article.audience,
                "roles": list(article.audience_roles.values_list("role", flat=True)),
                "keywords": article.keywords,
                "contributor": article.contributor_id,
                "external_url": article.external_url,
                "review_by": article.review_by,
            },
        )
        super().__init__(*args, article=article, **kwargs)
        self.fields["service"] = _services(user)
        self.fields["contributor"] = _organisations()

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.update_details(
            actor=actor,
            article=self.article,
            service=data["service"],
            audience=data["audience"],
            roles=data["roles"],
            keywords=data["keywords"],
            contributor=data["contributor"],
            external_url=data["external_url"],
            review_by=data["review_by"] if data["review_by"] else actions.KEEP,
        )
        return "Details saved."


class VoteForm(PageForm):
    title, button = "Was this helpful?", "Send"
    helpful = forms.TypedChoiceField(choices=[("1", "Yes"), ("0", "No")], coerce=lambda v: v == "1")

    def submit(self, actor: Actor) -> str:
        helpful = self.cleaned_data["helpful"]
        actions.vote(actor=actor, article=self.article, helpful=helpful)
        return (
            "Thank you: glad it helped."
            if helpful
            else "Thank you. Tell us what is wrong so it can be put right."
        )


class ReportForm(PageForm):
    title, button = "Report an irregularity", "Send to the author"
    help = "Something wrong, out of date or missing? The author and the owning provider are told."
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="What is wrong", max_length=TEXT_MAX
    )

    def submit(self, actor: Actor) -> str:
        actions.report_irregularity(actor=actor, article=self.article, comment=self.cleaned_data["comment"])
        return "Thank you: the author has been told."


class HandleReportForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(IrregularityState.CORRECTED, "Corrected"), (IrregularityState.DISMISSED, "Dismissed")],
        widget=forms.RadioSelect,
    )
    response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Answer to the reader", max_length=TEXT_MAX
    )


PAGE_FORMS: dict[str, type[PageForm]] = {
    "submit": SubmitForm,
    "publish": PublishForm,
    "request-changes": RequestChangesForm,
    "discard": DiscardForm,
    "retire": RetireForm,
    "reinstate": ReinstateForm,
    "note": NoteForm,
    "details": DetailsForm,
    "vote": VoteForm,
    "report": ReportForm,
}
#: The page's work panels, in order (vote, report and note have their own places).
PANEL_VERBS = ["submit", "publish", "request-changes", "discard", "details", "retire", "reinstate"]


class FilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=SHORT_TEXT)
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Any service"
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    audience = forms.ChoiceField(required=False, choices=[("", "Any audience"), *Audience.choices])

    def __init__(self, *args: object, user: object, staff: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_visible_to(user).order_by("name")
        if not staff:
            del self.fields["status"]
            del self.fields["audience"]
