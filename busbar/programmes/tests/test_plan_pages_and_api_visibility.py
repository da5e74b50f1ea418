"""Every plan page and endpoint, allowed and denied: everyone in the programme reads the plan (office,
Alpha, Bravo, the assurer, the desk); only the programme office changes it (the others get 403); someone
outside the programme gets 404 for all of it. The plan page's queries do not grow with its milestones."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from busbar.programmes.actions import plan as actions
from busbar.programmes.models import Member, Milestone, PlanPhase, Task
from busbar.programmes.tests.conftest import actor_for

API = "/api/v1/programmes/mhhs"
PAGE = "/programmes/mhhs"


def _readers(gov):
    return [gov.office, gov.alpha, gov.bravo, gov.assurer, gov.desk]


def _not_office(gov):
    return [gov.alpha, gov.bravo, gov.assurer, gov.desk]


def _task(gov) -> Task:
    return actions.add_task(
        actor=actor_for(gov.office),
        programme=gov.programme,
        ref="T1",
        name="CP4 Preparation",
        start=dt.date(2027, 1, 4),
        finish=dt.date(2027, 2, 19),
        phase=gov.phase_mig,
        milestone=gov.cp4,
        responsible_label="CPT",
    )


def _pages(gov) -> list[str]:
    return [
        f"{PAGE}/plan/",
        f"{PAGE}/plan/?baseline=1",
        f"{PAGE}/plan/export/?format=csv",
        f"{PAGE}/plan/export/?format=xlsx",
        f"{PAGE}/plan/baselines/",
        f"{PAGE}/plan/milestones/M14/",
        f"{PAGE}/plan/phases/",
        f"{PAGE}/plan/phases/migration/",
        f"{PAGE}/plan/tasks/",
        f"{PAGE}/plan/tasks/T1/",
        f"{PAGE}/plan/participants/",
        f"{PAGE}/plan/settings/",
        f"{PAGE}/members/",
    ]


def _endpoints(gov) -> list[str]:
    return [
        f"{API}/milestones",
        f"{API}/milestones?baseline=1",
        f"{API}/milestones/M14",
        f"{API}/baselines",
        f"{API}/baselines/1",
        f"{API}/baselines/compare?a=1&b=1",
        f"{API}/tasks",
        f"{API}/tasks/T1",
        f"{API}/phases",
        f"{API}/members",
        f"{API}/subsidiary-plans",
        f"{API}/plan-settings",
    ]


def test_every_page_and_endpoint_read_by_the_programme_and_404_outside(gov) -> None:
    _task(gov)
    for user in _readers(gov):
        client = gov.client(user)
        for url in _pages(gov):
            response = client.get(url)
            assert response.status_code == 200, (user, url)
        for url in _endpoints(gov):
            response = client.get(url)
            assert response.status_code == 200, (user, url, response.content[:200])
        plan = client.get(f"{PAGE}/plan/").content.decode()
        assert "M14" in plan and "<svg" in plan and "The timeline as a table" in plan
    outsider = gov.client(gov.outsider)
    for url in [*_pages(gov), *_endpoints(gov), f"{PAGE}/plan/milestones/NOPE/"]:
        assert outsider.get(url).status_code == 404, url
    assert gov.client(None).get(f"{PAGE}/plan/").status_code == 302  # sign in first
    assert gov.client(None).get(f"{API}/milestones").status_code == 401
    office = gov.client(gov.office)
    assert office.get(f"{PAGE}/plan/milestones/M99/").status_code == 404
    assert office.get(f"{PAGE}/plan/tasks/T99/").status_code == 404
    assert office.get(f"{API}/milestones/M99").status_code == 404
    assert office.get(f"{API}/baselines/7").status_code == 404
    assert office.get(f"{PAGE}/plan/export/?format=pdf").status_code == 400


def test_the_office_is_offered_the_forms_and_nobody_else(gov) -> None:
    _task(gov)
    pages = {
        f"{PAGE}/plan/": b"Add a milestone or control point",
        f"{PAGE}/plan/milestones/M14/": b"Update the milestone",
        f"{PAGE}/plan/phases/": b"Add a phase",
        f"{PAGE}/plan/phases/migration/": b"Update the phase",
        f"{PAGE}/plan/tasks/": b"Add a task",
        f"{PAGE}/plan/tasks/T1/": b"Remove task",
        f"{PAGE}/members/": b"Add a member",
        f"{PAGE}/plan/settings/": b"Save settings",
    }
    for url, marker in pages.items():
        assert marker in gov.client(gov.office).get(url).content, url
        for user in _not_office(gov):
            assert marker not in gov.client(user).get(url).content, (user, url)


def _page_posts(gov) -> list[tuple[str, dict]]:
    member = Member.objects.get(programme=gov.programme, organisation=gov.world.org_b)
    return [
        (
            f"{PAGE}/plan/",
            {
                "milestone-code": "M16",
                "milestone-name": "Cut over",
                "milestone-kind": "milestone",
                "milestone-order": "16",
            },
        ),
        (
            f"{PAGE}/plan/milestones/M15/",
            {
                "edit-name": "Full transition complete",
                "edit-kind": "milestone",
                "edit-rag": "red",
                "edit-order": "15",
            },
        ),
        (f"{PAGE}/plan/phases/", {"phase-code": "design", "phase-name": "Design", "phase-order": "0"}),
        (
            f"{PAGE}/plan/phases/migration/",
            {"phase-name": "Migration", "phase-rag": "red", "phase-order": "2"},
        ),
        (
            f"{PAGE}/plan/tasks/",
            {
                "task-ref": "T2",
                "task-name": "CP5 Preparation",
                "task-mode": "auto",
                "task-start": "2027-11-16",
                "task-finish": "2027-12-14",
                "task-order": "0",
            },
        ),
        (
            f"{PAGE}/plan/tasks/T1/",
            {
                "task-name": "CP4 Prep",
                "task-mode": "manual",
                "task-start": "2027-01-04",
                "task-finish": "2027-02-19",
                "task-order": "1",
            },
        ),
        (
            f"{PAGE}/members/",
            {"member-organisation": str(gov.prog.agent_org.pk), "member-constituency": "Agent"},
        ),
        (
            f"{PAGE}/plan/settings/",
            {
                "settings-document_prefix": "MHHS-DEL",
                "settings-classification": "Public",
                "settings-consultation_days": "10",
                "settings-assurance_days": "5",
            },
        ),
        (f"{PAGE}/plan/tasks/T1/remove/", {}),
        (f"{PAGE}/members/{member.pk}/remove/", {}),
    ]


def test_page_changes_allowed_for_the_office_only(gov) -> None:
    _task(gov)
    posts = _page_posts(gov)
    for url, body in posts:
        for user in _not_office(gov):
            assert gov.client(user).post(url, body).status_code == 403, (user, url)
        assert gov.client(gov.outsider).post(url, body).status_code == 404, url
    assert Milestone.objects.filter(programme=gov.programme).count() == 4
    for url, body in posts:
        response = gov.client(gov.office).post(url, body)
        assert response.status_code == 302, (url, response.content[-2000:])
    assert Milestone.objects.get(programme=gov.programme, code="M15").rag == "red"
    assert PlanPhase.objects.filter(programme=gov.programme, code="design").exists()
    assert list(Task.objects.filter(programme=gov.programme).values_list("ref", "duration_days")) == [
        ("T2", 21)
    ]
    assert not Member.objects.filter(programme=gov.programme, organisation=gov.world.org_b).exists()
    assert Member.objects.filter(programme=gov.programme, organisation=gov.prog.agent_org).exists()
    # Bad input shows the form again with the refusal.
    again = gov.client(gov.office).post(f"{PAGE}/plan/", posts[0][1])
    assert again.status_code == 409 and b"already has a milestone M16" in again.content
    bad = gov.client(gov.office).post(
        f"{PAGE}/plan/tasks/",
        {
            "task-ref": "T3",
            "task-name": "x",
            "task-mode": "auto",
            "task-start": "2027-02-01",
            "task-finish": "2027-01-01",
            "task-order": "0",
        },
    )
    assert bad.status_code == 422 and b"finishes before it starts" in bad.content


def _api_writes(gov) -> list[tuple[str, str, dict | None, int]]:
    """(method, url, body, the office's status)."""
    return [
        (
            "post",
            f"{API}/milestones",
            {"code": "M16", "name": "Cut over", "phase": "migration", "predecessor": "M15"},
            201,
        ),
        ("patch", f"{API}/milestones/M15", {"rag": "amber", "rationale": "4 months after M15"}, 200),
        ("post", f"{API}/baselines", {"label": "Again"}, 409),
        (
            "post",
            f"{API}/tasks",
            {"ref": "T2", "name": "CP5 Preparation", "start": "2027-11-16", "finish": "2027-12-14"},
            201,
        ),
        ("patch", f"{API}/tasks/T1", {"duration_uncertain": True, "responsible": gov.prog.si_org.pk}, 200),
        ("post", f"{API}/phases", {"code": "design", "name": "Design"}, 201),
        ("patch", f"{API}/phases/migration", {"rag": "red", "rag_reason": "M14 at risk"}, 200),
        ("post", f"{API}/members", {"organisation": gov.prog.agent_org.pk, "constituency": "Agent"}, 201),
        ("patch", f"{API}/plan-settings", {"consultation_days": 12}, 200),
        ("delete", f"{API}/tasks/T1", None, 204),
        ("delete", f"{API}/members/{gov.world.org_b.pk}", None, 204),
    ]


def _send(client, method: str, url: str, body: dict | None):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_api_changes_allowed_for_the_office_only(gov) -> None:
    _task(gov)
    writes = _api_writes(gov)
    for method, url, body, _ in writes:
        for user in _not_office(gov):
            response = _send(gov.client(user), method, url, body)
            assert response.status_code == 403, (user, method, url, response.content[:300])
            assert response["Content-Type"] == "application/problem+json"
        assert _send(gov.client(gov.outsider), method, url, body).status_code == 404, url
    for method, url, body, expected in writes:
        response = _send(gov.client(gov.office), method, url, body)
        assert response.status_code == expected, (method, url, response.content[:300])
    m16 = gov.client(gov.alpha).get(f"{API}/milestones/M16").json()
    assert (m16["phase"], m16["predecessor"], m16["baseline_date"]) == ("migration", "M15", None)
    assert gov.client(gov.alpha).get(f"{API}/plan-settings").json()["consultation_days"] == 12
    tasks = gov.client(gov.alpha).get(f"{API}/tasks").json()
    assert [(t["ref"], t["duration_days"]) for t in tasks["items"]] == [("T2", 21)]
    duplicate = _send(gov.client(gov.office), "post", f"{API}/milestones", {"code": "M16", "name": "Again"})
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "code"
    unknown = _send(gov.client(gov.office), "patch", f"{API}/milestones/M15", {"sumary": "x"})
    assert unknown.status_code == 422


def _more_milestones(gov, n: int) -> None:
    office = actor_for(gov.office)
    for i in range(n):
        milestone = actions.add_milestone(
            actor=office,
            programme=gov.programme,
            code=f"X{i}",
            name=f"Extra {i}",
            phase=gov.phase_mig if i % 2 else None,
            predecessor=gov.m15,
            forecast_date=dt.date(2027, 11, 1) + dt.timedelta(days=i),
            order=20 + i,
        )
        actions.add_party_milestone(
            actor=office,
            plan=gov.alpha_plan,
            name=f"Alpha {i}",
            planned_date=dt.date(2028, 1, 3),
            programme_milestone=milestone,
        )


@pytest.mark.parametrize("url", ["/programmes/mhhs/plan/", "/programmes/mhhs/plan/?baseline=1"])
def test_the_plan_page_queries_do_not_grow_with_its_milestones(
    gov, url, django_assert_max_num_queries
) -> None:
    _task(gov)
    client = gov.client(gov.office)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more_milestones(gov, 15)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert (
        page.status_code == 200
        and b"X14" in page.content
        and b"1 participant forecast after X14" in page.content
    )
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    with django_assert_max_num_queries(30):
        gov.client(gov.alpha).get(url)


def test_the_api_and_other_lists_do_not_grow_either(gov) -> None:
    _task(gov)
    client = gov.client(gov.office)
    urls = [
        f"{API}/milestones",
        f"{API}/tasks",
        f"{PAGE}/plan/tasks/",
        f"{PAGE}/plan/participants/",
        f"{PAGE}/plan/baselines/",
    ]
    counts = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx)
    _more_milestones(gov, 10)
    office = actor_for(gov.office)
    for i in range(10):
        actions.add_task(
            actor=office,
            programme=gov.programme,
            ref=f"T{i + 10}",
            name=f"Task {i}",
            start=dt.date(2027, 1, 4),
            finish=dt.date(2027, 1, 29),
            involved=[gov.world.org_a, gov.world.org_b],
        )
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        assert len(ctx) == counts[url], url
