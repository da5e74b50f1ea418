"""Demo knowledge base: articles by the providers and the desk across the switching services, one for
suppliers and shippers only, two for the desk and providers only, drafts, a revision in review, a retired
article, readers' votes and an irregularity report. Played through the real actions, back-dated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from busbar.knowledge import actions
from busbar.knowledge.models import Article, Audience
from busbar.lib.actions import Actor
from busbar.parties.models import IndustryRole as R
from busbar.parties.queries import scope_for
from busbar.records import actions as record_actions
from busbar.records.models import Link
from busbar.records.registry import get as record_type
from busbar.services.models import Service

DESK = "analyst@operator.example"
REVIEWER = "analyst2@operator.example"


@dataclass
class Demo:
    key: str
    author: str
    service: str | None
    title: str
    summary: str
    body: str
    keywords: str = ""
    audience: str = Audience.EVERYONE
    roles: list[str] = field(default_factory=list)
    days_ago: int = 30
    votes: tuple[int, int] = (0, 0)  # helpful, not helpful
    state: str = "published"  # published, review, draft, retired


ARTICLES = [
    Demo(
        "uploads",
        "resolver@cssp.example",
        "css-registration",
        "Bulk registration uploads time out: split files of 400 rows",
        "Uploads of more than about 500 switch requests time out. Split them into files of at most 400 rows; "
        "requests left pending complete on their own.",
        """## What you see

A bulk upload of switch requests in the Switching Portal or over the registration API stops after about
30 seconds with **"Upload timed out"** (portal) or **HTTP 504** (API). It happens once a file holds more
than about 500 rows, most often on Monday mornings when many suppliers upload at once.

## What to do now

1. Split the file into files of **at most 400 rows**.
2. Upload them **one after another**, waiting for each to be accepted.
3. Do **not** resubmit the requests of the upload that timed out: those already accepted show as
   *Pending* and complete within 2 hours. Resubmitting them creates duplicates that CSS rejects with
   `DUPLICATE_SWITCH_REQUEST`.

To find which rows of a timed-out file were accepted, download the *Pending switch requests* report and
match on your own reference.

## The fix

The CSS provider is changing validation to work in chunks (release 4.12.1). This article is updated
when it is live; the known problem PRB0000001 tracks it.
""",
        keywords="timeout 504 bulk upload pending duplicate DUPLICATE_SWITCH_REQUEST",
        days_ago=0,
        votes=(7, 1),
    ),
    Demo(
        "rejections",
        "resolver@cssp.example",
        "css-registration",
        "Why a switch request is rejected, and what to do for each reason",
        "The rejection reasons CSS returns for a switch request, what each means and how to correct and "
        "resubmit.",
        """CSS validates every switch request before it secures the switch. When it rejects one, the
rejection carries a reason code. Most are corrected by fixing the request and sending it again.

| Reason | What it means | What to do |
|---|---|---|
| `INVALID_MPXN` | The meter point reference is not one CSS holds | Check the MPAN/MPRN in the CSS address service; correct typos |
| `ADDRESS_MISMATCH` | The premises does not match the meter point | Use the address the CSS address service returns for the meter point |
| `SWITCH_IN_PROGRESS` | Another switch is already pending on the meter point | Wait for it to complete or be withdrawn, then resubmit |
| `INVALID_SWITCH_DATE` | The date is outside the allowed window | Choose a date within the window for the switch type |
| `DUPLICATE_SWITCH_REQUEST` | The same request was already received | Do not resubmit: follow the first request |
| `NOT_ELIGIBLE` | The meter point is energised off, disconnected or not settled | Check the meter point's status; raise a request to the network operator if it is wrong |

## Related meter points

A premises with related meter points (for example an import and an export MPAN) must be switched
together. A request naming only one of them is rejected with `RELATED_MPXN_MISSING`: include every
related meter point in one request.

## Still rejected?

