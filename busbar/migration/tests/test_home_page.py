"""The migration home page per persona: what the person is, their tranche and status (suppliers and
agents), the headline progress (industry, own, or the area's), open exceptions, the next breaches, links
only to what applies; a person with nothing here gets a friendly explanation (200); anonymous is sent to
sign in; a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from busbar.migration.models import Entrant, MigrationException, QualificationStatus
from busbar.migration.tests.conftest import TODAY
from busbar.migration.tests.test_report_progress import _alpha_world, frozen, make_plan  # noqa: F401
from busbar.records.models import Record

pytestmark = pytest.mark.django_db
HOME = "/migration/"


def _body(m, user) -> str:
    r = m.client(user).get(HOME)
    assert r.status_code == 200
    return r.content.decode()


def test_home_per_persona(m, frozen) -> None:  # noqa: F811
    _alpha_world(m)
    w = m.world
    Entrant.objects.filter(pk=m.alpha.pk).update(status=QualificationStatus.ALLOCATED, tranche=m.tranches[0])
    si = _body(m, m.si)
    assert "Migration manager" in si and "Progress: Industry" in si and "3,020" in si
    assert "/migration/reports/at-risk/" in si and "/migration/reports/distributors/" in si
    assert "/migration/qualification/mhhs/allocation/" in si
    assurer = _body(m, m.assurer)
    assert "Programme reader" in assurer and "Migration manager" not in assurer
    assert "/migration/reports/at-risk/" in assurer
    alpha = _body(m, w.user_a)
    assert "Supplier" in alpha and "Your qualification" in alpha
    assert "Tranche 1" in alpha and "Allocated to a tranche" in alpha
    assert "Progress: Your organisation" in alpha and "2,950" in alpha and "3,020" not in alpha
    assert "/migration/reports/at-risk/" not in alpha and "/migration/reports/readiness/" in alpha
    assert "/migration/qualification/mhhs/allocation/" not in alpha
    bravo = _body(m, w.user_b)
    assert "Bravo Energy" in bravo and "Alpha Energy" not in bravo and "Not in a tranche yet" in bravo
    agent = _body(m, m.agent)
    assert "Supplier agent" in agent and "Delta Data" in agent and "Progress:" not in agent
    assert "/migration/reports/progress/" not in agent
    dno = _body(m, m.dno)
    assert "Distribution network operator (area 10)" in dno and "distributor area 10" in dno
    assert "/migration/reports/distributors/" in dno and "/migration/reports/at-risk/" not in dno
    code_body = _body(m, m.code_body_user)
    assert "Code body" in code_body and "/migration/qualification/mhhs/allocation/" in code_body
    assert "Progress:" not in code_body


def test_nothing_here_is_a_friendly_200(m, frozen) -> None:  # noqa: F811
    body = _body(m, m.world.resolver)
    assert "Nothing here for you yet" in body and "/migration/reports/" not in body
    assert m.client(None).get(HOME).status_code == 302


def test_open_exceptions_and_next_breaches(m, frozen) -> None:  # noqa: F811
    record = Record.objects.create(kind="migration_exception", reference="MEX0000001")
    MigrationException.objects.create(
        record=record,
        reference=record.reference,
        kind="failed",
        supplier=m.world.org_a,
        day=TODAY,
        summary="Failed migrations",
        mpans=2,
    )
    # tomorrow 4,500 in Eastern: over its 4,000 cap
    make_plan(m, m.world.org_a, "smart", [(TODAY + dt.timedelta(days=1), "10", 4500)])
    si = _body(m, m.si)
    assert "1 open or under investigation" in si
    assert "Thu 17 Jun" in si and "4,500 planned, cap 4,000" in si
    assert "1 open or under investigation" in _body(m, m.world.user_a)
    assert "0 open or under investigation" in _body(m, m.world.user_b)
    dno = _body(m, m.dno)
    assert "4,500 planned, cap 4,000" in dno
    assert "4,500 planned" not in _body(m, m.world.user_b)


def test_home_queries_bounded(m, frozen, django_assert_max_num_queries) -> None:  # noqa: F811
    _alpha_world(m)
    for user in (m.si, m.world.user_a, m.dno, m.agent, m.code_body_user, m.world.resolver):
        client = m.client(user)
        with django_assert_max_num_queries(40):  # the first request also sets up the session and MFA
            assert client.get(HOME).status_code == 200
        with django_assert_max_num_queries(25):
            assert client.get(HOME).status_code == 200
