"""Fixtures for the core tests: a service on the default SLA policy (from the incidents tests), and the
databases and static files of the tests that run real ``busbar`` processes (served.py)."""

from busbar.core.tests.databases import pg_template, sqlite_template  # noqa: F401 - fixtures
from busbar.core.tests.served import (  # noqa: F401 - fixtures
    migrated_sqlite,
    postgres_env,
    postgres_template,
    sqlite_env,
    static_root,
)
from busbar.incidents.tests.conftest import catalogue, live_catalogue  # noqa: F401 - fixtures
