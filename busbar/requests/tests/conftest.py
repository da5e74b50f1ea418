"""The requests world, built once per module beside the three-party world (``busbar.conftest.World``).

People: the desk (``w.analyst``, ``w.ops``), the provider's resolver (``w.resolver`` at CSS Provider),
Alpha's participant (``w.user_a``) and administrator (``w.admin_a``), Bravo's participant
(``w.user_b``), DCC's resolver (``r.dcc``), and anonymous.

Catalogue items (made directly: they are configuration, the catalogue actions are tested on their own):

* ``r.info``: "Information request", everyone, no approval, one desk task, a required question;
* ``r.network``: "Network connection", energy suppliers only; fields: wanted-by date (5–90 days ahead),
  circuits (number 1–10), service, optional file; approvals: Alpha's administrator then the operator;
  tasks: the desk checks, then the CSS Provider configures;
* ``r.new_user``: "New portal user", administrators only, fulfilment ``new_user``; fields: email, full
  name, role; approval: the operator;
* ``r.mfa_reset``: "Reset MFA", everyone, fulfilment ``reset_mfa``; field: person; approval: operator;
* ``r.redirect``: "Access to UK Link", redirect only.

"Now" is Wednesday 16 June 2027, 10:00 UTC (11:00 in London).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from busbar.accounts.models import User
from busbar.conftest import World, make_org, make_user
from busbar.lib.actions import Actor
from busbar.parties.models import IndustryRole, MembershipRole, Organisation
from busbar.parties.queries import scope_for
from busbar.requests import defaults
from busbar.requests.models import ApprovalStep, CatalogueItem, ItemField, TaskTemplate
from busbar.services import actions as service_actions
from busbar.services.models import Calendar, Service

NOW = dt.datetime(2027, 6, 16, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2027, 6, 16)


@dataclass
class ReqWorld:
    world: World
    dcc_org: Organisation
    dcc: User
    css: Service
    info: CatalogueItem
    network: CatalogueItem
    new_user: CatalogueItem
    mfa_reset: CatalogueItem
    redirect: CatalogueItem

    def client(self, user: User | None):
        return self.world.client(user)


def actor(user: User, channel: str = "web") -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel=channel)


def _item(**kw) -> CatalogueItem:
    kw.setdefault("sla_policy", defaults.policy())
    kw.setdefault("priority", defaults.DEFAULT_PRIORITY)
    return CatalogueItem.objects.create(**kw)


def build(world: World) -> ReqWorld:
    defaults.ensure()
    always = Calendar.objects.get(name="24x7")
    dcc_org = make_org("DCC", [IndustryRole.DCC_DSP])
    dcc = make_user(dcc_org, "resolver@dcc.example", MembershipRole.RESOLVER)
    css = service_actions.create_service(
        actor=Actor.system(), name="CSS", slug="css", provider=world.provider, calendar=always
    )
    info = _item(
        name="Information request",
        slug="information",
        category="Advice",
        summary="Ask the desk a question",
        audience="everyone",
        priority="P4",
    )
    ItemField.objects.create(item=info, key="question", label="Your question", kind="textarea", order=1)
    TaskTemplate.objects.create(item=info, order=1, title="Answer the question", assignee="desk")
    network = _item(
        name="Network connection",
        slug="network-connection",
        category="Connections",
        summary="Connect to the switching network",
        audience="participants",
        industry_roles=[IndustryRole.ENERGY_SUPPLIER],
        service=css,
    )
    ItemField.objects.create(
        item=network,
        key="wanted_by",
        label="Wanted by",
        kind="date",
        options={"not_before_days": 5, "not_after_days": 90},
        order=1,
    )
    ItemField.objects.create(
        item=network,
        key="circuits",
        label="Circuits",
        kind="number",
        options={"min": 1, "max": 10, "integer": True},
        order=2,
    )
    ItemField.objects.create(item=network, key="service", label="Service", kind="service", order=3)
    ItemField.objects.create(
        item=network,
        key="diagram",
        label="Network diagram",
        kind="file",
        required=False,
        options={"extensions": ["pdf", "png"]},
        order=4,
    )
    ApprovalStep.objects.create(item=network, order=1, approver="org_admin")
    ApprovalStep.objects.create(item=network, order=2, approver="operator")
    TaskTemplate.objects.create(item=network, order=1, title="Check the application", assignee="desk")
    TaskTemplate.objects.create(
        item=network, order=2, title="Configure the connection", assignee="provider", provider=world.provider
    )
    new_user = _item(
        name="New portal user",
        slug="new-portal-user",
        category="Access",
        summary="Give a colleague access to the portal",
        audience="everyone",
        admins_only=True,
        fulfilment="new_user",
    )
    ItemField.objects.create(item=new_user, key="email", label="Email address", kind="email", order=1)
    ItemField.objects.create(item=new_user, key="full_name", label="Full name", kind="text", order=2)
    ItemField.objects.create(item=new_user, key="role", label="Role", kind="role", order=3)
    ApprovalStep.objects.create(item=new_user, order=1, approver="operator")
    mfa_reset = _item(
        name="Reset multi-factor authentication",
        slug="mfa-reset",
        category="Access",
        summary="Lost your authenticator? Ask for a reset",
        audience="everyone",
        fulfilment="reset_mfa",
    )
    ItemField.objects.create(item=mfa_reset, key="person", label="Whose", kind="person", order=1)
    ApprovalStep.objects.create(item=mfa_reset, order=1, approver="operator")
    redirect = _item(
        name="Access to UK Link",
        slug="uk-link-access",
        category="Access",
        summary="UK Link access is not handled here",
        audience="everyone",
        kind="redirect",
        redirect_text="Access to UK Link is managed by Xoserve, not the switching service desk.",
        redirect_url="https://www.xoserve.com/",
    )
    return ReqWorld(
        world=world,
        dcc_org=dcc_org,
        dcc=dcc,
        css=css,
        info=info,
        network=network,
        new_user=new_user,
        mfa_reset=mfa_reset,
        redirect=redirect,
    )


@pytest.fixture(scope="module")
def _module_req(_module_world: World, django_db_blocker) -> Iterator[ReqWorld]:
    with django_db_blocker.unblock():
        yield build(_module_world)


@pytest.fixture
def r(_module_req: ReqWorld, db) -> ReqWorld:
    """The requests world (see the module docstring), fresh copies for each test."""
    return copy.deepcopy(_module_req)
