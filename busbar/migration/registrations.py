"""What qualification and migration add to the kernel, the shared pages and the API (called from
``ready``)."""

from __future__ import annotations


def register_all() -> None:
    from busbar.lib.registry import api_router, demo_loader, nav_entry, timeline_only
    from busbar.lib.taskcontext import periodic
    from busbar.migration import queries, tasks
    from busbar.migration.api import router
    from busbar.records.registry import RecordType, register

    register(
        RecordType(
            kind="migration_exception",
            prefix="MEX",
            label="Migration exception",
            model="migration.MigrationException",
            visible_to=queries.exceptions_visible_to,
            works_on=queries.works_on_exception,
            url_name="migration_exception_detail",
            timeline_rules=queries.EXCEPTION_TIMELINE,
        )
    )
    nav_entry("Migration", "migration_home", order=46, group="programmes", show=queries.show_nav)
    api_router("migration", router, order=72)
    demo_loader("busbar.migration.demo:load", order=90)
    timeline_only("migration", "migrationexception")
    periodic(tasks.check_cutovers)
