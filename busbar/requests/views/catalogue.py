"""The request catalogue's pages: the catalogue (grouped by category, searchable), an item's page (what
it is for, what happens next, and its form or where to go instead), and the operator's editor (items,
questions, approvals, tasks, retire and restore)."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.safestring import mark_safe

from busbar.lib.actions import ActionError, Actor, NotPermitted
from busbar.lib.forms import add_action_error
from busbar.lib.markdown import render as render_markdown
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for
from busbar.requests import actions as request_actions
from busbar.requests import formspec, permissions, queries
from busbar.requests.actions import catalogue as catalogue_actions
from busbar.requests.forms.catalogue import (
    CatalogueSearchForm,
    FieldRows,
    ItemForm,
    RaiseForForm,
    StepRows,
    TaskRows,
    field_initial,
    ordered_rows,
    raise_organisations,
)
from busbar.requests.models import CatalogueItem, ItemKind

_UNITS = {
    "minutes": ("minute", "minutes"),
    "hours": ("hour", "hours"),
    "working_days": ("working day", "working days"),
}


def _forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "core/forbidden.html", {"reason": reason}, status=403)


def _status(exc: ActionError) -> int:
    return 403 if isinstance(exc, NotPermitted) else exc.status


# --- The catalogue ---------------------------------------------------------------------------------------


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    items = queries.items_for(request.user)
    form = CatalogueSearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if q:
        items = items.filter(Q(name__icontains=q) | Q(summary__icontains=q))
    rows = list(
        items.order_by("category", "order", "name").only("name", "slug", "category", "summary", "kind")
    )
    groups = [
        (category or "Other", list(group))
        for category, group in itertools.groupby(rows, lambda i: i.category)
    ]
    context = {
        "form": form,
        "q": q,
        "groups": groups,
        "count": len(rows),
        "can_manage": permissions.can_manage_catalogue(scope_for(request.user)) is None,
    }
    return render(
        request, "requests/catalogue.html", context, status=200 if form.is_valid() or not request.GET else 400
    )


def _in_words(amount: int, unit: str) -> str:
    one, many = _UNITS.get(unit, (unit, unit))
    return f"{amount} {one if amount == 1 else many}"


def _sla_words(item: CatalogueItem) -> list[str]:
    """The targets of the item's policy at its priority, in words."""
    if item.sla_policy_id is None or not item.priority:
        return []
    from busbar.services.models import SlaTarget

    targets = SlaTarget.objects.filter(
        policy_id=item.sla_policy_id, severity__code=item.priority
    ).select_related("calendar")
    words = []
    for t in sorted(targets, key=lambda t: t.clock != "response"):
        what = "respond" if t.clock == "response" else "fulfil the request"
        words.append(f"We aim to {what} within {_in_words(t.amount, t.unit)} ({t.calendar.name}).")
    return words


def _default_organisation(scope: Any, organisations: list) -> Any:
    primary = scope.primary_organisation
    for org in organisations:
        if primary is not None and org.pk == primary.pk:
            return org
    return organisations[0] if organisations else None


def _item_context(request: HttpRequest, item: CatalogueItem) -> dict:
    return {
        "item": item,
        "description_html": mark_safe(render_markdown(item.description or "")),  # sanitised by nh3
        "redirect_html": mark_safe(render_markdown(item.redirect_text or "")),  # sanitised by nh3
        "approvals": list(item.approval_steps.select_related("provider")),
        "tasks": list(item.task_templates.select_related("provider")),
        "sla": _sla_words(item),
        "can_manage": permissions.can_manage_catalogue(scope_for(request.user)) is None,
    }


