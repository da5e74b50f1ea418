"""Forms of the register pages: shape only; the rules live in actions and permissions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import Q

from busbar.accounts.models import User
from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm, IdsChoiceField, MultipleFileField, files_for_action
from busbar.lib.limits import SHORT_TEXT, text_max
from busbar.parties.models import PROVIDER_ROLES, Organisation
from busbar.registers import actions, lists, scoring
from busbar.registers.models import CsiStatus, Improvement, ReviewAction, Risk, RiskStatus, ServiceReview
from busbar.services.models import Service
from busbar.services.queries import services_visible_to

TEXTAREA = {"rows": 4}
SCORES = [(n, f"{n} – {scoring.SCORE_WORDS[n]}") for n in scoring.SCALE]
_REFERENCES = re.compile(r"[A-Za-z]{3}\d{1,12}")


def references(text: str) -> list[str]:
    """References named in free text, in order, once each."""
    seen: dict[str, None] = {}
    for match in _REFERENCES.findall(text or ""):
        seen.setdefault(match.upper(), None)
    return list(seen)


def _score_field(label: str, *, required: bool = True, help_text: str = "") -> forms.TypedChoiceField:
    choices = SCORES if required else [("", "Not scored"), *SCORES]
    return forms.TypedChoiceField(
        choices=choices, coerce=int, empty_value=None, required=required, label=label, help_text=help_text
    )


def owning_organisations(scope: Any) -> Any:
    """The organisations an item may be raised for: any provider or the desk's own (desk); one's own."""
    qs = Organisation.objects.filter(is_active=True)
    if scope.is_desk:
        return (
            qs.filter(Q(roles__role__in=PROVIDER_ROLES) | Q(pk__in=scope.organisation_ids))
            .distinct()
            .order_by("name")
        )
    return qs.filter(pk__in=scope.resolver_for).order_by("name")


def people_of(organisation_ids: Any) -> Any:
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__organisation_id__in=organisation_ids,
        )
        .distinct()
        .order_by("full_name", "email")
    )


# Filters -----------------------------------------------------------------------------------------------


class ItemFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=SHORT_TEXT, label="Search")
    status = forms.ChoiceField(required=False)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any organisation"
    )
    owner = forms.ChoiceField(required=False, choices=[("", "Anyone"), ("me", "Me")], label="Owner")
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Any service"
    )
    min_score = forms.IntegerField(required=False, min_value=1, max_value=25, label="Score at least")
    kpi = forms.ChoiceField(required=False, choices=[("", "Any KPI"), *scoring.KPI_CHOICES], label="KPI")
    overdue = forms.BooleanField(required=False, label="Review overdue")
    likelihood = forms.IntegerField(required=False, min_value=1, max_value=5, widget=forms.HiddenInput)
    impact = forms.IntegerField(required=False, min_value=1, max_value=5, widget=forms.HiddenInput)
    sort = forms.ChoiceField(required=False, choices=list(lists.SORT_LABELS.items()), label="Order")

    def __init__(self, *args: Any, kind: str, user: Any, visible: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model = lists.MODELS[kind]
        self.fields["status"].choices = [
            ("", "Any status"),
            ("open", "Not closed"),
            *model._meta.get_field("status").choices,
        ]
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=visible.order_by().values("organisation_id")
        ).order_by("name")
        self.fields["service"].queryset = services_visible_to(user).order_by("name")

    def filters(self) -> lists.Filters:
        d = self.cleaned_data
        return lists.Filters(
            q=d.get("q") or "",
            status=d.get("status") or "",
            organisation=d["organisation"].pk if d.get("organisation") else None,
            owner=d.get("owner") or "",
            service=d["service"].pk if d.get("service") else None,
            min_score=d.get("min_score"),
            overdue=bool(d.get("overdue")),
            likelihood=d.get("likelihood"),
            impact=d.get("impact"),
            kpi=d.get("kpi") or "",
            sort=d.get("sort") or "-score",
        )


# Raise and edit ----------------------------------------------------------------------------------------


class ItemForm(forms.Form):
    """Raise or edit a risk or an improvement (``kind``); on edit only the fields changed are sent."""

    title = forms.CharField(max_length=SHORT_TEXT)
    description = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False)
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Owning organisation")
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="No one in person",
        help_text="A member of the owning organisation",
    )
    likelihood = _score_field("Likelihood")
    impact = _score_field("Impact", help_text="The score is likelihood × impact (1–25)")
    services = IdsChoiceField(
        queryset=Service.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    kpis = forms.MultipleChoiceField(
        choices=scoring.KPI_CHOICES, required=False, label="KPIs", widget=forms.CheckboxSelectMultiple
    )
    review_by = forms.DateField(
        required=False, label="Review by", widget=forms.DateInput(attrs={"type": "date"})
    )

    FIELDS_RISK = ("category", "mitigations", "residual_likelihood", "residual_impact")
    FIELDS_CSI = ("source", "benefits", "target_date", "outcome")

    def __init__(self, *args: Any, kind: str, user: Any, scope: Any, item: Any = None, **kwargs: Any) -> None:
        self.kind, self.user, self.item = kind, user, item
        if item is not None:
            kwargs.setdefault("initial", _initial(item))
        super().__init__(*args, **kwargs)
        self.fields["description"].max_length = text_max()
        if kind == "risk":
            self.fields["category"] = forms.ChoiceField(choices=Risk.Category.choices)
            self.fields["mitigations"] = forms.CharField(
                widget=forms.Textarea(attrs=TEXTAREA), required=False, max_length=text_max()
            )
            self.fields["residual_likelihood"] = _score_field(
                "Residual likelihood", required=False, help_text="Once the mitigations are in place"
            )
            self.fields["residual_impact"] = _score_field("Residual impact", required=False)
        else:
            self.fields["likelihood"].label = "Likelihood of success"
            self.fields["impact"].label = "Impact of the benefit"
            self.fields["source"] = forms.ChoiceField(choices=Improvement.Source.choices)
            self.fields["benefits"] = forms.CharField(
                widget=forms.Textarea(attrs=TEXTAREA), required=False, max_length=text_max()
            )
            self.fields["target_date"] = forms.DateField(
                required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
            if item is not None:
                self.fields["outcome"] = forms.CharField(
                    widget=forms.Textarea(attrs=TEXTAREA),
                    required=False,
                    max_length=text_max(),
                    help_text="What it achieved",
                )
        orgs = owning_organisations(scope)
        self.fields["organisation"].queryset = orgs
        if item is not None and not scope.is_desk:
            del self.fields["organisation"]  # a provider does not hand its items to another
            self.fields["owner"].queryset = people_of([item.organisation_id])
        else:
            self.fields["owner"].queryset = people_of(orgs.values("pk"))
            if not scope.is_desk and orgs.count() == 1:
                self.fields["organisation"].initial = orgs.first()
            elif scope.is_desk and item is None:
                self.fields["organisation"].initial = scope.primary_organisation
        self.fields["services"].queryset = services_visible_to(user).filter(is_active=True).order_by("name")
        if item is None:
            self.fields["problems"] = forms.CharField(
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text="Problems it bears on, e.g. PRB0000012",
            )

    def _fields(self) -> dict:
        names = [n for n in self.cleaned_data if n != "problems"]
        if self.item is not None:
            names = [n for n in names if n in self.changed_data]
        return {
            n: (list(self.cleaned_data[n]) if n in ("services", "kpis") else self.cleaned_data[n])
            for n in names
        }

    def submit(self, actor: Actor) -> Any:
        fields = self._fields()
        if self.item is not None:
            update = actions.update_risk if self.kind == "risk" else actions.update_improvement
            return update(actor=actor, **{self.kind: self.item}, fields=fields)
        problems = references(self.cleaned_data.get("problems", ""))
        organisation = fields.pop("organisation", None)
        if self.kind == "risk":
            return actions.raise_risk(actor=actor, organisation=organisation, problems=problems, **fields)
        fields.pop("outcome", None)
        return actions.raise_improvement(actor=actor, organisation=organisation, problems=problems, **fields)


def _initial(item: Any) -> dict:
    data = {
        "title": item.title,
        "description": item.description,
        "organisation": item.organisation_id,
        "owner": item.owner_id,
        "likelihood": item.likelihood,
        "impact": item.impact,
        "services": [s.pk for s in item.services.all()],
        "kpis": list(item.kpis or ()),
        "review_by": item.review_by,
    }
    if isinstance(item, Risk):
        data.update(
            category=item.category,
            mitigations=item.mitigations,
            residual_likelihood=item.residual_likelihood,
            residual_impact=item.residual_impact,
        )
    else:
        data.update(
            source=item.source, benefits=item.benefits, target_date=item.target_date, outcome=item.outcome
        )
    return data


# Forms of an item's page -------------------------------------------------------------------------------


class ItemPageForm(ActionForm):
    def __init__(self, *args: Any, item: Any, scope: Any = None, **kwargs: Any) -> None:
        self.item, self.scope = item, scope
        super().__init__(*args, **kwargs)

    @property
    def kind(self) -> str:
        return self.item.record.kind


class StatusForm(ItemPageForm):
    title, button = "Change the status", "Change status"
    status = forms.ChoiceField(choices=())
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")

    def __init__(self, *args: Any, item: Any, scope: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, item=item, scope=scope, **kwargs)
        from busbar.registers import permissions

        labels = dict(RiskStatus.choices if self.kind == "risk" else CsiStatus.choices)
        allowed = permissions.statuses(scope, item) if scope is not None else list(labels)
        self.fields["status"].choices = [(v, labels.get(v, v)) for v in allowed]
        if self.kind == "improvement":
            self.fields["outcome"] = forms.CharField(
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=text_max(),
                initial=item.outcome,
                help_text="What the improvement achieved: needed to close it",
            )

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        if self.kind == "risk":
            done = actions.change_risk_status(actor=actor, risk=self.item, status=d["status"], note=d["note"])
        else:
            done = actions.change_improvement_status(
                actor=actor,
                improvement=self.item,
                status=d["status"],
                note=d["note"],
                outcome=d.get("outcome"),
            )
        return f"{done.reference} is {done.get_status_display().lower()}."


class ReviewForm(ItemPageForm):
    title, button = "Record a review", "Reviewed"
    help = "Records that it was reviewed today, and sets the next review date."
    next_review_by = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Next review by")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        review = actions.review_risk if self.kind == "risk" else actions.review_improvement
        done = review(
            actor=actor, **{self.kind: self.item}, next_review_by=d["next_review_by"], note=d["note"]
        )
        return f"{done.reference} reviewed; next review by {done.review_by:%d %b %Y}."


class LinkProblemsForm(ItemPageForm):
    title, button = "Link problems", "Link"
    problems = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, help_text="References, e.g. PRB0000012"
    )

    def submit(self, actor: Actor) -> str:
        found = references(self.cleaned_data["problems"]) or ["(none)"]
        link = actions.link_risk_problems if self.kind == "risk" else actions.link_improvement_problems
        linked = link(actor=actor, **{self.kind: self.item}, problems=found)
        return f"Linked {', '.join(linked)}."


class UpdateForm(ItemPageForm):
    title, button = "Add an update", "Add"
    body = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Update")
    internal = forms.BooleanField(required=False, label="Internal note (desk and owning organisation only)")
    attachments = MultipleFileField(label="Attach files")

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        add = actions.add_risk_update if self.kind == "risk" else actions.add_improvement_update
        add(
            actor=actor,
            **{self.kind: self.item},
            body=d["body"],
            internal=d["internal"],
            attachments=files_for_action(d["attachments"]),
        )
        return "Internal note added." if d["internal"] else "Update added."


PAGE_FORMS: dict[str, type[ItemPageForm]] = {
    "status": StatusForm,
    "review": ReviewForm,
    "link": LinkProblemsForm,
    "update": UpdateForm,
}


# Service reviews ---------------------------------------------------------------------------------------


def _month(value: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1970 <= int(match.group(1)) <= 2199:
        raise forms.ValidationError("Give the month as YYYY-MM, e.g. 2027-05")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


class MonthField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=7, widget=forms.TextInput(attrs={"type": "month", "placeholder": "2027-05"}), **kwargs
        )

    def clean(self, value: Any) -> dt.date | None:
        return _month(super().clean(value))


class ScheduleReviewForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none())
    title = forms.CharField(max_length=SHORT_TEXT)
    held_on = forms.DateTimeField(
        label="When (UK time)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    period = MonthField(required=False, label="Month reviewed")
    agenda = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA), max_length=text_max())
    attendees = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = (
            Organisation.objects.filter(is_active=True, roles__role__in=PROVIDER_ROLES)
            .distinct()
            .order_by("name")
        )

    def submit(self, actor: Actor) -> ServiceReview:
        return actions.schedule_review(actor=actor, **self.cleaned_data)


class ReviewPageForm(ActionForm):
    def __init__(self, *args: Any, review: ServiceReview, **kwargs: Any) -> None:
        self.review = review
        super().__init__(*args, **kwargs)


class MinutesForm(ReviewPageForm):
    title, button = "Minutes", "Save the minutes"
    help = "Saving the minutes marks the review as held."
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=text_max())
    attendees = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    held_on = forms.DateTimeField(
        required=False,
        label="Held at (UK time, if not as planned)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, review: ServiceReview, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"minutes": review.minutes, "attendees": review.attendees})
        super().__init__(*args, review=review, **kwargs)

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.hold_review(
            actor=actor,
            review=self.review,
            minutes=d["minutes"],
            attendees=d["attendees"],
            held_on=d["held_on"],
        )
        return "Minutes saved: the review is held."


class CancelReviewForm(ReviewPageForm):
    title, button, danger = "Cancel the review", "Cancel review", True
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=text_max())

    def submit(self, actor: Actor) -> str:
        actions.cancel_review(actor=actor, review=self.review, reason=self.cleaned_data["reason"])
        return "The review is cancelled."


class ReviewActionForm(ReviewPageForm):
    title, button = "Add an action", "Add action"
    text = forms.CharField(max_length=500, label="Action")
    owner_organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Owned by")
    due_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    improvement = forms.CharField(
        required=False,
        max_length=20,
        label="Feeds the improvement",
        help_text="An existing improvement, e.g. CSI0000004",
    )
    raise_improvement = forms.BooleanField(required=False, label="Raise a new improvement from this action")

    def __init__(self, *args: Any, review: ServiceReview, actor_orgs: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, review=review, **kwargs)
        self.fields["owner_organisation"].queryset = Organisation.objects.filter(
            Q(pk=review.provider_id) | Q(pk__in=list(actor_orgs))
        ).order_by("name")
        self.fields["owner_organisation"].initial = review.provider_id

    def submit(self, actor: Actor) -> str:
        from busbar.lib.actions import ActionError
        from busbar.registers import queries

        d = self.cleaned_data
        improvement = None
        if d["improvement"].strip():
            improvement = (
                queries.improvements_visible_to(actor.user)
                .filter(reference=d["improvement"].strip().upper())
                .first()
            )
            if improvement is None:
                raise ActionError(f"No improvement {d['improvement']}", field="improvement")
        done = actions.add_review_action(
            actor=actor,
            review=self.review,
            text=d["text"],
            owner_organisation=d["owner_organisation"],
            due_on=d["due_on"],
            improvement=improvement,
            raise_improvement=d["raise_improvement"],
        )
        if done.improvement_id and d["raise_improvement"]:
            return f"Action added; {done.improvement.reference} raised from it."
        return "Action added."


class FinishActionForm(forms.Form):
    """Complete (``done``) or drop an action of the log."""

    note = forms.CharField(required=False, max_length=2000, label="Note")

    def submit(self, actor: Actor, review_action: ReviewAction, verb: str) -> str:
        note = self.cleaned_data["note"]
        if verb == "done":
            actions.complete_review_action(actor=actor, review_action=review_action, note=note)
            return "Action done."
        actions.drop_review_action(actor=actor, review_action=review_action, reason=note)
        return "Action dropped."
