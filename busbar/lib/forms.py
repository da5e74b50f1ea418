"""Helpers shared by forms."""

from __future__ import annotations

import re

from django import forms

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
