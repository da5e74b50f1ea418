"""Forms of the request pages: shape only; the rules live in the actions and the permissions."""

from __future__ import annotations

from typing import Any

from django import forms

from busbar.accounts.models import User
from busbar.lib.forms import ActionForm, MultipleFileField, files_for_action
from busbar.parties.models import PROVIDER_ROLES, Organisation
from busbar.requests import actions, lists
from busbar.requests.models import CatalogueItem, Request, RequestApproval, RequestStatus, RequestTask

TEXTAREA = {"rows": 3}


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(required=False)
    item = forms.ModelChoiceField(
        queryset=CatalogueItem.objects.none(), required=False, empty_label="Any item"
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), required=False, empty_label="Any organisation"
    )
    sort = forms.ChoiceField(required=False, choices=list(lists.SORT_LABELS.items()), label="Order")

    def __init__(self, *args: Any, desk: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), ("open", "Open"), *RequestStatus.choices]
        self.fields["item"].queryset = CatalogueItem.objects.filter(kind="request").order_by("name")
        if desk:
            self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).order_by(
                "name"
            )
        else:
            del self.fields["organisation"]

    def filters(self) -> lists.Filters:
        d = self.cleaned_data if self.is_bound else {}
        return lists.Filters(
            status=d.get("status") or "",
            item=d["item"].pk if d.get("item") else None,
            organisation=d["organisation"].pk if d.get("organisation") else None,
            sort=d.get("sort") or "-created",
        )


class _RequestForm(ActionForm):
    def __init__(self, *args: Any, request: Request, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request


class UpdateForm(_RequestForm):
    title = "Add an update"
    button = "Post update"
    body = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Update")
    attachments = MultipleFileField(label="Attach files")

    def submit(self, actor: Any) -> str:
        actions.add_update(
            actor=actor,
            request=self.request,
            body=self.cleaned_data["body"],
            attachments=files_for_action(self.cleaned_data["attachments"]),
        )
        return "Update posted."


class NoteForm(_RequestForm):
    title = "Add an internal note"
    button = "Add note"
    help = "Read only by the desk and the providers working the request."
    body = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Note")

    def submit(self, actor: Any) -> str:
        actions.add_note(actor=actor, request=self.request, body=self.cleaned_data["body"])
        return "Note added."


class CancelForm(_RequestForm):
    title = "Cancel the request"
    button = "Cancel request"
    danger = True
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False, label="Why")

    def submit(self, actor: Any) -> str:
        actions.cancel_request(actor=actor, request=self.request, reason=self.cleaned_data["reason"])
        return "Request cancelled."


class WaitForm(_RequestForm):
    title = "Ask the requester"
    button = "Ask and wait"
    help = "The fulfilment clock pauses until they answer."
    question = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))

    def submit(self, actor: Any) -> str:
        actions.wait_on_requester(actor=actor, request=self.request, question=self.cleaned_data["question"])
        return "The request waits on the requester."


class AnswerForm(_RequestForm):
    title = "Answer the desk"
    button = "Send answer"
    answer = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA))
    attachments = MultipleFileField(label="Attach files")

    def submit(self, actor: Any) -> str:
        actions.answer_request(
            actor=actor,
            request=self.request,
            answer=self.cleaned_data["answer"],
            attachments=files_for_action(self.cleaned_data["attachments"]),
        )
        return "Answer sent."


class CloseForm(_RequestForm):
    title = "Close the request"
    button = "Close"

    def submit(self, actor: Any) -> str:
        actions.close_request(actor=actor, request=self.request)
        return "Request closed."


class ReopenForm(_RequestForm):
    title = "Reopen the request"
    button = "Reopen"
    help = "If it is not what was asked for: say what is missing."
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="What is missing")

    def submit(self, actor: Any) -> str:
        actions.reopen_request(actor=actor, request=self.request, reason=self.cleaned_data["reason"])
        return "Request reopened."


