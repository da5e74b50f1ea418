"""Login lock-out and the API rate limit hold across server processes (the shared database cache).

Two separate ``busbar serve`` instances on one database stand in for the workers of one server: what a
caller spends on one counts on the other. With the per-process memory cache used before, each process
kept its own count, so every extra process multiplied the limits.
"""

from __future__ import annotations

import re
import shutil
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from busbar.core.tests.served import Server, base_env, serve

pytestmark = pytest.mark.xdist_group("served")


@pytest.fixture(scope="module")
def pair(migrated_sqlite, static_root: Path, tmp_path_factory: pytest.TempPathFactory):
    """Two servers on one database, shared by this module's tests (the lock-out counts per account, the
    rate limit per API user: the tests do not touch each other's counters)."""
    tmp_path = tmp_path_factory.mktemp("shared_state")
    data = tmp_path / "var"
    data.mkdir()
    database = data / "busbar.sqlite3"
    shutil.copy(migrated_sqlite.location, database)
    # An hour's window: the limit counts in fixed windows, and six requests must not straddle two of them.
    env = base_env(
        data,
        f"sqlite:///{database}",
        static_root,
        BUSBAR_TEST_TOKEN=migrated_sqlite.token,
        BUSBAR_API_RATE="4/h",
    )
    token = env["BUSBAR_TEST_TOKEN"]
    one = serve(env, tmp_path / "one.log", "--workers", "1", "--threads", "2")
    try:
        # A second data directory (its own pid file) on the same database file.
        (tmp_path / "var2").mkdir()
        two = serve(
            {**env, "BUSBAR_DATA_DIR": str(tmp_path / "var2")}, tmp_path / "two.log", "--workers", "1"
        )
        yield one, two, token
        two.stop()
    finally:
        one.stop()


def test_the_api_rate_limit_is_shared_by_processes(pair) -> None:
    one, two, token = pair
    auth = {"Authorization": f"Bearer {token}"}
    if time.time() % 3600 > 3600 - 30:  # the window turns within the test: start in the next one
        time.sleep(3600 - time.time() % 3600 + 1)
    codes = [server.request("GET", "/api/v1/me", headers=auth).status for server in (one, two, one, two)]
    assert codes == [200, 200, 200, 200]
    assert one.request("GET", "/api/v1/me", headers=auth).status == 429
    assert two.request("GET", "/api/v1/me", headers=auth).status == 429


def _failed_login(server: Server) -> str:
    # One site name for both processes, as behind one address (the lock-out is per site and account).
    page = server.request("GET", "/accounts/login/", headers={"Host": "localhost"})
    cookie = SimpleCookie(page.headers["set-cookie"])["csrftoken"].value
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    reply = server.request(
        "POST",
        "/accounts/login/",
        urlencode(
            {"csrfmiddlewaretoken": token, "login": "who@served.example", "password": "wrong-password"}
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "Host": "localhost",
            "Referer": "http://localhost/accounts/login/",
        },
    )
    return reply.body.decode()


def test_login_lock_out_is_shared_by_processes(pair) -> None:
    one, two, _ = pair
    pages = [_failed_login(server) for server in (one, two, one, two, one)]  # five failures, alternating
    assert all("Too many failed login attempts" not in p for p in pages)
    assert "Too many failed login attempts" in _failed_login(two)
    assert "Too many failed login attempts" in _failed_login(one)
