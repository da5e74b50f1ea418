"""The service requests demo (issue 15, item 7): the twelve-item catalogue (:mod:`.catalogue`) defined by
the operations manager through the catalogue actions, then forty requests from several suppliers and
agents in every state (awaiting approval, in fulfilment, waiting on the requester, fulfilled, rejected,
cancelled, closed), with approvals, tasks and conversations, played through the request actions with
back-dated times (relative to now); a few open ones are past their SLA targets. Loading twice changes
nothing (the catalogue's first item and the first request's summary mark each part as loaded)."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from busbar.lib.actions import ActionError, Actor
from busbar.parties.queries import scope_for
from busbar.requests import actions
from busbar.requests import defaults as request_defaults
from busbar.requests.demo.catalogue import ITEMS
from busbar.requests.demo.requests import REQUESTS
from busbar.requests.models import OPEN_REQUEST_STATUSES, CatalogueItem, Request
from busbar.services.models import Service

OPS = "opsmanager@operator.example"
HOUR = dt.timedelta(hours=1)


def actor(ctx, email: str) -> Actor:
    user = ctx.people[email]
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel="web")


def load(ctx) -> None:
    if OPS not in ctx.people or "css-provider" not in ctx.orgs:
        ctx.lines.append("No demo people: the requests demo is skipped.")
        return
    request_defaults.ensure()
    items = load_catalogue(ctx)
    made = load_requests(ctx, items)
    if made is None:
        ctx.lines.append("Demo requests already present: left as they are.")
        return
    ctx.lines.append(
        f"Requests: a catalogue of {len(items)} items and {made} requests in every state; see /requests/."
    )


def load_catalogue(ctx) -> dict[str, CatalogueItem]:
    """The demo catalogue through the catalogue actions, as the operations manager; items already there
    (by slug) are left as they are."""
    existing = {i.slug: i for i in CatalogueItem.objects.filter(slug__in=[s["slug"] for s in ITEMS])}
    ops = actor(ctx, OPS)
    policy = request_defaults.policy()
    services = {s.slug: s for s in Service.objects.all()}
    at = timezone.now() - 400 * dt.timedelta(days=1)
    for spec in ITEMS:
        if spec["slug"] in existing:
            continue
        kind = spec.get("kind", "request")
        item = actions.create_item(
            actor=ops,
            name=spec["name"],
            slug=spec["slug"],
            summary=spec["summary"],
            category=spec["category"],
            description=spec.get("description", ""),
            kind=kind,
            audience=spec.get("audience", "participants"),
            industry_roles=spec.get("industry_roles", ()),
            admins_only=spec.get("admins_only", False),
            redirect_text=spec.get("redirect_text", ""),
            redirect_url=spec.get("redirect_url", ""),
            fulfilment=spec.get("fulfilment", ""),
            sla_policy=policy if kind == "request" else None,
            priority=spec.get("priority", ""),
            service=services.get(spec.get("service") or ""),
            order=spec["order"],
            now=at,
        )
        if kind == "request":
            if spec.get("fields"):
                actions.set_fields(
                    actor=ops,
                    item=item,
                    fields=[
                        {
                            "key": k,
                            "label": label,
                            "kind": kd,
                            "required": req,
                            "options": opts,
                            "help_text": h,
                        }
                        for k, label, kd, req, opts, h in spec["fields"]
                    ],
                    now=at,
                )
            if spec.get("approvals"):
                actions.set_approval_steps(
                    actor=ops,
                    item=item,
                    steps=[
                        {"approver": a, **({"provider": ctx.orgs[p]} if p else {})}
                        for a, p in spec["approvals"]
                    ],
                    now=at,
                )
            if spec.get("tasks"):
                actions.set_task_templates(
                    actor=ops,
                    item=item,
                    tasks=[
                        {
                            "title": t,
                            "assignee": a,
                            "description": d,
                            **({"provider": ctx.orgs[p]} if p else {}),
                        }
                        for t, a, p, d in spec["tasks"]
                    ],
                    now=at,
                )
        existing[spec["slug"]] = item
    return existing


def _answers(ctx, answers: dict, raised: dt.datetime) -> dict:
    today = timezone.localdate(raised)
    out = {}
    for key, value in answers.items():
        if isinstance(value, str) and value.startswith("@person:"):
            value = ctx.people[value[8:]].pk
        elif isinstance(value, str) and value.startswith("@service:"):
            value = Service.objects.get(slug=value[9:]).pk
        elif isinstance(value, str) and value.startswith("@date:"):
            value = (today + dt.timedelta(days=int(value[6:]))).isoformat()
        elif value == "@file":
            value = SimpleUploadedFile(
                "connection-form.pdf",
                b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
                content_type="application/pdf",
            )
        out[key] = value
    return out


def load_requests(ctx, items: dict[str, CatalogueItem]) -> int | None:
    if Request.objects.filter(summary=REQUESTS[0][3]).exists():
        return None
    now = timezone.now()
    made = []
    for slug, email, org, summary, answers, days_ago, steps in REQUESTS:
        raised = now - dt.timedelta(days=days_ago)
        request = actions.raise_request(
            actor=actor(ctx, email),
            item=items[slug],
            organisation=ctx.orgs[org],
            answers=_answers(ctx, answers, raised),
            summary=summary,
            description=str(answers.get("question") or answers.get("details") or answers.get("reason") or ""),
            now=raised,
        )
        gap = min(3 * HOUR, (now - raised) / (len(steps) + 1))
        for n, step in enumerate(steps, start=1):
            play(ctx, request, step, raised + n * gap)
        made.append(request.pk)
    open_ids = list(
        Request.objects.filter(pk__in=made, status__in=OPEN_REQUEST_STATUSES).values_list("pk", flat=True)
    )
    # The SLA scan's warnings and breaches for the back-dated open requests (nothing due: nothing to do).
    with contextlib.suppress(ActionError):
        actions.raise_sla_notices(actor=Actor.system(), request_ids=open_ids, now=now)
    return len(made)


def play(ctx, request: Request, step: tuple, at: dt.datetime) -> None:
    verb, email, *rest = step
    who = actor(ctx, email)
    request.refresh_from_db()
    text = rest[0] if rest else ""
    if verb in ("approve", "reject"):
        approval = request.approvals.filter(status="pending").order_by("order").first()
        if verb == "approve":
            actions.approve(actor=who, approval=approval, reason=text, now=at)
        else:
            actions.reject(actor=who, approval=approval, reason=text, now=at)
    elif verb in ("start", "complete", "assign", "reassign"):
        task = request.tasks.filter(status="open").order_by("order").first()
        if verb == "start":
            actions.start_task(actor=who, task=task, now=at)
        elif verb == "complete":
            actions.complete_task(actor=who, task=task, note=text, now=at)
        elif verb == "assign":
            actions.assign_task(actor=who, task=task, assignee=ctx.people[text], now=at)
        else:
            actions.reassign_task(actor=who, task=task, organisation=ctx.orgs[text], now=at)
    elif verb == "update":
        actions.add_update(actor=who, request=request, body=text, now=at)
    elif verb == "note":
        actions.add_note(actor=who, request=request, body=text, now=at)
    elif verb == "wait":
        actions.wait_on_requester(actor=who, request=request, question=text, now=at)
    elif verb == "answer":
        actions.answer_request(actor=who, request=request, answer=text, now=at)
    elif verb == "cancel":
        actions.cancel_request(actor=who, request=request, reason=text, now=at)
    elif verb == "close":
        actions.close_request(actor=who, request=request, now=at)
    elif verb == "reopen":
        actions.reopen_request(actor=who, request=request, reason=text, now=at)
    else:  # pragma: no cover - a typo in the demo data
        raise ValueError(verb)
