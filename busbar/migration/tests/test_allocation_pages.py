"""The allocation pages per persona: the programme's readers and the window's code body see the three
policies side by side with the R525 panel; only the managers get the commit form, and committing through
it (no JavaScript) redirects to the decision's frozen result; suppliers, agents, DNOs and unrelated
organisations get 404, anonymous people the sign-in page; the comparison page's queries do not grow with
the number of participants."""

from __future__ import annotations

import pytest

from busbar.migration.actions.allocation import commit_allocation
from busbar.migration.models import AllocationDecision, Entrant, EntrantKind
from busbar.migration.tests.conftest import NOW, actor
from busbar.parties.models import Organisation

pytestmark = pytest.mark.django_db
URL = "/migration/qualification/mhhs/allocation/"


def _readers(m):
    return {"si": m.si, "assurer": m.assurer, "code body": m.code_body_user, "desk": m.world.analyst}


def _outsiders(m):
    return {
        "alpha": m.world.user_a,
        "bravo": m.world.user_b,
        "agent": m.agent,
        "dno": m.dno,
        "resolver": m.world.resolver,
    }


def test_readers_see_the_three_policies_and_only_managers_the_form(m) -> None:
    for name, user in _readers(m).items():
        r = m.client(user).get(URL)
        assert r.status_code == 200, name
        body = r.content.decode()
        for policy in ("as_ready", "by_portfolio", "by_size"):
            assert f'id="policy-{policy}"' in body, (name, policy)
        assert "R525 risk" in body and "Tranche 3" in body and "Elexon (BSC): 1 / 2" in body
        assert ('name="rationale"' in body) == (name == "si"), name


def test_outsiders_get_404_and_anonymous_signs_in(m) -> None:
    for name, user in _outsiders(m).items():
        assert m.client(user).get(URL).status_code == 404, name
        assert m.client(user).post(URL, {"policy": "by_size", "rationale": "x"}).status_code == 404, name
    assert m.client(m.si).get("/migration/qualification/nope/allocation/").status_code == 404
    r = m.client(None).get(URL)
    assert r.status_code == 302 and "login" in r["Location"]


def test_the_risk_panel_flags_the_large_portfolio_under_as_ready(m) -> None:
    for i in range(3):
        org = Organisation.objects.create(name=f"Small Energy {i}", slug=f"small-energy-{i}")
        e = Entrant.objects.create(
            window=m.window, organisation=org, kind=EntrantKind.SUPPLIER, code_body=m.code_body, smart=1_000
        )
        e.agents.add(m.delta)
    body = m.client(m.assurer).get(URL).content.decode()
    as_ready = body[body.index('id="policy-as_ready"') : body.index('id="policy-by_portfolio"')]
    by_size = body[body.index('id="policy-by_size"') :]
    assert "Large portfolios late" in as_ready and "Alpha" in as_ready.split("large-late")[1]
    assert "Large portfolios late" not in by_size.split("Decisions")[0]


def test_manager_commits_through_the_form(m) -> None:
    c = m.client(m.si)
    r = c.post(URL, {"policy": "by_portfolio", "rationale": "Advanced and Unmetered go live together"})
    decision = AllocationDecision.objects.get()
    assert r.status_code == 302 and r["Location"] == f"{URL}decisions/{decision.pk}/"
    assert decision.policy == "by_portfolio"
    assert Entrant.objects.get(pk=m.alpha.pk).tranche_id == m.tranches[1].pk
    page = c.get(r["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Advanced and Unmetered go live together" in text and "chosen" in text
    listing = c.get(URL).content.decode()
    assert f"decisions/{decision.pk}/" in listing


def test_bad_form_input_is_422_and_readers_may_not_post(m) -> None:
    c = m.client(m.si)
    r = c.post(URL, {"policy": "lottery", "rationale": ""})
    assert r.status_code == 422 and 'name="rationale"' in r.content.decode()
    assert not AllocationDecision.objects.exists()
    for user in (m.assurer, m.code_body_user):
        assert m.client(user).post(URL, {"policy": "by_size", "rationale": "x"}).status_code == 403
    assert not AllocationDecision.objects.exists()


def test_decision_page_per_persona(m) -> None:
    decision = commit_allocation(
        actor=actor(m.si), window=m.window, policy="by_size", rationale="Why", now=NOW
    )
    url = f"{URL}decisions/{decision.pk}/"
    # The frozen copy is shown even after the participants change.
    Entrant.objects.filter(pk=m.alpha.pk).update(tranche=None, status="needs")
    for name, user in _readers(m).items():
        r = m.client(user).get(url)
        assert r.status_code == 200, name
        assert "Tranche 2" in r.content.decode()
    for name, user in _outsiders(m).items():
        assert m.client(user).get(url).status_code == 404, name
    assert m.client(m.si).get(f"{URL}decisions/999999/").status_code == 404
    assert m.client(m.si).get(f"{URL}decisions/x1/").status_code == 404
    assert m.client(m.si).get(f"{URL}decisions/{'9' * 30}/").status_code == 404
    assert m.client(None).get(url).status_code == 302


def test_comparison_page_queries_are_bounded(m, django_assert_max_num_queries) -> None:
    c = m.client(m.si)
    c.get(URL)
    for i in range(2):
        commit_allocation(actor=actor(m.si), window=m.window, policy="by_size", rationale=f"R{i}", now=NOW)
    with django_assert_max_num_queries(25) as few:
        assert c.get(URL).status_code == 200
    for i in range(20):
        org = Organisation.objects.create(name=f"More {i}", slug=f"more-{i}")
        e = Entrant.objects.create(window=m.window, organisation=org, kind=EntrantKind.SUPPLIER, smart=10)
        e.agents.add(m.delta)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get(URL).status_code == 200
