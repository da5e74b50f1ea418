"""SQLite: ``inc_created`` on (created_at DESC, id DESC), the order of every incident list, as migration
0004 gives PostgreSQL; without it a list page sorts every incident the viewer may see (bench/incidents,
SQLite at 100,000 incidents). Database-only, like 0004; other databases skip it."""

from django.db import migrations


def add(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS inc_created ON incidents_incident (created_at DESC, id DESC)"
        )


def remove(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP INDEX IF EXISTS inc_created")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_incident_search_index")]

    operations = [migrations.RunPython(add, remove, elidable=False)]
