"""Pages: the programmes home (the programmes a person sees, each with its phases' RAG, next milestone and
open RAID items and actions as the person may see them), a programme's dashboard (figures and charts of
:mod:`busbar.programmes.dashboard`) and the meeting pack of a meeting (:mod:`busbar.programmes.pack`), as
a page and as a PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from busbar.lib.svgchart import Chart, Series
from busbar.programmes import dashboard, pack, pages, queries

PAGE_SIZE = 25


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The programmes the person sees, a page at a time, with their headline figures."""
    today = dashboard.london_today()
    programmes = (
        queries.programmes_visible_to(request.user)
        .annotate(**dashboard.next_milestone_annotations(today))
        .order_by("name", "id")
    )
    page = Paginator(programmes, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = dashboard.home_rows(request.user, list(page.object_list), today)
    return render(
        request,
        "programmes/dashboard/home.html",
        {"page": page, "rows": rows, "today": today},
    )


def trend_chart(board: dashboard.Dashboard) -> Chart:
    trend = board.trend
    return Chart(
        title="RAID exposure, last 13 weeks",
        labels=[f"{d.day} {d:%b}" for d in trend["ends"]],
        series=[Series(s["name"], s["values"]) for s in trend["series"]],
        description="Sum of likelihood × impact of the RAID items open at the end of each week, each scored "
        "as it is today.",
        label_heading="Week ending",
        key="raid-trend",
        label_every=2,
    )


def ageing_chart(board: dashboard.Dashboard) -> Chart:
    return Chart(
        title="Open actions by age",
        labels=[b["label"] for b in board.actions["buckets"]],
        series=[Series("Open actions", [b["count"] for b in board.actions["buckets"]])],
        description="Open actions by days since they were raised.",
        label_heading="Age",
        key="action-ageing",
        height=200,
    )


@login_required
def programme_dashboard(request: HttpRequest, programme: str) -> HttpResponse:
    """RAG per phase, milestones due and overdue, the RAID exposure trend, open RAID by kind and RAG, top
    exposures, action ageing, change requests by status and the SI metrics, as the person may see them."""
    prog = pages.programme_or_404(request, programme)
    board = dashboard.build(request.user, prog)
    trend, ageing = trend_chart(board), ageing_chart(board)
    raid_url = dashboard.url_or_blank("programmes_raid", programme=prog.code)
    context = {
        **pages.base_context(request, prog, "dashboard"),
        "board": board,
        "rules": board.rules,
        "trend_svg": trend.lines(),
        "trend_table": trend.table(),
        "ageing_svg": ageing.bars(),
        "ageing_table": ageing.table(),
        "raid_url": raid_url,
        "actions_url": dashboard.url_or_blank("programmes_actions", programme=prog.code),
        "crs_url": dashboard.url_or_blank("programmes_crs", programme=prog.code),
        "plan_url": dashboard.url_or_blank("programmes_plan", programme=prog.code),
        "raid_rows": [
            {
                **row,
                "cells": [
                    {
                        "count": n,
                        "url": f"{raid_url}?kind={row['kind']}&status=open&rag={col['rag'] or 'none'}"
                        if raid_url and n
                        else "",
                    }
                    for n, col in zip(row["by_rag"], board.raid["columns"], strict=True)
                ],
            }
            for row in board.raid["rows"]
        ],
    }
    return render(request, "programmes/dashboard/programme.html", context)


def _meeting_or_404(request: HttpRequest, programme: str, group: str, number: int):
    prog = pages.programme_or_404(request, programme)
    meeting = pack.meeting_for(request.user, prog, group, number)
    if meeting is None:
        raise Http404("No such meeting")
    return prog, meeting


@login_required
def meeting_pack(request: HttpRequest, programme: str, group: str, number: int) -> HttpResponse:
    """The meeting pack as a page: the same content as the PDF."""
    prog, meeting = _meeting_or_404(request, programme, group, number)
    data = pack.build(meeting, request.user)
    context = {
        **pages.base_context(request, prog, "meetings"),
        "meeting": meeting,
        "p": data,
        "meeting_url": dashboard.url_or_blank(
            "programmes_meeting", programme=prog.code, group=meeting.group.code, number=meeting.number
        ),
    }
    return render(request, "programmes/pack/page.html", context)


@login_required
def meeting_pack_pdf(request: HttpRequest, programme: str, group: str, number: int) -> HttpResponse:
    """The meeting pack as a PDF (busbar.lib.pdf)."""
    from busbar.programmes.api.dashboard import pack_pdf_response

    _prog, meeting = _meeting_or_404(request, programme, group, number)
    return pack_pdf_response(request, meeting)


urlpatterns: list = [
    path("programmes/", home, name="programmes_home"),
    path("programmes/<slug:programme>/", programme_dashboard, name="programmes_dashboard"),
    path(
        "programmes/<slug:programme>/groups/<str:group>/<int:number>/pack/",
        meeting_pack,
        name="programmes_meeting_pack",
    ),
    path(
        "programmes/<slug:programme>/groups/<str:group>/<int:number>/pack.pdf",
        meeting_pack_pdf,
        name="programmes_meeting_pack_pdf",
    ),
]
