"""The qualification pages per persona: the window page (readers and code bodies; managers with the
forms; a supplier or agent sent to its own entrant page; others 404), an entrant's page (its tranche,
status, eligibility with missing steps, the forms each may use), the eligibility page, and the query count
of the entrants list not growing with rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.migration.actions import qualification as act
from busbar.migration.models import Entrant, QualificationStatus, Tranche
from busbar.migration.tests.conftest import NOW, actor
from busbar.parties.models import IndustryRole

pytestmark = pytest.mark.django_db
WINDOW = "/migration/qualification/mhhs/"
ELIG = "/migration/qualification/mhhs/eligibility/"


@pytest.fixture
def frozen(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def _entrant_url(e) -> str:
    return f"/migration/qualification/mhhs/entrants/{e.pk}/"


def test_window_page_per_persona(m, frozen) -> None:
    for user in (m.si, m.assurer, m.code_body_user, m.world.analyst):
        body = m.client(user).get(WINDOW).content.decode()
        assert "Tranche 1" in body and "Alpha" in body and "Bravo" in body and "Delta Data" in body, user
        assert "Elexon (BSC): 0 / 2" in body
        assert ('name="form" value="tranche"' in body) == (user == m.si), user
    assert m.client(m.world.user_a).get(WINDOW)["Location"] == _entrant_url(m.alpha)
    assert m.client(m.world.user_b).get(WINDOW)["Location"] == _entrant_url(m.bravo)
    assert m.client(m.agent).get(WINDOW)["Location"] == _entrant_url(m.delta)
    for user in (m.dno, m.world.resolver):
        assert m.client(user).get(WINDOW).status_code == 404
    assert m.client(m.si).get("/migration/qualification/nope/").status_code == 404
    assert m.client(None).get(WINDOW).status_code == 302


def test_manager_forms_work_without_javascript(m, frozen) -> None:
    c = m.client(m.si)
    r = c.post(WINDOW, {"form": "tranche", "name": "Tranche 4", "starts": "2027-12-01", "ends": "2027-12-20"})
    assert r.status_code == 302 and Tranche.objects.filter(window=m.window, name="Tranche 4").exists()
    r = c.post(
        WINDOW,
        {"form": "tranche", "name": "Late", "starts": "2028-01-01", "ends": "2028-05-01", "capacity": 0},
    )
    assert r.status_code == 422 and "The window closes on 31 Jan 2028" in r.content.decode()
    r = c.post(
        WINDOW,
        {
            "form": "window",
            "opens": "2027-02-01",
            "closes": "2028-03-01",
            "risk_cutoff": "2027-10-31",
            "large_portfolio": 500000,
            "medium_portfolio": 50000,
        },
    )
    assert r.status_code == 422 and "12-month" in r.content.decode()
    t1 = m.tranches[0]
    r = c.post(
        WINDOW, {"form": "capacity", "tranche": t1.pk, "code_body": m.code_body.pk, "max_participants": 3}
    )
    assert r.status_code == 302
    r = c.post(
        WINDOW,
        {
            "form": "entrant",
            "organisation": m.dno_org.pk,
            "kind": "other",
            "smart": 0,
            "non_smart": 0,
            "advanced": 0,
            "unmetered": 0,
        },
    )
    assert r.status_code == 302 and Entrant.objects.filter(organisation=m.dno_org).exists()
    for user in (m.assurer, m.code_body_user):
        r = m.client(user).post(
            WINDOW, {"form": "tranche", "name": "X", "starts": "2027-12-01", "ends": "2027-12-02"}
        )
        assert r.status_code == 403
    assert m.client(m.world.user_a).post(WINDOW, {"form": "tranche"}).status_code == 302  # to its own page
    assert m.client(m.world.resolver).post(WINDOW, {"form": "tranche"}).status_code == 404


def test_entrant_page_per_persona(m, frozen) -> None:
    Entrant.objects.filter(pk=m.alpha.pk).update(status=QualificationStatus.ALLOCATED, tranche=m.tranches[0])
    url = _entrant_url(m.alpha)
    own = m.client(m.world.user_a).get(url).content.decode()
    assert "Tranche 1: 1 Feb 2027 – 31 May 2027" in own and "Allocated to a tranche" in own
    assert "Not yet eligible to go live" in own and "Missing: Completed SIT or qualification" in own
    assert 'value="readiness"' in own and 'value="agents"' in own
    assert 'value="edit"' not in own and 'value="exemption"' not in own and 'name="to"' not in own
    assert "Bravo" not in own
    si = m.client(m.si).get(url).content.decode()
    assert 'value="edit"' in si and 'value="exemption"' in si and 'value="qualifying"' in si
    cb = m.client(m.code_body_user).get(url).content.decode()
    assert 'value="qualifying"' in cb and 'value="edit"' not in cb and 'value="readiness"' not in cb
    ro = m.client(m.assurer).get(url).content.decode()
    assert "Allocated to a tranche" in ro and "<form" not in ro.split("<main", 1)[-1].split("</main>")[0]
    for user in (m.world.user_b, m.agent, m.dno, m.world.resolver):
        assert m.client(user).get(url).status_code == 404, user
    assert (
        m.client(m.world.user_b).post(url, {"form": "readiness", "ready_on": "2027-05-01"}).status_code == 404
    )
    assert m.client(None).get(url).status_code == 302
    assert (
        m.client(m.si).get("/migration/qualification/mhhs/entrants/99999999999999999999999/").status_code
        == 404
    )


def test_participant_states_readiness_and_agents(m, frozen) -> None:
    url = _entrant_url(m.alpha)
    c = m.client(m.world.user_a)
    r = c.post(url, {"form": "readiness", "ready_on": "2027-04-01", "systems_live_on": "2027-06-01"})
    assert r.status_code == 302
    m.alpha.refresh_from_db()
    assert str(m.alpha.systems_live_on) == "2027-06-01"
    r = c.post(url, {"form": "readiness", "e2e_completed_on": "2027-09-01", "ready_on": "2027-04-01"})
    assert r.status_code == 422 and "future" in r.content.decode()
    r = c.post(url, {"form": "agents"})
    assert r.status_code == 302 and not m.alpha.agents.exists()
    assert c.post(url, {"form": "edit", "kind": "agent"}).status_code == 403
    assert c.post(url, {"form": "exemption"}).status_code == 403
    assert (
        m.client(m.code_body_user).post(url, {"form": "readiness", "ready_on": "2027-05-01"}).status_code
        == 403
    )


def test_eligibility_page_per_persona(m, frozen) -> None:
    Entrant.objects.filter(pk=m.alpha.pk).update(
        status=QualificationStatus.EXEMPT, systems_live_on="2027-06-01"
    )
    Entrant.objects.filter(pk=m.delta.pk).update(status=QualificationStatus.QUALIFIED)
    for user in (m.si, m.assurer, m.code_body_user):
        body = m.client(user).get(ELIG).content.decode()
        assert "Alpha" in body and "Bravo" in body and "Delta Data" not in body.split("<tbody>")[1], user
    own = m.client(m.world.user_b).get(ELIG).content.decode()
    assert "Bravo" in own and "Alpha" not in own.split("<tbody>")[1]
    assert "New systems live" in own
    alpha = m.client(m.world.user_a).get(ELIG).content.decode().split("<tbody>")[1]
    assert "<td>Yes</td>" in alpha and "Bravo" not in alpha
    for user in (m.dno, m.world.resolver):
        assert m.client(user).get(ELIG).status_code == 404
    assert m.client(None).get(ELIG).status_code == 302


def test_entrants_list_queries_do_not_grow(m, frozen) -> None:
    from busbar.conftest import make_org

    c = m.client(m.si)
    c.get(WINDOW)
    with CaptureQueriesContext(connection) as few:
        assert c.get(WINDOW).status_code == 200
    for i in range(12):
        org = make_org(f"Supplier {i:02d}", [IndustryRole.SUPPLIER_AGENT])
        e = act.add_entrant(actor=actor(m.si), window=m.window, organisation=org, kind="supplier", smart=1000)
        act.set_agents(actor=actor(m.si), supplier=e, agents=[m.delta])
        Entrant.objects.filter(pk=e.pk).update(
            tranche=m.tranches[i % 3], status=QualificationStatus.ALLOCATED
        )
    with CaptureQueriesContext(connection) as many:
        body = c.get(WINDOW).content.decode()
    assert "Supplier 11" in body
    assert (
        len(many.captured_queries) <= len(few.captured_queries) + 2
    )  # the organisation choices may grow by none
    with CaptureQueriesContext(connection) as elig:
        assert m.client(m.assurer).get(ELIG).status_code == 200
    assert len(elig.captured_queries) <= 25