Raise an incident on *CSS registration service* with the request's reference, the reason code and the
time you sent it. The desk can see CSS's own log of the request.
""",
        keywords="rejection reason code INVALID_MPXN ADDRESS_MISMATCH SWITCH_IN_PROGRESS related MPAN MPRN",
        audience=Audience.ROLES,
        roles=[R.ENERGY_SUPPLIER, R.GAS_SHIPPER],
        days_ago=120,
        votes=(12, 2),
    ),
    Demo(
        "address",
        "resolver@cssp.example",
        "css-address",
        "Finding the right premises in the CSS address service",
        "Search by postcode first, then narrow by building number; use the UPRN when you have it. What to do "
        "when a premises is missing.",
        """## Searching

* Search by **postcode** first, then narrow down by building number or name.
* If you hold the **UPRN**, search by it: it is the most reliable key.
* Flats are usually listed under the building, with the flat in the *sub-building* field.

## A premises is missing or wrong

The address service is fed from the national address gazetteer and the registration services. If a
premises is missing, or a meter point is linked to the wrong premises:

1. Check the meter point in ECOES (electricity) or DES (gas) to see which address the registration
   service holds.
2. Raise an incident on *CSS address service* giving the meter point, the address you expected and the
   UPRN if you know it.

Corrections are usually visible the next working day.
""",
        keywords="UPRN postcode premises address missing gazetteer",
        days_ago=200,
        votes=(9, 0),
    ),
    Demo(
        "objections",
        "resolver@cssp.example",
        "css-registration",
        "Objections: how long the window lasts and how to raise or withdraw one",
        "The losing supplier can object to a switch during the objection window; how to raise an objection, "
        "withdraw it, and what the gaining supplier sees.",
        """## The window

When CSS secures a switch it tells the losing supplier, who may **object** within the objection window
for the switch type. If no objection is received in time, the switch goes ahead.

## Raising an objection

Send the objection through your registration interface or the Switching Portal, quoting the switch
request's reference and the objection reason. Only the losing supplier may object.

## Withdrawing an objection

An objection raised in error can be withdrawn until the window closes. After that, the gaining supplier
must send a new switch request.

## What the gaining supplier sees

The gaining supplier's request shows **Objected**, with the reason. It may resubmit once the reason is
resolved with the customer.
""",
        keywords="objection losing supplier withdraw window",
        audience=Audience.ROLES,
        roles=[R.ENERGY_SUPPLIER, R.GAS_SHIPPER],
        days_ago=150,
        votes=(5, 1),
    ),
    Demo(
        "portal-mfa",
        "resolver@cssp.example",
        "switching-portal",
        "Signing in to the Switching Portal with two-factor authentication",
        "Set up an authenticator app, use recovery codes when you lose your phone, and who resets a lost "
        "second factor.",
        """## First sign-in

After your password the portal asks you to add an **authenticator app** (any TOTP app). Scan the code
it shows, then enter the six-digit code the app displays.

## Keep your recovery codes

You are shown ten recovery codes once. Keep them somewhere safe: each signs you in once if you lose
your phone.

## Lost your phone and your codes?

Your **organisation administrator** can reset your second factor. The service desk cannot, because it
cannot confirm who you are.
""",
        keywords="2FA MFA TOTP authenticator recovery codes sign in login",
        days_ago=300,
        votes=(15, 1),
    ),
    Demo(
        "portal-reports",
        "resolver@cssp.example",
        "switching-portal",
        "Switching Portal reports: what each shows and when it refreshes",
        "Pending switch requests, secured switches, objections received and rejected requests: what each "
        "report lists and how often it is refreshed.",
        """| Report | What it lists | Refreshed |
|---|---|---|
| Pending switch requests | Your requests not yet secured or rejected | Every 15 minutes |
| Secured switches | Switches secured for you in the last 30 days | Hourly |
| Objections received | Objections to your switches, with reasons | Every 15 minutes |
| Rejected requests | Your rejected requests with the reason code | Every 15 minutes |

Reports show times in UK time. Exports are CSV with a header row.
""",
        keywords="report CSV export pending secured",
        days_ago=90,
        votes=(3, 0),
    ),
    Demo(
        "uk-link-shipper",
        "resolver@xoserve.example",
        "uk-link",
        "Gas switches: when UK Link shows the new shipper",
        "After CSS secures a gas switch, UK Link updates the registered shipper on the switch date; what to "
        "check if it has not.",
        """When CSS secures a gas switch it sends the switch to UK Link, which makes the new shipper
