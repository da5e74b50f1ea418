"""A production configuration passes ``check --deploy`` with no warning, and serves the security headers.

With BUSBAR_SITE_URL on https: HSTS, redirect to https, secure cookies; BUSBAR_BEHIND_PROXY trusts the
proxy's X-Forwarded-Proto. Every page has a strict Content-Security-Policy.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.test import Client

from busbar import settings as busbar_settings
from busbar.conftest import World

PRODUCTION = {
    "SECRET_KEY": "x7#Qm2$Lp9!vR4^tW8&zY1*bN6(cF3)hJ5_kD0+sG-eU.a,oI;iE:uP~qZ@wX%",
    "BUSBAR_SITE_URL": "https://busbar.example.org",
    "ALLOWED_HOSTS": "busbar.example.org",
}


def _settings(env: dict[str, str], tmp_path, *names: str) -> dict:
    """The settings a process started with ``env`` would have: a fresh copy of the settings module."""
    spec = importlib.util.spec_from_file_location("busbar_settings_probe", busbar_settings.__file__)
    module = importlib.util.module_from_spec(spec)
    environ = {"PATH": "/usr/bin:/bin", "BUSBAR_DATA_DIR": str(tmp_path), **env}
    with mock.patch.dict(os.environ, environ, clear=True), mock.patch.dict(sys.modules):
        spec.loader.exec_module(module)
    return json.loads(json.dumps({n: getattr(module, n) for n in names}))


def test_check_deploy_passes_with_a_production_configuration(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "busbar.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env={"PATH": "/usr/bin:/bin", "BUSBAR_DATA_DIR": str(tmp_path), **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_site_turns_on_hsts_redirect_and_secure_cookies(tmp_path) -> None:
    names = ("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
    on = _settings(PRODUCTION, tmp_path, *names, "SECURE_PROXY_SSL_HEADER")
    assert on == {
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": None,
    }
    proxied = _settings({**PRODUCTION, "BUSBAR_BEHIND_PROXY": "true"}, tmp_path, "SECURE_PROXY_SSL_HEADER")
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    local = _settings({"SECRET_KEY": PRODUCTION["SECRET_KEY"]}, tmp_path, *names)
    assert local == dict.fromkeys(names, False) | {"SECURE_HSTS_SECONDS": 0}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/", "/incidents/", "/api/v1/me", "/api/v1/docs", "/healthz"]
)
def test_every_answer_carries_the_content_security_policy(world: World, path: str) -> None:
    response = world.client(world.analyst).get(path)
    policy = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in policy
        and "script-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff" and response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_proxy_header_is_ignored_unless_trusted() -> None:
    response = Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200  # not trusted: still plain http, no redirect loop
