"""Forms of the demand pages: shape only; the rules live in the actions and permissions."""

from __future__ import annotations

from typing import Any

from django import forms

from busbar.demand import actions, permissions, steps
from busbar.demand.models import Compliance, DemandReason, DemandStatus
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import ActionForm
from busbar.lib.limits import SHORT_TEXT, text_max
from busbar.parties.models import Organisation
from busbar.services.models import Service

#: Line rows on the filing form (works without JavaScript: empty rows are ignored).
LINE_ROWS = 5
DATE = forms.DateInput(attrs={"type": "date"})


def _volume(label: str) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=0, max_value=steps.MAX_DAILY, label=label)


def _services() -> Any:
    return Service.objects.filter(is_active=True).order_by("name")


class NoticeFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), ("open", "Open"), *DemandStatus.choices]
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Any service"
    )
    above = forms.ChoiceField(
        required=False,
        label="Tolerance",
        choices=[("", "Any"), ("yes", "Above tolerance"), ("no", "Within tolerance")],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = _services()


class NoticeForm(forms.Form):
    """File a notice (``notice`` None) or change one. Lines are rows ``line_<i>_service`` / ``_normal`` /
    ``_expected``; a row with no service and no volumes is left out."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Filed for")
    title = forms.CharField(max_length=SHORT_TEXT)
    reason = forms.ChoiceField(choices=DemandReason.choices)
    starts_on = forms.DateField(widget=DATE, label="First day")
    ends_on = forms.DateField(widget=DATE, label="Last day")
    description = forms.CharField(
        required=False,
        max_length=text_max(),
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What is happening",
    )

    def __init__(self, *args: Any, scope: Any, notice: Any = None, **kwargs: Any) -> None:
        self.scope, self.notice = scope, notice
        existing = list(notice.lines.select_related("service").order_by("id")) if notice is not None else []
        self.rows = min(steps.MAX_LINES, max(LINE_ROWS, len(existing) + 1))
        if notice is not None and "initial" not in kwargs:
            initial = {
                "title": notice.title,
                "reason": notice.reason,
                "starts_on": notice.starts_on,
                "ends_on": notice.ends_on,
                "description": notice.description,
            }
            for i, ln in enumerate(existing):
                initial.update(
                    {
                        f"line_{i}_service": ln.service_id,
                        f"line_{i}_normal": ln.normal_per_day,
                        f"line_{i}_expected": ln.expected_per_day,
                    }
                )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if notice is not None:
            del self.fields["organisation"]
        else:
            filing = permissions.filing_ids(scope)
            qs = Organisation.objects.filter(is_active=True).order_by("name")
            if scope.is_desk:
                from busbar.parties.models import PROVIDER_ROLES, IndustryRole

                roles = [IndustryRole.ENERGY_SUPPLIER, *PROVIDER_ROLES]
                qs = qs.filter(roles__role__in=roles).distinct()
            else:
                qs = qs.filter(pk__in=filing)
            self.fields["organisation"].queryset = qs
            mine = [pk for pk in filing]
            if len(mine) == 1:
                self.fields["organisation"].initial = mine[0]
        for i in range(self.rows):
            self.fields[f"line_{i}_service"] = forms.ModelChoiceField(
                queryset=_services(), required=False, label=f"Service {i + 1}", empty_label="—"
            )
            self.fields[f"line_{i}_normal"] = _volume(f"Normal a day {i + 1}")
            self.fields[f"line_{i}_expected"] = _volume(f"Expected a day {i + 1}")

    def line_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"line_{i}_service"], self[f"line_{i}_normal"], self[f"line_{i}_expected"])
            for i in range(self.rows)
        ]

    def header_fields(self) -> list[Any]:
        return [
            self[name]
            for name in ("organisation", "title", "reason", "starts_on", "ends_on", "description")
            if name in self.fields
        ]

    def _lines(self) -> tuple[list[dict], list[int]]:
        d = self.cleaned_data
        lines, rows = [], []
        for i in range(self.rows):
            service, normal, expected = (
                d.get(f"line_{i}_service"),
                d.get(f"line_{i}_normal"),
                d.get(f"line_{i}_expected"),
            )
            if service is None and normal is None and expected is None:
                continue
            if service is None:
                raise ActionError("Choose the service", field=f"line_{i}_service")
            lines.append({"service": service, "normal_per_day": normal, "expected_per_day": expected})
            rows.append(i)
        if not lines:
            raise ActionError("Name at least one service and its expected volume", field="line_0_service")
        return lines, rows

    def field_of(self, name: str, rows: list[int]) -> str | None:
        """The form field for an action's field (``lines[1].expected_per_day`` → ``line_3_expected``)."""
        if name.startswith("lines[") and "]" in name:
            index, _, rest = name[6:].partition("]")
            i = rows[int(index)] if index.isdigit() and int(index) < len(rows) else 0
            part = {"service": "service", "normal_per_day": "normal", "expected_per_day": "expected"}.get(
                rest.lstrip("."), "service"
            )
            return f"line_{i}_{part}"
        if name == "lines":
            return "line_0_service"
        return name if name in self.fields else None

    def submit(self, actor: Actor) -> Any:
        d = self.cleaned_data
        rows: list[int] = []
        try:
            lines, rows = self._lines()
            common = {
                "title": d["title"],
                "reason": d["reason"],
                "starts_on": d["starts_on"],
                "ends_on": d["ends_on"],
                "description": d.get("description", ""),
                "lines": lines,
            }
            if self.notice is None:
                return actions.file_notice(actor=actor, organisation=d["organisation"], **common)
            return actions.update_notice(actor=actor, notice=self.notice, fields=common)
        except ActionError as exc:
            if exc.field:
                exc.field = self.field_of(exc.field, rows)
            raise


# The notice page's forms ----------------------------------------------------------------------------


class NoticePageForm(ActionForm):
    def __init__(self, *args: Any, notice: Any, **kwargs: Any) -> None:
        self.notice = notice
        super().__init__(*args, **kwargs)


def _text(label: str, *, required: bool = True, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=text_max(),
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AnalyseForm(NoticePageForm):
    title, button = "Analysis", "Save the analysis"
    help = "Shared with the filer. A filed notice goes under analysis."
    analysis = _text("Analysis", rows=5)

    def __init__(self, *args: Any, notice: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"analysis": notice.analysis})
        super().__init__(*args, notice=notice, **kwargs)

    def submit(self, actor: Actor) -> str:
        actions.start_analysis(actor=actor, notice=self.notice, analysis=self.cleaned_data["analysis"])
        return "Analysis saved."


class NotifyForm(NoticePageForm):
    title, button = "Notify the providers", "Send the bulletin"
    help = "Every resolver of each provider of the services on the notice is told of its own services' lines."
    note = _text("Note for the providers", required=False, rows=2)

    def submit(self, actor: Actor) -> str:
        actions.notify_providers(actor=actor, notice=self.notice, note=self.cleaned_data["note"])
        return "Bulletin sent to the affected providers."


class MitigationForm(NoticePageForm):
    title, button = "Request mitigation", "Request mitigation"
    text = _text("What the filer is asked to do", help_text="e.g. spread the campaign over 10 days")

    def submit(self, actor: Actor) -> str:
        actions.request_mitigation(actor=actor, notice=self.notice, text=self.cleaned_data["text"])
        return "Mitigation requested: the filer has been told."


class RespondForm(NoticePageForm):
    title, button = "Respond to the mitigation request", "Send the response"
    response = _text("What you will do")

    def submit(self, actor: Actor) -> str:
        actions.respond(actor=actor, notice=self.notice, response=self.cleaned_data["response"])
        return "Response sent to the service desk."


class ComplianceForm(NoticePageForm):
    title, button = "Record compliance", "Record"
    compliance = forms.ChoiceField(choices=[c for c in Compliance.choices if c[0]])
    note = _text("Note", required=False, rows=2)

    def submit(self, actor: Actor) -> str:
        d = self.cleaned_data
        actions.record_compliance(actor=actor, notice=self.notice, compliance=d["compliance"], note=d["note"])
        return "Compliance recorded."


class CloseForm(NoticePageForm):
    title, button = "Close the notice", "Close"
    note = _text("Note", required=False, rows=2)

    def submit(self, actor: Actor) -> str:
        actions.close_notice(actor=actor, notice=self.notice, note=self.cleaned_data["note"])
        return "Notice closed."


class ReopenForm(NoticePageForm):
    title, button = "Reopen", "Reopen"
    note = _text("Why", rows=2)

    def submit(self, actor: Actor) -> str:
        actions.reopen_notice(actor=actor, notice=self.notice, note=self.cleaned_data["note"])
        return "Notice reopened: it is under analysis again."


class WithdrawForm(NoticePageForm):
    title, button, danger = "Withdraw the notice", "Withdraw", True
    note = _text("Why", required=False, rows=2)

    def submit(self, actor: Actor) -> str:
        actions.withdraw_notice(actor=actor, notice=self.notice, note=self.cleaned_data["note"])
        return "Notice withdrawn."


class UpdateForm(NoticePageForm):
    title, button = "Add an update", "Post update"
    body = _text("Update")

    def submit(self, actor: Actor) -> str:
        actions.add_update(actor=actor, notice=self.notice, body=self.cleaned_data["body"])
        return "Update posted."


class NoteForm(NoticePageForm):
    title, button = "Internal note", "Add note"
    help = "Only the service desk reads internal notes."
    body = _text("Note")

    def submit(self, actor: Actor) -> str:
        actions.add_note(actor=actor, notice=self.notice, body=self.cleaned_data["body"])
        return "Note added."


PAGE_FORMS: dict[str, type[NoticePageForm]] = {
    "analyse": AnalyseForm,
    "notify": NotifyForm,
    "mitigation": MitigationForm,
    "respond": RespondForm,
    "compliance": ComplianceForm,
    "close": CloseForm,
    "reopen": ReopenForm,
    "withdraw": WithdrawForm,
    "update": UpdateForm,
    "note": NoteForm,
}


class ToleranceForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    effective_from = forms.DateField(widget=DATE, label="In force from")
    tolerance_percent = forms.IntegerField(
        min_value=0, max_value=steps.MAX_PERCENT, label="Tolerance above the filer's normal (%)"
    )
    max_daily_volume = forms.IntegerField(
        min_value=0,
        max_value=steps.MAX_DAILY,
        initial=0,
        required=False,
        label="Absolute cap a day (0: none)",
    )
    normal_daily_volume = forms.IntegerField(
        min_value=0, max_value=steps.MAX_DAILY, initial=0, required=False, label="Industry normal a day"
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = _services()

    def submit(self, actor: Actor) -> Any:
        d = self.cleaned_data
        return actions.set_tolerance(
            actor=actor,
            service=d["service"],
            effective_from=d["effective_from"],
            tolerance_percent=d["tolerance_percent"],
            max_daily_volume=d.get("max_daily_volume") or 0,
            normal_daily_volume=d.get("normal_daily_volume") or 0,
            note=d.get("note", ""),
        )


class TrendForm(forms.Form):
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="Busiest services"
    )
    weeks = forms.IntegerField(required=False, min_value=4, max_value=104, initial=26)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.order_by("name")
