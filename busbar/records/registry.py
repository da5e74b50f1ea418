"""The record types, registered by their apps in ``AppConfig.ready``.

A type says what the kernel cannot know: its reference prefix, its model, who may see a record of it
(``visible_to``: the type's own query, the only visibility rule), who works it (``works_on``: sees internal
notes and attachments, reads the whole timeline), how to name its page, and, when it has SLA clocks, which
policy and severity measure them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, QuerySet
from django.urls import reverse


@dataclass(frozen=True)
class RecordType:
    """A registered type. Its model has ``record = OneToOneField("records.Record", related_name=<kind>)``
    and a ``reference`` column holding the record's reference."""

    kind: str
    prefix: str
    label: str
    model: str  # "app_label.ModelName"
    #: Depends on the user only through ``parties.queries.scope_for(user)`` (people with the same
    #: ``scope_key`` see the same records: the inbox and @mentions ask it once per distinct scope).
    visible_to: Callable[[Any], QuerySet]
    works_on: Callable[[Any, Any], bool]
    url_name: str
    #: (record) -> (SlaPolicy, severity code) measuring its clocks; None: the type has no SLA clocks.
    sla_basis: Callable[[Any], tuple[Any, str]] | None = None
    #: How its timeline is redacted for those who do not work it (see records.queries.redact_timeline):
    #: link_actions, private_actions, private_changes, public_notes.
    timeline_rules: dict[str, frozenset[str]] | None = field(default=None, compare=False, hash=False)
    #: Whether a reply to its emails is threaded back onto the record (the footer then says so).
    email_replies: bool = False
    #: (record) -> None, called in the same transaction whenever an entry is added to one of its records
    #: (its search index follows the conversation); None: nothing to do.
    entry_added: Callable[[Any], None] | None = field(default=None, compare=False, hash=False)
    #: (user, typed record) -> whether the user may change it through the kernel (link it to other
    #: records); None: those who work it (``works_on``). For types read in full by people who change nothing
    #: (a programme's assurers read a RAID item's internal notes but may not link it).
    changes_by: Callable[[Any, Any], bool] | None = field(default=None, compare=False, hash=False)
    #: (typed record) -> the organisations whose people those who work it (other than the desk) may
    #: @mention, besides the desk and their own (records.mentions); None: anyone who sees it.
    mention_parties: Callable[[Any], frozenset[int]] | None = field(default=None, compare=False, hash=False)

    @property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def url(self, reference: str) -> str:
        return reverse(self.url_name, kwargs={"reference": reference})

    def reference(self, number: int) -> str:
        return f"{self.prefix}{number:07d}"


_TYPES: dict[str, RecordType] = {}
_BY_PREFIX: dict[str, RecordType] = {}


def register(record_type: RecordType) -> RecordType:
    existing = _TYPES.get(record_type.kind) or _BY_PREFIX.get(record_type.prefix)
    if existing is not None and existing != record_type:
        raise ValueError(f"record type {record_type.kind}/{record_type.prefix} is already registered")
    _TYPES[record_type.kind] = record_type
    _BY_PREFIX[record_type.prefix] = record_type
    return record_type


def get(kind: str) -> RecordType:
    return _TYPES[kind]


def types() -> list[RecordType]:
    return list(_TYPES.values())


def for_reference(reference: str) -> RecordType | None:
    """The type whose prefix starts ``reference`` (case-insensitive), or None."""
    match = re.fullmatch(r"([A-Za-z]{2,8})(\d{1,12})", reference.strip())
    return _BY_PREFIX.get(match.group(1).upper()) if match else None


def normalise(reference: str) -> str | None:
    """``inc12`` → ``INC0000012``; None for anything that is not a reference of a registered type."""
    reference = reference.strip()
    record_type = for_reference(reference)
    if record_type is None:
        return None
    digits = re.sub(r"^[A-Za-z]+", "", reference)
    if len(digits) > 7 and digits.lstrip("0") and len(digits.lstrip("0")) > 7:
        return None
    return record_type.reference(int(digits))


def reference_pattern() -> re.Pattern[str]:
    """Matches any registered type's reference in text (for redacting links in timelines)."""
    prefixes = "|".join(sorted(_BY_PREFIX, key=len, reverse=True)) or "(?!)"
    return re.compile(rf"\b(?:{prefixes})\d{{7}}\b")


# Suggestions: records of one type offered on the pages of another ---------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A record offered to someone raising or working another: "this looks like PRB0000012 — workaround:
    …", or an article that may answer it."""

    kind: str
    reference: str
    title: str
    detail: str
    url: str
    #: Where whoever works the record being worked on links it to this one in one step (None: not
    #: offered), with the form's hidden fields.
    link_url: str | None = None
    label: str = ""
    #: The heading the suggestions of this kind are shown under.
    heading: str = ""
    link_fields: tuple[tuple[str, str], ...] = ()


#: for kind → suggesters: (user, service, obj or None, text) -> [Suggestion]
_SUGGESTERS: dict[str, list[Callable[..., list[Suggestion]]]] = {}


def suggester(for_kind: str, provider: Callable[..., list[Suggestion]]) -> None:
    """``provider(user, *, service, obj, text)`` offers records to whoever raises or works a ``for_kind``
    record on ``service`` (either may be None), ``obj`` None while it is being raised, ``text`` what
    they have typed so far (its summary)."""
    if provider not in _SUGGESTERS.setdefault(for_kind, []):
        _SUGGESTERS[for_kind].append(provider)


def suggestions(for_kind: str, user, *, service, obj=None, text: str = "") -> list[Suggestion]:
    found: list[Suggestion] = []
    for provider in _SUGGESTERS.get(for_kind, []):
        found += provider(user, service=service, obj=obj, text=text)
    return found


# Panels: parts of one type's page contributed by another app --------------------------------------------


@dataclass(frozen=True)
class PagePanel:
    """A part of a ``for_kind`` record's page: ``template`` included with ``p`` = ``context(request, obj)``
    (None: nothing to show this person, and it costs no query)."""

    key: str
    template: str
    context: Callable[[Any, Any], dict | None] = field(compare=False)
    order: int = 50


_PAGE_PANELS: dict[str, dict[str, PagePanel]] = {}


def page_panel(
    for_kind: str, key: str, *, template: str, context: Callable[[Any, Any], dict | None], order: int = 50
) -> None:
    _PAGE_PANELS.setdefault(for_kind, {})[key] = PagePanel(key, template, context, order)


def page_panels(for_kind: str, request, obj) -> list[dict]:
    """The panels other apps add to ``obj``'s page for this request: ``[{"template", "p"}]``."""
    shown = []
    for panel in sorted(_PAGE_PANELS.get(for_kind, {}).values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, obj)
        if context is not None:
            shown.append({"template": panel.template, "p": context})
    return shown
