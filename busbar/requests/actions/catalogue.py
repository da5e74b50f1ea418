"""The request catalogue, kept by the operator (RQ-03): items, their questions, approval steps and
fulfilment tasks, retired and restored. Each change is one transaction, refused by
:func:`busbar.requests.permissions.can_manage_catalogue`, journalled as ``catalogue.*``.

Requests copy an item's approvals and tasks when they are raised, so replacing them here never changes
a request in flight.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.text import slugify

from busbar.audit.journal import record as journal
from busbar.lib.actions import ActionError, Actor, Conflict, action, refuse
from busbar.lib.limits import clean_text, text_max
from busbar.parties.models import IndustryRole, Organisation
from busbar.parties.queries import scope_of
from busbar.requests import formspec, permissions
from busbar.requests.models import (
    ApprovalStep,
    ApproverKind,
    Assignee,
    CatalogueItem,
    FieldKind,
    Fulfilment,
    ItemAudience,
    ItemField,
    ItemKind,
    TaskTemplate,
)

__all__ = [
    "create_item",
    "set_approval_steps",
    "set_fields",
    "set_item_active",
    "set_task_templates",
    "update_item",
]

#: The fields :func:`update_item` changes (and :func:`create_item` takes).
ITEM_FIELDS = (
    "name",
    "slug",
    "category",
    "summary",
    "description",
    "kind",
    "audience",
    "industry_roles",
    "admins_only",
    "redirect_text",
    "redirect_url",
    "fulfilment",
    "sla_policy",
    "priority",
    "service",
    "order",
)
#: Slugs the catalogue's own pages use.
RESERVED_SLUGS = frozenset({"manage", "new", "edit"})
MAX_FIELDS = 50
MAX_STEPS = 10
MAX_TASKS = 20
_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _require(actor: Actor) -> None:
    refuse(permissions.can_manage_catalogue(scope_of(actor)))


def _lock(item: CatalogueItem) -> CatalogueItem:
    return CatalogueItem.objects.select_for_update().get(pk=item.pk)


def _write(actor: Actor, item: CatalogueItem, what: str, changes: dict, note: str = "") -> None:
    journal(actor=actor, action=what, obj=item, owner=None, changes=changes, note=note)


def _shown(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or None
    if hasattr(value, "pk"):
        return str(value)
    return None if value == "" else value


# --- Items -----------------------------------------------------------------------------------------------


def _choice(value: Any, choices: Any, *, field: str, what: str) -> str:
    if value not in choices.values:
        raise ActionError(f"No {what} {str(value)[:40]!r}: one of {', '.join(choices.values)}", field=field)
    return value


def _clean_value(name: str, value: Any, *, item: CatalogueItem) -> Any:
    if name == "name":
        return clean_text(value, field="name", limit=120, what="The name")
    if name == "slug":
        slug = slugify(value or "")[:60].strip("-")
        if not slug:
            raise ActionError("Give a short name of letters, digits and hyphens", field="slug")
        if slug in RESERVED_SLUGS:
            raise ActionError(f"The short name {slug!r} is reserved for the catalogue's pages", field="slug")
        return slug
    if name == "category":
        return clean_text(value, field="category", limit=60, what="The category", required=False)
    if name == "summary":
        return clean_text(value, field="summary", limit=300, what="The summary")
    if name in ("description", "redirect_text"):
        return clean_text(value, field=name, limit=text_max(), what="The text", required=False)
    if name == "kind":
        return _choice(value, ItemKind, field="kind", what="kind")
    if name == "audience":
        return _choice(value, ItemAudience, field="audience", what="audience")
    if name == "fulfilment":
        return _choice(value or "", Fulfilment, field="fulfilment", what="fulfilment")
    if name == "industry_roles":
        if not isinstance(value, list | tuple):
            raise ActionError("Give a list of industry roles", field="industry_roles")
        for role in value:
            if role not in IndustryRole.values:
                raise ActionError(f"No industry role {str(role)[:40]!r}", field="industry_roles")
        return sorted(set(value))
    if name == "admins_only":
        if not isinstance(value, bool):
            raise ActionError("admins_only is true or false", field="admins_only")
        return value
    if name == "redirect_url":
        url = clean_text(value, field="redirect_url", limit=200, what="The address", required=False)
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise ActionError("Give an http or https address", field="redirect_url") from None
        return url
    if name == "priority":
        return clean_text(value, field="priority", limit=10, what="The priority", required=False)
    if name == "order":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32767:
            raise ActionError("order is a whole number from 0 to 32767", field="order")
        return value
    if name == "sla_policy":
        from busbar.services.models import SlaPolicy

        if value is not None and not isinstance(value, SlaPolicy):
            raise ActionError("No such SLA policy", field="sla_policy")
        return value
    if name == "service":
        from busbar.services.models import Service

        if value is not None and (not isinstance(value, Service) or not value.is_active):
            raise ActionError("No such active service", field="service")
        return value
    raise ActionError(f"{name} cannot be set here", field=name)


def _check_item(item: CatalogueItem) -> None:
    """What must hold of the item as a whole once its fields are set."""
    others = CatalogueItem.objects.exclude(pk=item.pk) if item.pk else CatalogueItem.objects.all()
    if others.filter(name__iexact=item.name).exists():
        raise Conflict(f"An item called {item.name!r} already exists", field="name")
    if others.filter(slug=item.slug).exists():
        raise Conflict(f"The short name {item.slug!r} is taken", field="slug")
    if item.kind == ItemKind.REDIRECT:
        if not item.redirect_text:
            raise ActionError(
                "A redirect item says where to go instead: give the text", field="redirect_text"
            )
        if item.fulfilment:
            raise ActionError("A redirect item creates nothing, so it fulfils nothing", field="fulfilment")
    if item.priority and item.sla_policy is None:
        raise ActionError("A priority is one of an SLA policy's: choose the policy", field="sla_policy")
    if item.sla_policy is not None:
        from busbar.services.models import Severity

        codes = list(
            Severity.objects.filter(scheme_id=item.sla_policy.scheme_id)
            .order_by("rank")
            .values_list("code", flat=True)
        )
        if item.priority not in codes:
            raise ActionError(
                f"Choose the priority from the policy's scheme: {', '.join(codes) or 'none'}",
                field="priority",
            )
    if item.audience != ItemAudience.PARTICIPANTS and item.industry_roles:
        raise ActionError(
            "Industry roles narrow an item for market participants only", field="industry_roles"
        )


def _apply(item: CatalogueItem, fields: Mapping[str, Any], *, new: bool) -> dict:
    changes: dict[str, list] = {}
    for name in fields:
        if name not in ITEM_FIELDS:
            raise ActionError(f"{str(name)[:40]} cannot be set here", field=str(name)[:40])
    values = dict(fields)
    if new and not values.get("slug"):
        values["slug"] = values.get("name") or ""
    for name, value in values.items():
        cleaned = _clean_value(name, value, item=item)
        old = getattr(item, name)
        if (new or old != cleaned) and not (new and cleaned in (None, "", [], False)):
            changes[name] = [None if new else _shown(old), _shown(cleaned)]
        setattr(item, name, cleaned)
    _check_item(item)
    return changes


@action
def create_item(
    *,
    actor: Actor,
    name: str,
    summary: str,
    slug: str = "",
    category: str = "",
    description: str = "",
    kind: str = ItemKind.REQUEST,
    audience: str = ItemAudience.PARTICIPANTS,
    industry_roles: Sequence[str] = (),
    admins_only: bool = False,
    redirect_text: str = "",
    redirect_url: str = "",
    fulfilment: str = "",
    sla_policy: Any = None,
    priority: str = "",
    service: Any = None,
    order: int = 100,
    now: dt.datetime | None = None,
) -> CatalogueItem:
    """Add an item to the catalogue (no questions, approvals or tasks yet: set them next)."""
    _require(actor)
    now = now or timezone.now()
    item = CatalogueItem(created_at=now, updated_at=now)
    fields = {
        "name": name,
        "slug": slug,
        "summary": summary,
        "category": category,
        "description": description,
        "kind": kind,
        "audience": audience,
        "industry_roles": list(industry_roles),
        "admins_only": admins_only,
        "redirect_text": redirect_text,
        "redirect_url": redirect_url,
        "fulfilment": fulfilment,
        "sla_policy": sla_policy,
        "priority": priority,
        "service": service,
        "order": order,
    }
    changes = _apply(item, fields, new=True)
    item.save()
    _write(actor, item, "catalogue.create", changes)
    return item


@action
def update_item(
    *, actor: Actor, item: CatalogueItem, fields: Mapping[str, Any], now: dt.datetime | None = None
) -> CatalogueItem:
    """Change any of the item's own fields (:data:`ITEM_FIELDS`)."""
    _require(actor)
    if not fields:
        raise ActionError("Nothing to change", field="fields")
    item = _lock(item)
    changes = _apply(item, fields, new=False)
    if not changes:
        raise ActionError("Nothing to change: the values given are the item's own", field=next(iter(fields)))
    item.updated_at = now or timezone.now()
    item.save()
    _write(actor, item, "catalogue.update", changes)
    return item


