"""Demo triage scripts: first-line checks for CSS registration failures and for Switching Portal sign-in,
switched on, with one run recorded on the demo's bulk-upload incident."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from busbar.incidents.models import Incident
from busbar.knowledge.models import Article
from busbar.lib.actions import Actor
from busbar.parties.queries import scope_for
from busbar.services.models import Service
from busbar.triage import actions
from busbar.triage.actions import AnswerSpec as A
from busbar.triage.actions import QuestionSpec as Q
from busbar.triage.models import TriageScript


def _actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def _article(title_start: str) -> Article | None:
    return Article.objects.filter(title__startswith=title_start, status="published").first()


def load(ctx) -> None:
    if TriageScript.objects.exists():
        ctx.lines.append("Demo triage scripts already present: left as they are.")
        return
    css = Service.objects.filter(slug="css-registration").select_related("sla_policy").first()
    portal = Service.objects.filter(slug="switching-portal").first()
    uploads, rejections = _article("Bulk registration uploads"), _article("Why a switch request is rejected")
    mfa = _article("Signing in to the Switching Portal")
    if css is None or portal is None or None in (uploads, rejections, mfa):
        ctx.lines.append("No demo services or articles: demo triage scripts skipped.")
        return
    sev = {s.code: s for s in css.sla_policy.scheme.severities.all()}
    desk = _actor(ctx, "analyst@operator.example")
    now = timezone.now() - dt.timedelta(days=7)
    script = actions.define_script(
        actor=desk,
        name="CSS registration failures",
        service=css,
        description="First-line checks when a participant cannot register switches through CSS.",
        questions=[
            Q(
                "status",
                "Does the service status page show CSS registration as operational?",
                "Service status, top of the page. A degraded or down service usually has a major incident open.",
                [
                    A("Yes, operational", next="symptom"),
                    A(
                        "No: degraded or down",
                        severity=sev["2"],
                        raise_to_provider=True,
                        advice="Link the incident to the open major incident if there is one, and tell the "
                        "participant the service is degraded; bulletins will follow.",
                    ),
                ],
            ),
            Q(
                "symptom",
                "What does the participant see?",
                "Ask for the exact message or reason code.",
                [
                    A(
                        "Bulk upload timed out",
                        article=uploads,
                        severity=sev["3"],
                        advice="Give the workaround: files of at most 400 rows, one after another; do not "
                        "resubmit requests already pending. Link the incident to the known problem.",
                    ),
                    A("A switch request rejected with a reason code", next="reason"),
                    A("Something else", next="many"),
                ],
            ),
            Q(
                "reason",
                "Is the reason code one the participant can correct themselves?",
                "INVALID_MPXN, ADDRESS_MISMATCH, INVALID_SWITCH_DATE, DUPLICATE_SWITCH_REQUEST, "
                "RELATED_MPXN_MISSING.",
                [
                    A(
                        "Yes",
                        article=rejections,
                        severity=sev["4"],
                        advice="Resolve at first line: send the article and resolve the incident with it.",
                    ),
                    A("No, or not sure", next="many"),
                ],
            ),
            Q(
                "many",
                "Have other participants reported the same in the last 15 minutes?",
                "Check the open incidents on CSS registration.",
                [
                    A(
                        "Yes",
                        severity=sev["2"],
                        raise_to_provider=True,
                        advice="Call the CSS provider's duty manager as well as assigning.",
                    ),
                    A(
                        "No",
                        severity=sev["3"],
                        raise_to_provider=True,
                        advice="Ask for the switch request reference and the time it was sent before assigning.",
                    ),
                ],
            ),
        ],
        now=now,
    )
    actions.set_active(actor=desk, script=script, active=True, now=now)
    sign_in = actions.define_script(
        actor=desk,
        name="Switching Portal sign-in",
        service=portal,
        description="When a participant cannot sign in to the Switching Portal.",
        questions=[
            Q(
                "kind",
                "Is the problem the second factor (authenticator code)?",
                "",
                [
                    A("Yes", next="lost"),
                    A(
                        "No: the password, or the portal itself",
                        severity=sev["4"],
                        raise_to_provider=True,
                        advice="Check the service status first.",
                    ),
                ],
            ),
            Q(
                "lost",
                "Has the person lost both their authenticator app and their recovery codes?",
                "",
                [
                    A(
                        "Yes",
                        article=mfa,
                        advice="Their organisation administrator resets the second factor; the desk cannot.",
                    ),
                    A("No", article=mfa, advice="Walk them through signing in with a recovery code."),
                ],
            ),
        ],
        now=now,
    )
    actions.set_active(actor=desk, script=sign_in, active=True, now=now)
    incident = Incident.objects.filter(summary="Registration service timing out on bulk uploads").first()
    if incident is not None and incident.is_open:
        first = script.questions.get(position=1).answers.get(position=1)
        upload = script.questions.get(position=2).answers.get(position=1)
        actions.run_script(
            actor=desk,
            incident=incident,
            script=script,
            answers=[first.pk, upload.pk],
            apply_severity=False,
            assign=False,
            note="The provider is already scaling out.",
            now=timezone.now() - dt.timedelta(hours=2, minutes=40),
        )
    ctx.lines.append(
        f"Triage scripts: “{script.name}” and “{sign_in.name}” (run them from an open incident's page as the desk)."
    )
