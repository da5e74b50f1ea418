"""``busbar serve``: the production web server (gunicorn, threaded workers) and its start-up checks.

Why gunicorn with gthread workers: Busbar's requests are short and mostly wait on the database, so a
few processes (real parallelism across cores) each running a few threads (overlapping the waits) serve
hundreds of concurrent users; gunicorn's master process replaces a worker that crashes or hangs past
``BUSBAR_REQUEST_TIMEOUT``, recycles workers after many requests, and reloads gracefully on ``SIGHUP``
(new workers start with the new code before the old ones finish their requests and exit). It is pure
Python, so ``pip install`` is all it needs. The benchmark comparing it with waitress and granian is in
bench/load/ (README there).

Start-up order: wait for the database (logging why while it is away), migrate if needed, load the demo
if asked, collect static files, close the master's database connections, then fork the workers.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("busbar.serve")


def wait_for_database(timeout: float, *, say: Any = None) -> None:
    """Block until the default database answers, retrying with back-off; exit 2 after ``timeout`` seconds.

    ``timeout`` 0 waits for ever. Every failed attempt is reported with the database's own reason.
    """
    from django.db import OperationalError, connection

    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    started = time.monotonic()
    delay = 1.0
    while True:
        try:
            connection.ensure_connection()
            return
        except OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            waited = time.monotonic() - started
            if timeout and waited + delay > timeout:
                say(
                    f"busbar: the database did not answer within {int(timeout)} s ({reason}); "
                    "check DATABASE_URL, or raise BUSBAR_DB_WAIT_SECONDS"
                )
                raise SystemExit(2) from None
            say(f"busbar: waiting for the database ({reason}); retrying in {delay:.0f} s")
            connection.close()
            time.sleep(delay)
            delay = min(delay * 2, 10.0)


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def gunicorn_options(*, host: str, port: int, workers: int, threads: int, data_dir: Path) -> dict[str, Any]:
    from django.conf import settings

    return {
        "bind": [_bind(host, port)],
        "worker_class": "gthread",
        "workers": workers,
        "threads": threads,
        # Connections each worker keeps open at once (idle keep-alive ones included).
        "worker_connections": 1000,
        "backlog": 2048,
        "timeout": settings.BUSBAR_REQUEST_TIMEOUT,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Recycle each worker now and then (staggered), so a slow leak cannot grow for ever.
        "max_requests": 10_000,
        "max_requests_jitter": 1_000,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "pidfile": str(data_dir / "busbar.pid"),
        "proc_name": "busbar",
        "accesslog": "-" if settings.BUSBAR_ACCESS_LOG else None,
        "errorlog": "-",
        "loglevel": "info",
        # Only a proxy on this machine may say a request came over https (with BUSBAR_BEHIND_PROXY).
        "forwarded_allow_ips": "127.0.0.1,::1",
        "preload_app": False,
        # Unused (signals control Busbar); by default one path per home directory, shared by every instance.
        "control_socket_disable": True,
    }


def run_gunicorn(options: dict[str, Any], banner: str) -> None:
    from gunicorn.app.base import BaseApplication

    class BusbarServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)
            self.cfg.set("when_ready", lambda server: print(banner, flush=True))

        def load(self) -> Any:
            from busbar.wsgi import application

            return application

    BusbarServer().run()


def run_waitress(*, host: str, port: int, threads: int, banner: str) -> None:
    """The single-process server Busbar used before; kept for comparison in the load benchmark."""
    from django.conf import settings

    try:
        from waitress import serve
    except ImportError:
        raise SystemExit(
            "busbar serve --server waitress needs the bench extra: pip install -e '.[bench]'"
        ) from None

    from busbar.wsgi import application

    print(banner, flush=True)
    serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="Busbar",
        max_request_body_size=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    )
