from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "busbar.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from busbar.core.tasking import periodic
        from busbar.incidents import tasks

        periodic(tasks.scan_sla)
        periodic(tasks.remind_majors)
