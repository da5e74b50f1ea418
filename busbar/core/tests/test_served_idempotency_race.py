"""Concurrent retries with one Idempotency-Key raise one incident (PostgreSQL, real server processes).

A client whose first POST seems lost may send the retry while the first is still being processed. The
second request waits for the first to commit and replays its answer; it never raises a duplicate.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from busbar.core.tests.served import pg_query, serve

pytestmark = pytest.mark.xdist_group("served-postgresql")


def test_simultaneous_retries_with_one_key_raise_once(postgres_env: dict, tmp_path: Path) -> None:
    token = postgres_env["BUSBAR_TEST_TOKEN"]
    server = serve(postgres_env, tmp_path / "serve.log", "--workers", "1", "--threads", "8")
    body = json.dumps({"service": "svc", "summary": "Race", "description": "Sent eight times at once"})
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": "r-1",
    }
    replies = []
    go = threading.Barrier(8)

    def send() -> None:
        go.wait()
        replies.append(server.request("POST", "/api/v1/incidents", body, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        server.stop()
    assert sorted(r.status for r in replies) == [201] * 8, [(r.status, r.body[:200]) for r in replies]
    assert len({json.loads(r.body)["reference"] for r in replies}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in replies) == 7
    assert pg_query(postgres_env, "SELECT count(*) FROM incidents_incident WHERE summary = 'Race'") == [(1,)]