registered from the switch date.

* Before the switch date, UK Link shows the **current** shipper with the pending switch.
* On the switch date, the new shipper becomes registered.

If the new shipper is not registered the day after the switch date, check the switch in the Switching
Portal first; if CSS shows it secured, raise an incident on *UK Link* with the MPRN and the switch
request reference.
""",
        keywords="MPRN shipper registered gas switch date",
        audience=Audience.ROLES,
        roles=[R.GAS_SHIPPER, R.ENERGY_SUPPLIER],
        days_ago=60,
        votes=(4, 0),
    ),
    Demo(
        "spe-500",
        "resolver@xoserve.example",
        "uk-link",
        "Supply Point Enquiry errors (HTTP 500): retry guidance",
        "Intermittent HTTP 500 errors from Supply Point Enquiry: retry with back-off; what to include when "
        "you raise an incident.",
        """Supply Point Enquiry can answer **HTTP 500** for a few seconds at a time while the cause is being
investigated (PRB0000002).

## Retry with back-off

Retry the same request after 2, 4 and then 8 seconds. Nearly every request succeeds by the third retry.
Do not retry in a tight loop: it makes the problem worse for everyone.

## Raise an incident if

* errors last longer than five minutes, or
* more than one request in ten fails.

Include the time (to the second), the MPRN asked about and the correlation id from the response header.
""",
        keywords="HTTP 500 error retry back-off enquiry",
        days_ago=5,
        votes=(2, 3),
    ),
    Demo(
        "des-history",
        "resolver@xoserve.example",
        "des",
        "DES: reading a supply point's history",
        "How to see a gas supply point's registration history in DES, and why recent changes can take a day "
        "to appear.",
        """In DES, open the supply point and choose **History**. Each line is a change of shipper,
supplier, meter or read, with its effective date.

Changes made today in UK Link appear in DES overnight.
""",
        keywords="DES history gas enquiry",
        days_ago=250,
        votes=(1, 0),
    ),
    Demo(
        "mprs-confirm",
        "mprs@easterndn.example",
        "mprs-eastern",
        "MPRS: a registration not yet confirmed after CSS secured the switch",
        "MPRS confirms electricity registrations after CSS secures them; normal timings, and what to check "
        "when confirmation is late.",
        """CSS sends each secured electricity switch to the MPRS of the distribution area. MPRS records the
new supplier from the switch date and sends the registration confirmation.

* Confirmation normally follows within **one working day** of CSS securing the switch.
* Switches secured after 18:00 on a Friday are confirmed on Monday.

If confirmation is more than two working days late, raise an incident on the MPRS of the area, with the
MPAN and the switch request reference.
""",
        keywords="MPAN confirmation registration MPRS late",
        days_ago=80,
        votes=(6, 1),
    ),
    Demo(
        "mprs-batch",
        "mprs@northerndn.example",
        "mprs-northern",
        "MPRS Northern: overnight batch window",
        "MPRS (Northern) processes registrations in an overnight batch; flows sent during the window are "
        "processed after it.",
        """MPRS (Northern) runs its overnight batch from **23:30 to 02:00** (UK time). Registrations and
flows received in that window are queued and processed when it ends. Nothing is lost.
""",
        keywords="batch window overnight northern",
        days_ago=40,
    ),
    Demo(
        "ecoes-old-supplier",
        "resolver@electralink.example",
        "ecoes",
        "ECOES search shows the old supplier after a switch",
        "ECOES shows the supplier MPRS holds; after a switch it changes once MPRS confirms the registration.",
        """ECOES is fed by every MPRS. After a switch it keeps showing the **previous supplier** until the
MPRS of the area has confirmed the new registration, usually the working day after the switch date.

If ECOES still shows the old supplier two working days after the switch date, check the confirmation in
MPRS first (see the article on MPRS confirmations), then raise an incident on *ECOES*.
""",
        keywords="ECOES old supplier search",
        days_ago=70,
        votes=(8, 0),
    ),
    Demo(
        "dsp-after-switch",
        "resolver@dcc.example",
        "dcc-dsp",
        "Smart meters after a switch: when the DCC updates the supplier",
        "CSS tells the DCC of each secured switch; the DSP changes the supplier of the smart meter on the "
        "switch date. What a gaining supplier can do before then.",
        """CSS tells the DCC of every secured switch of a smart-metered premises. The DCC Data Service
