"""The form of a catalogue item: one rule set for the raise page, the API and email intake.

An item's questions are data (:class:`~busbar.requests.models.ItemField`); :func:`clean_answers` checks
submitted values against them on the server (strings from a form, typed JSON from the API) and returns
the answers as a request keeps them (JSON-safe: dates as ISO strings, numbers int/float, organisations,
services and people by id; a file field's uploaded file, for the action to attach). :func:`django_form`
builds the raise page's form, whose validation is :func:`clean_answers` itself; :func:`schema` describes
the questions to API clients. :func:`check_options` is what the catalogue actions hold an operator's
field definitions to.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.forms.utils import ErrorDict
from django.utils import timezone

from busbar.lib.actions import ActionError
from busbar.lib.forms import parse_id
from busbar.lib.limits import EARLIEST_DATE, LATEST_DATE
from busbar.parties.actions import OPERATOR_ONLY_ROLES
from busbar.parties.models import IndustryRole, Membership, MembershipRole, Organisation
from busbar.parties.permissions import can_offer_role
from busbar.parties.queries import scope_for
from busbar.requests.models import FieldKind

#: The longest answer to a one-line and to a paragraphs question, whatever the item says.
TEXT_MAX = 2000
TEXTAREA_MAX = 10_000
#: The largest number (either sign) a number question takes.
NUMBER_LIMIT = 10**12
#: How far before or after the day it is raised a date question may reach (days).
DAYS_LIMIT = 3650
#: The most choices a choice question offers, and the longest choice.
CHOICES_MAX = 100
CHOICE_MAX = 200
PATTERN_MAX = 300
MESSAGE_MAX = 200
EXTENSIONS_MAX = 20
_EXTENSION_RE = re.compile(r"[a-z0-9]{1,10}")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")

#: The options each kind of question takes (anything else is refused when the fields are set).
OPTION_KEYS: dict[str, frozenset[str]] = {
    FieldKind.TEXT: frozenset({"min_length", "max_length", "pattern", "pattern_message"}),
    FieldKind.TEXTAREA: frozenset({"min_length", "max_length", "pattern", "pattern_message"}),
    FieldKind.CHOICE: frozenset({"choices"}),
    FieldKind.DATE: frozenset({"not_before_days", "not_after_days"}),
    FieldKind.NUMBER: frozenset({"min", "max", "integer"}),
    FieldKind.EMAIL: frozenset(),
    FieldKind.ORGANISATION: frozenset({"industry_roles"}),
    FieldKind.SERVICE: frozenset(),
    FieldKind.PERSON: frozenset(),
    FieldKind.ROLE: frozenset(),
    FieldKind.FILE: frozenset({"extensions"}),
}


# --- The roles a request may ask for ----------------------------------------------------------------------


def requestable_roles() -> list[str]:
    """Roles a catalogue request may ask for: never the operator's own (analyst, operations manager,
    platform administrator: :data:`busbar.parties.actions.OPERATOR_ONLY_ROLES`)."""
    return [r for r in MembershipRole.values if r not in OPERATOR_ONLY_ROLES]


def role_choices(organisation: Organisation | None, user: Any) -> list[tuple[str, str]]:
    """The roles ``user`` may ask for in ``organisation``: the requestable roles the parties rules let
    them offer (:func:`busbar.parties.permissions.can_offer_role`), resolver only for a provider."""
    scope = scope_for(user)
    out = []
    for role in requestable_roles():
        if can_offer_role(scope, role) is not None:
            continue
        if role == MembershipRole.RESOLVER and organisation is not None and not organisation.is_provider:
            continue
        out.append((role, MembershipRole(role).label))
    return out


# --- Checking answers ------------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def _text(field: Any, value: Any, limit: int) -> str:
    label, opts = field.label, field.options or {}
    if not isinstance(value, str):
        raise ActionError(f"{label}: give text", field=field.key)
    text = value.replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise ActionError(f"{label} contains a NUL character", field=field.key)
    if field.kind == FieldKind.TEXT and "\n" in text:
        raise ActionError(f"{label} is one line of text", field=field.key)
    most = min(int(opts.get("max_length") or limit), limit)
    least = int(opts.get("min_length") or 0)
    if len(text) > most:
        raise ActionError(f"{label} is {len(text):,} characters; the limit is {most:,}", field=field.key)
    if len(text) < least:
        raise ActionError(f"{label} needs at least {least:,} characters", field=field.key)
    pattern = opts.get("pattern")
    if pattern and re.fullmatch(pattern, text) is None:
        message = opts.get("pattern_message") or "is not in the expected form"
        raise ActionError(f"{label}: {message}", field=field.key)
    return text


def _choice(field: Any, value: Any) -> str:
    choices = [str(c) for c in (field.options or {}).get("choices") or []]
    if not isinstance(value, str) or value not in choices:
        shown = ", ".join(choices[:10]) + ("…" if len(choices) > 10 else "")
        raise ActionError(f"{field.label}: choose one of {shown}", field=field.key)
    return value


def parse_day(value: Any) -> dt.date | None:
    """A day from a date, or an ISO (2027-06-30) or UK (30/06/2027) string; None if it is none."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or len(value) > 20:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _date(field: Any, value: Any, today: dt.date) -> str:
    label, opts = field.label, field.options or {}
    day = parse_day(value)
    if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ActionError(f"{label}: give a date such as {today:%Y-%m-%d}", field=field.key)
    before = opts.get("not_before_days")
    if before is not None and day < today + dt.timedelta(days=int(before)):
        earliest = today + dt.timedelta(days=int(before))
        raise ActionError(f"{label} cannot be before {earliest.day} {earliest:%B %Y}", field=field.key)
    after = opts.get("not_after_days")
    if after is not None and day > today + dt.timedelta(days=int(after)):
        latest = today + dt.timedelta(days=int(after))
        raise ActionError(f"{label} cannot be after {latest.day} {latest:%B %Y}", field=field.key)
    return day.isoformat()


