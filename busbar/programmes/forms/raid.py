"""Forms of the RAID pages: shape only; the rules live in actions/raid.py, raid_import.py and permissions.

The item form is built for one type and labels its columns as the programme's RAID slides do (GV-20):
"Planned mitigating activities" and "Potential impact" for a risk, "Commentary" and "Assumption
uncertainty" for an assumption, the impacting and impacted milestones and "Manageable?" for a dependency.
"""

from __future__ import annotations

from django import forms

from busbar.lib.actions import Actor
from busbar.lib.forms import (
    ActionForm,
    MultipleFileField,
    files_for_action,
)
from busbar.lib.limits import text_max
from busbar.lib.tabular import MAX_BYTES
from busbar.parties.models import Organisation
from busbar.programmes.actions import raid as actions
from busbar.programmes.models import (
    RAG_LEGEND,
    Level,
    Manageable,
    Milestone,
    PlanPhase,
    RaidItem,
    RaidKind,
    RaidStatus,
)
from busbar.programmes.raid_import import KIND_FIELDS, owner_candidates
from busbar.programmes.raid_lists import SORT_NAMES

K = RaidKind
TEXTAREA = {"rows": 3}
SCORES = [("", "Not scored"), *[(str(n), str(n)) for n in range(1, 6)]]
#: The item column's label per type (the seed's headers).
TITLE_LABELS = {K.RISK: "Risk", K.ISSUE: "Issue", K.ASSUMPTION: "Assumption", K.DEPENDENCY: "Dependency"}
ACTIVITY_LABELS = {
    K.RISK: "Planned mitigating activities",
    K.ISSUE: "Planned resolving activities",
    K.ASSUMPTION: "Commentary",
    K.DEPENDENCY: "Planned activities",
}
IMPACT_LABELS = {K.RISK: "Potential impact", K.ISSUE: "Current impact"}
#: Columns shown for every type.
COMMON = (
    "item",
    "description",
    "theme",
    "phase",
    "activities",
    "external_ref",
    "likelihood",
    "impact_score",
)


def field_of(name: str) -> str:
    """An action's ``attachments[2]`` is the form's ``attachments``; its ``title`` the form's ``item``."""
    if name == "title":
        return "item"
    return "attachments" if name.startswith("attachments[") else name


def rag_choices(kind: str) -> list[tuple[str, str]]:
    """RAG choices labelled with the type's legend (GV-21)."""
    texts = RAG_LEGEND.get(kind, {})
    return [("", "Not rated")] + [
        (rag, f"{rag.capitalize()} — {texts[rag]}" if rag in texts else rag.capitalize())
        for rag in ("red", "amber", "green")
    ]


def _score(value: str) -> int | None:
    return int(value) if value else None


