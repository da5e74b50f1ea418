"""Request counting for rate limits, shared by every server process.

A fixed window per key: :func:`hit` counts one request in the current window and returns the count so
far. With the default database cache the count is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
on a small table (one row per key, reset when a new window starts): a single short statement, where the
cache API would take two transactions of several statements each — which matters on SQLite, where
every write takes the database's one write lock. With Redis or Memcached configured, their atomic
``incr`` is used instead.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from busbar.core.models import RateCounter

# Only the model's own table name is interpolated; the values are parameters.
_TABLE = RateCounter._meta.db_table
_UPSERT = (
    f"INSERT INTO {_TABLE} (key, window_start, count) VALUES (%s, %s, 1) ON CONFLICT (key) DO UPDATE SET "  # noqa: S608
    f"count = CASE WHEN {_TABLE}.window_start = excluded.window_start THEN {_TABLE}.count + 1 ELSE 1 END, "
    "window_start = excluded.window_start RETURNING count"
)


def uses_table() -> bool:
    """The shared cache is the database's: count in the table rather than through the cache API."""
    return settings.CACHES["default"]["BACKEND"].endswith(".db.DatabaseCache")


def hit(key: str, *, window: int, now: float, table: bool | None = None) -> int:
    """Count a request for ``key`` in the ``window``-second window containing ``now``; the count so far."""
    start = int(now // window) * window
    if uses_table() if table is None else table:
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT, [key[:200], start])
            return int(cursor.fetchone()[0])
    bucket = f"busbar:rate:{key}:{start}"
    # add() is a no-op if the key exists; incr() is atomic on Redis and Memcached.
    cache.add(bucket, 0, timeout=window * 2)
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window * 2)
        return 1
