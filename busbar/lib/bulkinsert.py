"""Insert many plain rows fast, in the caller's transaction: PostgreSQL's COPY, else one prepared
``INSERT`` run with ``executemany`` (SQLite). For imports of tens of thousands of lines, where building
model instances and compiling ``bulk_create``'s statements costs more than the database's own work.

Only for rows whose values are ready to store (validated by the caller, no defaults or signals needed):
columns are named by their database column (``field.column``), values in the database's own form (ints,
strings, datetimes, None)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, router
from django.db.models import Model


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Iterable[Sequence], *, batch: int = 5000
) -> int:
    """Insert ``rows`` (each a sequence of values for ``columns``) into ``model``'s table; returns how many.

    Column names are checked against the model's concrete fields, so nothing from outside reaches SQL."""
    known = {f.column for f in model._meta.concrete_fields}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is psycopg's own call, outside Django's cursor wrapper: wrap its errors so a constraint
            # broken by a row is Django's IntegrityError, as with an INSERT.
            with connection.wrap_database_errors, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 - names checked above
        chunk: list[Sequence] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count
