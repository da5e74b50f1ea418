"""Pages: the Change Co-ordination Group (CH-01, CH-03, CH-04) — its home (members, next meetings, the
changes awaiting review with their late, conflict and emergency flags, emergency changes awaiting their
retrospective review, major changes awaiting their post-implementation review), its members, scheduling a
meeting, a meeting's page (the generated agenda: each change with its summary, notice, conflicts and
consultation responses, the decisions already taken and a decision form; minutes and attendees; refresh
and cancel) and the consultations addressed to the viewer's organisation.

The CCG's pages are read by the desk and the CCG's members
(:func:`busbar.changes.queries.meetings_visible_to`); anyone else gets a 404. Only the desk acts
(:func:`busbar.changes.permissions.can_manage_ccg`, :func:`~busbar.changes.permissions.can_decide`): a
member posting gets a 403. Every change goes through :mod:`busbar.changes.actions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from busbar.changes import actions, pages, permissions, queries
from busbar.changes.forms.ccg import (
    LONDON,
    ConsultationResponseForm,
    DecisionForm,
    MeetingForm,
    MemberAddForm,
    MemberRemoveForm,
    MinutesForm,
    RetrospectiveForm,
)
from busbar.changes.models import (
    AWAITING_REVIEW,
    ENDED,
    CcgAgendaItem,
    CcgDecision,
    CcgMeeting,
    CcgMeetingStatus,
    CcgOutcome,
    ChangeConflict,
    ChangeNotification,
    ChangeStatus,
    ChangeType,
    Consultation,
)
from busbar.lib.actions import ActionError, Actor
from busbar.lib.forms import form_errors, parse_id, run_action_form
from busbar.lib.markdown import render as render_markdown
from busbar.lib.postback import post_form
from busbar.parties.queries import scope_for

#: Rows shown in each list of the CCG's home (the change list, filtered, has the rest).
HOME_MAX = 100
#: Upcoming and recent meetings on the home page.
MEETINGS_SHOWN = 5
CONSULTATIONS_PAGE = 50
#: Outcomes offered when the change is awaiting review; a change accepted already can only be moved.
ALL_OUTCOMES = [c for c, _ in CcgOutcome.choices if c != CcgOutcome.RETROSPECTIVE]
AWAITING_PIR = (ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.BACKED_OUT)


def _reads_ccg(request: HttpRequest) -> bool:
    """The desk and the CCG's members read the CCG's pages (the rule of ``meetings_visible_to``)."""
    return scope_for(request.user).is_central or queries.is_ccg_member(request.user)


def _require_reader(request: HttpRequest) -> None:
    if not _reads_ccg(request):
        raise Http404("No such page")


def _meeting_or_404(request: HttpRequest, number: int) -> CcgMeeting:
    found = queries.meetings_visible_to(request.user).filter(number=number).first()
    if found is None:
        raise Http404("No such meeting")
    return found


def _context(request: HttpRequest, tab: str = "ccg", **extra) -> dict:
    return {**pages.base_context(request, tab), **extra}


def _flagged(qs):
    return qs.select_related("provider").prefetch_related("services").order_by("planned_start", "id")


# -- the CCG's home ------------------------------------------------------------------------------------


@login_required
def ccg_home(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    user = request.user
    scope = scope_for(user)
    start_of_today = timezone.now().astimezone(LONDON).replace(hour=0, minute=0, second=0, microsecond=0)
    meetings = queries.meetings_visible_to(user)
    visible = queries.visible_to(user)
    awaiting = list(_flagged(visible.filter(status__in=AWAITING_REVIEW))[: HOME_MAX + 1])
    retrospective = list(
        _flagged(
            visible.filter(
                change_type=ChangeType.EMERGENCY,
                retrospective_review_due=True,
                retrospective_reviewed_at__isnull=True,
            )
        )[: HOME_MAX + 1]
    )
    pir = list(
        _flagged(
            visible.filter(
                change_type=ChangeType.MAJOR, status__in=AWAITING_PIR, pir_completed_at__isnull=True
            )
        )[: HOME_MAX + 1]
    )
    context = _context(
        request,
        members=list(queries.members_visible_to(user).filter(is_active=True)),
        next_meetings=list(
            meetings.filter(status=CcgMeetingStatus.PLANNED, held_at__gte=start_of_today).order_by(
                "held_at", "number"
            )[:MEETINGS_SHOWN]
        ),
        recent_meetings=list(
            meetings.filter(held_at__lt=start_of_today).order_by("-held_at", "-number")[:MEETINGS_SHOWN]
        ),
        awaiting=awaiting[:HOME_MAX],
        awaiting_cut=len(awaiting) > HOME_MAX,
        retrospective=retrospective[:HOME_MAX],
        retrospective_cut=len(retrospective) > HOME_MAX,
        pir=pir[:HOME_MAX],
        pir_cut=len(pir) > HOME_MAX,
        may_manage=permissions.can_manage_ccg(scope) is None,
    )
    return render(request, "changes/ccg/home.html", context)


# -- members -------------------------------------------------------------------------------------------


def _members_page(request: HttpRequest, add_form: MemberAddForm | None = None, status: int = 200):
    scope = scope_for(request.user)
    may_manage = permissions.can_manage_ccg(scope) is None
    if may_manage and add_form is None:
        add_form = MemberAddForm(prefix="add")
    context = _context(
        request,
        members=list(queries.members_visible_to(request.user).filter(is_active=True)),
        may_manage=may_manage,
        add_panel={"verb": "add", "form": add_form, "url": reverse("ccg_members")} if may_manage else None,
    )
    return render(request, "changes/ccg/members.html", context, status=status)


@login_required
def ccg_members(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    if request.method != "POST":
        return _members_page(request)
    reason = permissions.can_manage_ccg(scope_for(request.user))
    if reason:
        return pages.forbidden(request, reason)
    actor = Actor.from_request(request)
    if request.POST.get("op") == "remove":
        form = MemberRemoveForm(request.POST, prefix="remove")
        said, status = run_action_form(form, actor)
        if said is None:
            for error in form_errors(form):
                messages.error(request, error)
            return _members_page(request, status=status)
        messages.success(request, said)
        return redirect("ccg_members")
    add = MemberAddForm(request.POST, prefix="add")
    said, status = run_action_form(
        add, actor, field_of=lambda f: "membership" if f in ("user", "organisation") else f
    )
    if said is None:
        return _members_page(request, add, status)
    messages.success(request, said)
    return redirect("ccg_members")


# -- meetings ------------------------------------------------------------------------------------------


@login_required
def ccg_meeting_new(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    reason = permissions.can_manage_ccg(scope_for(request.user))
    if reason:
        return pages.forbidden(request, reason)
    form = MeetingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        said, status = run_action_form(form, Actor.from_request(request))
        if said is not None:
            messages.success(request, said)
            return redirect("ccg_meeting", number=form.meeting.number)
    return render(request, "changes/ccg/meeting_new.html", _context(request, form=form), status=status)


def _agenda(request: HttpRequest, meeting: CcgMeeting) -> list[CcgAgendaItem]:
    """The agenda's items on changes the viewer may see, each change with what the CCG reads: its services,
    notice rule, conflicts, consultation responses and decisions (a constant number of queries). The
    meeting's readers are the desk and the CCG's members, who review every change they see: the internal
    fields (conflicts, consultations) are theirs to read (:func:`busbar.changes.queries.reviews`)."""
    visible = queries.visible_to(request.user).values("pk")
    return list(
        CcgAgendaItem.objects.filter(meeting=meeting, change__in=visible)
        .select_related("change__provider", "change__notice_rule")
        .prefetch_related(
            "change__services",
            Prefetch(
                "change__conflicts",
                queryset=ChangeConflict.objects.select_related("other_change", "service", "blackout"),
            ),
            Prefetch(
                "change__consultations",
                queryset=Consultation.objects.select_related("organisation", "responded_by").order_by(
                    "organisation__name"
                ),
            ),
            Prefetch(
                "change__decisions",
                queryset=CcgDecision.objects.select_related("decided_by", "meeting").order_by(
                    "decided_at", "id"
                ),
            ),
        )
        .order_by("order", "id")
    )


def _outcomes(verbs: list[str]) -> list[str]:
    if "decide" in verbs:
        return ALL_OUTCOMES
    if "reschedule" in verbs:
        return [CcgOutcome.RESCHEDULE]
    return []


def _decision_forms(
    change: ChangeNotification, meeting: CcgMeeting, verbs: list[str], bound: dict
) -> tuple[DecisionForm | None, RetrospectiveForm | None]:
    ref = change.reference.lower()
    decision = bound.get(f"{ref}-decide")
    outcomes = _outcomes(verbs)
    if decision is None and outcomes:
        decision = DecisionForm(prefix=f"{ref}-decide", change=change, meeting=meeting, outcomes=outcomes)
    retro = bound.get(f"{ref}-retro")
    if retro is None and "retrospective" in verbs:
        retro = RetrospectiveForm(prefix=f"{ref}-retro", change=change, meeting=meeting)
    return decision, retro


def _meeting_context(request: HttpRequest, meeting: CcgMeeting, bound: dict | None = None) -> dict:
    bound = bound or {}
    scope = scope_for(request.user)
    may_manage = permissions.can_manage_ccg(scope) is None
    open_meeting = meeting.status != CcgMeetingStatus.CANCELLED
    items = _agenda(request, meeting)
    url = reverse("ccg_meeting", args=[meeting.number])
    for item in items:
        change = item.change
        item.decision_form = item.retro_form = None
        if open_meeting and permissions.can_decide(scope, change) is None:
            verbs = permissions.available(scope, change)
            item.decision_form, item.retro_form = _decision_forms(change, meeting, verbs, bound)
        item.decided_here = [d for d in change.decisions.all() if d.meeting_id == meeting.pk]
    minutes_form = None
    if may_manage and open_meeting:
        minutes_form = bound.get("minutes") or MinutesForm(prefix="minutes", meeting=meeting)
    return _context(
        request,
        meeting=meeting,
        items=items,
        url=url,
        attendees=list(meeting.attendees.order_by("full_name", "pk")),
        minutes_html=mark_safe(render_markdown(meeting.minutes or "")),  # sanitised by nh3
        minutes_panel={"verb": "minutes", "form": minutes_form, "url": f"{url}minutes/"}
        if minutes_form
        else None,
        may_manage=may_manage and open_meeting,
        may_cancel=may_manage and meeting.status == CcgMeetingStatus.PLANNED,
        now=timezone.now(),
    )


@login_required
def ccg_meeting(request: HttpRequest, number: int) -> HttpResponse:
    meeting = _meeting_or_404(request, number)
    return render(request, "changes/ccg/meeting.html", _meeting_context(request, meeting))


MEETING_VERBS = ("refresh-agenda", "minutes", "cancel", "decide")


def _agenda_change(request: HttpRequest, meeting: CcgMeeting) -> ChangeNotification:
    """The change a decision names (``change``: its reference), on this meeting's agenda and visible."""
    reference = (request.POST.get("change") or "").strip().upper()[:20]
    item = (
        CcgAgendaItem.objects.filter(
            meeting=meeting,
            change__reference=reference,
            change__in=queries.visible_to(request.user).values("pk"),
        )
        .select_related("change__provider")
        .first()
    )
    if item is None:
        raise Http404("That change is not on this meeting's agenda")
    return item.change


