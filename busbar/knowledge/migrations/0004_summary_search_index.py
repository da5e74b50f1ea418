"""PostgreSQL: the GIN index of the articles' title, keywords and summary (what suggestions match), and
their search documents filled in (SQLite's FTS5 table already holds the columns apart)."""

from django.db import migrations


def forward(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS kb_summary_search ON knowledge_article USING gin (summary_vector)"
    )
    schema_editor.execute(
        """
        UPDATE knowledge_article a SET summary_vector =
            setweight(to_tsvector('english', COALESCE(v.title, '')), 'A')
            || setweight(to_tsvector('english', COALESCE(a.keywords, '')), 'A')
            || setweight(to_tsvector('english', COALESCE(v.summary, '')), 'B')
        FROM knowledge_articleversion v
        WHERE v.id = COALESCE(a.published_version_id, a.working_version_id)
        """
    )


def backward(apps, schema_editor) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS kb_summary_search")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_summary_vector")]

    operations = [migrations.RunPython(forward, backward)]
