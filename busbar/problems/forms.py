"""Forms of the problem screens: shape only; the rules live in actions.py and permissions.py."""

from __future__ import annotations

import re

from django import forms

from busbar.lib.actions import Actor
from busbar.lib.forms import ActionForm
from busbar.lib.limits import SHORT_TEXT, text_max
from busbar.parties.models import PROVIDER_ROLES, Organisation
from busbar.problems import actions
from busbar.problems.models import Problem, RootCauseCategory, Status
from busbar.services.models import Service
from busbar.services.queries import services_visible_to

TEXTAREA = {"rows": 4}
_REFERENCES = re.compile(r"[A-Za-z]{3}\d{1,12}")


def incident_references(text: str) -> list[str]:
    """INC references named in free text (comma, space or line separated), in order, once each."""
    seen: dict[str, None] = {}
    for match in _REFERENCES.findall(text or ""):
        seen.setdefault(match.upper(), None)
    return list(seen)


class ProblemForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label="Choose a service")
    summary = forms.CharField(max_length=SHORT_TEXT)
    description = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))
    owner = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="The provider that runs the service",
        help_text="The provider whose problem management investigates the cause",
    )
    incidents = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recurring incidents this problem explains, e.g. INC0000012, INC0000015",
    )

    def __init__(self, *args: object, user: object, desk: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["description"].max_length = text_max()
        self.fields["service"].queryset = services_visible_to(user).filter(is_active=True).order_by("name")
        if desk:
            self.fields["owner"].queryset = (
                Organisation.objects.filter(is_active=True, roles__role__in=PROVIDER_ROLES)
                .distinct()
                .order_by("name")
            )
        else:
            del self.fields["owner"]

    def submit(self, actor: Actor) -> Problem:
        data = self.cleaned_data
        return actions.raise_problem(
            actor=actor,
            service=data["service"],
            summary=data["summary"],
            description=data["description"],
            owner=data.get("owner"),
            incidents=incident_references(data.get("incidents", "")),
        )


class PageForm(ActionForm):
    """A form of the problem page (busbar.lib.forms.ActionForm) acting on ``problem``."""

    def __init__(self, *args: object, problem: Problem, **kwargs: object) -> None:
        self.problem = problem
        super().__init__(*args, **kwargs)


class InvestigateForm(PageForm):
    title, button = "Start investigating", "Start investigating"
    note = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA), label="Update (optional)")

    def submit(self, actor: Actor) -> str:
        actions.start_investigation(actor=actor, problem=self.problem, note=self.cleaned_data["note"])
        return f"{self.problem.reference} is being investigated."


class RootCauseForm(PageForm):
    title, button = "Root cause", "Save root cause"
    help = "Seen by the service desk and the owning provider."
    category = forms.ChoiceField(choices=RootCauseCategory.choices, required=False)
    root_cause = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args: object, problem: Problem, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial", {"category": problem.root_cause_category, "root_cause": problem.root_cause}
        )
        super().__init__(*args, problem=problem, **kwargs)

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.record_root_cause(
            actor=actor, problem=self.problem, category=data["category"], root_cause=data["root_cause"]
        )
        return "Root cause saved."


class KnownForm(PageForm):
    title, button = "Known problem and workaround", "Save workaround"
    help = (
        "Shown at once to anyone raising an incident on this service, and sent to the raisers of the "
        "linked incidents."
    )
    workaround = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args: object, problem: Problem, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"workaround": problem.workaround})
        super().__init__(*args, problem=problem, **kwargs)

    def submit(self, actor: Actor) -> str:
        actions.mark_known(actor=actor, problem=self.problem, workaround=self.cleaned_data["workaround"])
        return f"{self.problem.reference} is a known problem; its workaround is shown to raisers."


class FixForm(PageForm):
    title, button = "Fix", "Save fix"
    help = "A problem is resolved only once its fix is implemented."
    fix = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))
    implemented = forms.BooleanField(required=False, label="The fix is implemented")

    def __init__(self, *args: object, problem: Problem, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial", {"fix": problem.fix, "implemented": problem.fix_implemented_at is not None}
        )
        super().__init__(*args, problem=problem, **kwargs)

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        actions.record_fix(
            actor=actor, problem=self.problem, fix=data["fix"], implemented=data["implemented"]
        )
        return "Fix implemented: the problem can be resolved." if data["implemented"] else "Fix recorded."


class ResolveForm(PageForm):
    title, button = "Resolve", "Resolve problem"
    note = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA), label="Update (optional)")

    def submit(self, actor: Actor) -> str:
        actions.resolve_problem(actor=actor, problem=self.problem, note=self.cleaned_data["note"])
        return f"{self.problem.reference} is resolved; the linked incidents' raisers are told."


class ReopenForm(PageForm):
    title, button = "Reopen", "Reopen"
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        actions.reopen_problem(actor=actor, problem=self.problem, reason=self.cleaned_data["reason"])
        return f"{self.problem.reference} is being investigated again."


class CloseForm(PageForm):
    title, button = "Close", "Close problem"

    def submit(self, actor: Actor) -> str:
        actions.close_problem(actor=actor, problem=self.problem)
        return f"{self.problem.reference} is closed."


class CancelForm(PageForm):
    title, button, danger = "Cancel", "Cancel problem", True
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        actions.cancel_problem(actor=actor, problem=self.problem, reason=self.cleaned_data["reason"])
        return f"{self.problem.reference} is cancelled."


class PublishForm(PageForm):
    title, button = "Publish", "Save"
    published = forms.BooleanField(required=False, label="Service-affecting: show to every participant")

    def __init__(self, *args: object, problem: Problem, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"published": problem.is_published})
        super().__init__(*args, problem=problem, **kwargs)

    def submit(self, actor: Actor) -> str:
        published = self.cleaned_data["published"]
        actions.set_published(actor=actor, problem=self.problem, published=published)
        return "Published to every participant." if published else "No longer published."


class LinkForm(PageForm):
    title, button = "Link incidents", "Link"
    incidents = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="References, e.g. INC0000012, INC0000015"
    )

    def submit(self, actor: Actor) -> str:
        references = incident_references(self.cleaned_data["incidents"])
        linked = actions.link_incidents(actor=actor, problem=self.problem, incidents=references or ["(none)"])
        return f"Linked {', '.join(linked)} to {self.problem.reference}."


class UpdateForm(PageForm):
    title, button = "Add an update", "Add"
    body = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Update")
    internal = forms.BooleanField(required=False, label="Internal note (desk and owning provider only)")

    def submit(self, actor: Actor) -> str:
        internal = self.cleaned_data["internal"]
        actions.add_update(
            actor=actor, problem=self.problem, body=self.cleaned_data["body"], internal=internal
        )
        return "Internal note added." if internal else "Update added."


PAGE_FORMS: dict[str, type[PageForm]] = {
    "investigate": InvestigateForm,
    "root-cause": RootCauseForm,
    "known": KnownForm,
    "fix": FixForm,
    "resolve": ResolveForm,
    "reopen": ReopenForm,
    "close": CloseForm,
    "cancel": CancelForm,
    "publish": PublishForm,
    "link": LinkForm,
    "update": UpdateForm,
}
STATUS_VERBS = ["investigate", "known", "fix", "resolve", "reopen", "close", "cancel", "publish"]


class FilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), ("open", "Open"), *Status.choices]
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Any service"
    )
    known = forms.BooleanField(required=False, label="Known problems only")

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_visible_to(user).order_by("name")