# Approvals and tasks: each form names its approval or task in a field of its own --------------------------


class _ApprovalForm(_RequestForm):
    approval = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)

    def target(self) -> RequestApproval:
        found = self.request.approvals.filter(pk=self.cleaned_data["approval"]).first()
        if found is None:
            from busbar.lib.actions import ActionError

            raise ActionError("No such approval on this request", field="approval")
        return found


class ApproveForm(_ApprovalForm):
    title = "Approve"
    button = "Approve"
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False, label="Comment")

    def submit(self, actor: Any) -> str:
        actions.approve(actor=actor, approval=self.target(), reason=self.cleaned_data["reason"])
        return "Approved."


class RejectForm(_ApprovalForm):
    title = "Reject"
    button = "Reject"
    danger = True
    reason = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), label="Reason")

    def submit(self, actor: Any) -> str:
        actions.reject(actor=actor, approval=self.target(), reason=self.cleaned_data["reason"])
        return "Rejected."


class _TaskForm(_RequestForm):
    task = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)

    def target(self) -> RequestTask:
        found = self.request.tasks.filter(pk=self.cleaned_data["task"]).first()
        if found is None:
            from busbar.lib.actions import ActionError

            raise ActionError("No such task on this request", field="task")
        return found


class StartTaskForm(_TaskForm):
    title = "Start"
    button = "Start (take it)"

    def submit(self, actor: Any) -> str:
        actions.start_task(actor=actor, task=self.target())
        return "Task started."


class AssignTaskForm(_TaskForm):
    title = "Assign"
    button = "Assign"
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Nobody in person"
    )

    def __init__(self, *args: Any, task: RequestTask | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = task.organisation_id if task is not None else None
        if org is None and self.data.get(self.add_prefix("task")):
            from busbar.lib.forms import parse_id

            pk = parse_id(self.data.get(self.add_prefix("task")))
            org = (
                self.request.tasks.filter(pk=pk).values_list("organisation_id", flat=True).first()
                if pk
                else None
            )
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, memberships__is_active=True, memberships__organisation_id=org
        ).order_by("full_name", "email")

    def submit(self, actor: Any) -> str:
        actions.assign_task(actor=actor, task=self.target(), assignee=self.cleaned_data["assignee"])
        return "Task assigned."


class CompleteTaskForm(_TaskForm):
    title = "Complete"
    button = "Complete"
    note = forms.CharField(widget=forms.Textarea(attrs=TEXTAREA), required=False, label="What was done")

    def submit(self, actor: Any) -> str:
        actions.complete_task(actor=actor, task=self.target(), note=self.cleaned_data["note"])
        return "Task completed."


class ReassignTaskForm(_TaskForm):
    title = "Hand to another organisation"
    button = "Hand over"
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("task", None)
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from busbar.parties.models import OPERATOR_ROLES

        self.fields["organisation"].queryset = (
            Organisation.objects.filter(is_active=True)
            .filter(Q(roles__role__in=PROVIDER_ROLES) | Q(roles__role__in=OPERATOR_ROLES))
            .distinct()
            .order_by("name")
        )

    def submit(self, actor: Any) -> str:
        actions.reassign_task(actor=actor, task=self.target(), organisation=self.cleaned_data["organisation"])
        return "Task handed over."


#: verb → form on the request's page
REQUEST_FORMS = {
    "update": UpdateForm,
    "note": NoteForm,
    "cancel": CancelForm,
    "wait": WaitForm,
    "answer": AnswerForm,
    "close": CloseForm,
    "reopen": ReopenForm,
}
APPROVAL_FORMS = {"approve": ApproveForm, "reject": RejectForm}
TASK_FORMS = {
    "start": StartTaskForm,
    "assign": AssignTaskForm,
    "complete": CompleteTaskForm,
    "reassign": ReassignTaskForm,
}
PAGE_FORMS = {**REQUEST_FORMS, **APPROVAL_FORMS, **TASK_FORMS}