def _decide(request: HttpRequest, meeting: CcgMeeting) -> HttpResponse:
    change = _agenda_change(request, meeting)
    scope = scope_for(request.user)
    reason = permissions.can_decide(scope, change)
    if reason:
        return pages.forbidden(request, reason)
    ref = change.reference.lower()
    verbs = permissions.available(scope, change)
    retrospective = request.POST.get("kind") == "retrospective"
    if retrospective and "retrospective" in verbs:
        key, form = (
            f"{ref}-retro",
            RetrospectiveForm(request.POST, prefix=f"{ref}-retro", change=change, meeting=meeting),
        )
    elif not retrospective and _outcomes(verbs):
        key = f"{ref}-decide"
        form = DecisionForm(
            request.POST, prefix=key, change=change, meeting=meeting, outcomes=_outcomes(verbs)
        )
    else:
        messages.error(
            request,
            f"{change.reference} is {change.get_status_display().lower()}: "
            "no such decision can be recorded now.",
        )
        context = _meeting_context(request, meeting)
        return render(request, "changes/ccg/meeting.html", context, status=409)
    said, status = run_action_form(form, Actor.from_request(request))
    if said is not None:
        messages.success(request, said)
        return redirect(reverse("ccg_meeting", args=[meeting.number]) + f"#item-{change.reference}")
    context = _meeting_context(request, meeting, bound={key: form})
    return render(request, "changes/ccg/meeting.html", context, status=status)


