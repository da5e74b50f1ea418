"""The set-up of the requests benchmark: Django, the demo's organisations and people, the demo services,
30 more energy suppliers (one participant each), the OMS and request defaults, and the demo catalogue's
twelve items (written with the ORM from ``busbar.requests.demo.catalogue``: the benchmark loads data, it
does not exercise the catalogue actions).

Who the measurements act as: the desk (``analyst@operator.example``), a supplier's participant
(``supplier@brightwater.example``, about 1/40 of the requests and returns), DCC
(``resolver@dcc.example``: every return).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

DESK_EMAIL = "analyst@operator.example"
SUPPLIER_EMAIL = "supplier@brightwater.example"
SUPPLIER_SLUG = "brightwater"
DCC_EMAIL = "resolver@dcc.example"
EXTRA_SUPPLIERS = 30


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    os.environ.setdefault("BUSBAR_DATA_DIR", str(Path(tempfile.gettempdir()) / "busbar_bench15_var"))
    if not os.environ.get("SECRET_KEY"):
        # In-process only (no cookie ever leaves this process): any long value will do.
        os.environ["SECRET_KEY"] = "bench-" + os.urandom(24).hex()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to the benchmark PostgreSQL database, e.g. "
            "postgres://postgres@127.0.0.1:5432/busbar_bench15"
        )
    import django

    django.setup()


def build(out) -> dict:
    """Write the set-up (idempotent) and return what the generator needs: ids of organisations, people,
    items, approval steps and tasks, variants and fault codes."""
    from django.conf import settings
    from django.test import override_settings

    from busbar.core.demo import DemoContext, load_demo
    from busbar.lib.actions import Actor
    from busbar.orders import defaults as oms_defaults
    from busbar.orders.models import FaultCode, HubVariant
    from busbar.parties import actions as party_actions
    from busbar.parties.models import IndustryRole, Membership, MembershipRole, Organisation
    from busbar.requests import defaults as req_defaults
    from busbar.requests.models import CatalogueItem
    from busbar.services.demo import load as load_services

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=fast):
        load_demo(apps=False)
    ctx = DemoContext(actor=Actor.system())
    ctx.orgs = {o.slug: o for o in Organisation.objects.all()}
    load_services(ctx)
    req_defaults.ensure()
    oms_defaults.ensure()
    for n in range(1, EXTRA_SUPPLIERS + 1):
        slug = f"bench-supplier-{n:02d}"
        if slug in ctx.orgs:
            continue
        org = party_actions.create_organisation(
            actor=ctx.actor,
            name=f"Bench Supplier {n:02d}",
            slug=slug,
            roles=[IndustryRole.ENERGY_SUPPLIER],
            identifiers=[("mpid", f"BS{n:02d}")],
            contact_email=f"ops@{slug}.example",
        )
        party_actions.add_member(
            actor=ctx.actor,
            organisation=org,
            email=f"switching@{slug}.example",
            full_name=f"Bench User {n:02d}",
            role=MembershipRole.PARTICIPANT,
        )
        ctx.orgs[slug] = org
    if not CatalogueItem.objects.exists():
        catalogue_by_orm(ctx.orgs)
    out.write(f"set-up: {len(ctx.orgs)} organisations, {CatalogueItem.objects.count()} catalogue items\n")
    suppliers = list(
        Organisation.objects.filter(
            roles__role__in=[IndustryRole.ENERGY_SUPPLIER, IndustryRole.SUPPLIER_AGENT]
        )
        .distinct()
        .order_by("id")
    )
    members: dict[int, list[int]] = {}
    admins: dict[int, int] = {}
    for m in Membership.objects.filter(organisation__in=suppliers, is_active=True).order_by("id"):
        members.setdefault(m.organisation_id, []).append(m.user_id)
        if m.role == MembershipRole.ORG_ADMIN:
            admins[m.organisation_id] = m.user_id
    operator = ctx.orgs["switching-operator"]
    items = []
    for item in CatalogueItem.objects.filter(kind="request").prefetch_related(
        "approval_steps", "task_templates"
    ):
        tasks = [
            (t.title, operator.pk if t.assignee == "desk" else t.provider_id)
            for t in item.task_templates.all()
        ]
        if not tasks and not item.approval_steps.all():
            # raise_request gives such a request a desk task of its own.
            tasks = [("Handle the request", operator.pk)]
        items.append(
            {
                "id": item.pk,
                "slug": item.slug,
                "summary": item.name,
                "priority": item.priority or "P3",
                "access": bool(item.fulfilment),
                "approvals": [
                    (s.approver, operator.pk if s.approver == "operator" else (s.provider_id or 0))
                    for s in item.approval_steps.all()
                ],
                "tasks": tasks,
            }
        )
    user_ids = dict(
        Membership.objects.filter(user__email__in=[DESK_EMAIL, "opsmanager@operator.example"]).values_list(
            "user__email", "user_id"
        )
    )
    return {
        "suppliers": [(o.pk, o.slug) for o in suppliers],
        "members": members,
        "admins": admins,
        "operator": operator.pk,
        "desk_user": user_ids[DESK_EMAIL],
        "ops_user": user_ids["opsmanager@operator.example"],
        "items": items,
        "variants": list(HubVariant.objects.order_by("code").values_list("id", "code", "technology")),
        "faults": list(FaultCode.objects.order_by("code").values_list("id", flat=True)),
        "energy_suppliers": [
            o.pk
            for o in Organisation.objects.filter(roles__role=IndustryRole.ENERGY_SUPPLIER)
            .distinct()
            .order_by("id")
        ],
    }


def catalogue_by_orm(orgs) -> None:
    from busbar.requests import defaults as req_defaults
    from busbar.requests.demo.catalogue import ITEMS
    from busbar.requests.models import ApprovalStep, CatalogueItem, ItemField, TaskTemplate
    from busbar.services.models import Service

    policy = req_defaults.policy()
    services = {s.slug: s for s in Service.objects.all()}
    for spec in ITEMS:
        kind = spec.get("kind", "request")
        item = CatalogueItem.objects.create(
            name=spec["name"],
            slug=spec["slug"],
            category=spec["category"],
            summary=spec["summary"],
            description=spec.get("description", ""),
            kind=kind,
            audience=spec.get("audience", "participants"),
            industry_roles=spec.get("industry_roles", []),
            admins_only=spec.get("admins_only", False),
            redirect_text=spec.get("redirect_text", ""),
            redirect_url=spec.get("redirect_url", ""),
            fulfilment=spec.get("fulfilment", ""),
            sla_policy=policy if kind == "request" else None,
            priority=spec.get("priority", ""),
            service=services.get(spec.get("service") or ""),
            order=spec["order"],
        )
        for n, (key, label, fkind, required, options, help_text) in enumerate(spec.get("fields", [])):
            ItemField.objects.create(
                item=item,
                key=key,
                label=label,
                kind=fkind,
                required=required,
                options=options,
                help_text=help_text,
                order=n,
            )
        for n, (approver, provider) in enumerate(spec.get("approvals", [])):
            ApprovalStep.objects.create(
                item=item, order=n, approver=approver, provider=orgs.get(provider or "")
            )
        for n, (title, assignee, provider, description) in enumerate(spec.get("tasks", [])):
            TaskTemplate.objects.create(
                item=item,
                order=n,
                title=title,
                description=description,
                assignee=assignee,
                provider=orgs.get(provider or ""),
            )
