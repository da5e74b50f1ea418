"""Concurrent retries with one Idempotency-Key raise one incident (PostgreSQL, real server processes).

A client whose first POST seems lost may send the retry while the first is still being processed. The
second request waits for the first to commit and replays its answer; it never raises a duplicate.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from busbar.core.tests.served import participant_token, serve, shell

SERVICE = """
from busbar.lib.actions import Actor
from busbar.parties import actions
from busbar.parties.models import IndustryRole
from busbar.services.models import Calendar, Service, SlaPolicy
css = actions.create_organisation(actor=Actor.system(), name="Race CSS", roles=[IndustryRole.CSS_PROVIDER])
Service.objects.create(
    name="Race Service", slug="race", provider=css, calendar=Calendar.objects.get(name="24x7"),
    sla_policy=SlaPolicy.objects.get(is_default=True),
)
"""
COUNT = "from busbar.incidents.models import Incident; print(Incident.objects.filter(summary='Race').count())"


def test_simultaneous_retries_with_one_key_raise_once(postgres_env: dict, tmp_path: Path) -> None:
    shell(SERVICE, postgres_env)
    token = participant_token(postgres_env, org="Race Energy", email="r@race.example")
    server = serve(postgres_env, tmp_path / "serve.log", "--workers", "2", "--threads", "4")
    body = json.dumps({"service": "race", "summary": "Race", "description": "Sent eight times at once"})
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
    assert shell(COUNT, postgres_env).strip() == "1"
