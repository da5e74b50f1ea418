"""PostgreSQL indexes the incident benchmark showed missing at 1,000,000 incidents (see bench/incidents).

* ``inc_created`` on (created_at DESC, id DESC): the default ordering of every incident list. Without it
  ``/api/v1/incidents`` and the "Everything" queue read and sort the whole table for each page.
* ``inc_search`` (GIN) on the weighted summary/description vector that ``queries.search`` builds, so a
  text search is an index lookup instead of ``to_tsvector`` over every row. The expression is built from
  the same Django expressions as the query, so PostgreSQL matches the index to it.
* ``inc_reference_upper`` on UPPER(reference): ``queries.search`` finds a reference with ``iexact``,
  which PostgreSQL runs as ``UPPER(reference) = UPPER(%s)`` and cannot answer from the unique index.

Database-only (``RunPython`` without state operations): the model's ``Meta.indexes`` are unchanged, so
``makemigrations`` sees nothing to do; on other databases this migration does nothing. Built
``CONCURRENTLY`` (the migration is non-atomic), so a live database keeps taking writes meanwhile; then
``ANALYZE`` gives the planner statistics on the indexed expressions.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models
from django.db.models.functions import Upper


def _indexes() -> list[models.Index]:
    return [
        models.Index(fields=["-created_at", "-id"], name="inc_created"),
        GinIndex(
            SearchVector("summary", weight="A", config="english")
            + SearchVector("description", weight="B", config="english"),
            name="inc_search",
        ),
        models.Index(Upper("reference"), name="inc_reference_upper"),
    ]


def add(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor != "postgresql":
        return
    incident = apps.get_model("incidents", "Incident")
    for index in _indexes():
        # A failed concurrent build leaves an invalid index behind: start afresh.
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index.name}")
        schema_editor.add_index(incident, index, concurrently=True)
    # Statistics on the new expressions, so the planner knows a reference matches one row (not 0.5 %).
    schema_editor.execute("ANALYZE incidents_incident")


def remove(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in _indexes():
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index.name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("incidents", "0003_sla_next_check")]

    operations = [migrations.RunPython(add, remove, elidable=False)]