@action
def set_item_active(
    *, actor: Actor, item: CatalogueItem, active: bool, now: dt.datetime | None = None
) -> CatalogueItem:
    """Retire an item (no longer offered; its requests carry on) or restore it."""
    _require(actor)
    item = _lock(item)
    if item.is_active == active:
        state = "offered" if active else "retired"
        raise ActionError(f"{item.name} is already {state}", field="is_active")
    item.is_active = active
    item.updated_at = now or timezone.now()
    item.save(update_fields=["is_active", "updated_at"])
    what = "catalogue.restore" if active else "catalogue.retire"
    _write(actor, item, what, {"is_active": [not active, active]})
    return item


# --- Questions, approvals, tasks ------------------------------------------------------------------------


def _rows(rows: Any, *, name: str, most: int) -> list[Mapping]:
    if not isinstance(rows, list | tuple):
        raise ActionError(f"Give a list of {name}", field=name)
    if len(rows) > most:
        raise ActionError(f"An item has at most {most} {name}", field=name)
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise ActionError("Each row is an object", field=f"{name}[{index}]")
    return list(rows)


def _unknown(row: Mapping, allowed: set[str], *, field: str) -> None:
    for key in row:
        if key not in allowed:
            raise ActionError(f"Unknown {str(key)[:40]!r}", field=f"{field}.{str(key)[:40]}")


