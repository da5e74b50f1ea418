"""Browser-test fixtures: Playwright driving Debian's Chromium against pytest-django's live server.

Chromium comes from Debian (`apt-get install chromium`), not from `playwright install`. Without it the
tests skip, except on CI (CI=true), where a missing browser is an error rather than a silent skip.
Set BUSBAR_CHROMIUM to use a Chromium at another path. One Chromium serves the whole test session (the
browser tests share an xdist group, so one worker launches it); each test gets its own context.
The fixtures are registered for every test in busbar/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from busbar.conftest import World, build_world, ensure_installed_defaults

try:
    from playwright import sync_api
except ImportError:  # pragma: no cover - reported by the `browser` fixture (skip locally, fail on CI)
    sync_api = None

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
TIMEOUT_MS = 5_000


def chromium_path() -> Path:
    return Path(os.environ.get("BUSBAR_CHROMIUM") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[sync_api.Browser]:
    """One headless Chromium for the test session; each test gets its own context (cookies, storage)."""
    path = chromium_path()
    reason = ""
    if sync_api is None:
        reason = "Playwright is not installed; pip install -e '.[test]'"
    elif not (path.is_file() and os.access(path, os.X_OK)):
        reason = f"Chromium not found at {path}; install Debian's chromium (apt-get install chromium)"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} — CI must provide it", pytrace=False)
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread, which trips Django's async-unsafe guard on
    # every ORM call the fixtures make while the browser is up. Relax it while the browser runs.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS, headless=True)
            try:
                yield chromium
            finally:
                chromium.close()


@pytest.fixture
def _reinstall_after_flush(django_db_blocker) -> Iterator[None]:
    """After a live-server test empties the database, put back what the migrations installed."""
    yield
    with django_db_blocker.unblock():
        ensure_installed_defaults()


@pytest.fixture
def live_world(_reinstall_after_flush, transactional_db, live_server) -> World:
    """The shared world, committed to the database so the live server's thread can see it.

    The database is emptied after the test; the calendars and default SLA policy the migrations install
    are then put back, so the tests that follow on this worker find them.
    """
    return build_world()


def csp_violations(pg: sync_api.Page) -> list[str]:
    """Collect the page's Content-Security-Policy violations (Chromium reports each on the console)."""
    found: list[str] = []
    pg.on(
        "console",
        lambda message: (
            found.append(f"{pg.url}: {message.text[:90]} at {message.location}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return found


@pytest.fixture
def page(browser: sync_api.Browser, live_world: World, live_server) -> Iterator[sync_api.Page]:
    """A page in a fresh browser context. Every browser test also proves its pages break no CSP rule."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    violations = csp_violations(pg)
    try:
        yield pg
    finally:
        context.close()
    assert violations == [], violations


def sign_in(pg: sync_api.Page, user: object, live_server: object) -> None:
    """Give the browser a signed-in session for ``user`` (no sign-in form)."""
    client = Client()
    client.force_login(user)
    pg.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
