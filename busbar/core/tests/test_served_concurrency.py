"""busbar serve holds 200 simultaneous keep-alive clients: every one is accepted and answered.

The single-process server Busbar used before accepted 100 connections and left the rest waiting: with
200 clients that each keep their connection open, half were never served. Here all 200 connect and
make a first request, wait until every other client has had its answer, then make a second.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

import pytest

from busbar.core.tests.served import serve

pytestmark = pytest.mark.xdist_group("served")

CLIENTS = 200


def test_two_hundred_keep_alive_clients_are_all_served(sqlite_env: dict, tmp_path: Path) -> None:
    token = sqlite_env["BUSBAR_TEST_TOKEN"]
    # Every client asks for itself once (a signed-in API call), then checks the health endpoint.
    paths = ["/api/v1/me"] * 20 + ["/healthz"] * (CLIENTS - 20)
    env = {**sqlite_env, "BUSBAR_API_RATE": "100000/m"}
    # One worker process: its threads serve requests while idle keep-alive connections wait in its poller.
    server = serve(env, tmp_path / "serve.log", "--workers", "1", "--threads", "4")
    barrier = threading.Barrier(CLIENTS, timeout=60)
    results: list[tuple[int, int]] = []
    errors: list[str] = []

    def client(path: str) -> None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
            statuses = []
            for step in range(2):
                connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
                reply = connection.getresponse()
                reply.read()
                statuses.append(reply.status)
                if step == 0:
                    barrier.wait()  # every client is connected and has its first answer before any goes on
            results.append(tuple(statuses))
            connection.close()
        except Exception as exc:
            errors.append(repr(exc))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(path,)) for path in paths]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        server.stop()
    assert errors == [], errors[:5]
    assert results == [(200, 200)] * CLIENTS
    assert time.monotonic() - started < 60
