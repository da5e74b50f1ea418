"""Health, OpenAPI and static assets served without a CDN."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_reports_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in ("sqlite", "postgresql")


def test_healthz_reports_database_failure(monkeypatch) -> None:
    from busbar.core import views

    monkeypatch.setattr(views, "database_status", lambda: {"status": "error", "vendor": "sqlite"})
    response = Client().get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "degraded"


def test_openapi_document() -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/organisations",
        "/api/v1/memberships",
        "/api/v1/users",
        "/api/v1/tokens",
        "/api/v1/audit",
    ):
        assert path in paths
    assert Client().get("/api/v1/docs").status_code == 200


def test_pages_load_no_third_party_assets() -> None:
    html = Client().get("/accounts/login/").content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in html
    for host in ("cdn.", "unpkg.com", "jsdelivr", "googleapis"):
        assert host not in html
