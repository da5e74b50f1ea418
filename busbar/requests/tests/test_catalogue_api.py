"""The catalogue API: reading per persona (an item with its questions described, approvals, tasks and SLA
targets), and the operator's writes (POST, PATCH incl. retire/restore, PUT fields/approvals/tasks)
allowed for operations managers and platform administrators, 403 for analysts, resolvers, participants
and administrators, 401 anonymous; bad input a 422 naming the field, a taken name 409."""

from __future__ import annotations

import pytest

from busbar.audit.models import AuditEntry
from busbar.requests.models import CatalogueItem

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_item_detail_describes_the_form_and_what_happens(r) -> None:
    body = r.client(r.world.user_a).get("/api/v1/catalogue/network-connection").json()
    fields = {f["key"]: f for f in body["fields"]}
    assert list(fields) == ["wanted_by", "circuits", "service", "diagram"]
    assert fields["circuits"]["bounds"] == {"min": 1, "max": 10, "integer": True}
    assert fields["wanted_by"]["bounds"] == {"not_before_days": 5, "not_after_days": 90}
    assert fields["diagram"]["required"] is False and fields["diagram"]["bounds"]["extensions"] == [
        "pdf",
        "png",
    ]
    assert [a["approver"] for a in body["approvals"]] == ["org_admin", "operator"]
    assert body["tasks"][1]["provider"]["name"] == "CSS Provider"
    assert {t["clock"] for t in body["sla_targets"]} == {"response", "resolution"}
    assert body["can_raise"] is True and body["service"]["name"] == "CSS"
    redirect = r.client(r.world.user_a).get("/api/v1/catalogue/uk-link-access").json()
    assert (
        redirect["kind"] == "redirect"
        and redirect["can_raise"] is False
        and "Xoserve" in redirect["redirect_text"]
    )
    roles = r.client(r.world.admin_a).get("/api/v1/catalogue/new-portal-user").json()["fields"][2]
    assert [c["value"] for c in roles["choices"]] == ["participant", "resolver", "org_admin"]


NEW = {"name": "Data extract", "summary": "Your switching data", "category": "Data", "audience": "everyone"}


def test_only_the_operator_writes(r) -> None:
    w = r.world
    writes = [
        ("post", "/api/v1/catalogue", NEW),
        ("patch", "/api/v1/catalogue/information", {"summary": "Changed"}),
        ("put", "/api/v1/catalogue/information/fields", {"fields": []}),
        ("put", "/api/v1/catalogue/information/approvals", {"steps": []}),
        ("put", "/api/v1/catalogue/information/tasks", {"tasks": []}),
    ]
    for user in (w.analyst, w.resolver, w.user_a, w.admin_a):
        for method, url, body in writes:
            response = getattr(r.client(user), method)(url, body, content_type=JSON)
            assert response.status_code == 403, (user, method, url)
    for method, url, body in writes:
        assert getattr(r.client(None), method)(url, body, content_type=JSON).status_code == 401
    # Outside the caller's audience: 404 before anything else.
    assert (
        r.client(w.resolver).patch("/api/v1/catalogue/network-connection", {}, content_type=JSON).status_code
        == 404
    )
    assert CatalogueItem.objects.get(pk=r.info.pk).summary == "Ask the desk a question"
    assert r.info.fields.count() == 1 and r.info.task_templates.count() == 1


