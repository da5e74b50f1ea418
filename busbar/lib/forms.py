"""Helpers shared by forms."""

from __future__ import annotations

from django import forms

from busbar.lib.actions import ActionError


def add_action_error(form: forms.Form, exc: ActionError) -> None:
    """Show an action's refusal on the field it names, or on the form as a whole."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)
