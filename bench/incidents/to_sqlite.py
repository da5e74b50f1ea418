"""Copy a loaded benchmark database (PostgreSQL) into a new SQLite file, to measure the embedded default
at the same data (``load.py`` writes with PostgreSQL ``COPY`` only).

Every table of every installed model is copied row for row through the ORM (so each value is converted as
Django stores it on SQLite), in dependency order, into a freshly migrated SQLite database whose tables
were emptied first (the journal's append-only trigger refuses updates only); then the incidents' full-text
table (FTS5) is built and ``ANALYZE`` is run. THIS IS A DATA
COPIER FOR A BENCHMARK: it bypasses the actions, like the loader.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/busbar_bench100k
    .venv/bin/python bench/incidents/to_sqlite.py /tmp/busbar_bench100k.sqlite3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="the SQLite file to create (must not exist)")
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args(argv)
    target = Path(args.target)
    if target.exists():
        sys.exit(f"{target} exists: give a new file")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "busbar.settings")
    import django
    from django.conf import settings

    from busbar.lib.env import env_database

    settings.DATABASES["sqlite"] = env_database("X", f"sqlite:///{target}", environ={})
    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.core.serializers import sort_dependencies
    from django.db import connections, transaction

    from busbar.incidents import search as incident_search

    t0 = time.perf_counter()
    call_command("migrate", database="sqlite", verbosity=0)
    app_list = {config: None for config in apps.get_app_configs()}
    models = sort_dependencies(app_list.items(), allow_cycles=True)
    # Auto-created many-to-many tables come after both their ends.
    models += [m for m in apps.get_models(include_auto_created=True) if m._meta.auto_created]
    sqlite = connections["sqlite"]
    with sqlite.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        for model in reversed(models):
            if model._meta.managed and not model._meta.proxy:
                cursor.execute(f'DELETE FROM "{model._meta.db_table}"')
    copied = {}
    for model in models:
        if not model._meta.managed or model._meta.proxy:
            continue
        n = 0
        rows = model._base_manager.using("default").order_by("pk").iterator(chunk_size=args.chunk)
        batch = []
        with transaction.atomic(using="sqlite"):
            for row in rows:
                batch.append(row)
                if len(batch) == args.chunk:
                    model._base_manager.using("sqlite").bulk_create(batch)
                    n += len(batch)
                    batch = []
            if batch:
                model._base_manager.using("sqlite").bulk_create(batch)
                n += len(batch)
        if n:
            copied[model._meta.db_table] = n
    with sqlite.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = ON")
    incident_search.index_all(using=sqlite)
    with sqlite.cursor() as cursor:
        cursor.execute("ANALYZE")
    for table, n in sorted(copied.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {table:<40} {n:>10,}")
    print(f"copied {sum(copied.values()):,} rows in {time.perf_counter() - t0:.0f} s into {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
