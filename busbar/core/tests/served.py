"""Run the real ``busbar serve`` / ``busbar worker`` in child processes for the tests that need them.

What only a real server shows — several processes sharing state, graceful reload, the database going
away and coming back, a worker killed mid-task — is tested against child processes started here, each
with its own data directory and database (a migrated SQLite file copied per test, or a scratch
PostgreSQL database), and a static-files folder collected once per test session.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BUSBAR = [sys.executable, "-m", "busbar.cli"]
PG_HOST, PG_PORT = "127.0.0.1", 5432


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_available() -> bool:
    try:
        socket.create_connection((PG_HOST, PG_PORT), timeout=2).close()
    except OSError:
        return False
    return True


def base_env(data_dir: Path, database_url: str, static_root: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(data_dir)),
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
        "BUSBAR_DATA_DIR": str(data_dir),
        "BUSBAR_STATIC_ROOT": str(static_root),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "served-test-" + "k" * 40,
        "BUSBAR_DB_WAIT_SECONDS": "60",
        "BUSBAR_LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run([*BUSBAR, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"busbar {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def shell(code: str, env: dict[str, str]) -> str:
    return run(["shell", "--no-imports", "-c", code], env).stdout


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Process:
    """A child ``busbar`` process with its output going to a log file."""

    proc: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


#: Every child started, so none outlives the test session even when a test fails half-way.
_CHILDREN: list[Process] = []


def spawn(args: list[str], env: dict[str, str], log: Path) -> Process:
    handle = log.open("ab")
    proc = subprocess.Popen(
        [*BUSBAR, *args], env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle.close()
    child = Process(proc, log)
    _CHILDREN.append(child)
    return child


@atexit.register
def _stop_children() -> None:
    for child in _CHILDREN:
        with contextlib.suppress(Exception):
            child.stop(signal.SIGKILL, timeout=5)


@dataclass
class Server(Process):
    port: int = 0
    env: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Response:
        headers = dict(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            return Response(reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read())
        finally:
            connection.close()

    def get(self, path: str, **headers: str) -> Response:
        return self.request("GET", path, headers=headers)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"busbar serve exited with {self.proc.returncode}:\n{self.output()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if self.get("/healthz").status == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"busbar serve did not become healthy in {timeout} s:\n{self.output()}")

    def pid(self) -> int:
        return int((Path(self.env["BUSBAR_DATA_DIR"]) / "busbar.pid").read_text())


def serve(env: dict[str, str], log: Path, *args: str, wait: bool = True) -> Server:
    port = free_port()
    process = spawn(["serve", "--host", "127.0.0.1", "--port", str(port), *args], env, log)
    server = Server(process.proc, process.log, port=port, env=env)
    _CHILDREN.append(server)
    if wait:
        try:
            server.wait_healthy()
        except BaseException:
            server.stop()
            raise
    return server


# Databases ------------------------------------------------------------------------------------------------

PASSWORD = "correct-horse-battery-staple"


@dataclass(frozen=True)
class Template:
    location: str  # a file (SQLite) or a database name (PostgreSQL)
    token: str  # the standard participant's API token


def _standard_records() -> str:
    """What every served test's database starts with, written through the actions: a participant with a
    password and an API token, and a service (slug "svc") they can raise incidents on. Returns the token.
    """
    from django.test import override_settings

    from busbar.accounts.actions import create_api_token
    from busbar.lib.actions import Actor
    from busbar.parties import actions
    from busbar.parties.models import IndustryRole
    from busbar.services.models import Calendar, Service, SlaPolicy

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        system = Actor.system()
        org = actions.create_organisation(
            actor=system, name="Served Energy", roles=[IndustryRole.ENERGY_SUPPLIER]
        )
        css = actions.create_organisation(actor=system, name="Served CSS", roles=[IndustryRole.CSS_PROVIDER])
        Service.objects.create(
            name="Served Service",
            slug="svc",
            provider=css,
            calendar=Calendar.objects.get(name="24x7"),
            sla_policy=SlaPolicy.objects.get(is_default=True),
        )
        member = actions.add_member(
            actor=system, organisation=org, email="who@served.example", full_name="Who", role="participant"
        )
        member.user.set_password(PASSWORD)
        member.user.save()
        return create_api_token(actor=Actor(user=member.user), user=member.user, name="served")[1]


@pytest.fixture(scope="session")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("static")
    run(["collectstatic", "--noinput", "-v0"], base_env(folder, "sqlite:///unused.sqlite3", folder))
    return folder


@pytest.fixture(scope="session")
def migrated_sqlite(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    django_db_blocker,
) -> Template:
    """The migrated SQLite template with the standard records, made once per test session."""
    from busbar.core.tests.databases import sqlite_settings, use_database

    path = tmp_path_factory.mktemp("served") / "busbar.sqlite3"
    shutil.copyfile(sqlite_template, path)
    with django_db_blocker.unblock(), use_database(sqlite_settings(path)):
        token = _standard_records()
    return Template(str(path), token)


@pytest.fixture
def sqlite_env(tmp_path: Path, migrated_sqlite: Template, static_root: Path) -> dict[str, str]:
    """The environment of a served test on its own copy of the SQLite template (``BUSBAR_TEST_TOKEN``)."""
    data = tmp_path / "var"
    data.mkdir()
    database = data / "busbar.sqlite3"
    shutil.copy(migrated_sqlite.location, database)
    return base_env(data, f"sqlite:///{database}", static_root, BUSBAR_TEST_TOKEN=migrated_sqlite.token)


def _pg(sql: str, database: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname=database, autocommit=True) as c:
        c.execute(sql)


def pg_query(env: dict[str, str], sql: str) -> list[tuple]:
    import psycopg

    name = env["DATABASE_URL"].rsplit("/", 1)[-1]
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname=name, autocommit=True) as c:
        return c.execute(sql).fetchall()


@pytest.fixture(scope="session")
def postgres_template(pg_template: str, django_db_blocker) -> Iterator[Template]:
    """The migrated PostgreSQL template with the standard records, cloned per test (skipped without one)."""
    from busbar.core.tests.databases import pg_settings, use_database

    name = f"busbar_served_tpl_{secrets.token_hex(4)}"
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    try:
        with django_db_blocker.unblock(), use_database(pg_settings(name)):
            token = _standard_records()
        yield Template(name, token)
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_env(tmp_path: Path, postgres_template: Template, static_root: Path) -> Iterator[dict[str, str]]:
    """A scratch PostgreSQL database for one test, cloned from the template (``BUSBAR_TEST_TOKEN``)."""
    name = f"busbar_served_{secrets.token_hex(4)}"
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template.location}"')
    data = tmp_path / "var"
    data.mkdir()
    env = base_env(
        data,
        f"postgres://postgres@{PG_HOST}:{PG_PORT}/{name}",
        static_root,
        BUSBAR_TEST_TOKEN=postgres_template.token,
    )
    try:
        yield env
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def terminate_connections(env: dict[str, str]) -> int:
    """Kill every PostgreSQL session open on the test's database, as a database restart would."""
    import psycopg

    name = env["DATABASE_URL"].rsplit("/", 1)[-1]
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True
    ) as c:
        rows = c.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return len(rows)


# A TCP relay that can be cut, standing in for a database that goes away -----------------------------------


class Relay:
    """Forwards a local port to PostgreSQL; ``down()`` refuses and cuts connections, ``up()`` restores."""

    def __init__(self, target: tuple[str, int] = (PG_HOST, PG_PORT)) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (close alone does not)
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