Provider (DSP) makes the gaining supplier the one entitled to the meter from the **switch date**.

## Before the switch date

The gaining supplier cannot yet send service requests to the meter; requests are rejected as not
entitled.

## On and after the switch date

Replace the meter's security credentials with your own as your first service request. Until you do, the
meter still trusts the previous supplier's credentials.
""",
        keywords="smart meter SMETS2 DCC DSP credentials change of supplier",
        audience=Audience.ROLES,
        roles=[R.ENERGY_SUPPLIER],
        days_ago=45,
        votes=(6, 0),
    ),
    Demo(
        "raise-well",
        DESK,
        None,
        "How to raise an incident the service desk can act on at once",
        "What to put in an incident so the desk can pass it to the right provider straight away.",
        """A good incident has:

1. **The service** affected (CSS registration, UK Link, an MPRS, ECOES, DES or the DCC DSP).
2. **What you did and what happened**, with the exact error text or reason code.
3. **When**, to the minute, and whether it is still happening.
4. **Examples**: the switch request references or meter points affected (a few are enough).
5. **How many** customers or requests are affected, so the desk can set the right severity.

Before raising, check the service status page and the known problems offered on the form: your issue may
already have a workaround.
""",
        keywords="raise incident how to good report",
        days_ago=365,
        votes=(20, 1),
    ),
    Demo(
        "severity",
        DESK,
        None,
        "Choosing the severity of an incident",
        "The four severities of the switching arrangements, with examples, so that incidents are measured "
        "against the right targets.",
        """| Severity | When | Example |
|---|---|---|
| 1 | The switching arrangements are unavailable or seriously degraded for many parties | No switch requests can be submitted |
| 2 | A major part is unavailable or degraded, with no workaround | One registration service rejects every request |
| 3 | A moderate adverse impact, or one reduced by a workaround | Bulk uploads time out, smaller files work |
| 4 | Minor impact, or a question | A report column is mislabelled |

The desk confirms the severity when it triages the incident and may change it.
""",
        keywords="severity priority sev1 major",
        days_ago=365,
        votes=(10, 0),
    ),
    Demo(
        "bulletins",
        DESK,
        None,
        "Desk runbook: major-incident bulletins",
        "When to send a bulletin during a major incident, what it contains, and how often to update it.",
        """## When

Send the first bulletin within **30 minutes** of declaring a major incident, then at the interval set on
the incident (hourly by default) until it is resolved.

## What it says

* what is affected, in participants' words;
* what participants should do meanwhile (the workaround, if any);
* when the next update is due.

Never name the provider's internal systems or people in a bulletin.
""",
        keywords="major incident bulletin runbook communication",
        audience=Audience.STAFF,
        days_ago=200,
    ),
    Demo(
        "css-triage",
        "resolver@cssp.example",
        "css-registration",
        "First-line checks for CSS registration failures",
        "What the desk checks before passing a CSS registration incident to the provider.",
        """1. Is the service status *operational*? If not, link the incident to the open major incident.
2. Does the participant's error match a known problem? Link it and give the workaround.
3. Is it one participant or many? Many within 15 minutes: raise the severity and call the CSS provider's
   duty manager.
4. Ask for the switch request reference and the exact reason code before assigning.
""",
        keywords="triage first line desk CSS checks",
        audience=Audience.STAFF,
        days_ago=30,
    ),
    Demo(
        "prepayment",
        "resolver@dcc.example",
        "dcc-dsp",
        "Prepayment smart meters: keeping credit after a switch",
        "What happens to a prepayment customer's credit when they switch supplier.",
        """The customer's credit on the meter stays on the meter after a switch. The gaining supplier
should read the credit balance as one of its first service requests and agree the balance with the losing
supplier through the usual debt and credit process.
""",
        keywords="prepayment credit PAYG switch",
        audience=Audience.ROLES,
        roles=[R.ENERGY_SUPPLIER],
        state="review",
        days_ago=2,
    ),
    Demo(
        "uk-link-draft",
        "resolver@xoserve.example",
        "uk-link",
        "UK Link file formats: changes in the next release",
        "Draft: the file format changes coming in the next UK Link release.",
        """*Draft — details to be confirmed with the release notes.*

