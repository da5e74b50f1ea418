"""The hub orders world, built once per module beside the three-party world (``busbar.conftest.World``).

Suppliers: Alpha (``w.user_a`` participant, ``w.admin_a`` administrator) and Bravo (``w.user_b``), both
energy suppliers. DCC: ``o.dcc`` (resolver at the organisation holding the DCC role). The desk:
``w.analyst``, ``w.ops``. A provider that is not DCC: ``w.resolver``. Defaults installed: the OMS
policies, six variants (three orderable 4G), eight fault codes, the default rules (10% tolerance, 20
working days' lead time, pallets of 48) and the settings row.

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
from busbar.orders import defaults
from busbar.orders.models import FaultCode, HubVariant
from busbar.parties.models import IndustryRole, MembershipRole, Organisation
from busbar.parties.queries import scope_for

NOW = dt.datetime(2027, 6, 16, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2027, 6, 16)


@dataclass
class OmsWorld:
    world: World
    dcc_org: Organisation
    dcc: User
    g4: HubVariant  # 4g-single-int, orderable
    s2: HubVariant  # s2-cs-int, returns only
    f01: FaultCode

    def client(self, user: User | None):
        return self.world.client(user)


def actor(user: User, channel: str = "web") -> Actor:
    return Actor(user=user, organisation=scope_for(user).primary_organisation, channel=channel)


def build(world: World) -> OmsWorld:
    defaults.ensure()
    dcc_org = make_org("DCC", [IndustryRole.DCC_DSP])
    dcc = make_user(dcc_org, "resolver@dcc.example", MembershipRole.RESOLVER)
    return OmsWorld(
        world=world,
        dcc_org=dcc_org,
        dcc=dcc,
        g4=HubVariant.objects.get(code="4g-single-int"),
        s2=HubVariant.objects.get(code="s2-cs-int"),
        f01=FaultCode.objects.get(code="F01"),
    )


@pytest.fixture(scope="module")
def _module_oms(_module_world: World, django_db_blocker) -> Iterator[OmsWorld]:
    with django_db_blocker.unblock():
        yield build(_module_world)


@pytest.fixture
def o(_module_oms: OmsWorld, db) -> OmsWorld:
    """The orders world (see the module docstring), fresh copies for each test."""
    return copy.deepcopy(_module_oms)