class FilterForm(forms.Form):
    """The log's filters (GET), shown for the person to change; the list reads them with
    :func:`busbar.programmes.raid_lists.parse_filters` (an invalid value is ignored)."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    kind = forms.ChoiceField(required=False, label="Type", choices=[("", "Every type"), *K.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *RaidStatus.choices])
    phase = forms.ChoiceField(required=False)
    theme = forms.ChoiceField(required=False)
    owner = forms.ChoiceField(required=False)
    rag = forms.ChoiceField(
        required=False,
        label="RAG",
        choices=[
            ("", "Any RAG"),
            ("red", "Red"),
            ("amber", "Amber"),
            ("green", "Green"),
            ("none", "Not rated"),
        ],
    )
    public = forms.ChoiceField(
        required=False,
        label="Visibility",
        choices=[("", "Public or private"), ("yes", "Public"), ("no", "Private")],
    )
    min_exposure = forms.TypedChoiceField(
        required=False,
        label="Exposure at least",
        choices=[("", "Any exposure"), *[(str(n), str(n)) for n in (4, 6, 8, 10, 12, 15, 20, 25)]],
    )
    sort = forms.ChoiceField(required=False, choices=[("", "Ref"), *[(s, s) for s in SORT_NAMES]])

    def __init__(
        self, *args: object, phases: list, owners: list, themes: list[str], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = [
            ("", "Every phase"),
            *[(p.code, p.name) for p in phases],
            ("none", "No phase"),
        ]
        self.fields["owner"].choices = [("", "Any owner"), *[(str(o.pk), o.name) for o in owners]]
        self.fields["theme"].choices = [("", "Any theme"), *[(t, t) for t in themes]]


class ItemColumns(forms.Form):
    """The columns of a RAID item of one type (:meth:`shape` keeps only that type's)."""

    #: The item itself (its title; "item" so as not to clash with a form's own heading).
    item = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    theme = forms.CharField(
        required=False, max_length=80, help_text="e.g. Duration of Testing, Data, Resources (GV-22)"
    )
    phase = forms.ModelChoiceField(queryset=PlanPhase.objects.none(), required=False, empty_label="No phase")
    activities = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    impact_text = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    impact_level = forms.ChoiceField(required=False, choices=Level.choices, label="Impact")
    uncertainty = forms.ChoiceField(required=False, choices=Level.choices, label="Assumption uncertainty")
    manageable = forms.ChoiceField(required=False, choices=Manageable.choices, label="Manageable?")
    impacting_milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(),
        required=False,
        empty_label="No milestone",
        label="Impacting milestone",
    )
    impacting_activity = forms.CharField(required=False, max_length=300, label="Impacting activity")
    impacted_milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(),
        required=False,
        empty_label="No milestone",
        label="Impacted milestone",
    )
    impacted_activity = forms.CharField(required=False, max_length=300, label="Impacted activity")
    external_ref = forms.CharField(
        required=False, max_length=80, label="External reference", help_text="e.g. REC CP R0044, SEC MP162"
    )
    likelihood = forms.TypedChoiceField(
        required=False,
        choices=SCORES,
        coerce=int,
        empty_value=None,
        help_text="1 (rare) … 5 (almost certain)",
    )
    impact_score = forms.TypedChoiceField(
        required=False,
        choices=SCORES,
        coerce=int,
        empty_value=None,
        label="Impact score",
        help_text="1 (minimal) … 5 (severe); exposure = likelihood × impact",
    )
    rag = forms.ChoiceField(required=False, label="RAG")
    owner_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="No organisation", label="Owner"
    )
    owner_label = forms.CharField(
        required=False, max_length=200, label="Owner as written", help_text="e.g. Programme (PMO/PPC)"
    )
    is_public = forms.BooleanField(
        required=False,
        label="Public: every participant of the programme reads it",
        help_text="Private items are read by the programme office, assurers and the owner only (GV-23)",
    )
    raised_on = forms.DateField(
        required=False,
        label="Raised",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Today if empty",
    )

    @staticmethod
    def initial_of(item: RaidItem) -> dict:
        initial = {name: getattr(item, name) for name in ItemColumns.base_fields if name != "item"}
        initial["item"] = item.title
        for name in ("phase", "impacting_milestone", "impacted_milestone", "owner_organisation"):
            initial[name] = getattr(item, f"{name}_id")
        for name in ("likelihood", "impact_score"):
            initial[name] = "" if initial[name] is None else str(initial[name])
        return initial

    def shape(self, programme, kind: str) -> None:
        """Keep the columns of ``kind``, labelled as the seed's slides label them."""
        self.programme, self.kind = programme, kind
        for name in ("description", "activities", "impact_text"):
            self.fields[name].max_length = text_max()
        shown = set(COMMON) | {"rag", "owner_organisation", "owner_label", "is_public", "raised_on"}
        shown |= {name for name, kinds in KIND_FIELDS.items() if kind in kinds}
        if kind in IMPACT_LABELS:
            shown.add("impact_text")
        for name in [n for n in ItemColumns.base_fields if n not in shown]:
            del self.fields[name]
        self.fields["item"].label = TITLE_LABELS[kind]
        self.fields["activities"].label = ACTIVITY_LABELS[kind]
        if "impact_text" in self.fields:
            self.fields["impact_text"].label = IMPACT_LABELS[kind]
        self.fields["rag"].choices = rag_choices(kind)
        self.fields["theme"].widget.attrs["list"] = "raid-themes"
        self.fields["phase"].queryset = PlanPhase.objects.filter(programme=programme).order_by("order", "id")
        for name in ("impacting_milestone", "impacted_milestone"):
            if name in self.fields:
                self.fields[name].queryset = Milestone.objects.filter(programme=programme).order_by(
                    "order", "id"
                )
        self.fields["owner_organisation"].queryset = owner_candidates(programme.pk).order_by("name")

    def item_fields(self, item: RaidItem | None) -> dict:
        """The cleaned columns as the actions take them."""
        data = {name: value for name, value in self.cleaned_data.items() if name in ItemColumns.base_fields}
        data["title"] = data.pop("item")
        if data.get("raised_on") is None:
            data.pop("raised_on", None)
        return data


