"""Pages: a programme's governance groups and one group (members, meetings, working groups)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from busbar.lib.forms import run_action_form
from busbar.lib.postback import post_form
from busbar.programmes import pages, permissions, queries
from busbar.programmes.actions import meetings as actions
from busbar.programmes.forms.meetings import (
    GroupEditForm,
    GroupForm,
    MeetingForm,
    MemberForm,
)
from busbar.programmes.models import (
    OPEN_ACTION_STATUSES,
    Action,
    Group,
    GroupKind,
    Meeting,
    MeetingStatus,
)
from busbar.programmes.views.meetings.common import (
    _actor,
    _group_or_404,
    _md,
)
from busbar.testing.access import access_for
from busbar.testing.models import Programme


@login_required
def programmes_groups(request: HttpRequest, programme: str) -> HttpResponse:
    """The programme's governance groups, with their working groups, members and next meeting; the office
    adds groups."""
    prog = pages.programme_or_404(request, programme)
    access = access_for(request.user)
    today = timezone.localdate()
    may = permissions.can_manage_groups(access, prog.pk) is None
    form, status = (GroupForm(prefix="group", programme=prog) if may else None), 200
    if request.method == "POST":
        if not may:
            return pages.forbidden(request, permissions.can_manage_groups(access, prog.pk))
        form = GroupForm(request.POST, prefix="group", programme=prog)
        said, status = run_action_form(form, _actor(request))
        if said is not None:
            messages.success(request, said)
            return redirect(form.redirect_to)
    groups = list(
        queries.in_visible_programme(Group.objects.filter(programme=prog), request.user)
        .select_related("parent")
        .annotate(
            member_count=Count("members", distinct=True),
            meeting_count=Count("meetings", distinct=True),
            next_meeting=Min(
                "meetings__date", filter=Q(meetings__date__gte=today, meetings__status=MeetingStatus.PLANNED)
            ),
            last_number=Max("meetings__number"),
        )
        .order_by("kind", "code")
    )
    top = [g for g in groups if g.parent_id is None or g.kind != GroupKind.WORKING]
    children: dict[int, list[Group]] = {}
    for g in groups:
        if g.parent_id is not None and g.kind == GroupKind.WORKING:
            children.setdefault(g.parent_id, []).append(g)
    rows = [{"group": g, "working": children.get(g.pk, [])} for g in top]
    context = {
        **pages.base_context(request, prog, "meetings"),
        "rows": rows,
        "orphans": [g for g in groups if g.kind == GroupKind.WORKING and g.parent_id is None],
        "panel": form and {"verb": "group", "form": form, "url": request.path},
    }
    return render(request, "programmes/meetings/groups.html", context, status=status)


def _group_context(request: HttpRequest, prog: Programme, group: Group, bound: dict | None = None) -> dict:
    bound = bound or {}
    access = access_for(request.user)
    members = list(group.members.select_related("organisation").order_by("organisation__name"))
    meetings = list(
        Meeting.objects.filter(group=group)
        .annotate(action_count=Count("actions_raised"))
        .order_by("-number")[:100]
    )
    working = list(
        Group.objects.filter(parent=group).annotate(member_count=Count("members")).order_by("code")
    )
    may_manage = permissions.can_manage_groups(access, prog.pk) is None
    may_run = permissions.can_run_meeting(access, prog.pk) is None
    base = reverse("programmes_group", kwargs={"programme": prog.code, "group": group.code})
    panels = []
    if may_run and group.is_active:
        panels.append(
            {
                "verb": "schedule",
                "form": bound.get("schedule") or MeetingForm(prefix="meeting", group=group),
                "url": base + "schedule/",
            }
        )
    if may_manage:
        panels.append(
            {
                "verb": "member",
                "form": bound.get("member") or MemberForm(prefix="member", group=group),
                "url": base + "members/",
            }
        )
        panels.append(
            {
                "verb": "edit",
                "form": bound.get("edit") or GroupEditForm(prefix="edit", group=group),
                "url": base + "edit/",
            }
        )
    open_actions = (
        Action.objects.filter(group=group, status__in=OPEN_ACTION_STATUSES).count() if meetings else 0
    )
    return {
        **pages.base_context(request, prog, "meetings"),
        "group": group,
        "members": members,
        "meetings": meetings,
        "working": working,
        "standing": [
            line.split("|")[0].strip() for line in group.standing_items.splitlines() if line.strip()
        ],
        "purpose_html": _md(group.purpose),
        "panels": panels,
        "may_manage": may_manage,
        "open_actions": open_actions,
        "today": timezone.localdate(),
    }


@login_required
def programmes_group(request: HttpRequest, programme: str, group: str) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    found = _group_or_404(request, prog, group)
    return render(request, "programmes/meetings/group.html", _group_context(request, prog, found))


def _group_post(request: HttpRequest, programme: str, group: str, key: str, make, reason_of) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    found = _group_or_404(request, prog, group)
    reason = reason_of(access_for(request.user), prog.pk)
    if reason:
        return pages.forbidden(request, reason)
    form = make(request, found)
    said, status = run_action_form(form, _actor(request))
    if said is not None:
        messages.success(request, said)
        return redirect(
            getattr(form, "redirect_to", None)
            or reverse("programmes_group", kwargs={"programme": prog.code, "group": found.code})
        )
    found = _group_or_404(request, prog, group)
    return render(
        request,
        "programmes/meetings/group.html",
        _group_context(request, prog, found, {key: form}),
        status=status,
    )


def _group_page(programme: str, group: str, **_: Any) -> str:
    return reverse("programmes_group", kwargs={"programme": programme, "group": group})


@login_required
@post_form(_group_page)
def programmes_group_edit(request: HttpRequest, programme: str, group: str) -> HttpResponse:
    return _group_post(
        request,
        programme,
        group,
        "edit",
        lambda r, g: GroupEditForm(r.POST, prefix="edit", group=g),
        permissions.can_manage_groups,
    )


@login_required
@post_form(_group_page)
def programmes_group_members(request: HttpRequest, programme: str, group: str) -> HttpResponse:
    return _group_post(
        request,
        programme,
        group,
        "member",
        lambda r, g: MemberForm(r.POST, prefix="member", group=g),
        permissions.can_manage_groups,
    )


@login_required
@post_form(_group_page)
def programmes_meeting_schedule(request: HttpRequest, programme: str, group: str) -> HttpResponse:
    return _group_post(
        request,
        programme,
        group,
        "schedule",
        lambda r, g: MeetingForm(r.POST, prefix="meeting", group=g),
        permissions.can_run_meeting,
    )


@login_required
@post_form(_group_page)
def programmes_group_member_remove(
    request: HttpRequest, programme: str, group: str, member: int
) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    found = _group_or_404(request, prog, group)
    the_member = found.members.filter(pk=member).select_related("organisation").first()
    if the_member is None:
        raise Http404("No such member")
    reason = permissions.can_manage_groups(access_for(request.user), prog.pk)
    if reason:
        return pages.forbidden(request, reason)
    actions.remove_group_member(actor=_actor(request), member=the_member)
    messages.success(request, f"{the_member.organisation.name} removed from {found.code}.")
    return redirect(_group_page(prog.code, found.code))
