"""The change demo's next six weeks: two accepted changes every week, one rescheduled by the CCG, one
major change accepted with conditions after its consultation, two standard changes pre-approved."""

from __future__ import annotations

import datetime as dt

from busbar.changes.demo.story import Plan, shift
from busbar.changes.models import ChangeType

STANDARD, NORMAL, MAJOR = ChangeType.STANDARD, ChangeType.NORMAL, ChangeType.MAJOR


def play_ahead(plan: Plan) -> None:
    """Two accepted changes in each of the six weeks from tomorrow (the forward schedule is full)."""
    p, w, week = plan, plan.w, plan.weekday_in_week
    sun, sat, thu = (lambda k: week(k, 6)), (lambda k: week(k, 5)), (lambda k: week(k, 3))

    start, end = p.slot(["uk-link"], sun(0), "00:30", "04:30")
    p.story(
        "ukl-batch",
        provider="xoserve",
        raised=w(-16, 10),
        title="UK Link batch scheduler upgrade",
        kind=NORMAL,
        services=["uk-link"],
        start=start,
        end=end,
        outage=True,
        team="Xoserve batch",
        description="Upgrade the batch scheduler that runs UK Link's overnight processing.",
        impact="UK Link unavailable; gas switches queue at CSS.",
    ).submit(w(-15, 10)).accept(
        w(-6, 10, 50), "Inside UK Link's Sunday window; no conflicts.", meeting="CCG2"
    )

    start, end = p.slot(["ecoes"], thu(0), "19:30", "22:30")
    p.story(
        "ecoes-search",
        provider="electralink",
        raised=w(-12, 15),
        title="ECOES search service upgrade",
        kind=NORMAL,
        services=["ecoes"],
        start=start,
        end=end,
        outage=True,
        team="ECOES search",
        description="Upgrade the ECOES search service, with the index rebuilt overnight afterwards.",
        impact="ECOES searches unavailable for three hours in the evening.",
    ).submit(w(-12, 15, 30)).accept(w(-6, 10, 55), "Inside the Thursday evening window.", meeting="CCG2")

    start, end = p.slot(["css-registration"], sun(1), "01:00", "02:00")
    p.story(
        "css-cert",
        provider="css-provider",
        raised=w(-5, 9),
        title="CSS registration API certificate rotation",
        kind=STANDARD,
        services=["css-registration"],
        start=start,
        end=end,
        outage=False,
        team="CSS security",
        description="Rotate the CSS registration API's client-facing TLS certificate.",
        impact="None: both certificates are trusted during the rotation.",
        risk="low",
    ).submit(w(-5, 9, 10)).accept(w(-5, 9, 40), "Standard change: certificate rotation, pre-approved.")

    start, end = p.slot(["mprs-northern"], sat(1), "21:00", "00:00", next_day=True)
    p.story(
        "mprs-n-storage",
        provider="northern-dn",
        raised=w(-14, 9),
        title="MPRS Northern storage array firmware update",
        kind=NORMAL,
        services=["mprs-northern"],
        start=start,
        end=end,
        outage=True,
        team="MPRS Northern infrastructure",
        description="Update the firmware of the storage array under MPRS Northern's databases.",
        impact="MPRS Northern unavailable for three hours; switches queue at CSS.",
    ).submit(w(-13, 9, 30)).decide(
        w(-6, 11),
        "accept_conditions",
        "Accepted in the Saturday-night window.",
        meeting="CCG2",
        conditions="Confirm on this notification that the rollback snapshot completed before the outage "
        "starts.",
    )

    first, first_end = p.slot(["uk-link"], sun(1), "00:30", "05:00")
    # The CCG moves it a week (and past a blackout, if the week after is in one).
    start, end = p.clear(["uk-link"], shift(first, 7), shift(first_end, 7))
    p.story(
        "ukl-244",
        provider="xoserve",
        raised=w(-11, 10),
        title="UK Link release 24.4 deployment",
        kind=NORMAL,
        services=["uk-link"],
        start=first,
        end=first_end,
        outage=True,
        team="UK Link release",
        description="UK Link release 24.4: the gas settlement reform changes.",
        impact="UK Link unavailable; gas switches queue at CSS.",
    ).submit(w(-10, 10)).decide(
        w(-6, 11, 5),
        "reschedule",
        "Moved one week to leave a clear weekend after the batch scheduler upgrade; the later Sunday window "
        "is free.",
        meeting="CCG2",
        new_start=start,
        new_end=end,
    )

    start, end = p.slot(["dcc-dsp"], thu(2), "00:30", "03:00")
    p.story(
        "dsp-lb",
        provider="dcc",
        raised=w(-9, 10),
        title="DSP load-balancer replacement",
        kind=NORMAL,
        services=["dcc-dsp"],
        start=start,
        end=end,
        outage=True,
        team="DSP network",
        description="Replace the end-of-life load balancers in front of the DSP's switching interface.",
        impact="Switch notifications to the DSP queue at CSS for up to two and a half hours.",
    ).submit(w(-9, 10, 30)).accept(w(-3, 14), "No conflicts; inside the DSP's nightly window.")

    start, end = p.slot(["mprs-eastern"], sat(3), "21:00", "00:00", next_day=True)
    p.story(
        "mprs-e-92b",
        provider="eastern-dn",
        raised=w(-9, 11),
        title="MPRS Eastern release 9.2 deployment (re-plan)",
        kind=NORMAL,
        services=["mprs-eastern"],
        start=start,
        end=end,
        outage=True,
        team="MPRS Eastern IT",
        description="Release 9.2 again, with the corrected migration script rehearsed in pre-production.",
        impact="MPRS Eastern unavailable; switches queue at CSS.",
    ).submit(w(-8, 9)).accept(
        w(-6, 11, 10),
        "Re-plan of the failed release with the corrected script, rehearsed in pre-production.",
        meeting="CCG2",
    )

    start, end = p.slot(["des"], thu(3), "19:30", "22:30")
    p.story(
        "des-index",
        provider="xoserve",
        raised=w(-4, 10),
        title="DES reporting database index rebuild",
        kind=STANDARD,
        services=["des"],
        start=start,
        end=end,
        outage=False,
        team="Xoserve DBA",
        description="Rebuild the indexes of DES's reporting database.",
        impact="DES enquiries may be slower during the rebuild.",
        risk="low",
    ).submit(w(-4, 10, 5)).accept(w(-4, 10, 30), "Standard change: index maintenance, pre-approved.")

    start, end = p.slot(["css-address"], sun(4), "01:00", "04:00")
    p.story(
        "css-addr-db",
        provider="css-provider",
        raised=w(-5, 14),
        title="CSS address service database patching",
        kind=NORMAL,
        services=["css-address"],
        start=start,
        end=end,
        outage=True,
        team="CSS DBA",
        description="Apply the database vendor's quarterly patches to the address service's cluster.",
        impact="Address matching unavailable: CSS registration rejects new switch requests.",
    ).submit(w(-5, 14, 30)).accept(w(-2, 11), "Inside the Sunday window; no conflicts.")

    # Accepted, then moved a week at ElectraLink's request (a published change: a "rescheduled" bulletin).
    first, first_end = p.slot(["ecoes"], thu(3), "19:30", "22:30")
    start, end = p.clear(["ecoes"], shift(first, 7), shift(first_end, 7))
    p.story(
        "ecoes-dc",
        provider="electralink",
        raised=w(-4, 11),
        title="ECOES data-centre core switch replacement",
        kind=NORMAL,
        services=["ecoes"],
        start=first,
        end=first_end,
        outage=True,
        team="ECOES infrastructure",
        description="Replace the core network switches in ECOES's primary data centre.",
        impact="ECOES unavailable for up to three hours in the evening.",
    ).submit(w(-4, 11, 30)).accept(w(-2, 11, 15), "Inside the Thursday evening window.").decide(
        w(-1, 9, 30),
        "reschedule",
        "The replacement switches are delivered a week late: moved to the next Thursday evening window at "
        "ElectraLink's request.",
        new_start=start,
        new_end=end,
    )

    start, end = p.slot(["uk-link"], sun(5), "00:00", "07:30")
    p.story(
        "ukl-dc2",
        provider="xoserve",
        raised=w(-20, 10),
        title="UK Link data-centre move (phase 2)",
        kind=MAJOR,
        services=["uk-link"],
        start=start,
        end=end,
        outage=True,
        team="Xoserve infrastructure",
        risk="high",
        description="Move UK Link's batch and interface tier to the new data centre, completing the move.",
        impact="UK Link unavailable for up to seven and a half hours; gas switches queue at CSS.",
        backout="Fail back to the old data centre's interface tier, kept warm for two weeks.",
    ).submit(w(-19, 10)).review(w(-19, 14)).consult(
        w(-18, 10),
        ["css-provider", "midlands-gas", "brightwater", "greenfield"],
        plan.monday - dt.timedelta(days=8),
    ).respond(
        w(-16, 11), "css-provider", "low", "As for phase 1: CSS holds and resends gas messages."
    ).respond(
        w(-12, 15),
        "midlands-gas",
        "medium",
        "Shipper nominations run at 05:00 again: is the 07:30 end firm?",
        concerns=True,
    ).respond(w(-10, 9), "brightwater", "low", "Our gas switches will wait until the morning run.").decide(
        w(-6, 11, 15),
        "accept_conditions",
        "Accepted after the consultation; one concern answered by Xoserve.",
        meeting="CCG2",
        conditions="Phase 1's post-implementation review completed and its lessons applied; a go/no-go "
        "call with the CSS provider at 22:00 the evening before; Midlands Gas Networks told by 05:00 if the "
        "window will overrun.",
    )

    start, end = p.slot(["mprs-eastern"], sat(5), "21:00", "00:00", next_day=True)
    p.story(
        "mprs-e-sec",
        provider="eastern-dn",
        raised=w(-3, 10),
        title="MPRS Eastern quarterly security patching",
        kind=NORMAL,
        services=["mprs-eastern"],
        start=start,
        end=end,
        outage=True,
        team="MPRS Eastern infrastructure",
        description="The quarterly operating system and middleware security patches on MPRS Eastern.",
        impact="MPRS Eastern unavailable for three hours; switches queue at CSS.",
    ).submit(w(-3, 10, 30)).accept(w(-3, 16), "Inside the Saturday-night window.")
