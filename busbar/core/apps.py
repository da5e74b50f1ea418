from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(sender, using: str = "default", **kwargs: object) -> None:
    """The shared cache (login lock-out, API rate limits) lives in the database unless set otherwise."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "busbar.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django_tasks.signals import task_finished, task_started

        from busbar.audit.permissions import can_read_journal
        from busbar.core import tasking, tasks
        from busbar.lib.registry import nav_entry

        nav_entry("Home", "home", order=0)
        nav_entry(
            "Audit journal",
            "audit_list",
            order=90,
            group="admin",
            show=lambda scope: can_read_journal(scope) is None,
        )
        nav_entry("API", "/api/v1/docs", order=100, group="admin")
        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="busbar.core.cache_table")
        task_started.connect(tasking.task_started, dispatch_uid="busbar.core.task_started")
        task_finished.connect(tasking.task_finished, dispatch_uid="busbar.core.task_finished")
        tasking.periodic(tasks.purge_expired)
