"""Health of the things Busbar depends on."""

from __future__ import annotations

import time

from django.db import connection


def database_status() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": "error", "vendor": connection.vendor, "error": type(exc).__name__}
    return {
        "status": "ok",
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }
