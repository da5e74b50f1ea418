"""The database going away: busbar serve waits for it at start, answers 503 while it is down, recovers.

PostgreSQL only (it is what goes away in production); the server reaches it through a relay the test can
cut, and a restart is simulated by terminating every session of the test's database.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from busbar.core.tests.served import PG_HOST, PG_PORT, Relay, participant_token, serve, terminate_connections


def _through(env: dict[str, str], relay: Relay) -> dict[str, str]:
    url = env["DATABASE_URL"].replace(f"{PG_HOST}:{PG_PORT}", f"127.0.0.1:{relay.port}")
    return {**env, "DATABASE_URL": url}


@pytest.fixture
def relay() -> Relay:
    relay = Relay()
    yield relay
    relay.down()


def test_serve_waits_for_the_database_then_starts(postgres_env: dict, relay: Relay, tmp_path: Path) -> None:
    server = serve(_through(postgres_env, relay), tmp_path / "serve.log", "--workers", "1", wait=False)
    try:
        deadline = time.monotonic() + 30
        while "waiting for the database" not in server.output() and time.monotonic() < deadline:
            assert server.proc.poll() is None, server.output()
            time.sleep(0.2)
        assert "waiting for the database" in server.output()
        assert "Traceback" not in server.output()
        relay.up()
        server.wait_healthy(60)
    finally:
        server.stop()


def test_api_answers_503_while_the_database_is_down_and_recovers(
    postgres_env: dict, relay: Relay, tmp_path: Path
) -> None:
    token = participant_token(postgres_env, org="Outage Energy", email="o@outage.example")
    auth = {"Authorization": f"Bearer {token}"}
    relay.up()
    server = serve(_through(postgres_env, relay), tmp_path / "serve.log", "--workers", "1", "--threads", "2")
    try:
        assert server.request("GET", "/api/v1/me", headers=auth).status == 200
        relay.down()
        down = server.request("GET", "/api/v1/me", headers=auth)
        assert down.status == 503, down.body
        assert down.headers["content-type"] == "application/problem+json" and down.headers["retry-after"]
        assert server.get("/healthz").status == 503
        page = server.request("GET", "/incidents/", headers={"Cookie": "sessionid=" + "a" * 32})
        assert page.status == 503 and b"temporarily unavailable" in page.body
        assert "set-cookie" not in page.headers  # a database blip must not sign anyone out
        write = server.request("POST", "/api/v1/tokens", {"name": "x"}, headers=auth)
        assert write.status == 503
        relay.up()
        assert server.request("GET", "/api/v1/me", headers=auth).status == 200
    finally:
        server.stop()


def test_a_stale_pooled_connection_does_not_fail_a_request(postgres_env: dict, tmp_path: Path) -> None:
    """After a database restart the pooled connection is dead: the next request reconnects, not fails."""
    token = participant_token(postgres_env, org="Outage Energy", email="o@outage.example")
    auth = {"Authorization": f"Bearer {token}"}
    server = serve(postgres_env, tmp_path / "serve.log", "--workers", "1", "--threads", "1")
    try:
        assert server.request("GET", "/api/v1/me", headers=auth).status == 200
        assert terminate_connections(postgres_env) >= 1
        assert [server.request("GET", "/api/v1/me", headers=auth).status for _ in range(3)] == [200] * 3
    finally:
        server.stop()
