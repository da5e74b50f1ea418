"""The incidents' full-text index (see busbar.incidents.search): on PostgreSQL, GIN indexes on the two
stored documents of ``incidents_incidenttext`` (built ``CONCURRENTLY``: the migration is non-atomic); on
SQLite, the FTS5 table. Then every existing incident is indexed in one statement.

The old expression index ``inc_search`` (summary and description computed per query) is dropped: the
stored documents replace it.
"""

from django.db import migrations

from busbar.incidents import search


def forward(apps, schema_editor) -> None:  # noqa: ANN001
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        for name, column in (("inc_text_search", "search_vector"), ("inc_text_notes", "notes_vector")):
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE INDEX CONCURRENTLY {name} ON incidents_incidenttext USING gin ({column})"
            )
        search.index_all(using=conn)
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS inc_search")
        schema_editor.execute("ANALYZE incidents_incidenttext")
    elif conn.vendor == "sqlite":
        schema_editor.execute(search.SQLITE_FTS)
        search.index_all(using=conn)


def backward(apps, schema_editor) -> None:  # noqa: ANN001
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS inc_text_search")
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS inc_text_notes")
    elif conn.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {search.FTS_TABLE}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("incidents", "0006_incident_text")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
