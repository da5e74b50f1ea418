"""Who sees a migration exception and which of its MPANs: the supplier its own (all MPANs), a DNO only
exceptions with an MPAN in its area (and only those MPANs), an agent those naming it, the programme's
readers all; everyone else a 404 (pages and API)."""

from __future__ import annotations

import pytest

from busbar.lib.actions import Actor
from busbar.migration import queries
from busbar.migration.actions import exceptions as actions
from busbar.migration.models import ExceptionKind
from busbar.migration.tests.conftest import NOW, TODAY, mpan

pytestmark = pytest.mark.django_db

IN_AREA = mpan("10", 1)  # Eastern DN's area, agent Delta
ELSEWHERE = mpan("12", 2)  # another area, no agent


def _raise(m, *, supplier=None, cores=((IN_AREA, True), (ELSEWHERE, False)), kind=ExceptionKind.FAILED):
    items = [{"core": int(c), "agent_id": m.agent_org.pk if agent else None} for c, agent in cores]
    return actions.record_exception(
        actor=Actor.system(), kind=kind, supplier=supplier or m.world.org_a, day=TODAY, mpans=items, now=NOW
    )


def _shown_mpans(response) -> set[str]:
    text = response.content.decode()
    return {c for c in (IN_AREA, ELSEWHERE) if c in text}


def test_page_per_persona(m) -> None:
    exc = _raise(m)
    url = f"/migration/exceptions/{exc.reference}/"
    w = m.world
    for user in (m.si, m.assurer, w.analyst, w.user_a):
        r = m.client(user).get(url)
        assert r.status_code == 200, user
        assert _shown_mpans(r) == {IN_AREA, ELSEWHERE}
    dno = m.client(m.dno).get(url)
    assert dno.status_code == 200 and _shown_mpans(dno) == {IN_AREA}
    agent = m.client(m.agent).get(url)
    assert agent.status_code == 200 and _shown_mpans(agent) == {IN_AREA}
    for user in (w.user_b, w.resolver, m.code_body_user):
        assert m.client(user).get(url).status_code == 404, user
    assert m.client(None).get(url).status_code == 302


def test_dno_without_an_mpan_in_its_area_does_not_see_it(m) -> None:
    exc = _raise(m, cores=((ELSEWHERE, False),))
    assert m.client(m.dno).get(f"/migration/exceptions/{exc.reference}/").status_code == 404
    assert m.client(m.agent).get(f"/migration/exceptions/{exc.reference}/").status_code == 404
    assert not queries.exceptions_visible_to(m.dno).filter(pk=exc.pk).exists()
    assert m.client(m.world.user_a).get(f"/migration/exceptions/{exc.reference}/").status_code == 200


def test_queue_lists_only_visible_exceptions(m) -> None:
    mine = _raise(m)
    bravo = _raise(m, supplier=m.world.org_b, cores=((mpan("12", 7), False),))
    assert set(queries.exceptions_visible_to(m.world.user_a)) == {mine}
    assert set(queries.exceptions_visible_to(m.world.user_b)) == {bravo}
    assert set(queries.exceptions_visible_to(m.assurer)) == {mine, bravo}
    page = m.client(m.world.user_b).get("/migration/exceptions/").content.decode()
    assert bravo.reference in page and mine.reference not in page
    page = m.client(m.dno).get("/migration/exceptions/").content.decode()
    assert mine.reference in page and bravo.reference not in page
    page = m.client(m.world.resolver).get("/migration/exceptions/")
    assert page.status_code == 200 and mine.reference not in page.content.decode()


def test_api_per_persona(m) -> None:
    exc = _raise(m)
    url = f"/api/v1/migration/exceptions/{exc.reference}"
    assert m.client(m.world.user_a).get(url).json()["mpans"] == 2
    dno = m.client(m.dno).get(url)
    assert dno.status_code == 200 and dno.json()["mpans"] == 1
    mpans = m.client(m.dno).get(url + "/mpans").json()
    assert [i["mpan"] for i in mpans["items"]] == [IN_AREA]
    agent = m.client(m.agent).get(url + "/mpans").json()
    assert [i["mpan"] for i in agent["items"]] == [IN_AREA]
    assert m.client(m.assurer).get(url + "/mpans").json()["count"] == 2
    for user in (m.world.user_b, m.world.resolver, m.code_body_user):
        assert m.client(user).get(url).status_code == 404
        assert m.client(user).get(url + "/mpans").status_code == 404
    listed = m.client(m.world.user_b).get("/api/v1/migration/exceptions").json()
    assert listed["count"] == 0
    assert m.client(None).get("/api/v1/migration/exceptions").status_code in (401, 403)


def test_api_filters(m) -> None:
    failed = _raise(m)
    late = _raise(m, kind=ExceptionKind.LATE_REVERSE, cores=((mpan("12", 9), False),))
    client = m.client(m.si)
    got = client.get("/api/v1/migration/exceptions?kind=late_reverse").json()
    assert [e["reference"] for e in got["items"]] == [late.reference]
    got = client.get("/api/v1/migration/exceptions?distributor=10").json()
    assert [e["reference"] for e in got["items"]] == [failed.reference]
    got = client.get(f"/api/v1/migration/exceptions?supplier={m.world.org_b.pk}").json()
    assert got["count"] == 0
    assert client.get("/api/v1/migration/exceptions?kind=nonsense").status_code == 422
    assert client.get("/api/v1/migration/exceptions?distributor=99").status_code == 422
