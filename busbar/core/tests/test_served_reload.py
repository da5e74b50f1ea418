"""SIGHUP reloads busbar serve gracefully: new workers start, old ones finish, no request fails."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest

from busbar.core.tests.served import serve

pytestmark = pytest.mark.xdist_group("served")


def _booted(log: str) -> set[str]:
    return set(re.findall(r"Booting worker with pid: (\d+)", log))


def test_sighup_replaces_every_worker_without_a_failed_request(sqlite_env: dict, tmp_path: Path) -> None:
    server = serve(sqlite_env, tmp_path / "serve.log", "--workers", "1", "--threads", "2")
    try:
        before = _booted(server.output())
        assert len(before) == 1
        statuses: list[int] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                statuses.append(server.get("/healthz").status)

        thread = threading.Thread(target=hammer)
        thread.start()
        time.sleep(0.5)
        os.kill(server.pid(), signal.SIGHUP)
        deadline = time.monotonic() + 30
        while not _booted(server.output()) - before and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)
        stop.set()
        thread.join(30)
        after = _booted(server.output())
    finally:
        server.stop()
    assert len(after - before) == 1 and not before & after - before, server.output()
    # Requests that arrive while the new workers load wait in the listen queue; none is refused or lost.
    assert len(statuses) >= 3 and set(statuses) == {200}