class ItemForm(ItemColumns):
    """Raise a RAID item of ``kind``: only that type's columns are shown."""

    def __init__(self, *args: object, programme, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.shape(programme, kind)

    def submit(self, actor: Actor) -> RaidItem:
        return actions.raise_item(
            actor=actor, programme=self.programme, kind=self.kind, **self.item_fields(None)
        )


# -- the item page's forms -----------------------------------------------------------------------------


class PageForm(ActionForm):
    """A form of the item page acting on ``item``."""

    def __init__(self, *args: object, item: RaidItem, **kwargs: object) -> None:
        self.item = item
        super().__init__(*args, **kwargs)


class EditForm(PageForm, ItemColumns):
    """The item's columns, on its page (the office)."""

    title, button = "Edit the item", "Save changes"
    help = "Every change is journalled; a new owner organisation is told."

    def __init__(self, *args: object, item: RaidItem, **kwargs: object) -> None:
        kwargs.setdefault("initial", ItemColumns.initial_of(item))
        super().__init__(*args, item=item, **kwargs)
        self.shape(item.programme, item.kind)

    def submit(self, actor: Actor) -> str:
        actions.edit_item(actor=actor, item=self.item, **self.item_fields(self.item))
        return f"{self.item.display_ref} saved."


class UpdateForm(PageForm):
    title, button = "Add an update", "Post update"
    help = "Progress on the item; the planned activities may be rewritten at the same time."
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Update")
    activities = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    internal = forms.BooleanField(
        required=False, label="Internal note (the programme office, assurers and the owner only)"
    )
    attachments = MultipleFileField()

    def __init__(self, *args: object, item: RaidItem, **kwargs: object) -> None:
        kwargs.setdefault("initial", {"activities": item.activities})
        super().__init__(*args, item=item, **kwargs)
        self.fields["body"].max_length = text_max()
        self.fields["activities"].max_length = text_max()
        self.fields["activities"].label = ACTIVITY_LABELS[item.kind]

    def submit(self, actor: Actor) -> str:
        data = self.cleaned_data
        activities = data["activities"]
        actions.add_update(
            actor=actor,
            item=self.item,
            body=data["body"],
            activities=activities if activities.strip() != self.item.activities.strip() else None,
            internal=data["internal"],
            attachments=files_for_action(data.get("attachments") or []),
        )
        return "Note added." if data["internal"] else "Update posted."


class CloseForm(PageForm):
    title, button, danger = "Close the item", "Close", True
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        actions.close_item(actor=actor, item=self.item, reason=self.cleaned_data["reason"])
        return f"{self.item.display_ref} closed."


class ReopenForm(PageForm):
    title, button = "Reopen the item", "Reopen"
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def submit(self, actor: Actor) -> str:
        actions.reopen_item(actor=actor, item=self.item, reason=self.cleaned_data["reason"])
        return f"{self.item.display_ref} reopened."


class ConvertForm(PageForm):
    title, button = "Convert into an issue", "Convert"
    help = (
        "The risk has happened: a new issue carries its columns and stays linked to it; the risk is kept, "
        "marked converted (GV-25)."
    )
    impact_text = forms.CharField(
        required=False, widget=forms.Textarea(attrs=TEXTAREA), label="Current impact (the risk's if empty)"
    )

    def submit(self, actor: Actor) -> str:
        issue = actions.convert_to_issue(
            actor=actor, item=self.item, impact_text=self.cleaned_data["impact_text"]
        )
        self.created = issue
        return f"{self.item.display_ref} converted into the issue {issue.display_ref}."


class VisibilityForm(PageForm):
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Reason (optional)"
    )

    def __init__(self, *args: object, item: RaidItem, **kwargs: object) -> None:
        super().__init__(*args, item=item, **kwargs)
        if item.is_public:
            self.title, self.button = "Make private", "Make private"
            self.help = "Then only the programme office, assurers and the owner read it."
        else:
            self.title, self.button = "Make public", "Make public"
            self.help = "Then every participant of the programme reads it (GV-23)."

    def submit(self, actor: Actor) -> str:
        item = actions.set_public(
            actor=actor, item=self.item, is_public=not self.item.is_public, reason=self.cleaned_data["reason"]
        )
        return f"{item.display_ref} is now {'public' if item.is_public else 'private'}."


PAGE_FORMS: dict[str, type[PageForm]] = {
    "update": UpdateForm,
    "edit": EditForm,
    "visibility": VisibilityForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "convert": ConvertForm,
}
#: The status panels, in the order the page shows them.
STATUS_VERBS = ("visibility", "close", "reopen", "convert")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="RAID spreadsheet (CSV or XLSX)",
        help_text=f"First row: the column names. At most {MAX_BYTES // (1024 * 1024)} MB.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
        return upload