@login_required
def item_page(request: HttpRequest, slug: str) -> HttpResponse:
    visible = queries.items_for(request.user)
    item = get_object_or_404(visible.select_related("sla_policy", "service"), slug=slug[:60])
    context = _item_context(request, item)
    if item.kind == ItemKind.REDIRECT:
        if request.method == "POST":
            return render(
                request,
                "requests/item_detail.html",
                {
                    **context,
                    "refused": permissions.can_raise(scope_for(request.user), item, None, may_ask=True),
                },
                status=403,
            )
        return render(request, "requests/item_detail.html", context)
    scope = scope_for(request.user)
    organisations = list(raise_organisations(scope))
    chooser = RaiseForForm(
        request.POST
        if request.method == "POST"
        else (request.GET if "req-raise_for" in request.GET else None),
        organisations=raise_organisations(scope),
        prefix="req",
    )
    organisation = _default_organisation(scope, organisations)
    if chooser.is_bound and chooser.is_valid():
        organisation = chooser.cleaned_data["raise_for"]
    if not chooser.is_bound:
        chooser = RaiseForForm(
            organisations=raise_organisations(scope), prefix="req", initial={"raise_for": organisation}
        )
    refused = (
        permissions.can_raise(scope, item, organisation, may_ask=True)
        if organisation is not None
        else "You belong to no organisation to raise a request for"
    )
    status = 200
    form = None
    if refused is None:
        post = request.method == "POST"
        form = formspec.django_form(
            item,
            organisation=organisation,
            user=request.user,
            data=request.POST if post else None,
            files=request.FILES if post else None,
        )
        if post:
            status = 422
            answers_ok, chooser_ok = form.is_valid(), chooser.is_valid()
            for errors in chooser.errors.values():
                for error in errors:
                    form.add_error(None, f"Organisation or summary: {error}")
            if answers_ok and chooser_ok:
                try:
                    done = request_actions.raise_request(
                        actor=Actor.from_request(request).acting_for(organisation),
                        item=item,
                        organisation=organisation,
                        answers=form.cleaned_data,
                        summary=chooser.cleaned_data.get("summary", ""),
                        channel="portal",
                    )
                except ActionError as exc:
                    add_action_error(form, exc)
                    status = _status(exc)
                else:
                    messages.success(request, f"{done.reference} raised: {item.name}.")
                    return redirect(reverse("request_detail", args=[done.reference]))
    elif request.method == "POST":
        status = 403
    context.update(
        {
            "form": form,
            "chooser": chooser,
            "choose_organisation": len(organisations) > 1,
            "organisation": organisation,
            "refused": refused,
        }
    )
    return render(request, "requests/item_detail.html", context, status=status)


# --- The operator's editor -------------------------------------------------------------------------------


def _manager(request: HttpRequest) -> str | None:
    return permissions.can_manage_catalogue(scope_for(request.user))


def _managed(slug: str) -> CatalogueItem:
    return get_object_or_404(CatalogueItem.objects.select_related("sla_policy", "service"), slug=slug[:60])


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    if reason := _manager(request):
        return _forbidden(request, reason)
    items = CatalogueItem.objects.annotate(
        n_fields=Count("fields", distinct=True),
        n_steps=Count("approval_steps", distinct=True),
        n_tasks=Count("task_templates", distinct=True),
    ).order_by("category", "order", "name")
    return render(request, "requests/catalogue_manage.html", {"items": list(items)})


def _changed(item: CatalogueItem, values: dict) -> dict:
    out = {}
    for name, value in values.items():
        current = getattr(item, name)
        if name in ("sla_policy", "service"):
            if (value.pk if value else None) != (current.pk if current else None):
                out[name] = value
        elif name == "industry_roles":
            if sorted(value) != sorted(current or []):
                out[name] = value
        elif value != current:
            out[name] = value
    return out


