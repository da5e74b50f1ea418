"""The full-text index of articles: a GIN index on ``search_vector`` on PostgreSQL, an FTS5 table on
SQLite (see busbar.knowledge.search)."""

from django.db import migrations

FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts USING fts5("
    "title, keywords, summary, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)


def forward(apps, schema_editor) -> None:  # noqa: ANN001
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS kb_search ON knowledge_article USING gin (search_vector)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(FTS)


def backward(apps, schema_editor) -> None:  # noqa: ANN001
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS kb_search")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS knowledge_article_fts")


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
