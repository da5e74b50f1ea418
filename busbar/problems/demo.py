"""Demo problems: a known problem with its workaround on CSS registration, one under investigation behind
two Supply Point Enquiry incidents, and one fixed and closed. Played through the real actions, back-dated."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.lib.actions import Actor
from busbar.parties.queries import scope_for
from busbar.problems import actions
from busbar.problems.models import Problem
from busbar.records.registry import get as record_type
from busbar.services.models import Service


def _actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def _incidents(*summaries: str) -> list[str]:
    model = record_type("incident").model_class
    return list(
        model.objects.filter(summary__in=summaries).order_by("created_at").values_list("reference", flat=True)
    )


def load(ctx) -> None:
    if Problem.objects.exists():
        ctx.lines.append("Demo problems already present: left as they are.")
        return
    css = Service.objects.filter(slug="css-registration", is_active=True).first()
    uk_link = Service.objects.filter(slug="uk-link", is_active=True).first()
    if css is None or uk_link is None:
        ctx.lines.append("No demo services: demo problems skipped.")
        return
    now = timezone.now()
    ago = lambda **kw: now - dt.timedelta(**kw)  # noqa: E731
    desk = _actor(ctx, "analyst@operator.example")
    ops = _actor(ctx, "opsmanager@operator.example")
    resolver_css = _actor(ctx, "resolver@cssp.example")

    uploads = actions.raise_problem(
        actor=desk,
        service=css,
        summary="Bulk registration uploads over 500 rows time out",
        description=(
            "Bulk uploads of registration requests time out after 30 s once a file holds more than about 500 "
            "rows. Seen by several suppliers this week; the CSS provider's upload workers run out of "
            "capacity while validating large files."
        ),
        incidents=_incidents(
            "Registration service timing out on bulk uploads", "Gaining switch stuck in 'Pending' for 3 MPxNs"
        ),
        now=ago(hours=2),
    )
    actions.start_investigation(
        actor=resolver_css,
        problem=uploads,
        note="Profiling the validation step of the upload workers.",
        now=ago(hours=1, minutes=50),
    )
    actions.record_root_cause(
        actor=resolver_css,
        problem=uploads,
        category="capacity",
        root_cause="Validation runs in one worker per file and holds it for the whole file; the pool of 8 "
        "workers is exhausted by concurrent large files.",
        now=ago(hours=1, minutes=30),
    )
    actions.mark_known(
        actor=resolver_css,
        problem=uploads,
        workaround="Split bulk registration files into files of at most 400 rows and upload them one after "
        "another. Requests already in 'Pending' from a timed-out upload complete within 2 hours; do not "
        "resubmit them.",
        now=ago(hours=1, minutes=20),
    )
    actions.record_fix(
        actor=resolver_css,
        problem=uploads,
        fix="Stream validation in chunks of 100 rows and release the worker between chunks "
        "(CSS release 4.12.1).",
        implemented=False,
        now=ago(hours=1),
    )

    spe = actions.raise_problem(
        actor=ops,
        service=uk_link,
        summary="Supply Point Enquiry returns HTTP 500 under load",
        description="Intermittent HTTP 500 from Supply Point Enquiry, several times an hour, across "
        "suppliers and agents.",
        incidents=_incidents("Supply point enquiry returns HTTP 500", "Supply point enquiry errors"),
        now=ago(hours=6),
    )
    actions.start_investigation(
        actor=ops, problem=spe, note="Provider's hosting vendor engaged.", now=ago(hours=5)
    )
    actions.add_update(
        actor=ops,
        problem=spe,
        body="Vendor suspects connection pool exhaustion on the API gateway.",
        internal=True,
        now=ago(hours=4),
    )

    mail = actions.raise_problem(
        actor=resolver_css,
        service=css,
        summary="Portal emails fail when the mail relay certificate expires",
        description="Password reset and notification emails stop when the relay's TLS certificate lapses.",
        incidents=_incidents("Portal password reset emails not arriving"),
        now=ago(days=3),
    )
    actions.record_root_cause(
        actor=resolver_css,
        problem=mail,
        category="configuration",
        root_cause="The relay certificate was renewed by hand and had no expiry monitoring.",
        now=ago(days=3) + dt.timedelta(hours=2),
    )
    actions.record_fix(
        actor=resolver_css,
        problem=mail,
        fix="Certificate renewal automated, with an expiry alert 30 days ahead.",
        implemented=True,
        implemented_at=ago(days=2),
        now=ago(days=2),
    )
    actions.resolve_problem(
        actor=resolver_css, problem=mail, note="Automated renewal in place.", now=ago(days=2)
    )
    actions.close_problem(actor=desk, problem=mail, now=ago(days=1))
    ctx.lines.append(
        f"Demo problems: {uploads.reference} (known problem with a workaround on {css}), {spe.reference} "
        f"(investigating on {uk_link}), {mail.reference} (fixed and closed)."
    )