@login_required
def manage_item(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    if reason := _manager(request):
        return _forbidden(request, reason)
    item = _managed(slug) if slug is not None else None
    form = ItemForm(request.POST or None, item=item)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            actor = Actor.from_request(request)
            try:
                if item is None:
                    done = catalogue_actions.create_item(actor=actor, **form.values())
                    messages.success(
                        request, f"{done.name} added. Now set its questions, approvals and tasks."
                    )
                else:
                    values = form.values()
                    if not values.get("slug"):
                        values.pop("slug", None)  # blank: keep the short name
                    changes = _changed(item, values)
                    if not changes:
                        messages.info(request, "Nothing changed.")
                        return redirect(reverse("catalogue_edit", args=[item.slug]))
                    done = catalogue_actions.update_item(actor=actor, item=item, fields=changes)
                    messages.success(request, f"{done.name} saved.")
            except ActionError as exc:
                add_action_error(form, exc)
                status = _status(exc)
            else:
                return redirect(reverse("catalogue_edit", args=[done.slug]))
    context = {"form": form, "item": item}
    if item is not None:
        context.update(
            {
                "fields": list(item.fields.all()),
                "approvals": list(item.approval_steps.select_related("provider")),
                "tasks": list(item.task_templates.select_related("provider")),
            }
        )
    return render(request, "requests/catalogue_item_form.html", context, status=status)


def _row_index(field: str | None, name: str) -> int | None:
    """``fields[2].options`` → 2."""
    if not field or not field.startswith(f"{name}["):
        return None
    try:
        return int(field[len(name) + 1 : field.index("]")])
    except ValueError:
        return None


def _rows_page(
    request: HttpRequest,
    slug: str,
    *,
    name: str,
    formset_class: Any,
    initial: Any,
    run: Any,
    title: str,
    help: str,
) -> HttpResponse:
    if reason := _manager(request):
        return _forbidden(request, reason)
    item = _managed(slug)
    formset = formset_class(
        request.POST or None, initial=None if request.method == "POST" else initial(item), prefix=name
    )
    status = 200
    if request.method == "POST":
        status = 422
        if formset.is_valid():
            kept = ordered_rows(formset)
            if all(not form.errors for form, _ in kept):
                try:
                    run(actor=Actor.from_request(request), item=item, rows=[row for _, row in kept])
                except ActionError as exc:
                    index = _row_index(exc.field, name)
                    if index is not None and index < len(kept):
                        kept[index][0].add_error(None, exc.message)
                    else:
                        formset._non_form_errors = formset.error_class([exc.message])
                    status = _status(exc)
                else:
                    messages.success(request, f"{item.name}: {title.lower()} saved.")
                    return redirect(reverse("catalogue_edit", args=[item.slug]))
    context = {"item": item, "formset": formset, "title": title, "help": help, "name": name}
    return render(request, "requests/catalogue_rows.html", context, status=status)


@login_required
def manage_fields(request: HttpRequest, slug: str) -> HttpResponse:
    return _rows_page(
        request,
        slug,
        name="fields",
        formset_class=FieldRows,
        initial=lambda item: [field_initial(f) for f in item.fields.all()],
        run=lambda *, actor, item, rows: catalogue_actions.set_fields(actor=actor, item=item, fields=rows),
        title="Questions",
        help="The form's questions, in order. Min and Max: a number's least and greatest value, a text's "
        "least and greatest length, a date's earliest and latest day counted from the day it is raised. "
        "List (one per line): a choice's choices, a file's extensions, an organisation's industry roles.",
    )


@login_required
def manage_approvals(request: HttpRequest, slug: str) -> HttpResponse:
    return _rows_page(
        request,
        slug,
        name="steps",
        formset_class=StepRows,
        initial=lambda item: [
            {"approver": s.approver, "provider": s.provider_id, "order": s.order}
            for s in item.approval_steps.all()
        ],
        run=lambda *, actor, item, rows: catalogue_actions.set_approval_steps(
            actor=actor, item=item, steps=rows
        ),
        title="Approvals",
        help="Decided one after another, in order. A provider's approval names the provider.",
    )


@login_required
def manage_tasks(request: HttpRequest, slug: str) -> HttpResponse:
    return _rows_page(
        request,
        slug,
        name="tasks",
        formset_class=TaskRows,
        initial=lambda item: [
            {
                "title": t.title,
                "description": t.description,
                "assignee": t.assignee,
                "provider": t.provider_id,
                "order": t.order,
            }
            for t in item.task_templates.all()
        ],
        run=lambda *, actor, item, rows: catalogue_actions.set_task_templates(
            actor=actor, item=item, tasks=rows
        ),
        title="Fulfilment tasks",
        help="Worked one after another once the approvals are given. A provider's task names the provider.",
    )


@login_required
@post_form(lambda slug: reverse("catalogue_edit", args=[slug]))
def manage_active(request: HttpRequest, slug: str) -> HttpResponse:
    if reason := _manager(request):
        return _forbidden(request, reason)
    item = _managed(slug)
    try:
        done = catalogue_actions.set_item_active(
            actor=Actor.from_request(request), item=item, active=not item.is_active
        )
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{done.name} {'restored' if done.is_active else 'retired'}.")
    return redirect(reverse("catalogue_edit", args=[item.slug]))


urlpatterns = [
    path("requests/catalogue/", catalogue, name="catalogue"),
    path("requests/catalogue/manage/", manage_list, name="catalogue_manage"),
    path("requests/catalogue/manage/new/", manage_item, name="catalogue_new"),
    path("requests/catalogue/manage/<slug:slug>/", manage_item, name="catalogue_edit"),
    path("requests/catalogue/manage/<slug:slug>/fields/", manage_fields, name="catalogue_fields"),
    path("requests/catalogue/manage/<slug:slug>/approvals/", manage_approvals, name="catalogue_approvals"),
    path("requests/catalogue/manage/<slug:slug>/tasks/", manage_tasks, name="catalogue_tasks"),
    path("requests/catalogue/manage/<slug:slug>/active/", manage_active, name="catalogue_active"),
    path("requests/catalogue/<slug:slug>/", item_page, name="catalogue_item"),
]