The next release adds two fields to the supply point nomination response.
""",
        state="draft",
        days_ago=1,
    ),
    Demo(
        "ie11",
        "resolver@cssp.example",
        "switching-portal",
        "Using the Switching Portal with Internet Explorer 11",
        "Settings needed to use the portal with Internet Explorer 11.",
        """Internet Explorer 11 needs compatibility view switched off for the portal's address.""",
        state="retired",
        days_ago=400,
    ),
]

#: Voters (readers) for the demo's helpful counts.
READERS = [
    "supplier@brightwater.example",
    "supplier@kestrel.example",
    "supplier@northernlights.example",
    "supplier@greenfield.example",
    "supplier@harbour.example",
    "admin@brightwater.example",
    "ops@midlandsgas.example",
    "analyst@operator.example",
    "analyst2@operator.example",
    "opsmanager@operator.example",
    "resolver@electralink.example",
    "resolver@dcc.example",
    "mprs@easterndn.example",
    "mprs@northerndn.example",
    "resolver@xoserve.example",
    "agent@meterwise.example",
    "agent@halfhourdata.example",
    "testmanager@si.example",
    "resolver@cssp.example",
    "admin@operator.example",
]


def _actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def _publish(ctx, article: Article, author: str, when: dt.datetime) -> None:
    actions.submit_for_review(actor=_actor(ctx, author), article=article, now=when)
    reviewer = REVIEWER if author == DESK else DESK
    actions.publish_article(actor=_actor(ctx, reviewer), article=article, now=when + dt.timedelta(hours=2))


def _votes(ctx, article: Article, helpful: int, unhelpful: int, when: dt.datetime) -> None:
    """``helpful`` then ``unhelpful`` answers from the demo's readers who may read ``article``."""
    readers = [e for e in READERS if e in ctx.people and article.pk in _readable(ctx, e)]
    for n, email in enumerate(readers[: helpful + unhelpful]):
        actions.vote(actor=_actor(ctx, email), article=article, helpful=n < helpful, now=when)


def _readable(ctx, email: str) -> set[int]:
    """The published articles a demo reader may read (one query per reader, kept for the load)."""
    from busbar.knowledge.queries import visible_to

    cache = ctx.__dict__.setdefault("_kb_readable", {})
    if email not in cache:
        cache[email] = set(
            visible_to(ctx.people[email]).filter(status="published").values_list("pk", flat=True)
        )
    return cache[email]


def _link(ctx, source_kind: str, summary_or_ref: str, article: Article, kind: str) -> None:
    model = record_type(source_kind).model_class
    source = (
        model.objects.filter(reference=summary_or_ref).first()
        or model.objects.filter(summary=summary_or_ref).order_by("created_at").first()
    )
    if source is not None and not Link.objects.filter(source=source.record, target=article.record).exists():
        record_actions.link_records(actor=ctx.actor, source=source, target=article, kind=kind)


def load(ctx) -> None:
    if Article.objects.exists():
        ctx.lines.append("Demo knowledge articles already present: left as they are.")
        return
    services = {s.slug: s for s in Service.objects.filter(is_active=True)}
    if "css-registration" not in services:
        ctx.lines.append("No demo services: demo knowledge articles skipped.")
        return
    now = timezone.now()
    made: dict[str, Article] = {}
    for demo in ARTICLES:
        when = now - dt.timedelta(days=demo.days_ago, hours=6)
        article = actions.create_article(
            actor=_actor(ctx, demo.author),
            title=demo.title,
            summary=demo.summary,
            body=demo.body.strip(),
            service=services.get(demo.service) if demo.service else None,
            audience=demo.audience,
            roles=demo.roles,
            keywords=demo.keywords,
            now=when,
        )
        made[demo.key] = article
        if demo.state == "review":
            actions.submit_for_review(
                actor=_actor(ctx, demo.author),
                article=article,
                note="Checked with our prepayment team; please review.",
                now=when,
            )
        elif demo.state in ("published", "retired"):
            _publish(ctx, article, demo.author, when)
            if demo.state == "retired":
                actions.retire_article(
                    actor=_actor(ctx, demo.author),
                    article=article,
                    reason="Internet Explorer is no longer supported by the portal.",
                    now=when + dt.timedelta(days=30),
                )
    for demo in ARTICLES:  # readers' answers, once every article is out
        if demo.state == "published" and any(demo.votes):
            when = now - dt.timedelta(days=demo.days_ago - 1, hours=6)
            _votes(ctx, Article.objects.get(pk=made[demo.key].pk), *demo.votes, when=when)
    _history(ctx, made, now)
    _links(ctx, made)
    ctx.lines.append(
        f"Knowledge base: {len(made)} demo articles (search at /knowledge/); "
        f"{made['prepayment'].reference} awaits the desk's review."
    )


