"""The registers' demo (issue 14, item 9): ten operational risks and eight continual service improvements
with realistic GB energy switching content (CSS availability and capacity at gate closure, the DCC
interface, the MHHS DIP, supplier onboarding…), scored, owned by the operator or a provider, linked to
services, KPIs and the demo's problems, in several states; and three service reviews with providers (two
held, with minutes and actions, one planned). Played through :mod:`busbar.registers.actions` with
back-dated times. Loading twice changes nothing (the first risk's title marks the demo as loaded)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.lib.actions import Actor
from busbar.parties.queries import scope_for
from busbar.registers import actions
from busbar.registers.models import Risk
from busbar.services.models import Service

OPS = "opsmanager@operator.example"
ANALYST = "analyst@operator.example"
DAY = dt.timedelta(days=1)

#: (title, category, likelihood, impact, (residual l, i) or None, organisation slug, owner email,
#:  services, kpis, status, days ago raised, review in days, description, mitigations)
RISKS = [
    (
        "CSS capacity at the 17:00 gate closure peak",
        "capacity",
        4, 5, (2, 4),
        "switching-operator", OPS,
        ["css-registration", "css-address"],
        ["availability", "response_time", "resolution_time"],
        "mitigating", 300, 20,
        "Switch request volumes triple in the hour before gate closure; at the last two peaks CSS response "
        "times reached 40 s and two suppliers' batches timed out.",
        "CSS provider adds worker capacity on peak days (from release 4.12); suppliers asked to spread "
        "batches; the desk watches the queue depth from 16:00.",
    ),
    (
        "CSS unavailable after a failed database failover",
        "availability",
        2, 5, (1, 5),
        "css-provider", "resolver@cssp.example",
        ["css-registration"],
        ["availability", "interruptions", "interruption_minutes"],
        "mitigating", 70, 30,
        "The failover two months ago did not complete and CSS was down for over three hours (see the "
        "major incident's review).",
        "Failover runbook corrected; quarterly failover tests at production connection volumes.",
    ),
    (
        "DCC DSP interface certificate expiry",
        "security",
        2, 5, (1, 5),
        "dcc", "resolver@dcc.example",
        ["dcc-dsp"],
        ["availability", "incidents"],
        "mitigating", 200, 45,
        "An expired client certificate stopped switch notifications reaching the DSP: smart meters did not "
        "follow the new supplier for a day.",
        "Expiry alerts at 30, 14 and 7 days; a named owner for every interface certificate.",
    ),
    (
        "MHHS DIP cut-over changes registration message volumes",
        "regulatory",
        4, 4, None,
        "switching-operator", OPS,
        ["mprs-eastern", "mprs-northern", "css-registration"],
        ["incidents", "resolution_time"],
        "open", 120, 14,
        "Market-wide half-hourly settlement moves registration data flows onto the Data Integration "
        "Platform; each MPRS migration wave changes message volumes and timings at CSS.",
        "",
    ),
    (
        "New suppliers onboarding with untested interfaces",
        "process",
        3, 3, (2, 2),
        "switching-operator", ANALYST,
        ["css-registration", "switching-portal"],
        ["incidents"],
        "mitigating", 250, 30,
        "New market entrants connect to CSS with little interface testing and raise many low-severity "
        "incidents in their first month.",
        "Onboarding checklist with a mandatory test window in the CSS pre-production environment.",
    ),
    (
        "UK Link batch overruns delay gas switch confirmations",
        "performance",
        3, 3, None,
        "xoserve", "resolver@xoserve.example",
        ["uk-link"],
        ["resolution_time", "resolved_in_sla"],
        "open", 90, 10,
        "Nightly UK Link batches overran three times this quarter, holding gas confirmations past 06:00.",
        "",
    ),
    (
        "Single batch scheduler for MPRS Northern",
        "availability",
        3, 4, (2, 3),
        "northern-dn", "mprs@northerndn.example",
        ["mprs-northern"],
        ["resolution_time", "escalations", "resolved_in_sla"],
        "mitigating", 30, 7,
        "Last month's major incident showed one scheduler host running every MPRS Northern batch; severity "
        "2 incidents take far longer to resolve than at other MPRS providers.",
        "Second scheduler host and lock timeouts (see the service review actions).",
    ),
    (
        "Overnight service desk cover is one analyst",
        "process",
        2, 3, None,
        "switching-operator", OPS,
        [],
        ["response_time"],
        "accepted", 330, 60,
        "Between 22:00 and 07:00 one analyst covers the desk; two severity 2 incidents at once would miss "
        "the 20-minute response target.",
        "Accepted: overnight volumes are low; on-call second analyst reachable within 30 minutes.",
    ),
    (
        "ECOES lags behind completed switches",
        "performance",
        3, 2, (1, 2),
        "electralink", "resolver@electralink.example",
        ["ecoes"],
        ["incidents"],
        "closed", 360, None,
        "ECOES showed the previous supplier for up to a day after a switch completed.",
        "ECOES now takes registration updates from MPRS every 15 minutes instead of nightly.",
    ),
    (
        "Loss of the CSS address service degrades switch matching",
        "availability",
        2, 4, None,
        "css-provider", "resolver@cssp.example",
        ["css-address", "css-registration"],
        ["availability", "incidents"],
        "open", 45, 21,
        "If the address service is unavailable CSS cannot match new switch requests to metering points.",
        "",
    ),
]  # fmt: skip

#: (title, source, likelihood of success, impact of benefit, organisation, owner, services, kpis,
#:  status path, days ago raised, target in days, benefits, outcome)
IMPROVEMENTS = [
    (
        "Automatic replay of switch requests rejected during CSS incidents",
        "kpi_report", 4, 4, "css-provider", "resolver@cssp.example",
        ["css-registration"], ["resolution_time", "resolved_in_sla"],
        ["approved", "in_progress"], 200, 60,
        "Suppliers no longer resend by hand after an outage; incidents resolve when CSS recovers.",
        "",
    ),
    (
        "Route MPRS incidents straight to the right distributor at triage",
        "incident_trend", 4, 3, "switching-operator", ANALYST,
        ["mprs-eastern", "mprs-northern"], ["response_time", "resolution_time"],
        ["approved", "in_progress"], 150, 45,
        "Fewer re-assignments between providers; the desk's share of resolution time falls.",
        "",
    ),
    (
        "Northern DN severity 2 resolution recovery plan",
        "service_review", 3, 4, "northern-dn", "mprs@northerndn.example",
        ["mprs-northern"], ["resolution_time", "escalations"],
        ["approved"], 25, 90,
        "Severity 2 incidents resolved within the OLA's 12 hours again.",
        "",
    ),
    (
        "Certificate expiry monitoring on every switching interface",
        "incident_trend", 5, 4, "switching-operator", OPS,
        ["dcc-dsp", "css-registration", "uk-link"], ["availability", "interruptions"],
        ["approved", "in_progress", "implemented"], 180, 30,
        "No outage from an expired certificate.",
        "",
    ),
    (
        "Service status subscriptions for suppliers' operations teams",
        "participant", 3, 2, "switching-operator", OPS,
        ["switching-portal"], ["incidents"],
        [], 40, 120,
        "Fewer 'is CSS down?' incidents during known outages.",
        "",
    ),
    (
        "Extra CSS capacity on gate-closure peak days",
        "provider", 4, 4, "css-provider", "resolver@cssp.example",
        ["css-registration"], ["availability", "response_time"],
        ["approved"], 60, 75,
        "Response times under 10 s at the 17:00 peak.",
        "",
    ),
    (
        "Knowledge articles for the ten most frequent incident types",
        "kpi_report", 4, 3, "switching-operator", ANALYST,
        [], ["response_time", "resolution_time"],
        ["approved", "in_progress", "implemented", "closed"], 320, 120,
        "The desk resolves common queries at first contact.",
        "Eight articles published; a quarter of severity 4 incidents now resolved at the desk within an "
        "hour.",
    ),
    (
        "MHHS DIP message monitoring dashboard at the desk",
        "provider", 2, 3, "switching-operator", OPS,
        ["css-registration"], ["incidents"],
        ["rejected"], 100, None,
        "Earlier warning of DIP message backlogs.",
        "",
    ),
]  # fmt: skip


def _actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def _problems() -> list[str]:
    """The first two problems' references, found through the kernel (the registers do not import the
    problems app)."""
    from busbar.records.models import Record

    return list(
        Record.objects.filter(kind="problem")
        .order_by("created_at", "id")
        .values_list("reference", flat=True)[:2]
    )


def load(ctx) -> None:
    if Risk.objects.filter(title=RISKS[0][0]).exists():
        ctx.lines.append("Demo risks and improvements already present: left as they are.")
        return
    if OPS not in ctx.people or not Service.objects.filter(slug="css-registration").exists():
        ctx.lines.append("No demo services or people: the registers demo is skipped.")
        return
    now = timezone.now()
    today = timezone.localdate(now)
    services = {s.slug: s for s in Service.objects.filter(is_active=True)}
    ops = _actor(ctx, OPS)
    problems = _problems()
    risks = []
    for index, row in enumerate(RISKS):
        (title, category, lik, imp, residual, org, owner, slugs, kpis, status, ago, review_in, text, mit) = (
            row
        )
        raiser = ops if org == "switching-operator" else _actor(ctx, owner)
        at = now - ago * DAY
        risk = actions.raise_risk(
            actor=raiser,
            title=title,
            likelihood=lik,
            impact=imp,
            description=text,
            category=category,
            mitigations=mit,
            residual_likelihood=residual[0] if residual else None,
            residual_impact=residual[1] if residual else None,
            organisation=ctx.orgs[org],
            owner=ctx.people[owner],
            services=[services[s] for s in slugs if s in services],
            kpis=kpis,
            review_by=(at + 30 * DAY).date(),
            problems=problems[:1] if index in (0, 1) and problems else (),
            now=at,
        )
        if status != "open":
            actions.change_risk_status(
                actor=ops,
                risk=risk,
                status=status,
                note={
                    "mitigating": "Mitigation plan agreed at the service review.",
                    "accepted": "Accepted by the operations manager: within appetite.",
                    "closed": "Mitigated: no recurrence for three months.",
                }[status],
                now=at + 10 * DAY,
            )
        if review_in is not None:
            actions.review_risk(
                actor=ops,
                risk=risk,
                next_review_by=today + review_in * DAY,
                note="Reviewed at the monthly risk review: scores unchanged.",
                now=now - DAY,
            )
        risks.append(risk)
    improvements = []
    for row in IMPROVEMENTS:
        (title, source, lik, imp, org, owner, slugs, kpis, path, ago, target_in, benefits, outcome) = row
        raiser = ops if org == "switching-operator" else _actor(ctx, owner)
        at = now - ago * DAY
        item = actions.raise_improvement(
            actor=raiser,
            title=title,
            likelihood=lik,
            impact=imp,
            description=f"{title}. Raised from the {source.replace('_', ' ')}.",
            source=source,
            benefits=benefits,
            target_date=(today + target_in * DAY) if target_in else None,
            organisation=ctx.orgs[org],
            owner=ctx.people[owner],
            services=[services[s] for s in slugs if s in services],
            kpis=kpis,
            problems=problems[1:2] if source == "incident_trend" and len(problems) > 1 else (),
            now=at,
        )
        for step, status in enumerate(path, start=1):
            actions.change_improvement_status(
                actor=ops,
                improvement=item,
                status=status,
                note=f"Moved to {status.replace('_', ' ')}.",
                outcome=outcome if status == "closed" else None,
                now=at + step * 7 * DAY,
            )
        improvements.append(item)
    reviews = _reviews(ctx, ops, now, improvements)
    ctx.lines.append(
        f"Registers: {len(risks)} risks and {len(improvements)} improvements, {reviews} service reviews; "
        "see /risks/, /improvements/ and /service-reviews/."
    )


def _month(now: dt.datetime, back: int) -> dt.date:
    first = timezone.localdate(now).replace(day=1)
    y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
    return dt.date(y, m + 1, 1)


def _reviews(ctx, ops: Actor, now: dt.datetime, improvements: list) -> int:
    northern, css = ctx.orgs["northern-dn"], ctx.orgs["css-provider"]
    held = now - 20 * DAY
    review = actions.schedule_review(
        actor=ops,
        provider=northern,
        title=f"Northern DN service review, {_month(now, 1):%B %Y}",
        held_on=held,
        period=_month(now, 2),
        agenda="1. KPIs against the OLA\n2. The MPRS Northern major incident and its review\n3. Risks\n"
        "4. AOB",
        chair=ctx.people[OPS],
        attendees="Ruth Campbell (Switching Operator), Lewis Ward (Northern DN), Dan Okafor (service desk)",
        now=held - 10 * DAY,
    )
    actions.hold_review(
        actor=ops,
        review=review,
        minutes="Severity 2 resolution was outside the OLA's 12 hours; Northern DN attributes it to the "
        "single batch scheduler. The MPRS Northern major incident review was accepted. Northern DN to "
        "bring a recovery plan.",
        now=held + 2 * dt.timedelta(hours=1),
    )
    actions.add_review_action(
        actor=ops,
        review=review,
        text="Commission a second batch scheduler host for MPRS Northern",
        owner=ctx.people["mprs@northerndn.example"],
        due_on=(now + 40 * DAY).date(),
        improvement=improvements[2],
        now=held + 3 * dt.timedelta(hours=1),
    )
    actions.add_review_action(
        actor=ops,
        review=review,
        text="Send the desk a weekly list of open severity 2 incidents until the OLA is met",
        owner=ctx.people["mprs@northerndn.example"],
        due_on=(held + 7 * DAY).date(),
        now=held + 3 * dt.timedelta(hours=1),
    )
    css_at = now - 35 * DAY
    css_review = actions.schedule_review(
        actor=ops,
        provider=css,
        title=f"CSS service review, {_month(now, 2):%B %Y}",
        held_on=css_at,
        period=_month(now, 2),
        agenda="1. KPIs and availability\n2. Gate closure capacity\n3. Release 4.12",
        chair=ctx.people[OPS],
        attendees="Ruth Campbell (Switching Operator), Tom Hughes (CSS Registration Services)",
        now=css_at - 14 * DAY,
    )
    actions.hold_review(
        actor=ops,
        review=css_review,
        minutes="Availability met the OLA. Gate closure peaks remain the top risk; CSS to add capacity "
        "on peak days. Replay of rejected switch requests agreed as an improvement.",
        now=css_at + dt.timedelta(hours=2),
    )
    done = actions.add_review_action(
        actor=ops,
        review=css_review,
        text="Share the gate-closure load test results with the desk",
        owner=ctx.people["resolver@cssp.example"],
        due_on=(css_at + 14 * DAY).date(),
        now=css_at + dt.timedelta(hours=2),
    )
    actions.complete_review_action(
        actor=_actor(ctx, "resolver@cssp.example"),
        review_action=done,
        note="Results shared: 3,000 requests a minute sustained.",
        now=css_at + 10 * DAY,
    )
    actions.add_review_action(
        actor=ops,
        review=css_review,
        text="Plan the automatic replay of rejected switch requests",
        owner=ctx.people["resolver@cssp.example"],
        due_on=(now + 30 * DAY).date(),
        improvement=improvements[0],
        now=css_at + dt.timedelta(hours=2),
    )
    nxt = now + 8 * DAY
    actions.schedule_review(
        actor=ops,
        provider=northern,
        title=f"Northern DN service review, {_month(now, 0):%B %Y}",
        held_on=nxt,
        period=_month(now, 1),
        agenda="1. Recovery plan for severity 2 resolution\n2. KPIs against the OLA\n3. Actions",
        chair=ctx.people[OPS],
        attendees="Ruth Campbell, Lewis Ward, Dan Okafor",
        now=now - DAY,
    )
    return 3