def _no_redirect(item: CatalogueItem, rows: list, name: str) -> None:
    if rows and item.kind == ItemKind.REDIRECT:
        raise ActionError(f"A redirect item creates nothing: it has no {name}", field=name)


def _provider(value: Any, *, field: str) -> Organisation:
    if not isinstance(value, Organisation):
        raise ActionError("Choose the provider", field=field)
    org = Organisation.objects.prefetch_related("roles").get(pk=value.pk)
    if not org.is_active or not org.is_provider:
        raise ActionError(f"{org} is not an active provider", field=field)
    return org


def _field_summary(rows: Any) -> str | None:
    return ", ".join(f"{r.key} ({r.kind}{'' if r.required else ', optional'})" for r in rows) or None


@action
def set_fields(
    *, actor: Actor, item: CatalogueItem, fields: Sequence[Mapping[str, Any]], now: dt.datetime | None = None
) -> CatalogueItem:
    """Replace the item's questions, in the order given. Each row: ``key`` (a-z, digits, _; unique),
    ``label``, ``help_text``, ``kind``, ``required``, ``options`` (by kind, see
    :func:`busbar.requests.formspec.check_options`)."""
    _require(actor)
    item = _lock(item)
    rows = _rows(fields, name="fields", most=MAX_FIELDS)
    _no_redirect(item, rows, "fields")
    made, seen = [], set()
    for index, row in enumerate(rows):
        at = f"fields[{index}]"
        _unknown(row, {"key", "label", "help_text", "kind", "required", "options"}, field=at)
        key = row.get("key")
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise ActionError(
                "A key is 1 to 40 lower-case letters, digits or _, starting with a letter", field=f"{at}.key"
            )
        if key in seen:
            raise ActionError(f"The key {key!r} is used twice", field=f"{at}.key")
        seen.add(key)
        label = clean_text(row.get("label"), field=f"{at}.label", limit=120, what="The label")
        help_text = clean_text(row.get("help_text"), field=f"{at}.help_text", limit=300, required=False)
        kind = row.get("kind", FieldKind.TEXT)
        if kind not in FieldKind.values:
            raise ActionError(
                f"No kind {str(kind)[:30]!r}: one of {', '.join(FieldKind.values)}", field=f"{at}.kind"
            )
        required = row.get("required", True)
        if not isinstance(required, bool):
            raise ActionError("required is true or false", field=f"{at}.required")
        options = formspec.check_options(kind, row.get("options"), field=f"{at}.options")
        made.append(
            ItemField(
                item=item,
                key=key,
                label=label,
                help_text=help_text,
                kind=kind,
                required=required,
                options=options,
                order=(index + 1) * 10,
            )
        )
    before = _field_summary(item.fields.all())
    item.fields.all().delete()
    ItemField.objects.bulk_create(made)
    item.updated_at = now or timezone.now()
    item.save(update_fields=["updated_at"])
    _write(actor, item, "catalogue.fields", {"fields": [before, _field_summary(made)]})
    return item


