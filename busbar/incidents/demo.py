"""Demo incidents: every state, across providers, with a live major incident and breached SLAs.

Histories are played through the real actions with back-dated times, so clock logs, SLA caches, audit
journal and notices are exactly what live use would have produced.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.incidents import actions
from busbar.incidents.models import Impact, Incident
from busbar.lib.actions import Actor
from busbar.parties.queries import scope_for
from busbar.services.models import Service


def _actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def _service(slug: str) -> Service | None:
    return Service.objects.filter(slug=slug, is_active=True).first()


def load(ctx) -> None:
    if Incident.objects.exists():
        ctx.lines.append("Demo incidents already present: left as they are.")
        return
    now = timezone.now()
    ago = lambda **kw: now - dt.timedelta(**kw)  # noqa: E731
    desk = _actor(ctx, "analyst@operator.example")
    desk2 = _actor(ctx, "analyst2@operator.example")
    css = _service("css-registration")
    uk_link = _service("uk-link")
    mprs = _service("mprs-eastern")
    ecoes = _service("ecoes")
    dsp = _service("dcc-dsp")
    services = [s for s in (css, uk_link, mprs, ecoes, dsp) if s is not None]
    if not services:
        ctx.lines.append("No demo services: demo incidents skipped.")
        return
    css = css or services[0]
    uk_link = uk_link or services[0]
    mprs = mprs or services[0]
    ecoes = ecoes or services[0]
    sev = {s.code: s for s in css.sla_policy.scheme.severities.all()}
    brightwater = _actor(ctx, "supplier@brightwater.example")
    kestrel = _actor(ctx, "supplier@kestrel.example")
    northern = _actor(ctx, "supplier@northernlights.example")
    greenfield = _actor(ctx, "supplier@greenfield.example")
    agent = _actor(ctx, "agent@meterwise.example")
    resolver_css = _actor(ctx, "resolver@cssp.example")
    made = []

    def raise_(
        who: Actor, service: Service, summary: str, description: str, at: dt.datetime, code: str = "3", **kw
    ) -> Incident:
        incident = actions.raise_incident(
            actor=who,
            service=service,
            summary=summary,
            description=description,
            severity=sev.get(code) if service.sla_policy.scheme_id == css.sla_policy.scheme_id else None,
            now=at,
            **kw,
        )
        made.append(incident)
        return incident

    # New, untriaged.
    raise_(
        kestrel,
        css,
        "Gaining switch stuck in 'Pending' for 3 MPxNs",
        "Three switch requests submitted this morning have not progressed past Pending.",
        ago(minutes=12),
    )
    raise_(
        agent,
        mprs,
        "MPRS rejecting D0205 flows with invalid GSP group",
        "Flows for MPANs in _A are rejected since 07:00 with an invalid GSP group code.",
        ago(minutes=3),
        "4",
    )

    # Assigned and in progress.
    i = raise_(
        brightwater,
        uk_link,
        "UK Link address search returns no results for new builds",
        "Searches for plots registered this month return nothing.",
        ago(hours=5),
        "4",
    )
    actions.triage_incident(actor=desk, incident=i, severity=sev["3"], now=ago(hours=4, minutes=50))
    actions.assign_incident(actor=desk, incident=i, now=ago(hours=4, minutes=45))
    i = raise_(
        northern,
        css,
        "Registration service timing out on bulk uploads",
        "Uploads over 500 rows time out after 30 s.",
        ago(hours=3),
    )
    actions.triage_incident(actor=desk, incident=i, severity=sev["2"], now=ago(hours=2, minutes=55))
    actions.assign_incident(actor=desk, incident=i, now=ago(hours=2, minutes=50))
    actions.start_work(
        actor=resolver_css, incident=i, note="Investigating the upload workers.", now=ago(hours=2, minutes=30)
    )
    actions.add_update(
        actor=resolver_css, incident=i, body="Worker pool exhausted; scaling out now.", now=ago(hours=1)
    )
    actions.add_update(
        actor=desk,
        incident=i,
        body="Provider says scale-out done by 15:00.",
        internal=True,
        now=ago(minutes=50),
    )
    # Markdown and an @mention (Tom Hughes, the CSS provider's resolver, is told in his inbox).
    actions.add_update(
        actor=desk,
        incident=i,
        body="**Status:** scale-out in progress.\n\n- Uploads under 500 rows: working\n"
        "- Bulk uploads: please retry after 15:00\n\n@[Tom Hughes] please confirm here when the new workers "
        "are live.",
        now=ago(minutes=40),
    )

    # Pending on the participant (clock paused) and on the provider.
    i = raise_(
        greenfield,
        ecoes,
        "ECOES shows wrong meter serial after exchange",
        "After a meter exchange on 3 MPANs ECOES still shows the old serial.",
        ago(days=1, hours=2),
    )
    actions.assign_incident(actor=desk, incident=i, now=ago(days=1, hours=1))
    actions.set_pending(
        actor=desk,
        incident=i,
        awaiting="participant",
        note="Please send the MPANs and the date of the exchange.",
        now=ago(hours=20),
    )
    i = raise_(
        kestrel, uk_link, "Supply point enquiry returns HTTP 500", "Intermittent 500s on SPE.", ago(hours=9)
    )
    actions.assign_incident(actor=desk, incident=i, now=ago(hours=8, minutes=55))
    actions.set_pending(
        actor=desk2,
        incident=i,
        awaiting="provider",
        note="Waiting on Xoserve's hosting vendor.",
        now=ago(hours=6),
    )

    # Breached: severity 2 raised 30 hours ago, still open.
    i = raise_(
        brightwater,
        css,
        "Losing supplier notifications not received",
        "No loss notifications received for switches completing yesterday.",
        ago(hours=30),
    )
    actions.triage_incident(actor=desk, incident=i, severity=sev["2"], now=ago(hours=29, minutes=40))
    actions.assign_incident(actor=desk, incident=i, now=ago(hours=29, minutes=30))
    actions.start_work(actor=resolver_css, incident=i, now=ago(hours=20))
    i = raise_(
        northern,
        mprs,
        "MPRS registration confirmations delayed",
        "D0260 confirmations 6 h late.",
        ago(hours=80),
    )
    actions.assign_incident(actor=desk, incident=i, now=ago(hours=79))

    # Resolved, closed, cancelled.
    i = raise_(
        greenfield,
        css,
        "Portal password reset emails not arriving",
        "No reset emails since Monday.",
        ago(days=3),
    )
    actions.assign_incident(actor=desk, incident=i, now=ago(days=3) + dt.timedelta(minutes=15))
    actions.resolve_incident(
        actor=resolver_css,
        incident=i,
        resolution="Mail relay certificate renewed.",
        now=ago(days=2, hours=20),
    )
    i = raise_(
        kestrel,
        ecoes,
        "ECOES API rate limit too low for morning batch",
        "429s from 06:00 to 06:20.",
        ago(days=6),
    )
    actions.assign_incident(actor=desk, incident=i, now=ago(days=6) + dt.timedelta(minutes=20))
    actions.resolve_incident(
        actor=desk, incident=i, resolution="Limit raised to 50 requests/s.", now=ago(days=5)
    )
    actions.close_incident(actor=kestrel, incident=i, now=ago(days=4))
    i = raise_(agent, uk_link, "Supply point enquiry errors", "Same as the SPE 500s.", ago(hours=7))
    actions.cancel_incident(
        actor=desk, incident=i, reason="Duplicate of the SPE incident.", now=ago(hours=6, minutes=45)
    )

    # A live major incident on CSS, affecting several suppliers (Harbour reports it is affected too).
    i = raise_(
        desk,  # phoned in by Northern Lights; only the desk names the other affected suppliers
        css,
        "CSS switch requests failing for all suppliers",
        "Every switch request since 08:40 fails with a gateway error.",
        ago(minutes=95),
        impact=Impact.SEVERAL,
        affected=[ctx.orgs["brightwater"], ctx.orgs["kestrel"], ctx.orgs["greenfield"]],
        organisation=ctx.orgs["northern-lights"],
        contact_name="Isla Murray",
    )
    actions.triage_incident(actor=desk, incident=i, severity=sev["1"], now=ago(minutes=92))
    actions.assign_incident(actor=desk, incident=i, now=ago(minutes=90))
    actions.start_work(
        actor=resolver_css, incident=i, note="Gateway cluster failing health checks.", now=ago(minutes=80)
    )
    major = i.major
    actions.send_communication(
        actor=desk,
        major=major,
        subject="CSS: switch requests failing",
        body="Switch requests are failing for all suppliers. The CSS provider is "
        "investigating. Next update within the hour.",
        now=ago(minutes=85),
    )
    # Harbour sees the published incident and presses "I'm affected too": the desk is told in its inbox.
    actions.join_affected(actor=_actor(ctx, "supplier@harbour.example"), incident=i, now=ago(minutes=60))
    actions.send_communication(
        actor=desk,
        major=major,
        subject="CSS: failover in progress",
        body="The provider is failing over to the secondary site.",
        now=ago(minutes=20),
    )

    _saved_filters(ctx)

    from busbar.incidents.tasks import scan_sla

    scan_sla.call(now.isoformat())
    statuses = sorted(
        set(Incident.objects.filter(pk__in=[x.pk for x in made]).values_list("status", flat=True))
    )
    ctx.lines.append(
        f"Demo incidents: {len(made)} loaded, in states {', '.join(statuses)}; one live major incident."
    )


#: Saved personal filters of the incident list, as the demo people would have kept them.
DEMO_FILTERS = {
    "analyst@operator.example": [
        ("Breached, most urgent first", "queue=breached&sort=sla_due"),
        ("Unassigned, by severity", "queue=unassigned&sort=severity"),
        ("CSS gateway", "queue=all&q=gateway"),
    ],
    "supplier@brightwater.example": [("Our open incidents", "queue=ours&status=open&sort=-updated")],
}


def _saved_filters(ctx) -> None:
    from busbar.accounts.actions import save_filter

    for email, filters in DEMO_FILTERS.items():
        user = ctx.people.get(email)
        if user is None:
            continue
        for name, query in filters:
            save_filter(
                actor=_actor(ctx, email), user=user, list_key="incident_list", name=name, query_string=query
            )
