"""The demand management demo (issue 15, item 7): tolerances for the CSS and registration services set
by the operations manager, and three demand notices played through the demand actions with back-dated
times: one above tolerance (Brightwater's marketing campaign: analysed, the providers told by bulletin,
mitigation requested and answered), one within tolerance (Kestrel's tariff change, under analysis) and
one closed with compliance recorded (Northern Lights' supplier-of-last-resort migration). Loading twice
changes nothing (the first notice's title marks the demo as loaded)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.demand import actions
from busbar.demand.models import DemandNotice, DemandTolerance
from busbar.lib.actions import Actor
from busbar.parties.queries import scope_for
from busbar.services.models import Service

OPS, ANALYST = "opsmanager@operator.example", "analyst@operator.example"
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

#: service slug, industry-wide normal a day, tolerance % above a filer's normal, absolute cap a day, note
TOLERANCES = [
    ("css-registration", 1_200_000, 20, 250_000, "Switch requests: the 17:00 gate closure peak is the limit"),
    ("css-address", 400_000, 25, 100_000, "Address matching lookups"),
    ("mprs-eastern", 90_000, 20, 30_000, "MPRS Eastern registration flows"),
    ("mprs-northern", 70_000, 15, 20_000, "MPRS Northern: a single batch scheduler (see the risk register)"),
    ("uk-link", 150_000, 20, 40_000, "Gas registration nominations and confirmations"),
]

NOTICES = [
    # (title, filer email, organisation, reason, days ago filed, starts in (days from filing), length,
    #  lines (service, normal, expected), description)
    (
        "Winter fixed-tariff campaign: switch volumes up 2.5 times for three weeks",
        "supplier@brightwater.example",
        "brightwater",
        "marketing",
        6,
        14,
        21,
        [("css-registration", 8_000, 20_000), ("mprs-eastern", 3_000, 7_500), ("css-address", 2_500, 4_000)],
        "National TV and price-comparison campaign for a 12-month fixed tariff. We expect about 12,000 extra "
        "gains a day at the peak, mostly electricity in the Eastern area.",
    ),
    (
        "Standard variable tariff price change: small rise in losses expected",
        "supplier@kestrel.example",
        "kestrel",
        "tariff",
        2,
        10,
        14,
        [("css-registration", 5_000, 5_600)],
        "Our price change letters go out next week; past price changes raised switch-aways by about 10 %.",
    ),
    (
        "Supplier of last resort: migration of 180,000 customers",
        "supplier@northernlights.example",
        "northern-lights",
        "solr",
        70,
        7,
        14,
        [("css-registration", 6_000, 19_000), ("mprs-northern", 2_000, 9_000), ("uk-link", 2_500, 8_000)],
        "Appointed supplier of last resort for a failed supplier's customers; registrations to be moved in "
        "two weeks from the start date.",
    ),
]


def actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def load(ctx) -> None:
    if OPS not in ctx.people or not Service.objects.filter(slug="css-registration").exists():
        ctx.lines.append("No demo services or people: the demand demo is skipped.")
        return
    now = timezone.now()
    ops = actor(ctx, OPS)
    services = {s.slug: s for s in Service.objects.all()}
    effective = timezone.localdate(now) - 365 * DAY
    for slug, normal, percent, cap, note in TOLERANCES:
        service = services.get(slug)
        if service is None or DemandTolerance.objects.filter(service=service).exists():
            continue
        actions.set_tolerance(
            actor=ops,
            service=service,
            effective_from=effective,
            tolerance_percent=percent,
            max_daily_volume=cap,
            normal_daily_volume=normal,
            note=note,
            now=now - 365 * DAY,
        )
    if DemandNotice.objects.filter(title=NOTICES[0][0]).exists():
        ctx.lines.append("Demo demand notices already present: left as they are.")
        return
    desk = actor(ctx, ANALYST)
    made = []
    for title, email, org, reason, ago, starts_in, length, lines, description in NOTICES:
        filed = now - ago * DAY
        start = timezone.localdate(filed) + starts_in * DAY
        made.append(
            actions.file_notice(
                actor=actor(ctx, email),
                title=title,
                starts_on=start,
                ends_on=start + (length - 1) * DAY,
                lines=[
                    {"service": services[s], "normal_per_day": n, "expected_per_day": e} for s, n, e in lines
                ],
                reason=reason,
                description=description,
                organisation=ctx.orgs[org],
                now=filed,
            )
        )
    above, below, closed = made
    at = now - 6 * DAY
    actions.start_analysis(
        actor=desk,
        notice=above,
        analysis="CSS registration at 20,000 a day is 150 % above Brightwater's normal and the campaign's "
        "peak falls in the week of the CSS release. MPRS Eastern also over tolerance.",
        now=at + 3 * HOUR,
    )
    actions.notify_providers(
        actor=desk,
        notice=above,
        note="Please confirm capacity for the period; peak expected in week two.",
        now=at + 4 * HOUR,
    )
    actions.request_mitigation(
        actor=desk,
        notice=above,
        text="Please spread the campaign's switch requests over six weeks instead of three, and keep "
        "submissions away from the 16:00-17:00 gate closure hour.",
        now=at + 26 * HOUR,
    )
    actions.respond(
        actor=actor(ctx, "supplier@brightwater.example"),
        notice=above,
        response="We can spread over five weeks and submit batches before 15:00; six weeks is not possible "
        "with the campaign's media booking.",
        now=at + 50 * HOUR,
    )
    actions.start_analysis(
        actor=desk,
        notice=below,
        analysis="12 % above Kestrel's normal on CSS registration: within the 20 % tolerance.",
        now=now - 1 * DAY,
    )
    at = now - 70 * DAY
    actions.start_analysis(
        actor=desk,
        notice=closed,
        analysis="Over tolerance on CSS registration, MPRS Northern and UK Link; MPRS Northern has the least "
        "headroom.",
        now=at + 2 * HOUR,
    )
    actions.notify_providers(
        actor=desk, notice=closed, note="SoLR migration: see the volumes.", now=at + 3 * HOUR
    )
    actions.request_mitigation(
        actor=desk,
        notice=closed,
        text="Please cap MPRS Northern registrations at 6,000 a day and run the migration over three weeks.",
        now=at + 5 * HOUR,
    )
    actions.respond(
        actor=actor(ctx, "supplier@northernlights.example"),
        notice=closed,
        response="Agreed: three weeks, 6,000 a day on MPRS Northern.",
        now=at + 22 * HOUR,
    )
    actions.record_compliance(
        actor=desk,
        notice=closed,
        compliance="complied",
        note="Daily volumes stayed under 6,000 on MPRS Northern throughout; no incidents attributed.",
        now=now - 30 * DAY,
    )
    actions.close_notice(actor=desk, notice=closed, note="Migration complete.", now=now - 30 * DAY + HOUR)
    ctx.lines.append(
        f"Demand: {len(TOLERANCES)} service tolerances and {len(made)} demand notices (one above tolerance "
        "with mitigation requested, one within, one closed); see /demand/."
    )
