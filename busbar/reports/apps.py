from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "busbar.reports"
    label = "reports"
    verbose_name = "Service level management and reporting"

    def ready(self) -> None:
        from busbar.reports import registrations

        registrations.register_all()
