"""Helpers shared by forms."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings

from busbar.lib.actions import ActionError


def add_action_error(form: forms.Form, exc: ActionError) -> None:
    """Show an action's refusal on the field it names, or on the form as a whole."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """A database id from user input (query string, form, JSON), or None when it is not one.

    Only ASCII digits count (``"²".isdigit()`` is true, ``int("²")`` fails) and the value must fit a 64-bit
    key, so hostile input never reaches the database as an overflow.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,19}", value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of records by id that refuses anything but an id (:func:`parse_id`) before the
    database sees it: a 23-digit number is a form error, never an overflow."""

    def _check_values(self, value):
        for pk in value or ():
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:40]},
                )
        return super()._check_values(value)


class ActionForm(forms.Form):
    """A form of a record's page that makes one change: its heading, button and help as shown, and the one
    action its :meth:`submit` calls (which refuses with :class:`ActionError`). Each record type's page
    forms derive from it, adding the record they act on."""

    title = ""
    button = "Save"
    danger = False
    help = ""

    def submit(self, actor: object) -> str:
        """Call the action with the cleaned data; return what to tell the person. Raises ActionError."""
        raise NotImplementedError


def run_action_form(form: ActionForm, actor: object, *, field_of=None) -> tuple[str | None, int]:
    """Validate ``form`` and run its action: ``(message, 200)`` when done; ``(None, status)`` when the
    input is invalid (422) or the action refused (its status, 403 for a refusal of who), the form then
    carrying the errors and nothing written. ``field_of(name)`` maps an action's field (``roles[2]``) to
    the form's."""
    if not form.is_valid():
        return None, 422
    try:
        return form.submit(actor), 200
    except ActionError as exc:
        if field_of is not None and exc.field:
            exc.field = field_of(exc.field)
        add_action_error(form, exc)
        from busbar.lib.actions import NotPermitted

        return None, 403 if isinstance(exc, NotPermitted) else exc.status


def form_errors(form: forms.Form) -> list[str]:
    """The form's errors as sentences (its own first, else the fields'): shown as messages when the form
    itself is no longer offered on the page."""
    return list(form.non_field_errors()) or [e for errors in form.errors.values() for e in errors]


class _PrimedIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.primed:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.primed) + (self.field.empty_label is not None)


class PrimedModelChoiceField(forms.ModelChoiceField):
    """A model choice whose options come from objects already read (one read shared by every form on a
    page that offers the same list). A submitted value is still checked against ``queryset``."""

    iterator = _PrimedIterator

    def prime(self, queryset: object, objects: list) -> None:
        self.queryset = queryset
        self.primed = objects
        self.widget.choices = self.choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (Django's recipe for ``<input type=file multiple>``); optional unless
    ``required=True``; cleans to a list of uploaded files."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def files_for_action(files: list, field: str = "attachments") -> list[tuple[str, str, bytes]]:
    """Uploaded files as the (filename, content type, bytes) the actions take. Each file's size is checked
    before it is read into memory; too large a file is refused with the action's own error
    (``<field>[i]``), which the views show on the form like any other refusal."""
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    out = []
    for index, f in enumerate(files):
        if f.size > max_bytes:
            raise ActionError(
                f"{f.name} is {f.size:,} bytes; the limit is {max_bytes:,}", field=f"{field}[{index}]"
            )
        out.append((f.name, f.content_type or "application/octet-stream", f.read()))
    return out
