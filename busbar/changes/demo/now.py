"""The change demo's present: DES release 24.3 in progress, the late CSS outage in conflict with DCC's
patching, a major change under review with its consultation, one sent back for more information, one
awaiting review and a draft."""

from __future__ import annotations

import datetime as dt

from busbar.changes.demo.story import Plan
from busbar.changes.models import ChangeType

NORMAL, MAJOR = ChangeType.NORMAL, ChangeType.MAJOR


def play_now(plan: Plan, late_day: dt.date) -> None:
    p, w, at = plan, plan.w, plan.at
    today = plan.today
    week = plan.weekday_in_week

    # == Now ===============================================================================================
    # DES release 24.3, in progress: the status board shows DES in planned maintenance.
    begun = plan.now - dt.timedelta(hours=2)
    begun = begun.replace(minute=begun.minute - begun.minute % 15)
    p.story(
        "des-243",
        provider="xoserve",
        raised=w(-12, 10),
        title="DES release 24.3 installation",
        kind=NORMAL,
        services=["des"],
        start=begun,
        end=begun + dt.timedelta(hours=6),
        outage=True,
        team="DES release",
        description="Install DES release 24.3: the new supply point enquiry fields.",
        impact="DES enquiries unavailable; UK Link is unaffected.",
    ).submit(w(-12, 10, 30)).accept(w(-6, 10, 35), "No conflicts.", meeting="CCG2").start(
        begun + dt.timedelta(minutes=2)
    )

    # The late notification and its conflict: DCC's accepted patching on the night a CSS DR test is
    # submitted for, with 5 working days' notice (8 needed).
    p.story(
        "dsp-patching",
        provider="dcc",
        raised=w(-14, 11),
        title="DSP database patching",
        kind=NORMAL,
        services=["dcc-dsp"],
        start=at(late_day, 1),
        end=at(late_day, 3),
        outage=True,
        team="DSP operations",
        description="Quarterly patching of the DSP's switching database cluster.",
        impact="Switch notifications to the DSP queue at CSS for up to two hours.",
    ).submit(w(-13, 11)).accept(w(-6, 10, 40), "Inside the DSP's nightly window.", meeting="CCG2")
    p.story(
        "css-dr",
        provider="css-provider",
        raised=plan.ago(minutes=50),
        title="CSS registration disaster-recovery failover test",
        kind=NORMAL,
        services=["css-registration"],
        start=at(late_day, 0, 30),
        end=at(late_day, 3, 30),
        outage=True,
        team="CSS DBA",
        risk="high",
        description="Fail CSS registration over to the secondary site and back, as the annual DR test.",
        impact="CSS registration unavailable for up to three hours; switch requests are rejected.",
        backout="Stop the test and fail back to the primary site (20 minutes).",
    ).submit(plan.ago(minutes=40))

    k8s_day = week(7, 6)
    start, end = p.clear(["css-registration", "css-address"], at(k8s_day, 0), at(k8s_day, 6))
    p.story(
        "css-k8s",
        provider="css-provider",
        raised=at(today - dt.timedelta(days=5), 9),
        title="CSS platform Kubernetes upgrade",
        kind=MAJOR,
        services=["css-registration", "css-address"],
        start=start,
        end=end,
        outage=True,
        team="CSS platform",
        risk="high",
        description="Upgrade the Kubernetes platform under CSS registration and the address service by two "
        "minor versions, with new node pools.",
        impact="CSS unavailable for up to six hours; switch requests rejected.",
        backout="Switch traffic back to the old node pools, kept for a week.",
    ).submit(at(today - dt.timedelta(days=5), 9, 30)).review(at(today - dt.timedelta(days=5), 11)).consult(
        at(today - dt.timedelta(days=5), 11, 30),
        ["xoserve", "dcc", "eastern-dn", "northern-dn", "brightwater", "kestrel"],
        today + dt.timedelta(days=5),
    ).respond(
        at(today - dt.timedelta(days=3), 15),
        "xoserve",
        "medium",
        "UK Link will queue gas switches for up to six hours; we need 48 hours' warning of the go/no-go "
        "decision.",
        concerns=True,
    ).respond(
        at(today - dt.timedelta(days=2), 10), "dcc", "low", "The DSP resends held notifications."
    ).respond(
        at(today - dt.timedelta(days=1), 16),
        "brightwater",
        "low",
        "No impact beyond pausing our switching batch overnight.",
    )

    quarter = plan.quarter_day
    p.story(
        "mprs-n-101",
        provider="northern-dn",
        raised=w(-10, 9),
        title="MPRS Northern release 10.1 deployment",
        kind=NORMAL,
        services=["mprs-northern"],
        start=at(quarter, 21),
        end=at(quarter + dt.timedelta(days=1), 0),
        outage=True,
        team="MPRS Northern release",
        description="MPRS release 10.1: performance fixes for the registration flows.",
        impact="MPRS Northern unavailable for three hours.",
    ).submit(w(-9, 9, 30)).decide(
        w(-6, 10, 45),
        "more_info",
        "Planned inside the price-cap change blackout, when switching volumes peak: propose a Saturday-night "
        "window outside it, or explain why it cannot move.",
        meeting="CCG2",
    )

    start, end = p.slot(["switching-portal"], week(3, 5), "20:00", "23:00")
    p.story(
        "portal-28",
        provider="css-provider",
        raised=plan.ago(days=3),
        title="Switching portal release 2.8",
        kind=NORMAL,
        services=["switching-portal"],
        start=start,
        end=end,
        outage=True,
        team="CSS portal",
        description="Portal release 2.8: the bulk objection upload and accessibility fixes.",
        impact="The switching portal is unavailable; CSS registration is unaffected.",
    ).submit(plan.ago(days=2))

    start, end = p.slot(["mprs-eastern"], week(4, 5), "21:30", "22:30")
    p.story(
        "mprs-e-fw",
        provider="eastern-dn",
        raised=plan.ago(days=1),
        title="MPRS Eastern firewall rule change",
        kind=NORMAL,
        services=["mprs-eastern"],
        start=start,
        end=end,
        outage=False,
        team="MPRS Eastern network",
        description="Open the new DTN gateway's addresses on the MPRS Eastern firewall.",
        risk="low",
    )
