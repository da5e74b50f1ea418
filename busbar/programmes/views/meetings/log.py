"""Pages: the action log (filters, ageing, export, import with a preview) and one action (its history,
RAID links, update / recommend closed / ratify / edit forms)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from busbar.lib import export
from busbar.lib.forms import run_action_form
from busbar.lib.postback import post_form
from busbar.lib.tabular import MAX_BYTES, ImportRefused
from busbar.parties.models import Organisation
from busbar.programmes import action_import, pages, permissions, queries
from busbar.programmes.actions import meetings as actions
from busbar.programmes.forms.meetings import (
    ActionEditForm,
    ActionFilterForm,
    ActionUpdateForm,
    ImportForm,
    RatifyForm,
    RecommendForm,
)
from busbar.programmes.models import (
    OPEN_ACTION_STATUSES,
    Action,
    ActionStatus,
    Group,
)
from busbar.programmes.permissions import meetings as meeting_rules
from busbar.programmes.views.meetings.common import (
    AGEING,
    EXPORT_COLUMNS,
    IMPORT_TTL,
    PAGE_SIZE,
    _action_or_404,
    _actor,
    _decorate,
    _listed_actions,
    meeting_url,
    raid_url,
)
from busbar.testing.access import access_for
from busbar.testing.models import Programme


def _filtered_actions(request: HttpRequest, prog: Programme) -> tuple[ActionFilterForm, QuerySet, dict]:
    user = request.user
    owners = [
        (str(o.pk), o.name)
        for o in Organisation.objects.filter(
            pk__in=Action.objects.filter(programme=prog).values("owner_organisation")
        ).order_by("name")
    ]
    groups = [(g.code, g.code) for g in Group.objects.filter(programme=prog).order_by("code")]
    data = request.GET.copy()
    data.setdefault("status", "open")
    form = ActionFilterForm(data, owners=owners, groups=groups)
    qs = queries.in_visible_programme(Action.objects.filter(programme=prog), user)
    today = timezone.localdate()
    if form.is_valid():
        d = form.cleaned_data
        status = d["status"]
        if status == "open" or not status:
            qs = qs.filter(status__in=OPEN_ACTION_STATUSES)
        elif status != "all":
            qs = qs.filter(status=status)
        if d["owner"] == "mine":
            orgs = sorted(access_for(user).organisation_ids)
            qs = qs.filter(Q(owner_organisation__in=orgs) | Q(owner_people=user)).distinct()
        elif d["owner"]:
            qs = qs.filter(owner_organisation_id=int(d["owner"]))
        if d["group"]:
            qs = qs.filter(group__code=d["group"])
        if d["overdue"]:
            qs = qs.filter(status__in=OPEN_ACTION_STATUSES, due_date__lt=today)
        if d["q"]:
            q = d["q"].strip()
            qs = qs.filter(
                Q(reference__icontains=q) | Q(description__icontains=q) | Q(latest_update__icontains=q)
            )
    else:
        qs = qs.filter(status__in=OPEN_ACTION_STATUSES)
    filters = {k: v[:200] for k, v in request.GET.items() if k not in ("page", "format") and v}
    return form, qs.order_by("-raised_on", "group__code", "-meeting__number", "sequence", "id"), filters


def _ageing(prog: Programme, user) -> list[dict]:
    today = timezone.localdate()
    bands = {}
    for index, (low, high, _label) in enumerate(AGEING):
        where = Q(raised_on__lte=today - dt.timedelta(days=low))
        if high is not None:
            where &= Q(raised_on__gt=today - dt.timedelta(days=high + 1))
        bands[f"b{index}"] = Count("id", filter=where)
    counts = queries.in_visible_programme(
        Action.objects.filter(programme=prog, status__in=OPEN_ACTION_STATUSES), user
    ).aggregate(**bands, overdue=Count("id", filter=Q(due_date__lt=today)))
    rows = [{"label": label, "count": counts[f"b{i}"]} for i, (_, _, label) in enumerate(AGEING)]
    rows.append({"label": "Overdue", "count": counts["overdue"]})
    return rows


@login_required
def programmes_actions(request: HttpRequest, programme: str) -> HttpResponse:
    """The action log (GV-28): Ref | Date | Action | Owner | Due | Status | Latest update, filtered by
    status, owner, group, overdue; ageing of the open actions; export and (the office) import."""
    prog = pages.programme_or_404(request, programme)
    form, qs, filters = _filtered_actions(request, prog)
    page = Paginator(_listed_actions(qs, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(list(page.object_list), timezone.localdate())
    access = access_for(request.user)
    context = {
        **pages.base_context(request, prog, "actions"),
        "page": page,
        "form": form,
        "ageing": _ageing(prog, request.user),
        "extra_qs": urlencode(filters),
        "export_qs": urlencode(filters),
        "may_import": permissions.can_import_actions(access, prog.pk) is None,
    }
    return render(request, "programmes/meetings/actions.html", context)


@login_required
def programmes_actions_export(request: HttpRequest, programme: str) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    fmt = request.GET.get("format", "csv")
    if fmt not in export.FORMATS:
        return HttpResponse(
            "format: choose csv or xlsx", status=400, content_type="text/plain; charset=utf-8"
        )
    _, qs, _ = _filtered_actions(request, prog)
    return export.response(
        _listed_actions(qs, request.user), EXPORT_COLUMNS, fmt=fmt, stem=f"{prog.code}-actions"
    )


def _import_key(request: HttpRequest, token: str) -> str:
    return f"programmes:action-import:{request.user.pk}:{token}"


@login_required
def programmes_actions_import(request: HttpRequest, programme: str) -> HttpResponse:
    """Import an action log (CSV or XLSX): the file is checked and previewed (nothing written); confirming
    imports every row, or nothing."""
    prog = pages.programme_or_404(request, programme)
    access = access_for(request.user)
    reason = permissions.can_import_actions(access, prog.pk)
    if reason:
        return pages.forbidden(request, reason)
    context = {
        **pages.base_context(request, prog, "actions"),
        "form": ImportForm(),
        "columns": action_import.limits(),
    }
    status = 200
    if request.method == "POST" and request.POST.get("token"):
        token = request.POST["token"][:64]
        held = cache.get(_import_key(request, token))
        if held is None:
            context["faults"] = ["The preview has expired: upload the file again."]
            return render(request, "programmes/meetings/import.html", context, status=422)
        filename, content = held
        try:
            result = actions.import_actions(
                actor=_actor(request), programme=prog, filename=filename, content=content
            )
        except ImportRefused as exc:
            context["faults"] = [str(f) for f in exc.faults]
            return render(request, "programmes/meetings/import.html", context, status=422)
        cache.delete(_import_key(request, token))
        messages.success(
            request, f"{len(result.created)} action{'s' if len(result.created) != 1 else ''} imported."
        )
        return redirect(reverse("programmes_actions", kwargs={"programme": prog.code}) + "?status=all")
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "programmes/meetings/import.html", context, status=422)
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            context["faults"] = [f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB"]
            return render(request, "programmes/meetings/import.html", context, status=422)
        content = upload.read()
        try:
            parsed = action_import.parse(
                programme=prog, filename=upload.name or "", content=content, access=access
            )
        except ImportRefused as exc:
            context["faults"] = [str(f) for f in exc.faults]
            return render(request, "programmes/meetings/import.html", context, status=422)
        token = secrets.token_urlsafe(16)
        cache.set(_import_key(request, token), (upload.name or "", content), IMPORT_TTL)
        context.update(
            {
                "preview": parsed.rows,
                "ignored": parsed.ignored_columns,
                "token": token,
                "filename": upload.name,
            }
        )
    return render(request, "programmes/meetings/import.html", context, status=status)


def _action_context(request: HttpRequest, prog: Programme, item: Action, bound: dict | None = None) -> dict:
    bound = bound or {}
    access = access_for(request.user)
    user_id = request.user.pk
    may_update = permissions.can_update_action(access, item, user_id=user_id) is None
    may_edit = meeting_rules.can_edit_action(access, item) is None
    may_reopen = meeting_rules.can_reopen_action(access, item) is None
    url = reverse("programmes_action", kwargs={"programme": prog.code, "reference": item.reference})
    panels = []
    if may_update and (item.status != ActionStatus.CLOSED or may_reopen):
        panels.append(
            {
                "verb": "update",
                "form": bound.get("update")
                or ActionUpdateForm(prefix="update", action=item, may_reopen=may_reopen),
                "url": url + "update/",
            }
        )
    if may_update and item.status in (ActionStatus.OPEN, ActionStatus.ONGOING):
        panels.append(
            {
                "verb": "recommend",
                "form": bound.get("recommend") or RecommendForm(prefix="recommend", action=item),
                "url": url + "recommend/",
            }
        )
    if permissions.can_ratify_action(access, item) is None:
        ratify = bound.get("ratify") or RatifyForm(prefix="ratify", action=item)
        panels.append({"verb": "ratify", "form": ratify, "url": url + "ratify/"})
    if may_edit:
        panels.append(
            {
                "verb": "edit",
                "form": bound.get("edit") or ActionEditForm(prefix="edit", action=item),
                "url": url + "edit/",
            }
        )
    raid = list(queries.raid_visible_to(request.user).filter(actions=item).order_by("number"))
    for r in raid:
        r.url = raid_url(r)
    updates = list(item.updates.select_related("meeting", "meeting__group").order_by("-at", "-id")[:200])
    labels = dict(ActionStatus.choices)
    for u in updates:
        u.from_label = labels.get(u.status_from, u.status_from)
        u.to_label = labels.get(u.status_to, u.status_to)
    today = timezone.localdate()
    _decorate([item], today)
    return {
        **pages.base_context(request, prog, "actions"),
        "action": item,
        "raid": raid,
        "updates": updates,
        "panels": panels,
        "raised_at_url": meeting_url(item.meeting),
        "closed_at_url": meeting_url(item.closed_at_meeting) if item.closed_at_meeting_id else None,
        "today": today,
    }


@login_required
def programmes_action(request: HttpRequest, programme: str, reference: str) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    item = _action_or_404(request, prog, reference)
    return render(request, "programmes/meetings/action.html", _action_context(request, prog, item))


def _action_page(programme: str, reference: str, **_: Any) -> str:
    return reverse("programmes_action", kwargs={"programme": programme, "reference": reference})


def _action_post(
    request: HttpRequest, programme: str, reference: str, key: str, make, reason_of
) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    item = _action_or_404(request, prog, reference)
    reason = reason_of(access_for(request.user), item, request.user.pk)
    if reason:
        return pages.forbidden(request, reason)
    form = make(request, item)
    said, status = run_action_form(form, _actor(request), field_of=getattr(form, "field_of", None))
    if said is not None:
        messages.success(request, said)
        return redirect(_action_page(prog.code, item.reference))
    item = _action_or_404(request, prog, reference)
    return render(
        request,
        "programmes/meetings/action.html",
        _action_context(request, prog, item, {key: form}),
        status=status,
    )


def _may_update(access, item: Action, user_id: int) -> str | None:
    return permissions.can_update_action(access, item, user_id=user_id)


def _office(access, item: Action, user_id: int) -> str | None:
    return meeting_rules.can_edit_action(access, item)


def _may_ratify(access, item: Action, user_id: int) -> str | None:
    return permissions.can_run_meeting(access, item.programme_id)


@login_required
@post_form(_action_page)
def programmes_action_update(request, programme: str, reference: str) -> HttpResponse:
    def make(r, item):
        may_reopen = meeting_rules.can_reopen_action(access_for(r.user), item) is None
        return ActionUpdateForm(r.POST, prefix="update", action=item, may_reopen=may_reopen)

    return _action_post(request, programme, reference, "update", make, _may_update)


@login_required
@post_form(_action_page)
def programmes_action_recommend(request, programme: str, reference: str) -> HttpResponse:
    return _action_post(
        request,
        programme,
        reference,
        "recommend",
        lambda r, a: RecommendForm(r.POST, prefix="recommend", action=a),
        _may_update,
    )


@login_required
@post_form(_action_page)
def programmes_action_ratify(request, programme: str, reference: str) -> HttpResponse:
    return _action_post(
        request,
        programme,
        reference,
        "ratify",
        lambda r, a: RatifyForm(r.POST, prefix="ratify", action=a),
        _may_ratify,
    )


@login_required
@post_form(_action_page)
def programmes_action_edit(request, programme: str, reference: str) -> HttpResponse:
    return _action_post(
        request,
        programme,
        reference,
        "edit",
        lambda r, a: ActionEditForm(r.POST, prefix="edit", action=a),
        _office,
    )