@login_required
@post_form(lambda number, verb: reverse("ccg_meeting", args=[number]))
def ccg_meeting_act(request: HttpRequest, number: int, verb: str) -> HttpResponse:
    if verb not in MEETING_VERBS:
        raise Http404("No such action")
    meeting = _meeting_or_404(request, number)
    if verb == "decide":
        return _decide(request, meeting)
    reason = permissions.can_manage_ccg(scope_for(request.user))
    if reason:
        return pages.forbidden(request, reason)
    actor = Actor.from_request(request)
    if verb == "minutes":
        form = MinutesForm(request.POST, prefix="minutes", meeting=meeting)
        said, status = run_action_form(form, actor)
        if said is None:
            return render(
                request,
                "changes/ccg/meeting.html",
                _meeting_context(request, meeting, bound={"minutes": form}),
                status=status,
            )
        messages.success(request, said)
        return redirect(reverse("ccg_meeting", args=[meeting.number]) + "#minutes")
    try:
        if verb == "refresh-agenda":
            actions.refresh_agenda(actor=actor, meeting=meeting)
            messages.success(request, f"The agenda of CCG #{meeting.number} is up to date.")
        else:
            actions.cancel_meeting(actor=actor, meeting=meeting)
            messages.success(request, f"CCG #{meeting.number} is cancelled.")
    except ActionError as exc:
        messages.error(request, exc.message)
        meeting.refresh_from_db()
        status = 403 if exc.status == 403 else exc.status
        return render(request, "changes/ccg/meeting.html", _meeting_context(request, meeting), status=status)
    return redirect("ccg_meeting", number=meeting.number)