def _history(ctx, made: dict[str, Article], now: dt.datetime) -> None:
    """A second published version (to compare), a revision in draft, feedback handled and open."""
    mfa = made["portal-mfa"]
    version = Article.objects.get(pk=mfa.pk).published_version
    actions.revise_article(
        actor=_actor(ctx, "resolver@cssp.example"),
        article=mfa,
        title=version.title,
        summary=version.summary,
        body=version.body.replace(
            "You are shown ten recovery codes once.",
            "You are shown ten recovery codes once, and can see them again from your profile.",
        )
        + "\n\n## Security keys\n\nYou can also register a security key (FIDO2) as your second factor.\n",
        change_note="Recovery codes can be seen again; security keys",
        now=now - dt.timedelta(days=20),
    )
    _publish(ctx, mfa, "resolver@cssp.example", now - dt.timedelta(days=20))
    rejections = made["rejections"]
    current = Article.objects.get(pk=rejections.pk).published_version
    actions.revise_article(
        actor=_actor(ctx, "resolver@cssp.example"),
        article=rejections,
        title=current.title,
        summary=current.summary,
        body=current.body.replace(
            "| `NOT_ELIGIBLE` |",
            "| `SUPPLIER_NOT_REGISTERED` | The gaining supplier is not registered for the fuel | "
            "Check your market participant registration |\n| `NOT_ELIGIBLE` |",
        ),
        change_note="Added SUPPLIER_NOT_REGISTERED",
        now=now - dt.timedelta(days=3),
    )
    spe = made["spe-500"]
    report = actions.report_irregularity(
        actor=_actor(ctx, DESK),
        article=spe,
        comment="Step 'retry after 2, 4 and 8 seconds' conflicts with the provider's rate limit of one "
        "retry per 5 seconds. Please check and correct.",
        now=now - dt.timedelta(days=1),
    )
    ecoes = made["ecoes-old-supplier"]
    corrected = actions.report_irregularity(
        actor=_actor(ctx, "supplier@brightwater.example"),
        article=ecoes,
        comment="The article says 'usually the working day after the switch date' but we see two days.",
        now=now - dt.timedelta(days=10),
    )
    actions.handle_irregularity(
        actor=_actor(ctx, "resolver@electralink.example"),
        report=corrected,
        outcome="dismissed",
        response="One working day is the normal time; two days happens when MPRS runs its batch late. The "
        "article tells you to check MPRS first in that case.",
        now=now - dt.timedelta(days=9),
    )
    del report


def _links(ctx, made: dict[str, Article]) -> None:
    """The articles used with the demo's problems and incidents."""
    _link(
        ctx,
        "problem",
        "Bulk registration uploads over 500 rows time out",
        made["uploads"],
        Link.Kind.DOCUMENTED_IN,
    )
    _link(
        ctx,
        "problem",
        "Supply Point Enquiry returns HTTP 500 under load",
        made["spe-500"],
        Link.Kind.DOCUMENTED_IN,
    )
    _link(
        ctx,
        "incident",
        "Registration service timing out on bulk uploads",
        made["uploads"],
        Link.Kind.DOCUMENTED_IN,
    )
    _link(ctx, "incident", "Supply point enquiry returns HTTP 500", made["spe-500"], Link.Kind.DOCUMENTED_IN)
