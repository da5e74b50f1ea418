"""Databases for tests that need one of their own: migrated templates, and pointing Django at them.

Migrating from scratch takes seconds, so a migrated SQLite file and a migrated PostgreSQL template
database are built once and kept between sessions (in the temporary directory and on the server), keyed
by a hash of Django, the installed apps and every migration file; tests start from copies. Used by the
backup tests and the served-process tests.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.utils import ConnectionHandler

from busbar.lib.env import env_database

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def sqlite_settings(path: Path, *, fast: bool = False) -> dict:
    """The settings Busbar itself makes of ``sqlite:///path`` (WAL, IMMEDIATE transactions)."""
    config = env_database("DATABASE_URL", f"sqlite:///{path}", environ={})
    if fast:  # building a template: nothing to lose in a crash
        config["OPTIONS"]["init_command"] = "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
    return config


def pg_settings(name: str, *, port: int = 5432, fast: bool = False) -> dict:
    config = env_database("DATABASE_URL", f"postgres://postgres@127.0.0.1:{port}/{name}", environ={})
    config["CONN_MAX_AGE"] = 0
    if fast:
        config.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
    return config


def _clear_model_caches() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # ids differ between databases


@contextmanager
def use_database(config: dict) -> Iterator[None]:
    """Point Django's default connection (this thread) at another database for the duration."""
    wrapper = ConnectionHandler({"default": dict(config)})["default"]
    previous = connections["default"]
    connections["default"] = wrapper
    _clear_model_caches()
    try:
        yield
    finally:
        wrapper.close()
        connections["default"] = previous
        _clear_model_caches()


def migrations_key() -> str:
    """A hash of everything migrating from scratch depends on: Django, the apps, every migration file."""
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(f"{django.get_version()}\n{settings.INSTALLED_APPS}\n".encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        module = sys.modules[type(loader.disk_migrations[key]).__module__]
        digest.update(f"{key}\n".encode() + Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def template_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"busbar-test-templates-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def sqlite_template(django_db_blocker) -> Path:
    """A migrated SQLite database file (journal mode DELETE: the one file is the whole database)."""
    path = template_dir() / f"sqlite-{migrations_key()}.sqlite3"
    if not path.exists():
        building = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        try:
            with django_db_blocker.unblock(), use_database(sqlite_settings(building, fast=True)):
                call_command("migrate", interactive=False, verbosity=0)
            with closing(sqlite3.connect(building)) as db:
                assert db.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
            os.replace(building, path)  # atomic: a concurrent session sees all of it or nothing
        finally:
            building.unlink(missing_ok=True)
    return path


def postgres_unavailable(*, tools: bool = False) -> str | None:
    """Why the PostgreSQL tests cannot run here (or None): no server, or (``tools``) no client tools."""
    if tools and not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")):
        return "pg_dump / pg_restore / psql are not installed"
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
    except OSError:
        return "no PostgreSQL answers on 127.0.0.1:5432"
    return None


def pg_admin():
    import psycopg

    return psycopg.connect(PG_ADMIN, autocommit=True)


@pytest.fixture(scope="session")
def pg_template(django_db_blocker) -> str:
    """A migrated PostgreSQL database to ``CREATE DATABASE … TEMPLATE`` from, kept on the server."""
    reason = postgres_unavailable()
    if reason is None:
        try:
            pg_admin().close()
        except Exception as exc:
            reason = f"cannot connect to PostgreSQL as postgres: {exc}"
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI: the PostgreSQL tests must run: {reason}")
        pytest.skip(reason)
    import psycopg

    name = f"busbar_test_tpl_{migrations_key()}"
    with closing(pg_admin()) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return name
        building = f"busbar_test_build_{secrets.token_hex(4)}"
        admin.execute(f'CREATE DATABASE "{building}"')
        try:
            with django_db_blocker.unblock(), use_database(pg_settings(building, fast=True)):
                call_command("migrate", interactive=False, verbosity=0)
            with suppress(psycopg.errors.DuplicateDatabase):  # another session built it meanwhile
                admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        stale = admin.execute(
            r"SELECT datname FROM pg_database WHERE datname LIKE 'busbar\_test\_tpl\_%%' AND datname <> %s",
            [name],
        ).fetchall()
        for (old,) in stale:  # templates of older migrations
            with suppress(psycopg.Error):
                admin.execute(f'DROP DATABASE IF EXISTS "{old}"')
    return name
