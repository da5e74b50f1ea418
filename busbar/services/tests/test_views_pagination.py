"""Web lists: the query count does not grow with the number of services, calendars or policies."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from busbar.conftest import World
from busbar.lib.actions import Actor
from busbar.services import actions
from busbar.services.actions import TargetSpec
from busbar.services.tests.conftest import Catalogue

pytestmark = pytest.mark.django_db

PAGES = ["/status/", "/services/", "/calendars/", "/sla-policies/", "/services/css-registration-service/"]


def _grow(world: World, catalogue: Catalogue, n: int) -> None:
    system = Actor.system()
    for i in range(n):
        cal = actions.create_calendar(
            actor=system, name=f"Cal {i}", kind="working_hours", weekly_hours={"0": [["09:00", "10:00"]]}
        )
        # Beyond the 14-day preview (closures may be planned up to two years ahead).
        far = timezone.localdate() + dt.timedelta(days=400 + i)
        actions.add_closure(actor=system, calendar=cal, date=far, reason="Far future")
        scheme = actions.create_severity_scheme(
            actor=system,
            name=f"Scheme {i}",
            severities=[{"code": "A", "label": "a"}, {"code": "B", "label": "b"}],
        )
        severity = scheme.severities.first()
        actions.create_sla_policy(
            actor=system,
            name=f"Policy {i}",
            scheme=scheme,
            targets=[TargetSpec(severity=severity, clock="response", amount=1, unit="hours", calendar=cal)],
        )
        actions.create_service(
            actor=system,
            name=f"Service {i}",
            provider=world.provider if i % 2 else catalogue.xoserve,
            calendar=cal,
            parent=catalogue.css,
            depends_on=[catalogue.css],
        )


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["user_a", "ops"])
def test_page_query_count_is_constant(world: World, catalogue: Catalogue, path: str, who: str) -> None:
    user = getattr(world, who)
    small = _count(world.client(user), path)
    _grow(world, catalogue, 5)
    assert _count(world.client(user), path) == small
