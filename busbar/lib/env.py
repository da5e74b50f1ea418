"""Typed readers for settings taken from the environment.

Every reader raises :class:`ConfigError` naming the variable when a value cannot be used, so a bad
deployment stops at start-up with a clear message instead of misbehaving later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting read from the environment has a value Busbar cannot use."""


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    return (environ if environ is not None else os.environ).get(name)


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use one of: true, false, 1, 0, yes, no)")


def env_int(
    name: str,
    default: int,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is below the minimum of {minimum}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name}={number} is above the maximum of {maximum}")
    return number


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_database(name: str, default: str, environ: Mapping[str, str] | None = None) -> dict:
    """Parse a database URL (``sqlite:///path`` or ``postgres://user@host:port/name``)."""
    value = _raw(name, environ) or default
    scheme = urlsplit(value).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"{name}={value!r}: unsupported database scheme {scheme!r} (use sqlite:/// or postgres://)"
        )
    try:
        config = dj_database_url.parse(
            value, conn_max_age=60 if scheme != "sqlite" else 0, conn_health_checks=scheme != "sqlite"
        )
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    if config["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "BUSBAR_PG_SERVER_SIDE_BINDING", False, environ
    ):
        # Parameters bound by the server: psycopg then prepares a statement run five times on one
        # connection, so PostgreSQL stops re-planning it (measured in bench/incidents; off by default).
        config.setdefault("OPTIONS", {})["server_side_binding"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME"):
            raise ConfigError(
                f"{name}={value!r}: a SQLite URL needs a file path, e.g. sqlite:///var/busbar.db"
            )
        # WAL lets the worker and the web process read while the other writes; IMMEDIATE transactions
        # avoid "database is locked" upgrades from read to write locks under concurrency. Writers queue
        # for the one write lock for up to 20 s: under a burst a write waits rather than fails.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            "transaction_mode": "IMMEDIATE",
        }
    return config


_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_rate(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """A request rate such as ``600/m`` (per second, minute, hour or day)."""
    value = (_raw(name, environ) or default).strip()
    count, _, unit = value.partition("/")
    if not count.isdigit() or int(count) < 1 or unit not in _RATE_UNITS:
        raise ConfigError(f"{name}={value!r} is not a rate (use e.g. 600/m; units s, m, h, d)")
    return f"{int(count)}/{unit}"


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/m"`` → ``(600, 60)``: requests allowed per window of that many seconds."""
    count, _, unit = rate.partition("/")
    return int(count), _RATE_UNITS[unit]


def env_cache(name: str, default: str, environ: Mapping[str, str] | None = None) -> dict:
    """The shared cache from a URL: ``db://table`` (default), ``redis://…``, ``memcached://host:port``.

    Login lock-out and API rate limits live in this cache, so every server process must share it:
    ``locmem://`` (per process) is only for a single process, such as the test suite.
    """
    value = (_raw(name, environ) or default).strip()
    parts = urlsplit(value)
    scheme = parts.scheme
    if scheme == "db":
        table = (parts.netloc + parts.path).strip("/")
        if not table.replace("_", "").isalnum():
            raise ConfigError(f"{name}={value!r}: the table name must be letters, digits and '_'")
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": table,
            "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 4},
        }
    if scheme in {"redis", "rediss", "unix"}:
        _need_module("redis", name, value)
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": value}
    if scheme == "memcached":
        _need_module("pymemcache", name, value)
        return {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": parts.netloc}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ConfigError(
        f"{name}={value!r}: unsupported cache (use db://busbar_cache, redis://host:6379/0 or "
        "memcached://host:11211)"
    )


def _need_module(module: str, name: str, value: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"{name}={value!r} needs the {module} package: pip install {module}")


#: Where ``busbar serve`` writes the address it serves at (in the data directory), for the other processes
#: started on the same data directory (``busbar worker`` sends the emails) when no site URL is configured.
SERVED_URL_FILE = "served_url"


def local_site_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server bound to ``host``:``port`` (a wildcard
    bind is reached at 127.0.0.1)."""
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 - naming the wildcard, not binding to it
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def served_url(data_dir: Path) -> str | None:
    """The address the last ``busbar serve`` on ``data_dir`` served at, if it wrote one."""
    try:
        value = (Path(data_dir) / SERVED_URL_FILE).read_text().strip()
    except OSError:
        return None
    return value if value.startswith(("http://", "https://")) and "\n" not in value else None
