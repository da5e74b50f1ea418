"""Fixtures for the service catalogue tests: a small catalogue on top of the shared ``world``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from busbar.conftest import World, make_org
from busbar.lib.actions import Actor
from busbar.parties.models import IndustryRole, Organisation
from busbar.services import actions
from busbar.services.models import Calendar, Service, SlaPolicy

WORKING = "Working hours (Mon-Fri 08:00-18:00, E&W bank holidays)"


@dataclass
class Catalogue:
    always: Calendar  # the installed "24x7" calendar
    working: Calendar  # the installed Mon-Fri 08:00-18:00 calendar
    default: SlaPolicy  # the installed "REC default" policy
    xoserve: Organisation  # a second provider (UK Link, DES)
    css: Service  # provider: world.provider
    portal: Service  # component of css
    uk_link: Service  # provider: xoserve, depends on css


@pytest.fixture
def catalogue(world: World) -> Catalogue:
    system = Actor.system()
    xoserve = make_org("Xoserve", [IndustryRole.UK_LINK, IndustryRole.DES])
    always = Calendar.objects.get(name="24x7")
    working = Calendar.objects.get(name=WORKING)
    css = actions.create_service(
        actor=system, name="CSS registration service", provider=world.provider, calendar=always
    )
    portal = actions.create_service(
        actor=system, name="Switching portal", provider=world.provider, calendar=working, parent=css
    )
    uk_link = actions.create_service(
        actor=system, name="UK Link", provider=xoserve, calendar=working, depends_on=[css]
    )
    return Catalogue(
        always=always,
        working=working,
        default=SlaPolicy.objects.get(is_default=True),
        xoserve=xoserve,
        css=css,
        portal=portal,
        uk_link=uk_link,
    )


def actor(user) -> Actor:
    from busbar.parties.queries import scope_for

    return Actor(user=user, organisation=scope_for(user).primary_organisation)