def test_operator_builds_an_item(r) -> None:
    w = r.world
    client = r.client(w.ops)
    created = client.post(
        "/api/v1/catalogue",
        {**NEW, "sla_policy": r.info.sla_policy_id, "priority": "P3", "service": r.css.pk},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert created.json()["slug"] == "data-extract"
    fields = client.put(
        "/api/v1/catalogue/data-extract/fields",
        {
            "fields": [
                {
                    "key": "period",
                    "label": "Period",
                    "kind": "choice",
                    "options": {"choices": ["Month", "Quarter"]},
                },
                {"key": "from_day", "label": "From", "kind": "date", "options": {"not_after_days": 0}},
                {
                    "key": "mpid",
                    "label": "MPID",
                    "options": {"pattern": "[A-Z]{4}", "pattern_message": "4 capitals"},
                },
            ]
        },
        content_type=JSON,
    )
    assert fields.status_code == 200, fields.content
    assert [f["key"] for f in fields.json()["fields"]] == ["period", "from_day", "mpid"]
    steps = client.put(
        "/api/v1/catalogue/data-extract/approvals",
        {"steps": [{"approver": "operator"}, {"approver": "provider", "provider": r.dcc_org.pk}]},
        content_type=JSON,
    )
    assert steps.status_code == 200 and steps.json()["approvals"][1]["provider"]["id"] == r.dcc_org.pk
    tasks = r.client(w.platform_admin).put(
        "/api/v1/catalogue/data-extract/tasks",
        {
            "tasks": [
                {"title": "Produce the extract"},
                {"title": "Check", "assignee": "provider", "provider": w.provider.pk},
            ]
        },
        content_type=JSON,
    )
    assert tasks.status_code == 200 and [t["assignee"] for t in tasks.json()["tasks"]] == ["desk", "provider"]
    retired = client.patch("/api/v1/catalogue/data-extract", {"is_active": False}, content_type=JSON)
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    again = client.patch("/api/v1/catalogue/data-extract", {"is_active": False}, content_type=JSON)
    assert again.status_code == 422
    item = CatalogueItem.objects.get(slug="data-extract")
    entries = AuditEntry.objects.filter(record_id=str(item.pk), action__startswith="catalogue.")
    actions = set(entries.values_list("action", flat=True))
    assert actions == {
        "catalogue.create",
        "catalogue.fields",
        "catalogue.approvals",
        "catalogue.tasks",
        "catalogue.retire",
    }


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("post", "/api/v1/catalogue", {**NEW, "kind": "redirect"}, "redirect_text"),
        ("post", "/api/v1/catalogue", {**NEW, "sla_policy": 999999}, "sla_policy"),
        ("post", "/api/v1/catalogue", {**NEW, "priority": "P1"}, "sla_policy"),
        ("post", "/api/v1/catalogue", {**NEW, "slug": "manage"}, "slug"),
        ("post", "/api/v1/catalogue", {**NEW, "redirect_url": "javascript:alert(1)"}, "redirect_url"),
        ("post", "/api/v1/catalogue", {**NEW, "industry_roles": ["energy_supplier"]}, "industry_roles"),
        ("post", "/api/v1/catalogue", {**NEW, "colour": "red"}, "colour"),
        ("patch", "/api/v1/catalogue/information", {"priority": "P9"}, "priority"),
        ("patch", "/api/v1/catalogue/information", {"name": None}, "name"),
        (
            "put",
            "/api/v1/catalogue/information/fields",
            {"fields": [{"key": "Bad Key", "label": "x"}]},
            "fields[0].key",
        ),
        (
            "put",
            "/api/v1/catalogue/information/fields",
            {"fields": [{"key": "n", "label": "N", "kind": "number", "options": {"choices": ["a"]}}]},
            "fields[0].options",
        ),
        (
            "put",
            "/api/v1/catalogue/information/fields",
            {"fields": [{"key": "n", "label": "N", "kind": "number", "options": {"min": 1e13}}]},
            "min",
        ),
        (
            "put",
            "/api/v1/catalogue/information/approvals",
            {"steps": [{"approver": "provider"}]},
            "steps[0].provider",
        ),
        ("put", "/api/v1/catalogue/information/approvals", {"steps": [{"approver": "boss"}]}, "approver"),
        (
            "put",
            "/api/v1/catalogue/information/tasks",
            {"tasks": [{"title": "x", "assignee": "provider", "provider": 999999}]},
            "tasks[0].provider",
        ),
        ("put", "/api/v1/catalogue/uk-link-access/tasks", {"tasks": [{"title": "x"}]}, "tasks"),
    ],
)
def test_bad_input_is_422_naming_the_field(r, method, url, body, field) -> None:
    response = getattr(r.client(r.world.ops), method)(url, body, content_type=JSON)
    assert response.status_code == 422, response.content
    named = [e["field"] or "" for e in response.json()["errors"]]
    assert any(field in name for name in named), named


def test_provider_step_must_name_a_provider(r) -> None:
    response = r.client(r.world.ops).put(
        "/api/v1/catalogue/information/approvals",
        {"steps": [{"approver": "provider", "provider": r.world.org_a.pk}]},
        content_type=JSON,
    )
    assert response.status_code == 422 and "not an active provider" in response.json()["detail"] + str(
        response.json()["errors"]
    )


def test_taken_name_is_409(r) -> None:
    response = r.client(r.world.ops).post(
        "/api/v1/catalogue", {**NEW, "name": "information request"}, content_type=JSON
    )
    assert response.status_code == 409
    renamed = r.client(r.world.ops).patch(
        "/api/v1/catalogue/information", {"slug": "mfa-reset"}, content_type=JSON
    )
    assert renamed.status_code == 409


def test_unknown_item_404_and_bad_slug_422(r) -> None:
    assert r.client(r.world.ops).get("/api/v1/catalogue/nothing-here").status_code == 404
    assert r.client(r.world.ops).get("/api/v1/catalogue/" + "a" * 61).status_code == 422
