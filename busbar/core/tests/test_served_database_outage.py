"""The database going away: busbar serve waits for it at start, answers 503 while it is down, recovers,
and survives a database restart (a stale pooled connection does not fail a request).

PostgreSQL only (it is what goes away in production); the server reaches it through a relay the test can
cut, and a restart is simulated by terminating every session of the test's database.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from busbar.core.tests.served import PG_HOST, PG_PORT, Relay, Server, serve, terminate_connections

pytestmark = pytest.mark.xdist_group("served-postgresql")


def _through(env: dict[str, str], relay: Relay) -> dict[str, str]:
    url = env["DATABASE_URL"].replace(f"{PG_HOST}:{PG_PORT}", f"127.0.0.1:{relay.port}")
    return {**env, "DATABASE_URL": url}


@pytest.fixture
def relay() -> Relay:
    relay = Relay()
    yield relay
    relay.down()


def _wait_for_log(server: Server, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in server.output() and time.monotonic() < deadline:
        assert server.proc.poll() is None, server.output()
        time.sleep(0.2)
    assert text in server.output(), server.output()


def test_the_database_away_at_start_while_serving_and_restarted(
    postgres_env: dict, relay: Relay, tmp_path: Path
) -> None:
    auth = {"Authorization": f"Bearer {postgres_env['BUSBAR_TEST_TOKEN']}"}
    server = serve(
        _through(postgres_env, relay), tmp_path / "serve.log", "--workers", "1", "--threads", "2", wait=False
    )
    try:
        # 1. Down at start: busbar serve waits, saying why, then starts when the database answers.
        _wait_for_log(server, "waiting for the database")
        assert "Traceback" not in server.output()
        relay.up()
        server.wait_healthy(60)
        assert server.request("GET", "/api/v1/me", headers=auth).status == 200

        # 2. Down while serving: 503 problems (API) and a 503 page, nobody signed out; back when it is back.
        relay.down()
        down = server.request("GET", "/api/v1/me", headers=auth)
        assert down.status == 503, down.body
        assert down.headers["content-type"] == "application/problem+json" and down.headers["retry-after"]
        assert server.get("/healthz").status == 503
        page = server.request("GET", "/incidents/", headers={"Cookie": "sessionid=" + "a" * 32})
        assert page.status == 503 and b"temporarily unavailable" in page.body
        assert "set-cookie" not in page.headers  # a database blip must not sign anyone out
        assert server.request("POST", "/api/v1/tokens", {"name": "x"}, headers=auth).status == 503
        relay.up()
        assert server.request("GET", "/api/v1/me", headers=auth).status == 200

        # 3. Restarted: every pooled connection is dead; the next requests reconnect instead of failing.
        assert terminate_connections(postgres_env) >= 1
        assert [server.request("GET", "/api/v1/me", headers=auth).status for _ in range(3)] == [200] * 3
    finally:
        server.stop()