def _number(field: Any, value: Any) -> int | float:
    label, opts = field.label, field.options or {}
    if isinstance(value, bool):
        raise ActionError(f"{label}: give a number", field=field.key)
    if isinstance(value, int | float):
        number = Decimal(str(value)) if not (isinstance(value, float) and not math.isfinite(value)) else None
    elif isinstance(value, str) and len(value.strip()) <= 40:
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            number = None
    else:
        number = None
    if number is None or not number.is_finite():
        raise ActionError(f"{label}: give a number", field=field.key)
    if abs(number) > NUMBER_LIMIT:
        raise ActionError(f"{label} must be between -{NUMBER_LIMIT:,} and {NUMBER_LIMIT:,}", field=field.key)
    whole = number == number.to_integral_value()
    if opts.get("integer") and not whole:
        raise ActionError(f"{label} must be a whole number", field=field.key)
    least, most = opts.get("min"), opts.get("max")
    if least is not None and number < Decimal(str(least)):
        raise ActionError(f"{label} must be at least {least}", field=field.key)
    if most is not None and number > Decimal(str(most)):
        raise ActionError(f"{label} must be at most {most}", field=field.key)
    return int(number) if whole else float(number)


def _email(field: Any, value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 254:
        raise ActionError(f"{field.label}: give an email address (at most 254 characters)", field=field.key)
    try:
        validate_email(text)
    except ValidationError:
        raise ActionError(f"{field.label}: {text[:60]!r} is not an email address", field=field.key) from None
    return text


def _id(field: Any, value: Any, what: str) -> int:
    pk = parse_id(value)
    if pk is None:
        raise ActionError(f"{field.label}: choose {what}", field=field.key)
    return pk


def _organisation(field: Any, value: Any) -> int:
    pk = _id(field, value, "an organisation")
    qs = Organisation.objects.filter(pk=pk, is_active=True)
    roles = (field.options or {}).get("industry_roles") or []
    if roles:
        qs = qs.filter(roles__role__in=roles)
    if not qs.exists():
        raise ActionError(f"{field.label}: no such organisation may be chosen here", field=field.key)
    return pk


def _service(field: Any, value: Any) -> int:
    from busbar.services.models import Service

    pk = _id(field, value, "a service")
    if not Service.objects.filter(pk=pk, is_active=True).exists():
        raise ActionError(f"{field.label}: no such service", field=field.key)
    return pk


def _person(field: Any, value: Any, organisation: Organisation | None) -> int:
    pk = _id(field, value, "a person")
    found = organisation is not None and (
        Membership.objects.filter(
            user_id=pk, organisation=organisation, is_active=True, user__is_active=True
        ).exists()
    )
    if not found:
        raise ActionError(f"{field.label}: choose a person of {organisation}", field=field.key)
    return pk


def _role(field: Any, value: Any, organisation: Organisation | None, user: Any) -> str:
    allowed = dict(role_choices(organisation, user))
    if not isinstance(value, str) or value not in allowed:
        shown = ", ".join(allowed) or "none"
        raise ActionError(f"{field.label}: choose one of {shown}", field=field.key)
    return value


def _file(field: Any, value: Any) -> Any:
    label = field.label
    if not hasattr(value, "size") or not hasattr(value, "name"):
        raise ActionError(f"{label}: upload a file", field=field.key)
    extensions = [e.lower() for e in (field.options or {}).get("extensions") or []]
    name = str(value.name or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extensions and extension not in extensions:
        raise ActionError(f"{label}: the file must be one of .{', .'.join(extensions)}", field=field.key)
    max_bytes = settings.BUSBAR_ATTACHMENT_MAX_BYTES
    if value.size > max_bytes:
        raise ActionError(
            f"{label}: the file is {value.size:,} bytes; the limit is {max_bytes:,}", field=field.key
        )
    return value


def _clean_one(field: Any, value: Any, *, organisation: Any, user: Any, today: dt.date) -> Any:
    kind = field.kind
    if kind == FieldKind.TEXT:
        return _text(field, value, TEXT_MAX)
    if kind == FieldKind.TEXTAREA:
        return _text(field, value, TEXTAREA_MAX)
    if kind == FieldKind.CHOICE:
        return _choice(field, value)
    if kind == FieldKind.DATE:
        return _date(field, value, today)
    if kind == FieldKind.NUMBER:
        return _number(field, value)
    if kind == FieldKind.EMAIL:
        return _email(field, value)
    if kind == FieldKind.ORGANISATION:
        return _organisation(field, value)
    if kind == FieldKind.SERVICE:
        return _service(field, value)
    if kind == FieldKind.PERSON:
        return _person(field, value, organisation)
    if kind == FieldKind.ROLE:
        return _role(field, value, organisation, user)
    if kind == FieldKind.FILE:
        return _file(field, value)
    raise ActionError(f"{field.label}: the catalogue gives it an unknown kind {kind!r}", field=field.key)


def _fields_of(item: Any) -> list:
    cache = getattr(item, "_prefetched_objects_cache", {})
    return list(cache["fields"]) if "fields" in cache else list(item.fields.order_by("order", "id"))


def clean_answers(
    item: Any, data: Mapping[str, Any], *, organisation: Any, user: Any, today: dt.date
) -> dict:
    """``data`` checked against ``item``'s questions: the answers as a request keeps them. The first
    question at fault (or a key the item does not ask) is refused with ``ActionError(field=key)``; a
    blank optional answer is left out."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ActionError("The answers must be an object of question keys and values", field="answers")
    fields = _fields_of(item)
    known = {f.key for f in fields}
    for key in data:
        if key not in known:
            shown = str(key)[:40]
            raise ActionError(f"{item.name} has no question {shown!r}", field=shown)
    answers: dict[str, Any] = {}
    for field in fields:
        value = data.get(field.key)
        if isinstance(value, list | tuple):
            raise ActionError(f"{field.label}: give one value", field=field.key)
        if _blank(value):
            if field.required:
                raise ActionError(f"{field.label} is required", field=field.key)
            continue
        answers[field.key] = _clean_one(field, value, organisation=organisation, user=user, today=today)
    return answers


# --- Checking an operator's questions ---------------------------------------------------------------------


def _int_option(key: str, value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ActionError(f"{key} must be a whole number from {low:,} to {high:,}", field=field)
    return value


def check_options(kind: str, options: Any, *, field: str) -> dict:
    """``options`` of a question of ``kind`` in the shape and bounds the answers are checked with; the
    cleaned options. ``field`` names the question in the error (``fields[2].options``)."""
    if kind not in OPTION_KEYS:
        raise ActionError(f"No kind of question {str(kind)[:30]!r}", field=field.replace(".options", ".kind"))
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise ActionError("Options must be an object", field=field)
    for key in options:
        if key not in OPTION_KEYS[kind]:
            raise ActionError(f"A {kind} question takes no option {str(key)[:40]!r}", field=field)
    out: dict[str, Any] = {}
    if kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
        limit = TEXT_MAX if kind == FieldKind.TEXT else TEXTAREA_MAX
        for key in ("min_length", "max_length"):
            if options.get(key) is not None:
                out[key] = _int_option(key, options[key], field=field, low=0, high=limit)
        if out.get("min_length", 0) > out.get("max_length", limit):
            raise ActionError("min_length is more than max_length", field=field)
        pattern = options.get("pattern")
        if pattern:
            if not isinstance(pattern, str) or len(pattern) > PATTERN_MAX:
                raise ActionError(
                    f"pattern must be a regular expression of at most {PATTERN_MAX}", field=field
                )
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ActionError(f"pattern is not a regular expression: {exc}", field=field) from None
            out["pattern"] = pattern
        message = options.get("pattern_message")
        if message:
            if not isinstance(message, str) or len(message) > MESSAGE_MAX or "\x00" in message:
                raise ActionError(f"pattern_message is text of at most {MESSAGE_MAX} characters", field=field)
            out["pattern_message"] = message.strip()
    elif kind == FieldKind.CHOICE:
        choices = options.get("choices")
        if not isinstance(choices, list) or not 1 <= len(choices) <= CHOICES_MAX:
            raise ActionError(f"A choice question needs 1 to {CHOICES_MAX} choices", field=field)
        cleaned = []
        for c in choices:
            if not isinstance(c, str) or not c.strip() or len(c) > CHOICE_MAX or "\x00" in c:
                raise ActionError(f"Each choice is text of 1 to {CHOICE_MAX} characters", field=field)
            if c.strip() in cleaned:
                raise ActionError(f"The choice {c.strip()[:40]!r} is given twice", field=field)
            cleaned.append(c.strip())
        out["choices"] = cleaned
    elif kind == FieldKind.DATE:
        for key in ("not_before_days", "not_after_days"):
            if options.get(key) is not None:
                out[key] = _int_option(key, options[key], field=field, low=-DAYS_LIMIT, high=DAYS_LIMIT)
        if out.get("not_before_days", -DAYS_LIMIT) > out.get("not_after_days", DAYS_LIMIT):
            raise ActionError("not_before_days is after not_after_days", field=field)
    elif kind == FieldKind.NUMBER:
        for key in ("min", "max"):
            value = options.get(key)
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or abs(value) > NUMBER_LIMIT
            ):
                raise ActionError(f"{key} must be a number within ±{NUMBER_LIMIT:,}", field=field)
            out[key] = value
        if "min" in out and "max" in out and out["min"] > out["max"]:
            raise ActionError("min is more than max", field=field)
        if options.get("integer") is not None:
            if not isinstance(options["integer"], bool):
                raise ActionError("integer must be true or false", field=field)
            out["integer"] = options["integer"]
    elif kind == FieldKind.ORGANISATION:
        roles = options.get("industry_roles") or []
        if not isinstance(roles, list) or any(r not in IndustryRole.values for r in roles):
            raise ActionError(
                f"industry_roles must be a list of {', '.join(IndustryRole.values)}", field=field
            )
        if roles:
            out["industry_roles"] = sorted(set(roles))
    elif kind == FieldKind.FILE:
        extensions = options.get("extensions") or []
        if not isinstance(extensions, list) or len(extensions) > EXTENSIONS_MAX:
            raise ActionError(f"extensions must be a list of at most {EXTENSIONS_MAX}", field=field)
        cleaned = []
        for e in extensions:
            text = e.strip().lstrip(".").lower() if isinstance(e, str) else ""
            if not _EXTENSION_RE.fullmatch(text):
                raise ActionError("Each extension is 1 to 10 letters or digits, e.g. pdf", field=field)
            if text not in cleaned:
                cleaned.append(text)
        if cleaned:
            out["extensions"] = cleaned
    return out


# --- Describing the questions (API) ----------------------------------------------------------------------


def _bounds(field: Any) -> dict:
    opts, kind = field.options or {}, field.kind
    if kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
        limit = TEXT_MAX if kind == FieldKind.TEXT else TEXTAREA_MAX
        out = {
            "min_length": int(opts.get("min_length") or 0),
            "max_length": min(int(opts.get("max_length") or limit), limit),
        }
        if opts.get("pattern"):
            out["pattern"] = opts["pattern"]
        return out
    if kind == FieldKind.NUMBER:
        return {
            "min": opts.get("min", -NUMBER_LIMIT),
            "max": opts.get("max", NUMBER_LIMIT),
            "integer": bool(opts.get("integer")),
        }
    if kind == FieldKind.DATE:
        return {k: opts[k] for k in ("not_before_days", "not_after_days") if opts.get(k) is not None}
    if kind == FieldKind.EMAIL:
        return {"max_length": 254}
    if kind == FieldKind.FILE:
        return {
            "extensions": list(opts.get("extensions") or []),
            "max_bytes": settings.BUSBAR_ATTACHMENT_MAX_BYTES,
        }
    if kind == FieldKind.ORGANISATION and opts.get("industry_roles"):
        return {"industry_roles": list(opts["industry_roles"])}
    return {}


def schema(item: Any) -> list[dict]:
    """The item's questions for API clients: key, label, help, kind, required, options, the choices (of
    a choice or role question) and the bounds the answer is held to."""
    out = []
    for field in _fields_of(item):
        choices: list[dict] = []
        if field.kind == FieldKind.CHOICE:
            choices = [{"value": c, "label": c} for c in (field.options or {}).get("choices") or []]
        elif field.kind == FieldKind.ROLE:
            choices = [{"value": r, "label": MembershipRole(r).label} for r in requestable_roles()]
        out.append(
            {
                "key": field.key,
                "label": field.label,
                "help_text": field.help_text,
                "kind": field.kind,
                "required": field.required,
                "options": dict(field.options or {}),
                "choices": choices,
                "bounds": _bounds(field),
            }
        )
    return out


# --- The raise page's form --------------------------------------------------------------------------------


class AnswersForm(forms.Form):
    """An item's questions as a page form. Django's widgets show them; the answers are checked by
    :func:`clean_answers` alone (``cleaned_data`` is its result), so the page and the API agree."""

    def __init__(self, *args: Any, item: Any, organisation: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item, self.organisation, self.user = item, organisation, user

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        if not self.is_bound:
            return
        self.cleaned_data = {}
        raw = {name: bf.data for name, bf in self._bound_items()}
        try:
            self.cleaned_data = clean_answers(
                self.item, raw, organisation=self.organisation, user=self.user, today=timezone.localdate()
            )
        except ActionError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)


def _select(choices: list[tuple[Any, str]], required: bool) -> forms.ChoiceField:
    return forms.ChoiceField(choices=[("", "— choose —"), *choices], required=required)


def _form_field(field: Any, *, organisation: Any, user: Any) -> forms.Field:
    opts, kind, required = field.options or {}, field.kind, field.required
    if kind in (FieldKind.TEXT, FieldKind.TEXTAREA):
        limit = TEXT_MAX if kind == FieldKind.TEXT else TEXTAREA_MAX
        most = min(int(opts.get("max_length") or limit), limit)
        widget = forms.Textarea(attrs={"rows": 5}) if kind == FieldKind.TEXTAREA else forms.TextInput()
        return forms.CharField(max_length=most, widget=widget, required=required, strip=False)
    if kind == FieldKind.CHOICE:
        return _select([(c, c) for c in opts.get("choices") or []], required)
    if kind == FieldKind.DATE:
        today = timezone.localdate()
        attrs: dict[str, Any] = {"type": "date"}
        if opts.get("not_before_days") is not None:
            attrs["min"] = (today + dt.timedelta(days=int(opts["not_before_days"]))).isoformat()
        if opts.get("not_after_days") is not None:
            attrs["max"] = (today + dt.timedelta(days=int(opts["not_after_days"]))).isoformat()
        return forms.CharField(widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"), required=required)
    if kind == FieldKind.NUMBER:
        attrs = {"step": "1" if opts.get("integer") else "any"}
        for key in ("min", "max"):
            if opts.get(key) is not None:
                attrs[key] = str(opts[key])
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), required=required)
    if kind == FieldKind.EMAIL:
        return forms.CharField(widget=forms.EmailInput(), max_length=254, required=required)
    if kind == FieldKind.ORGANISATION:
        qs = Organisation.objects.filter(is_active=True).order_by("name")
        if opts.get("industry_roles"):
            qs = qs.filter(roles__role__in=opts["industry_roles"]).distinct()
        return _select([(o.pk, o.name) for o in qs.only("pk", "name")], required)
    if kind == FieldKind.SERVICE:
        from busbar.services.models import Service

        services = Service.objects.filter(is_active=True).order_by("name").only("pk", "name")
        return _select([(s.pk, s.name) for s in services], required)
    if kind == FieldKind.PERSON:
        people = []
        if organisation is not None:
            people = [
                (m.user_id, f"{m.user.display_name} ({m.user.email})")
                for m in Membership.objects.filter(
                    organisation=organisation, is_active=True, user__is_active=True
                )
                .select_related("user")
                .order_by("user__full_name", "user_id")
            ]
        return _select(people, required)
    if kind == FieldKind.ROLE:
        return _select(role_choices(organisation, user), required)
    if kind == FieldKind.FILE:
        extensions = opts.get("extensions") or []
        attrs = {"accept": ",".join(f".{e}" for e in extensions)} if extensions else {}
        return forms.FileField(widget=forms.FileInput(attrs=attrs), required=required)
    return forms.CharField(required=required)


def django_form(
    item: Any, *, organisation: Any, user: Any, data: Any = None, files: Any = None
) -> AnswersForm:
    """The raise page's form for ``item``, asked for ``organisation`` by ``user``."""
    form = AnswersForm(data, files, item=item, organisation=organisation, user=user, prefix=None)
    for field in _fields_of(item):
        f = _form_field(field, organisation=organisation, user=user)
        f.label = field.label
        f.help_text = field.help_text
        if field.kind == FieldKind.FILE and not f.help_text:
            f.help_text = f"At most {settings.BUSBAR_ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB"
        form.fields[field.key] = f
    return form
