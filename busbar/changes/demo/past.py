"""The change demo's last two months: three CCG meetings (two held, one planned) and eleven Change
Notifications that have run their course (implemented, failed, backed out, reviewed, rejected, cancelled,
two emergency changes)."""

from __future__ import annotations

import datetime as dt

from busbar.changes.demo.story import Plan
from busbar.changes.models import ChangeType

STANDARD, NORMAL, MAJOR, EMERGENCY = (
    ChangeType.STANDARD,
    ChangeType.NORMAL,
    ChangeType.MAJOR,
    ChangeType.EMERGENCY,
)


def play_past(plan: Plan) -> None:
    p, w, at = plan, plan.w, plan.at
    today = plan.today

    # The CCG: held on Tuesdays (CCG #1 five weeks before last week's, CCG #2 last week), next on Tuesday.
    p.meeting("CCG1", held_at=w(-34), scheduled=w(-41, 9), location="Teams call", held=True)
    p.meeting("CCG2", held_at=w(-6), scheduled=w(-34, 12, 30), location="Teams call", held=True)
    p.meeting(
        "CCG3",
        held_at=w(8),
        scheduled=w(-6, 12, 30),
        location="Switching Operator, Room 2 and Teams",
        held=False,
    )

    # == The past ==========================================================================================
    # A major CSS release: consulted, accepted with conditions at CCG #1, implemented, PIR, reviewed.
    p.story(
        "css-411",
        provider="css-provider",
        raised=w(-52, 9),
        title="CSS release 4.11 deployment",
        kind=MAJOR,
        services=["css-registration", "switching-portal"],
        start=w(-29, 0, 30),
        end=w(-29, 5, 30),
        outage=True,
        team="CSS release",
        risk="high",
        description="Release 4.11 of the Central Switching Service: faster switch validation, the new "
        "objection reasons of the REC change, and the portal's switch history export.",
        impact="CSS and the switching portal are unavailable for up to five hours; switch requests sent in "
        "the window are rejected and must be resent afterwards.",
        backout="Redeploy release 4.10 from the blue environment (30 minutes); the database changes are "
        "additive and stay.",
    ).submit(w(-51, 10)).review(w(-51, 14)).consult(
        w(-50, 11), ["xoserve", "dcc", "eastern-dn", "brightwater"], plan.monday - dt.timedelta(days=38)
    ).respond(
        w(-47, 15),
        "xoserve",
        "medium",
        "UK Link will queue gas switch messages during the outage and catch up within 30 minutes.",
    ).respond(
        w(-46, 11), "dcc", "low", "The DSP holds switch notifications and resends them; no action."
    ).respond(
        w(-45, 9, 30), "eastern-dn", "low", "MPRS Eastern is unaffected beyond the queued messages."
    ).respond(
        w(-44, 16),
        "brightwater",
        "medium",
        "We will pause our overnight switching batch; please confirm the end of the outage by bulletin.",
        concerns=True,
    ).decide(
        w(-34, 10, 20),
        "accept_conditions",
        "Accepted: the consultation raised no blocking impact; suppliers to be told when the window ends.",
        meeting="CCG1",
        conditions="Regression pack signed off in pre-production 48 hours before the window; go/no-go call "
        "at 23:00 on the Saturday.",
    ).start(w(-29, 0, 35)).complete(w(-29, 5, 20), "Release 4.11 live; smoke tests passed at 05:10.").pir(
        w(-26, 15),
        "Release 4.11 was deployed inside the window. Switch validation latency fell by 18 % in the first "
        "week; no incidents were raised against the release.",
        successful=True,
        lessons="The portal cache warm-up step was missing from the runbook and took 15 minutes by hand; "
        "it is now in the runbook.",
    ).reviewed(w(-6, 11, 30), "PIR accepted by the CCG.")

    p.story(
        "ukl-oracle",
        provider="xoserve",
        raised=w(-40, 11),
        title="UK Link Oracle quarterly database patching",
        kind=NORMAL,
        services=["uk-link"],
        start=w(-22, 0, 30),
        end=w(-22, 4, 30),
        outage=True,
        team="Xoserve DBA",
        description="The quarterly critical patch update on UK Link's Oracle databases, both nodes.",
        impact="UK Link is unavailable; gas switches from CSS queue and are processed after the window.",
    ).submit(w(-40, 11, 30)).accept(
        w(-34, 10, 30), "Inside UK Link's Sunday window; no conflicts.", meeting="CCG1"
    ).start(w(-22, 0, 32)).complete(
        w(-22, 3, 50), "Patches applied; all services verified by 03:45."
    ).reviewed(w(-6, 11, 35))

    p.story(
        "ecoes-cert",
        provider="electralink",
        raised=w(-33, 9, 15),
        title="ECOES TLS certificate renewal",
        kind=STANDARD,
        services=["ecoes"],
        start=w(-25, 20),
        end=w(-25, 20, 30),
        outage=False,
        team="ECOES operations",
        description="Renew the public TLS certificate of the ECOES API and portal before it expires.",
        impact="None expected; participants pinning the old certificate must update their trust store.",
        risk="low",
    ).submit(w(-33, 9, 20)).accept(
        w(-33, 9, 40), "Standard change: certificate renewal from the pre-approved catalogue."
    ).start(w(-25, 20, 2)).complete(
        w(-25, 20, 18), "New certificate live; chain checked from three gateways."
    )

    p.story(
        "mprs-e-92",
        provider="eastern-dn",
        raised=w(-37, 14),
        title="MPRS Eastern release 9.2 deployment",
        kind=NORMAL,
        services=["mprs-eastern"],
        start=w(-16, 21),
        end=w(-15, 0),
        outage=True,
        team="MPRS Eastern IT",
        description="MPRS release 9.2: the registration data items of the latest DTC version.",
        impact="MPRS Eastern unavailable; switches queue at CSS.",
    ).submit(w(-36, 9)).accept(w(-34, 10, 40), "Inside the Saturday-night window.", meeting="CCG1").start(
        w(-16, 21, 3)
    ).fail(
        w(-15, 0, 25),
        "The database migration script failed on the production schema at 22:40. The service was restored "
        "from the pre-change snapshot by 00:20, 20 minutes over the window. The release will be re-planned "
        "with a corrected script.",
    )

    p.story(
        "dsp-adaptor",
        provider="dcc",
        raised=w(-28, 10),
        title="DSP switching adaptor upgrade to 3.5",
        kind=NORMAL,
        services=["dcc-dsp"],
        start=w(-11, 0, 30),
        end=w(-11, 3),
        outage=True,
        team="DSP operations",
        description="Upgrade the adaptor that receives switch notifications from CSS to version 3.5.",
        impact="Smart meters of switching customers follow the new supplier a few hours later than usual.",
    ).submit(w(-27, 10)).accept(w(-25, 15), "No conflicts; inside the DSP's nightly window.").start(
        w(-11, 0, 31)
    ).back_out(
        w(-11, 2, 40),
        "Smoke tests failed on the new adaptor (its certificate chain was not trusted by CSS). Backed out "
        "to 3.4.2 inside the window; no switch notifications were lost.",
    )

    p.story(
        "addressbase",
        provider="css-provider",
        raised=w(-13, 9, 15),
        title="Quarterly AddressBase load into the CSS address service",
        kind=NORMAL,
        services=["css-address"],
        start=w(-8, 1),
        end=w(-8, 3),
        outage=False,
        team="CSS data",
        description="Load Ordnance Survey's quarterly AddressBase release into the CSS address service.",
        impact="None: address matching continues on the current data until the switch-over at the end.",
        risk="low",
    ).submit(w(-13, 9, 30)).decide(
        w(-12, 11),
        "accept",
        "Ordnance Survey's quarterly release arrived late; the load is data-only with no outage, so it is "
        "accepted as an exception to the notice rule.",
        late_exception=True,
    ).start(w(-8, 1, 5)).complete(w(-8, 2, 40), "Loaded: 31,842 addresses added and 2,107 retired.")

    emergency_day = today - dt.timedelta(days=4)
    p.story(
        "gateway-tls",
        provider="css-provider",
        raised=at(emergency_day, 14),
        title="Emergency patch of the registration gateway's TLS library",
        kind=EMERGENCY,
        services=["css-registration"],
        start=at(emergency_day, 23),
        end=at(emergency_day, 23, 30),
        outage=True,
        team="CSS platform",
        risk="high",
        description="Apply the vendor's patch to the TLS library of the CSS registration gateway.",
        impact="Switch requests are rejected for up to 30 minutes while the gateway nodes restart.",
        emergency_reason="The gateway vendor published an advisory for an actively exploited flaw in its TLS "
        "library; the patch cannot wait for the 8 working days' notice.",
    ).submit(at(emergency_day, 14, 10)).accept(
        at(emergency_day, 14, 40),
        "Emergency change approved by the change co-ordinator; retrospective review at the next CCG.",
    ).start(at(emergency_day, 23, 2)).complete(
        at(emergency_day, 23, 21),
        "Gateway patched and restarted node by node; switch requests queued for 9 minutes, then flowed.",
    )

    p.story(
        "mprs-n-queue",
        provider="northern-dn",
        raised=w(-17, 8, 15),
        title="Emergency restart of the MPRS Northern message broker",
        kind=EMERGENCY,
        services=["mprs-northern"],
        start=w(-17, 9),
        end=w(-17, 10),
        outage=True,
        team="MPRS Northern IT",
        description="Restart the message broker with a corrected queue limit.",
        impact="MPRS Northern unavailable for up to an hour in working hours.",
        emergency_reason="The outbound switch flow queue has been stuck since 07:40: no electricity switches "
        "are reaching MPRS Northern, and the fix needs a broker restart now.",
    ).submit(w(-17, 8, 20)).accept(
        w(-17, 8, 45), "Emergency approved by the duty change co-ordinator."
    ).start(w(-17, 9, 1)).complete(
        w(-17, 9, 38),
        "Broker restarted with the corrected queue limit; 1,240 queued switches processed by 10:05.",
    ).retrospective(
        w(-6, 10, 15),
        "Emergency justified: switches were not reaching MPRS. The queue limit is now monitored.",
        meeting="CCG2",
    ).reviewed(w(-6, 11, 40))

    p.story(
        "ukl-dc1",
        provider="xoserve",
        raised=w(-45, 10),
        title="UK Link data-centre move (phase 1)",
        kind=MAJOR,
        services=["uk-link"],
        start=w(-1, 0),
        end=w(-1, 6),
        outage=True,
        team="Xoserve infrastructure",
        risk="high",
        description="Move UK Link's primary database and application tier to the new data centre.",
        impact="UK Link unavailable for six hours; gas switches queue at CSS; DES enquiries fail.",
        backout="Fail back to the old data centre, which stays live and replicated until the PIR.",
    ).submit(w(-44, 10)).review(w(-44, 15)).consult(
        w(-43, 10), ["css-provider", "midlands-gas", "kestrel"], plan.monday - dt.timedelta(days=33)
    ).respond(
        w(-42, 11), "css-provider", "low", "CSS holds gas switch messages for UK Link and resends them after."
    ).respond(
        w(-40, 14),
        "midlands-gas",
        "medium",
        "Our shipper nominations run at 05:00: please confirm the service is back by 06:00.",
        concerns=True,
    ).respond(w(-39, 9), "kestrel", "none", "No impact on us.").decide(
        w(-34, 10, 50),
        "accept_conditions",
        "Accepted in UK Link's Sunday window.",
        meeting="CCG1",
        conditions="Confirm completion by bulletin before 06:00; Midlands Gas Networks told directly if the "
        "window overruns.",
    ).start(w(-1, 0, 2)).complete(
        w(-1, 5, 35),
        "UK Link's primary database and application tier now run in the new data centre; the 2,310 queued "
        "messages were reconciled by 05:30.",
    )

    p.story(
        "ecoes-index",
        provider="electralink",
        raised=w(-10, 14),
        title="ECOES search index rebuild (business hours)",
        kind=NORMAL,
        services=["ecoes"],
        start=w(2, 11),
        end=w(2, 13),
        outage=True,
        team="ECOES search",
        description="Rebuild the ECOES search index after the schema change.",
        impact="ECOES searches unavailable for two hours.",
    ).submit(w(-10, 14, 30)).decide(
        w(-6, 10, 25),
        "reject",
        "A business-hours outage of ECOES during the monthly settlement run is not acceptable; resubmit "
        "for the Thursday evening window.",
        meeting="CCG2",
    )

    p.story(
        "mprs-n-os",
        provider="northern-dn",
        raised=w(-20, 10),
        title="MPRS Northern operating system upgrade",
        kind=NORMAL,
        services=["mprs-northern"],
        start=w(-9, 21),
        end=w(-8, 0),
        outage=True,
        team="MPRS Northern IT",
        description="Upgrade the MPRS application servers to the vendor's supported operating system.",
        impact="MPRS Northern unavailable; switches queue at CSS.",
    ).submit(w(-19, 9)).cancel(
        w(-15, 16),
        "The operating system vendor withdrew the patch; a new notification follows when it is re-issued.",
    )
