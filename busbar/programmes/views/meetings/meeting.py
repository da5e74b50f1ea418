"""Pages: a meeting — cover facts, agenda with time slots, minutes, the actions raised at it, the open
actions reviewed by exception with one-click ratification, decisions, working-group reports, the pack."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from busbar.lib.actions import ActionError, NotPermitted
from busbar.lib.forms import run_action_form
from busbar.lib.postback import post_form
from busbar.programmes import pages, permissions, queries
from busbar.programmes.actions import meetings as actions
from busbar.programmes.forms.meetings import (
    AgendaItemForm,
    ApproveMinutesForm,
    DecisionForm,
    MeetingEditForm,
    MinutesForm,
    RaiseActionForm,
    WorkingGroupReportForm,
    named_people,
    participant_organisations,
)
from busbar.programmes.models import (
    OPEN_ACTION_STATUSES,
    Action,
    ActionStatus,
    AgendaItem,
    Decision,
    DecisionConditionStatus,
    Group,
    Meeting,
    MeetingStatus,
    WorkingGroupReport,
)
from busbar.programmes.views.meetings.common import (
    REVIEW_MAX,
    _actor,
    _bound,
    _decorate,
    _listed_actions,
    _md,
    _meeting_or_404,
    agenda_rows,
    meeting_url,
    minutes_approved_label,
    pack_url,
)
from busbar.testing.access import access_for
from busbar.testing.models import Programme


def _meeting_context(
    request: HttpRequest, prog: Programme, meeting: Meeting, bound: dict | None = None
) -> dict:
    bound = bound or {}
    access = access_for(request.user)
    user = request.user
    today = timezone.localdate()
    may_run = permissions.can_run_meeting(access, prog.pk) is None
    editable = meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD)
    items = list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))
    rows = agenda_rows(meeting, items)
    url = meeting_url(meeting)
    raised = _decorate(
        list(_listed_actions(Action.objects.filter(meeting=meeting), user).order_by("sequence")), today
    )
    review_qs = Action.objects.filter(group=meeting.group, meeting__number__lt=meeting.number).filter(
        Q(status__in=OPEN_ACTION_STATUSES) | Q(closed_at_meeting=meeting)
    )
    review = _decorate(
        list(_listed_actions(review_qs, user).order_by("meeting__number", "sequence")[:REVIEW_MAX]), today
    )
    recommended = [a for a in review if a.status == ActionStatus.RECOMMEND_CLOSED]
    decisions = list(
        queries.in_visible_programme(Decision.objects.filter(meeting=meeting), user)
        .select_related("agenda_item")
        .annotate(
            open_conditions=Count("conditions", filter=Q(conditions__status=DecisionConditionStatus.OPEN)),
            condition_count=Count("conditions"),
        )
        .order_by("number")
    )
    approved_here = list(
        Meeting.objects.filter(minutes_approved_at=meeting).select_related("group").order_by("number")
    )
    working = list(Group.objects.filter(parent=meeting.group, is_active=True).order_by("code"))
    reports = {r.group_id: r for r in WorkingGroupReport.objects.filter(meeting=meeting)}
    next_meetings: dict[int, Meeting] = {}
    for m in (
        Meeting.objects.filter(group__in=working, date__gte=meeting.date, status=MeetingStatus.PLANNED)
        .prefetch_related(Prefetch("agenda", queryset=AgendaItem.objects.order_by("position")))
        .order_by("date")
    ):
        next_meetings.setdefault(m.group_id, m)
    wg_rows = []
    for g in working:
        form = None
        if may_run and editable:
            form = bound.get(f"wg-{g.code}") or WorkingGroupReportForm(
                meeting=meeting, group=g, report=reports.get(g.pk)
            )
        wg_rows.append(
            {"group": g, "report": reports.get(g.pk), "next": next_meetings.get(g.pk), "form": form}
        )
    forms: dict[str, Any] = {}
    if may_run and editable:
        forms["edit"] = {
            "verb": "cover",
            "form": bound.get("edit") or MeetingEditForm(prefix="cover", meeting=meeting),
            "url": url + "edit/",
        }
        forms["agenda_add"] = {
            "verb": "agenda",
            "form": bound.get("agenda") or AgendaItemForm(prefix="agenda", meeting=meeting),
            "url": url + "agenda/",
        }
        forms["minutes"] = {
            "verb": "minutes",
            "form": bound.get("minutes") or MinutesForm(prefix="minutes", meeting=meeting, items=items),
            "url": url + "minutes/",
        }
        approve = bound.get("approve") or ApproveMinutesForm(prefix="approve", meeting=meeting)
        if "approve" in bound or approve.has_choices:
            forms["approve"] = {"verb": "approve", "form": approve, "url": url + "approve-minutes/"}
        forms["raise"] = {
            "verb": "raise",
            "form": bound.get("raise")
            or RaiseActionForm(
                prefix="raise",
                meeting=meeting,
                organisations=participant_organisations(prog.pk),
                people=named_people(prog.pk, meeting.group),
            ),
            "url": url + "actions/",
        }
        forms["decision"] = {
            "verb": "decision",
            "form": bound.get("decision")
            or DecisionForm(
                prefix="decision",
                programme=prog,
                meeting=meeting,
                organisations=participant_organisations(prog.pk),
            ),
            "url": url + "decisions/",
        }
        for row in rows:
            key = f"agenda-{row.item.position}"
            row.form = bound.get(key) or AgendaItemForm(meeting=meeting, item=row.item)
    return {
        **pages.base_context(request, prog, "meetings"),
        "meeting": meeting,
        "group": meeting.group,
        "rows": rows,
        "agenda_minutes": sum(i.duration_minutes for i in items),
        "minutes_html": _md(meeting.minutes),
        "raised": raised,
        "review": review,
        "review_cut": len(review) >= REVIEW_MAX,
        "recommended": recommended,
        "decisions": decisions,
        "approved_here": approved_here,
        "approved_label": minutes_approved_label(approved_here),
        "wg_rows": wg_rows,
        "forms": forms,
        "may_run": may_run,
        "editable": editable,
        "may_ratify": may_run and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD),
        "may_hold": may_run and meeting.status == MeetingStatus.PLANNED,
        "ratify_url": url + "ratify/"
        if may_run and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD)
        else "",
        "pack_url": pack_url(meeting),
        "url": url,
        "error": bound.get("error"),
        "today": today,
    }


TEMPLATE_MEETING = "programmes/meetings/meeting.html"


@login_required
def programmes_meeting(request: HttpRequest, programme: str, group: str, number: int) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    meeting = _meeting_or_404(request, prog, group, number)
    return render(request, TEMPLATE_MEETING, _meeting_context(request, prog, meeting))


def _meeting_page(programme: str, group: str, number: int, **_: Any) -> str:
    return reverse("programmes_meeting", kwargs={"programme": programme, "group": group, "number": number})


def _meeting_post(
    request: HttpRequest, programme: str, group: str, number: int, key: str, make, anchor: str, reason_of=None
) -> HttpResponse:
    prog = pages.programme_or_404(request, programme)
    meeting = _meeting_or_404(request, prog, group, number)
    reason = (reason_of or permissions.can_run_meeting)(access_for(request.user), prog.pk)
    if reason:
        return pages.forbidden(request, reason)
    form = make(request, meeting)
    said, status = run_action_form(form, _actor(request), field_of=getattr(form, "field_of", None))
    if said is not None:
        messages.success(request, said)
        return redirect(getattr(form, "redirect_to", None) or meeting_url(meeting, anchor))
    meeting = _meeting_or_404(request, prog, group, number)
    return render(
        request, TEMPLATE_MEETING, _meeting_context(request, prog, meeting, {key: form}), status=status
    )


def _meeting_do(
    request: HttpRequest, programme: str, group: str, number: int, do, anchor: str, reason_of=None
) -> HttpResponse:
    """A button without fields (hold, cancel, ratify, remove an item): done, or the page again with the
    refusal and its status."""
    prog = pages.programme_or_404(request, programme)
    meeting = _meeting_or_404(request, prog, group, number)
    reason = (reason_of or permissions.can_run_meeting)(access_for(request.user), prog.pk)
    if reason:
        return pages.forbidden(request, reason)
    try:
        said = do(meeting)
    except NotPermitted as exc:
        return pages.forbidden(request, exc.message)
    except ActionError as exc:
        meeting = _meeting_or_404(request, prog, group, number)
        return render(
            request,
            TEMPLATE_MEETING,
            _meeting_context(request, prog, meeting, _bound(exc)),
            status=exc.status,
        )
    messages.success(request, said)
    return redirect(meeting_url(meeting, anchor))


@login_required
@post_form(_meeting_page)
def programmes_meeting_edit(request, programme: str, group: str, number: int) -> HttpResponse:
    return _meeting_post(
        request,
        programme,
        group,
        number,
        "edit",
        lambda r, m: MeetingEditForm(r.POST, prefix="cover", meeting=m),
        "#cover",
    )


@login_required
@post_form(_meeting_page)
def programmes_agenda_add(request, programme: str, group: str, number: int) -> HttpResponse:
    return _meeting_post(
        request,
        programme,
        group,
        number,
        "agenda",
        lambda r, m: AgendaItemForm(r.POST, prefix="agenda", meeting=m),
        "#agenda",
    )


def _item_or_404(meeting: Meeting, position: int) -> AgendaItem:
    item = AgendaItem.objects.filter(meeting=meeting, position=position).first()
    if item is None:
        raise Http404("No such agenda item")
    return item


@login_required
@post_form(lambda programme, group, number, position: _meeting_page(programme, group, number))
def programmes_agenda_edit(request, programme: str, group: str, number: int, position: int) -> HttpResponse:
    return _meeting_post(
        request,
        programme,
        group,
        number,
        f"agenda-{position}",
        lambda r, m: AgendaItemForm(r.POST, meeting=m, item=_item_or_404(m, position)),
        "#agenda",
    )


@login_required
@post_form(lambda programme, group, number, position: _meeting_page(programme, group, number))
def programmes_agenda_remove(request, programme: str, group: str, number: int, position: int) -> HttpResponse:
    def do(meeting: Meeting) -> str:
        item = actions.remove_agenda_item(actor=_actor(request), item=_item_or_404(meeting, position))
        return f"'{item.title}' removed from the agenda."

    return _meeting_do(request, programme, group, number, do, "#agenda")


@login_required
@post_form(_meeting_page)
def programmes_meeting_minutes(request, programme: str, group: str, number: int) -> HttpResponse:
    def make(r, m):
        return MinutesForm(
            r.POST,
            prefix="minutes",
            meeting=m,
            items=list(AgendaItem.objects.filter(meeting=m).order_by("position")),
        )

    return _meeting_post(request, programme, group, number, "minutes", make, "#minutes")


@login_required
@post_form(_meeting_page)
def programmes_meeting_approve_minutes(request, programme: str, group: str, number: int) -> HttpResponse:
    return _meeting_post(
        request,
        programme,
        group,
        number,
        "approve",
        lambda r, m: ApproveMinutesForm(r.POST, prefix="approve", meeting=m),
        "#minutes-and-actions",
    )


@login_required
@post_form(_meeting_page)
def programmes_meeting_hold(request, programme: str, group: str, number: int) -> HttpResponse:
    def do(meeting: Meeting) -> str:
        actions.hold_meeting(actor=_actor(request), meeting=meeting)
        return f"{meeting} held."

    return _meeting_do(request, programme, group, number, do, "")


@login_required
@post_form(_meeting_page)
def programmes_meeting_cancel(request, programme: str, group: str, number: int) -> HttpResponse:
    def do(meeting: Meeting) -> str:
        actions.cancel_meeting(
            actor=_actor(request), meeting=meeting, reason=request.POST.get("reason", "")[:500]
        )
        return f"{meeting} cancelled."

    return _meeting_do(request, programme, group, number, do, "")


@login_required
@post_form(_meeting_page)
def programmes_meeting_raise_action(request, programme: str, group: str, number: int) -> HttpResponse:
    return _meeting_post(
        request,
        programme,
        group,
        number,
        "raise",
        lambda r, m: RaiseActionForm(r.POST, prefix="raise", meeting=m),
        "#actions-raised",
        reason_of=permissions.can_raise_action,
    )


@login_required
@post_form(_meeting_page)
def programmes_meeting_ratify(request, programme: str, group: str, number: int) -> HttpResponse:
    """One click: ratify the closure of one action (``action``: its reference) or of every action
    recommended closed (``action=all``) at this meeting."""
    reference = request.POST.get("action", "")[:40].upper()

    def do(meeting: Meeting) -> str:
        if reference == "ALL":
            done = actions.ratify_recommended(actor=_actor(request), meeting=meeting)
            refs = ", ".join(a.reference for a in done)
            return f"{len(done)} action{'s' if len(done) != 1 else ''} closed: {refs}."
        item = Action.objects.filter(programme=meeting.group.programme, reference=reference).first()
        if item is None:
            raise Http404("No such action")
        actions.ratify_closure(actor=_actor(request), action=item, meeting=meeting)
        return f"{item.reference} closed at {meeting}."

    return _meeting_do(request, programme, group, number, do, "#review")


@login_required
@post_form(_meeting_page)
def programmes_meeting_decision(request, programme: str, group: str, number: int) -> HttpResponse:
    return _meeting_post(
        request,
        programme,
        group,
        number,
        "decision",
        lambda r, m: DecisionForm(r.POST, prefix="decision", programme=m.group.programme, meeting=m),
        "#decisions",
        reason_of=permissions.can_record_decision,
    )


@login_required
@post_form(lambda programme, group, number, wg: _meeting_page(programme, group, number))
def programmes_meeting_wg_report(request, programme: str, group: str, number: int, wg: str) -> HttpResponse:
    def make(r, m):
        working = Group.objects.filter(parent=m.group, code=wg[:20].upper()).first()
        if working is None:
            raise Http404("No such working group")
        return WorkingGroupReportForm(r.POST, meeting=m, group=working)

    return _meeting_post(request, programme, group, number, f"wg-{wg[:20].upper()}", make, "#working-groups")