def _step_summary(rows: Any) -> str | None:
    return ", ".join(r.approver + (f" ({r.provider})" if r.provider_id else "") for r in rows) or None


@action
def set_approval_steps(
    *, actor: Actor, item: CatalogueItem, steps: Sequence[Mapping[str, Any]], now: dt.datetime | None = None
) -> CatalogueItem:
    """Replace the item's approvals, decided in the order given. Each row: ``approver`` (org_admin,
    operator, provider) and, for a provider step, ``provider`` (an active provider Organisation)."""
    _require(actor)
    item = _lock(item)
    rows = _rows(steps, name="steps", most=MAX_STEPS)
    _no_redirect(item, rows, "steps")
    made = []
    for index, row in enumerate(rows):
        at = f"steps[{index}]"
        _unknown(row, {"approver", "provider"}, field=at)
        approver = row.get("approver")
        if approver not in ApproverKind.values:
            raise ActionError(
                f"No approver {str(approver)[:30]!r}: one of {', '.join(ApproverKind.values)}",
                field=f"{at}.approver",
            )
        provider = None
        if approver == ApproverKind.PROVIDER:
            provider = _provider(row.get("provider"), field=f"{at}.provider")
        elif row.get("provider") is not None:
            raise ActionError("Only a provider's approval names a provider", field=f"{at}.provider")
        made.append(ApprovalStep(item=item, order=(index + 1) * 10, approver=approver, provider=provider))
    before = _step_summary(item.approval_steps.select_related("provider"))
    item.approval_steps.all().delete()
    ApprovalStep.objects.bulk_create(made)
    item.updated_at = now or timezone.now()
    item.save(update_fields=["updated_at"])
    _write(actor, item, "catalogue.approvals", {"approvals": [before, _step_summary(made)]})
    return item


def _task_summary(rows: Any) -> str | None:
    return "; ".join(f"{r.title} ({r.provider if r.provider_id else 'the desk'})" for r in rows) or None


@action
def set_task_templates(
    *, actor: Actor, item: CatalogueItem, tasks: Sequence[Mapping[str, Any]], now: dt.datetime | None = None
) -> CatalogueItem:
    """Replace the item's fulfilment tasks, worked in the order given. Each row: ``title``,
    ``description``, ``assignee`` (desk or provider) and, for a provider's task, ``provider``."""
    _require(actor)
    item = _lock(item)
    rows = _rows(tasks, name="tasks", most=MAX_TASKS)
    _no_redirect(item, rows, "tasks")
    made = []
    for index, row in enumerate(rows):
        at = f"tasks[{index}]"
        _unknown(row, {"title", "description", "assignee", "provider"}, field=at)
        title = clean_text(row.get("title"), field=f"{at}.title", limit=200, what="The title")
        description = clean_text(
            row.get("description"), field=f"{at}.description", limit=text_max(), required=False
        )
        assignee = row.get("assignee", Assignee.DESK)
        if assignee not in Assignee.values:
            raise ActionError(f"No assignee {str(assignee)[:30]!r}: desk or provider", field=f"{at}.assignee")
        provider = None
        if assignee == Assignee.PROVIDER:
            provider = _provider(row.get("provider"), field=f"{at}.provider")
        elif row.get("provider") is not None:
            raise ActionError("Only a provider's task names a provider", field=f"{at}.provider")
        made.append(
            TaskTemplate(
                item=item,
                order=(index + 1) * 10,
                title=title,
                description=description,
                assignee=assignee,
                provider=provider,
            )
        )
    before = _task_summary(item.task_templates.select_related("provider"))
    item.task_templates.all().delete()
    TaskTemplate.objects.bulk_create(made)
    item.updated_at = now or timezone.now()
    item.save(update_fields=["updated_at"])
    _write(actor, item, "catalogue.tasks", {"tasks": [before, _task_summary(made)]})
    return item