# -- consultations addressed to me ---------------------------------------------------------------------


def _consultations_page(request: HttpRequest, bound: dict | None = None, status: int = 200) -> HttpResponse:
    bound = bound or {}
    scope = scope_for(request.user)
    today = timezone.localdate(timezone=LONDON)
    qs = (
        queries.my_consultations(request.user)
        .select_related("change__provider", "responded_by")
        .annotate(
            answered=Case(
                When(responded_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("answered", "deadline", "change__planned_start", "pk")
    )
    page = Paginator(qs, CONSULTATIONS_PAGE).get_page(request.GET.get("page"))
    for c in page:
        c.overdue = c.responded_at is None and c.deadline < today
        c.form = None
        if c.change.status not in ENDED and permissions.can_respond(scope, c) is None:
            c.form = bound.get(c.pk) or ConsultationResponseForm(prefix=f"c{c.pk}", consultation=c)
    context = _context(
        request, "consultations", page=page, today=today, action_url=reverse("my_consultations")
    )
    return render(request, "changes/ccg/consultations.html", context, status=status)


@login_required
def my_consultations(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _consultations_page(request)
    pk = parse_id(request.POST.get("consultation"))
    consultation = (
        queries.my_consultations(request.user).filter(pk=pk).select_related("change__provider").first()
        if pk
        else None
    )
    if consultation is None:
        raise Http404("No such consultation")
    reason = permissions.can_respond(scope_for(request.user), consultation)
    if reason:
        return pages.forbidden(request, reason)
    form = ConsultationResponseForm(request.POST, prefix=f"c{consultation.pk}", consultation=consultation)
    said, status = run_action_form(form, Actor.from_request(request))
    if said is None:
        return _consultations_page(request, bound={consultation.pk: form}, status=status)
    messages.success(request, said)
    return redirect("my_consultations")


urlpatterns = [
    path("changes/ccg/", ccg_home, name="ccg_home"),
    path("changes/ccg/members/", ccg_members, name="ccg_members"),
    path("changes/ccg/meetings/new/", ccg_meeting_new, name="ccg_meeting_new"),
    path("changes/ccg/meetings/<int:number>/", ccg_meeting, name="ccg_meeting"),
    path("changes/ccg/meetings/<int:number>/<slug:verb>/", ccg_meeting_act, name="ccg_meeting_act"),
    path("changes/consultations/", my_consultations, name="my_consultations"),
]
